package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// The example catalog is indexed once for every test.
var exampleCatalog = sync.OnceValues(func() (*catalog.Searcher, error) {
	res, err := catalog.ReadFile(filepath.Join("..", "examples", "catalog.jsonl"), "")
	if err != nil {
		return nil, err
	}
	return catalog.NewMemorySearcher(context.Background(), res.Products, catalog.NewHashEmbedder(256))
})

// rig is a runtime on a SQLite log with the agents the composition root builds for the default
// configuration: no HTTP anywhere.
type rig struct {
	rt    *live.Runtime
	store *show.Store
}

func newRig(t *testing.T, agents func(live.Agents) live.Agents, opts ...func(*live.Options)) *rig {
	t.Helper()
	s, err := exampleCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ag, err := wire.Build(ctx, config.FromEnv(func(string) string { return "" }), wire.Deps{Catalog: s, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ag.Close)
	st, err := show.OpenStore(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	la := ag.Live()
	if agents != nil {
		la = agents(la)
	}
	o := live.Options{Store: st, Agents: la, Policy: &ag.Policy, Logger: quiet}
	for _, f := range opts {
		f(&o)
	}
	rt, err := live.New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		rt.Close()
		st.Close()
	})
	return &rig{rt: rt, store: st}
}

// until reads the show's events from after until one satisfies match, or fails after 10 s.
func (r *rig) until(t *testing.T, showID string, after int64, match func(show.Event) bool) show.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := r.rt.Subscribe(ctx, showID, after)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for {
		evs, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for an event after %d: %v", after, err)
		}
		for _, ev := range evs {
			if match(ev) {
				return ev
			}
		}
	}
}

