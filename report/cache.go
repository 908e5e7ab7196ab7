package report

import (
	"context"
	"sync"
	"time"
)

// Cache keeps the latest report of each show with the log position it was folded to, so that a
// list of many shows' reports folds only the shows whose logs moved. Safe for concurrent use.
type Cache struct {
	mu  sync.Mutex
	max int
	m   map[cacheKey]*Report
}

type cacheKey struct {
	show   string
	window time.Duration
}

// NewCache keeps at most max reports (default 256); beyond that an arbitrary one is dropped.
func NewCache(max int) *Cache {
	if max <= 0 {
		max = 256
	}
	return &Cache{max: max, m: map[cacheKey]*Report{}}
}

// Get returns the report of showID as of lastSeq, folding it again when the log has moved.
// Reports returned are shared: callers must not change them.
func (c *Cache) Get(ctx context.Context, read ReadFunc, showID string, lastSeq int64, opt Options) (*Report, error) {
	k := cacheKey{showID, opt.Window}
	c.mu.Lock()
	r := c.m[k]
	c.mu.Unlock()
	if r != nil && r.Show.LastSeq == lastSeq {
		return r, nil
	}
	r, err := Build(ctx, read, showID, opt)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	if cur := c.m[k]; cur == nil || cur.Show.LastSeq <= r.Show.LastSeq {
		c.m[k] = r
	}
	return r, nil
}
