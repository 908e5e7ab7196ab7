package manager_test

import (
	"context"
	"encoding/json"
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
	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/connector/manager"
	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// scripted is a platform whose connectors read what the test feeds them and answer replies as
// the test scripts: errs are returned by the next Reply calls in turn (nil: success).
type scripted struct {
	mu     sync.Mutex
	feed   chan []connector.Message
	other  chan []connector.Message // the feed of connectors with "feed" set
	errs   []error
	posted []string
	block  chan struct{} // when set, Reply waits on it
}

func (p *scripted) platform() connector.Platform {
	return connector.Platform{Name: "scripted", ReplyInterval: time.Millisecond, New: func(raw json.RawMessage, env connector.Env) (connector.Connector, error) {
		var s struct {
			Reply bool   `json:"reply"`
			Feed  string `json:"feed"` // another feed than the shared one
		}
		if err := connector.DecodeSettings(raw, &s); err != nil {
			return nil, err
		}
		feed := p.feed
		if s.Feed != "" {
			feed = p.other
		}
		return &scriptedConn{p: p, reply: s.Reply, feed: feed}, nil
	}}
}

type scriptedConn struct {
	p     *scripted
	reply bool
	feed  chan []connector.Message
}

func (c *scriptedConn) Run(ctx context.Context, cursor string, sink connector.Sink) error {
	sink.State(show.ConnectorLive, "")
	for {
		select {
		case <-ctx.Done():
			return nil
		case msgs := <-c.feed:
			for sink.Deliver(ctx, "c-"+msgs[len(msgs)-1].ID, msgs) != nil {
				if !connector.Sleep(ctx, time.Millisecond) {
					return nil
				}
			}
		}
	}
}

func (c *scriptedConn) Replies() bool { return c.reply }
func (c *scriptedConn) Status() any   { return map[string]int{"fed": len(c.p.feed)} }

func (c *scriptedConn) Reply(ctx context.Context, r connector.Reply) (string, error) {
	c.p.mu.Lock()
	block := c.p.block
	c.p.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if len(c.p.errs) > 0 {
		err := c.p.errs[0]
		c.p.errs = c.p.errs[1:]
		if err != nil {
			return "", err
		}
	}
	c.p.posted = append(c.p.posted, r.Text+"|"+r.ParentID)
	return fmt.Sprintf("posted-%d", len(c.p.posted)), nil
}

func (p *scripted) postedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.posted)
}

type rig struct {
	t     *testing.T
	store *show.Store
	rt    *live.Runtime
	plat  *scripted
	m     *manager.Manager
	opt   manager.Options
	extra []connector.Platform // platforms besides the scripted one
}

var exampleCatalog = sync.OnceValues(func() (*catalog.Searcher, error) {
	res, err := catalog.ReadFile(filepath.Join("..", "..", "examples", "catalog.jsonl"), "")
	if err != nil {
		return nil, err
	}
	return catalog.NewMemorySearcher(context.Background(), res.Products, catalog.NewHashEmbedder(256))
})

