package moderation

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// BenchmarkNewDefault builds the default engine: the first build in a process loads the IPA
// dictionary and walks it for the reading gate; later builds reuse both.
// Run it alone (-run '^$' -bench NewDefault) so that nothing has loaded the dictionary before.
var (
	firstOnce sync.Once
	firstEng  *Engine
	firstTook time.Duration
	firstHeap uint64
	firstErr  error
)

func BenchmarkNewDefault(b *testing.B) {
	firstOnce.Do(func() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		t0 := time.Now()
		firstEng, firstErr = NewDefault()
		firstTook = time.Since(t0)
		runtime.GC()
		runtime.ReadMemStats(&after)
		firstHeap = after.HeapAlloc - before.HeapAlloc
	})
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	first := firstEng
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := NewDefault(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(firstTook.Milliseconds()), "first-build-ms")
	b.ReportMetric(float64(firstHeap)/(1<<20), "MiB-after-first")
	b.ReportMetric(float64(first.Terms()), "terms")
	b.ReportMetric(float64(first.Patterns()), "patterns")
	runtime.KeepAlive(first)
}
