package report

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/livehost/livehost/show"
)

// processCPU is the CPU time of the whole process (every thread: the fold, the garbage collector,
// SQLite), so that on a shared machine the figure does not count other processes' turns.
func processCPU(tb testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs body b.N times and reports the CPU milliseconds of each run beside the wall clock.
func loop(b *testing.B, body func()) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, n := processCPU(b), 0
	for b.Loop() {
		body()
		n++
	}
	b.ReportMetric(float64((processCPU(b)-cpu0).Milliseconds())/float64(n), "cpu-ms/op")
}

// threeHours is the issue's benchmark show: 3 hours, about 200,000 events, 3,000 chatters, six
// products on air in turn every 15 minutes, a fifth of the messages questions, moderation, drafts
// reviewed, compliance flags and 2,000 order lines.
func threeHours(events int) genShow {
	return genShow{events: events, dur: 3 * time.Hour, skus: []string{"LH-COS-001", "LH-COS-002", "LH-COS-003", "LH-FAS-001", "LH-FAS-002", "LH-HOM-001"},
		segEvery: 15 * time.Minute, hold: 0.03, block: 0.01, question: 0.2, repeat: 0.4, publish: 0.7, reject: 0.1, gap: 0.1,
		compliance: 0.002, users: 3000, orders: 2000, seed: 42}
}

// BenchmarkReport folds the 3-hour show of 200,000 events held in memory: the report's own cost.
func BenchmarkReport(b *testing.B) {
	evs := threeHours(200_000).generate()
	read := pages(evs)
	loop(b, func() {
		if _, err := Build(context.Background(), read, "gen", Options{}); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(len(evs)), "events")
}

// BenchmarkReportSQLite reads the same show from the embedded event store page by page, as
// `livehost report` and GET /report do.
func BenchmarkReportSQLite(b *testing.B) {
	ctx := context.Background()
	st, err := show.OpenSQLite(ctx, b.TempDir()+"/events.db")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	id := fillStore(b, st, threeHours(200_000).generate())
	loop(b, func() {
		if _, err := Build(ctx, st.Read, id, Options{}); err != nil {
			b.Fatal(err)
		}
	})
}

// fillStore appends a generated log (after its show.created) to a new show of st.
func fillStore(tb testing.TB, st *show.Store, evs []show.Event) string {
	tb.Helper()
	ctx := context.Background()
	sh, err := st.CreateShow(ctx, show.Show{Title: "generated", Lineup: []string{"LH-COS-001"}})
	if err != nil {
		tb.Fatal(err)
	}
	batch := make([]show.NewEvent, 0, show.MaxAppend)
	flush := func() {
		if _, err := st.Append(ctx, sh.ID, batch...); err != nil {
			tb.Fatal(err)
		}
		batch = batch[:0]
	}
	for _, ev := range evs[1:] {
		batch = append(batch, show.NewEvent{Type: ev.Type, At: ev.At, Data: ev.Data})
		if len(batch) == show.MaxAppend {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	return sh.ID
}

// TestMemoryBoundedByShowNotEvents: four times the events over the same minutes, products,
// chatters and questions keep about the same heap during the fold. The fold's live heap is
// sampled after every page, with the log served from a generator so that the events themselves
// are never all in memory.
func TestMemoryBoundedByShowNotEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 250,000 events")
	}
	peak := func(events int) uint64 {
		g := threeHours(events)
		g.orders = 0
		evs := g.generate()
		read := pages(evs)
		var base runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&base)
		var top uint64
		pagesRead := 0
		_, err := Build(context.Background(), read, "gen", Options{Progress: func(int64) {
			pagesRead++
			if pagesRead%10 != 0 {
				return
			}
			var m runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > base.HeapAlloc {
				top = max(top, m.HeapAlloc-base.HeapAlloc)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		runtime.KeepAlive(evs)
		return top
	}
	small, large := peak(50_000), peak(200_000)
	t.Logf("fold heap above the log: %d KiB for 50,000 events, %d KiB for 200,000", small>>10, large>>10)
	if large > 2*small+(1<<20) {
		t.Errorf("the fold's heap grew with the events: %d KiB for 50,000, %d KiB for 200,000", small>>10, large>>10)
	}
}

func ExampleBuild() {
	evs := genShow{events: 400, dur: 20 * time.Minute, skus: []string{"A"}, segEvery: time.Hour, question: 0.5, publish: 1, users: 10, seed: 1}.generate()
	r, _ := Build(context.Background(), pages(evs), "gen", Options{})
	fmt.Println(r.Totals.Messages > 0, len(r.Segments))
	// Output: true 1
}
