// Package live runs shows: a running show's ingest path (moderate → append → detect → answer →
// approve → publish), its state folded from the log, the agent workers, and subscriptions that
// catch up from the log. It knows nothing of HTTP: the server package translates requests into
// calls on a Runtime, and other consumers (the voice path, tests, future connectors) call it the
// same way.
package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/hostscript"
	"github.com/livehost/livehost/show"
)

// Options configure a Runtime. Store and Agents.Moderator and Agents.Answerer are required.
type Options struct {
	Store  *show.Store
	Agents Agents
	// ScriptReader gives the host-script follower word readings, so a script written in kanji
	// follows speech-to-text output in kana. Nil means hostscript.NewKagomeReader.
	ScriptReader hostscript.Reader
	// Policy is the auto-approve policy of the approval queue: which drafts go out without a
	// moderator. Nil means approval.StandardPolicy (offline price and stock answers); a zero
	// Policy approves nothing.
	Policy *approval.Policy
	// AnswerWorkers is how many questions are answered at once (default 1: the offline answerer
	// is CPU-bound and must not starve ingest). A model-backed answerer waits on the network, so
	// it wants more.
	AnswerWorkers int
	// DraftTTL is how long a draft may wait for a moderator before it expires (default 10 min;
	// negative: never). A question that old has been answered on air or is moot.
	DraftTTL time.Duration
	// ClaimTTL is how long a moderator's claim on a draft lasts (default 2 min).
	ClaimTTL time.Duration
	// MaxPendingDrafts caps a show's drafts waiting for a moderator (default 500): beyond it the
	// oldest unclaimed ones expire, each with a draft.expired event. KeepDecidedDrafts is how many
	// decided drafts a show keeps in memory (default 1000; the log keeps them all).
	MaxPendingDrafts  int
	KeepDecidedDrafts int
	// HeldTTL is how long a held message waits for a moderator before it expires (default 10
	// min; negative: never), with a chat.held_expired event.
	HeldTTL time.Duration
	// AnswerStaleAfter drops a question still waiting for the answer agent after this long
	// (default 1 min): under overload a late draft is worth less than a fresh one.
	AnswerStaleAfter time.Duration
	// SubscriptionBuffer is each subscriber's live buffer in events (default 8192); one that falls
	// further behind is caught up from the log.
	SubscriptionBuffer int
	// Clustered: several nodes share the log, and this node writes a show only after Adopt
	// (see ownership.go). False: this process writes every show.
	Clustered bool
	Logger    *slog.Logger
}

// Runtime runs every show of one event log. Create it with New and Close it.
type Runtime struct {
	opt   Options
	store *show.Store
	log   *slog.Logger
	m     *metrics

	mu     sync.Mutex
	shows  map[string]*liveShow
	drafts map[string]string // draft ID → show ID

	qcfg    approval.Config // each show's approval queue
	answerQ chan answerJob
	quit    chan struct{}
	qctx    context.Context // canceled by Close: ends subscriptions
	qcancel context.CancelFunc
	wg      sync.WaitGroup
	closed  sync.Once
}

