// console.js: the moderator console — live chat with verdicts, held messages, the draft queue.
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

  // delivery is an approved draft's delivery to the platform its question came from.
  const REPLY_STATE = { sending: "送信中 sending", sent: "送信済み sent", failed: "送信失敗 failed" };
  function delivery(m, d) {
    const r = m.replyFor(d.draft_id);
    if (!r) return null;
    return el("span", { class: "tag reply " + r.status, title: r.reason || r.platform_id || "" },
      "→ " + r.platform + ": " + REPLY_STATE[r.status] + (r.reason ? " — " + r.reason : ""));
  }

  function chat(m) {
    const box = $("chat");
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 40;
    const only = $("only-flagged").checked;
    const questions = new Set([...m.drafts.values()].map(d => d.chat_seq));
    const rows = m.chat.filter(x => !only || (x.verdict && x.verdict.action !== "allow")).slice(-200).map(x => {
      const v = x.verdict;
      const action = v ? v.action : "pending";
      return el("div", { class: "msg " + action + (questions.has(x.seq) ? " question" : ""), dataset: { seq: x.seq } },
        el("span", { class: "t" }, LH.time(x.at)),
        el("div", {},
          x.platform ? el("span", { class: "plat" }, x.platform) : null,
          el("span", { class: "u" }, x.user),
          el("span", { class: "txt" }, LH.highlight(x.text, v && v.matches)),
          v && v.action !== "allow" && (v.categories || []).length ? el("span", { class: "cats" }, v.categories.join(", ") + (v.reason ? " — " + v.reason : "")) : null,
          x.decision ? el("span", { class: "cats" }, x.decision === "allowed" ? "✓ モデレーターが許可" : "✕ モデレーターが拒否") : null),
        el("span", { class: "verdict " + action }, ACTION_JA[action] || "…"));
    });
    box.replaceChildren(...(rows.length ? rows : [el("div", { class: "empty" }, "チャットはまだありません · no chat yet")]));
    $("chat-count").textContent = m.chat.length ? m.counters.chat.toLocaleString() : "";
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function heldList(m) { return [...m.held.values()].sort((a, b) => a.chat_seq - b.chat_seq); }

  function held(m) {
    const list = heldList(m);
    $("held-count").textContent = list.length || "";
    const rows = list.map((h, i) => {
      const msg = m.chatBySeq.get(h.chat_seq);
      const v = msg && msg.verdict;
      return el("div", { class: "held" + (i === 0 ? " sel" : ""), dataset: { seq: h.chat_seq } },
        el("div", {}, el("b", {}, h.user || (msg && msg.user) || "?"), " ", el("span", { class: "muted" }, "#" + h.chat_seq + " · " + LH.time(h.at))),
        el("div", { class: "txt" }, LH.highlight(h.text || (msg && msg.text) || "", v && v.matches)),
        h.reason ? el("div", { class: "reason" }, h.reason) : null,
        el("div", { class: "actions" },
          el("button", { class: "ok", disabled: busy.has("h" + h.chat_seq), onclick: () => decide(h.chat_seq, "allow") }, "許可 Allow"),
          el("button", { class: "danger", disabled: busy.has("h" + h.chat_seq), onclick: () => decide(h.chat_seq, "deny") }, "拒否 Deny")));
    });
    $("held").replaceChildren(...(rows.length ? rows : [el("div", { class: "empty" }, "保留中のメッセージはありません · nothing held")]));
  }

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
    const rows = list.map(d => {
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
          p ? el("span", { class: "tag" }, p.name) : (d.sku ? el("span", { class: "tag" }, d.sku) : null),
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
    counters(m); connectors(m); chat(m); held(m);
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
    if (editing) {
      if (ev.key === "Escape") { editing = null; rerender(); }
      else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); saveEdit(editing); }
      return;
    }
    if (ev.target.tagName === "INPUT" || ev.target.tagName === "TEXTAREA" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const pending = draftOrder(model).filter(d => d.status === "pending");
    const i = pending.findIndex(d => d.draft_id === selected);
    switch (ev.key) {
      case "j": case "ArrowDown": if (pending.length) { selected = pending[Math.min(i + 1, pending.length - 1)].draft_id; rerender(); } break;
      case "k": case "ArrowUp": if (pending.length) { selected = pending[Math.max(i - 1, 0)].draft_id; rerender(); } break;
      case "c": if (selected) act(selected, "claim"); break;
      case "a": if (selected) act(selected, "approve"); break;
      case "e": if (selected) { ev.preventDefault(); startEdit(selected); } break;
      case "r": if (selected) act(selected, "reject"); break;
      case "y": case "n": {
        const h = heldList(model)[0];
        if (h) decide(h.chat_seq, ev.key === "y" ? "allow" : "deny");
        break;
      }
      default: return;
    }
    ev.preventDefault();
  });

  $("only-flagged").addEventListener("change", () => rerender && rerender());

  const CONN = { live: "接続中 · live", offline: "再接続中 · reconnecting", resync: "再同期 · resync" };
  LH.boot(render, st => { $("conn").textContent = CONN[st] || st; $("conn").className = "pill conn-" + st; })
    .then(r => { model = r.model; rerender = r.rerender; window.lhModel = model; })
    .catch(e => { LH.toast("読み込みに失敗しました: " + e.message, "error"); });
})();
