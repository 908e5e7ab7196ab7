package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/livehost/livehost/show"
)

// build makes the events of one append once their first sequence number is known, so that an
// event can point at another in the same append (chat.verdict → its chat.received), and checks
// them against the show's state under the show's lock (a draft approved twice fails here).
type build func(v *view, next int64) ([]show.NewEvent, error)

type appendReq struct {
	build build
	out   []show.Event
	err   error
	done  chan struct{}
}

// showRuntime is one show in the server: its folded state and the goroutine that appends to its
// log. The server is the only writer of its shows, so next = LastSeq+1 is known; the appender
// still coalesces concurrent requests into one Append (one fsync) to keep ingest fast.
type showRuntime struct {
	id   string
	reqs chan *appendReq
	// stopped is closed when the appender has returned; a request it never took is then failed
	// by its sender, since a send can win the race against quit after the last drain.
	stopped chan struct{}

	mu sync.Mutex // guards v
	v  *view

	enc encCache // encoded events for the streams

	hubOnce sync.Once
	hub     *hub
	hubErr  error
}

const maxCoalesce = 256

// maxEventsPerRequest bounds one request's events (a chat batch makes at most 3 per message) so
// that any request fits in one Append.
const maxEventsPerRequest = 3 * 1000

// appendEvents runs b on the show's appender and returns the events it appended.
func (s *Server) appendEvents(ctx context.Context, rt *showRuntime, b build) ([]show.Event, error) {
	r := &appendReq{build: b, done: make(chan struct{})}
	select {
	case rt.reqs <- r:
	case <-s.quit:
		return nil, errServerClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once handed over, the append completes even if the caller goes away: a 202 must not depend
	// on the client staying connected.
	select {
	case <-r.done:
	case <-rt.stopped:
		// The appender finishes every request it takes before it returns, so one still not done
		// was never taken.
		select {
		case <-r.done:
		default:
			return nil, errServerClosed
		}
	}
	return r.out, r.err
}

var errServerClosed = errors.New("server is shutting down")

// errConflict and errNotFound come back from builds and map to 409 and 404.
type stateError struct {
	code int
	msg  string
}

func (e *stateError) Error() string { return e.msg }

func conflictf(format string, args ...any) error {
	return &stateError{409, fmt.Sprintf(format, args...)}
}
func notFoundf(format string, args ...any) error {
	return &stateError{404, fmt.Sprintf(format, args...)}
}

func (s *Server) appender(rt *showRuntime) {
	defer s.wg.Done()
	defer close(rt.stopped)
	batch := make([]*appendReq, 0, maxCoalesce)
	for {
		batch = batch[:0]
		select {
		case r := <-rt.reqs:
			batch = append(batch, r)
		case <-s.quit:
			s.failQueued(rt)
			return
		}
	drain:
		for len(batch) < maxCoalesce {
			select {
			case r := <-rt.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commitBatch(rt, batch)
	}
}

func (s *Server) failQueued(rt *showRuntime) {
	for {
		select {
		case r := <-rt.reqs:
			r.err = errServerClosed
			close(r.done)
		default:
			return
		}
	}
}

func (s *Server) commitBatch(rt *showRuntime, batch []*appendReq) {
	for len(batch) > 0 {
		n := s.commitSome(rt, batch)
		batch = batch[n:]
	}
}

// commitSome builds and appends requests from the front of batch as long as they fit in one
// Append, and returns how many it took.
func (s *Server) commitSome(rt *showRuntime, batch []*appendReq) int {
	rt.mu.Lock()
	next := rt.v.LastSeq + 1
	// The server stamps the time so the provisional fold below and the log agree exactly.
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
		evs, err := r.build(rt.v, next+int64(len(all)))
		if err == nil && len(evs) > maxEventsPerRequest {
			err = fmt.Errorf("too many events in one request (%d)", len(evs))
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
			rt.v.apply(show.Event{Seq: next + int64(spans[len(spans)-1].from+i), Show: rt.id, Type: ne.Type, At: ne.At, V: ne.V, Data: ne.Data})
		}
	}
	rt.mu.Unlock()
	if len(spans) == 0 {
		return taken
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	out, err := s.store.Append(ctx, rt.id, all...)
	cancel()
	if err == nil && len(out) > 0 && out[0].Seq != next {
		err = fmt.Errorf("append to show %s: log gave seq %d, expected %d (another writer?)", rt.id, out[0].Seq, next)
	}
	if err != nil {
		rt.mu.Lock()
		// Roll the provisional fold back by rebuilding from the log.
		if rerr := s.reload(rt); rerr != nil {
			s.log.Error("rebuild show state after a failed append", "show", rt.id, "err", rerr)
		}
		rt.mu.Unlock()
	}
	for _, sp := range spans {
		if err != nil {
			sp.r.err = err
		} else {
			sp.r.out = out[sp.from:sp.to]
		}
		close(sp.r.done)
	}
	return taken
}

// reload rebuilds a show's view from its log.
func (s *Server) reload(rt *showRuntime) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sh, err := s.store.GetShow(ctx, rt.id)
	if err != nil {
		return err
	}
	v := newView(sh, s.qcfg)
	v.Show.LastSeq = 0
	v.drafts.replaying = true
	defer func() { v.drafts.replaying = false }()
	var after int64
	for {
		evs, err := s.store.Read(ctx, rt.id, after, show.ReadLimit)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			v.apply(ev)
			after = ev.Seq
		}
		if len(evs) < show.ReadLimit {
			break
		}
	}
	rt.v = v
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
