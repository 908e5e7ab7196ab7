// reports.js: every show with its headline figures (GET /api/reports), sortable, and two shows
// side by side: the review a team holds each week to plan the next show.
"use strict";
(function () {
  const el = (...a) => LH.el(...a);
  const $ = id => document.getElementById(id);
  if (!LH.token) {
    document.body.replaceChildren(el("main", { class: "missing" }, el("h1", {}, "トークンが必要です · Token required"),
      el("p", {}, "Open this page with ?token=ADMIN_TOKEN (or a moderator token for its own show).")));
    return;
  }
  let picked = [];
  let rows = [];
  const hours = s => Math.max(s.secs, 60) / 3600;
  // metrics compared side by side; "up" says whether more is better.
  const metrics = [
    ["長さ · duration", s => s.secs, RV.dur],
    ["コメント · messages", s => s.totals.messages, RV.num, true],
    ["コメント/時 · per hour", s => s.totals.messages / hours(s), RV.num, true],
    ["コメント者 · chatters", s => s.totals.chatters, RV.num, true],
    ["質問 · questions", s => s.totals.questions, RV.num, true],
    ["回答率 · answered", s => s.totals.questions ? s.totals.answered / s.totals.questions : 0, v => Math.round(v * 100) + "%", true],
    ["回答まで 中央値", s => s.totals.answer_secs_median, RV.secs, false],
    ["カタログ不足 · gaps", s => s.totals.gap_questions, RV.num, false],
    ["ブロック · blocked", s => s.totals.blocked, RV.num, false],
    ["コンプラ指摘 · compliance", s => s.totals.compliance_flags, RV.num, false],
    ["注文 · orders", s => s.totals.orders, RV.num, true],
    ["売上 · revenue", s => s.totals.revenue, v => LH.yen(v, "JPY"), true],
    ["注文/コメント者", s => s.totals.orders_per_chatter, v => v.toFixed(3), true],
  ];
  const link = s => el("a", { href: "/report?show=" + encodeURIComponent(s.id) + "&token=" + encodeURIComponent(LH.token) }, s.title || s.id);

  function drawTable() {
    RV.table($("shows"), [
      { label: "比較", get: s => el("input", { type: "checkbox", checked: picked.includes(s.id), onchange: e => pick(s.id, e.target.checked), "aria-label": "compare " + s.id }) },
      { label: "配信 · show", get: s => el("span", {}, link(s), el("span", { class: "tag" }, s.status)), sort: s => s.title },
      { label: "日時", get: s => RV.date(s.started_at || s.created_at), sort: s => s.started_at || s.created_at },
      { label: "長さ", n: 1, get: s => RV.dur(s.secs), sort: s => s.secs },
      { label: "コメント", n: 1, get: s => RV.num(s.totals.messages), sort: s => s.totals.messages },
      { label: "コメント者", n: 1, get: s => RV.num(s.totals.chatters), sort: s => s.totals.chatters },
      { label: "質問", n: 1, get: s => RV.num(s.totals.questions), sort: s => s.totals.questions },
      { label: "回答率", n: 1, get: s => RV.pct(s.totals.answered, s.totals.questions), sort: s => s.totals.questions ? s.totals.answered / s.totals.questions : -1 },
      { label: "回答まで", n: 1, get: s => RV.secs(s.totals.answer_secs_median), sort: s => s.totals.answer_secs_median ?? 1e9 },
      { label: "不足", n: 1, get: s => RV.num(s.totals.gap_questions), sort: s => s.totals.gap_questions },
      { label: "ブロック", n: 1, get: s => RV.num(s.totals.blocked), sort: s => s.totals.blocked },
      { label: "コンプラ", n: 1, get: s => RV.num(s.totals.compliance_flags), sort: s => s.totals.compliance_flags },
      { label: "注文", n: 1, get: s => RV.num(s.totals.orders), sort: s => s.totals.orders },
      { label: "売上", n: 1, get: s => LH.yen(s.totals.revenue, s.totals.currency), sort: s => s.totals.revenue },
    ], rows, { sortBy: 2, dir: -1, rowAttrs: s => ({ class: picked.includes(s.id) ? "picked" : "", dataset: { show: s.id } }) });
  }

  function pick(id, on) {
    picked = picked.filter(x => x !== id);
    if (on) picked.push(id);
    if (picked.length > 2) picked = picked.slice(-2);
    drawTable();
    drawCompare();
  }

  function drawCompare() {
    const [a, b] = picked.map(id => rows.find(s => s.id === id));
    $("compare-card").hidden = !(a && b);
    if (!a || !b) return;
    const head = el("tr", {}, el("th", {}, ""), el("th", { class: "n" }, link(a)), el("th", { class: "n" }, link(b)), el("th", { class: "n" }, "差 · change"));
    const body = metrics.map(([label, get, fmt, up]) => {
      const x = get(a) ?? 0, y = get(b) ?? 0;
      const better = up === undefined || x === y ? "" : ((y > x) === up ? "b" : "a");
      const delta = x ? Math.round(100 * (y - x) / Math.abs(x)) + "%" : "–";
      return el("tr", {}, el("td", {}, label), el("td", { class: "n " + (better === "a" ? "better" : "") }, fmt(get(a))),
        el("td", { class: "n " + (better === "b" ? "better" : "") }, fmt(get(b))), el("td", { class: "n" }, delta));
    });
    $("compare").replaceChildren(el("thead", {}, head), el("tbody", {}, body));
    // The chart compares rates, so that a 3-hour show and a 1-hour one compare fairly.
    const rates = [
      ["コメント/分", s => s.totals.messages / (hours(s) * 60)],
      ["質問/分", s => s.totals.questions / (hours(s) * 60)],
      ["回答率 %", s => s.totals.questions ? 100 * s.totals.answered / s.totals.questions : 0],
      ["注文/時", s => s.totals.orders / hours(s)],
      ["ブロック/時", s => s.totals.blocked / hours(s)],
    ];
    RV.chart($("chart-compare"), {
      type: "bar",
      data: { labels: rates.map(r => r[0]), datasets: [
        { label: a.title || a.id, data: rates.map(r => +r[1](a).toFixed(2)), backgroundColor: RV.colors.messages },
        { label: b.title || b.id, data: rates.map(r => +r[1](b).toFixed(2)), backgroundColor: RV.colors.questions },
      ] },
      options: { scales: { y: { beginAtZero: true } } },
    });
  }

  async function load() {
    try {
      rows = (await LH.api("GET", "/api/reports")).shows;
    } catch (e) {
      $("error").hidden = false; $("error").textContent = "一覧を読み込めません · " + e.message; return;
    }
    const want = new URLSearchParams(location.search).getAll("compare");
    picked = want.filter(id => rows.some(s => s.id === id)).slice(0, 2);
    drawTable();
    drawCompare();
    document.body.dataset.ready = "1";
  }
  $("print").addEventListener("click", () => window.print());
  load();
})();
