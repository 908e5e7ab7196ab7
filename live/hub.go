package live

import (
	"context"
	"runtime"
	"sync"

	"github.com/livehost/livehost/show"
)

// hub fans one show's live events out to its subscribers. It holds a single subscription to
// the log per show and appends each batch of events to every client's buffer under one lock, so
// twenty clients cost twenty slice appends per batch instead of twenty goroutine hand-offs per
// event. A client whose buffer passes the limit is dropped from the hub and catches up from the log
// (stream.resync), so a slow client never slows the others or ingest.
type hub struct {
	mu      sync.Mutex
	last    int64 // newest seq fanned out
	clients map[*hubClient]struct{}
}

type hubClient struct {
	mu       sync.Mutex
	pending  []show.Event
	overflow bool
	wake     chan struct{} // capacity 1: "pending changed"
}

// hubFor returns the show's hub, starting it on first use. A failure to start is returned and
// tried again by the next caller.
func (rt *Runtime) hubFor(ls *liveShow) (*hub, error) {
	ls.hubMu.Lock()
	defer ls.hubMu.Unlock()
	if ls.hub != nil {
		return ls.hub, nil
	}
	// Start from what is durable: the state may already hold events still being appended.
	from, err := rt.store.LastSeq(rt.qctx, ls.id)
	if err != nil {
		return nil, unavailable("event log", "subscribing to show "+ls.id, err)
	}
	sub, err := rt.store.Subscribe(rt.qctx, ls.id, from, 1<<16)
	if err != nil {
		return nil, unavailable("event log", "subscribing to show "+ls.id, err)
	}
	h := &hub{last: from, clients: map[*hubClient]struct{}{}}
	ls.hub = h
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		defer sub.Close()
		h.run(sub, rt.opt.SubscriptionBuffer)
	}()
	return h, nil
}

func (h *hub) run(sub *show.Subscription, limit int) {
	batch := make([]show.Event, 0, 512)
	for ev := range sub.C() {
		batch = append(batch[:0], ev)
	drain:
		for len(batch) < cap(batch) {
			select {
			case ev, ok := <-sub.C():
				if !ok {
					break drain
				}
				batch = append(batch, ev)
				continue
			default:
			}
			runtime.Gosched() // the subscription hands over one event at a time
			select {
			case ev, ok := <-sub.C():
				if !ok {
					break drain
				}
				batch = append(batch, ev)
			default:
				break drain
			}
		}
		h.publish(batch, limit)
	}
}

func (h *hub) publish(evs []show.Event, limit int) {
	// The log's own resync markers mean the hub fell behind; the events after them still come in
	// order, so clients need not know.
	live := evs[:0:0]
	for _, ev := range evs {
		if ev.Seq > 0 {
			live = append(live, ev)
		}
	}
	if len(live) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = live[len(live)-1].Seq
	for c := range h.clients {
		c.mu.Lock()
		if len(c.pending)+len(live) > limit {
			c.pending, c.overflow = nil, true
			delete(h.clients, c)
		} else {
			c.pending = append(c.pending, live...)
		}
		c.mu.Unlock()
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// join registers a client; every event after the returned seq will be in its pending list.
func (h *hub) join(c *hubClient) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.mu.Lock()
	c.pending, c.overflow = c.pending[:0], false
	c.mu.Unlock()
	h.clients[c] = struct{}{}
	return h.last
}

func (h *hub) leave(c *hubClient) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// take returns the client's pending events (and whether it overflowed), waiting for some.
func (c *hubClient) take(ctx context.Context, closing <-chan struct{}, into []show.Event) ([]show.Event, bool, error) {
	for {
		c.mu.Lock()
		if c.overflow || len(c.pending) > 0 {
			into = append(into[:0], c.pending...)
			c.pending = c.pending[:0]
			of := c.overflow
			c.mu.Unlock()
			return into, of, nil
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-closing:
			return nil, false, errClosed
		}
	}
}
