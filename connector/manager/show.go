package manager

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// chatRef is where a logged message came from, so that its answer can go back there.
type chatRef struct {
	connector, platform, platformID, user string
}

// maxRefs bounds the messages and drafts a show loop remembers for replies: an answer is
// approved within minutes of its question, not after a hundred thousand more messages.
const maxRefs = 100_000

// showLoop follows one show's log: it runs the connectors the log configures and queues replies
// for the drafts the log publishes.
type showLoop struct {
	m  *Manager
	id string
	// cancel ends this show's loop and reply worker (Release); gone is closed when both ended.
	cancel context.CancelFunc
	gone   chan struct{}

	// Folded from the log by run only (desired is written under mu: the reply worker reads it).
	status   string
	desired  map[string]live.ConnectorItem
	chats    map[int64]chatRef
	chatSeqs []int64
	drafts   map[string]int64 // draft → the seq of its (first) question
	draftIDs []string
	caught   bool
	pending  []pubJob // published before the loop caught up with the log

	mu      sync.Mutex
	runners map[string]*runner
	outcome map[string]string // draft\x00connector → sending | sent | failed
	limits  map[string]*rate.Limiter

	jobs chan pubJob
}

type pubJob struct {
	draft   string
	text    string
	chatSeq int64
	ref     chatRef
	at      time.Time
}

func newShowLoop(m *Manager, id string) *showLoop {
	return &showLoop{m: m, id: id, desired: map[string]live.ConnectorItem{}, chats: map[int64]chatRef{}, drafts: map[string]int64{},
		runners: map[string]*runner{}, outcome: map[string]string{}, limits: map[string]*rate.Limiter{}, jobs: make(chan pubJob, 4096)}
}

func (sl *showLoop) runner(name string) *runner {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return sl.runners[name]
}

// run follows the log from its start: what is configured, what was asked where, what was
// published and what was already posted. Until it has caught up with the log as it was when it
// began, it only folds, so that a restart neither starts a removed connector nor posts a reply
// already posted.
func (sl *showLoop) run(ctx context.Context) {
	defer sl.stopAll("livehost is shutting down")
	var upTo int64
	for {
		info, err := sl.m.rt.Show(ctx, sl.id)
		if err == nil {
			upTo = info.LastSeq
			break
		}
		if !connector.Sleep(ctx, time.Second) {
			return
		}
	}
	sub, err := sl.m.rt.Subscribe(ctx, sl.id, 0)
	if err != nil {
		sl.m.log.Error("connectors: follow show", "show", sl.id, "err", err)
		return
	}
	defer sub.Close()
	if upTo == 0 {
		sl.catchUp()
	}
	for {
		evs, err := sub.Next(ctx)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, live.ErrClosed) {
				sl.m.log.Error("connectors: read show events", "show", sl.id, "err", err)
			}
			return
		}
		for _, ev := range evs {
			sl.apply(ev)
			if !sl.caught && ev.Seq >= upTo {
				sl.catchUp()
			}
		}
		if sl.caught {
			sl.reconcile(ctx)
		}
	}
}

