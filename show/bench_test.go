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
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
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
			commits0 := counterValueB(b, s.metrics.commits)
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
			if commits := counterValueB(b, s.metrics.commits) - commits0; commits > 0 {
				b.ReportMetric(float64(b.N)/commits, "events/commit")
			}
		})
	})
}

func counterValueB(b *testing.B, c prometheus.Metric) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		b.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// BenchmarkFanout measures the time from an Append call to the event arriving at each of 20
// subscribers while 8 producers append batches of 10 events as fast as they can (saturated).
func BenchmarkFanout(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		fanout(b, s, func(ctx context.Context, id string, evs []NewEvent) {
			var next atomic.Int64
			var wg sync.WaitGroup
			for p := 0; p < 8; p++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if _, err := s.Append(ctx, id, evs...); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	})
}

// BenchmarkFanout2000 is the service's target load: 2,000 events/s (a batch of 20 every 10 ms,
// each batch its own call as batched HTTP ingest makes them) to 20 subscribers. One op is one
// batch, so a run of 500x lasts 5 s.
func BenchmarkFanout2000(b *testing.B) {
	benchBackends(b, func(b *testing.B, s *Store) {
		fanout(b, s, func(ctx context.Context, id string, evs []NewEvent) {
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			var wg sync.WaitGroup
			for i := 0; i < b.N; i++ {
				<-tick.C
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.Append(ctx, id, evs...); err != nil {
						b.Error(err)
					}
				}()
			}
			wg.Wait()
		})
	})
}

// fanout subscribes 20 readers, runs produce (which appends b.N batches of 20 events to the
// show), and reports the Append-to-delivery latency percentiles over every delivery.
func fanout(b *testing.B, s *Store, produce func(ctx context.Context, id string, evs []NewEvent)) {
	const subscribers, batch = 20, 20
	id := benchShow(b, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu    sync.Mutex
		lats  []time.Duration
		wg    sync.WaitGroup
		final atomic.Int64 // seq of the end event, set once the producers are done
	)
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
	evs := make([]NewEvent, batch)
	for i := range evs {
		evs[i] = chat("viewer", "このリップの色味はブルベでも似合いますか？")
	}
	b.ResetTimer()
	produce(ctx, id, evs)
	final.Store(2 + int64(b.N)*batch)
	if _, err := s.Append(ctx, id, evs[0]); err != nil { // the end event
		b.Fatal(err)
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lats)
	if len(lats) > 0 {
		b.ReportMetric(float64(lats[len(lats)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(lats[len(lats)-1].Microseconds()), "max-µs")
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}
