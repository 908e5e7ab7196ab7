package avatar

import (
	"sync"
	"time"
)

// Clock is the runner's time: how long a sentence lasts when no page reports its playback, when
// a segment ends, when a question is stale.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// FastClock is virtual time for compressed runs: After moves the time forward by d at once and
// fires after d/speed of real time (at once when speed is 0), so a day of talk passes as fast as
// the runner can write and log it, while the rest of the show (the answer agent) keeps up.
type FastClock struct {
	mu    sync.Mutex
	now   time.Time
	speed float64
}

// NewFastClock starts virtual time at start, running at most speed times as fast as real time
// (0: as fast as it is asked to).
func NewFastClock(start time.Time, speed float64) *FastClock {
	return &FastClock{now: start, speed: speed}
}

func (c *FastClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *FastClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	t, speed := c.now, c.speed
	c.mu.Unlock()
	if speed > 0 {
		return time.After(time.Duration(float64(d) / speed))
	}
	ch := make(chan time.Time, 1)
	ch <- t
	return ch
}
