package avatar_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/tts"
)

// The runners start goroutines; none may outlive a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var exampleCatalog = sync.OnceValues(func() (*catalog.Searcher, error) {
	res, err := catalog.ReadFile(filepath.Join("..", "examples", "catalog.jsonl"), "")
	if err != nil {
		return nil, err
	}
	return catalog.NewMemorySearcher(context.Background(), res.Products, catalog.NewHashEmbedder(256))
})

// rig is the avatar show as serve builds it, without HTTP: a runtime on a SQLite log in dir with
// the default agents, and a Manager with the given engines and clock.
type rig struct {
	t     *testing.T
	dir   string
	ag    *wire.Agents
	store *show.Store
	rt    *live.Runtime
	m     *avatar.Manager
	opt   rigOpt
}

type rigOpt struct {
	env     map[string]string // settings (config.FromEnv) of the agents
	client  *http.Client      // reaches the OpenAI-compatible server of env
	engines []tts.Engine
	clock   avatar.Clock
	agents  func(live.Agents) live.Agents
	window  int
	gap     time.Duration // the pause between sentences; 100 ms when zero, -1 for the default
	// talkBudget and talkRetry tune the LLM writer (LIVEHOST_AVATAR_WRITER=llm in env).
	talkBudget, talkRetry time.Duration
	// beforeSample runs before the endurance test counts goroutines (to close idle keep-alive
	// connections, which come and go).
	beforeSample func()
}

func newRig(t *testing.T, o rigOpt) *rig {
	t.Helper()
	s, err := exampleCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ag, err := wire.Build(context.Background(), config.FromEnv(func(k string) string { return o.env[k] }), wire.Deps{Catalog: s, HTTPClient: o.client, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ag.Close)
	if o.engines == nil {
		o.engines = []tts.Engine{&tts.Tone{}}
	}
	switch o.gap {
	case 0:
		o.gap = 100 * time.Millisecond
	case -1:
		o.gap = 0 // the Manager's default
	}
	r := &rig{t: t, dir: t.TempDir(), ag: ag, opt: o}
	r.open()
	t.Cleanup(r.close)
	return r
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func (r *rig) open() {
	ctx := context.Background()
	st, err := show.OpenStore(ctx, r.dir, "")
	if err != nil {
		r.t.Fatal(err)
	}
	la := r.ag.Live()
	if r.opt.agents != nil {
		la = r.opt.agents(la)
	}
	rt, err := live.New(ctx, live.Options{Store: st, Agents: la, Policy: &r.ag.Policy, Logger: quiet})
	if err != nil {
		r.t.Fatal(err)
	}
	cfg := config.FromEnv(func(k string) string { return r.opt.env[k] })
	talker, err := r.ag.AvatarWriter(cfg, r.opt.client)
	if err != nil {
		r.t.Fatal(err)
	}
	m, err := avatar.New(avatar.Options{Talker: talker, TalkBudget: r.opt.talkBudget, TalkRetry: r.opt.talkRetry, Memory: cfg.Avatar.Memory,
		Runtime: rt, Products: wire.CatalogProducts(r.ag.Catalog), Speech: &tts.Chain{Engines: r.opt.engines},
		Gate: r.gate(), Prompts: r.ag.Prompts, NameOK: wire.NameOK(r.ag.Moderation), Clock: r.opt.clock, Window: r.opt.window,
		Gap: r.opt.gap, Logger: quiet})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := m.Boot(ctx); err != nil {
		r.t.Fatal(err)
	}
	r.store, r.rt, r.m = st, rt, m
}

func (r *rig) gate() *avatar.Gate {
	return &avatar.Gate{Host: wire.HostCheck(r.ag.Moderation), Guard: &answer.Guard{Policy: r.ag.Prompts.Policy}}
}

func (r *rig) close() {
	if r.m == nil {
		return
	}
	r.m.Close()
	r.rt.Close()
	r.store.Close()
	r.m = nil
}

// restart closes everything and opens it again over the same log, as a process restart would.
func (r *rig) restart() {
	r.close()
	r.open()
}

func (r *rig) newShow(lineup ...string) string {
	r.t.Helper()
	sh, err := r.rt.CreateShow(context.Background(), show.Show{Title: "無人ライブ", Lineup: lineup, Mode: show.ModeAvatar})
	if err != nil {
		r.t.Fatal(err)
	}
	return sh.ID
}

// until reads the show's events after after until one satisfies match, or fails after limit.
func (r *rig) until(id string, after int64, limit time.Duration, match func(show.Event) bool) show.Event {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	sub, err := r.rt.Subscribe(ctx, id, after)
	if err != nil {
		r.t.Fatal(err)
	}
	defer sub.Close()
	for {
		evs, err := sub.Next(ctx)
		if err != nil {
			r.t.Fatalf("no matching event after seq %d: %v", after, err)
		}
		for _, ev := range evs {
			if match(ev) {
				return ev
			}
		}
	}
}

// all reads the show's whole log.
func (r *rig) all(id string) []show.Event {
	r.t.Helper()
	var out []show.Event
	for after := int64(0); ; {
		evs, err := r.rt.Events(context.Background(), id, after, show.ReadLimit)
		if err != nil {
			r.t.Fatal(err)
		}
		out = append(out, evs...)
		if len(evs) < show.ReadLimit {
			return out
		}
		after = evs[len(evs)-1].Seq
	}
}

func utterance(ev show.Event) (show.AvatarUtterance, bool) {
	var u show.AvatarUtterance
	if ev.Type != show.TypeAvatarUtterance || ev.Decode(&u) != nil {
		return u, false
	}
	return u, true
}
