package avatar_test

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestCPUPerShow measures the CPU one running avatar show costs (offline engines, real clock, no
// page: the server's clock paces it), over LIVEHOST_AVATAR_CPU (a duration, say 60s); the
// figure is in docs/BENCHMARKS.md.
func TestCPUPerShow(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("LIVEHOST_AVATAR_CPU"))
	if err != nil || d <= 0 {
		t.Skip("set LIVEHOST_AVATAR_CPU=60s to measure")
	}
	r := newRig(t, rigOpt{engines: offlineEngines(t)})
	id := r.newShow("LH-COS-001", "LH-COS-002", "LH-COS-005")
	ctx := context.Background()
	if _, err := r.m.Control(ctx, id, "start", "t"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // past start-up
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		var ch syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ch) // open_jtalk runs as a child process
		tv := func(x syscall.Timeval) time.Duration {
			return time.Duration(x.Sec)*time.Second + time.Duration(x.Usec)*time.Microsecond
		}
		return tv(ru.Utime) + tv(ru.Stime) + tv(ch.Utime) + tv(ch.Stime)
	}
	c0, w0 := cpu(), time.Now()
	time.Sleep(d)
	used, wall := cpu()-c0, time.Since(w0)
	lines := 0
	for _, ev := range r.all(id) {
		if _, ok := utterance(ev); ok {
			lines++
		}
	}
	t.Logf("one avatar show: %v CPU over %v (%.1f%% of a core), %d lines spoken", used.Round(time.Millisecond), wall.Round(time.Second), 100*used.Seconds()/wall.Seconds(), lines)
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
}
