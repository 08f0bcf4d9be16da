// The chief judge's progress table refreshes itself from progress.json every 15 seconds.
(function () {
  "use strict";
  var table = document.getElementById("progress");
  if (!table) { return; }
  var url = table.getAttribute("data-url");
  function update(data) {
    data.progress.rows.forEach(function (row) {
      row.cells.forEach(function (cell) {
        var td = table.querySelector('[data-cell="' + row.code + "|" + cell.criterion_id + '"]');
        if (!td) { return; }
        td.textContent = "";
        td.className = cell.done ? "cell-done" : "cell-open";
        cell.entries.forEach(function (e) {
          var span = document.createElement("span");
          span.className = "entry-line";
          span.textContent = e.judge + " " + e.entered + "/" + e.expected + (e.signed ? " ✓" : "");
          td.appendChild(span);
        });
      });
    });
    var count = document.getElementById("flag-count");
    if (count) { count.textContent = String(data.flags.length); }
  }
  window.setInterval(function () {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.progress) { update(data); } })
      .catch(function () { /* offline: try again next time */ });
  }, 15000);
})();
