package live

// dedupKey is a platform message's identity in a show.
type dedupKey struct{ platform, id string }

// maxSeen bounds the platform message ids a show remembers. Platforms redeliver recent messages
// (YouTube's first page after a reconnect, EventSub's at-least-once delivery, a bridge's retries),
// not week-old ones; the state is folded from the whole log on start, so the window survives a
// restart with the same contents.
const maxSeen = 100_000

// idWindow is the (platform, id) of a show's most recent chat messages, with their seq.
type idWindow struct {
	seq  map[dedupKey]int64
	ring []dedupKey // insertion order; the oldest is evicted at maxSeen
	head int
}

func newIDWindow() *idWindow { return &idWindow{seq: map[dedupKey]int64{}} }

func (w *idWindow) has(platform, id string) (int64, bool) {
	if id == "" {
		return 0, false
	}
	seq, ok := w.seq[dedupKey{platform, id}]
	return seq, ok
}

func (w *idWindow) add(platform, id string, seq int64) {
	if id == "" {
		return
	}
	k := dedupKey{platform, id}
	if _, ok := w.seq[k]; ok {
		return
	}
	w.seq[k] = seq
	if len(w.ring) < maxSeen {
		w.ring = append(w.ring, k)
		return
	}
	delete(w.seq, w.ring[w.head])
	w.ring[w.head] = k
	w.head = (w.head + 1) % maxSeen
}