func (sl *showLoop) apply(ev show.Event) {
	switch ev.Type {
	case show.TypeShowStarted:
		sl.status = show.StatusLive
	case show.TypeShowStopped:
		sl.status = show.StatusStopped
	case show.TypeShowUpdated:
		var p show.ShowUpdated
		if ev.Decode(&p) == nil && p.Status != "" {
			sl.status = p.Status
		}
	case show.TypeConnectorConfigured:
		var p show.ConnectorConfigured
		if ev.Decode(&p) == nil {
			sl.mu.Lock() // post reads desired from the reply worker
			sl.desired[p.Name] = live.ConnectorItem{Name: p.Name, Platform: p.Platform, Settings: p.Settings, ReplyAll: p.ReplyAll, ConfigSeq: ev.Seq}
			sl.mu.Unlock()
		}
	case show.TypeConnectorRemoved:
		var p show.ConnectorRemoved
		if ev.Decode(&p) == nil {
			sl.mu.Lock()
			delete(sl.desired, p.Name)
			sl.mu.Unlock()
		}
	case show.TypeChatReceived:
		var p show.ChatReceived
		if ev.Decode(&p) == nil && p.Connector != "" {
			sl.chats[ev.Seq] = chatRef{connector: p.Connector, platform: p.Platform, platformID: p.PlatformID, user: p.User}
			sl.chatSeqs = append(sl.chatSeqs, ev.Seq)
			if len(sl.chatSeqs) > maxRefs {
				delete(sl.chats, sl.chatSeqs[0])
				sl.chatSeqs = sl.chatSeqs[1:]
			}
		}
	case show.TypeDraftCreated:
		var p show.DraftCreated
		// Every draft, not only those answering a connector's message: connectors that reply
		// to all post the others too.
		if ev.Decode(&p) == nil {
			sl.drafts[p.DraftID] = p.ChatSeq
			sl.draftIDs = append(sl.draftIDs, p.DraftID)
			if len(sl.draftIDs) > maxRefs {
				delete(sl.drafts, sl.draftIDs[0])
				sl.draftIDs = sl.draftIDs[1:]
			}
		}
	case show.TypeReplySending, show.TypeReplySent, show.TypeReplyFailed:
		var p show.ReplySending
		if ev.Decode(&p) == nil {
			st := map[string]string{show.TypeReplySending: "sending", show.TypeReplySent: "sent", show.TypeReplyFailed: "failed"}[ev.Type]
			sl.mu.Lock()
			if sl.outcome[p.DraftID+"\x00"+p.Connector] != "sent" {
				sl.outcome[p.DraftID+"\x00"+p.Connector] = st
			}
			sl.mu.Unlock()
		}
	case show.TypeDraftPublished:
		var p show.DraftPublished
		if ev.Decode(&p) != nil {
			return
		}
		seq, ok := sl.drafts[p.DraftID]
		if !ok {
			return
		}
		var jobs []pubJob
		origin, fromConnector := sl.chats[seq]
		if fromConnector {
			jobs = append(jobs, pubJob{draft: p.DraftID, text: p.Text, chatSeq: seq, ref: origin, at: ev.At})
		}
		// Connectors that reply to all get it too (not threaded: the question was elsewhere).
		names := make([]string, 0, len(sl.desired))
		for name, c := range sl.desired {
			if c.ReplyAll && !(fromConnector && name == origin.connector) {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			jobs = append(jobs, pubJob{draft: p.DraftID, text: p.Text, chatSeq: seq, ref: chatRef{connector: name, platform: sl.desired[name].Platform}, at: ev.At})
		}
		for _, job := range jobs {
			if !sl.caught {
				sl.pending = append(sl.pending, job)
			} else {
				sl.enqueue(job)
			}
		}
	}
}

// catchUp is reached once the loop has read the log as it was when it started: connectors start
// and the replies published meanwhile are looked at.
func (sl *showLoop) catchUp() {
	sl.caught = true
	sl.reconcile(sl.m.ctx)
	for _, job := range sl.pending {
		sl.enqueue(job)
	}
	sl.pending = nil
}

func (sl *showLoop) enqueue(job pubJob) {
	select {
	case sl.jobs <- job:
	default:
		sl.record(context.Background(), &show.ReplyFailed{DraftID: job.draft, Connector: job.ref.connector, Platform: job.ref.platform,
			ChatSeq: job.chatSeq, Reason: "reply queue full"})
	}
}

// reconcile makes the running connectors what the log says: started, replaced, stopped.
func (sl *showLoop) reconcile(ctx context.Context) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	replaced := map[string]*runner{}
	for name, r := range sl.runners {
		want, ok := sl.desired[name]
		switch {
		case sl.status == show.StatusStopped:
			r.stop("the show stopped")
		case !ok:
			r.stop("removed")
		case want.ConfigSeq != r.configSeq:
			r.stop("replaced by a new configuration")
			replaced[name] = r
		default:
			continue
		}
		delete(sl.runners, name)
	}
	if sl.status == show.StatusStopped || ctx.Err() != nil {
		return
	}
	for name, want := range sl.desired {
		if sl.runners[name] != nil {
			continue
		}
		if r := sl.start(ctx, want, replaced[name]); r != nil {
			sl.runners[name] = r
		}
	}
}

func (sl *showLoop) stopAll(reason string) {
	sl.mu.Lock()
	rs := sl.runners
	sl.runners = map[string]*runner{}
	sl.mu.Unlock()
	for _, r := range rs {
		r.stop(reason)
		<-r.done
	}
}

