// report.js: the report of one show (/report?show=ID, the token from ?token= once), drawn from
// GET /api/shows/{id}/report with Chart.js.
"use strict";
(function () {
  if (!LH.requireParams()) return;
  const el = (...a) => LH.el(...a);
  const $ = id => document.getElementById(id);
  const C = RV.colors;
  let names = {};

  async function productNames(skus) {
    const want = skus.filter(s => s && !names[s]);
    if (!want.length) return;
    try {
      const out = await LH.api("GET", "/api/shows/" + encodeURIComponent(LH.show) + "/products?sku=" + encodeURIComponent(want.join(",")));
      for (const p of out.products || []) names[p.sku] = p.name;
    } catch (e) { /* names are a nicety */ }
  }
  const sku = s => s ? el("span", {}, names[s] || s, names[s] ? el("span", { class: "tag" }, s) : null) : el("span", { class: "muted" }, "（商品なし）");

  async function load() {
    const win = $("window").value;
    let r;
    try {
      r = await LH.api("GET", "/api/shows/" + encodeURIComponent(LH.show) + "/report?window=" + encodeURIComponent(win));
    } catch (e) {
      if (e.status === 401 || e.status === 403) { LH.failed(e); return; }
      $("error").hidden = false; $("error").textContent = "レポートを読み込めません · " + e.message; return;
    }
    $("error").hidden = true;
    await productNames([...new Set([].concat(r.segments.map(s => s.sku), r.gaps.map(g => g.sku), r.questions.map(q => q.sku)))]);
    render(r);
    document.body.dataset.ready = "1";
    // During the show the report follows it.
    clearTimeout(refresh);
    if (r.show.status === "live") refresh = setTimeout(load, 30000);
  }
  let refresh = 0;

  function render(r) {
    const t = r.totals, sh = r.show;
    document.title = "レポート · " + sh.title + " · livehost";
    $("title").textContent = sh.title;
    $("meta").textContent = [RV.date(sh.started_at || sh.created_at), RV.dur(sh.secs), sh.status, sh.mode === "avatar" ? "アバター" : ""].filter(Boolean).join(" · ");
    const kpis = [
      ["コメント · messages", RV.num(t.messages)],
      ["コメント者 · chatters", RV.num(t.chatters)],
      ["質問 · questions", RV.num(t.questions) + (t.distinct_questions ? " / " + RV.num(t.distinct_questions) : "")],
      ["回答率 · answered", RV.pct(t.answered, t.questions), t.questions && t.answered / t.questions >= .8 ? "good" : "warn"],
      ["回答まで 中央値 / p90", RV.secs(t.answer_secs_median) + " / " + RV.secs(t.answer_secs_p90)],
      ["カタログ不足 · gaps", RV.num(t.gap_questions), t.gap_questions ? "warn" : ""],
      ["保留 · held", RV.num(t.held), t.held ? "warn" : ""],
      ["ブロック · blocked", RV.num(t.blocked), t.blocked ? "bad" : ""],
      ["コンプラ指摘 · compliance", RV.num(t.compliance_flags), t.compliance_flags ? "bad" : "good"],
      ["注文 · orders", RV.num(t.orders)],
      ["売上 · revenue", LH.yen(t.revenue, t.currency)],
      ["注文/コメント者", t.chatters ? t.orders_per_chatter.toFixed(3) : "–"],
    ];
    // Connectors that count viewers (YouTube), summed across platforms.
    if (t.viewers_peak !== undefined) kpis.splice(2, 0, ["最大同時視聴 · peak viewers", RV.num(t.viewers_peak) + " (" + RV.hm(t.viewers_peak_at) + ")"]);
    RV.kpis($("kpis"), kpis);

    const labels = r.minutes.map(m => RV.hm(m.at));
    const hasViewers = r.minutes.some(m => m.viewers !== undefined);
    const ds = [
      { label: "コメント", data: r.minutes.map(m => m.messages), borderColor: C.messages, backgroundColor: C.messages, tension: .25, pointRadius: 0 },
      { label: "質問", data: r.minutes.map(m => m.questions), borderColor: C.questions, backgroundColor: C.questions, tension: .25, pointRadius: 0 },
      { label: "コメント者", data: r.minutes.map(m => m.chatters), borderColor: C.chatters, backgroundColor: C.chatters, tension: .25, pointRadius: 0 },
      { label: "注文", type: "bar", data: r.minutes.map(m => m.orders), backgroundColor: C.orders + "aa", yAxisID: "y2" },
    ];
    if (hasViewers) ds.push({ label: "視聴者", data: r.minutes.map(m => m.viewers ?? null), borderColor: C.viewers, pointRadius: 0, yAxisID: "y2", spanGaps: true });
    RV.chart($("chart-minutes"), {
      type: "line", data: { labels, datasets: ds },
      options: { interaction: { mode: "index", intersect: false },
        scales: { x: { ticks: { maxTicksLimit: 16 } }, y: { beginAtZero: true, title: { display: true, text: "/分" } },
          y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: hasViewers ? "注文 · 視聴者" : "注文" } } },
        plugins: { tooltip: { callbacks: { afterTitle: items => { const m = r.minutes[items[0].dataIndex]; return m && m.on_air ? "オンエア: " + (names[m.on_air] || m.on_air) : ""; } } } } },
    });
    RV.chart($("chart-moderation"), {
      type: "doughnut",
      data: { labels: ["許可 allowed", "保留 held", "ブロック blocked"], datasets: [{ data: [t.allowed, t.held, t.blocked], backgroundColor: [C.allowed, C.held, C.blocked] }] },
      options: { plugins: { legend: { position: "bottom" } } },
    });
    const segLabels = r.segments.map(s => (names[s.sku] || s.sku) + " " + RV.hm(s.from));
    RV.chart($("chart-segments"), {
      type: "bar",
      data: { labels: segLabels, datasets: [
        { label: "質問", data: r.segments.map(s => s.questions), backgroundColor: C.questions },
        { label: "回答", data: r.segments.map(s => s.answered), backgroundColor: C.answered },
        { label: "注文", data: r.segments.map(s => s.orders), backgroundColor: C.orders },
        { label: "売上", type: "line", data: r.segments.map(s => s.revenue), borderColor: C.revenue, backgroundColor: C.revenue, yAxisID: "y2" },
      ] },
      options: { scales: { y: { beginAtZero: true }, y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } },
    });

    const segViewers = r.segments.some(s => s.viewers_peak !== undefined);
    RV.table($("segments"), [
      { label: "商品 · product", get: s => sku(s.sku), sort: s => s.sku },
      { label: "時間", get: s => RV.hm(s.from) + "–" + RV.hm(s.to), sort: s => s.from },
      { label: "長さ", n: 1, get: s => RV.dur(s.secs), sort: s => s.secs },
      // Concurrent viewers while on air: average / peak (only when a connector counted them).
      segViewers ? { label: "視聴 平均/最大", n: 1, get: s => s.viewers_peak === undefined ? "–" : RV.num(Math.round(s.viewers_avg)) + " / " + RV.num(s.viewers_peak),
        sort: s => s.viewers_avg ?? -1 } : null,
      { label: "コメント", n: 1, get: s => RV.num(s.messages), sort: s => s.messages },
      { label: "質問", n: 1, get: s => RV.num(s.questions), sort: s => s.questions },
      { label: "回答", n: 1, get: s => RV.num(s.answered), sort: s => s.answered },
      { label: "不足", n: 1, get: s => RV.num(s.gap_questions), sort: s => s.gap_questions },
      { label: "ブロック", n: 1, get: s => RV.num(s.blocked), sort: s => s.blocked },
      { label: "コンプラ", n: 1, get: s => RV.num(s.compliance_flags), sort: s => s.compliance_flags },
      { label: "クロスセル", n: 1, get: s => RV.num(s.crosssell), sort: s => s.crosssell },
      { label: "注文", n: 1, get: s => RV.num(s.orders), sort: s => s.orders },
      { label: "売上", n: 1, get: s => LH.yen(s.revenue, t.currency), sort: s => s.revenue },
      { label: "よくある質問", get: s => s.top_questions.map(q => q.text + " ×" + q.count).join(" / ") },
    ].filter(Boolean), r.segments, { sortBy: 1, dir: 1 });
    RV.table($("questions"), [
      { label: "質問", get: q => el("span", {}, q.text, q.gap ? el("span", { class: "tag gap" }, "不足") : null, q.phrasings > 1 ? el("span", { class: "tag" }, q.phrasings + "通りの言い方") : null) },
      { label: "商品", get: q => sku(q.sku), sort: q => q.sku },
      { label: "回数", n: 1, get: q => RV.num(q.count), sort: q => q.count },
      { label: "回答", n: 1, get: q => el("span", { class: q.answered ? "tag ok" : "tag" }, q.answered + "/" + q.count), sort: q => q.answered / q.count },
    ], r.questions.slice(0, 30), { sortBy: 2 });
    RV.table($("gaps"), [
      { label: "商品", get: g => sku(g.sku), sort: g => g.sku },
      { label: "内容", get: g => g.intent || "その他", sort: g => g.intent },
      { label: "回数", n: 1, get: g => RV.num(g.asked), sort: g => g.asked },
      { label: "質問の例", get: g => g.examples.join(" / ") },
    ], r.gaps, { empty: "不足なし · no gaps" });
    RV.table($("moderators"), [
      { label: "担当", get: m => m.by },
      { label: "判断", n: 1, get: m => RV.num(m.decisions), sort: m => m.decisions },
      { label: "承認", n: 1, get: m => RV.num(m.approved) },
      { label: "編集", n: 1, get: m => RV.num(m.edited) },
      { label: "却下", n: 1, get: m => RV.num(m.rejected) },
      { label: "許可/拒否", n: 1, get: m => m.allowed + "/" + m.denied },
      { label: "判断まで 中央値", n: 1, get: m => RV.secs(m.decide_secs_median), sort: m => m.decide_secs_median ?? 1e9 },
    ], r.moderators, { sortBy: 1 });
    const comp = Object.entries(t.compliance_by_law).map(([k, v]) => ({ k: k, what: "法律 · law", v }))
      .concat(Object.entries(t.compliance_by_term).map(([k, v]) => ({ k: k, what: "表現 · term", v })));
    RV.table($("compliance"), [
      { label: "", get: x => x.what }, { label: "項目", get: x => x.k }, { label: "件数", n: 1, get: x => RV.num(x.v), sort: x => x.v },
    ], comp, { empty: "指摘なし · no flags" });
    if (r.avatar) {
      $("avatar-card").hidden = false;
      RV.kpis($("avatar"), [["発話 · lines", RV.num(r.avatar.lines)], ["音声で回答 · answered in voice", RV.num(r.avatar.answered_in_voice)], ["差し替え · replaced", RV.num(r.avatar.replaced)]]);
    }
  }

  for (const b of document.querySelectorAll("button[data-part]")) {
    b.addEventListener("click", () => RV.download("/api/shows/" + encodeURIComponent(LH.show) + "/report.csv?part=" + b.dataset.part +
      "&window=" + encodeURIComponent($("window").value), LH.show + "-" + b.dataset.part + ".csv").catch(e => LH.toast(e.message, "bad")));
  }
  $("print").addEventListener("click", () => window.print());
  $("all-reports").href = "/reports?compare=" + encodeURIComponent(LH.show); // no token: it is in sessionStorage
  $("window").addEventListener("change", load);
  $("orders-import").addEventListener("click", async () => {
    const f = $("orders-file").files[0];
    if (!f) return;
    const json = /\.json$/i.test(f.name);
    const res = await fetch("/api/shows/" + encodeURIComponent(LH.show) + "/orders", { method: "POST",
      headers: { Authorization: "Bearer " + LH.token, "Content-Type": json ? "application/json" : "text/csv" }, body: await f.text() });
    const out = await res.json().catch(() => ({}));
    if (!res.ok) { $("orders-result").textContent = out.error || res.status; return; }
    $("orders-result").textContent = `取り込み ${out.imported} 行 · 重複 ${out.duplicate} · 不正 ${out.rejects.length}\n` +
      out.rejects.map(r => `${f.name}:${r.line}: ${r.reason}`).join("\n");
    load();
  });
  load();
})();
