// console-avatar.js: the avatar show's On air strip in the moderator console: the line the avatar
// says now (an answer with the question it answers), its last lines newest first, the sentences
// the gate replaced or dropped and why, and the runner's state. The lines are model.avatar (folded
// in model.js); console.js shows the strip for avatar shows only. Avatar and viewer text goes in as
// text nodes (LH.el), never as markup.
"use strict";
(function () {
  const $ = id => document.getElementById(id);
  const el = LH.el;
  const base = "/api/shows/" + encodeURIComponent(LH.show);
  // The log read back when the strip first shows (and after a resync): lines said before the page
  // opened are in the last events of the log, if anywhere. One bounded read, whatever the log's size.
  const BACKFILL = 1000;
  const KIND = { talk: "トーク talk", answer: "回答 answer", say: "指示 say", scheduled: "定時 scheduled", idle: "つなぎ idle" };
  const STATE = { running: "● 進行中 running", paused: "一時停止 paused", stopped: "停止 stopped" };
  const CUT = { answer: "回答のため", say: "指示のため", pause: "一時停止で", skip: "スキップで" };

  let shown = false;

  // backfill folds the avatar events among the last BACKFILL of the log into the model, and the
  // runner's state as GET /avatar/plan gives it if no avatar.state event said one.
  async function backfill(m, redraw) {
    try {
      const after = Math.max(0, m.lastSeq - BACKFILL);
      const r = await LH.api("GET", base + "/events?after=" + after + "&limit=" + BACKFILL);
      for (const ev of r.events || []) if (ev.type.startsWith("avatar.")) m.foldAvatar(ev);
      if (!m.avatar.stateSeq) {
        const st = await LH.api("GET", base + "/avatar/plan");
        if (!m.avatar.stateSeq && st.state) m.avatar.state = st.state;
      }
    } catch (e) {
      $("avatar-feed").dataset.error = e.message; // the strip still follows the stream
    }
    redraw();
  }

  function cutTag(l) {
    return l.cut ? el("span", { class: "tag cut", title: "avatar.cut: " + l.cut }, "✂ 途中で終了 cut short" + (CUT[l.cut] ? "（" + CUT[l.cut] + "）" : "")) : null;
  }

  function asked(l) {
    if (!l.chat_seq) return null;
    return el("div", { class: "af-q" }, "Q ", l.user ? el("b", {}, l.user) : null, l.user ? "： " : null,
      l.question || "#" + l.chat_seq);
  }

  function row(l) {
    if (!l.said) {
      return el("li", { class: "af-line refused " + l.action, dataset: { seq: l.seq } },
        el("span", { class: "t" }, LH.time(l.at)),
        el("div", { class: "af-b" },
          el("span", { class: "tag refused" }, l.action === "replaced" ? "⛔ 差し替え replaced" : "⛔ 不使用 dropped"),
          l.kind ? el("span", { class: "tag" }, KIND[l.kind] || l.kind) : null,
          el("s", { class: "af-text" }, l.text),
          el("div", { class: "af-why" }, "理由 · why: ", el("span", { class: "reason" }, l.reason || "—"),
            l.replacement ? [" → ", el("span", { class: "replacement" }, l.replacement)] : null)));
    }
    return el("li", { class: "af-line " + (l.kind || "talk") + (l.cut ? " cut" : ""), dataset: { seq: l.seq } },
      el("span", { class: "t" }, LH.time(l.at)),
      el("div", { class: "af-b" },
        el("span", { class: "tag kind" }, KIND[l.kind] || l.kind || "—"), cutTag(l),
        el("span", { class: "af-text" }, l.text), asked(l)));
  }

  // drawn is what the strip shows: a console re-renders on every chat message of a raid, and the
  // strip is redrawn only when the avatar's lines or state changed.
  let drawn = "";
  function render(m) {
    const a = m.avatar;
    const key = a.state + "|" + a.stateReason + "|" + a.lines.map(l => l.seq + "." + (l.ids ? l.ids.length : 0) + "." + (l.cut || "")).join(",");
    if (key === drawn) return;
    drawn = key;
    const st = $("avatar-state");
    st.textContent = a.state ? (STATE[a.state] || a.state) + (a.stateReason ? " — " + a.stateReason : "") : "—";
    st.dataset.state = a.state;
    let now = null;
    for (let i = a.lines.length - 1; i >= 0; i--) if (a.lines[i].said) { now = a.lines[i]; break; }
    const speaking = a.state === "running";
    $("avatar-now").replaceChildren(...(now
      ? [el("span", { class: "af-label" }, speaking ? "いま · Now" : "最後 · Last"),
        el("span", { class: "tag kind" }, KIND[now.kind] || now.kind || "—"), cutTag(now),
        el("div", { class: "af-text", dataset: { seq: now.seq } }, now.clause || now.text), asked(now)]
      : [el("span", { class: "muted" }, "まだ何も話していません · nothing said yet")]));
    $("avatar-now").classList.toggle("cut", !!(now && now.cut));
    $("avatar-lines").replaceChildren(...a.lines.slice().reverse().map(row));
  }

  LH.avatarFeed = {
    // show shows the strip (avatar shows) or hides it; the log's recent lines are read when it
    // first shows.
    show(on, m, redraw) {
      $("avatar-feed").hidden = !on;
      if (on && !shown) backfill(m, redraw);
      shown = on;
      if (on) render(m);
    },
    resync(m, redraw) { if (shown) { drawn = ""; backfill(m, redraw); } },
  };
})();
