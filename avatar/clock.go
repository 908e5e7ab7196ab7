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

// FastClock is virtual time for compressed runs: After moves the time forward by d at once, so a
// day of talk passes as fast as the runner can write and log it.
type FastClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFastClock starts virtual time at start.
func NewFastClock(start time.Time) *FastClock { return &FastClock{now: start} }

func (c *FastClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *FastClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	t := c.now
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- t
	return ch
}
