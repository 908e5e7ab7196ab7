package live

import (
	"context"
	"fmt"
	"time"

	"github.com/livehost/livehost/show"
)

// Subscription is a show's events after a sequence number: first from the log, then live, in
// order, each once. A subscriber that falls behind its buffer gets a stream.resync marker (Seq 0)
// and then the events it missed, from the log, so a slow subscriber never slows ingest or the
// others.
type Subscription struct {
	rt     *Runtime
	ls     *liveShow
	h      *hub
	client *hubClient
	cursor int64 // the last seq handed out
	upTo   int64 // read the log up to here before taking live events
	rejoin bool
	stash  []show.Event // live events held back while the log catches up to them
	buf    []show.Event
}

// Subscribe follows a show's events after seq after. Close the subscription when done.
func (rt *Runtime) Subscribe(ctx context.Context, showID string, after int64) (*Subscription, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return nil, err
	}
	h, err := rt.hubFor(ls)
	if err != nil {
		return nil, err
	}
	return &Subscription{rt: rt, ls: ls, h: h, client: &hubClient{wake: make(chan struct{}, 1)}, cursor: after, rejoin: true}, nil
}

// Next waits for the next events and returns them in order, several at once when they queued up.
// The slice is valid until the next call. It returns ctx's error when ctx ends, ErrClosed when
// the runtime closes, and an ErrUnavailable error when the log cannot be read.
func (s *Subscription) Next(ctx context.Context) ([]show.Event, error) {
	for {
		if s.rejoin {
			// Join the hub first, then read the log up to where the hub is: nothing falls between.
			s.upTo = s.h.join(s.client)
			s.rejoin = false
		}
		if s.cursor < s.upTo {
			page, err := s.rt.store.Read(ctx, s.ls.id, s.cursor, show.ReadLimit)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, unavailable("event log", "reading show "+s.ls.id, err)
			}
			if len(page) > 0 {
				s.cursor = page[len(page)-1].Seq
				return page, nil
			}
			s.upTo = s.cursor
		}
		if len(s.stash) > 0 {
			fresh := s.fresh(s.stash)
			s.stash = nil
			if len(fresh) > 0 {
				return fresh, nil
			}
			continue
		}
		evs, overflow, err := s.client.take(ctx, s.rt.quit, s.buf)
		if err != nil {
			return nil, err
		}
		s.buf = evs
		if overflow {
			s.rt.m.resyncs.Inc()
			s.rejoin = true
			return []show.Event{{Show: s.ls.id, Type: show.TypeStreamResync, At: time.Now().UTC(), V: 1,
				Data: fmt.Appendf(nil, `{"after":%d,"reason":"subscriber fell behind; resuming from the log"}`, s.cursor)}}, nil
		}
		if len(evs) > 0 && evs[0].Seq > s.cursor+1 {
			// Events the hub had fanned out before we joined: they are in the log.
			s.upTo = evs[0].Seq - 1
			s.stash = append([]show.Event(nil), evs...)
			continue
		}
		if fresh := s.fresh(evs); len(fresh) > 0 {
			return fresh, nil
		}
	}
}

// fresh keeps the events after the cursor and moves the cursor past them.
func (s *Subscription) fresh(evs []show.Event) []show.Event {
	out := evs[:0]
	for _, ev := range evs {
		if ev.Seq > s.cursor {
			out = append(out, ev)
		}
	}
	if len(out) > 0 {
		s.cursor = out[len(out)-1].Seq
	}
	return out
}

// Close leaves the show's hub.
func (s *Subscription) Close() { s.h.leave(s.client) }

// Encode returns an event's JSON, cached per show so that twenty subscribers cost one encoding.
func (s *Subscription) Encode(ev show.Event) ([]byte, error) { return s.ls.enc.encode(ev) }
