// avatar.js: the avatar page, an OBS browser source. It follows the show's avatar.utterance
// events, plays each one's audio with the mouth following its timing marks and the sentence as a
// caption, shows the product on air and the question being answered, and reports playback start
// and end so that the server paces the show by what is really heard.
"use strict";
(function () {
  const params = new URLSearchParams(location.search);
  const show = LH.show, token = LH.token;
  const base = "/api/shows/" + encodeURIComponent(show);
  if (params.get("layout") === "portrait") document.body.classList.add("portrait");
  const bg = params.get("bg");
  if (bg && bg !== "transparent") document.documentElement.style.background = document.body.style.background = bg;
  // Scale the fixed 1920×1080 (or 1080×1920) stage into whatever window OBS gives.
  function fit() {
    const st = document.getElementById("stage");
    const w = st.offsetWidth, h = st.offsetHeight;
    const k = Math.min(innerWidth / w, innerHeight / h);
    st.style.transform = "scale(" + k + ")";
  }
  addEventListener("resize", fit);
  fit();

  // Mouth shapes of the default character.
  const shapes = {
    n: "M160 280 Q180 286 200 280 Q180 290 160 280Z",
    a: "M155 276 Q180 270 205 276 Q200 318 180 320 Q160 318 155 276Z",
    i: "M152 278 Q180 274 208 278 Q200 296 180 297 Q160 296 152 278Z",
    u: "M168 276 Q180 272 192 276 Q194 298 180 300 Q166 298 168 276Z",
    e: "M155 277 Q180 272 205 277 Q198 305 180 306 Q162 305 155 277Z",
    o: "M162 274 Q180 266 198 274 Q202 310 180 314 Q158 310 162 274Z",
  };
  const mouth = document.getElementById("mouth");
  const mouthPath = mouth.querySelector("path");
  // brand is the brand's own character (part → image URL) once loaded; null draws the SVG one.
  let brand = null;
  const brandFrame = document.getElementById("brand-frame");
  const brandBlink = document.getElementById("brand-blink");
  function setMouth(s) {
    if (!shapes[s]) s = "n";
    if (window.avatarState) window.avatarState.shapes[s] = (window.avatarState.shapes[s] || 0) + 1;
    if (mouth.dataset.shape === s) return;
    mouth.dataset.shape = s;
    if (brand) {
      brandFrame.src = brand[s];
      const f = window.avatarState.frames;
      f[brand[s]] = (f[brand[s]] || 0) + 1;
      return;
    }
    mouthPath.setAttribute("d", shapes[s]);
  }
  // Blink every few seconds.
  setInterval(function () {
    window.avatarState.blinks++;
    if (brand) {
      if (!brand.blink) return;
      brandBlink.classList.remove("hidden");
      setTimeout(function () { brandBlink.classList.add("hidden"); }, 140);
      return;
    }
    for (const id of ["eye-l", "eye-r"]) document.getElementById(id).setAttribute("ry", "2");
    setTimeout(function () { for (const id of ["eye-l", "eye-r"]) document.getElementById(id).setAttribute("ry", "20"); }, 140);
  }, 4200);

  // The brand's character, when its folder has one: every frame is loaded before it is shown, so
  // a mouth change never waits for the network.
  async function loadBrand() {
    let frames = {};
    try { frames = (await LH.api("GET", base + "/avatar/character")).frames || {}; } catch (e) { return; }
    if (!frames.n) return;
    const urls = {};
    for (const part in frames) urls[part] = frames[part] + "?token=" + encodeURIComponent(token);
    await Promise.all(Object.values(urls).map(function (u) {
      return new Promise(function (ok) { const im = new Image(); im.onload = im.onerror = ok; im.src = u; });
    }));
    brandFrame.src = urls.n;
    if (urls.blink) brandBlink.src = urls.blink;
    brand = urls;
    mouth.dataset.shape = "n";
    document.getElementById("character").classList.add("hidden");
    document.getElementById("brand").classList.remove("hidden");
    window.avatarState.brand = true;
  }

  const caption = document.getElementById("caption");
  const question = document.getElementById("question");
  const card = document.getElementById("card");

  // The product card: live price, sale price and stock, refreshed while it is on air.
  let onAir = "";
  async function loadCard() {
    if (!onAir) { card.classList.add("hidden"); return; }
    try {
      const res = await LH.api("GET", base + "/products?sku=" + encodeURIComponent(onAir));
      const p = (res.products || [])[0];
      if (!p) { card.classList.add("hidden"); return; }
      card.querySelector(".name").textContent = p.name;
      const sale = p.sale_price && p.sale_price > 0 && p.sale_price < p.price;
      card.querySelector(".price").textContent = LH.yen(sale ? p.sale_price : p.price, p.currency);
      card.querySelector(".regular").textContent = sale ? LH.yen(p.price, p.currency) : "";
      const st = card.querySelector(".stock");
      st.classList.toggle("low", p.stock != null && p.stock > 0 && p.stock <= 10);
      st.textContent = p.stock == null ? "" : p.stock <= 0 ? "在庫切れ / sold out" : p.stock <= 10 ? "残りわずか " + p.stock + "点" : "在庫あり";
      card.classList.remove("hidden");
      card.dataset.sku = onAir;
    } catch (e) { /* the next refresh tries again */ }
  }
  setInterval(loadCard, 30000);

  function report(id, phase) {
    if (!id) return;
    fetch(base + "/avatar/playback?token=" + encodeURIComponent(token), {
      method: "POST", headers: { "Content-Type": "application/json" }, keepalive: true,
      body: JSON.stringify({ utterance: id, phase: phase }),
    }).catch(function () {});
  }

  // Utterances play one after another; when the page falls far behind it drops the oldest.
  const queue = [];
  let playing = false;
  const audio = new Audio();
  audio.preload = "auto";
  // What a test (or a curious operator) can read: utterances played, with or without audio, the
  // captions shown, the mouth shapes used and the playback reports sent.
  // With a brand's character, frames counts the images shown and blinks the blinks.
  // cuts are the utterances ended early at a break (avatar.cut): where, and when the page stopped.
  // history is what was played (the utterances' seqs), kept across scheduled reloads with reloads; resyncs
  // counts reconnections after which the page caught up with the show, skipped the utterances it
  // missed meanwhile (not replayed late).
  window.avatarState = { played: 0, withAudio: 0, captions: [], shapes: {}, reported: [], brand: false, frames: {}, blinks: 0,
    history: [], reloads: 0, resyncs: 0, skipped: 0, cuts: [] };

  // current is the utterance playing, with cut(ms) to end it at a break (avatar.cut).
  let current = null;

  // cutPoint is where an utterance told to stop at atMs stops, being at t: atMs, or the first
  // break after t when the audio is already past it; -1 when no break is left (it plays out).
  function cutPoint(u, atMs, t) {
    if (t <= atMs) return atMs;
    for (const b of u.breaks || []) { if (b >= t) return b; }
    return -1;
  }

  function play(u) {
    playing = true;
    caption.textContent = u.text;
    window.avatarState.captions.push(u.text);
    if (u.chat_seq && u.question) {
      question.textContent = (u.user ? u.user + ": " : "") + u.question;
      question.classList.remove("hidden");
    } else {
      question.classList.add("hidden");
    }
    const marks = u.marks || [];
    const dur = u.duration_ms || 2000;
    let started = 0, raf = 0, usingAudio = false, finished = false;
    let cutAt = u.cut_ms != null ? u.cut_ms : -1; // a cut that came before it started
    function now() { return usingAudio ? audio.currentTime * 1000 : performance.now() - started; }
    function tick() {
      const t = now();
      if (cutAt >= 0 && t >= cutAt) { window.avatarState.cuts.push({ id: u.id, at: cutAt, t: Math.round(t) }); done(); return; }
      let s = "n";
      for (const m of marks) { if (m.t <= t) s = m.v; else break; }
      setMouth(s);
      if (!usingAudio && t >= dur) { done(); return; }
      raf = requestAnimationFrame(tick);
    }
    current = { id: u.id, cut: function (atMs) {
      const p = cutPoint(u, atMs, started ? now() : 0);
      if (p >= 0 && (cutAt < 0 || p < cutAt)) cutAt = p;
    } };
    function begin(withAudio) {
      usingAudio = withAudio;
      if (withAudio) window.avatarState.withAudio++;
      started = performance.now();
      report(u.id, "start");
      window.avatarState.reported.push({ id: u.id, phase: "start" });
      tick();
    }
    function done() {
      if (finished) return;
      finished = true;
      current = null;
      cancelAnimationFrame(raf);
      if (usingAudio) audio.pause();
      setMouth("n");
      report(u.id, "end");
      window.avatarState.reported.push({ id: u.id, phase: "end" });
      window.avatarState.played++;
      window.avatarState.history.push(u.seq);
      audio.onended = audio.onerror = audio.onplaying = null;
      playing = false;
      setTimeout(next, 50);
    }
    if (!u.audio) { begin(false); return; } // captions only: the clock moves the mouth
    audio.onplaying = function () { if (!started) begin(true); };
    audio.onended = done;
    audio.onerror = function () { if (!started) begin(false); else done(); };
    audio.src = u.audio + "?token=" + encodeURIComponent(token);
    audio.play().catch(function () { if (!started) begin(false); });
  }

  let reloadAt = 0;
  const reloadMin = parseFloat(params.get("reload") || "0");
  if (reloadMin > 0) reloadAt = Date.now() + reloadMin * 60000;
  let stream = null;

  // A scheduled reload happens between sentences, and hands the next page the last event seen:
  // the next page then plays the sentence the runner logs while it loads, so speech has no gap.
  const handoverKey = "livehost-avatar-" + show;
  function reload() {
    const played = window.avatarState.history.slice(-50);
    sessionStorage.setItem(handoverKey, JSON.stringify({ after: stream ? stream.last() : 0, at: Date.now(),
      reloads: window.avatarState.reloads + 1, played: played }));
    location.reload();
  }

  function next() {
    if (playing) return;
    if (reloadAt && Date.now() >= reloadAt && queue.length === 0) { reload(); return; }
    const u = queue.shift();
    if (u) play(u);
  }

  // After the stream dropped (network, server restart) or fell behind, the page resyncs: it reads
  // where the show is, shows the product on air, and skips the sentences said while it was away
  // rather than speak them late. Utterances that arrive meanwhile wait in held.
  let resyncing = false, skipUntil = 0;
  const held = [];
  async function resync() {
    if (resyncing) return;
    resyncing = true;
    queue.length = 0;
    for (;;) {
      try {
        const st = await LH.api("GET", base + "/avatar/plan");
        skipUntil = st.last_seq || 0;
        if ((st.on_air || "") !== onAir) { onAir = st.on_air || ""; loadCard(); }
        break;
      } catch (e) {
        await new Promise(function (r) { setTimeout(r, 1000); });
      }
    }
    resyncing = false;
    window.avatarState.resyncs++;
    const waiting = held.splice(0);
    for (const ev of waiting) onEvent(ev);
  }
  function onStatus(st) {
    const was = document.body.dataset.conn;
    document.body.dataset.conn = st;
    if (st === "resync" || st === "live" && was === "offline") resync();
  }

  function onEvent(ev) {
    switch (ev.type) {
      case "avatar.utterance":
        if (resyncing) { held.push(ev); while (held.length > 50) held.shift(); return; }
        if (ev.seq && ev.seq <= skipUntil) { window.avatarState.skipped++; return; }
        queue.push(ev);
        while (queue.length > 4) queue.shift();
        next();
        break;
      case "avatar.cut":
        // Talk ends early at a break: something waits to be said.
        if (current && current.id === ev.utterance) { current.cut(ev.at_ms); break; }
        for (const q of queue.concat(held)) { if (q.id === ev.utterance) q.cut_ms = ev.at_ms; }
        break;
      case "product.on_air":
        onAir = ev.sku || "";
        loadCard();
        break;
      case "avatar.state":
        if (ev.state === "stopped") { caption.textContent = ""; question.classList.add("hidden"); }
        break;
    }
  }

  // Start from now: what was said before this page opened is not replayed. The stream resumes
  // after the last event seen when the network or the server comes back.
  async function start() {
    let after = 0;
    for (;;) {
      try {
        const st = await LH.api("GET", base + "/avatar/plan");
        after = st.last_seq || 0;
        onAir = st.on_air || "";
        break;
      } catch (e) {
        await new Promise(function (r) { setTimeout(r, 2000); });
      }
    }
    // After a scheduled reload, carry on from the last event the previous page saw.
    let handover = null;
    try { handover = JSON.parse(sessionStorage.getItem(handoverKey) || "null"); } catch (e) {}
    sessionStorage.removeItem(handoverKey);
    if (handover && Date.now() - handover.at < 30000 && handover.after > 0 && handover.after <= after) {
      after = handover.after;
      window.avatarState.reloads = handover.reloads || 0;
      window.avatarState.history = handover.played || [];
    }
    loadCard();
    await loadBrand();
    stream = LH.stream(after, onEvent, onStatus);
  }
  start();
})();
