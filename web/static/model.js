// model.js: the show as a page sees it — a snapshot from GET /api/shows/{id}/state, then every
// event from the stream folded in. The server keeps the same fold (server/view.go).
"use strict";
(function () {
  const MAX_CHAT = 300, MAX_RECENT = 20;

  class Model {
    constructor(snap) {
      this.show = snap.show || {};
      this.lastSeq = snap.last_seq || 0;
      this.onAir = snap.on_air || "";
      this.onAirAt = snap.on_air_at ? new Date(snap.on_air_at).getTime() : Date.now();
      this.products = snap.products || {};
      this.chat = snap.chat || [];
      this.chatBySeq = new Map(this.chat.map(m => [m.seq, m]));
      this.held = new Map((snap.held || []).map(h => [h.chat_seq, h]));
      this.drafts = new Map((snap.drafts || []).map(d => [d.draft_id, d]));
      this.compliance = snap.compliance || [];
      this.transcript = snap.transcript || [];
      this.crossSell = snap.cross_sell || [];
      this.mentions = snap.mentions || [];
      this.dropped = snap.dropped || [];
      this.script = Object.assign({ text: "", offset: 0, line: -1, score: 0 }, snap.script || {});
      this.counters = Object.assign({ chat: 0, allow: 0, hold: 0, block: 0, questions: 0, drafts: 0,
        approved: 0, rejected: 0, published: 0, compliance: 0, dropped: 0 }, snap.counters || {});
      // Platform connectors by name, and each approved draft's delivery by draft id.
      this.connectors = new Map((snap.connectors || []).map(c => [c.name, c]));
      this.replies = new Map((snap.replies || []).map(r => [r.draft_id, r]));
    }

    apply(ev) {
      if (ev.seq && ev.seq <= this.lastSeq) return false;
      if (ev.seq) this.lastSeq = ev.seq;
      const c = this.counters;
      switch (ev.type) {
        case "show.started": this.show.status = "live"; break;
        case "show.stopped": this.show.status = "stopped"; break;
        case "show.updated":
          this.show.title = ev.title; this.show.lineup = ev.lineup || []; this.show.mode = ev.mode; break;
        case "product.on_air": this.onAir = ev.sku || ""; this.onAirAt = new Date(ev.at).getTime(); break;
        case "chat.received": {
          const m = { seq: ev.seq, at: ev.at, platform: ev.platform, user: ev.user, text: ev.text, verdict: null };
          const conn = ev.connector && this.connectors.get(ev.connector);
          if (conn) conn.messages = (conn.messages || 0) + 1;
          this.chat.push(m); this.chatBySeq.set(m.seq, m); c.chat++;
          while (this.chat.length > MAX_CHAT) this.chatBySeq.delete(this.chat.shift().seq);
          break;
        }
        case "chat.verdict": {
          const m = this.chatBySeq.get(ev.chat_seq);
          if (m) m.verdict = { action: ev.action, categories: ev.categories, matches: ev.matches, reason: ev.reason };
          if (ev.action in c) c[ev.action]++;
          break;
        }
        case "chat.held": this.held.set(ev.chat_seq, { chat_seq: ev.chat_seq, user: ev.user, text: ev.text, reason: ev.reason, at: ev.at }); break;
        case "chat.allowed": case "chat.denied": {
          this.held.delete(ev.chat_seq);
          const m = this.chatBySeq.get(ev.chat_seq);
          if (m) m.decision = ev.type === "chat.allowed" ? "allowed" : "denied";
          break;
        }
        case "question.detected": c.questions++; break;
        case "draft.created": {
          const prev = this.drafts.get(ev.draft_id);
          if (prev) { prev.count = (prev.count || 1) + 1; break; }
          const d = Object.assign({}, ev, { status: "pending", created_at: ev.at, count: ev.count || 1 });
          delete d.seq; delete d.type; delete d.at; delete d.show; delete d.v; delete d.change;
          this.drafts.set(ev.draft_id, d); c.drafts++;
          break;
        }
        case "draft.asked": this.updDraft(ev, d => { d.count = (d.count || 1) + 1; }); break;
        case "draft.claimed": this.updDraft(ev, d => { d.claimed_by = ev.by; }); break;
        case "draft.released": this.updDraft(ev, d => { d.claimed_by = ""; }); break;
        case "draft.approved": case "draft.edited":
          this.updDraft(ev, d => { d.status = "approved"; d.edited = ev.type === "draft.edited"; if (ev.text) d.text = ev.text; d.decided_by = ev.by; });
          c.approved++; break;
        case "draft.rejected": case "draft.expired":
          this.updDraft(ev, d => { d.status = ev.type === "draft.rejected" ? "rejected" : "expired"; });
          if (ev.type === "draft.rejected") c.rejected++;
          break;
        case "draft.published":
          this.updDraft(ev, d => { d.status = "published"; d.published_at = ev.at; if (ev.text) d.text = ev.text; });
          c.published++; break;
        case "crosssell.suggested":
          this.crossSell.push({ sku: ev.sku, suggestions: ev.suggestions || [], text: ev.text, chat_seq: ev.chat_seq, at: ev.at });
          if (this.crossSell.length > MAX_RECENT) this.crossSell.shift();
          break;
        case "transcript.segment":
          this.transcript.push({ seq: ev.seq, text: ev.text, final: ev.final, at: ev.at });
          if (this.transcript.length > MAX_RECENT) this.transcript.shift();
          break;
        case "product.mentioned":
          this.mentions.push({ sku: ev.sku, transcript_seq: ev.transcript_seq, text: ev.text, at: ev.at });
          if (this.mentions.length > MAX_RECENT) this.mentions.shift();
          break;
        case "host.compliance":
          this.compliance.push({ transcript_seq: ev.transcript_seq, text: ev.text, matches: ev.matches || [], at: ev.at });
          if (this.compliance.length > MAX_RECENT) this.compliance.shift();
          c.compliance++;
          break;
        case "transcript.dropped":
          this.dropped.push({ start_ms: ev.start_ms, end_ms: ev.end_ms, reason: ev.reason, source: ev.source, at: ev.at });
          if (this.dropped.length > MAX_RECENT) this.dropped.shift();
          c.dropped++;
          break;
        case "script.set": this.script = { text: ev.text || "", offset: 0, line: -1, score: 0, at: ev.at }; break;
        case "script.position":
          Object.assign(this.script, { offset: ev.offset, line: ev.line, score: ev.score, at: ev.at }); break;
        case "connector.configured":
          this.connectors.set(ev.name, { name: ev.name, platform: ev.platform, state: "connecting", reason: "", state_at: ev.at,
            messages: 0, replies_sent: 0, replies_failed: 0 });
          break;
        case "connector.removed": this.connectors.delete(ev.name); break;
        case "connector.state": {
          const conn = this.connectors.get(ev.name);
          if (conn) Object.assign(conn, { state: ev.state, reason: ev.reason || "", state_at: ev.at });
          break;
        }
        case "reply.sending": case "reply.sent": case "reply.failed": {
          const status = ev.type.slice("reply.".length);
          this.replies.set(ev.draft_id, { draft_id: ev.draft_id, connector: ev.connector, platform: ev.platform, status,
            platform_id: ev.platform_id || "", reason: ev.reason || "", at: ev.at });
          const conn = this.connectors.get(ev.connector);
          if (conn && status !== "sending") conn["replies_" + status]++;
          break;
        }
        default: return false;
      }
      return true;
    }

    // droppedSince is the host speech lost since speech-to-text last worked (the newest final
    // transcript) and within the last two minutes: while it is not empty, STT is down.
    droppedSince() {
      let since = Date.now() - 120000;
      for (const t of this.transcript) if (t.final) since = Math.max(since, new Date(t.at).getTime());
      return this.dropped.filter(d => new Date(d.at).getTime() > since);
    }

    updDraft(ev, fn) {
      const d = this.drafts.get(ev.draft_id);
      if (d) fn(d);
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

    // questions are the drafts worth showing the host: recently approved and published first,
    // then pending ones, most asked first. Answers older than five minutes have had their turn.
    questions() {
      const rank = { published: 0, approved: 0, pending: 1 };
      const fresh = Date.now() - 5 * 60000;
      return [...this.drafts.values()]
        .filter(d => d.status in rank && (d.status === "pending" || new Date(d.published_at || d.created_at).getTime() > fresh))
        .sort((a, b) => rank[a.status] - rank[b.status] || (b.count || 1) - (a.count || 1) ||
          String(b.published_at || b.created_at).localeCompare(String(a.published_at || a.created_at)));
    }
  }

  LH.Model = Model;

  // LH.boot loads the snapshot and opens the stream; render is called (coalesced) after changes.
  LH.boot = async function (render, onStatus) {
    const snap = await LH.api("GET", "/api/shows/" + encodeURIComponent(LH.show) + "/state");
    const model = new Model(snap);
    const rerender = LH.schedule(() => render(model));
    rerender();
    // ?refresh=MS sets how often product cards are refetched (default 15 s).
    const refresh = Math.max(250, Number(new URLSearchParams(location.search).get("refresh")) || 15000);
    setInterval(() => model.refreshProducts(rerender), refresh);
    LH.stream(model.lastSeq, ev => { if (model.apply(ev)) rerender(); }, st => {
      onStatus && onStatus(st);
      if (st === "resync") rerender();
    });
    return { model, rerender };
  };
})();
