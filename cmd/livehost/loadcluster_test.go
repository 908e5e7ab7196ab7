package main

import (
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/internal/pgtest"
)

// TestLoadClusterSmall starts a cluster of two nodes (NATS in-process, two `serve` children on a
// PostgreSQL of its own) and loads two shows a little: every acknowledged message must reach every
// subscriber on both nodes once and in order, and some of them through the bus. (Speed is
// recorded in docs/BENCHMARKS.md, never asserted here.)
func TestLoadClusterSmall(t *testing.T) {
	db := pgtest.URL(t)
	ignore := goleak.IgnoreCurrent() // the run's subscribers, senders, NATS server and node watchers end with it
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	t.Setenv(runAsLivehost, "1") // the nodes are this test binary running main
	code, out, stderr := runCLI(t, "", nil, "load-cluster", "--db", db, "--nodes", "2", "--shows", "2",
		"--rate", "100", "--duration", "1s", "--subscribers", "2", "--batch", "10",
		"--catalog", "../../examples/catalog.jsonl", "--json")
	if code != 0 {
		t.Fatalf("load-cluster: exit %d\n%s\n%s", code, out, stderr)
	}
	var rep clusterLoadReport
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &rep); err != nil {
		t.Fatalf("report %q: %v", out, err)
	}
	if len(rep.Nodes) != 2 || rep.Bus != "nats" || rep.Messages != 200 || rep.Acknowledged != rep.Messages ||
		rep.Missing != 0 || rep.Gaps != 0 || rep.Repeats != 0 || rep.Rejected != 0 {
		t.Fatalf("report %+v", rep)
	}
	// Two subscribers per show, one on each node: each message is seen once on the node it was
	// posted to and once on the other.
	if rep.CrossSamples != rep.Messages || rep.SameSamples != rep.Messages {
		t.Fatalf("cross %d, same %d samples, want %d each", rep.CrossSamples, rep.SameSamples, rep.Messages)
	}
	// The owner's node and the other one likewise: each message is seen once on each.
	if rep.OwnerSamples != rep.Messages || rep.BusSamples != rep.Messages {
		t.Fatalf("owner %d, bus %d samples, want %d each", rep.OwnerSamples, rep.BusSamples, rep.Messages)
	}
	if rep.Forwarded == 0 || rep.BusReceived == 0 {
		t.Fatalf("nothing went between the nodes: %+v", rep)
	}
	if rep.CrossP99MS <= 0 || rep.CrossP50MS > rep.CrossP99MS {
		t.Fatalf("latency percentiles %+v", rep)
	}
}

func TestLoadClusterFlags(t *testing.T) {
	for _, args := range [][]string{
		{"load-cluster"},
		{"load-cluster", "--url", "http://example.com:8080", "--admin-token", "x"},
		{"load-cluster", "--url", "http://127.0.0.1:1"},
		{"load-cluster", "--url", "http://127.0.0.1:1", "--db", "postgres://x", "--admin-token", "x"},
		{"load-cluster", "--db", "postgres://x", "--nodes", "0"},
		{"load-cluster", "--db", "postgres://x", "--nodes", "2", "--no-bus"},
		{"load-cluster", "--db", "postgres://x", "--shows", "0"},
		{"load-cluster", "--db", "postgres://x", "--rate", "0"},
		{"load-cluster", "--db", "postgres://x", "--duration", "20m"},
	} {
		if code, _, stderr := runCLI(t, "", nil, args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d %q, want 2 with a message", args, code, stderr)
		}
	}
}
