// teleprompter.js: the host's screen — what is on air, what viewers ask, what to say next, and a
// red warning when something the host just said is a risky claim.
"use strict";
(function () {
  if (!LH.requireParams()) return;
  const $ = id => document.getElementById(id);
  const el = LH.el;
  const params = new URLSearchParams(location.search);
  const segmentMin = Math.max(1, parseFloat(params.get("segment") || "10"));
  const prefs = JSON.parse(localStorage.getItem("lh.tp") || "{}");
  let scale = prefs.scale || parseFloat(params.get("scale") || "1");
  let mirror = prefs.mirror !== undefined ? prefs.mirror : params.get("mirror") === "1";
  let model = null, rerender = null;
  let onAirSince = Date.now();

  function applyPrefs() {
    document.body.style.setProperty("--tp", scale.toFixed(2));
    document.body.classList.toggle("mirror", mirror);
    localStorage.setItem("lh.tp", JSON.stringify({ scale, mirror }));
  }
  $("smaller").onclick = () => { scale = Math.max(.5, scale - .1); applyPrefs(); refit(); };
  $("bigger").onclick = () => { scale = Math.min(2.5, scale + .1); applyPrefs(); refit(); };
  $("mirror").onclick = () => { mirror = !mirror; applyPrefs(); };
  applyPrefs();

  // fit makes a card's content fit its box, nothing clipped: it takes the steps (each one makes
  // the content smaller, least important first: fewer talking points, fewer questions) until the
  // content fits, then lowers the card's --fit (its font sizes) down to half, and at last clamps
  // the long texts to three lines with an ellipsis.
  const overflows = c => c.scrollHeight > c.clientHeight + 1;
  function fit(card, steps, clampSel) {
    card.style.setProperty("--fit", "1");
    for (const e of card.querySelectorAll(".clamp")) e.classList.remove("clamp");
    for (const step of steps) {
      if (!overflows(card)) return;
      step();
    }
    for (let f = 0.9; overflows(card) && f >= 0.5; f -= 0.1) card.style.setProperty("--fit", f.toFixed(1));
    if (overflows(card)) for (const e of card.querySelectorAll(clampSel)) e.classList.add("clamp");
  }
  let refit = () => {};
  window.addEventListener("resize", () => refit());

  function tick() {
    $("clock").textContent = LH.time();
    const left = Math.round((onAirSince + segmentMin * 60000 - Date.now()) / 1000);
    const a = Math.abs(left);
    $("countdown").textContent = (left < 0 ? "+" : "") + Math.floor(a / 60) + ":" + String(a % 60).padStart(2, "0");
    $("countdown").classList.toggle("over", left < 0);
  }
  setInterval(tick, 1000); tick();

  function talkingPoints(p) {
    if (p.talking_points && p.talking_points.length) return p.talking_points;
    return p.description ? [p.description] : [];
  }

  function product(m) {
    const box = $("product");
    const p = m.product(m.onAir, rerender);
    if (!m.onAir) { box.replaceChildren(el("h3", {}, "オンエア中の商品 · ON AIR"), el("div", { class: "pname muted" }, "商品が選ばれていません")); return; }
    if (!p) { box.replaceChildren(el("span", { class: "onair-label" }, "ON AIR"), el("div", { class: "pname" }, m.onAir)); return; }
    const sale = p.sale_price && p.sale_price > 0 && p.sale_price < p.price;
    let stock = null;
    if (p.stock !== undefined && p.stock !== null) {
      stock = p.stock <= 0 ? el("div", { class: "stock out" }, "在庫切れ · SOLD OUT")
        : el("div", { class: "stock" + (p.stock <= 10 ? " low" : "") }, "在庫 " + p.stock.toLocaleString() + " 点" + (p.stock <= 10 ? " — 残りわずか!" : ""));
    }
    const points = talkingPoints(p).slice(0, 3).map(t => el("li", {}, t));
    box.replaceChildren(
      el("span", { class: "onair-label" }, "ON AIR"),
      el("div", { class: "pname", title: p.name }, p.name),
      el("div", { class: "pprice" }, sale ? [el("s", {}, LH.yen(p.price, p.currency)), el("span", { class: "sale" }, LH.yen(p.sale_price, p.currency))] : LH.yen(p.price, p.currency),
        el("span", { class: "muted", style: "font-size:.45em;font-weight:400;margin-left:10px" }, "税込")),
      stock,
      el("ul", { class: "points" }, points));
    fit(box, points.slice().reverse().map(li => () => li.remove()), ".pname, .points li");
  }

  // questions: the model's order (fresh answers first, then the most asked), as many as fit, at
  // most three; the cross-sell line and a mention under them stay.
  function questions(m) {
    const all = m.questions();
    const qs = all.slice(0, 3);
    const items = qs.map(d => el("div", { class: "qa " + d.status, dataset: { id: d.draft_id } },
      el("div", { class: "q" }, "Q. ", d.question || "", d.count > 1 ? el("span", { class: "n" }, "×" + d.count) : null),
      el("div", { class: "a" }, d.status === "pending" ? "（案）" : "", d.text)));
    const more = el("div", { class: "more" }, "");
    const note = () => { const n = all.length - $("questions").querySelectorAll(".qa").length; more.textContent = n > 0 ? "ほか " + n + " 件 · " + n + " more" : ""; };
    $("questions").replaceChildren(...(items.length ? items : [el("div", { class: "muted", style: "font-size:1.6em" }, "質問待ち…")]), more);
    note();
    fit($("qcard"), items.slice(1).reverse().map(it => () => { it.remove(); note(); }), ".qa .a, .qa .q");
  }

  function crossSell(m) {
    const list = m.crossSell.filter(x => !m.onAir || x.sku === m.onAir);
    const x = list[list.length - 1];
    if (!x) { $("xsell").replaceChildren(); return; }
    const names = x.suggestions.map(s => { const p = m.product(s, rerender); return p ? p.name : s; });
    $("xsell").replaceChildren(el("span", { class: "xlabel" }, "次に紹介"), x.text || ("あわせて紹介: " + names.join("、")));
  }

  // mention: the host is talking about another lineup product; offer to put it on air (button or
  // the S key) for a minute after it was said.
  let switchTo = "";
  function mention(m) {
    const last = m.mentions[m.mentions.length - 1];
    const box = $("mention");
    switchTo = "";
    if (!last || last.sku === m.onAir || Date.now() - new Date(last.at).getTime() > 60000) { box.className = "mention hidden"; return; }
    switchTo = last.sku;
    const p = m.product(last.sku, rerender);
    box.className = "mention";
    box.replaceChildren(el("span", { class: "xlabel" }, "話題の商品"), (p ? p.name : last.sku) + " ",
      el("button", { onclick: () => putOnAir(last.sku), title: "オンエアに切り替え · put on air (S)" }, "▶ オンエア (S)"));
  }
  function putOnAir(sku) {
    LH.api("POST", "/api/shows/" + encodeURIComponent(LH.show) + "/on-air", { sku })
      .catch(e => LH.toast("切り替えに失敗しました: " + e.message, "error"));
  }
  document.addEventListener("keydown", ev => {
    if ((ev.key === "s" || ev.key === "S") && switchTo && !ev.ctrlKey && !ev.metaKey && !ev.altKey) putOnAir(switchTo);
  });

  const LAW = { yakkiho: "薬機法", keihyo: "景品表示法" };

  function compliance(m) {
    const last = m.compliance[m.compliance.length - 1];
    const box = $("alert");
    // A warning stays up for a minute: long enough to correct, not so long it becomes noise.
    if (!last || Date.now() - new Date(last.at).getTime() > 60000) { box.className = "alert hidden"; return; }
    // What was said (the rune span), not the rule's term, which may be a pattern.
    const spoken = x => [...last.text].slice(x.start, x.end).join("") || x.term;
    const fixes = last.matches.filter(x => x.suggestion).map(x => "「" + spoken(x) + "」→ " + x.suggestion);
    const laws = [...new Set(last.matches.map(x => LAW[x.category] || x.category))].join("・");
    const why = [...new Set(last.matches.map(x => x.reason).filter(Boolean))].slice(0, 2).join(" / ");
    box.className = "alert";
    box.replaceChildren(
      el("div", { class: "head" }, "⚠ 表現に注意 — " + laws),
      el("div", { class: "said" }, "「", LH.highlight(last.text, last.matches, "x"), "」"),
      fixes.length ? el("span", { class: "fix" }, "言い換え ▶ " + fixes.join("　")) : null,
      why ? el("span", { class: "why" }, why) : null);
  }

  // dropped: speech-to-text is down and what the host said went unchecked; the notice stays until
  // a transcript arrives again (or two minutes pass).
  function dropped(m) {
    const lost = m.droppedSince();
    const box = $("dropped");
    if (!lost.length) { box.className = "notice hidden"; return; }
    box.className = "notice";
    box.replaceChildren(el("div", { class: "head" }, "音声認識が停止中：" + lost.length + "件の発話を処理できませんでした"),
      el("span", { class: "why" }, "Speech recognition is down: " + lost.length + " utterance(s) were not transcribed or checked. " + (lost[lost.length - 1].reason || "")));
  }

  // script: the host script with the line being spoken highlighted and kept in view.
  let scriptKey = "";
  function script(m) {
    const box = $("script");
    const sc = m.script;
    if (!sc.text) { box.className = "card script hidden"; $("main").classList.add("no-script"); scriptKey = ""; return; }
    box.className = "card script";
    $("main").classList.remove("no-script");
    const key = sc.text + "\u0000" + sc.line;
    if (key === scriptKey) return;
    scriptKey = key;
    const lines = sc.text.split("\n");
    // A tap puts the place on a line by hand; speech is followed from there.
    box.replaceChildren(...lines.map((t, i) => el("p", { class: i === sc.line ? "cur" : i < sc.line ? "done" : "", dataset: { line: String(i) },
      title: "ここから · follow from here", onclick: () => seekScript(i) }, t || "\u00a0")));
    const cur = box.querySelector("p.cur");
    if (cur) box.scrollTop = Math.max(0, cur.offsetTop - box.clientHeight / 3);
  }

  function seekScript(line) {
    LH.api("POST", "/api/shows/" + encodeURIComponent(LH.show) + "/script/position", { line })
      .catch(e => LH.toast("台本の位置を変更できませんでした: " + e.message, "error"));
  }

  function said(m) {
    const t = m.transcript[m.transcript.length - 1];
    if (!t) { $("said").textContent = ""; return; }
    const flagged = m.compliance.find(c => c.transcript_seq === t.seq);
    $("said").replaceChildren(el("span", { class: "xlabel" }, "発言"), LH.highlight(t.text, flagged ? flagged.matches : [], "x"));
  }

  function render(m) {
    onAirSince = m.onAirAt; // the segment countdown runs from when the product went on air
    $("title").textContent = m.show.title || "";
    const st = m.show.status;
    $("status").textContent = st === "live" ? "● LIVE" : st === "stopped" ? "終了" : "準備中";
    $("status").className = "pill" + (st === "live" ? " live" : "");
    // The boxes first (warnings, the script), then what must fit inside them.
    compliance(m); dropped(m); script(m); said(m); crossSell(m); mention(m); product(m); questions(m);
  }
  refit = LH.schedule(() => { if (model) { product(model); questions(model); } });
  setInterval(() => rerender && rerender(), 5000); // let old warnings expire

  LH.boot(render, st => { $("conn").textContent = st === "live" ? "接続" : st === "resync" ? "再同期" : "再接続中"; $("conn").className = "pill conn-" + st; })
    .then(r => { model = r.model; rerender = r.rerender; window.lhModel = model; })
    .catch(LH.failed);
})();
