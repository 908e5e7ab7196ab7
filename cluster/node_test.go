package cluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/internal/freeport"
	"github.com/livehost/livehost/internal/pgtest"
	"github.com/livehost/livehost/show"
)

// fakeShows is the runtime as a Node sees it, recording what it is asked to adopt and release;
// the leases, the registry and the bus are real.
type fakeShows struct {
	store *show.Store
	mu    sync.Mutex
	owned map[string]bool
	log   []string
}

func (f *fakeShows) ListShows(ctx context.Context) ([]show.Show, error) {
	return f.store.ListShows(ctx)
}

func (f *fakeShows) Adopt(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.owned[id] = true
	f.log = append(f.log, "adopt "+id)
	return nil
}

func (f *fakeShows) Release(_ context.Context, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.owned, id)
	f.log = append(f.log, "release "+id)
}

func (f *fakeShows) Owns(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.owned[id]
}

func TestLeasesMoveAndNothingLeaks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreAnyFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"))
	dbURL := pgtest.URL(t)
	ports, err := freeport.Pick(1)
	if err != nil {
		t.Fatal(err)
	}
	bus, err := StartBus(BusOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ports[0]), StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { bus.Shutdown(); bus.WaitForShutdown() }()
	ctx := context.Background()
	start := func(id string) (*Node, *fakeShows, *show.Store) {
		st, err := show.OpenPostgres(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		f := &fakeShows{store: st, owned: map[string]bool{}}
		n, err := Start(ctx, Options{NodeID: id, NATSURL: bus.ClientURL(), DatabaseURL: dbURL, Store: st, Shows: f,
			LeaseEvery: 100 * time.Millisecond, Grace: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return n, f, st
	}
	a, fa, sa := start("a")
	b, fb, sb := start("b")
	defer sb.Close()
	defer b.Close()
	var shows []string
	for i := range 4 {
		sh, err := sa.CreateShow(ctx, show.Show{Title: fmt.Sprintf("show %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		shows = append(shows, sh.ID)
	}
	owners := func() (int, int) {
		na, nb := 0, 0
		for _, id := range shows {
			if a.Owns(id) && fa.Owns(id) {
				na++
			}
			if b.Owns(id) && fb.Owns(id) {
				nb++
			}
		}
		return na, nb
	}
	waitFor(t, "every show owned once, spread by load", func() bool { na, nb := owners(); return na+nb == 4 && na == 2 })
	for _, id := range shows {
		if a.Owns(id) && b.Owns(id) {
			t.Fatalf("show %s owned by both nodes", id)
		}
	}
	if err := a.Ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}

	// A graceful drain hands a's shows to b.
	a.Drain(ctx)
	if err := a.Ready(ctx); err == nil {
		t.Fatal("a draining node says it is ready")
	}
	waitFor(t, "b owns every show after a drains", func() bool { _, nb := owners(); return nb == 4 })
	if na, _ := owners(); na != 0 {
		t.Fatalf("a still owns %d shows after draining", na)
	}
	a.Close()
	sa.Close()

	// A new node takes new shows by load; b closing without a drain (its session ends, as when
	// its process dies) moves b's shows to c.
	c, fc, sc := start("c")
	defer sc.Close()
	defer c.Close()
	sh, err := sc.CreateShow(ctx, show.Show{Title: "new"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new show placed on the least loaded node", func() bool { return c.Owns(sh.ID) && fc.Owns(sh.ID) })
	b.Close()
	waitFor(t, "c owns every show after b's session ends", func() bool {
		for _, id := range append(shows, sh.ID) {
			if !c.Owns(id) {
				return false
			}
		}
		return true
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