// record logs a reply's delivery, keeping what the loop knows in step.
func (sl *showLoop) record(ctx context.Context, rec any) error {
	var key, st, platform string
	switch r := rec.(type) {
	case *show.ReplySending:
		key, st, platform = r.DraftID+"\x00"+r.Connector, "sending", r.Platform
	case *show.ReplySent:
		key, st, platform = r.DraftID+"\x00"+r.Connector, "sent", r.Platform
	case *show.ReplyFailed:
		key, st, platform = r.DraftID+"\x00"+r.Connector, "failed", r.Platform
	}
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
	}
	if _, err := sl.m.rt.RecordReply(ctx, sl.id, rec); err != nil {
		return err
	}
	sl.mu.Lock()
	sl.outcome[key] = st
	sl.mu.Unlock()
	if st != "sending" {
		sl.m.m.replies.WithLabelValues(platform, st).Inc()
	}
	return nil
}

// replyWorker posts the queued replies one at a time.
func (sl *showLoop) replyWorker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-sl.jobs:
			sl.post(ctx, job)
		}
	}
}

func (sl *showLoop) post(ctx context.Context, job pubJob) {
	key := job.draft + "\x00" + job.ref.connector
	sl.mu.Lock()
	prior := sl.outcome[key]
	r := sl.runners[job.ref.connector]
	_, configured := sl.desired[job.ref.connector]
	sl.mu.Unlock()
	base := show.ReplyFailed{DraftID: job.draft, Connector: job.ref.connector, Platform: job.ref.platform, ChatSeq: job.chatSeq}
	switch {
	case prior == "sent" || prior == "failed":
		return
	case prior == "sending":
		// Logged as being posted, with no outcome: livehost stopped mid-post. The platform may
		// show it already; posting again could show it twice.
		base.Reason = "outcome unknown: livehost stopped while posting; not posted again"
		_ = sl.record(ctx, &base)
		return
	case r == nil:
		if !configured {
			return // removed: nothing to post through
		}
		base.Reason = fmt.Sprintf("connector %s is not running", job.ref.connector)
		_ = sl.record(ctx, &base)
		return
	case !r.conn.Replies():
		return
	}
	if age := time.Since(job.at); age > sl.m.opt.ReplyMaxAge {
		base.Reason = fmt.Sprintf("approved %s ago; too late to post", age.Round(time.Second))
		_ = sl.record(ctx, &base)
		return
	}
	if err := sl.record(ctx, &show.ReplySending{DraftID: job.draft, Connector: job.ref.connector, Platform: job.ref.platform, ChatSeq: job.chatSeq}); err != nil {
		return // already being posted (ErrConflict), or the log is down: never risk a second post
	}
	if err := sl.limiter(job.ref.connector, r.interval).Wait(ctx); err != nil {
		return
	}
	bo := connector.Backoff{Min: sl.m.opt.RetryMin, Max: 30 * sl.m.opt.RetryMin}
	var err error
	for attempt := 1; attempt <= sl.m.opt.ReplyAttempts; attempt++ {
		var id string
		id, err = r.conn.Reply(ctx, connector.Reply{DraftID: job.draft, Text: job.text, ParentID: job.ref.platformID, User: job.ref.user})
		if err == nil {
			_ = sl.record(ctx, &show.ReplySent{DraftID: job.draft, Connector: job.ref.connector, Platform: job.ref.platform,
				PlatformID: id, ChatSeq: job.chatSeq, Attempts: attempt})
			return
		}
		if ctx.Err() != nil {
			return // shutting down: the reply.sending stays, and is not posted again
		}
		base.Attempts = attempt
		if connector.IsPermanent(err) || attempt == sl.m.opt.ReplyAttempts {
			break
		}
		sl.m.m.replies.WithLabelValues(job.ref.platform, "retried").Inc()
		if !connector.Sleep(ctx, bo.Next()) {
			return
		}
	}
	base.Reason = err.Error()
	_ = sl.record(ctx, &base)
}

func (sl *showLoop) limiter(name string, every time.Duration) *rate.Limiter {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	l := sl.limits[name]
	if l == nil {
		l = rate.NewLimiter(rate.Every(every), 1)
		sl.limits[name] = l
	}
	return l
}
