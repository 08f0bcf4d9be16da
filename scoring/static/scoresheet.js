// Saiwu tablet score sheet. Works offline once loaded: every entry goes first into this device's queue
// (localStorage) with an idempotency key, and is sent to the server when the network allows; a retry of the
// same key never creates a second mark. No inline script anywhere (CSP): the page's data comes in
// <script type="application/json"> blocks.
(function () {
  "use strict";
  var root = document.getElementById("sheet");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("sheet-text").textContent);
  var state = JSON.parse(document.getElementById("sheet-data").textContent);
  var judge = root.getAttribute("data-judge");
  var eventId = root.getAttribute("data-event");
  var csrf = root.getAttribute("data-csrf");
  var saveUrl = root.getAttribute("data-save-url");
  var signUrl = root.getAttribute("data-sign-url");
  var stateUrl = root.getAttribute("data-state-url");
  var swUrl = root.getAttribute("data-sw-url");
  var assets = (root.getAttribute("data-assets") || "").split(" ").filter(Boolean);
  var CACHE = "saiwu-sheet-v1";
  var QKEY = "saiwu-queue:" + judge + ":" + eventId;
  var SKEY = "saiwu-marks:" + judge + ":" + eventId;
  var PKEY = "saiwu-pos:" + judge + ":" + eventId;

  function load(key, fallback) {
    try { var v = window.localStorage.getItem(key); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full: keep in memory */ }
  }
  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }
  var device = load("saiwu-device", null);
  if (!device) { device = uuid(); store("saiwu-device", device); }

  var queue = load(QKEY, []);          // entries not yet confirmed by the server, oldest first
  var rejected = {};                   // "code|aspect" -> the server's message
  var pos = load(PKEY, {});
  var online = navigator.onLine;

  // Marks this device saw saved (possibly newer than the page it was loaded with, e.g. an offline reload).
  function mergeKnown() {
    var known = load(SKEY, {});
    Object.keys(known).forEach(function (code) {
      Object.keys(known[code]).forEach(function (aid) {
        var k = known[code][aid], cur = (state.marks[code] || {})[aid];
        if (!cur || cur.version < k.version) { state.marks[code] = state.marks[code] || {}; state.marks[code][aid] = k; }
      });
    });
  }
  mergeKnown();

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function modules() { return state.modules || []; }
  function currentModule() {
    var m = modules().filter(function (x) { return x.id === pos.module; })[0];
    return m || modules()[0];
  }
  function isSigned(code, mid) { return (state.signed[code] || []).indexOf(mid) !== -1; }
  function serverMark(code, aid) { return (state.marks[code] || {})[String(aid)]; }
  function waiting(code, aid) {
    var hit = null;
    queue.forEach(function (q) { if (q.code === code && String(q.aspect_id) === String(aid)) { hit = q; } });
    return hit;
  }
  function shownValue(code, aid) {
    var w = waiting(code, aid);
    if (w) { return w.value; }
    var s = serverMark(code, aid);
    return s ? s.value : "";
  }
  function flagged(code, aid) {
    return (state.flags || []).some(function (f) { return f.code === code && f.aspect_id === aid; });
  }

  // ------------------------------------------------------------------ entering a mark
  function checkLocal(aspect, text) {
    var v = Number(String(text).replace("，", ".").trim());
    if (String(text).trim() === "" || !isFinite(v)) { return T.bad_number; }
    var lo = Number(aspect.min), hi = Number(aspect.max);
    if (v < lo || v > hi) { return T.out_of_range + " " + aspect.min + "–" + aspect.max; }
    if (aspect.step) {
      var n = (v - lo) / Number(aspect.step);
      if (Math.abs(n - Math.round(n)) > 1e-9) { return T.off_step + " " + aspect.step; }
    }
    return null;
  }

  function enter(code, aspect, text) {
    text = String(text).replace("，", ".").trim();
    var key = code + "|" + aspect.id;
    if (text === shownValue(code, aspect.id) && !rejected[key]) { return; }
    var problem = checkLocal(aspect, text);
    if (problem) { rejected[key] = problem; render(); return; }
    delete rejected[key];
    var base = serverMark(code, aspect.id);
    queue.push({ key: uuid(), code: code, aspect_id: aspect.id, value: text,
                 base_version: base ? base.version : 0, entered_at: Date.now() });
    store(QKEY, queue);
    render();
    flush();
  }

  // ------------------------------------------------------------------ sending
  var flushing = false;
  function setOnline(value) {
    online = value;
    document.getElementById("net-state").textContent = online ? T.online : T.offline;
    document.getElementById("net").className = "net " + (online ? "is-online" : "is-offline");
  }
  function banner(text) {
    var b = document.getElementById("banner");
    b.textContent = text || "";
    b.hidden = !text;
  }
  function remember(code, aid, value, version) {
    state.marks[code] = state.marks[code] || {};
    state.marks[code][String(aid)] = { value: value, version: version };
    var known = load(SKEY, {});
    known[code] = known[code] || {};
    known[code][String(aid)] = { value: value, version: version };
    store(SKEY, known);
  }
  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { throw { login: true }; } // login page or CSRF page
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    });
  }

  function flush() {
    if (flushing || !queue.length) { return; }
    flushing = true;
    var entry = queue[0];
    postJSON(saveUrl, {
      key: entry.key, code: entry.code, aspect_id: entry.aspect_id, value: entry.value,
      base_version: entry.base_version, device: device, queued_ms: Math.max(0, Date.now() - entry.entered_at)
    }).then(function (res) {
      if (res.status >= 500) { throw { retry: true }; }
      setOnline(true);
      banner("");
      queue.shift();
      store(QKEY, queue);
      var k = entry.code + "|" + entry.aspect_id;
      if (res.status < 300) {
        remember(entry.code, entry.aspect_id, res.data.value, res.data.version);
        delete rejected[k];
      } else {
        rejected[k] = (res.data && res.data.error) || T.refused;
      }
      flushing = false;
      render();
      if (queue.length) { flush(); } else { refresh(); }
    }).catch(function (err) {
      flushing = false;
      if (err && err.login) { banner(T.login); } else { setOnline(false); }
      render();
    });
  }

  function refresh() {
    fetch(stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.modules) { return; }
        state = data;
        var known = {};
        Object.keys(state.marks).forEach(function (code) { known[code] = state.marks[code]; });
        store(SKEY, known);
        setOnline(true);
        render();
      }).catch(function () { setOnline(false); });
  }

  function sign(code, mod) {
    if (!window.confirm(T.sign_confirm)) { return; }
    postJSON(signUrl, { code: code, criterion_id: mod.id }).then(function (res) {
      if (res.status < 300) {
        state.signed[code] = (state.signed[code] || []).concat([mod.id]);
        banner("");
      } else {
        banner(res.data.error || T.refused);
      }
      render();
    }).catch(function (err) {
      if (err && err.login) { banner(T.login); } else { setOnline(false); banner(T.offline); }
    });
  }

  // ------------------------------------------------------------------ drawing
  function statusOf(code, aid) {
    var k = code + "|" + aid;
    if (rejected[k]) { return { cls: "st-refused", text: T.refused + "：" + rejected[k] }; }
    if (waiting(code, aid)) { return { cls: "st-waiting", text: T.waiting }; }
    var s = serverMark(code, aid);
    if (s) { return { cls: "st-saved", text: T.saved + " · " + T.version.replace("{n}", s.version) }; }
    return { cls: "st-empty", text: T.empty };
  }

  function control(code, aspect, locked) {
    var box = el("div", "control");
    var value = shownValue(code, aspect.id);
    if (aspect.kind === "judgement" || aspect.kind === "pass_fail") {
      var options = aspect.kind === "judgement"
        ? [0, 1, 2, 3].map(function (n) { return { v: String(n), label: String(n), help: (aspect.levels || [])[n] || "" }; })
        : [{ v: "1", label: T.yes, help: "" }, { v: "0", label: T.no, help: "" }];
      box.className += " choices";
      options.forEach(function (o) {
        var b = el("button", "choice" + (value === o.v ? " chosen" : ""));
        b.type = "button";
        b.disabled = locked;
        b.setAttribute("aria-pressed", value === o.v ? "true" : "false");
        b.setAttribute("data-value", o.v);
        b.appendChild(el("span", "choice-value", o.label));
        if (o.help) { b.appendChild(el("span", "choice-help", o.help)); }
        b.addEventListener("click", function () { enter(code, aspect, o.v); });
        box.appendChild(b);
      });
      return box;
    }
    var input = el("input", "mark-input");
    input.type = "text";
    input.setAttribute("inputmode", "decimal");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-label", aspect.code);
    input.setAttribute("data-aspect", aspect.id);
    input.value = value;
    input.disabled = locked;
    input.addEventListener("change", function () { enter(code, aspect, input.value); });
    input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); input.blur(); } });
    var save = el("button", "save", T.save);
    save.type = "button";
    save.disabled = locked;
    save.addEventListener("click", function () { enter(code, aspect, input.value); });
    box.appendChild(input);
    box.appendChild(save);
    return box;
  }

  function render() {
    var codes = state.contestants || [];
    var code = codes.indexOf(pos.code) !== -1 ? pos.code : codes[0];
    var mod = currentModule();
    document.getElementById("queue-count").textContent = String(queue.length);
    root.setAttribute("data-waiting", String(queue.length));

    var nav = document.getElementById("codes");
    nav.textContent = "";
    if (!codes.length || !mod) { nav.appendChild(el("p", "muted", T.none)); return; }
    codes.forEach(function (c) {
      var total = 0, done = 0, signedAll = true;
      modules().forEach(function (m) {
        m.aspects.forEach(function (a) { total += 1; if (shownValue(c, a.id) !== "") { done += 1; } });
        if (!isSigned(c, m.id)) { signedAll = false; }
      });
      var b = el("button", "code" + (c === code ? " active" : "") + (signedAll ? " all-signed" : ""));
      b.type = "button";
      b.setAttribute("data-code", c);
      b.appendChild(el("span", "code-id", c));
      b.appendChild(el("span", "code-count", done + "/" + total));
      b.addEventListener("click", function () { pos.code = c; store(PKEY, pos); render(); });
      nav.appendChild(b);
    });

    var tabs = document.getElementById("tabs");
    tabs.textContent = "";
    modules().forEach(function (m) {
      var t = el("button", "tab" + (m.id === mod.id ? " active" : ""), m.code + " " + m.name);
      t.type = "button";
      t.setAttribute("role", "tab");
      t.setAttribute("aria-selected", m.id === mod.id ? "true" : "false");
      if (isSigned(code, m.id)) { t.appendChild(el("span", "tab-signed", " ✓")); }
      t.addEventListener("click", function () { pos.module = m.id; store(PKEY, pos); render(); });
      tabs.appendChild(t);
    });

    var locked = isSigned(code, mod.id) || mod.confirmed;
    var list = document.getElementById("aspects");
    list.textContent = "";
    list.appendChild(el("h2", "current-code", code + " · " + mod.code + " " + mod.name));
    mod.aspects.forEach(function (a) {
      var card = el("div", "aspect kind-" + a.kind);
      card.setAttribute("data-aspect", a.id);
      var head = el("div", "aspect-head");
      head.appendChild(el("strong", "aspect-code", a.code));
      head.appendChild(el("span", "aspect-desc", a.description));
      var meta = T.max + " " + a.maximum;
      if (a.kind !== "judgement" && a.kind !== "pass_fail") {
        meta = (a.kind === "deduction" ? T.deduct : T.range) + " " + a.min + "–" + a.max +
          (a.step ? " · " + T.step + " " + a.step : "");
      }
      head.appendChild(el("span", "aspect-meta", meta));
      card.appendChild(head);
      card.appendChild(control(code, a, locked));
      var st = statusOf(code, a.id);
      var line = el("p", "mark-status " + st.cls, st.text);
      line.setAttribute("data-status", st.cls.replace("st-", ""));
      card.appendChild(line);
      if (flagged(code, a.id)) { card.appendChild(el("p", "mark-flag", T.flag)); }
      list.appendChild(card);
    });

    var row = document.getElementById("sign-row");
    row.textContent = "";
    if (mod.confirmed) { row.appendChild(el("p", "signed-note", T.confirmed)); return; }
    if (isSigned(code, mod.id)) { row.appendChild(el("p", "signed-note", T.signed)); return; }
    var ready = mod.aspects.every(function (a) {
      return serverMark(code, a.id) && !waiting(code, a.id) && !rejected[code + "|" + a.id];
    });
    var sb = el("button", "button primary sign", T.sign);
    sb.type = "button";
    sb.disabled = !ready;
    sb.addEventListener("click", function () { sign(code, mod); });
    row.appendChild(sb);
    if (!ready) { row.appendChild(el("p", "muted", T.sign_missing)); }
  }

  // ------------------------------------------------------------------ offline support
  function prepareOffline() {
    if (!("serviceWorker" in navigator) || !window.caches) { return; }
    var scope = swUrl.replace(/sw\.js$/, "");
    navigator.serviceWorker.register(swUrl, { scope: scope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () { return window.caches.open(CACHE); })
      .then(function (cache) {
        return Promise.all([cache.add(window.location.pathname)].concat(assets.map(function (a) { return cache.add(a); })));
      })
      .then(function () { root.setAttribute("data-offline-ready", "1"); })
      .catch(function () { root.setAttribute("data-offline-ready", "0"); });
  }

  window.addEventListener("online", function () { setOnline(true); flush(); });
  window.addEventListener("offline", function () { setOnline(false); });
  window.setInterval(function () { if (queue.length) { flush(); } }, 5000);
  setOnline(navigator.onLine);
  render();
  prepareOffline();
  flush();
})();
