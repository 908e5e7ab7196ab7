package media

import "github.com/pion/rtp"

// Jitter puts RTP packets back in sequence order. It holds out-of-order packets until the missing
// one arrives or Depth packets are waiting, then gives up on the gap (the decoder fills it with
// silence from the timestamps). Duplicates and packets older than what was already released are
// dropped. It is not safe for concurrent use.
type Jitter struct {
	depth   int
	started bool
	next    uint64 // extended sequence number expected next
	highest uint64 // highest extended sequence number seen
	held    map[uint64]*rtp.Packet

	Lost, Late, Duplicate int // counters for logs and tests
}

// NewJitter returns a buffer that waits for at most depth packets behind a gap (20 ms each for
// typical Opus, so depth 5 adds at most 100 ms when a packet is lost and nothing when none is).
func NewJitter(depth int) *Jitter {
	if depth < 1 {
		depth = 1
	}
	return &Jitter{depth: depth, held: map[uint64]*rtp.Packet{}}
}

// resyncGap is a jump in sequence numbers taken for a restarted sender rather than loss.
const resyncGap = 3000

// Push adds a packet and returns the packets that are now ready, in order. The returned slice is
// reused by the next call.
func (j *Jitter) Push(p *rtp.Packet, out []*rtp.Packet) []*rtp.Packet {
	out = out[:0]
	if !j.started {
		j.started = true
		j.next = 1<<32 + uint64(p.SequenceNumber) // room to go below the first packet
		j.highest = j.next
		j.held[j.next] = p
		return j.drain(out)
	}
	ext := j.highest + uint64(int64(int16(p.SequenceNumber-uint16(j.highest))))
	switch {
	case ext > j.highest+resyncGap || ext+resyncGap < j.next:
		// The sender restarted or jumped: release what is held and start again from this packet.
		out = j.flushTo(out)
		j.next, j.highest = ext, ext
		j.held[ext] = p
		return j.drain(out)
	case ext < j.next:
		j.Late++
		return out
	}
	if _, dup := j.held[ext]; dup {
		j.Duplicate++
		return out
	}
	j.held[ext] = p
	if ext > j.highest {
		j.highest = ext
	}
	out = j.drain(out)
	for len(j.held) > j.depth {
		// Give up on the gap: skip to the oldest packet held.
		oldest := j.highest
		for k := range j.held {
			oldest = min(oldest, k)
		}
		j.Lost += int(oldest - j.next)
		j.next = oldest
		out = j.drain(out)
	}
	return out
}

func (j *Jitter) drain(out []*rtp.Packet) []*rtp.Packet {
	for {
		p, ok := j.held[j.next]
		if !ok {
			return out
		}
		delete(j.held, j.next)
		out = append(out, p)
		j.next++
	}
}

// Held is the number of packets waiting behind a gap.
func (j *Jitter) Held() int { return len(j.held) }

// Flush releases every held packet in order, as at the end of a stream.
func (j *Jitter) Flush(out []*rtp.Packet) []*rtp.Packet {
	return j.flushTo(out[:0])
}

func (j *Jitter) flushTo(out []*rtp.Packet) []*rtp.Packet {
	for len(j.held) > 0 {
		oldest := j.highest
		for k := range j.held {
			oldest = min(oldest, k)
		}
		j.Lost += int(oldest - j.next)
		j.next = oldest
		out = j.drain(out)
	}
	return out
}
