package live

import (
	"sync"

	"github.com/livehost/livehost/show"
)

// encCache keeps the JSON of a show's recent events so that twenty subscribers cost one encoding,
// not twenty. A ring indexed by seq: old entries are simply overwritten.
type encCache struct {
	mu   sync.Mutex
	ring [encCacheSize]encEntry
}

const encCacheSize = 1 << 14

type encEntry struct {
	seq  int64
	data []byte
}

func (c *encCache) encode(ev show.Event) ([]byte, error) {
	if ev.Seq <= 0 { // markers are not events of the log
		return ev.MarshalJSON()
	}
	i := ev.Seq % encCacheSize
	c.mu.Lock()
	if e := c.ring[i]; e.seq == ev.Seq && e.data != nil {
		c.mu.Unlock()
		return e.data, nil
	}
	c.mu.Unlock()
	// MarshalJSON directly: json.Marshal would validate and compact its output all over again.
	data, err := ev.MarshalJSON()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.ring[i] = encEntry{ev.Seq, data}
	c.mu.Unlock()
	return data, nil
}
