package media

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU is the CPU time of the calling OS thread. Benchmarks lock their goroutine to a thread
// and report audio seconds per CPU second, because on a shared machine wall-clock time also counts
// other processes' turns.
func threadCPU(tb testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// realtime runs the benchmark body b.N times on one locked thread and reports x_realtime
// (seconds of audio per CPU second) and wall_x_realtime.
func realtime(b *testing.B, audio time.Duration, body func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	cpu0, n := threadCPU(b), 0
	for b.Loop() {
		body()
		n++
	}
	cpu := threadCPU(b) - cpu0
	b.ReportMetric(audio.Seconds()*float64(n)/cpu.Seconds(), "x_realtime")
	b.ReportMetric(audio.Seconds()*float64(n)/b.Elapsed().Seconds(), "wall_x_realtime")
}
