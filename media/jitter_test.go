package media

import (
	"slices"
	"testing"

	"github.com/pion/rtp"
)

func pkt(seq uint16) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: uint32(seq) * 960}}
}

func TestJitter(t *testing.T) {
	tests := []struct {
		name                  string
		depth                 int
		in                    []uint16
		out                   []uint16
		lost, late, duplicate int
	}{
		{"in order", 3, []uint16{10, 11, 12, 13}, []uint16{10, 11, 12, 13}, 0, 0, 0},
		{"reordered", 3, []uint16{10, 12, 11, 14, 13}, []uint16{10, 11, 12, 13, 14}, 0, 0, 0},
		{"loss waits depth packets", 2, []uint16{10, 12, 13, 14}, []uint16{10, 12, 13, 14}, 1, 0, 0},
		{"loss of several", 2, []uint16{1, 5, 6, 7, 8}, []uint16{1, 5, 6, 7, 8}, 3, 0, 0},
		{"duplicate of a held packet", 3, []uint16{10, 12, 12, 11}, []uint16{10, 11, 12}, 0, 0, 1},
		{"duplicate of a released packet is late", 3, []uint16{10, 11, 11, 12}, []uint16{10, 11, 12}, 0, 1, 0},
		{"late after giving up", 1, []uint16{10, 12, 13, 11, 14}, []uint16{10, 12, 13, 14}, 1, 1, 0},
		{"wraparound", 3, []uint16{65534, 0, 65535, 1}, []uint16{65534, 65535, 0, 1}, 0, 0, 0},
		{"sender restart", 3, []uint16{100, 101, 40000, 40001}, []uint16{100, 101, 40000, 40001}, 0, 0, 0},
		{"flush releases the held", 5, []uint16{10, 12, 14}, []uint16{10, 12, 14}, 2, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := NewJitter(tt.depth)
			var got []uint16
			var out []*rtp.Packet
			for _, s := range tt.in {
				out = j.Push(pkt(s), out)
				for _, p := range out {
					got = append(got, p.SequenceNumber)
				}
			}
			for _, p := range j.Flush(out) {
				got = append(got, p.SequenceNumber)
			}
			if !slices.Equal(got, tt.out) {
				t.Errorf("released %v, want %v", got, tt.out)
			}
			if j.Lost != tt.lost || j.Late != tt.late || j.Duplicate != tt.duplicate {
				t.Errorf("lost/late/duplicate %d/%d/%d, want %d/%d/%d", j.Lost, j.Late, j.Duplicate, tt.lost, tt.late, tt.duplicate)
			}
		})
	}
}

// TestJitterHoldsOnlyBehindAGap checks that in-order packets are never delayed.
func TestJitterHoldsOnlyBehindAGap(t *testing.T) {
	j := NewJitter(5)
	var out []*rtp.Packet
	for s := uint16(0); s < 100; s++ {
		out = j.Push(pkt(s), out)
		if len(out) != 1 || out[0].SequenceNumber != s {
			t.Fatalf("packet %d not released at once: %v", s, out)
		}
	}
}
