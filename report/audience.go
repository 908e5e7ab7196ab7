package report

import (
	"math"
	"time"

	"github.com/livehost/livehost/show"
)

// audience folds connector.viewers. A connector's count holds until its next one (it is logged
// only when it changed), or until the connector stops or is removed, or the show stops. The
// show's audience at a moment is the sum of the counts its connectors hold then: YouTube's and
// another platform's, sampled seconds apart, add up as one audience. The peak is the most that
// sum reached; a segment's average weighs each sum by how long it held while the segment was on
// air, over the time some count was known.
type audience struct {
	by     map[string]int // connector → its count
	total  int
	since  time.Time // up to when the total was added to the segment on air
	peak   int
	peakAt time.Time
	seen   bool
	// changes are the totals in time order (known false: no connector held a count), so that each
	// minute of the report gets the count held into it, not only the ones a sample fell in.
	changes []audChange
}

type audChange struct {
	at    time.Time
	total int
	known bool
}

// segAudience is a segment's share of the audience.
type segAudience struct {
	sum   float64 // viewers × seconds
	known float64 // seconds with a count
	peak  int
	seen  bool
}

// flushAudience adds the total held since the last change to the segment on air.
func (f *folder) flushAudience(at time.Time) {
	a := &f.aud
	if !at.After(a.since) {
		return
	}
	if s := f.seg(f.cur); s != nil && len(a.by) > 0 {
		dt := at.Sub(a.since).Seconds()
		s.aud.sum += float64(a.total) * dt
		s.aud.known += dt
	}
	a.since = at
}

// noteAudience records the total at a moment: the show's peak, the segment's, the minute's.
func (f *folder) noteAudience(at time.Time) {
	a := &f.aud
	if len(a.by) == 0 {
		return
	}
	if !a.seen || a.total > a.peak {
		a.peak, a.peakAt, a.seen = a.total, at, true
	}
	if s := f.seg(f.cur); s != nil && (!s.aud.seen || a.total > s.aud.peak) {
		s.aud.peak, s.aud.seen = a.total, true
	}
	if m := f.minute(at); m.Viewers == nil || *m.Viewers < a.total {
		v := a.total
		m.Viewers = &v
	}
}

func (f *folder) setViewers(ev *show.Event) {
	var p show.ConnectorViewers
	if ev.Decode(&p) != nil || p.Viewers < 0 {
		return
	}
	f.flushAudience(ev.At)
	a := &f.aud
	a.total += p.Viewers - a.by[p.Name]
	a.by[p.Name] = p.Viewers
	a.changes = append(a.changes, audChange{ev.At, a.total, true})
	f.noteAudience(ev.At)
}

// dropViewers ends a connector's count (name "" ends them all: the show stopped).
func (f *folder) dropViewers(name string, at time.Time) {
	f.flushAudience(at)
	a := &f.aud
	if name == "" {
		clear(a.by)
		a.total = 0
	} else {
		a.total -= a.by[name]
		delete(a.by, name)
	}
	a.changes = append(a.changes, audChange{at, a.total, len(a.by) > 0})
}

// heldViewers gives each minute (in time order) the count held into it where no sample in the
// minute said more: a count is logged only when it changes.
func (a *audience) heldViewers(minutes []Minute) {
	held, known, ci := 0, false, 0
	for i := range minutes {
		for ci < len(a.changes) && !a.changes[ci].at.After(minutes[i].At) {
			held, known = a.changes[ci].total, a.changes[ci].known
			ci++
		}
		if known && (minutes[i].Viewers == nil || *minutes[i].Viewers < held) {
			v := held
			minutes[i].Viewers = &v
		}
	}
}

// viewerFigures are a segment's average (to 0.1) and peak, nil when no count was known on air.
func (s *segAcc) viewerFigures() (*float64, *int) {
	if !s.aud.seen {
		return nil, nil
	}
	peak := s.aud.peak
	avg := float64(peak) // a count that held for no time at all
	if s.aud.known > 0 {
		avg = math.Round(s.aud.sum/s.aud.known*10) / 10
	}
	return &avg, &peak
}
