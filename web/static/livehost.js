// livehost.js: the API client and event stream shared by every page. No build step, no modules.
"use strict";
(function () {
  const params = new URLSearchParams(location.search);
  const LH = {};
  LH.show = params.get("show") || "";

  // A token arrives once in ?token= (the links `livehost serve --demo` prints); the page keeps it
  // in sessionStorage, keyed by show, and takes it out of the address bar, so it is never in the
  // history, a bookmark, a screenshot of the URL or a link to another page. A page without a
  // show (the reports list) keeps its token under "*", which a show's page falls back to.
  // Lookup: the show's token, else the one of a page without a show, else the last one this tab
  // was given (the reports list reached from a show's report); a token the server refuses asks
  // for another (LH.failed).
  const tokenKey = show => "lh.token." + (show || "*");
  function storedToken(show) {
    try {
      return sessionStorage.getItem(tokenKey(show)) || (show ? sessionStorage.getItem(tokenKey("")) : "") ||
        sessionStorage.getItem("lh.token.last") || "";
    } catch (e) { return ""; }
  }
  LH.saveToken = function (show, token) {
    try {
      sessionStorage.setItem(tokenKey(show), token);
      sessionStorage.setItem("lh.token.last", token);
    } catch (e) { /* storage off: the token lives in this page only */ }
  };
  LH.token = params.get("token") || "";
  if (LH.token) {
    LH.saveToken(LH.show, LH.token);
    params.delete("token");
    const q = params.toString();
    history.replaceState(history.state, "", location.pathname + (q ? "?" + q : "") + location.hash);
  } else {
    LH.token = storedToken(LH.show);
  }

  // LH.link is the address of another page of the same show, never with a token: the page it
  // opens finds the token in sessionStorage (a tab opened from here gets a copy of it).
  LH.link = function (path, extra) {
    const q = new URLSearchParams();
    if (LH.show) q.set("show", LH.show);
    for (const k in extra || {}) if (extra[k] !== undefined && extra[k] !== "") q.set(k, extra[k]);
    const s = q.toString();
    return path + (s ? "?" + s : "");
  };

  LH.api = async function (method, path, body) {
    const opts = { method, headers: { Authorization: "Bearer " + LH.token } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    let data = null;
    const text = await res.text();
    if (text) { try { data = JSON.parse(text); } catch (e) { data = { error: text }; } }
    if (!res.ok) {
      const err = new Error((data && data.error) || res.status + " " + res.statusText);
      err.status = res.status;
      throw err;
    }
    return data;
  };

  // stream keeps a WebSocket open to the show's event stream, reconnecting with backoff and
  // resuming after the last sequence number it saw, so a page never misses or repeats an event.
  LH.stream = function (after, onEvent, onStatus) {
    let last = after || 0;
    let delay = 500;
    let ws = null;
    let stopped = false;
    function connect() {
      if (stopped) return;
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      const url = proto + "//" + location.host + "/api/shows/" + encodeURIComponent(LH.show) +
        "/stream?after=" + last + "&token=" + encodeURIComponent(LH.token);
      ws = new WebSocket(url);
      ws.onopen = function () { delay = 500; onStatus && onStatus("live"); };
      // A message carries one or more events, one JSON object per line.
      ws.onmessage = function (m) {
        for (const line of m.data.split("\n")) {
          let ev;
          try { ev = JSON.parse(line); } catch (e) { continue; }
          if (ev.type === "stream.resync") { onStatus && onStatus("resync"); continue; }
          if (ev.seq && ev.seq <= last) continue;
          if (ev.seq) last = ev.seq;
          try { onEvent(ev); } catch (e) { console.error(e); }
        }
      };
      ws.onclose = function () {
        onStatus && onStatus("offline");
        if (stopped) return;
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 8000);
      };
      ws.onerror = function () { try { ws.close(); } catch (e) {} };
    }
    connect();
    return { stop() { stopped = true; if (ws) ws.close(); }, last() { return last; } };
  };

  LH.el = function (tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const kid of kids.flat()) {
      if (kid === null || kid === undefined || kid === false) continue;
      e.append(kid.nodeType ? kid : document.createTextNode(String(kid)));
    }
    return e;
  };

  // highlight wraps the flagged spans of text (rune offsets, as the moderation engine reports them).
  LH.highlight = function (text, matches, cls) {
    const runes = Array.from(text || "");
    const frag = document.createDocumentFragment();
    const spans = (matches || []).filter(m => m.end > m.start).slice().sort((a, b) => a.start - b.start);
    let pos = 0;
    for (const m of spans) {
      if (m.start < pos) continue;
      if (m.start > pos) frag.append(runes.slice(pos, m.start).join(""));
      const mark = LH.el("mark", { class: (cls || "hl") + " cat-" + (m.category || "x"),
        title: [m.category, m.reason, m.suggestion && ("→ " + m.suggestion)].filter(Boolean).join(" · ") },
        runes.slice(m.start, Math.min(m.end, runes.length)).join(""));
      frag.append(mark);
      pos = m.end;
    }
    if (pos < runes.length) frag.append(runes.slice(pos).join(""));
    return frag;
  };

  LH.yen = function (n, cur) {
    if (n === null || n === undefined) return "";
    if (!cur || cur === "JPY") return "¥" + Math.round(n).toLocaleString("ja-JP");
    return n.toLocaleString(undefined, { style: "currency", currency: cur });
  };

  LH.time = function (iso) {
    const d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  };

  // schedule coalesces re-renders into one per animation frame.
  LH.schedule = function (fn) {
    let queued = false;
    return function () {
      if (queued) return;
      queued = true;
      requestAnimationFrame(function () { queued = false; fn(); });
    };
  };

  LH.toast = function (msg, kind) {
    let box = document.getElementById("toasts");
    if (!box) { box = LH.el("div", { id: "toasts" }); document.body.append(box); }
    const t = LH.el("div", { class: "toast " + (kind || "") }, msg);
    box.append(t);
    setTimeout(() => t.remove(), 4000);
  };

  // askToken replaces the page with a small form asking for what is missing (the show, the
  // token), with why; the answer is kept as a ?token= would be and the page reloads without it.
  LH.askToken = function (why, opts) {
    const needShow = !LH.show && !(opts && opts.noShow);
    const showIn = LH.el("input", { id: "ask-show", value: LH.show, required: true, autocomplete: "off", placeholder: "show-id" });
    const tokIn = LH.el("input", { id: "ask-token", type: "password", required: true, autocomplete: "off", placeholder: "lh_…" });
    const form = LH.el("form", { class: "ask", id: "ask-form" },
      needShow ? LH.el("label", {}, "番組 ID · Show ID", showIn) : null,
      LH.el("label", {}, "トークン · Token", tokIn),
      LH.el("button", { class: "primary", type: "submit" }, "開く · Open"));
    form.addEventListener("submit", ev => {
      ev.preventDefault();
      const show = (needShow ? showIn.value : LH.show).trim();
      const tok = tokIn.value.trim();
      if (!tok) return;
      LH.saveToken(show, tok);
      const q = new URLSearchParams(location.search);
      if (show) q.set("show", show); else q.delete("show");
      q.delete("token");
      location.replace(location.pathname + "?" + q.toString());
    });
    document.body.className = "";
    document.body.replaceChildren(LH.el("main", { class: "missing" },
      LH.el("h1", {}, "トークンが必要です · Token required"),
      LH.el("p", { class: "why" }, why || "このページを開くにはトークンが必要です。 This page needs a token: `livehost serve --demo` prints ready-made links."),
      form));
    (needShow ? showIn : tokIn).focus();
  };

  LH.requireParams = function () {
    if (LH.show && LH.token) return true;
    LH.askToken(LH.show ? "" : "番組 ID とトークンを入力してください · Enter the show ID and a token.");
    return false;
  };

  // failed reports a page that could not load: a refused token asks for another one.
  LH.failed = function (e) {
    if (e && (e.status === 401 || e.status === 403)) {
      LH.askToken("トークンが受け付けられませんでした · The token was refused: " + e.message, { noShow: !LH.show });
      return;
    }
    LH.toast("読み込みに失敗しました: " + (e && e.message), "error");
  };

  window.LH = LH;
})();
