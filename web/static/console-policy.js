// console-policy.js: the avatar show's voice-answer policy in the moderator console: which drafted
// answers the avatar speaks by itself and which wait for a moderator's approval here
// (GET/PUT /api/shows/{id}/avatar/policy). console.js shows it for avatar shows only and passes it
// the show's draft.policy events.
"use strict";
(function () {
  const $ = id => document.getElementById(id);
  const el = LH.el;
  // agents/answer.Intents, in its order (TestConsoleAvatarPolicy holds the two lists together).
  const INTENTS = [["price", "価格"], ["stock", "在庫"], ["size", "サイズ"], ["color", "カラー"], ["material", "素材"],
    ["dimensions", "寸法・重さ"], ["usage", "使い方"], ["ingredients", "成分"], ["shipping", "配送"],
    ["compatibility", "対応機種"], ["comparison", "比較"], ["attribute", "その他の属性"], ["other", "その他"]];
  const ENGINES = [["offline", "オフライン"], ["llm", "LLM"]]; // live.PolicyEngines
  const label = (list, v) => (list.find(x => x[0] === v) || [v, v])[1];
  const base = "/api/shows/" + encodeURIComponent(LH.show) + "/avatar/policy";

  let shown = false;
  let current = null;                 // the policy in force, as the server last said
  let loading = false, again = false; // a change seen during a load loads again after it
  let saving = false, ownSeq = 0;     // the seq of this page's last save (its event is no news)

  function status(text, kind, ...extra) {
    const s = $("policy-status");
    s.className = "policy-status" + (kind ? " " + kind : "");
    s.replaceChildren(text, ...extra);
  }

  // checks draws a checkbox per known value, and per value the policy has that the list does not
  // know (set through the API), so saving never drops what the form did not offer.
  function checks(box, list, name, on) {
    const values = list.map(x => x[0]).concat(on.filter(v => !list.some(x => x[0] === v)));
    box.replaceChildren(...values.map(v => el("label", {},
      el("input", { type: "checkbox", name, value: v, checked: on.includes(v) }),
      " " + (label(list, v).toLowerCase() === v ? label(list, v) : label(list, v) + " " + v))));
  }

  function fill(p) {
    $("policy-enabled").checked = p.enabled;
    checks($("policy-engines"), ENGINES, "engine", p.engines);
    checks($("policy-intents"), INTENTS, "intent", p.intents);
    $("policy-min").value = String(p.min_confidence);
    $("policy-min").removeAttribute("aria-invalid");
  }

  function summary(p) {
    const sum = $("policy-sum");
    sum.textContent = p.enabled
      ? "自動 · auto: " + (p.engines.join("/") || "—") + " · " + (p.intents.map(v => label(INTENTS, v)).join("・") || "—") +
        " · ≥ " + p.min_confidence.toFixed(2)
      : "すべて承認待ち · every answer waits for approval";
    sum.parentNode.title = sum.textContent; // the line may end in an ellipsis
    $("policy").dataset.enabled = p.enabled;
  }

  // read is the form as a policy; min_confidence is NaN when the input holds no number.
  function read() {
    const picked = name => [...document.querySelectorAll('#policy-form input[name="' + name + '"]:checked')].map(i => i.value);
    const min = $("policy-min").value.trim();
    return { enabled: $("policy-enabled").checked, engines: picked("engine"), intents: picked("intent"),
      min_confidence: min === "" ? NaN : Number(min) };
  }

  // dirty: the moderator has changed the form from the policy in force.
  function dirty() {
    if (!current) return false;
    const f = read(), key = p => [p.enabled, [...p.engines].sort(), [...p.intents].sort()].join("|");
    return key(f) !== key(current) || f.min_confidence !== current.min_confidence;
  }

  async function load() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      do {
        again = false;
        const p = await LH.api("GET", base);
        const editing = dirty();
        current = p; summary(p);
        if (!editing) fill(p);
      } while (again);
      status("");
    } catch (e) {
      status("読み込めません · could not load: " + e.message, "error");
    } finally { loading = false; }
  }

  async function save() {
    const p = read();
    if (isNaN(p.min_confidence)) {
      $("policy-min").setAttribute("aria-invalid", "true");
      status("信頼度の下限に 0〜1 の数を入れてください · min_confidence: enter a number from 0 to 1", "error");
      return;
    }
    saving = true;
    $("policy-save").disabled = true;
    status("保存中… · saving");
    try {
      const r = await LH.api("PUT", base, p);
      ownSeq = Math.max(ownSeq, r.seq || 0);
      current = r.policy; summary(current); fill(current);
      status("✓ 保存しました · saved", "ok");
    } catch (e) {
      // The server names the field it refused (policy: min_confidence 2: want 0 to 1).
      if (/min_confidence/.test(e.message)) $("policy-min").setAttribute("aria-invalid", "true");
      status("保存できません · not saved: " + e.message, "error");
    } finally {
      saving = false;
      $("policy-save").disabled = false;
    }
  }

  // changed follows a draft.policy event: the form shows the new policy unless the moderator is
  // editing it, who is told instead (saving would overwrite it).
  function changed(ev) {
    if (loading) { again = true; return; }
    if (saving || (ev.seq && ev.seq <= ownSeq)) return; // this page's save: its answer fills the form
    const editing = dirty();
    current = { enabled: !!ev.enabled, engines: ev.engines || [], intents: ev.intents || [], min_confidence: ev.min_confidence || 0 };
    summary(current);
    const by = ev.by ? "（" + ev.by + "）" : "";
    if (!editing) {
      fill(current);
      status("↻ 他の場所で変更されました" + by + " · changed elsewhere", "note");
      return;
    }
    const reload = el("button", { type: "button", class: "small", onclick: () => { fill(current); status(""); } }, "読み直す · Reload");
    status("⚠ 編集中に他の場所で変更されました" + by + "。保存すると上書きします · changed elsewhere while you edit; Save overwrites it ", "note", reload);
  }

  $("policy-form").addEventListener("submit", ev => { ev.preventDefault(); save(); });
  $("policy-form").addEventListener("input", () => $("policy-min").removeAttribute("aria-invalid"));

  LH.policyPanel = {
    // show shows the panel (avatar shows) or hides it; the policy is loaded when it first shows.
    show(on) {
      $("policy").hidden = !on;
      if (on && !shown) load();
      shown = on;
    },
    event(ev) { if (shown && ev.type === "draft.policy") changed(ev); },
    // resync reloads the policy after the stream skipped events.
    resync() { if (shown) load(); },
  };
})();