// newRig runs a runtime (standard auto-approval: offline price answers go out by themselves) and
// a manager with the scripted platform, on a show with LH-COS-001 on air.
func newRig(t *testing.T, opt manager.Options) *rig {
	t.Helper()
	st, err := show.OpenStore(context.Background(), t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, store: st, plat: &scripted{feed: make(chan []connector.Message, 16), other: make(chan []connector.Message, 16)}, opt: opt}
	t.Cleanup(func() { st.Close() })
	r.startRuntime()
	if _, err := r.rt.CreateShow(context.Background(), show.Show{ID: "s1", Title: "t", Lineup: []string{"LH-COS-001"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.rt.SetOnAir(context.Background(), "s1", "LH-COS-001", "host"); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) startRuntime() {
	s, err := exampleCatalog()
	if err != nil {
		r.t.Fatal(err)
	}
	r.rt = newRuntime(r.t, r.store, s)
}

// newRuntime runs a runtime over st with the agents the composition root builds by default.
func newRuntime(t testing.TB, st *show.Store, s *catalog.Searcher) *live.Runtime {
	ag, err := wire.Build(context.Background(), config.FromEnv(func(string) string { return "" }), wire.Deps{Catalog: s, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ag.Close)
	rt, err := live.New(context.Background(), live.Options{Store: st, Agents: ag.Live(), Policy: &ag.Policy, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

func (r *rig) startManager() {
	r.t.Helper()
	opt := r.opt
	opt.Runtime, opt.Logger, opt.Platforms = r.rt, quiet, append([]connector.Platform{r.plat.platform()}, r.extra...)
	if opt.RetryMin == 0 {
		opt.RetryMin = time.Millisecond
	}
	m, err := manager.New(opt)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { m.Close() })
	r.m = m
}

func (r *rig) events(typ string) []show.Event {
	r.t.Helper()
	var out []show.Event
	var after int64
	for {
		evs, err := r.rt.Events(context.Background(), "s1", after, show.ReadLimit)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, ev := range evs {
			after = ev.Seq
			if ev.Type == typ {
				out = append(out, ev)
			}
		}
		if len(evs) < show.ReadLimit {
			return out
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// questions are price questions the standard policy answers by itself, each worded differently
// so that moderation's copy-paste rule and the queue's repeat counting leave them apart.
var questions = map[string]string{"q1": "このリップいくらですか？", "q2": "リップの値段を教えてください", "q3": "このリップの価格は？", "old": "このリップいくらですか？"}

func question(id string) []connector.Message {
	return []connector.Message{{Platform: "scripted", ID: id, UserID: "u-" + id, User: "viewer " + id, Text: questions[id], At: time.Now()}}
}

// TestReplyRetriedThenSentOnce: a reply that fails twice with a retryable error goes out on the
// third try, is logged as reply.sent with the platform's id, and is not posted again after the
// manager and the runtime restart.
func TestReplyRetriedThenSentOnce(t *testing.T) {
	r := newRig(t, manager.Options{})
	r.plat.errs = []error{errors.New("503 from the platform"), errors.New("connection reset"), nil}
	r.startManager()
	if _, err := r.m.Put(context.Background(), "s1", "main", "scripted", json.RawMessage(`{"reply":true}`), "admin"); err != nil {
		t.Fatal(err)
	}
	r.plat.feed <- question("q1")
	waitFor(t, "reply.sent", func() bool { return len(r.events(show.TypeReplySent)) == 1 })
	var sent show.ReplySent
	r.events(show.TypeReplySent)[0].Decode(&sent)
	if sent.Attempts != 3 || sent.PlatformID != "posted-1" || sent.Connector != "main" || sent.Platform != "scripted" {
		t.Fatalf("reply.sent %+v", sent)
	}
	if r.plat.postedCount() != 1 || !strings.HasSuffix(r.plat.posted[0], "|q1") {
		t.Fatalf("posted %v", r.plat.posted)
	}
	items, err := r.m.List(context.Background(), "s1")
	if err != nil || len(items) != 1 || !items[0].Running || items[0].State != show.ConnectorLive || items[0].Replies != 1 || items[0].Cursor != "c-q1" {
		t.Fatalf("list %+v %v", items, err)
	}
	r.m.Close()
	r.rt.Close()
	r.startRuntime()
	r.startManager()
	waitFor(t, "the connector to run again", func() bool {
		items, _ := r.m.List(context.Background(), "s1")
		return len(items) == 1 && items[0].Running
	})
	r.plat.feed <- question("q2")
	waitFor(t, "the second reply", func() bool { return len(r.events(show.TypeReplySent)) == 2 })
	if n := r.plat.postedCount(); n != 2 {
		t.Fatalf("posted %d replies for 2 questions after a restart", n)
	}
	if n := len(r.events(show.TypeReplySending)); n != 2 {
		t.Fatalf("%d reply.sending", n)
	}
}

// TestReplyFailures: a permanent error fails at once; a reply left "sending" by a crash is not
// posted again; an old approval is not posted after a restart; without reply nothing is posted.
func TestReplyFailures(t *testing.T) {
	r := newRig(t, manager.Options{})
	ctx := context.Background()
	r.plat.errs = []error{connector.Permanent(errors.New("400 messageTextInvalid"))}
	r.startManager()
	if _, err := r.m.Put(ctx, "s1", "main", "scripted", json.RawMessage(`{"reply":true}`), "admin"); err != nil {
		t.Fatal(err)
	}
	r.plat.feed <- question("q1")
	waitFor(t, "reply.failed", func() bool { return len(r.events(show.TypeReplyFailed)) == 1 })
	var failed show.ReplyFailed
	r.events(show.TypeReplyFailed)[0].Decode(&failed)
	if failed.Attempts != 1 || !strings.Contains(failed.Reason, "messageTextInvalid") || r.plat.postedCount() != 0 {
		t.Fatalf("reply.failed %+v, posted %d", failed, r.plat.postedCount())
	}

	// A crash mid-post: the reply blocks, the manager closes, the log keeps reply.sending alone.
	r.plat.mu.Lock()
	r.plat.block = make(chan struct{})
	r.plat.mu.Unlock()
	r.plat.feed <- question("q2")
	waitFor(t, "reply.sending", func() bool { return len(r.events(show.TypeReplySending)) == 2 })
	r.m.Close()
	r.plat.mu.Lock()
	r.plat.block = nil
	r.plat.mu.Unlock()
	r.startManager()
	waitFor(t, "the unknown outcome", func() bool { return len(r.events(show.TypeReplyFailed)) == 2 })
	r.events(show.TypeReplyFailed)[1].Decode(&failed)
	if !strings.Contains(failed.Reason, "outcome unknown") || r.plat.postedCount() != 0 {
		t.Fatalf("reply.failed %+v, posted %d", failed, r.plat.postedCount())
	}

	// Replaced without reply: nothing is posted or logged.
	before, _ := r.m.List(ctx, "s1")
	if _, err := r.m.Put(ctx, "s1", "main", "scripted", json.RawMessage(`{}`), "admin"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new configuration to run", func() bool {
		items, _ := r.m.List(ctx, "s1")
		return len(items) == 1 && items[0].Running && items[0].State == show.ConnectorLive && items[0].ConfigSeq > before[0].ConfigSeq
	})
	published := len(r.events(show.TypeDraftPublished))
	r.plat.feed <- question("q3")
	waitFor(t, "q3's answer", func() bool { return len(r.events(show.TypeDraftPublished)) > published })
	time.Sleep(50 * time.Millisecond)
	if n := len(r.events(show.TypeReplySending)); n != 2 || r.plat.postedCount() != 0 {
		t.Fatalf("reply off: %d reply.sending, %d posted", n, r.plat.postedCount())
	}
}

// TestStaleApprovalNotPosted: an approval published while no manager ran, older than ReplyMaxAge
// when the manager starts, is logged as failed, not posted.
func TestStaleApprovalNotPosted(t *testing.T) {
	r := newRig(t, manager.Options{ReplyMaxAge: time.Millisecond})
	ctx := context.Background()
	if _, err := r.rt.ConfigureConnector(ctx, "s1", show.ConnectorConfigured{Name: "main", Platform: "scripted", Settings: json.RawMessage(`{"reply":true}`)}); err != nil {
		t.Fatal(err)
	}
	in := question("old")[0].ChatIn()
	if _, err := r.rt.IngestConnector(ctx, "s1", live.ConnectorBatch{Connector: "main", Messages: []live.ChatIn{in}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the answer", func() bool { return len(r.events(show.TypeDraftPublished)) == 1 })
	time.Sleep(5 * time.Millisecond)
	r.startManager()
	waitFor(t, "reply.failed", func() bool { return len(r.events(show.TypeReplyFailed)) == 1 })
	var failed show.ReplyFailed
	r.events(show.TypeReplyFailed)[0].Decode(&failed)
	if !strings.Contains(failed.Reason, "too late") || r.plat.postedCount() != 0 {
		t.Fatalf("reply.failed %+v", failed)
	}
}

// TestLifecycle: a bad configuration is refused; the show stopping stops its connectors; a
// removed connector stops; burst delivery over the runtime's batch limit logs every message once.
func TestLifecycle(t *testing.T) {
	r := newRig(t, manager.Options{})
	ctx := context.Background()
	r.startManager()
	for _, tt := range []struct{ platform, settings, want string }{
		{"nope", `{}`, "unknown platform"},
		{"scripted", `{"secret":"x"}`, `unknown field "secret"`},
	} {
		_, err := r.m.Put(ctx, "s1", "main", tt.platform, json.RawMessage(tt.settings), "admin")
		if !errors.Is(err, live.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Fatalf("put %s %s: %v", tt.platform, tt.settings, err)
		}
	}
	if _, err := r.m.Put(ctx, "s1", "main", "scripted", nil, "admin"); err != nil {
		t.Fatal(err)
	}
	burst := make([]connector.Message, 2500)
	for i := range burst {
		burst[i] = connector.Message{Platform: "scripted", ID: fmt.Sprintf("b%d", i%2000), User: "v", Text: fmt.Sprintf("コメント %d", i)}
	}
	r.plat.feed <- burst
	waitFor(t, "2,000 messages", func() bool { return len(r.events(show.TypeChatReceived)) >= 2000 })
	time.Sleep(20 * time.Millisecond)
	if n := len(r.events(show.TypeChatReceived)); n != 2000 {
		t.Fatalf("%d chat.received for 2,000 distinct ids", n)
	}
	if _, err := r.rt.Start(ctx, "s1", "host"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.rt.Stop(ctx, "s1", "host"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "stopped", func() bool {
		items, _ := r.m.List(ctx, "s1")
		return len(items) == 1 && !items[0].Running && items[0].State == show.ConnectorStopped && items[0].Reason == "the show stopped"
	})
	if err := r.m.Delete(ctx, "s1", "main", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := r.m.Delete(ctx, "s1", "main", "admin"); !errors.Is(err, live.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}

// TestReplyAll: a connector configured with reply_all posts every approved draft — answers to
// another connector's viewers (not threaded) and to the chat API's — while the one a question
// came from posts its own answer, threaded; each once.
func TestReplyAll(t *testing.T) {
	r := newRig(t, manager.Options{})
	ctx := context.Background()
	r.startManager()
	if _, err := r.m.Put(ctx, "s1", "origin", "scripted", json.RawMessage(`{"reply":true}`), "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.PutConfig(ctx, "s1", show.ConnectorConfigured{Name: "all", Platform: "scripted", Settings: json.RawMessage(`{"reply":true,"feed":"other"}`), ReplyAll: true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both connectors", func() bool {
		items, _ := r.m.List(ctx, "s1")
		return len(items) == 2 && items[0].Running && items[1].Running && items[0].ReplyAll
	})
	r.plat.feed <- question("q1") // read by "origin"
	waitFor(t, "two replies", func() bool { return len(r.events(show.TypeReplySent)) == 2 })
	if _, err := r.rt.IngestChat(ctx, "s1", []live.ChatIn{{Platform: "api", User: "web", Text: questions["q2"]}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the chat API's answer at the reply_all connector", func() bool { return len(r.events(show.TypeReplySent)) == 3 })
	time.Sleep(50 * time.Millisecond)
	sent := map[string]int{}
	for _, ev := range r.events(show.TypeReplySent) {
		var p show.ReplySent
		ev.Decode(&p)
		sent[p.Connector]++
	}
	if n := r.plat.postedCount(); n != 3 || sent["all"] != 2 || sent["origin"] != 1 {
		t.Fatalf("posted %d, reply.sent by connector %v", n, sent)
	}
	threaded := 0
	for _, p := range r.plat.posted {
		if strings.HasSuffix(p, "|q1") {
			threaded++
		}
	}
	if threaded != 1 {
		t.Fatalf("replies %v: the answer to q1 is threaded once (where it was asked)", r.plat.posted)
	}
}
