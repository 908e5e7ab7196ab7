package show

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// bus fans committed events out to the subscribers of each show, in process. The writer publishes
// each show's events in sequence order, after they are durable. Publishing never blocks: a
// subscriber whose buffer is full is dropped from the bus and catches up from the log.
type bus struct {
	mu     sync.Mutex
	last   map[string]int64 // newest published seq per show
	subs   map[string]map[*listener]struct{}
	ctx    context.Context // canceled when the store closes
	cancel context.CancelFunc
	closed bool
	wg     sync.WaitGroup // running subscriptions
	// onCommit gets what this process committed, for other processes (see remote.go).
	onCommit func(showID string, evs []Event)
	marks    map[string]int64 // CatchUp's view at its previous call
}

// listener is one registration of a subscription on the bus; a fresh one is made each time the
// subscription goes live.
type listener struct {
	live     chan Event
	overflow chan struct{} // closed by publish when live was full
}

func newBus() *bus {
	ctx, cancel := context.WithCancel(context.Background())
	return &bus{
		last:   map[string]int64{},
		subs:   map[string]map[*listener]struct{}{},
		ctx:    ctx,
		cancel: cancel,
	}
}

func (b *bus) publish(showID string, evs []Event) { b.publishFrom(showID, evs, true) }

// publishFrom fans evs out; local says this process committed them (else they came from
// another one and are not handed on again).
func (b *bus) publishFrom(showID string, evs []Event, local bool) {
	if len(evs) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !local {
		i := 0
		for i < len(evs) && evs[i].Seq <= b.last[showID] {
			i++
		}
		if evs = evs[i:]; len(evs) == 0 {
			return
		}
	}
	if last := evs[len(evs)-1].Seq; last > b.last[showID] {
		b.last[showID] = last
	}
	if local && b.onCommit != nil {
		b.onCommit(showID, evs)
	}
	for l := range b.subs[showID] {
		if !l.offer(evs) {
			delete(b.subs[showID], l)
			close(l.overflow)
		}
	}
}

// offer queues evs without waiting; false when the buffer filled up.
func (l *listener) offer(evs []Event) bool {
	for _, ev := range evs {
		select {
		case l.live <- ev:
		default:
			return false
		}
	}
	return true
}

// register puts a new listener on the bus if nothing after cursor has been published yet; when
// something has, ok is false and the caller reads the log again first. This check under the lock
// is what makes the switch from the log to live events gap-free.
func (b *bus) register(showID string, cursor int64, buffer int) (l *listener, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last[showID] > cursor {
		return nil, false
	}
	l = &listener{live: make(chan Event, buffer), overflow: make(chan struct{})}
	m := b.subs[showID]
	if m == nil {
		m = map[*listener]struct{}{}
		b.subs[showID] = m
	}
	m[l] = struct{}{}
	return l, true
}

func (b *bus) unregister(showID string, l *listener) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if m := b.subs[showID]; m != nil {
		delete(m, l)
		if len(m) == 0 {
			delete(b.subs, showID)
		}
	}
}

// start counts a subscription goroutine; false once the bus is closed.
func (b *bus) start() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	return true
}

// closeAll ends every subscription and waits for their goroutines.
func (b *bus) closeAll() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		b.cancel()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// Subscription delivers a show's events with seq > after, in order, without gaps or duplicates:
// first from the log, then live from the bus.
//
// Slow subscribers: live events wait in a buffer of the size given to Subscribe. Append never
// waits for a subscriber; when the buffer overflows, the subscription leaves the bus, sends a
// stream.resync marker (Seq 0, payload StreamResync{After: last seq delivered}) and then reads on
// from the log until it has caught up and goes live again. So nothing is lost; the marker only
// says the stream fell behind (a page may show it). Events always resume at After+1.
type Subscription struct {
	showID string
	out    chan Event
	cancel context.CancelFunc
	done   chan struct{}

	mu  sync.Mutex
	err error
}

// DefaultBuffer is the live buffer of a subscription when Subscribe is given 0.
const DefaultBuffer = 1024

// Subscribe starts delivering the events of a show with seq > after. It ends when ctx ends,
// Close is called, the store closes, or reading the log fails (see Err); then C is closed.
func (s *Store) Subscribe(ctx context.Context, showID string, after int64, buffer int) (*Subscription, error) {
	if _, err := s.GetShow(ctx, showID); err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	if after < 0 {
		return nil, fmt.Errorf("subscribe to show %s: negative after %d", showID, after)
	}
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	if !s.bus.start() {
		return nil, fmt.Errorf("subscribe to show %s: %w", showID, ErrClosed)
	}
	ctx, cancel := context.WithCancel(ctx)
	sub := &Subscription{showID: showID, out: make(chan Event), cancel: cancel, done: make(chan struct{})}
	s.metrics.subscribers.Inc()
	go func() {
		defer s.bus.wg.Done()
		defer s.metrics.subscribers.Dec()
		defer close(sub.done)
		defer close(sub.out)
		stop := context.AfterFunc(s.bus.ctx, cancel) // the store closing ends the subscription
		defer stop()
		if err := sub.run(ctx, s, after, buffer); err != nil {
			sub.mu.Lock()
			sub.err = err
			sub.mu.Unlock()
		}
		cancel()
	}()
	return sub, nil
}

// C delivers the events; it is closed when the subscription ends.
func (sub *Subscription) C() <-chan Event { return sub.out }

// Close ends the subscription and waits until its goroutine has stopped.
func (sub *Subscription) Close() {
	sub.cancel()
	<-sub.done
}

// Done is closed when the subscription has ended.
func (sub *Subscription) Done() <-chan struct{} { return sub.done }

// Err says why the subscription ended early (a log read failed); nil after Close or ctx's end.
func (sub *Subscription) Err() error {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.err
}

func (sub *Subscription) send(ctx context.Context, ev Event) bool {
	select {
	case sub.out <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

func (sub *Subscription) run(ctx context.Context, s *Store, cursor int64, buffer int) error {
	for {
		// Catch up from the log.
		for {
			evs, err := s.Read(ctx, sub.showID, cursor, ReadLimit)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("subscription to show %s: %w", sub.showID, err)
			}
			for _, ev := range evs {
				if !sub.send(ctx, ev) {
					return nil
				}
				cursor = ev.Seq
			}
			if len(evs) < ReadLimit {
				break
			}
		}
		l, ok := s.bus.register(sub.showID, cursor, buffer)
		if !ok {
			continue // something was published after our read: read again
		}
		// Live.
		resync := false
		for !resync {
			select {
			case ev := <-l.live:
				if ev.Seq <= cursor {
					continue // already delivered from the log
				}
				if ev.Seq != cursor+1 {
					// Cannot happen with one writer per store; if it does, the log fills the gap.
					s.bus.unregister(sub.showID, l)
					resync = true
					continue
				}
				if !sub.send(ctx, ev) {
					s.bus.unregister(sub.showID, l)
					return nil
				}
				cursor = ev.Seq
			case <-l.overflow:
				s.metrics.resyncs.Inc()
				data, _ := json.Marshal(StreamResync{After: cursor, Reason: "subscriber fell behind; resuming from the log"})
				marker := Event{Show: sub.showID, Type: TypeStreamResync, At: time.Now().UTC().Truncate(time.Microsecond), V: 1, Data: data}
				if !sub.send(ctx, marker) {
					return nil
				}
				resync = true
			case <-ctx.Done():
				s.bus.unregister(sub.showID, l)
				return nil
			}
		}
	}
}
