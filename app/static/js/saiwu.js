// Saiwu's small page helpers. No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";
  // <button data-confirm="…"> asks before submitting its form.
  document.addEventListener("submit", function (ev) {
    var btn = ev.submitter;
    var msg = (btn && btn.getAttribute("data-confirm")) || ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
})();
(function () {
  "use strict";
  // A table's "select all" box ticks every row's box in the same table.
  document.addEventListener("change", function (ev) {
    if (!ev.target.classList || !ev.target.classList.contains("check-all")) { return; }
    var table = ev.target.closest("table");
    table.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = ev.target.checked; });
  });
})();
(function () {
  "use strict";
  // <button data-print> prints the page (login cards, draw sheets): one tap on a tablet, no Ctrl+P.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("[data-print]");
    if (btn) { ev.preventDefault(); window.print(); }
  });
})();
