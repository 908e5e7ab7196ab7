package show

import (
	"context"
	"fmt"
)

// Several processes may share one PostgreSQL log: one of them appends to a show (its owner) and
// the others deliver its events to their own subscribers. What carries the events between
// processes (package cluster) plugs in here: OnCommit hands each committed batch to it, Deliver
// takes a batch another process committed, and CatchUp reads from the log whatever the carrier
// lost. The log stays the truth; a lost or repeated message only costs a read.

// OnCommit sets a function called with every batch of events this store commits, in each
// show's sequence order, after local subscribers have them. It must not block. Set it before
// the first append.
func (s *Store) OnCommit(f func(showID string, evs []Event)) {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.bus.onCommit = f
}

// Deliver hands local subscribers events that another process appended. Events this store has
// already delivered are skipped; a gap (a lost batch) is filled from the log by each subscriber.
func (s *Store) Deliver(showID string, evs []Event) {
	s.bus.deliver(showID, evs)
}

// CatchUp delivers, from the log, the events of every show with local subscribers that were
// appended elsewhere and have not arrived: the carrier between processes was down or lost them.
//
// Call it periodically. A show whose events keep arriving is left alone: only one that has not
// moved since the previous call is compared with the log, so a busy bus costs no reads.
func (s *Store) CatchUp(ctx context.Context) error {
	followed := s.bus.followed()
	s.bus.mu.Lock()
	prev := s.bus.marks
	s.bus.marks = followed
	s.bus.mu.Unlock()
	for showID, last := range followed {
		if p, ok := prev[showID]; !ok || p != last {
			continue
		}
		sh, err := s.GetShow(ctx, showID)
		if err != nil {
			return fmt.Errorf("catch up show %s: %w", showID, err)
		}
		for last < sh.LastSeq {
			evs, err := s.Read(ctx, showID, last, ReadLimit)
			if err != nil {
				return fmt.Errorf("catch up show %s: %w", showID, err)
			}
			if len(evs) == 0 {
				break
			}
			s.metrics.caughtUp.Add(float64(len(evs)))
			s.bus.deliver(showID, evs)
			last = evs[len(evs)-1].Seq
		}
	}
	return nil
}

// deliver publishes events from elsewhere that are newer than what this bus published.
func (b *bus) deliver(showID string, evs []Event) { b.publishFrom(showID, evs, false) }

// followed is the shows with local subscribers and the newest seq published to them.
func (b *bus) followed() map[string]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int64, len(b.subs))
	for id, m := range b.subs {
		if len(m) > 0 {
			out[id] = b.last[id]
		}
	}
	return out
}
