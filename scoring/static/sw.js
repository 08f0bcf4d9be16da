// Saiwu score-sheet service worker, served at /scoring/sw.js so that its scope covers /scoring/sheet/….
// Network first; when the network fails, the copy kept in the cache (the sheet page and its CSS/JS).
// It never touches POSTs: marks wait in the page's own queue until the server answers.
"use strict";
var CACHE = "saiwu-sheet-v1";
// The offline page's words: the server writes them in the reader's language when it serves this file.
var TEXT = {"title": "离线", "message": "离线：这个页面还没有保存在本机。"};

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
}

function offlinePage() {
  return new Response("<!doctype html><meta charset=utf-8><title>" + escapeHtml(TEXT.title) + "</title><p>" +
                      escapeHtml(TEXT.message) + "</p>",
                      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  var sheet = /^\/scoring\/sheet\/\d+$/.test(url.pathname);
  var asset = url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/scoring/static/") === 0;
  if (!sheet && !asset) { return; }
  var key = url.origin + url.pathname;
  event.respondWith(
    fetch(req).then(function (res) {
      if (res.ok && !res.redirected) {
        var copy = res.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(key, copy); });
      }
      return res;
    }).catch(function () {
      return caches.match(key).then(function (hit) { return hit || offlinePage(); });
    })
  );
});
