package cluster_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/livehost/livehost/internal/pgtest"
	"github.com/livehost/livehost/show"
)

// TestDrainOwnerDuringIngest: SIGTERM to the node that owns a show in the middle of ingest
// spread over three nodes. The show moves to another node with no gap: no request gets a 5xx
// (a connection the draining node refuses is sent again to another node, as a load balancer
// would), every acknowledged message is in the log once, in order, no question is answered
// twice, subscribers on the other nodes see every event once; the drained process exits 0.
func TestDrainOwnerDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three server processes")
	}
	dbURL := pgtest.URL(t)
	ns := startNATS(t)
	nodes := startNodes(t, dbURL, ns.url(), "d1", "d2", "d3")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var sh show.Show
	if _, err := do(ctx, http.MethodPost, nodes[0].url+"/api/shows", map[string]any{"title": "drain", "lineup": []string{"LH-COS-001"}}, &sh); err != nil {
		t.Fatal(err)
	}
	owner := waitOwner(t, dbURL, sh.ID, "", 15*time.Second)
	victim, survivors := split(nodes, owner)
	var watchers []*watcher
	for _, n := range survivors {
		watchers = append(watchers, watch(t, n, sh.ID))
	}

	// The draining node stays in the ingesters' rotation: what it refuses is retried elsewhere.
	in := &ingester{showID: sh.ID, acked: map[string]int64{}, status: map[int]int{}, nodes: func() []*node { return nodes }}
	const total = 600
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				text := "かわいい！"
				if i%5 == 0 {
					text = fmt.Sprintf("在庫はありますか？ (%d)", i)
				}
				in.send(ctx, i, text)
			}
		}()
	}
	for in.sent.Load() < total/3 {
		time.Sleep(10 * time.Millisecond)
	}
	// Watch /readyz on the draining node while it drains: the load balancer's signal.
	readyz := make(chan map[int]int, 1)
	stopProbe := make(chan struct{})
	go func() {
		seen := map[int]int{}
		defer func() { readyz <- seen }()
		for {
			select {
			case <-stopProbe:
				return
			default:
			}
			time.Sleep(5 * time.Millisecond)
			resp, err := http.Get(victim.url + "/readyz")
			if err != nil {
				seen[0]++
				continue
			}
			resp.Body.Close()
			seen[resp.StatusCode]++
		}
	}()
	termAt := time.Now()
	if err := victim.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	newOwner := waitOwner(t, dbURL, sh.ID, victim.id, 15*time.Second)
	t.Logf("SIGTERM after %d acknowledged messages; show moved to %s in %s", in.sent.Load(), newOwner, time.Since(termAt).Round(time.Millisecond))
	select {
	case <-victim.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the drained node did not exit within 30 s of SIGTERM")
	}
	close(stopProbe)
	probes := <-readyz
	if code := victim.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("the drained node exited %d, want 0", code)
	}
	t.Logf("drained in %s; /readyz on it meanwhile: %v (0: refused)", time.Since(termAt).Round(time.Millisecond), probes)
	if probes[http.StatusOK] > 0 && probes[http.StatusServiceUnavailable] == 0 && probes[0] == 0 {
		t.Error("/readyz kept answering 200 on a node that drained")
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatal("ingest did not finish")
	}

	evs := waitLogged(t, survivors[0].url, sh.ID, in, 30*time.Second)
	checkIngest(t, evs, in)
	checkWatchers(t, watchers, evs[len(evs)-1].Seq)
	t.Logf("statuses %v (0: connection refused or reset), %d events", in.status, len(evs))
}

// startNodes starts one `livehost serve` per id on one PostgreSQL and NATS and waits until each
// is ready.
func startNodes(t *testing.T, dbURL, natsURL string, ids ...string) []*node {
	t.Helper()
	var nodes []*node
	for _, id := range ids {
		nodes = append(nodes, startNode(t, id, dbURL, natsURL))
	}
	for _, n := range nodes {
		n.waitReady(t, 60*time.Second)
	}
	return nodes
}

// split returns the node with the id and the others.
func split(nodes []*node, id string) (*node, []*node) {
	var it *node
	var rest []*node
	for _, n := range nodes {
		if n.id == id {
			it = n
		} else {
			rest = append(rest, n)
		}
	}
	return it, rest
}

// waitLogged reads the show's log until every acknowledged message is in it.
func waitLogged(t *testing.T, base, showID string, in *ingester, within time.Duration) []show.Event {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		evs := allEvents(t, base, showID)
		got := 0
		for _, ev := range evs {
			if ev.Type == show.TypeChatReceived {
				got++
			}
		}
		in.mu.Lock()
		want := len(in.acked)
		in.mu.Unlock()
		if got >= want || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkIngest: checkLogged, and no request got a status other than 202 (or a refused
// connection, retried elsewhere).
func checkIngest(t *testing.T, evs []show.Event, in *ingester) {
	t.Helper()
	checkLogged(t, evs, in)
	in.mu.Lock()
	defer in.mu.Unlock()
	for code, n := range in.status {
		if code != http.StatusAccepted && code != 0 {
			t.Errorf("%d requests got %d: a show that moves is not the client's business", n, code)
		}
	}
}
