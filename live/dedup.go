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

// seqWindow is a set of the most recent sequence numbers added, at most max of them.
type seqWindow struct {
	set  map[int64]struct{}
	ring []int64
	head int
	max  int
}

func newSeqWindow(max int) *seqWindow { return &seqWindow{set: map[int64]struct{}{}, max: max} }

func (w *seqWindow) has(seq int64) bool { _, ok := w.set[seq]; return ok }

func (w *seqWindow) add(seq int64) {
	if _, ok := w.set[seq]; ok {
		return
	}
	w.set[seq] = struct{}{}
	if len(w.ring) < w.max {
		w.ring = append(w.ring, seq)
		return
	}
	delete(w.set, w.ring[w.head])
	w.ring[w.head] = seq
	w.head = (w.head + 1) % w.max
}
