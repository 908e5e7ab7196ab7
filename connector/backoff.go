package connector

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is an exponential backoff with jitter, for retries against a platform.
type Backoff struct {
	Min, Max time.Duration
	n        int
}

// Next is the wait before the next retry: Min, doubling up to Max, each with ±20% jitter so that
// many connectors do not retry in step.
func (b *Backoff) Next() time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = time.Second
	}
	if hi < lo {
		hi = lo
	}
	d := lo << min(b.n, 30)
	if d <= 0 || d > hi {
		d = hi
	}
	b.n++
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// Reset starts over from Min after a success.
func (b *Backoff) Reset() { b.n = 0 }

// Sleep waits d or until ctx ends; it reports whether the whole wait passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
