package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLoadSmall runs the load program against its in-process server at a small rate: every
// acknowledged message must reach every subscriber in sequence. (Speed is recorded in
// docs/BENCHMARKS.md, never asserted here.)
func TestLoadSmall(t *testing.T) {
	code, out, stderr := runCLI(t, "", nil, "load", "--catalog", "../../examples/catalog.jsonl",
		"--rate", "400", "--duration", "1s", "--subscribers", "3", "--batch", "20", "--json")
	if code != 0 {
		t.Fatalf("load: exit %d\n%s\n%s", code, out, stderr)
	}
	var rep loadReport
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &rep); err != nil {
		t.Fatalf("report %q: %v", out, err)
	}
	if rep.Messages != 400 || rep.Acknowledged != rep.Messages || rep.Missing != 0 || rep.Gaps != 0 || rep.Samples != 3*rep.Messages {
		t.Fatalf("report %+v", rep)
	}
	if rep.StreamP99MS <= 0 || rep.StreamP50MS > rep.StreamP99MS {
		t.Fatalf("latency percentiles %+v", rep)
	}
}

func TestLoadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"load", "--url", "http://example.com:8080", "--admin-token", "x"},
		{"load", "--url", "http://127.0.0.1:1"},
		{"load", "--rate", "0"},
		{"load", "--duration", "20m"},
	} {
		if code, _, stderr := runCLI(t, "", nil, args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d %q, want 2 with a message", args, code, stderr)
		}
	}
}
