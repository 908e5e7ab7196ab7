package show

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livehost/livehost/internal/pgtest"
)

// Reproduce (see docs/BENCHMARKS.md, "Event log"):
//
//	go test -run '^$' -bench . -benchtime 3s -count 1 ./show
//
// with LIVEHOST_TEST_DATABASE_URL set for the PostgreSQL rows.

func benchBackends(b *testing.B, f func(b *testing.B, s *Store)) {
	b.Run("sqlite", func(b *testing.B) {
		s := location{name: "sqlite", dataDir: b.TempDir()}.open(b)
		defer s.Close()
		f(b, s)
	})
	b.Run("postgres", func(b *testing.B) {
		s := location{name: "postgres", dbURL: pgtest.URL(b)}.open(b)
		defer s.Close()
		f(b, s)
	})
}

var benchShowN atomic.Int64

func benchShow(b *testing.B, s *Store) string {
	id := fmt.Sprintf("bench%d", benchShowN.Add(1))
	mustCreate(b, s, Show{ID: id})
	return id
}

// BenchmarkAppend measures durable append throughput: one event per call from one goroutine
// (each call waits for its own commit), 100 events per call, and one event per call from 64
// goroutines (group commit coalesces them).
func BenchmarkAppend(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		ev := chat("viewer", "このリップの色味はブルベでも似合いますか？")
		b.Run("single", func(b *testing.B) {
			id := benchShow(b, s)
			ctx := context.Background()
			for b.Loop() {
				if _, err := s.Append(ctx, id, ev); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
		b.Run("batch100", func(b *testing.B) {
			id := benchShow(b, s)
			ctx := context.Background()
			batch := make([]NewEvent, 100)
			for i := range batch {
				batch[i] = ev
			}
			for b.Loop() {
				if _, err := s.Append(ctx, id, batch...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "events/s")
		})
		b.Run("concurrent64", func(b *testing.B) {
			id := benchShow(b, s)
			ctx := context.Background()
			b.SetParallelism(32) // 32 × GOMAXPROCS(2) = 64 goroutines
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Append(ctx, id, ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	})
}

// BenchmarkFanout measures the time from an Append call to the event arriving at each of 20
// subscribers, with 8 producers appending batches of 10 events (a loaded show).
func BenchmarkFanout(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		id := benchShow(b, s)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		const subscribers, producers, batch = 20, 8, 10
		var (
			mu   sync.Mutex
			lats []time.Duration
			wg   sync.WaitGroup
		)
		var final atomic.Int64 // seq of the end marker event, set once producers are done
		for i := 0; i < subscribers; i++ {
			sub, err := s.Subscribe(ctx, id, 1, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer sub.Close()
			wg.Add(1)
			go func() {
				defer wg.Done()
				var local []time.Duration
				for ev := range sub.C() {
					if ev.Type == TypeStreamResync {
						continue
					}
					local = append(local, time.Since(ev.At))
					if f := final.Load(); f > 0 && ev.Seq >= f {
						break
					}
				}
				mu.Lock()
				lats = append(lats, local...)
				mu.Unlock()
			}()
		}
		waitListeners(b, s, id, subscribers)
		b.ResetTimer()
		var next atomic.Int64
		var pw sync.WaitGroup
		evs := make([]NewEvent, batch)
		for i := range evs {
			evs[i] = chat("viewer", "hello")
		}
		calls := int64(b.N)
		for p := 0; p < producers; p++ {
			pw.Add(1)
			go func() {
				defer pw.Done()
				for next.Add(1) <= calls {
					if _, err := s.Append(ctx, id, evs...); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		pw.Wait()
		final.Store(2 + calls*batch)
		if _, err := s.Append(ctx, id, evs[0]); err != nil { // the end marker
			b.Fatal(err)
		}
		wg.Wait()
		b.StopTimer()
		slices.Sort(lats)
		if len(lats) > 0 {
			b.ReportMetric(float64(lats[len(lats)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds()), "p99-µs")
		}
		b.ReportMetric(float64(calls*batch)/b.Elapsed().Seconds(), "events/s")
	})
}
