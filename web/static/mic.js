// mic.js: the host mic page. It publishes the browser's microphone to livehost over WHIP
// (POST /whip/{show} with an SDP offer, DELETE on the returned Location to stop), and can send
// the browser's own speech recognition as transcript text instead of server-side STT.
"use strict";
(function () {
  if (!LH.requireParams()) return;
  const $ = id => document.getElementById(id);
  let pc = null, stream = null, location_ = null, meterStop = null, recog = null;

  function state(text, live) {
    $("state").textContent = text;
    $("state").className = "pill" + (live ? " live" : "");
  }

  async function listDevices() {
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      const inputs = devices.filter(d => d.kind === "audioinput");
      const keep = $("device").value;
      $("device").replaceChildren(...inputs.map((d, i) =>
        LH.el("option", { value: d.deviceId }, d.label || "マイク " + (i + 1))));
      if (keep) $("device").value = keep;
    } catch (e) { LH.toast("デバイス一覧 · devices: " + e.message, "error"); }
  }

  function meter(s) {
    const ctx = new AudioContext();
    const an = ctx.createAnalyser();
    an.fftSize = 1024;
    ctx.createMediaStreamSource(s).connect(an);
    const buf = new Float32Array(an.fftSize);
    let on = true;
    (function draw() {
      if (!on) return;
      an.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      const db = 10 * Math.log10(sum / buf.length + 1e-10);
      $("level").style.width = Math.max(0, Math.min(100, (db + 60) * 100 / 60)) + "%";
      requestAnimationFrame(draw);
    })();
    return () => { on = false; ctx.close(); $("level").style.width = "0"; };
  }

  // gathered waits for every ICE candidate: WHIP sends them all in the offer (no trickle).
  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise(resolve => {
      const t = setTimeout(resolve, 3000);
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") { clearTimeout(t); resolve(); }
      });
    });
  }

  async function start() {
    $("start").disabled = true;
    try {
      const device = $("device").value;
      stream = await navigator.mediaDevices.getUserMedia({ audio: {
        deviceId: device ? { exact: device } : undefined,
        channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
      listDevices(); // labels appear once permission is granted
      meterStop = meter(stream);
      if ($("recognize").checked) { startRecognition(); state("● 認識中 · recognizing", true); $("stop").disabled = false; return; }

      const ice = new URLSearchParams(location.search).get("stun");
      pc = new RTCPeerConnection({ iceServers: ice ? [{ urls: ice }] : [] });
      pc.addTransceiver(stream.getAudioTracks()[0], { direction: "sendonly", streams: [stream] });
      pc.addEventListener("connectionstatechange", () => {
        const s = pc && pc.connectionState;
        if (s === "connected") state("● 配信中 · live", true);
        else if (s === "failed") { LH.toast("接続が切れました · connection failed", "error"); stop(); }
        else if (s) state(s, false);
      });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const res = await fetch("/whip/" + encodeURIComponent(LH.show), {
        method: "POST",
        headers: { "Content-Type": "application/sdp", Authorization: "Bearer " + LH.token },
        body: pc.localDescription.sdp,
      });
      const body = await res.text();
      if (res.status !== 201) {
        let msg = body.trim();
        try { msg = JSON.parse(msg).error || msg; } catch (_) { /* WHIP errors are plain text */ }
        throw new Error(res.status + " " + msg);
      }
      location_ = res.headers.get("Location");
      await pc.setRemoteDescription({ type: "answer", sdp: body });
      $("detail").replaceChildren("WHIP セッション · session ", LH.el("code", {}, location_ || "?"));
      $("stop").disabled = false;
      state("接続中 · connecting", false);
    } catch (e) {
      LH.toast("開始できません · cannot start: " + e.message, "error");
      await stop();
    }
  }

  async function stop() {
    $("stop").disabled = true;
    if (recog) { const r = recog; recog = null; r.stop(); }
    if (location_) {
      const loc = location_;
      location_ = null;
      try { await fetch(loc, { method: "DELETE", headers: { Authorization: "Bearer " + LH.token }, keepalive: true }); }
      catch (e) { /* the server also ends the session when ICE times out */ }
    }
    if (pc) { pc.close(); pc = null; }
    if (stream) { stream.getTracks().forEach(t => t.stop()); stream = null; }
    if (meterStop) { meterStop(); meterStop = null; }
    state("停止中 · off", false);
    $("start").disabled = false;
  }

  // Browser recognition: finished phrases go to the show as transcript segments (source "browser").
  function startRecognition() {
    const SR = window.SpeechRecognition || window.webkitSpeechRecognition;
    if (!SR) throw new Error("このブラウザは音声認識に対応していません · no speech recognition in this browser");
    const started = performance.now();
    let segStart = 0;
    recog = new SR();
    recog.lang = $("lang").value;
    recog.continuous = true;
    recog.interimResults = true;
    recog.onresult = ev => {
      for (let i = ev.resultIndex; i < ev.results.length; i++) {
        const r = ev.results[i];
        const text = r[0].transcript.trim();
        if (!segStart) segStart = performance.now();
        $("heard").textContent = text;
        if (!r.isFinal || !text) continue;
        const end = performance.now();
        LH.api("POST", "/api/shows/" + encodeURIComponent(LH.show) + "/transcript", {
          text, final: true, source: "browser",
          start_ms: Math.round(segStart - started), end_ms: Math.round(end - started),
        }).catch(e => LH.toast("送信失敗 · not sent: " + e.message, "error"));
        segStart = 0;
      }
    };
    // Recognition stops by itself after silence; keep it going until the host presses stop.
    recog.onend = () => { if (recog) recog.start(); };
    recog.onerror = e => { if (e.error !== "no-speech") LH.toast("音声認識 · recognition: " + e.error, "error"); };
    recog.start();
  }

  $("start").addEventListener("click", start);
  $("stop").addEventListener("click", stop);
  window.addEventListener("pagehide", () => { if (location_) stop(); });
  if (navigator.mediaDevices) {
    navigator.mediaDevices.addEventListener("devicechange", listDevices);
    listDevices();
  } else {
    LH.toast("マイクは https か localhost でのみ使えます · the mic needs https or localhost", "error");
    $("start").disabled = true;
  }
})();
