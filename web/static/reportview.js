// reportview.js: what the report pages share: number formats, tables, sorting, chart defaults.
"use strict";
(function () {
  const RV = {};
  const el = (...a) => LH.el(...a);

  RV.num = n => (n === null || n === undefined) ? "–" : Number(n).toLocaleString("ja-JP", { maximumFractionDigits: 1 });
  RV.pct = (a, b) => b ? Math.round(100 * a / b) + "%" : "–";
  RV.secs = s => {
    if (s === null || s === undefined) return "–";
    if (s < 90) return s.toFixed(s < 10 ? 1 : 0) + "秒";
    return Math.round(s / 60) + "分";
  };
  RV.dur = s => {
    s = Math.round(s || 0);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h ? h + "時間" + m + "分" : m + "分";
  };
  RV.hm = iso => iso ? new Date(iso).toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit" }) : "";
  RV.date = iso => iso ? new Date(iso).toLocaleString("ja-JP", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }) : "";

  // kpis renders headline tiles: [label, value, class].
  RV.kpis = function (box, tiles) {
    box.replaceChildren(...tiles.map(([label, value, cls]) => el("div", { class: "kpi " + (cls || "") }, el("b", {}, value), el("span", {}, label))));
  };

  // table renders rows under a header; cols are {label, get(row) → text or node, n: numeric,
  // sort(row) → value}. Clicking a sortable header sorts by it (numbers descend first).
  RV.table = function (tbl, cols, rows, opts) {
    opts = opts || {};
    let key = opts.sortBy === undefined ? -1 : opts.sortBy, dir = opts.dir || -1;
    function draw() {
      const sorted = rows.slice();
      if (key >= 0 && cols[key].sort) {
        const f = cols[key].sort;
        sorted.sort((a, b) => { const x = f(a), y = f(b); return (x < y ? -1 : x > y ? 1 : 0) * dir; });
      }
      const head = el("tr", {}, cols.map((c, i) => el("th", {
        class: [c.n ? "n" : "", c.sort ? "sortable" : "", i === key ? (dir > 0 ? "sorted-asc" : "sorted-desc") : ""].join(" "),
        onclick: c.sort ? () => { dir = key === i ? -dir : (c.n ? -1 : 1); key = i; draw(); } : null,
      }, c.label)));
      const body = sorted.map(r => {
        const tr = el("tr", opts.rowAttrs ? opts.rowAttrs(r) : {}, cols.map(c => el("td", { class: c.n ? "n" : "" }, c.get(r))));
        return tr;
      });
      if (!rows.length) body.push(el("tr", {}, el("td", { colspan: cols.length, class: "muted" }, opts.empty || "なし · none")));
      tbl.replaceChildren(el("thead", {}, head), el("tbody", {}, body));
    }
    draw();
    return { redraw: draw };
  };

  // Charts: no animation (print and screenshots see the final frame), the page's font.
  RV.charts = [];
  RV.chart = function (canvas, cfg) {
    if (typeof Chart === "undefined") throw new Error("Chart.js did not load");
    cfg.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, cfg.options || {});
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    const old = Chart.getChart(canvas);
    if (old) { old.destroy(); RV.charts = RV.charts.filter(c => c !== old); }
    const c = new Chart(canvas, cfg);
    RV.charts.push(c);
    return c;
  };
  // Printing changes the page width: let the charts fit it.
  window.addEventListener("beforeprint", () => RV.charts.forEach(c => c.resize()));
  window.addEventListener("afterprint", () => RV.charts.forEach(c => c.resize()));

  RV.colors = { messages: "#4f8cff", questions: "#ff5c8a", chatters: "#2fbf71", viewers: "#8b5cf6", orders: "#f0b429", held: "#f0b429", blocked: "#ef4444", allowed: "#2fbf71", answered: "#1d8a52", revenue: "#b7791f" };

  // download fetches a CSV with the page's token and saves it.
  RV.download = async function (path, name) {
    const res = await fetch(path, { headers: { Authorization: "Bearer " + LH.token } });
    if (!res.ok) { let m = res.status + ""; try { m = (await res.json()).error; } catch (e) {} throw new Error(m); }
    const url = URL.createObjectURL(await res.blob());
    const a = el("a", { href: url, download: name });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  window.RV = RV;
})();
