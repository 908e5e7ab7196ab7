// console.js: the moderator console — live chat with verdicts, held messages, the draft queue
// (and, in an avatar show, its voice-answer policy: console-policy.js, and what the avatar says:
// console-avatar.js).
"use strict";
(function () {
  if (!LH.requireParams()) return;
  const $ = id => document.getElementById(id);
  const el = LH.el;
  const ACTION_JA = { allow: "許可", hold: "保留", block: "ブロック" };
  let model = null, rerender = null;
  let selected = null;   // selected draft id
  let editing = null;    // draft id being edited
  let editText = "", editSel = 0; // kept across re-renders, which replace the textarea
  let busy = new Set();  // draft ids / held seqs with a request in flight
  const showPath = "/api/shows/" + encodeURIComponent(LH.show);

  function counters(m) {
    const c = m.counters;
    const pending = [...m.drafts.values()].filter(d => d.status === "pending").length;
    const items = [["chat", "メッセージ · messages", c.chat], ["allow", "許可 · allowed", c.allow],
      ["hold", "保留 · held", c.hold], ["block", "ブロック · blocked", c.block], ["q", "質問 · questions", c.questions],
      ["pending", "承認待ち · pending", pending], ["pub", "公開 · published", c.published],
      ["block", "発言警告 · host flags", c.compliance],
      ...(c.dropped ? [["hold", "未認識の発話 · speech not transcribed", c.dropped]] : [])];
    $("counters").replaceChildren(...items.map(([cls, label, n]) =>
      el("div", { class: "counter " + cls }, el("b", {}, n.toLocaleString()), el("span", {}, label))));
  }

  // connectors shows each platform connector's health: live, connecting, backing off (why), stopped.
  const CONN_STATE = { live: "● 受信中 live", connecting: "接続中 connecting", backoff: "待機中 backing off", stopped: "停止 stopped" };
  function connectors(m) {
    const list = [...m.connectors.values()].sort((a, b) => a.name.localeCompare(b.name));
    $("connectors").replaceChildren(...list.map(c =>
      el("span", { class: "pill connector " + c.state, dataset: { name: c.name }, title: c.reason || "" },
        c.platform + " · " + c.name + " — " + (CONN_STATE[c.state] || c.state) + (c.reason ? " (" + c.reason + ")" : "") +
        " · " + (c.messages || 0).toLocaleString() + " msgs" + (c.replies_sent ? " · 返信 " + c.replies_sent : "") +
        (c.replies_failed ? " · 失敗 " + c.replies_failed : ""))));
  }

  // ttsAlert shows the avatar show's last TTS fallback (an engine failed; the next one, or captions
  // only, speaks instead) until the moderator dismisses it; a newer fallback shows again.
  let ttsDismissed = 0;
  function ttsAlert(m) {
    const box = $("tts-alert"), last = m.ttsFallbacks[m.ttsFallbacks.length - 1];
    if (!last || last.seq <= ttsDismissed) { box.hidden = true; return; }
    const n = m.ttsFallbacks.filter(f => f.seq > ttsDismissed).length;
    const to = last.next ? last.next : "字幕のみ · captions only";
    const close = el("button", { class: "btn", type: "button", title: "閉じる · dismiss" }, "×");
    close.onclick = () => { ttsDismissed = last.seq; ttsAlert(m); };
    box.replaceChildren(
      // engine "llm": the LLM writer failed and the offline writer talks instead.
      el("strong", {}, last.engine === "llm" ? "⚠ トーク生成の切り替え · writer fallback: " : "⚠ 音声合成の切り替え · TTS fallback: "),
      el("span", { class: "engines" }, (last.engine || "?") + " → " + to),
      el("span", { class: "why" }, " — " + last.reason + (n > 1 ? " (" + n + " 回 · times)" : "")),
      close);
    box.dataset.next = last.next || "captions";
    box.hidden = false;
  }

  // delivery is an approved draft's delivery to the platform its question came from.
  const REPLY_STATE = { sending: "送信中 sending", sent: "送信済み sent", failed: "送信失敗 failed" };
  function delivery(m, d) {
    const r = m.replyFor(d.draft_id);
    if (!r) return null;
    return el("span", { class: "tag reply " + r.status, title: r.reason || r.platform_id || "" },
      "→ " + r.platform + ": " + REPLY_STATE[r.status] + (r.reason ? " — " + r.reason : ""));
  }

  // vlist draws a list of fixed-height rows in a scrolling box, only the rows on screen (and a
  // few either side) in the DOM: a raid's 20,000 held messages cost what ten do.
  function vlist(box, rowH, onScroll) {
    const spacer = el("div", { class: "vspace" });
    const layer = el("div", { class: "vrows" });
    box.classList.add("vlist");
    box.replaceChildren(spacer, layer);
    box.addEventListener("scroll", () => onScroll && onScroll(), { passive: true });
    const OVER = 4;
    let cache = new Map(); // key → row drawn last time: an unchanged row is kept, not rebuilt
    return {
      box,
      // draw shows rows [first, last) of count, each made by row(i) unless the row drawn last
      // time for key(i) is still there; empty when there are none.
      draw(count, key, row, empty) {
        spacer.style.height = (count * rowH) + "px";
        if (!count) { cache = new Map(); layer.style.transform = ""; layer.replaceChildren(empty); return [0, 0]; }
        const first = Math.max(0, Math.floor(box.scrollTop / rowH) - OVER);
        const last = Math.min(count, Math.ceil((box.scrollTop + box.clientHeight) / rowH) + OVER);
        layer.style.transform = "translateY(" + (first * rowH) + "px)";
        const next = new Map(), rows = [];
        for (let i = first; i < last; i++) {
          const k = key(i);
          let r = cache.get(k);
          if (!r) { r = row(i); r.style.height = rowH + "px"; }
          next.set(k, r);
          rows.push(r);
        }
        cache = next;
        // Rows that stay are not moved (a click on one in flight still finds it): take out the
        // rows that left, then put the new ones in place.
        const keep = new Set(rows);
        for (const c of [...layer.childNodes]) if (!keep.has(c)) c.remove();
        let cur = layer.firstChild;
        for (const r of rows) {
          if (r === cur) { cur = cur.nextSibling; continue; }
          layer.insertBefore(r, cur);
        }
        return [first, last];
      },
      // reveal scrolls row i into view, as little as needed.
      reveal(i) {
        const top = i * rowH;
        if (top < box.scrollTop) box.scrollTop = top;
        else if (top + rowH > box.scrollTop + box.clientHeight) box.scrollTop = top + rowH - box.clientHeight;
      },
      atBottom() { return box.scrollTop + box.clientHeight >= box.scrollHeight - rowH; },
      toBottom() { box.scrollTop = box.scrollHeight; },
    };
  }

  const DECISION = { allowed: "✓ モデレーターが許可 · allowed", denied: "✕ モデレーターが拒否 · denied",
    expired: "⌛ 期限切れ（判断なし） · expired undecided" };
  const CHAT_H = 48, HELD_H = 124;
  let chatList = null, heldList = null;

  function chat(m) {
    if (!chatList) chatList = vlist($("chat"), CHAT_H, LH.schedule(() => model && chat(model)));
    const stick = chatList.atBottom();
    const only = $("only-flagged").checked;
    const questions = new Set([...m.drafts.values()].map(d => d.chat_seq));
    const list = only ? m.chat.filter(x => x.verdict && x.verdict.action !== "allow") : m.chat;
    chatList.draw(list.length, i => {
      const x = list[i];
      return x.seq + "/" + (x.verdict ? x.verdict.action : "") + "/" + (x.decision || "") + "/" + questions.has(x.seq);
    }, i => {
      const x = list[i];
      const v = x.verdict;
      const action = v ? v.action : "pending";
      const cats = v && v.action !== "allow" && (v.categories || []).length ? v.categories.join(", ") + (v.reason ? " — " + v.reason : "") : "";
      return el("div", { class: "msg " + action + (questions.has(x.seq) ? " question" : "") + (x.decision ? " decided-" + x.decision : ""), dataset: { seq: x.seq } },
        el("span", { class: "t" }, LH.time(x.at)),
        el("div", { class: "mb" },
          el("div", { class: "line", title: x.user + ": " + x.text },
            x.platform ? el("span", { class: "plat" }, x.platform) : null,
            el("span", { class: "u" }, x.user),
            el("span", { class: "txt" }, LH.highlight(x.text, v && v.matches))),
          cats || x.decision ? el("span", { class: "cats" }, [x.decision ? el("span", { class: "decision " + x.decision }, DECISION[x.decision] || x.decision) : null,
            x.decision && cats ? " · " : null, cats]) : null),
        el("span", { class: "verdict " + action }, ACTION_JA[action] || "…"));
    }, el("div", { class: "empty" }, "チャットはまだありません · no chat yet"));
    $("chat-count").textContent = m.chat.length ? m.counters.chat.toLocaleString() : "";
    if (stick) chatList.toBottom();
  }

  // The held queue as the console has it: a run of held messages from the oldest (the snapshot's
  // first 500, then pages of GET /held as the moderator scrolls), and the ones the stream brings
  // beyond it until the run reaches them. Decided messages leave at once, whichever page they
  // were on; seqs decided while a page was on its way are kept out of it.
  const hq = { items: [], cursor: 0, complete: true, tail: new Map(), gone: new Set(), loading: false };
  let heldIdx = 0;       // the selected held message, by position (a decision selects the next)
  let pane = "drafts";   // where j/k move: "drafts" or "held" (Tab switches)
  const bySeq = (a, b) => a.chat_seq - b.chat_seq;

  function initHeld(m) {
    hq.items = [...m.held.values()].sort(bySeq);
    hq.cursor = hq.items.length ? hq.items[hq.items.length - 1].chat_seq : 0;
    hq.complete = m.heldTotal <= hq.items.length;
  }

  function insertHeld(h) {
    const a = hq.items;
    let i = a.length;
    while (i > 0 && a[i - 1].chat_seq > h.chat_seq) i--;
    if (i > 0 && a[i - 1].chat_seq === h.chat_seq) { a[i - 1] = h; return; }
    a.splice(i, 0, h);
  }

  function dropHeld(seqs) {
    const drop = new Set(seqs);
    for (const s of seqs) { hq.gone.add(s); hq.tail.delete(s); }
    if (drop.size === 1) {
      const s = seqs[0], a = hq.items;
      let lo = 0, hi = a.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid].chat_seq < s) lo = mid + 1; else hi = mid; }
      if (lo < a.length && a[lo].chat_seq === s) a.splice(lo, 1);
    } else if (drop.size) {
      hq.items = hq.items.filter(h => !drop.has(h.chat_seq));
    }
  }

  function onEvent(ev, m) {
    switch (ev.type) {
      case "chat.held": {
        const h = m.held.get(ev.chat_seq);
        if (!h || hq.gone.has(ev.chat_seq)) break;
        if (hq.complete) insertHeld(h); else hq.tail.set(h.chat_seq, h);
        break;
      }
      case "chat.allowed": case "chat.denied": dropHeld([ev.chat_seq]); break;
      case "chat.bulk_denied": dropHeld(ev.chat_seqs || []); break;
      case "chat.held_expired":
        dropHeld(ev.chat_seqs || []);
        LH.toast("⌛ " + (ev.count || 0).toLocaleString() + " 件の保留が期限切れになりました（判断なし） · expired undecided");
        break;
      case "draft.policy": LH.policyPanel.event(ev); break;
    }
  }

  // loadHeld fetches the next page of held messages after the run.
  async function loadHeld() {
    if (hq.loading || hq.complete) return;
    hq.loading = true;
    try {
      const r = await LH.api("GET", showPath + "/held?limit=1000&after=" + hq.cursor);
      const last = hq.items.length ? hq.items[hq.items.length - 1].chat_seq : 0;
      for (const h of r.held || []) if (!hq.gone.has(h.chat_seq) && h.chat_seq > last) hq.items.push(h);
      hq.cursor = Math.max(hq.cursor, r.next || 0);
      for (const [s, h] of hq.tail) {
        if (s <= hq.cursor) hq.tail.delete(s);
        else if (!r.more) { insertHeld(h); hq.tail.delete(s); }
      }
      if (!r.more) hq.complete = true;
    } catch (e) {
      LH.toast("保留の読み込みに失敗しました: " + e.message, "error");
      await new Promise(res => setTimeout(res, 2000));
    } finally {
      hq.loading = false;
      rerender && rerender();
    }
  }

  function heldRow(h, i, m) {
    const msg = m.chatBySeq.get(h.chat_seq);
    const v = msg && msg.verdict;
    const busyRow = busy.has("h" + h.chat_seq);
    const why = [h.reason, [...new Set([...(h.rules || []), ...(h.categories || [])])].join(", ")].filter(Boolean).join(" · ");
    return el("div", { class: "held" + (i === heldIdx ? " sel" : ""), dataset: { seq: h.chat_seq, user: h.user || "" },
        onclick: () => { pane = "held"; heldIdx = i; rerender(); } },
      el("div", { class: "hh" }, el("b", { class: "u", title: h.user }, h.user || "?"), " ",
        el("span", { class: "muted" }, "#" + h.chat_seq + " · " + LH.time(h.at)),
        why ? el("span", { class: "reason", title: why }, why) : null),
      el("div", { class: "txt", title: h.text }, LH.highlight(h.text || "", v && v.matches)),
      el("div", { class: "actions" },
        el("button", { class: "ok", disabled: busyRow, onclick: ev => { ev.stopPropagation(); decide(h.chat_seq, "allow"); } }, "許可 Allow"),
        el("button", { class: "danger", disabled: busyRow, onclick: ev => { ev.stopPropagation(); decide(h.chat_seq, "deny"); } }, "拒否 Deny"),
        el("button", { class: "bulk-open", title: "このユーザー・ルールの保留をまとめて拒否 (b)", onclick: ev => { ev.stopPropagation(); heldIdx = i; openBulk(h); } }, "一括… Bulk")));
  }

  function held(m) {
    if (!heldList) heldList = vlist($("held"), HELD_H, LH.schedule(() => model && held(model)));
    const items = hq.items;
    const count = hq.complete ? items.length : Math.max(items.length, m.heldTotal);
    if (heldIdx >= items.length) heldIdx = Math.max(0, items.length - 1);
    $("held-count").textContent = m.heldTotal ? m.heldTotal.toLocaleString() + " 件" : "";
    $("held-panel").classList.toggle("active", pane === "held");
    $("draft-panel").classList.toggle("active", pane === "drafts");
    const [, last] = heldList.draw(count, i => i < items.length
      ? items[i].chat_seq + "/" + i + "/" + (i === heldIdx) + "/" + busy.has("h" + items[i].chat_seq) + "/" + !!m.chatBySeq.get(items[i].chat_seq)
      : "loading/" + i, i => i < items.length ? heldRow(items[i], i, m)
      : el("div", { class: "held loading" }, el("span", { class: "muted" }, "読み込み中… · loading")),
    el("div", { class: "empty" }, "保留中のメッセージはありません · nothing held"));
    if (!hq.complete && last + 50 >= items.length) loadHeld();
  }

  function moveHeld(d) {
    if (!hq.items.length) return;
    heldIdx = Math.max(0, Math.min(hq.items.length - 1, heldIdx + d));
    if (heldList) heldList.reveal(heldIdx);
    rerender();
  }

  // Bulk deny: of a user, of a rule, held longer than N minutes, or all; the dialog asks the
  // server how many that is and the button says so before anything is denied.
  const bulk = { open: false, seq: 0 };
  function bulkFilter() {
    const kind = document.querySelector('input[name="bulk-kind"]:checked').value;
    switch (kind) {
      case "user": return { kind, body: { user: $("bulk-user").value.trim() }, q: "user=" + encodeURIComponent($("bulk-user").value.trim()), ok: !!$("bulk-user").value.trim() };
      case "rule": return { kind, body: { rule: $("bulk-rule").value }, q: "rule=" + encodeURIComponent($("bulk-rule").value), ok: !!$("bulk-rule").value };
      case "older": {
        const min = Number($("bulk-min").value);
        return { kind, body: { older_than: min + "m" }, q: "older_than=" + min + "m", ok: min >= 0 && isFinite(min) && $("bulk-min").value !== "" };
      }
      default: return { kind: "all", body: { all: true }, q: "", ok: true };
    }
  }
  async function bulkCount() {
    const f = bulkFilter();
    const seq = ++bulk.seq;
    const btn = $("bulk-go");
    btn.disabled = true;
    btn.textContent = "件数を確認中… · counting";
    $("bulk-count").textContent = "";
    if (!f.ok) { btn.textContent = "拒否 · Deny"; return; }
    try {
      const r = await LH.api("GET", showPath + "/held?limit=1" + (f.q ? "&" + f.q : ""));
      if (seq !== bulk.seq) return;
      bulk.count = r.total;
      $("bulk-count").textContent = "対象 " + r.total.toLocaleString() + " 件 · " + r.total.toLocaleString() + " held message(s) match";
      btn.textContent = r.total.toLocaleString() + " 件を拒否 · Deny " + r.total.toLocaleString();
      btn.disabled = r.total === 0;
    } catch (e) {
      if (seq === bulk.seq) { $("bulk-count").textContent = e.message; btn.textContent = "拒否 · Deny"; }
    }
  }
  function openBulk(h) {
    h = h || hq.items[heldIdx];
    bulk.open = true;
    $("bulk-user").value = h ? h.user || "" : "";
    const rules = h ? [...new Set([...(h.rules || []), ...(h.categories || [])])] : [];
    $("bulk-rule").replaceChildren(...rules.map(r => el("option", { value: r }, r)));
    document.querySelector('input[name="bulk-kind"][value="' + (h && h.user ? "user" : "older") + '"]').checked = true;
    $("bulk").hidden = false;
    $("bulk-go").focus();
    bulkCount();
  }
  function closeBulk() { bulk.open = false; bulk.seq++; $("bulk").hidden = true; }
  async function bulkDeny() {
    const f = bulkFilter();
    if (!f.ok) return;
    $("bulk-go").disabled = true;
    try {
      const r = await LH.api("POST", showPath + "/held/deny", f.body);
      LH.toast("✕ " + r.count.toLocaleString() + " 件を拒否しました · denied " + r.count.toLocaleString());
      closeBulk();
    } catch (e) { LH.toast("一括拒否: " + e.message, "error"); $("bulk-go").disabled = false; }
  }
  $("bulk-form").addEventListener("change", () => bulkCount());
  $("bulk-form").addEventListener("input", ev => { if (ev.target.type !== "radio") bulkCount(); });
  $("bulk-form").addEventListener("submit", ev => { ev.preventDefault(); bulkDeny(); });
  $("bulk-cancel").onclick = () => closeBulk();
  $("bulk-all-open").onclick = () => openBulk();

  function draftOrder(m) {
    const rank = { pending: 0, approved: 1, published: 1, rejected: 2, expired: 2 };
    const all = [...m.drafts.values()];
    const open = all.filter(d => d.status === "pending").sort((a, b) => (b.count || 1) - (a.count || 1) || String(a.created_at).localeCompare(String(b.created_at)));
    const done = all.filter(d => d.status !== "pending").sort((a, b) => String(b.published_at || b.created_at).localeCompare(String(a.published_at || a.created_at))).slice(0, 15);
    return open.concat(done);
  }

  function drafts(m) {
    const list = draftOrder(m);
    const pending = list.filter(d => d.status === "pending");
    $("draft-count").textContent = pending.length || "";
    if (!selected || !m.drafts.has(selected) || m.drafts.get(selected).status !== "pending") selected = pending.length ? pending[0].draft_id : null;
    // A window of the queue around the selection: a flood of questions stays a short DOM.
    const si = Math.max(0, pending.findIndex(d => d.draft_id === selected));
    const from = Math.max(0, Math.min(si - 5, pending.length - 30));
    const shown = pending.slice(from, from + 30).concat(list.filter(d => d.status !== "pending"));
    const rows = shown.map(d => {
      const p = d.sku ? m.product(d.sku, rerender) : null;
      const open = d.status === "pending";
      const isEditing = editing === d.draft_id;
      return el("div", { class: "draft " + d.status + (open ? "" : " done") + (d.draft_id === selected ? " sel" : ""), dataset: { id: d.draft_id },
          onclick: () => { if (open) { selected = d.draft_id; rerender(); } } },
        el("div", { class: "q" }, el("b", {}, d.user || "viewer"), "： ", d.question || ""),
        isEditing ? el("textarea", { id: "edit-box", rows: 3, dataset: { id: d.draft_id },
          oninput: ev => { editText = ev.target.value; editSel = ev.target.selectionStart; },
          onkeyup: ev => { editSel = ev.target.selectionStart; }, onclick: ev => { editSel = ev.target.selectionStart; } }, editText)
          : el("div", { class: "a" }, d.text),
        el("div", { class: "meta" },
          d.count > 1 ? el("span", { class: "tag count" }, "×" + d.count) : null,
          d.intent ? el("span", { class: "tag" }, d.intent) : null,
          p ? el("span", { class: "tag", title: p.name }, p.name) : (d.sku ? el("span", { class: "tag" }, d.sku) : null),
          d.confidence ? el("span", { class: "tag" }, "信頼度 " + Math.round(d.confidence * 100) + "%") : null,
          d.needs_review ? el("span", { class: "tag review" }, "要確認 needs review") : null,
          d.engine ? el("span", { class: "tag" }, d.engine) : null,
          d.claimed_by && open ? el("span", { class: "tag claimed" }, "担当: " + d.claimed_by) : null,
          !open ? el("span", { class: "tag" }, { approved: "承認済み", published: "公開済み", rejected: "却下", expired: "期限切れ" }[d.status] + (d.edited ? " (編集)" : "")) : null,
          delivery(m, d)),
        open ? el("div", { class: "actions" },
          isEditing
            ? [el("button", { class: "primary", onclick: ev => { ev.stopPropagation(); saveEdit(d.draft_id); } }, "保存して承認 Save"),
               el("button", { onclick: ev => { ev.stopPropagation(); editing = null; rerender(); } }, "取消 Cancel")]
            : [el("button", { disabled: busy.has(d.draft_id), onclick: ev => { ev.stopPropagation(); act(d.draft_id, "claim"); } }, "担当 Claim"),
               el("button", { class: "ok", disabled: busy.has(d.draft_id), onclick: ev => { ev.stopPropagation(); act(d.draft_id, "approve"); } }, "承認 Approve"),
               el("button", { disabled: busy.has(d.draft_id), onclick: ev => { ev.stopPropagation(); startEdit(d.draft_id); } }, "編集 Edit"),
               el("button", { class: "danger", disabled: busy.has(d.draft_id), onclick: ev => { ev.stopPropagation(); act(d.draft_id, "reject"); } }, "却下 Reject")]) : null);
    });
    if (from > 0) rows.unshift(el("div", { class: "more" }, "↑ 他 " + from + " 件 · " + from + " more"));
    const after = pending.length - from - 30;
    if (after > 0) rows.splice(Math.min(rows.length, (from > 0 ? 1 : 0) + 30), 0, el("div", { class: "more" }, "↓ 他 " + after + " 件 · " + after + " more"));
    $("drafts").replaceChildren(...(rows.length ? rows : [el("div", { class: "empty" }, "回答案はまだありません · no drafts yet")]));
    const box = $("edit-box");
    if (box && document.activeElement !== box) { box.focus(); box.setSelectionRange(editSel, editSel); }
    const sel = $("drafts").querySelector(".draft.sel");
    if (sel && !isVisible(sel, $("drafts"))) sel.scrollIntoView({ block: "nearest" });
  }

  function isVisible(e, box) {
    const r = e.getBoundingClientRect(), b = box.getBoundingClientRect();
    return r.top >= b.top && r.bottom <= b.bottom;
  }

  function render(m) {
    $("title").textContent = m.show.title || m.show.id;
    const st = m.show.status;
    $("status").textContent = st === "live" ? "● LIVE" : st === "stopped" ? "終了 · ended" : "準備中 · not started";
    $("status").className = "pill" + (st === "live" ? " live" : "");
    const p = m.product(m.onAir, rerender);
    $("onair").textContent = "オンエア: " + (p ? p.name : (m.onAir || "—"));
    counters(m); connectors(m); ttsAlert(m); chat(m); held(m);
    LH.policyPanel.show(m.show.mode === "avatar");
    LH.avatarFeed.show(m.show.mode === "avatar", m, () => rerender && rerender());
    // While a reply is being edited its textarea stays as it is: replacing it would break the
    // IME composition of Japanese input. The queue refreshes when the edit ends.
    const ed = editing && m.drafts.get(editing);
    if (ed && ed.status !== "pending") { editing = null; LH.toast("この回答案は他の操作で確定しました · decided elsewhere"); }
    const box = $("edit-box");
    if (!editing || !box || box.dataset.id !== editing) drafts(m);
  }

  async function act(id, verb, body) {
    busy.add(id); rerender();
    try {
      await LH.api("POST", "/api/drafts/" + encodeURIComponent(id) + "/" + verb, body);
      if (verb !== "claim") editing = null;
    } catch (e) {
      LH.toast(verb + ": " + e.message, "error");
    } finally { busy.delete(id); rerender(); }
  }

  function startEdit(id) {
    const d = model.drafts.get(id);
    editing = id; selected = id; editText = d ? d.text : ""; editSel = editText.length;
    act(id, "claim");
  }
  function saveEdit(id) {
    const text = editText.trim();
    if (!text) { LH.toast("回答が空です · the reply is empty", "error"); return; }
    act(id, "approve", { text });
  }

  async function decide(seq, verb) {
    busy.add("h" + seq); rerender();
    try { await LH.api("POST", showPath + "/held/" + seq + "/" + verb); }
    catch (e) { LH.toast(verb + ": " + e.message, "error"); }
    finally { busy.delete("h" + seq); rerender(); }
  }

  document.addEventListener("keydown", ev => {
    if (!model) return;
    if (bulk.open) {
      if (ev.key === "Escape") { ev.preventDefault(); closeBulk(); }
      return;
    }
    if (editing) {
      if (ev.key === "Escape") { editing = null; rerender(); }
      else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); saveEdit(editing); }
      return;
    }
    if (ev.target.tagName === "INPUT" || ev.target.tagName === "TEXTAREA" || ev.target.tagName === "SELECT" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const pending = draftOrder(model).filter(d => d.status === "pending");
    const i = pending.findIndex(d => d.draft_id === selected);
    const down = ev.key === "j" || ev.key === "ArrowDown", up = ev.key === "k" || ev.key === "ArrowUp";
    switch (true) {
      case ev.key === "Tab": pane = pane === "held" ? "drafts" : "held"; rerender(); break;
      case (down || up) && pane === "held": moveHeld(down ? 1 : -1); break;
      case down: if (pending.length) { selected = pending[Math.min(i + 1, pending.length - 1)].draft_id; rerender(); } break;
      case up: if (pending.length) { selected = pending[Math.max(i - 1, 0)].draft_id; rerender(); } break;
      case ev.key === "c": if (selected) act(selected, "claim"); break;
      case ev.key === "a": if (selected) act(selected, "approve"); break;
      case ev.key === "e": if (selected) { ev.preventDefault(); startEdit(selected); } break;
      case ev.key === "r": if (selected) act(selected, "reject"); break;
      case ev.key === "b": if (hq.items.length) openBulk(); break;
      case ev.key === "y" || ev.key === "n": {
        const h = hq.items[Math.min(heldIdx, hq.items.length - 1)];
        if (h) decide(h.chat_seq, ev.key === "y" ? "allow" : "deny");
        break;
      }
      default: return;
    }
    ev.preventDefault();
  });

  $("only-flagged").addEventListener("change", () => rerender && rerender());

  const CONN = { live: "接続中 · live", offline: "再接続中 · reconnecting", resync: "再同期 · resync" };
  LH.boot(render, st => {
    $("conn").textContent = CONN[st] || st; $("conn").className = "pill conn-" + st;
    if (st === "resync") { LH.policyPanel.resync(); if (model) LH.avatarFeed.resync(model, () => rerender && rerender()); }
  },
    { onModel: m => { model = m; initHeld(m); }, onEvent })
    .then(r => { model = r.model; rerender = r.rerender; window.lhModel = model; })
    .catch(LH.failed);
})();
