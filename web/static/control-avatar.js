// control-avatar.js: the avatar show's panel of the control page: its state, the run-of-show plan
// (JSON, editable), the runner's controls and a moderator's line.
"use strict";
(function () {
  const $ = id => document.getElementById(id);
  const base = "/api/shows/" + encodeURIComponent(LH.show) + "/avatar";
  async function refresh(loadPlan) {
    let st;
    try { st = await LH.api("GET", base + "/plan"); } catch (e) { return; }
    $("avatar-panel").hidden = false;
    $("avatar-state").textContent = st.state + " · segment " + (st.segment + 1) + "/" + st.plan.segments.length +
      " · loop " + (st.loop + 1) + (st.page_connected ? " · page ●" : " · page ○") + (st.queue ? " · " + st.queue + " Q" : "");
    if (loadPlan) {
      const p = Object.assign({}, st.plan);
      delete p.by;
      $("avatar-plan").value = JSON.stringify(p, null, 2);
    }
  }
  async function show() {
    try {
      const sh = await LH.api("GET", "/api/shows/" + encodeURIComponent(LH.show));
      if (sh.mode !== "avatar") return;
    } catch (e) { return; }
    refresh(true);
    setInterval(refresh, 3000);
  }
  for (const b of document.querySelectorAll("[data-avatar]")) {
    b.addEventListener("click", async function () {
      try { await LH.api("POST", base + "/" + b.dataset.avatar); $("avatar-result").textContent = b.dataset.avatar + " ✓"; }
      catch (e) { $("avatar-result").textContent = e.message; }
      refresh();
    });
  }
  $("save-plan").addEventListener("click", async function () {
    let plan;
    try { plan = JSON.parse($("avatar-plan").value); } catch (e) { $("avatar-result").textContent = "JSON: " + e.message; return; }
    try { await LH.api("PUT", base + "/plan", plan); $("avatar-result").textContent = "plan saved ✓"; }
    catch (e) { $("avatar-result").textContent = e.message; }
    refresh(true);
  });
  $("send-say").addEventListener("click", async function () {
    try {
      const r = await LH.api("POST", base + "/say", { text: $("avatar-say").value });
      $("avatar-result").textContent = (r.queued.length ? "queued: " + r.queued.join("") : "") +
        r.refused.map(x => " refused: " + x.text + " (" + x.reason + ")").join("");
      if (!r.refused.length) $("avatar-say").value = "";
    } catch (e) { $("avatar-result").textContent = e.message; }
  });
  show();
})();
