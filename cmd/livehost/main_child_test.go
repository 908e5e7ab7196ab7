package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary stand in for livehost when a test starts it as a child process
// (load-cluster starts `livehost serve` nodes from its own executable).
func TestMain(m *testing.M) {
	if os.Getenv(runAsLivehost) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

const runAsLivehost = "GO_WANT_LIVEHOST_MAIN"
