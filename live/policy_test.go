package live_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// TestAnswerPolicyPerShow: a show's own answer policy decides which drafts go out by themselves —
// set to wait for everything, a price answer that the standard policy would publish waits — while
// other shows keep the standard policy; the policy survives a restart; a bad one is refused,
// naming what is wrong, and changes nothing.
func TestAnswerPolicyPerShow(t *testing.T) {
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
	defer ag.Close()
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
	r := &rig{rt: rt, store: st}
	for _, id := range []string{"strict", "standard"} {
		if _, err := rt.CreateShow(ctx, show.Show{ID: id, Title: "t", Lineup: []string{"LH-COS-001"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := rt.SetOnAir(ctx, id, "LH-COS-001", "h"); err != nil {
			t.Fatal(err)
		}
	}
	def, err := rt.AnswerPolicy(ctx, "strict")
	if err != nil || !def.Enabled || def.MinConfidence != 0.8 || len(def.Intents) != 2 {
		t.Fatalf("default policy %+v %v", def, err)
	}
	bad := []live.AnswerPolicy{
		{Enabled: true, Engines: []string{"gpt"}},
		{Enabled: true, Intents: []string{"Price!"}},
		{Enabled: true, MinConfidence: 1.5},
	}
	for _, p := range bad {
		if _, err := rt.SetAnswerPolicy(ctx, "strict", p, "mod"); !errors.Is(err, live.ErrInvalid) {
			t.Fatalf("policy %+v: %v, want ErrInvalid", p, err)
		}
	}
	if _, err := rt.SetAnswerPolicy(ctx, "nope", live.AnswerPolicy{}, "mod"); !errors.Is(err, live.ErrNotFound) {
		t.Fatalf("unknown show: %v", err)
	}
	seq, err := rt.SetAnswerPolicy(ctx, "strict", live.AnswerPolicy{Enabled: false}, "mod")
	if err != nil || seq == 0 {
		t.Fatal(seq, err)
	}
	for _, id := range []string{"strict", "standard"} {
		res, err := rt.IngestChat(ctx, id, []live.ChatIn{{User: "a", Text: "このリップはいくらですか？"}})
		if err != nil {
			t.Fatal(err)
		}
		ev := r.until(t, id, res[0].Seq, func(ev show.Event) bool {
			return ev.Type == show.TypeDraftCreated
		})
		pending, _ := rt.Drafts(ctx, id, "pending")
		published, _ := rt.Drafts(ctx, id, "published")
		want := map[string]int{"strict": 1, "standard": 0}[id]
		if len(pending) != want || len(published) != 1-want {
			t.Fatalf("show %s after draft %d: %d pending, %d published", id, ev.Seq, len(pending), len(published))
		}
	}
	rt.Close()
	st.Close()

	rt2, st2 := open()
	defer st2.Close()
	defer rt2.Close()
	p, err := rt2.AnswerPolicy(ctx, "strict")
	if err != nil || p.Enabled {
		t.Fatalf("policy after restart %+v %v", p, err)
	}
	if p, _ := rt2.AnswerPolicy(ctx, "standard"); !p.Enabled {
		t.Fatalf("the other show's policy changed: %+v", p)
	}
	// A policy that trusts the LLM engine's answers too is set and read back as set.
	want := live.AnswerPolicy{Enabled: true, Engines: []string{"offline", "llm"}, Intents: []string{"price", "stock", "color"}, MinConfidence: 0.6}
	if _, err := rt2.SetAnswerPolicy(ctx, "strict", want, "mod"); err != nil {
		t.Fatal(err)
	}
	if got, _ := rt2.AnswerPolicy(ctx, "strict"); got.MinConfidence != 0.6 || len(got.Engines) != 2 || len(got.Intents) != 3 {
		t.Fatalf("policy %+v, want %+v", got, want)
	}
}