// New builds the runtime and rebuilds every show's state from the log.
func New(ctx context.Context, opt Options) (*Runtime, error) {
	if opt.Store == nil || opt.Agents.Moderator == nil || opt.Agents.Answerer == nil {
		return nil, errors.New("live: Store, Agents.Moderator and Agents.Answerer are required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.AnswerWorkers <= 0 {
		opt.AnswerWorkers = 1
	}
	if opt.DraftTTL == 0 {
		opt.DraftTTL = 10 * time.Minute
	}
	if opt.ClaimTTL <= 0 {
		opt.ClaimTTL = 2 * time.Minute
	}
	if opt.MaxPendingDrafts <= 0 {
		opt.MaxPendingDrafts = 500
	}
	if opt.KeepDecidedDrafts <= 0 {
		opt.KeepDecidedDrafts = 1000
	}
	if opt.HeldTTL == 0 {
		opt.HeldTTL = 10 * time.Minute
	}
	if opt.AnswerStaleAfter <= 0 {
		opt.AnswerStaleAfter = time.Minute
	}
	if opt.ScriptReader == nil {
		r, err := hostscript.NewKagomeReader()
		if err != nil {
			return nil, fmt.Errorf("live: %w", err)
		}
		opt.ScriptReader = r
	}
	if opt.SubscriptionBuffer <= 0 {
		// Deep enough for a few seconds of a busy show: catching up from the log costs more
		// than holding events in memory.
		opt.SubscriptionBuffer = 8192
	}
	r := &Runtime{
		opt:     opt,
		store:   opt.Store,
		log:     opt.Logger,
		m:       newMetrics(),
		shows:   map[string]*liveShow{},
		drafts:  map[string]string{},
		answerQ: make(chan answerJob, 16384),
		quit:    make(chan struct{}),
	}
	r.qctx, r.qcancel = context.WithCancel(context.Background())
	r.qcfg = approval.DefaultConfig()
	r.qcfg.NewID = newDraftID // draft IDs are global in the API (/api/drafts/{id})
	r.qcfg.ClaimTTL = opt.ClaimTTL
	if opt.DraftTTL > 0 {
		r.qcfg.PendingTTL = opt.DraftTTL
	}
	if opt.Policy != nil {
		r.qcfg.Policy = *opt.Policy
	}
	shows, err := r.store.ListShows(ctx)
	if err != nil {
		return nil, unavailable("event log", "listing shows", err)
	}
	for _, sh := range shows {
		if _, err := r.show(ctx, sh.ID); err != nil {
			r.Close()
			return nil, fmt.Errorf("live: rebuild show %s from its log: %w", sh.ID, err)
		}
	}
	for range opt.AnswerWorkers {
		r.wg.Add(1)
		go r.answerWorker()
	}
	if !opt.Clustered {
		// Questions logged just before a restart that were not answered yet are answered now
		// (with several nodes, Adopt does this for the shows a node takes).
		r.mu.Lock()
		for _, ls := range r.shows {
			ls.mu.Lock()
			r.requeueQuestions(ls)
			ls.mu.Unlock()
		}
		r.mu.Unlock()
	}
	if every := housekeepingEvery(opt); every > 0 {
		r.wg.Add(1)
		go r.housekeeping(every)
	}
	return r, nil
}

// Collectors are the runtime's Prometheus series and its event log's, for the caller's registry.
func (r *Runtime) Collectors() []prometheus.Collector {
	return append(r.m.collectors(), r.store.Collectors()...)
}

// Backend names the event log's store ("sqlite", "postgres").
func (r *Runtime) Backend() string { return r.store.Backend() }

// Ping checks that the event log answers.
func (r *Runtime) Ping(ctx context.Context) error {
	if err := r.store.Ping(ctx); err != nil {
		return unavailable("event log", "pinging it", err)
	}
	return nil
}

// Close stops the appenders, the agent workers and the subscriptions. In-flight appends finish
// first.
func (r *Runtime) Close() error {
	r.closed.Do(func() {
		close(r.quit)
		r.qcancel()
		r.wg.Wait()
	})
	return nil
}

// Closing is closed when Close has begun.
func (r *Runtime) Closing() <-chan struct{} { return r.quit }

// show returns a running show, loading its state from the log the first time. An unknown show is
// ErrNotFound.
func (r *Runtime) show(ctx context.Context, id string) (*liveShow, error) {
	r.mu.Lock()
	ls := r.shows[id]
	r.mu.Unlock()
	if ls != nil {
		return ls, nil
	}
	if show.ValidShowID(id) != nil {
		return nil, notFoundf("no show %q", id)
	}
	if _, err := r.store.GetShow(ctx, id); err != nil {
		if errors.Is(err, show.ErrNotFound) {
			return nil, notFoundf("no show %q", id)
		}
		return nil, unavailable("event log", "loading show "+id, err)
	}
	ls = &liveShow{id: id, reqs: make(chan *appendReq, 1024), stopped: make(chan struct{})}
	if err := r.reload(ls); err != nil {
		return nil, unavailable("event log", "rebuilding show "+id, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur := r.shows[id]; cur != nil {
		return cur, nil
	}
	select {
	case <-r.quit:
		return nil, errClosed
	default:
	}
	r.shows[id] = ls
	for _, d := range ls.st.drafts.q.List(ls.id) {
		r.drafts[d.ID] = ls.id
	}
	if r.opt.Clustered {
		ls.mu.Lock()
		r.followLocked(ls)
		ls.mu.Unlock()
	}
	r.wg.Add(1)
	go r.appender(ls)
	return ls, nil
}

func newDraftID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "d_" + hex.EncodeToString(b[:])
}

// housekeepingEvery is how often waiting drafts and held messages are checked for expiry: a
// quarter of the shorter TTL, at most 15 s; 0 when neither expires.
func housekeepingEvery(opt Options) time.Duration {
	every := time.Duration(0)
	for _, ttl := range []time.Duration{opt.DraftTTL, opt.HeldTTL} {
		if ttl > 0 && (every == 0 || ttl/4 < every) {
			every = ttl / 4
		}
	}
	return min(every, 15*time.Second)
}
