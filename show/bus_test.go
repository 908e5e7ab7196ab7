package show

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// collect reads n log events (skipping resync markers, which it counts) from sub.
func collect(t *testing.T, sub *Subscription, n int) (evs []Event, resyncs []StreamResync) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for len(evs) < n {
		select {
		case ev, ok := <-sub.C():
			if !ok {
				t.Fatalf("subscription closed after %d of %d events: %v", len(evs), n, sub.Err())
			}
			if ev.Type == TypeStreamResync {
				var r StreamResync
				if err := ev.Decode(&r); err != nil {
					t.Fatal(err)
				}
				if ev.Seq != 0 {
					t.Fatalf("resync marker has seq %d, want 0", ev.Seq)
				}
				resyncs = append(resyncs, r)
				continue
			}
			evs = append(evs, ev)
		case <-timeout:
			t.Fatalf("got %d of %d events before the timeout", len(evs), n)
		}
	}
	return evs, resyncs
}

func TestSubscribeReplayThenLiveUnderConcurrentAppends(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		s := loc.open(t)
		defer s.Close()
		ctx := testCtx(t)
		mustCreate(t, s, Show{ID: "live"})
		// A history to replay first.
		for i := 0; i < 30; i++ {
			if _, err := s.Append(ctx, "live", chat("h", fmt.Sprint(i)), chat("h", fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
		const writers, calls = 4, 50
		total := int64(61 + writers*calls*2)

		// Subscribers start from different points while appends are running, so some switch from
		// the log to live exactly while events are being committed.
		afters := []int64{0, 1, 17, 45, 61, 80, 150}
		subs := make([]*Subscription, len(afters))
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := 0; c < calls; c++ {
					if _, err := s.Append(ctx, "live", chat("w", "x"), chat("w", "y")); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		for i, after := range afters {
			sub, err := s.Subscribe(ctx, "live", after, 8)
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
			subs[i] = sub
			time.Sleep(time.Millisecond)
		}
		for i, sub := range subs {
			evs, _ := collect(t, sub, int(total-afters[i]))
			checkDense(t, evs, afters[i]+1)
		}
		wg.Wait()
		// Nothing more than the log arrives.
		for _, sub := range subs {
			select {
			case ev := <-sub.C():
				if ev.Type != TypeStreamResync {
					t.Fatalf("extra event %d after the end of the log", ev.Seq)
				}
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
}

func TestSlowSubscriberResyncsWithoutLoss(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		s := loc.open(t)
		defer s.Close()
		ctx := testCtx(t)
		mustCreate(t, s, Show{ID: "slow"})
		sub, err := s.Subscribe(ctx, "slow", 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		fast, err := s.Subscribe(ctx, "slow", 0, 4096)
		if err != nil {
			t.Fatal(err)
		}
		defer fast.Close()
		// Both go live once they have the log's one event.
		collect(t, sub, 1)
		collect(t, fast, 1)
		waitListeners(t, s, "slow", 2)
		// Nobody reads sub while 300 events are appended: Append must not wait for it.
		done := make(chan error, 1)
		go func() {
			for i := 0; i < 100; i++ {
				if _, err := s.Append(ctx, "slow", chat("a", "1"), chat("a", "2"), chat("a", "3")); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		fastEvs, _ := collect(t, fast, 300)
		checkDense(t, fastEvs, 2)
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("appends blocked behind a subscriber that does not read")
		}
		evs, resyncs := collect(t, sub, 300)
		checkDense(t, evs, 2)
		if len(resyncs) == 0 {
			t.Fatal("the slow subscriber got no stream.resync marker")
		}
		if got := counterValue(t, s.metrics.resyncs); got < float64(len(resyncs)) {
			t.Fatalf("resync metric = %v, want at least %d", got, len(resyncs))
		}
		// Live again after catching up.
		out, err := s.Append(ctx, "slow", chat("b", "later"))
		if err != nil {
			t.Fatal(err)
		}
		if more, _ := collect(t, sub, 1); more[0].Seq != out[0].Seq {
			t.Fatalf("after resync got seq %d, want %d", more[0].Seq, out[0].Seq)
		}
	})
}

// waitListeners waits until n subscriptions of a show are live on the bus.
func waitListeners(t testing.TB, s *Store, showID string, n int) {
	t.Helper()
	for i := 0; ; i++ {
		s.bus.mu.Lock()
		got := len(s.bus.subs[showID])
		s.bus.mu.Unlock()
		if got == n {
			return
		}
		if i > 5000 {
			t.Fatalf("%d live listeners on show %s, want %d", got, showID, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSubscriptionEnds(t *testing.T) {
	s := location{name: "sqlite", dataDir: t.TempDir()}.open(t)
	mustCreate(t, s, Show{ID: "end"})

	// Close.
	sub, err := s.Subscribe(testCtx(t), "end", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	sub.Close()
	for range sub.C() {
	}
	if sub.Err() != nil {
		t.Fatalf("Err after Close = %v", sub.Err())
	}

	// Context end.
	ctx, cancel := context.WithCancel(context.Background())
	sub2, err := s.Subscribe(ctx, "end", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-sub2.C(); ev.Seq != 1 {
		t.Fatalf("first event seq %d", ev.Seq)
	}
	cancel()
	<-sub2.Done()

	// Store close ends the rest, including one blocked on a reader that never reads.
	sub3, err := s.Subscribe(testCtx(t), "end", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	<-sub3.Done()
	if _, err := s.Subscribe(testCtx(t), "end", 0, 0); err == nil {
		t.Fatal("subscribe after close succeeded")
	}
}

func counterValue(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

func TestRegisterMetrics(t *testing.T) {
	s := location{name: "sqlite", dataDir: t.TempDir()}.open(t)
	defer s.Close()
	reg := prometheus.NewRegistry()
	if err := s.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if err := s.RegisterMetrics(reg); err == nil {
		t.Fatal("registering twice succeeded")
	}
	mustCreate(t, s, Show{ID: "m"})
	sub, err := s.Subscribe(testCtx(t), "m", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(testCtx(t), "m", chat("a", "b")); err != nil {
		t.Fatal(err)
	}
	if got := counterValue(t, s.metrics.subscribers); got != 1 {
		t.Fatalf("subscribers gauge = %v, want 1", got)
	}
	sub.Close()
	if got := counterValue(t, s.metrics.subscribers); got != 0 {
		t.Fatalf("subscribers gauge after close = %v, want 0", got)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, want := range []string{"livehost_show_events_appended_total", "livehost_show_commit_seconds", "livehost_show_subscribers", "livehost_show_commits_total"} {
		if !names[want] {
			t.Errorf("metric %s not gathered (have %v)", want, names)
		}
	}
}

// TestSubscribersThatStallAtRandom has readers with tiny buffers that pause at random while four
// writers append, so each one goes through many overflow → log → live switches; every reader
// must still see every event exactly once, in order.
func TestSubscribersThatStallAtRandom(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		s := loc.open(t)
		defer s.Close()
		ctx := testCtx(t)
		mustCreate(t, s, Show{ID: "stall"})
		const writers, calls, per = 4, 60, 5
		total := 1 + writers*calls*per
		var wg sync.WaitGroup
		results := make([]error, 6)
		resyncs := make([]int, len(results))
		for i := range results {
			sub, err := s.Subscribe(ctx, "stall", 0, 1+i%3)
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
			wg.Add(1)
			go func() {
				defer wg.Done()
				next := int64(1)
				for n := 0; next <= int64(total); n++ {
					ev, ok := <-sub.C()
					if !ok {
						results[i] = fmt.Errorf("reader %d: closed at seq %d: %v", i, next, sub.Err())
						return
					}
					if ev.Type == TypeStreamResync {
						resyncs[i]++
						continue
					}
					if ev.Seq != next {
						results[i] = fmt.Errorf("reader %d: got seq %d, want %d", i, ev.Seq, next)
						return
					}
					next++
					if (n+i)%97 == 0 {
						time.Sleep(time.Duration(1+n%5) * time.Millisecond) // stall now and then
					}
				}
			}()
		}
		var ww sync.WaitGroup
		for w := 0; w < writers; w++ {
			ww.Add(1)
			go func() {
				defer ww.Done()
				evs := make([]NewEvent, per)
				for i := range evs {
					evs[i] = chat("w", "x")
				}
				for c := 0; c < calls; c++ {
					if _, err := s.Append(ctx, "stall", evs...); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		ww.Wait()
		wg.Wait()
		for _, err := range results {
			if err != nil {
				t.Error(err)
			}
		}
		t.Logf("resync markers per reader: %v", resyncs)
	})
}

// TestResumeAfterDisconnect: a client reads part of the stream, goes away, and reconnects with
// after = the last seq it saw, while appends continue; together it sees each event exactly once.
func TestResumeAfterDisconnect(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		s := loc.open(t)
		defer s.Close()
		ctx := testCtx(t)
		mustCreate(t, s, Show{ID: "re"})
		const total = 1 + 400
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < 200; i++ {
				if _, err := s.Append(ctx, "re", chat("a", "1"), chat("a", "2")); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		var seen []Event
		var last int64
		for len(seen) < total {
			sub, err := s.Subscribe(ctx, "re", last, 16)
			if err != nil {
				t.Fatal(err)
			}
			evs, _ := collect(t, sub, min(37, total-len(seen))) // then disconnect
			sub.Close()
			seen = append(seen, evs...)
			last = evs[len(evs)-1].Seq
		}
		<-done
		checkDense(t, seen, 1)
	})
}
