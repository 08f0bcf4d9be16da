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
