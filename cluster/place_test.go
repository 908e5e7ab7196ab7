package cluster

import (
	"reflect"
	"strings"
	"testing"
)

func TestPlace(t *testing.T) {
	tests := []struct {
		name string
		free []string
		load map[string]int
		self string
		want map[string]bool
	}{
		{"least loaded takes it", []string{"a"}, map[string]int{"n1": 2, "n2": 0, "n3": 1}, "n2", map[string]bool{"a": true}},
		{"others leave it", []string{"a"}, map[string]int{"n1": 2, "n2": 0, "n3": 1}, "n1", map[string]bool{}},
		{"ties go to the first id", []string{"a"}, map[string]int{"n2": 0, "n1": 0}, "n1", map[string]bool{"a": true}},
		{"several shows spread", []string{"c", "a", "b"}, map[string]int{"n1": 0, "n2": 0, "n3": 0}, "n2", map[string]bool{"b": true}},
		{"a loaded node gets the rest", []string{"a", "b", "c", "d"}, map[string]int{"n1": 3, "n2": 0}, "n1", map[string]bool{"d": true}},
		{"alone", []string{"a", "b"}, map[string]int{"n1": 5}, "n1", map[string]bool{"a": true, "b": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			load := map[string]int{}
			for k, v := range tt.load {
				load[k] = v
			}
			if got := place(tt.free, tt.load, tt.self); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("place(%v, %v, %s) = %v, want %v", tt.free, tt.load, tt.self, got, tt.want)
			}
			if !reflect.DeepEqual(load, tt.load) {
				t.Fatal("place changed the load it was given")
			}
		})
	}
	// Every node computes the same placement: each show falls to exactly one.
	free := []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7"}
	load := map[string]int{"n1": 1, "n2": 0, "n3": 4}
	taken := map[string]int{}
	for id := range load {
		for s := range place(free, load, id) {
			taken[s]++
		}
	}
	for _, s := range free {
		if taken[s] != 1 {
			t.Fatalf("show %s taken by %d nodes", s, taken[s])
		}
	}
}

func TestLeaseKeyAndNodeID(t *testing.T) {
	if leaseKey("sh_a") == leaseKey("sh_b") || leaseKey("sh_a") != leaseKey("sh_a") || leaseKey("sh_a") < 0 {
		t.Fatal("lease keys must be distinct per show, stable and non-negative")
	}
	for _, bad := range []string{"", "a.b", "a b", "n*", strings.Repeat("n", 49)} {
		if validNodeID(bad) == nil {
			t.Errorf("node id %q accepted", bad)
		}
	}
	if err := validNodeID("node-1_A"); err != nil {
		t.Fatal(err)
	}
}