// TestChatToPublishedAnswer drives a show from a viewer's question to the published answer
// through the runtime alone: ingest with its verdict, detection, the offline draft grounded in the
// catalog, auto-approval under the standard policy, and the publication on the show's log.
func TestChatToPublishedAnswer(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs last: after the runtime closed
	r := newRig(t, nil)
	ctx := context.Background()
	info, err := r.rt.CreateShow(ctx, show.Show{ID: "s1", Title: "春の新作", Lineup: []string{"LH-COS-001", "LH-COS-002"}})
	if err != nil || info.Status != show.StatusCreated || len(info.Lineup) != 2 {
		t.Fatalf("create show: %+v %v", info, err)
	}
	if _, err := r.rt.SetOnAir(ctx, "s1", "LH-COS-001", "host-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.rt.Start(ctx, "s1", "host-1"); err != nil {
		t.Fatal(err)
	}
	res, err := r.rt.IngestChat(ctx, "s1", []live.ChatIn{
		{Platform: "youtube", User: "viewer-1", Text: "このリップいくらですか？", ID: "yt-1"},
		{Platform: "youtube", User: "viewer-2", Text: "ブスは黙れ"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Verdict.Action != show.ActionAllow || res[0].ID != "yt-1" || res[1].Verdict.Action == show.ActionAllow {
		t.Fatalf("verdicts: %+v", res)
	}
	pub := r.until(t, "s1", res[0].Seq, func(ev show.Event) bool { return ev.Type == show.TypeDraftPublished })
	var p show.DraftPublished
	if err := pub.Decode(&p); err != nil {
		t.Fatal(err)
	}
	// LH-COS-001 is on sale: the answer states the sale price, never the list price alone.
	if !strings.Contains(p.Text, "1,580") {
		t.Fatalf("published answer %q does not state the sale price 1,580", p.Text)
	}
	drafts, err := r.rt.Drafts(ctx, "s1", "published")
	if err != nil || len(drafts) != 1 || drafts[0].ChatSeq != res[0].Seq || drafts[0].Engine != "offline" || drafts[0].Intent != "price" {
		t.Fatalf("published drafts: %+v %v", drafts, err)
	}
	// The abusive message gets no draft, and a decided draft cannot be decided again.
	if _, err := r.rt.ReviewDraft(ctx, drafts[0].DraftID, live.Review{Verb: "reject", By: "mod-1"}); !errors.Is(err, live.ErrConflict) {
		t.Fatalf("reject a published draft: %v, want ErrConflict", err)
	}
	snap, err := r.rt.State(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if snap.OnAir != "LH-COS-001" || snap.Counters.Chat != 2 || snap.Counters.Questions != 1 || snap.Counters.Published != 1 || snap.Products["LH-COS-001"] == nil {
		t.Fatalf("state: on air %q, counters %+v, %d product cards", snap.OnAir, snap.Counters, len(snap.Products))
	}
}

// TestRepeatedQuestionIsOneAnswer: viewers asking the same question while its draft waits count on
// it; none is a raid and none gets a second draft.
func TestRepeatedQuestionIsOneAnswer(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	if _, err := r.rt.CreateShow(ctx, show.Show{ID: "s2", Title: "t", Lineup: []string{"LH-COS-001"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.rt.SetOnAir(ctx, "s2", "LH-COS-001", "h"); err != nil {
		t.Fatal(err)
	}
	var msgs []live.ChatIn
	for i := range 7 {
		msgs = append(msgs, live.ChatIn{User: fmt.Sprintf("v%d", i), Text: "このリップの色は何色ありますか？"})
	}
	res, err := r.rt.IngestChat(ctx, "s2", msgs)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res {
		if x.Verdict.Action != show.ActionAllow {
			t.Fatalf("a repeated question was %s: %+v", x.Verdict.Action, x.Verdict)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := r.rt.Drafts(ctx, "s2", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 && ds[0].Count == 7 {
			break
		}
		if len(ds) > 1 || time.Now().After(deadline) {
			t.Fatalf("drafts for 7 askers of one question: %+v", ds)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// failingProducts is a catalog that cannot be read.
type failingProducts struct{}

func (failingProducts) Get(context.Context, string) (catalog.Product, bool, error) {
	return catalog.Product{}, false, errors.New("connection refused")
}

// TestErrorsSayWhatFailed checks the kinds callers decide on, and that a catalog outage is
// reported as the catalog being unavailable, not as an unknown SKU.
func TestErrorsSayWhatFailed(t *testing.T) {
	r := newRig(t, func(a live.Agents) live.Agents { a.Products = failingProducts{}; return a })
	ctx := context.Background()
	tests := []struct {
		name string
		err  func() error
		kind live.Kind
		text string
	}{
		{"unknown show", func() error { _, err := r.rt.Show(ctx, "nope"); return err }, live.ErrNotFound, `no show "nope"`},
		{"invalid show id", func() error {
			_, err := r.rt.IngestChat(ctx, "../x", []live.ChatIn{{User: "u", Text: "x"}})
			return err
		}, live.ErrNotFound, "no show"},
		{"catalog down on create", func() error {
			_, err := r.rt.CreateShow(ctx, show.Show{Title: "t", Lineup: []string{"LH-COS-001"}})
			return err
		}, live.ErrUnavailable, "catalog unavailable"},
		{"empty title", func() error { _, err := r.rt.CreateShow(ctx, show.Show{Title: " "}); return err }, live.ErrInvalid, "title is required"},
		{"unknown draft", func() error { _, err := r.rt.ReviewDraft(ctx, "d_nope", live.Review{Verb: "approve"}); return err }, live.ErrNotFound, "no draft"},
		{"empty chat", func() error { _, err := r.rt.IngestChat(ctx, "s3", []live.ChatIn{{User: "u", Text: "  "}}); return err }, live.ErrInvalid, "text is empty"},
		{"stop a show that is not live", func() error { _, err := r.rt.Stop(ctx, "s3", "h"); return err }, live.ErrConflict, "is not live"},
		{"catalog down on air", func() error { _, err := r.rt.SetOnAir(ctx, "s3", "LH-COS-001", "h"); return err }, live.ErrUnavailable, "catalog unavailable"},
		{"script line outside", func() error { _, _, err := r.rt.SetScriptLine(ctx, "s3", 0); return err }, live.ErrConflict, "has no script"},
	}
	if _, err := r.rt.CreateShow(ctx, show.Show{ID: "s3", Title: "no lineup"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want kind %q mentioning %q", err, tt.kind, tt.text)
			}
			var le *live.Error
			if tt.kind == live.ErrUnavailable && (!errors.As(err, &le) || le.Dependency != "catalog") {
				t.Fatalf("unavailable error names dependency %q, want catalog", le.Dependency)
			}
		})
	}
}

// TestRestartRebuildsState closes the runtime mid-show and opens another on the same log: pending
// drafts, held messages and the product on air come back from the log.
func TestRestartRebuildsState(t *testing.T) {
	s, err := exampleCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ag, err := wire.Build(ctx, config.FromEnv(func(string) string { return "" }), wire.Deps{Catalog: s, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	open := func() (*live.Runtime, *show.Store) {
		st, err := show.OpenStore(ctx, dir, "")
		if err != nil {
			t.Fatal(err)
		}
		rt, err := live.New(ctx, live.Options{Store: st, Agents: ag.Live(), Policy: &ag.Policy, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return rt, st
	}
	rt, st := open()
	if _, err := rt.CreateShow(ctx, show.Show{ID: "r1", Title: "t", Lineup: []string{"LH-COS-001"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.SetOnAir(ctx, "r1", "LH-COS-001", "h"); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.IngestChat(ctx, "r1", []live.ChatIn{{User: "a", Text: "ブスは黙れ"}, {User: "b", Text: "このリップの素材は？"}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, _ := rt.Drafts(ctx, "r1", "pending")
		if len(ds) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no pending draft")
		}
		time.Sleep(10 * time.Millisecond)
	}
	before, _ := rt.State(ctx, "r1")
	rt.Close()
	st.Close()

	rt2, st2 := open()
	defer st2.Close()
	defer rt2.Close()
	after, err := rt2.State(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if after.OnAir != "LH-COS-001" || len(after.Held) != len(before.Held) || len(after.Drafts) != 1 || after.Drafts[0].Status != "pending" ||
		after.Counters != before.Counters || after.LastSeq != before.LastSeq {
		t.Fatalf("state after restart %+v\nbefore %+v", after, before)
	}
	if _, err := rt2.ReviewDraft(ctx, after.Drafts[0].DraftID, live.Review{Verb: "approve", By: "mod"}); err != nil {
		t.Fatalf("approve a draft rebuilt from the log: %v", err)
	}
}

// TestPendingQueueIsBounded: a raid of different questions cannot grow the pending queue past its
// cap; the oldest drafts expire, each with an event that says why.
func TestPendingQueueIsBounded(t *testing.T) {
	r := newRig(t, nil, func(o *live.Options) { o.MaxPendingDrafts = 3 })
	ctx := context.Background()
	if _, err := r.rt.CreateShow(ctx, show.Show{ID: "b1", Title: "t", Lineup: []string{"LH-COS-001"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.rt.SetOnAir(ctx, "b1", "LH-COS-001", "h"); err != nil {
		t.Fatal(err)
	}
	qs := []string{"色は何色？", "素材は？", "使い方は？", "成分は？", "容量は？", "香りは？", "肌質は？"}
	for i, q := range qs {
		if _, err := r.rt.IngestChat(ctx, "b1", []live.ChatIn{{User: fmt.Sprintf("v%d", i), Text: "このリップの" + q}}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		all, _ := r.rt.Drafts(ctx, "b1", "")
		pending, _ := r.rt.Drafts(ctx, "b1", "pending")
		expired, _ := r.rt.Drafts(ctx, "b1", "expired")
		if len(all) >= len(qs)-1 && len(pending) <= 3 && len(expired) >= 1 {
			break
		}
		if len(pending) > 3 || time.Now().After(deadline) {
			t.Fatalf("%d drafts, %d pending (cap 3), %d expired", len(all), len(pending), len(expired))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The state folds an append before it is durable; the event is in the log a moment later.
	for {
		evs, err := r.rt.Events(ctx, "b1", 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			var p show.DraftAction
			if ev.Type == show.TypeDraftExpired && ev.Decode(&p) == nil && strings.Contains(p.Reason, "queue is full") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no draft.expired event says the queue was full")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
