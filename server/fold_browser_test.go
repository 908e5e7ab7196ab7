package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// TestModelFoldMatchesGo drives a show through the API until its log holds every event type the
// state fold handles, then folds that log in headless Chromium with the pages' web/static/model.js
// and compares model.snapshot() with the server's fold, live.State, as GET /api/shows/{id}/state
// gives it:
//
//   - the server's fold is taken live (the runtime folds each append) at checkpoints during the
//     show and at its end, and after each of two restarts, when the runtime rebuilds the state
//     from the log (live.NewState + Apply with the approval queue replayed, which only package
//     live can do); the rebuilt fold must equal the live one;
//   - a model built from the show as created and fed the whole log must equal the server's fold at
//     every checkpoint and at the end;
//   - a model built from the snapshot of a checkpoint, as a page loads it, and fed the events after
//     it must equal the server's fold at the end.
//
// The comparison is of the JSON, field by field, with only two allowances: "products" (product
// cards from the catalog, not folded from events) is left out, and times are compared as instants.
// Everything else — the chat window, the held messages and their total, the drafts the pages get
// (every pending one and the last 50 decided, by creation time) in order, the recent lists, the
// script and the counters — must be equal as it is.
func TestModelFoldMatchesGo(t *testing.T) {
	// First part: short waits, so that drafts and held messages left alone expire during the test.
	e := newEnv(t, func(c *envConfig) {
		c.live.DraftTTL = 3 * time.Second
		c.live.HeldTTL = 3 * time.Second
		c.live.ClaimTTL = 10 * time.Minute // a claim held to the end is still held when compared
		c.live.KeepDecidedDrafts = 52      // decided drafts leave memory; the pages still get the last 50
	})
	const id = "fold1"
	tok := e.newShow(id) // show.created; product.on_air LH-COS-001 (and its cross-sell)
	mod := tok["moderator"]
	var created struct {
		CreatedAt time.Time `json:"created_at"`
	}
	e.do("GET", "/api/shows/"+id, mod, nil, &created)

	chat := func(msgs ...[2]string) []chatResult {
		t.Helper()
		body := make([]map[string]string, len(msgs))
		for i, m := range msgs {
			body[i] = map[string]string{"platform": "youtube", "user": m[0], "text": m[1]}
		}
		var res struct {
			Results []chatResult `json:"results"`
		}
		if code, _ := e.do("POST", "/api/shows/"+id+"/chat", tok["ingest"], body, &res); code != 202 || len(res.Results) != len(msgs) {
			t.Fatalf("chat: %d, %d results", code, len(res.Results))
		}
		return res.Results
	}
	post := func(path, token string, body any, want int) {
		t.Helper()
		if code, _ := e.do("POST", path, token, body, nil); code != want {
			t.Fatalf("POST %s: %d, want %d", path, code, want)
		}
	}
	review := func(verb, draftID string, body any) {
		t.Helper()
		post("/api/drafts/"+draftID+"/"+verb, mod, body, 200)
	}
	// draftsBy waits until every question has a draft in one of the statuses.
	draftsBy := func(questions []string, statuses ...string) map[string]draft {
		t.Helper()
		out := map[string]draft{}
		e.waitDrafts(id, mod, "", func(ds []draft) bool {
			clear(out)
			for _, d := range ds {
				if slices.Contains(questions, d.Question) && slices.Contains(statuses, d.Status) {
					out[d.Question] = d
				}
			}
			return len(out) == len(questions)
		})
		return out
	}
	var checkpoints []json.RawMessage
	checkpoint := func() {
		t.Helper()
		checkpoints = append(checkpoints, e.state(id, mod))
	}
	// restart settles the show, restarts the runtime (which rebuilds the show from its log) and
	// checks that the rebuilt fold equals the live one; it returns the state.
	restart := func(what string) json.RawMessage {
		t.Helper()
		live := e.settle(id, mod)
		e.restart() // with the default options: nothing expires during the rest of the test
		if rebuilt := e.state(id, mod); !compareSnapshots(t, "server fold rebuilt from the log "+what, live, rebuilt) {
			t.FailNow()
		}
		return live
	}

	post("/api/shows/"+id+"/start", tok["host"], map[string]any{}, 200)

	// Moderation: allowed, blocked and held messages, and questions. The price question is
	// approved by the policy and published; the others wait for a moderator.
	const (
		qPrice    = "リップティントっていくらですか？"
		qIngr     = "リップティントの成分は何ですか？"
		qColor    = "リップティントは何色がありますか？"
		qVolume   = "リップティントの容量はどれくらい？"
		qLinerIng = "リップライナーの成分は何ですか？"
		qLinerCol = "リップライナーは何色がありますか？"
	)
	res := chat(
		[2]string{"さくら", "こんばんは〜 初見です"},
		[2]string{"troll", "しね"},
		[2]string{"ken", "ブスは黙れ"},
		[2]string{"spam", "LINEで連絡して http://spam.example.com"},
		[2]string{"rude", "バカじゃないの"},
		[2]string{"raider", "LINEで連絡して http://raid.example.com"},
		[2]string{"raider", "こっちで話そう http://raid.example.net"},
		[2]string{"yuki_0312", qPrice},
		[2]string{"みぃ", qIngr},
		[2]string{"aoi.cosme", qIngr}, // the same question from another viewer: draft.asked
		[2]string{"c", qColor},
		[2]string{"hana", qVolume},
		[2]string{"ren", qLinerIng},
		[2]string{"mai", qLinerCol},
	)
	for i, want := range []string{"allow", "block", "hold", "hold", "hold", "hold", "hold"} {
		if res[i].Verdict.Action != want {
			t.Fatalf("message %d: verdict %q, want %q", i, res[i].Verdict.Action, want)
		}
	}
	post(fmt.Sprintf("/api/shows/%s/held/%d/deny", id, res[2].Seq), mod, nil, 200)
	post(fmt.Sprintf("/api/shows/%s/held/%d/allow", id, res[3].Seq), mod, nil, 200)
	post("/api/shows/"+id+"/held/deny", mod, map[string]string{"user": "raider"}, 200) // chat.bulk_denied
	// res[4] is left to expire: chat.held_expired.

	open := []string{qIngr, qColor, qVolume, qLinerIng, qLinerCol}
	ds := draftsBy(open, "pending")
	// Claimed drafts do not expire: claim each at once (the wait is short), then decide.
	for _, q := range open {
		review("claim", ds[q].DraftID, nil)
	}
	if d := draftsBy([]string{qIngr}, "pending")[qIngr]; d.Count != 2 {
		t.Fatalf("ingredients draft asked %d times, want 2", d.Count)
	}
	review("approve", ds[qIngr].DraftID, nil)
	review("approve", ds[qColor].DraftID, map[string]string{"text": "03 ローズピンクのほか、全5色です！"})
	review("reject", ds[qVolume].DraftID, map[string]string{"reason": "off-topic"})
	review("release", ds[qLinerIng].DraftID, nil) // released, so it expires
	// qLinerCol stays claimed and pending to the end.
	checkpoint() // most likely before the released draft and the held message expire
	draftsBy([]string{qPrice}, "published")
	// Asked again after it was answered: counted on the published draft.
	chat([2]string{"nana", qPrice})
	e.waitDrafts(id, mod, "published", func(ds []draft) bool {
		return slices.ContainsFunc(ds, func(d draft) bool { return d.Question == qPrice && d.Count == 2 })
	})

	// More decided drafts than the pages get (the last 50): published by the policy and expired.
	var priced, expiring []string
	var many [][2]string
	for i := range 30 {
		q := fmt.Sprintf("リップティント%d本だといくらですか？", i+2)
		priced = append(priced, q)
		many = append(many, [2]string{fmt.Sprintf("buyer%02d", i), q})
	}
	for i := range 25 {
		q := fmt.Sprintf("%s%d", qIngr, i)
		expiring = append(expiring, q)
		many = append(many, [2]string{fmt.Sprintf("asker%02d", i), q})
	}
	chat(many...)
	checkpoint() // drafts still pending here expire after it
	// Decided drafts beyond KeepDecidedDrafts leave memory (and GET /drafts): wait on the log.
	waitFor(t, func() bool {
		st := e.draftStatuses(id, mod)
		for _, q := range priced {
			if st[q] != "published" {
				return false
			}
		}
		for _, q := range append(expiring, qLinerIng) {
			if st[q] != "expired" {
				return false
			}
		}
		return true
	})
	waitFor(t, func() bool { // the held message expires
		var st struct {
			HeldTotal int `json:"held_total"`
		}
		return json.Unmarshal(e.state(id, mod), &st) == nil && st.HeldTotal == 0
	})
	checkpoints = append(checkpoints, restart("after drafts and held messages expired"))

	// Second part, with the default waits. More chat than the window keeps (200 lines), with
	// messages still held at the end.
	phrases := []string{"かわいい！", "色きれい〜", "待ってました", "わかる", "すごい", "買います！", "きたー"}
	var flood [][2]string
	for i := range 230 {
		flood = append(flood, [2]string{fmt.Sprintf("viewer%03d", i), fmt.Sprintf("%s%d", phrases[i%len(phrases)], i)})
	}
	flood[100] = [2]string{"rude2", "バカばっかり"}
	flood[180] = [2]string{"spam2", "プレゼント企画はこちら http://gift.example.com"}
	for b := 0; b < len(flood); b += 50 {
		chat(flood[b:min(b+50, len(flood))]...)
	}
	checkpoint()

	// The host: interim and final speech, compliance flags, products mentioned off air, the
	// script and the place in it, speech that was never transcribed, products on and off air.
	transcript := func(text string, final bool) {
		t.Helper()
		post("/api/shows/"+id+"/transcript", tok["host"], map[string]any{"text": text, "final": final}, 202)
	}
	transcript("えーと、次はですね", false)
	script := "皆さんこんばんは、春の新作コスメをご紹介します。\nまずはうるツヤリップティントから見ていきましょう。\n落ちにくいのに唇がしっとりするのが特長です。"
	if code, _ := e.do("PUT", "/api/shows/"+id+"/script", mod, map[string]string{"text": script}, nil); code != 200 {
		t.Fatalf("PUT script: %d", code)
	}
	transcript("はい、まずはこちらうるツヤリップティントから見ていきましょう", true)
	for i := range 22 {
		transcript("このクリームを使えばシミが消えるんです", true)
		transcript(fmt.Sprintf("次はマットリップスティックのブリックレッドをご紹介します、%d", i), true)
	}
	post("/api/shows/"+id+"/script/position", mod, map[string]int{"line": 2}, 200)
	for i := range 22 {
		if _, err := e.RT.LogDropped(context.Background(), id, show.TranscriptDropped{StartMS: int64(i) * 3000, EndMS: int64(i)*3000 + 2000, Reason: "transcription failed: 503", Source: "whip"}); err != nil {
			t.Fatal(err)
		}
	}
	checkpoint()
	skus := []string{"LH-COS-002", "LH-COS-003", "LH-COS-005", "LH-COS-001"}
	for i := range 22 {
		post("/api/shows/"+id+"/on-air", tok["host"], map[string]string{"sku": skus[i%len(skus)]}, 200)
		if i == 10 {
			post("/api/shows/"+id+"/on-air", tok["host"], map[string]string{"sku": ""}, 200)
		}
	}
	transcript("落ちにくいのに唇がしっとりするのが特長です", false)
	// Platform connectors, through the runtime as the connector manager drives it: configured,
	// replaced, removed, their health and cursor, messages (a repeat dropped), reply deliveries.
	bg := context.Background()
	yt, err := e.RT.ConfigureConnector(bg, id, show.ConnectorConfigured{Name: "yt", Platform: "youtube", Settings: json.RawMessage(`{"live_chat_id":"abc","reply":true}`), ReplyAll: true, By: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.RT.ConfigureConnector(bg, id, show.ConnectorConfigured{Name: "gone", Platform: "webhook"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RT.SetConnectorState(bg, id, yt.ConfigSeq, show.ConnectorState{Name: "yt", Platform: "youtube", State: show.ConnectorBackoff, Reason: "quotaExceeded (403)"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RT.SetConnectorState(bg, id, yt.ConfigSeq, show.ConnectorState{Name: "yt", Platform: "youtube", State: show.ConnectorLive}); err != nil {
		t.Fatal(err)
	}
	resets := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC) // midnight Pacific
	for i := range 3 {
		if _, err := e.RT.IngestConnector(bg, id, live.ConnectorBatch{Connector: "yt", Cursor: fmt.Sprintf("page-%d", i), QuotaUsed: 5 * (i + 1), QuotaResetsAt: resets, Messages: []live.ChatIn{
			{Platform: "youtube", ID: "yt-1", User: "さくら", Text: "このリップいくらですか？"}, {Platform: "youtube", ID: fmt.Sprintf("yt-%d", i+2), User: "ken", Text: fmt.Sprintf("かわいい %d", i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	// Quiet polls' spend, and the audience YouTube counts.
	if _, err := e.RT.SetConnectorQuota(bg, id, "yt", yt.Platform, 40, resets); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RT.LogViewers(bg, id, yt.ConfigSeq, show.ConnectorViewers{Name: "yt", Platform: "youtube", Viewers: 321}); err != nil {
		t.Fatal(err)
	}
	// New settings: a new cursor, the day's spend kept.
	if again, err := e.RT.ConfigureConnector(bg, id, show.ConnectorConfigured{Name: "yt", Platform: "youtube", Settings: json.RawMessage(`{"live_chat_id":"def","reply":true}`), ReplyAll: true, By: "admin"}); err != nil {
		t.Fatal(err)
	} else if again.Cursor != "" || again.QuotaUsed != 40 || !again.QuotaResetsAt.Equal(resets) {
		t.Fatalf("reconfigured: %+v, want no cursor and the 40 units spent until %v", again, resets)
	}
	if err := e.RT.RemoveConnector(bg, id, "gone", "admin"); err != nil {
		t.Fatal(err)
	}
	for _, rec := range []any{
		&show.ReplySending{DraftID: "d_x1", Connector: "yt", Platform: "youtube", ChatSeq: 1},
		&show.ReplySent{DraftID: "d_x1", Connector: "yt", Platform: "youtube", PlatformID: "LCC.1", ChatSeq: 1, Attempts: 2},
		&show.ReplySending{DraftID: "d_x2", Connector: "yt", Platform: "youtube"},
		&show.ReplyFailed{DraftID: "d_x2", Connector: "yt", Platform: "youtube", Reason: "400 messageTextInvalid", Attempts: 1},
		&show.ReplySending{DraftID: "d_x3", Connector: "yt", Platform: "youtube"},
	} {
		if _, err := e.RT.RecordReply(bg, id, rec); err != nil {
			t.Fatal(err)
		}
	}
	post("/api/shows/"+id+"/stop", tok["host"], map[string]any{}, 200)

	// The end: nothing more is coming, and the restarted runtime folds the log the same.
	final := restart("at the end")
	finalSeq := lastSeq(t, final)
	events := e.events(id, mod, finalSeq)
	checkCoverage(t, events, final)

	// The pages' fold, in the browser.
	ctx := browser(t)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// The pages' scripts as the server serves them, in a page of its origin (the index), without
	// a page's own script: nothing but the fold runs.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/"), chromedp.Evaluate[chromedp.Void](`
		for (const src of ["/static/livehost.js", "/static/model.js"]) {
			const s = document.createElement("script");
			s.src = src; s.async = false;
			document.head.append(s);
		}`)); err != nil {
		t.Fatalf("open page: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.LH && LH.Model && LH.Model.prototype.snapshot)`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("model.js did not load: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.models = {};
		window.newModel = (name, snap) => { models[name] = new LH.Model(JSON.parse(snap)); };
		// The stream hands events over as JSON text.
		window.feed = (name, evs) => { for (const ev of JSON.parse(evs)) models[name].apply(ev); return JSON.stringify(models[name].snapshot()); };`)); err != nil {
		t.Fatal(err)
	}
	js := &jsModels{t: t, ctx: ctx, events: events}

	// From the show as created (what the runtime starts from before its first event, as a replay
	// does) through every checkpoint to the end.
	initial, _ := json.Marshal(map[string]any{
		"show":     map[string]any{"id": id, "title": "", "lineup": []string{}, "mode": "", "created_at": created.CreatedAt, "status": show.StatusCreated, "last_seq": 0},
		"last_seq": 0,
	})
	js.create("zero", initial)
	after := int64(0)
	for i, cp := range append(checkpoints, final) {
		seq := lastSeq(t, cp)
		got := js.feed("zero", after, seq)
		after = seq
		name := fmt.Sprintf("model fed events 1–%d vs the server fold at checkpoint %d", seq, i+1)
		if i == len(checkpoints) {
			name = fmt.Sprintf("model fed events 1–%d vs the server fold at the end", seq)
		}
		compareSnapshots(t, name, cp, got)
	}
	// A page that loads a checkpoint's snapshot and then streams the rest.
	for i, cp := range checkpoints {
		seq := lastSeq(t, cp)
		name := fmt.Sprintf("cp%d", i+1)
		js.create(name, cp)
		got := js.feed(name, seq, finalSeq)
		compareSnapshots(t, fmt.Sprintf("model loaded at checkpoint %d (seq %d) and fed events to %d vs the server fold at the end", i+1, seq, finalSeq), final, got)
	}
}

// state is GET /api/shows/{id}/state as the server sends it.
func (e *env) state(id, token string) json.RawMessage {
	e.t.Helper()
	var raw json.RawMessage
	if code, _ := e.do("GET", "/api/shows/"+id+"/state", token, nil, &raw); code != 200 {
		e.t.Fatalf("GET state: %d", code)
	}
	return raw
}

// draftStatuses reads the show's log and says what became of each question's draft: pending,
// published, rejected or expired.
func (e *env) draftStatuses(id, token string) map[string]string {
	e.t.Helper()
	question := map[string]string{} // draft ID → question
	out := map[string]string{}
	for _, raw := range e.events(id, token, 0) {
		var ev struct {
			Type     string `json:"type"`
			DraftID  string `json:"draft_id"`
			Question string `json:"question"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			e.t.Fatal(err)
		}
		switch ev.Type {
		case show.TypeDraftCreated:
			question[ev.DraftID] = ev.Question
			out[ev.Question] = "pending"
		case show.TypeDraftPublished, show.TypeDraftRejected, show.TypeDraftExpired:
			out[question[ev.DraftID]] = strings.TrimPrefix(ev.Type, "draft.")
		}
	}
	return out
}

// settle waits until the show's log stops growing (two seconds without an event: the answer agent
// is done and the expiry, which runs every DraftTTL/4, has nothing left to do) and returns the
// state then.
func (e *env) settle(id, token string) json.RawMessage {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	snap := e.state(id, token)
	for stable := time.Now(); time.Since(stable) < 2*time.Second; {
		if time.Now().After(deadline) {
			e.t.Fatal("the show's log never settled")
		}
		time.Sleep(100 * time.Millisecond)
		next := e.state(id, token)
		if lastSeq(e.t, next) != lastSeq(e.t, snap) {
			stable = time.Now()
		}
		snap = next
	}
	return snap
}

// events reads the show's log up to seq upTo (0: all of it) through GET /api/shows/{id}/events,
// as the JSON the stream sends.
func (e *env) events(id, token string, upTo int64) []json.RawMessage {
	e.t.Helper()
	var out []json.RawMessage
	for after, more := int64(0), true; more && (upTo == 0 || after < upTo); {
		var page struct {
			Events []json.RawMessage `json:"events"`
			Next   int64             `json:"next"`
			More   bool              `json:"more"`
		}
		if code, _ := e.do("GET", fmt.Sprintf("/api/shows/%s/events?after=%d&limit=%d", id, after, show.ReadLimit), token, nil, &page); code != 200 {
			e.t.Fatalf("GET events: %d", code)
		}
		if upTo > 0 && page.Next <= after {
			e.t.Fatalf("events after %d: none, want up to %d", after, upTo)
		}
		for _, raw := range page.Events {
			if upTo == 0 || eventSeq(e.t, raw) <= upTo {
				out = append(out, raw)
			}
		}
		after, more = page.Next, page.More || upTo > 0
	}
	for i, raw := range out {
		if eventSeq(e.t, raw) != int64(i+1) {
			e.t.Fatalf("event %d has seq %d: the log has a gap", i+1, eventSeq(e.t, raw))
		}
	}
	return out
}

func eventSeq(t testing.TB, raw json.RawMessage) int64 {
	var ev struct {
		Seq int64 `json:"seq"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Seq
}

func lastSeq(t testing.TB, snap json.RawMessage) int64 {
	var s struct {
		LastSeq int64 `json:"last_seq"`
	}
	if err := json.Unmarshal(snap, &s); err != nil {
		t.Fatal(err)
	}
	return s.LastSeq
}

// checkCoverage fails the test when the log lacks an event type the fold handles, or the show
// never filled a window the fold keeps, so the comparison cannot silently test less.
func checkCoverage(t *testing.T, events []json.RawMessage, final json.RawMessage) {
	t.Helper()
	seen := map[string]int{}
	for _, raw := range events {
		var ev struct {
			Type  string `json:"type"`
			Final *bool  `json:"final"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		seen[ev.Type]++
		if ev.Type == show.TypeTranscriptSegment && ev.Final != nil && !*ev.Final {
			seen["transcript.segment (interim)"]++
		}
	}
	// show.updated is folded like show.created, but no API call appends it.
	want := []string{
		show.TypeShowCreated, show.TypeShowStarted, show.TypeShowStopped, show.TypeProductOnAir,
		show.TypeChatReceived, show.TypeChatVerdict, show.TypeChatHeld, show.TypeChatAllowed, show.TypeChatDenied,
		show.TypeChatBulkDenied, show.TypeChatHeldExpired,
		show.TypeQuestionDetected, show.TypeDraftCreated, show.TypeDraftAsked, show.TypeDraftClaimed, show.TypeDraftReleased,
		show.TypeDraftApproved, show.TypeDraftEdited, show.TypeDraftRejected, show.TypeDraftExpired, show.TypeDraftPublished,
		show.TypeCrossSellSuggested, show.TypeTranscriptSegment, "transcript.segment (interim)", show.TypeHostCompliance,
		show.TypeProductMentioned, show.TypeTranscriptDropped, show.TypeScriptSet, show.TypeScriptPosition,
		show.TypeConnectorConfigured, show.TypeConnectorRemoved, show.TypeConnectorState, show.TypeConnectorCursor, show.TypeConnectorViewers,
		show.TypeReplySending, show.TypeReplySent, show.TypeReplyFailed,
	}
	for _, typ := range want {
		if seen[typ] == 0 {
			t.Errorf("the show's log has no %s event", typ)
		}
	}
	var s struct {
		Chat, Held, Drafts, Compliance, Transcript, Mentions, Dropped []json.RawMessage
		CrossSell                                                     []json.RawMessage `json:"cross_sell"`
		Counters                                                      struct{ Chat int }
	}
	if err := json.Unmarshal(final, &s); err != nil {
		t.Fatal(err)
	}
	var decided int
	for _, raw := range s.Drafts {
		var d struct{ Status string }
		_ = json.Unmarshal(raw, &d)
		if d.Status != "pending" {
			decided++
		}
	}
	switch {
	case s.Counters.Chat <= 200 || len(s.Chat) != 200:
		t.Errorf("chat: %d messages, %d kept; want more than the 200 kept", s.Counters.Chat, len(s.Chat))
	case len(s.Held) < 2:
		t.Errorf("%d held messages at the end, want at least 2", len(s.Held))
	case decided != 50 || seen[show.TypeDraftCreated] <= 51:
		t.Errorf("%d drafts, %d decided ones listed; want more than 50 decided", seen[show.TypeDraftCreated], decided)
	case len(s.Compliance) != 20 || len(s.Transcript) != 20 || len(s.Mentions) != 20 || len(s.Dropped) != 20 || len(s.CrossSell) != 20:
		t.Errorf("recent lists %d %d %d %d %d, want each full (20)", len(s.Compliance), len(s.Transcript), len(s.Mentions), len(s.Dropped), len(s.CrossSell))
	}
	if t.Failed() {
		t.FailNow()
	}
}

// jsModels are LH.Model instances in the browser page.
type jsModels struct {
	t      *testing.T
	ctx    context.Context
	events []json.RawMessage // the log from seq 1
}

func (m *jsModels) create(name string, snap json.RawMessage) {
	m.t.Helper()
	lit, _ := json.Marshal(string(snap))
	if err := chromedp.Do(m.ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("newModel(%q, %s)", name, lit))); err != nil {
		m.t.Fatalf("new LH.Model: %v", err)
	}
}

// feed applies the events after seq after up to seq upTo and returns model.snapshot() as JSON.
func (m *jsModels) feed(name string, after, upTo int64) json.RawMessage {
	m.t.Helper()
	evs := m.events[after:upTo]
	arr, _ := json.Marshal(evs)
	lit, _ := json.Marshal(string(arr))
	out, err := chromedp.Run(m.ctx, chromedp.Evaluate[string](fmt.Sprintf("feed(%q, %s)", name, lit)))
	if err != nil {
		m.t.Fatalf("model %s: apply events %d–%d: %v", name, after+1, upTo, err)
	}
	return json.RawMessage(out)
}

// compareSnapshots reports where two snapshots differ, leaving "products" out and comparing times
// as instants; it returns whether they are equal.
func compareSnapshots(t *testing.T, what string, goSnap, jsSnap json.RawMessage) bool {
	t.Helper()
	var g, j map[string]any
	if err := json.Unmarshal(goSnap, &g); err != nil {
		t.Fatalf("%s: server snapshot: %v", what, err)
	}
	if err := json.Unmarshal(jsSnap, &j); err != nil {
		t.Fatalf("%s: model snapshot: %v", what, err)
	}
	delete(g, "products")
	delete(j, "products")
	var diffs []string
	diffJSON("", g, j, &diffs)
	if len(diffs) == 0 {
		return true
	}
	const most = 40
	n, more := len(diffs), ""
	if n > most {
		more = fmt.Sprintf("\n  … and %d more", n-most)
		diffs = diffs[:most]
	}
	t.Errorf("%s: %d difference(s) (first: server fold, second: the other)\n  %s%s", what, n, strings.Join(diffs, "\n  "), more)
	return false
}

func diffJSON(path string, a, b any, out *[]string) {
	repr := func(v any) string {
		s, _ := json.Marshal(v)
		if len(s) > 200 {
			return string(s[:200]) + "…"
		}
		return string(s)
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: %s vs %s", path, repr(a), repr(b)))
			return
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := strings.TrimPrefix(path+"."+k, ".")
			x, inA := av[k]
			y, inB := bv[k]
			switch {
			case !inA:
				*out = append(*out, fmt.Sprintf("%s: absent vs %s", p, repr(y)))
			case !inB:
				*out = append(*out, fmt.Sprintf("%s: %s vs absent", p, repr(x)))
			default:
				diffJSON(p, x, y, out)
			}
		}
	case []any:
		bv, ok := b.([]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: %s vs %s", path, repr(a), repr(b)))
			return
		}
		ka, kb := itemNames(av), itemNames(bv)
		if ka != nil && kb != nil && !slices.Equal(ka, kb) {
			// Items with keys (messages, drafts): say which are missing or out of place, then
			// compare the items both have.
			*out = append(*out, fmt.Sprintf("%s: %d items vs %d; %s", path, len(av), len(bv), keyDiff(ka, kb)))
			byKey := map[string]any{}
			for i, k := range kb {
				byKey[k] = bv[i]
			}
			for i, k := range ka {
				if y, ok := byKey[k]; ok {
					diffJSON(path+"["+k+"]", av[i], y, out)
				}
			}
			return
		}
		if len(av) != len(bv) {
			*out = append(*out, fmt.Sprintf("%s: %d items vs %d", path, len(av), len(bv)))
		}
		for i := range min(len(av), len(bv)) {
			p := fmt.Sprintf("%s[%d]", path, i)
			if ka != nil {
				p = path + "[" + ka[i] + "]"
			}
			diffJSON(p, av[i], bv[i], out)
		}
	case string:
		if bs, ok := b.(string); ok && sameInstant(av, bs) {
			return
		}
		if !reflect.DeepEqual(a, b) {
			*out = append(*out, fmt.Sprintf("%s: %s vs %s", path, repr(a), repr(b)))
		}
	default:
		if !reflect.DeepEqual(a, b) {
			*out = append(*out, fmt.Sprintf("%s: %s vs %s", path, repr(a), repr(b)))
		}
	}
}

// itemNames names the items of a list by their key (draft_id=…, seq=…), so that a difference
// says which draft or message; nil when an item has none.
func itemNames(list []any) []string {
	names := make([]string, len(list))
	for i, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for _, k := range []string{"draft_id", "seq", "chat_seq", "transcript_seq"} {
			if x, ok := m[k]; ok {
				names[i] = fmt.Sprintf("%s=%v", k, x)
				break
			}
		}
		if names[i] == "" {
			return nil
		}
	}
	return names
}

// keyDiff says how two lists of item names differ: items only in one, or the same items in
// another order.
func keyDiff(a, b []string) string {
	only := func(x, y []string) string {
		var out []string
		for _, k := range x {
			if !slices.Contains(y, k) {
				out = append(out, k)
			}
		}
		switch {
		case len(out) == 0:
			return "none"
		case len(out) > 8:
			return strings.Join(out[:8], " ") + fmt.Sprintf(" … (%d in all)", len(out))
		}
		return strings.Join(out, " ")
	}
	oa, ob := only(a, b), only(b, a)
	if oa == "none" && ob == "none" {
		i := 0
		for a[i] == b[i] {
			i++
		}
		return fmt.Sprintf("the same items in another order, from item %d: %s vs %s", i, a[i], b[i])
	}
	return fmt.Sprintf("only in the first: %v; only in the second: %v", oa, ob)
}

func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}
