// model.js: the show as a page sees it — a snapshot from GET /api/shows/{id}/state, then every
// event from the stream folded in. This is the same fold as the server's (live.State in
// live/state.go): snapshot() returns what GET /state would answer for the same events, and
// TestModelFoldMatchesGo (server/fold_browser_test.go) feeds one show's events to both and
// compares them, so a change to one fold without the other fails there.
"use strict";
(function () {
  // live/state.go: maxChat, maxRecent, maxDone, maxSnapshotHeld.
  const MAX_CHAT = 200, MAX_RECENT = 20, MAX_DONE = 50, MAX_SNAPSHOT_HELD = 500;
  const MAX_REPLIES = 200; // live/connectors.go: maxReplies
  const MAX_TTS_FALLBACKS = 20;
  const MAX_AVATAR_LINES = 20;
  const ZERO_TIME = "0001-01-01T00:00:00Z";

  class Model {
    constructor(snap) {
      this.show = Object.assign({}, snap.show || {});
      this.lastSeq = snap.last_seq || 0;
      this.onAir = snap.on_air || "";
      this.onAirAtRaw = snap.on_air_at || ""; // as logged; "" before any product.on_air
      this.onAirAt = snap.on_air_at ? new Date(snap.on_air_at).getTime() : Date.now();
      this.products = snap.products || {};
      this.chat = snap.chat || [];
      this.chatBySeq = new Map(this.chat.map(m => [m.seq, m]));
      // Held messages, oldest held first. A snapshot carries the oldest 500 of heldTotal; the
      // rest are paged from GET /held.
      this.held = new Map((snap.held || []).map(h => [h.chat_seq, h]));
      this.heldTotal = Math.max(snap.held_total || 0, this.held.size);
      this.drafts = new Map((snap.drafts || []).map(d => [d.draft_id, d])); // oldest first
      this.compliance = snap.compliance || [];
      this.transcript = snap.transcript || [];
      this.crossSell = snap.cross_sell || [];
      this.mentions = snap.mentions || [];
      this.dropped = snap.dropped || [];
      this.script = Object.assign({ text: "", offset: 0, line: -1, score: 0 }, snap.script || {});
      this.counters = Object.assign({ chat: 0, allow: 0, hold: 0, block: 0, questions: 0, drafts: 0,
        approved: 0, rejected: 0, published: 0, compliance: 0, dropped: 0 }, snap.counters || {});
      // Platform connectors by name, and reply deliveries (one per draft and connector), oldest
      // first: live/connectors.go's connectorBook.
      this.connectors = new Map((snap.connectors || []).map(c => [c.name, Object.assign({}, c)]));
      this.replies = (snap.replies || []).map(r => Object.assign({}, r));
      // The avatar show's TTS fallbacks seen since the page loaded, newest last (the console's
      // alert): not part of the server's State, so not in snapshot().
      this.ttsFallbacks = [];
      // The avatar's last lines, said or refused by the gate, oldest first, and its runner's state:
      // the console's On air strip. Page-side only, like ttsFallbacks: not in snapshot().
      this.avatar = { lines: [], state: "", stateReason: "", stateSeq: 0 };
    }

    apply(ev) {
      if (ev.seq && ev.seq <= this.lastSeq) return false;
      if (ev.seq) { this.lastSeq = ev.seq; this.show.last_seq = ev.seq; }
      const c = this.counters;
      switch (ev.type) {
        case "show.created": case "show.updated":
          this.show.title = ev.title || ""; this.show.lineup = ev.lineup || [];
          if (ev.mode) this.show.mode = ev.mode;
          if (ev.status) this.show.status = ev.status;
          break;
        case "show.started": this.show.status = "live"; break;
        case "show.stopped": this.show.status = "stopped"; break;
        case "product.on_air":
          this.onAir = ev.sku || ""; this.onAirAtRaw = ev.at; this.onAirAt = new Date(ev.at).getTime(); break;
        case "chat.received": {
          const m = { seq: ev.seq, at: ev.at, platform: ev.platform, user: ev.user || "", text: ev.text || "", verdict: null };
          const conn = ev.connector && this.connectors.get(ev.connector);
          if (conn) conn.messages++;
          this.chat.push(m); this.chatBySeq.set(m.seq, m); c.chat++;
          while (this.chat.length > MAX_CHAT) this.chatBySeq.delete(this.chat.shift().seq);
          break;
        }
        case "chat.verdict": {
          const m = this.chatBySeq.get(ev.chat_seq);
          if (m) m.verdict = { action: ev.action || "", categories: ev.categories, matches: ev.matches, rules: ev.rules, reason: ev.reason };
          if (ev.action === "allow" || ev.action === "hold" || ev.action === "block") c[ev.action]++;
          break;
        }
        case "chat.held": {
          const h = { chat_seq: ev.chat_seq, platform: ev.platform, user: ev.user || "", text: ev.text || "", reason: ev.reason,
            rules: ev.rules, categories: ev.categories, at: ev.at };
          const m = this.chatBySeq.get(ev.chat_seq);
          if (m && m.verdict && !h.rules && !h.categories) { // older logs' chat.held carried neither
            h.rules = m.verdict.rules; h.categories = m.verdict.categories;
          }
          if (!this.held.has(ev.chat_seq)) this.heldTotal++;
          this.held.set(ev.chat_seq, h);
          break;
        }
        case "chat.allowed": case "chat.denied": {
          this.unhold(ev.chat_seq);
          const m = this.chatBySeq.get(ev.chat_seq);
          if (m) m.decision = ev.type === "chat.allowed" ? "allowed" : "denied";
          break;
        }
        case "chat.bulk_denied": case "chat.held_expired":
          for (const seq of ev.chat_seqs || []) {
            this.unhold(seq);
            const m = this.chatBySeq.get(seq);
            if (m) m.decision = ev.type === "chat.held_expired" ? "expired" : "denied";
          }
          break;
        case "question.detected": c.questions++; break;
        case "draft.created": case "draft.asked": case "draft.claimed": case "draft.released": case "draft.approved":
        case "draft.edited": case "draft.rejected": case "draft.expired": case "draft.published":
          this.applyDraft(ev); break;
        // The show's answer policy is not in the snapshot (GET /avatar/policy reads it): the
        // event only reaches the page's hooks (the console's policy panel).
        case "draft.policy": break;
        case "crosssell.suggested":
          this.crossSell.push({ sku: ev.sku || "", suggestions: ev.suggestions || [], text: ev.text, chat_seq: ev.chat_seq, at: ev.at });
          if (this.crossSell.length > MAX_RECENT) this.crossSell.shift();
          break;
        case "transcript.segment":
          this.transcript.push({ seq: ev.seq, text: ev.text || "", final: !!ev.final, at: ev.at });
          if (this.transcript.length > MAX_RECENT) this.transcript.shift();
          break;
        case "product.mentioned":
          this.mentions.push({ sku: ev.sku || "", transcript_seq: ev.transcript_seq || 0, text: ev.text, at: ev.at });
          if (this.mentions.length > MAX_RECENT) this.mentions.shift();
          break;
        case "host.compliance":
          this.compliance.push({ transcript_seq: ev.transcript_seq || 0, text: ev.text || "", matches: ev.matches || [], at: ev.at });
          if (this.compliance.length > MAX_RECENT) this.compliance.shift();
          c.compliance++;
          break;
        case "transcript.dropped":
          this.dropped.push({ start_ms: ev.start_ms || 0, end_ms: ev.end_ms || 0, reason: ev.reason || "", source: ev.source, at: ev.at });
          if (this.dropped.length > MAX_RECENT) this.dropped.shift();
          c.dropped++;
          break;
        case "script.set": this.script = { text: ev.text || "", offset: 0, line: -1, score: 0, at: ev.at }; break;
        case "script.position":
          this.script = { text: this.script.text, offset: ev.offset || 0, line: ev.line || 0, score: ev.score || 0, at: ev.at }; break;
        case "connector.configured": {
          // New settings start a new cursor; the platform's quota spent today stays spent.
          const old = this.connectors.get(ev.name);
          const quota = old && old.platform === ev.platform ? { quota_used: old.quota_used, quota_resets_at: old.quota_resets_at } : {};
          this.connectors.set(ev.name, omitEmpty({ name: ev.name, platform: ev.platform, settings: ev.settings, reply_all: ev.reply_all,
            configured_at: ev.at, configured_by: ev.by, config_seq: ev.seq, state: "connecting", state_at: ev.at, ...quota, messages: 0, replies_sent: 0,
            replies_failed: 0 }, ["settings", "reply_all", "configured_by", "quota_used", "quota_resets_at"]));
          break;
        }
        case "connector.removed": this.connectors.delete(ev.name); break;
        case "avatar.utterance": case "avatar.cut": case "avatar.skipped": case "avatar.state":
          return this.foldAvatar(ev);
        case "avatar.fallback":
          this.ttsFallbacks.push({ seq: ev.seq || 0, engine: ev.engine || "", next: ev.next || "", reason: ev.reason || "", at: ev.at });
          if (this.ttsFallbacks.length > MAX_TTS_FALLBACKS) this.ttsFallbacks.shift();
          break;
        case "connector.state": {
          const conn = this.connectors.get(ev.name);
          if (conn) { conn.state = ev.state; conn.reason = ev.reason || ""; conn.state_at = ev.at; }
          break;
        }
        case "connector.cursor": {
          const conn = this.connectors.get(ev.name);
          if (conn) {
            conn.cursor = ev.cursor || "";
            if (ev.quota_resets_at) {
              if (ev.quota_used) conn.quota_used = ev.quota_used; else delete conn.quota_used;
              conn.quota_resets_at = ev.quota_resets_at;
            }
          }
          break;
        }
        case "reply.sending": case "reply.sent": case "reply.failed": {
          const status = ev.type.slice("reply.".length);
          const r = { draft_id: ev.draft_id || "", connector: ev.connector || "", platform: ev.platform || "", status,
            platform_id: ev.platform_id || "", reason: ev.reason || "", chat_seq: ev.chat_seq || 0, at: ev.at };
          const conn = this.connectors.get(r.connector);
          if (conn && status === "sent") conn.replies_sent++;
          if (conn && status === "failed") conn.replies_failed++;
          const j = this.replies.findLastIndex(x => x.draft_id === r.draft_id && x.connector === r.connector);
          if (j >= 0) this.replies[j] = r;
          else { this.replies.push(r); if (this.replies.length > MAX_REPLIES) this.replies.shift(); }
          break;
        }
        default: return false;
      }
      return true;
    }

    // foldAvatar folds an avatar event into this.avatar, in the log's order wherever it arrives
    // from (the stream, or GET /events read back after the snapshot): lines are kept by seq, the
    // last MAX_AVATAR_LINES of them, and a seq already held is not folded twice. A long sentence
    // is spoken in clauses (part 1, 2, … of the same sentence): they make one line.
    foldAvatar(ev) {
      const a = this.avatar, seq = ev.seq || 0;
      switch (ev.type) {
        case "avatar.state":
          if (seq < a.stateSeq) return false;
          a.state = ev.state || ""; a.stateReason = ev.reason || ""; a.stateSeq = seq;
          return true;
        case "avatar.cut": {
          const l = a.lines.find(x => x.ids && x.ids.includes(ev.utterance));
          if (!l || l.cut) return false;
          l.cut = ev.reason || "cut";
          return true;
        }
      }
      let line;
      if (ev.type === "avatar.utterance") {
        line = { seq, at: ev.at, said: true, kind: ev.kind || "", text: ev.text || "", clause: ev.text || "",
          sentence: ev.sentence || "", ids: ev.id ? [ev.id] : [], chat_seq: ev.chat_seq || 0,
          question: ev.question || "", user: ev.user || "", cut: "" };
      } else if (ev.type === "avatar.skipped" && (ev.action === "replaced" || ev.action === "dropped")) {
        line = { seq, at: ev.at, said: false, kind: ev.kind || "", action: ev.action, text: ev.text || "",
          reason: ev.reason || "", replacement: ev.replacement || "" };
      } else return false;
      let i = a.lines.length;
      while (i > 0 && a.lines[i - 1].seq > seq) i--;
      const prev = a.lines[i - 1];
      if (prev && (prev.seq === seq || (prev.ids && prev.ids.includes(ev.id)))) return false;
      if (line.said && ev.part > 0 && prev && prev.said && prev.sentence && prev.sentence === line.sentence && !prev.cut) {
        prev.text += line.text; prev.clause = line.text; prev.ids.push(...line.ids);
        return true;
      }
      if (i === 0 && a.lines.length >= MAX_AVATAR_LINES) return false; // older than every line kept
      a.lines.splice(i, 0, line);
      if (a.lines.length > MAX_AVATAR_LINES) a.lines.shift();
      return true;
    }

    // unhold takes a message out of the held queue. Only held messages are decided, so one the
    // model does not have is among those the snapshot did not carry.
    unhold(seq) {
      if (this.held.delete(seq) || this.heldTotal > this.held.size) this.heldTotal--;
    }

    // applyDraft folds a draft event as the server's approval queue applies the change it carries
    // (live/drafts.go, agents/approval): a draft event without its change is skipped, counters
    // count the changes, and only a pending draft is claimed, released or decided.
    applyDraft(ev) {
      const c = this.counters;
      if (ev.type === "draft.published") {
        c.published++;
        const d = this.drafts.get(ev.draft_id);
        if (d) {
          d.published_at = ev.at;
          if (d.status === "approved") d.status = "published";
        }
        return;
      }
      if (!ev.change) return;
      const d = this.drafts.get(ev.draft_id);
      switch (ev.type) {
        case "draft.created":
          c.drafts++;
          if (!d) this.drafts.set(ev.draft_id, newDraft(ev));
          return;
        case "draft.approved": case "draft.edited": c.approved++; break;
        case "draft.rejected": c.rejected++; break;
      }
      if (!d) return;
      if (ev.type === "draft.asked") {
        // A repeat counts on a pending draft, or on one already answered.
        if (d.status !== "rejected" && d.status !== "expired") d.count = (d.count || 1) + 1;
        return;
      }
      if (d.status !== "pending") return;
      switch (ev.type) {
        case "draft.claimed": d.claimed_by = ev.by; d.claimed_until = ev.until; return;
        case "draft.released": delete d.claimed_by; delete d.claimed_until; return;
        case "draft.approved": case "draft.edited":
          d.status = d.published_at ? "published" : "approved";
          d.decidedAt = timeKey(ev.at)[0]; // page-side only: draftItem (the snapshot) leaves it out
          d.edited = ev.type === "draft.edited";
          if (ev.text) d.text = ev.text;
          break;
        case "draft.rejected": d.status = "rejected"; break;
        case "draft.expired": d.status = "expired"; break;
      }
      d.decided_by = ev.by;
      delete d.claimed_by; delete d.claimed_until;
    }

    // snapshot is the model as GET /api/shows/{id}/state gives it (live.Snapshot): the same fields,
    // the same windows, the oldest held messages and drafts as the server lists them for pages.
    snapshot() {
      const s = this.show, now = Date.now();
      return {
        show: { id: s.id || "", title: s.title || "", lineup: (s.lineup || []).slice(), mode: s.mode || "",
          created_at: s.created_at || ZERO_TIME, status: s.status || "", last_seq: this.lastSeq },
        last_seq: this.lastSeq,
        on_air: this.onAir,
        ...(this.onAirAtRaw ? { on_air_at: this.onAirAtRaw } : {}),
        products: this.products,
        chat: this.chat.map(chatItem),
        held: [...this.held.values()].slice(0, MAX_SNAPSHOT_HELD).map(h =>
          omitEmpty({ chat_seq: h.chat_seq, platform: h.platform, user: h.user || "", text: h.text || "", reason: h.reason,
            rules: h.rules, categories: h.categories, at: h.at }, ["platform", "reason", "rules", "categories"])),
        held_total: this.heldTotal,
        drafts: forPages([...this.drafts.values()]).map(d => draftItem(d, now)),
        compliance: this.compliance.map(x => ({ transcript_seq: x.transcript_seq || 0, text: x.text || "", matches: x.matches, at: x.at })),
        transcript: this.transcript.map(x => ({ seq: x.seq, text: x.text || "", final: !!x.final, at: x.at })),
        cross_sell: this.crossSell.map(x => omitEmpty({ sku: x.sku || "", suggestions: x.suggestions, text: x.text, chat_seq: x.chat_seq, at: x.at }, ["text", "chat_seq"])),
        mentions: this.mentions.map(x => omitEmpty({ sku: x.sku || "", transcript_seq: x.transcript_seq || 0, text: x.text, at: x.at }, ["text"])),
        dropped: this.dropped.map(x => omitEmpty({ start_ms: x.start_ms || 0, end_ms: x.end_ms || 0, reason: x.reason || "", source: x.source, at: x.at }, ["source"])),
        script: omitEmpty({ text: this.script.text || "", offset: this.script.offset || 0, line: this.script.line, score: this.script.score || 0, at: this.script.at }, ["at"]),
        counters: Object.assign({}, this.counters),
        connectors: [...this.connectors.values()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
          .map(c => omitEmpty(Object.assign({}, c), ["settings", "reply_all", "configured_by", "reason", "cursor"])),
        replies: this.replies.map(r => omitEmpty(Object.assign({}, r), ["platform_id", "reason", "chat_seq"])),
      };
    }

    // replyFor is the delivery of a draft's reply (the latest, when it went to several platforms).
    replyFor(draftID) {
      for (let i = this.replies.length - 1; i >= 0; i--) if (this.replies[i].draft_id === draftID) return this.replies[i];
      return null;
    }

    // droppedSince is the host speech lost since speech-to-text last worked (the newest final
    // transcript) and within the last two minutes: while it is not empty, STT is down.
    droppedSince() {
      let since = Date.now() - 120000;
      for (const t of this.transcript) if (t.final) since = Math.max(since, new Date(t.at).getTime());
      return this.dropped.filter(d => new Date(d.at).getTime() > since);
    }

    // product returns what the page knows of a SKU, fetching unknown ones once.
    product(sku, onLoad) {
      if (!sku) return null;
      const p = this.products[sku];
      if (p) return p;
      if (!this._loading) this._loading = new Set();
      if (!this._loading.has(sku)) {
        this._loading.add(sku);
        LH.api("GET", "/api/shows/" + encodeURIComponent(LH.show) + "/products?sku=" + encodeURIComponent(sku))
          .then(r => { for (const q of r.products || []) this.products[q.sku] = q; onLoad && onLoad(); })
          .catch(() => {});
      }
      return null;
    }

    // refreshProducts refetches the cards the page holds: price and stock move during a show
    // (`livehost catalog offer`) without an event, and a sold-out card must not stay in stock.
    refreshProducts(onChange) {
      const skus = Object.keys(this.products);
      if (!skus.length) return Promise.resolve();
      return LH.api("GET", "/api/shows/" + encodeURIComponent(LH.show) + "/products?sku=" + encodeURIComponent(skus.join(",")))
        .then(r => {
          let changed = false;
          for (const q of r.products || []) {
            if (JSON.stringify(this.products[q.sku]) !== JSON.stringify(q)) {
              this.products[q.sku] = q;
              changed = true;
            }
          }
          if (changed && onChange) onChange();
        })
        .catch(() => {});
    }

    // questions are the drafts worth showing the host, in the order the teleprompter shows them:
    // answers approved or published in the last five minutes first, the newest decision first
    // (an answer approved now, asked once, is at the top), then pending drafts, most asked first,
    // older first among equals. Answers older than five minutes have had their turn.
    questions(now) {
      now = now || Date.now();
      const fresh = now - 5 * 60000;
      const answered = [], pending = [];
      for (const d of this.drafts.values()) {
        if (d.status === "pending") pending.push(d);
        else if ((d.status === "approved" || d.status === "published") && answeredAt(d) > fresh) answered.push(d);
      }
      answered.sort((a, b) => answeredAt(b) - answeredAt(a));
      pending.sort((a, b) => (b.count || 1) - (a.count || 1) || cmpTime(a.created_at, b.created_at));
      return answered.concat(pending);
    }
  }

  // answeredAt is when a draft was approved (seen by this page) or published, else created: the
  // time its answer became something the host can say.
  function answeredAt(d) {
    return Math.max(d.decidedAt || 0, timeKey(d.published_at)[0], timeKey(d.created_at)[0]);
  }
  function cmpTime(a, b) {
    const x = timeKey(a), y = timeKey(b);
    return x[0] - y[0] || x[1] - y[1];
  }

  // newDraft is a draft as the server lists it (live.DraftItem), from its draft.created event.
  function newDraft(ev) {
    return omitEmpty({
      draft_id: ev.draft_id, chat_seq: ev.chat_seq, question: ev.question, user: ev.user, text: ev.text || "",
      sku: ev.sku, intent: ev.intent, facts: ev.facts, confidence: ev.confidence, engine: ev.engine,
      needs_review: ev.needs_review, fallback: ev.fallback,
      // The queue's own time of the draft, which is what the server sorts drafts by.
      status: "pending", count: 1, created_at: (ev.change && ev.change.at) || ev.at,
    }, ["chat_seq", "question", "user", "sku", "intent", "facts", "confidence", "engine", "needs_review", "fallback"]);
  }

  const DRAFT_OPTIONAL = ["chat_seq", "question", "user", "sku", "intent", "facts", "confidence", "engine", "expires_at",
    "needs_review", "fallback", "claimed_by", "claimed_until", "decided_by", "edited", "published_at"];

  // draftItem is d in live.DraftItem's shape; a claim that has run out is no claim.
  function draftItem(d, now) {
    const claimed = d.claimed_by && d.claimed_until && timeKey(d.claimed_until)[0] > now;
    return omitEmpty({
      draft_id: d.draft_id, chat_seq: d.chat_seq, question: d.question, user: d.user, text: d.text || "",
      sku: d.sku, intent: d.intent, facts: d.facts, confidence: d.confidence, engine: d.engine, expires_at: d.expires_at,
      needs_review: d.needs_review, fallback: d.fallback, status: d.status, count: d.count || 1, created_at: d.created_at,
      claimed_by: claimed ? d.claimed_by : "", claimed_until: claimed ? d.claimed_until : "",
      decided_by: d.decided_by, edited: d.edited, published_at: d.status === "published" ? d.published_at : "",
    }, DRAFT_OPTIONAL);
  }

  // forPages is live's draftBook.forPages: every pending draft and the last MAX_DONE decided ones
  // (drafts are kept oldest first), by creation time.
  function forPages(all) {
    const pending = all.filter(d => d.status === "pending");
    const done = all.filter(d => d.status !== "pending").slice(-MAX_DONE);
    return pending.concat(done).map((d, i) => [timeKey(d.created_at), i, d])
      .sort((a, b) => a[0][0] - b[0][0] || a[0][1] - b[0][1] || a[1] - b[1]).map(x => x[2]);
  }

  // timeKey orders RFC 3339 times to the nanosecond: [epoch ms, ns within the ms].
  function timeKey(s) {
    const ms = Date.parse(s || ZERO_TIME);
    const frac = /:\d\d\.(\d+)/.exec(s || "");
    const sub = frac ? Number((frac[1] + "000000000").slice(3, 9)) : 0;
    return [isNaN(ms) ? 0 : ms, sub];
  }

  function chatItem(m) {
    const v = m.verdict;
    return omitEmpty({ seq: m.seq, at: m.at, platform: m.platform, user: m.user || "", text: m.text || "",
      verdict: v ? omitEmpty({ action: v.action || "", categories: v.categories, matches: v.matches, rules: v.rules, reason: v.reason },
        ["categories", "matches", "rules", "reason"]) : null,
      decision: m.decision }, ["platform", "decision"]);
  }

  // omitEmpty drops the keys Go leaves out of the JSON when they are empty (omitempty, omitzero).
  function omitEmpty(o, keys) {
    for (const k of keys) {
      const v = o[k];
      if (v === undefined || v === null || v === "" || v === 0 || v === false || v === ZERO_TIME || (Array.isArray(v) && !v.length)) delete o[k];
    }
    return o;
  }

  LH.Model = Model;

  // LH.boot loads the snapshot and opens the stream; render is called (coalesced) after changes.
  // hooks.onModel sees the model before any event is folded in; hooks.onEvent sees each event
  // after it is (the console keeps the held messages it paged in beside the model).
  LH.boot = async function (render, onStatus, hooks) {
    hooks = hooks || {};
    const snap = await LH.api("GET", "/api/shows/" + encodeURIComponent(LH.show) + "/state");
    const model = new Model(snap);
    if (hooks.onModel) hooks.onModel(model);
    const rerender = LH.schedule(() => render(model));
    rerender();
    // ?refresh=MS sets how often product cards are refetched (default 15 s).
    const refresh = Math.max(250, Number(new URLSearchParams(location.search).get("refresh")) || 15000);
    setInterval(() => model.refreshProducts(rerender), refresh);
    LH.stream(model.lastSeq, ev => {
      if (!model.apply(ev)) return;
      if (hooks.onEvent) hooks.onEvent(ev, model);
      rerender();
    }, st => {
      onStatus && onStatus(st);
      if (st === "resync") rerender();
    });
    return { model, rerender };
  };
})();
