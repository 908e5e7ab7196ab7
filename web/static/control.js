// control.js: show control — the lineup, which product is on air, start and stop.
"use strict";
(function () {
  if (!LH.requireParams()) return;
  const $ = id => document.getElementById(id);
  const el = LH.el;
  const showPath = "/api/shows/" + encodeURIComponent(LH.show);
  let rerender = null;

  async function post(path, body, what) {
    try { return await LH.api("POST", showPath + path, body); }
    catch (e) { LH.toast(what + ": " + e.message, "error"); return null; }
  }

  function render(m) {
    $("title").textContent = m.show.title || m.show.id;
    const st = m.show.status;
    $("status").textContent = st === "live" ? "● LIVE" : st === "stopped" ? "終了 · ended" : "準備中 · not started";
    $("status").className = "pill" + (st === "live" ? " live" : "");
    $("start").disabled = st === "live";
    $("stop").disabled = st !== "live";
    const lineup = m.show.lineup || [];
    $("lineup-count").textContent = lineup.length + " 点";
    $("lineup").replaceChildren(...lineup.map((sku, i) => {
      const p = m.product(sku, rerender) || { sku, name: sku };
      const on = m.onAir === sku;
      const sale = p.sale_price && p.sale_price < p.price;
      return el("div", { class: "item" + (on ? " onair" : ""), dataset: { sku } },
        el("div", {}, el("div", { class: "name", title: p.name }, (i + 1) + ". " + p.name),
          el("div", { class: "sku" }, sku, p.stock === 0 ? el("span", { class: "out" }, " · 在庫切れ") : (p.stock !== undefined && p.stock !== null ? " · 在庫 " + p.stock : ""))),
        el("div", { class: "price" }, sale ? [el("s", {}, LH.yen(p.price, p.currency)), el("b", {}, LH.yen(p.sale_price, p.currency))] : LH.yen(p.price, p.currency)),
        on ? el("button", { class: "danger", onclick: () => post("/on-air", { sku: "" }, "off air") }, "● ON AIR")
           : el("button", { onclick: () => post("/on-air", { sku }, "on air") }, "オンエア On air"));
    }));
    const c = m.counters;
    const facts = [["番組 ID", m.show.id], ["モード", m.show.mode], ["イベント", m.lastSeq.toLocaleString()],
      ["チャット", c.chat.toLocaleString()], ["質問", c.questions.toLocaleString()], ["公開した回答", c.published.toLocaleString()]];
    scriptBox(m);
    $("facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { style: "margin:0" }, v || "—")]));
  }

  $("start").onclick = () => post("/start", {}, "start");
  $("stop").onclick = () => post("/stop", {}, "stop");

  async function sendSpeech(text, final) {
    const r = await post("/transcript", { text, final }, "transcript");
    if (r && final) {
      const flags = (r.compliance && r.compliance.matches) || [];
      $("speech-result").textContent = flags.length ? "⚠ " + flags.map(f => f.term + (f.suggestion ? " → " + f.suggestion : "")).join(", ") : "✓ 問題なし · no flags";
    }
  }
  // The host script: loaded once from the state (not overwritten while it is being edited).
  let scriptLoaded = false;
  function scriptBox(m) {
    if (scriptLoaded) return;
    scriptLoaded = true;
    $("script").value = m.script.text || "";
    $("script-result").textContent = m.script.line >= 0 ? (m.script.line + 1) + " 行目を話しています · on line " + (m.script.line + 1) : "";
  }
  $("save-script").onclick = async () => {
    try {
      await LH.api("PUT", showPath + "/script", { text: $("script").value });
      $("script-result").textContent = "✓ 保存しました · saved";
    } catch (e) { LH.toast("script: " + e.message, "error"); }
  };
  $("send-speech").onclick = () => { const t = $("speech").value.trim(); if (t) sendSpeech(t, true); };

  // The browser's own speech recognition, when it has one, feeds the same transcript endpoint.
  const SR = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (!SR) $("mic").disabled = true;
  let rec = null;
  $("mic").onclick = () => {
    if (rec) { rec.stop(); rec = null; $("mic").classList.remove("primary"); return; }
    rec = new SR(); rec.lang = "ja-JP"; rec.continuous = true; rec.interimResults = false;
    rec.onresult = e => { for (let i = e.resultIndex; i < e.results.length; i++) if (e.results[i].isFinal) sendSpeech(e.results[i][0].transcript, true); };
    rec.onend = () => { if (rec) rec.start(); };
    rec.start(); $("mic").classList.add("primary");
  };

  // No token in these links: the page opened finds it in sessionStorage, which a tab opened with
  // an opener gets a copy of (rel=opener; the default for target=_blank would start it empty).
  $("links").replaceChildren(
    el("a", { href: LH.link("/console"), target: "_blank", rel: "opener" }, "モデレーター画面 · Moderator console ↗"),
    el("a", { href: LH.link("/teleprompter"), target: "_blank", rel: "opener" }, "プロンプター · Teleprompter ↗"),
    el("a", { href: LH.link("/report"), target: "_blank", rel: "opener" }, "レポート · Report ↗"));

  const CONN = { live: "接続中", offline: "再接続中", resync: "再同期" };
  LH.boot(render, st => { $("conn").textContent = CONN[st] || st; $("conn").className = "pill conn-" + st; })
    .then(r => { rerender = r.rerender; })
    .catch(LH.failed);
})();
