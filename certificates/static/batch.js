// Progress of a certificate batch: polls the JSON status until the job is done or failed.
// A file (not inline script): the CSP allows scripts from 'self' only. Survives reloads: the state is on the server.
(function () {
  "use strict";
  var box = document.getElementById("cert-batch");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var labels = {};  // the states' names in the reader's language, from the page
  try { labels = JSON.parse(box.getAttribute("data-labels") || "{}"); } catch (e) { labels = {}; }
  function show(s) {
    document.getElementById("cert-batch-progress").value = s.percent;
    document.getElementById("cert-batch-text").textContent = labels[s.status] || s.status;
    document.getElementById("cert-batch-count").textContent = s.done + "/" + s.total;
    document.getElementById("cert-batch-percent").textContent = s.percent;
    document.getElementById("cert-batch-queued").hidden = s.status !== "queued";
    var err = document.getElementById("cert-batch-error");
    err.textContent = s.error || "";
    err.hidden = !s.error;
    var link = document.getElementById("cert-batch-download");
    link.hidden = s.status !== "done";
    if (s.download_url) { link.href = s.download_url; }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        show(s);
        if (s.status === "queued" || s.status === "running") { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  var state = box.getAttribute("data-status");
  if (state === "queued" || state === "running") { setTimeout(poll, 500); }
}());
