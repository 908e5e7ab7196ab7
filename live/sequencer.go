package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livehost/livehost/show"
)

// build makes the events of one append once their first sequence number is known, so that an
// event can point at another in the same append (chat.verdict → its chat.received), and checks
// them against the show's state under the show's lock (a draft approved twice fails here).
type build func(v *State, next int64) ([]show.NewEvent, error)

type appendReq struct {
	build build
	out   []show.Event
	err   error
	done  chan struct{}
}

// liveShow is one running show: its folded state and the goroutine that appends to its log. The
// runtime is the only writer of its shows, so next = LastSeq+1 is known; the appender
// still coalesces concurrent requests into one Append (one fsync) to keep ingest fast.
type liveShow struct {
	id   string
	reqs chan *appendReq
	// stopped is closed when the appender has returned; a request it never took is then failed
	// by its sender, since a send can win the race against quit after the last drain.
	stopped chan struct{}

	mu sync.Mutex // guards st, follow
	st *State

	// With several nodes: owned says this node writes the show (see ownership.go); while it
	// does not, follow folds the log into st.
	owned      atomic.Bool
	follow     context.CancelFunc
	followDone chan struct{}

	enc encCache // encoded events for the subscribers

	hubMu sync.Mutex
	hub   *hub
}

const maxCoalesce = 256

// maxEventsPerRequest bounds one request's events (a chat batch makes at most 3 per message) so
// that any request fits in one Append.
const maxEventsPerRequest = 3 * 1000

// appendEvents runs b on the show's appender and returns the events it appended.
func (rt *Runtime) appendEvents(ctx context.Context, ls *liveShow, b build) ([]show.Event, error) {
	r := &appendReq{build: b, done: make(chan struct{})}
	select {
	case ls.reqs <- r:
	case <-rt.quit:
		return nil, errClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once handed over, the append completes even if the caller goes away: a 202 must not depend
	// on the client staying connected.
	select {
	case <-r.done:
	case <-ls.stopped:
		// The appender finishes every request it takes before it returns, so one still not done
		// was never taken.
		select {
		case <-r.done:
		default:
			return nil, errClosed
		}
	}
	return r.out, r.err
}

func (rt *Runtime) appender(ls *liveShow) {
	defer rt.wg.Done()
	defer close(ls.stopped)
	batch := make([]*appendReq, 0, maxCoalesce)
	for {
		batch = batch[:0]
		select {
		case r := <-ls.reqs:
			batch = append(batch, r)
		case <-rt.quit:
			rt.failQueued(ls)
			return
		}
	drain:
		for len(batch) < maxCoalesce {
			select {
			case r := <-ls.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		rt.commitBatch(ls, batch)
	}
}

func (rt *Runtime) failQueued(ls *liveShow) {
	for {
		select {
		case r := <-ls.reqs:
			r.err = errClosed
			close(r.done)
		default:
			return
		}
	}
}

func (rt *Runtime) commitBatch(ls *liveShow, batch []*appendReq) {
	for len(batch) > 0 {
		n := rt.commitSome(ls, batch)
		batch = batch[n:]
	}
}

// commitSome builds and appends requests from the front of batch as long as they fit in one
// Append, and returns how many it took.
func (rt *Runtime) commitSome(ls *liveShow, batch []*appendReq) int {
	ls.mu.Lock()
	next := ls.st.LastSeq + 1
	// The runtime stamps the time so the provisional fold below and the log agree exactly.
	now := time.Now().UTC().Truncate(time.Microsecond)
	var all []show.NewEvent
	type span struct {
		r        *appendReq
		from, to int
	}
	var spans []span
	taken := 0
	for _, r := range batch {
		if len(all) > 0 && len(all)+maxEventsPerRequest > show.MaxAppend {
			break // the rest goes in the next append
		}
		taken++
		if rt.opt.Clustered && !ls.owned.Load() {
			r.err = notOwner(ls.id)
			close(r.done)
			continue
		}
		evs, err := r.build(ls.st, next+int64(len(all)))
		if err == nil && len(evs) > maxEventsPerRequest {
			err = invalidf("too many events in one request (%d)", len(evs))
		}
		if err != nil {
			r.err = err
			close(r.done)
			continue
		}
		for i := range evs {
			if evs[i].At.IsZero() {
				evs[i].At = now
			}
		}
		spans = append(spans, span{r, len(all), len(all) + len(evs)})
		all = append(all, evs...)
		// A later build in this batch must see the effect of this one (two approvals of one
		// draft in the same batch): fold a provisional copy forward.
		for i, ne := range evs {
			ls.st.Apply(show.Event{Seq: next + int64(spans[len(spans)-1].from+i), Show: ls.id, Type: ne.Type, At: ne.At, V: ne.V, Data: ne.Data})
		}
	}
	ls.mu.Unlock()
	if len(spans) == 0 {
		return taken
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	out, err := rt.store.Append(ctx, ls.id, all...)
	cancel()
	if err == nil && len(out) > 0 && out[0].Seq != next {
		err = fmt.Errorf("append to show %s: log gave seq %d, expected %d (another writer?)", ls.id, out[0].Seq, next)
	}
	if err != nil {
		ls.mu.Lock()
		// Roll the provisional fold back by rebuilding from the log.
		if rerr := rt.reload(ls); rerr != nil {
			rt.log.Error("rebuild show state after a failed append", "show", ls.id, "err", rerr)
		}
		ls.mu.Unlock()
	}
	if errors.Is(err, show.ErrFenced) {
		// Another node claimed the show: this node lost its lease and must stop writing at once.
		if ls.owned.Swap(false) {
			rt.m.owned.Dec()
		}
		rt.log.Error("append refused: another node claimed the show", "show", ls.id)
	}
	for _, sp := range spans {
		switch {
		case errors.Is(err, show.ErrFenced):
			sp.r.err = notOwner(ls.id)
		case err != nil:
			sp.r.err = unavailable("event log", "appending to show "+ls.id, err)
		default:
			sp.r.out = out[sp.from:sp.to]
		}
		close(sp.r.done)
	}
	return taken
}

// reload rebuilds a show's state from its log.
func (rt *Runtime) reload(ls *liveShow) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sh, err := rt.store.GetShow(ctx, ls.id)
	if err != nil {
		return err
	}
	v := NewState(sh, rt.qcfg)
	v.Show.LastSeq = 0
	v.drafts.replaying = true
	defer func() { v.drafts.replaying = false }()
	var after int64
	for {
		evs, err := rt.store.Read(ctx, ls.id, after, show.ReadLimit)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			v.Apply(ev)
			after = ev.Seq
		}
		if len(evs) < show.ReadLimit {
			break
		}
	}
	v.drafts.forget(rt.opt.KeepDecidedDrafts)
	ls.st = v
	return nil
}

// event makes a NewEvent from one of show's payload structs. The log checks and compacts the
// payload when it appends, so this does not do it a second time (show.Encode would).
func event(typ string, payload any) show.NewEvent {
	data, err := json.Marshal(payload)
	if err != nil {
		// The payloads are plain structs of strings and numbers: this cannot fail.
		panic(fmt.Sprintf("encode %s: %v", typ, err))
	}
	return show.NewEvent{Type: typ, Data: data}
}
