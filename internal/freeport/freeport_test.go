package freeport

import (
	"net"
	"strconv"
	"testing"
)

func TestPickGivesDistinctBindablePortsBelowTheEphemeralRange(t *testing.T) {
	ports, err := Pick(20)
	if err != nil {
		t.Fatal(err)
	}
	if len(ports) != 20 {
		t.Fatalf("got %d ports, want 20", len(ports))
	}
	seen := map[int]bool{}
	low := ephemeralLow()
	for _, p := range ports {
		if seen[p] {
			t.Fatalf("port %d picked twice", p)
		}
		seen[p] = true
		if p < lowest || p >= low {
			t.Fatalf("port %d outside %d–%d", p, lowest, low-1)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("port %d not bindable after Pick: %v", p, err)
		}
		ln.Close()
	}
}

func TestPickRefusesMoreThanTheRangeHolds(t *testing.T) {
	if _, err := Pick(1 << 20); err == nil {
		t.Fatal("Pick(1<<20) succeeded")
	}
}
