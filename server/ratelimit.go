package server

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ingestLimiter is a token bucket per ingest token, counted in chat messages (a batch of 100 costs
// 100), so batching does not get around the limit.
type ingestLimiter struct {
	rate  rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newIngestLimiter(perSecond float64, burst int) *ingestLimiter {
	if burst < 1 {
		burst = 1
	}
	return &ingestLimiter{rate: rate.Limit(perSecond), burst: burst, buckets: map[string]*rate.Limiter{}}
}

// take reserves n messages for key. It returns 0 when allowed, or how long to wait before retrying.
// A batch larger than the burst can never pass and is reported with ok=false.
func (l *ingestLimiter) take(key string, n int, now time.Time) (wait time.Duration, ok bool) {
	if l == nil || l.rate <= 0 {
		return 0, true
	}
	if n > l.burst {
		return 0, false
	}
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil {
		b = rate.NewLimiter(l.rate, l.burst)
		l.buckets[key] = b
	}
	l.mu.Unlock()
	r := b.ReserveN(now, n)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, true
	}
	return 0, true
}

// retryAfterSeconds rounds a wait up to whole seconds, as Retry-After wants.
func retryAfterSeconds(d time.Duration) int {
	return int(math.Max(1, math.Ceil(d.Seconds())))
}
