package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/livehost/livehost/internal/pgtest"
	"github.com/livehost/livehost/show"
)

type chatResult struct {
	Seq       int64 `json:"seq"`
	Duplicate bool  `json:"duplicate"`
}

// ingester posts chat messages, each with its own id, spread over the nodes. A message is
// acknowledged when a node answers 202; one that gets anything else is sent again (to the next
// node) with the same id, as a platform bridge would, until acknowledged.
type ingester struct {
	nodes  func() []*node
	showID string
	mu     sync.Mutex
	acked  map[string]int64 // message id → seq
	dups   int
	status map[int]int
	sent   atomic.Int64
}

func (in *ingester) send(ctx context.Context, i int, text string) {
	id := fmt.Sprintf("m-%06d", i)
	for try := 0; ctx.Err() == nil; try++ {
		ns := in.nodes()
		n := ns[(i+try)%len(ns)]
		var res chatResult
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		code, _ := do(rctx, http.MethodPost, n.url+"/api/shows/"+in.showID+"/chat",
			map[string]string{"platform": "test", "id": id, "user": fmt.Sprintf("viewer%d", i), "text": text}, &res)
		cancel()
		in.mu.Lock()
		in.status[code]++
		if code == http.StatusAccepted {
			if prev, ok := in.acked[id]; ok && !(res.Duplicate && res.Seq == prev) {
				in.mu.Unlock()
				panic(fmt.Sprintf("message %s acknowledged twice at different seqs %d and %d", id, prev, res.Seq))
			}
			if res.Duplicate {
				in.dups++
			}
			in.acked[id] = res.Seq
			in.mu.Unlock()
			in.sent.Add(1)
			return
		}
		in.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKillOwnerDuringIngest is the fault test of several nodes: three `livehost serve` processes
// on one PostgreSQL and one NATS; ingest spread over all three; the show's owner is killed with
// SIGKILL in the middle of it; then NATS is down for 10 s.
func TestKillOwnerDuringIngest(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("starts three server processes")
	}
	dbURL := pgtest.URL(t)
	ns := startNATS(t)
	nodes := []*node{
		startNode(t, "n1", dbURL, ns.url()),
		startNode(t, "n2", dbURL, ns.url()),
		startNode(t, "n3", dbURL, ns.url()),
	}
	for _, n := range nodes {
		n.waitReady(t, 60*time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	var sh show.Show
	if _, err := do(ctx, http.MethodPost, nodes[0].url+"/api/shows", map[string]any{"title": "failover", "lineup": []string{"LH-COS-001", "LH-COS-002"}}, &sh); err != nil {
		t.Fatal(err)
	}
	owner := waitOwner(t, dbURL, sh.ID, "", 15*time.Second)
	t.Logf("show %s placed on %s", sh.ID, owner)
	if _, err := do(ctx, http.MethodPost, nodes[1].url+"/api/shows/"+sh.ID+"/on-air", map[string]string{"sku": "LH-COS-001"}, nil); err != nil {
		t.Fatal(err)
	}
	var survivors []*node
	var victim *node
	for _, n := range nodes {
		if n.id == owner {
			victim = n
		} else {
			survivors = append(survivors, n)
		}
	}
	// Two subscribers on each surviving node, from the start.
	var watchers []*watcher
	for _, n := range survivors {
		watchers = append(watchers, watch(t, n, sh.ID), watch(t, n, sh.ID))
	}

	var live struct {
		mu    sync.Mutex
		nodes []*node
	}
	live.nodes = nodes
	in := &ingester{showID: sh.ID, acked: map[string]int64{}, status: map[int]int{}, nodes: func() []*node {
		live.mu.Lock()
		defer live.mu.Unlock()
		return live.nodes
	}}
	texts := []string{"こんにちは", "色は何色がありますか？", "かわいい！", "在庫はありますか？", "いくらですか？", "how much is it?"}
	const total = 1200
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				// Questions are unique per message so each is answered on its own.
				text := texts[i%len(texts)]
				if i%len(texts) == 1 || i%len(texts) == 4 {
					text = fmt.Sprintf("%s (%d)", text, i)
				}
				in.send(ctx, i, text)
			}
		}()
	}
	// Kill the owner once a third is in.
	for in.sent.Load() < total/3 {
		time.Sleep(20 * time.Millisecond)
	}
	killedAt := time.Now()
	victim.kill(t)
	live.mu.Lock()
	live.nodes = survivors
	live.mu.Unlock()
	t.Logf("killed %s after %d acknowledged messages", victim.id, in.sent.Load())
	newOwner := waitOwner(t, dbURL, sh.ID, victim.id, 15*time.Second)
	t.Logf("show moved to %s in %s", newOwner, time.Since(killedAt).Round(time.Millisecond))
	if d := time.Since(killedAt); d > 10*time.Second {
		t.Errorf("the show took %s to move, more than 10 s", d)
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatal("ingest did not finish")
	}

	// A question after the move is answered by the new owner.
	q := total + 1
	in.send(ctx, q, "在庫はありますか？ after the move")

	// NATS goes away for 10 s: ingest keeps its promise (202 only when logged), and the
	// subscribers on the node that does not own the show catch up from the log.
	ns.stop()
	outage := time.Now()
	outageSent := 0
	for i := total + 2; time.Since(outage) < 10*time.Second; i++ {
		in.send(ctx, i, "NATS停止中のメッセージ")
		outageSent++
	}
	ns.start()
	t.Logf("NATS outage: %d messages acknowledged meanwhile", outageSent)
	for _, n := range survivors {
		n.waitReady(t, 30*time.Second)
	}
	in.send(ctx, total+100000, "NATS復旧後のメッセージ")

	// The log: every acknowledged message once, seqs dense, no question answered twice.
	var evs []show.Event
	deadline := time.Now().Add(30 * time.Second)
	for {
		evs = allEvents(t, survivors[0].url, sh.ID)
		if answeredAll(evs, in.acked, in.acked[fmt.Sprintf("m-%06d", q)]) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	// LIVEHOST_CLUSTER_LOGS=DIR keeps each node's log and, here, its goroutines, for a failure
	// that needs them.
	if os.Getenv("LIVEHOST_CLUSTER_LOGS") != "" {
		for _, n := range survivors {
			req, _ := http.NewRequest(http.MethodGet, n.url+"/debug/pprof/goroutine?debug=2", nil)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				_ = os.WriteFile(filepath.Join(os.Getenv("LIVEHOST_CLUSTER_LOGS"), n.id+".goroutines"), b, 0o644)
			}
		}
	}
	checkLog(t, evs, in)
	last := evs[len(evs)-1].Seq

	// Every subscriber on the surviving nodes saw every event once, in order.
	checkWatchers(t, watchers, last)
	t.Logf("statuses %v, %d events, %d acknowledged messages (%d as duplicates of a first try)", in.status, len(evs), len(in.acked), in.dups)

	// Each node's metrics carry its name.
	for _, n := range survivors {
		resp, err := http.Get(n.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, series := range []string{`livehost_cluster_shows_owned{node="` + n.id + `"}`, `livehost_chat_ingested_total{node="` + n.id + `"}`} {
			if !strings.Contains(string(b), series) {
				t.Fatalf("node %s: /metrics has no %s", n.id, series)
			}
		}
	}
}

func lastOf(s []int64) int64 {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}

// waitOwner waits until a node other than not holds the show's lease and returns it.
func waitOwner(t *testing.T, dbURL, showID, not string, within time.Duration) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for {
		var node string
		err := conn.QueryRow(ctx, `SELECT node FROM show_owners WHERE show_id = $1`, showID).Scan(&node)
		if err == nil && node != not {
			return node
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) && ctx.Err() == nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no node other than %q took show %s within %s", not, showID, within)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// answeredAll reports whether the log has every acknowledged message and an answer to the
// question at seq q (answers come after their message, from the answer worker).
func answeredAll(evs []show.Event, acked map[string]int64, q int64) bool {
	got, answered := 0, false
	for _, ev := range evs {
		switch ev.Type {
		case show.TypeChatReceived:
			got++
		case show.TypeQuestionDetected:
			var p show.QuestionDetected
			if ev.Decode(&p) == nil && p.ChatSeq == q {
				answered = true
			}
		}
	}
	return got >= len(acked) && answered
}

func checkSeqs(t *testing.T, who string, seqs []int64, last int64) {
	t.Helper()
	for i, s := range seqs {
		if s != int64(i)+1 {
			t.Fatalf("%s: event %d has seq %d (want %d): not every event once, in order", who, i, s, i+1)
		}
	}
	if int64(len(seqs)) < last {
		t.Fatalf("%s: %d events, the log has %d", who, len(seqs), last)
	}
}

func checkLog(t *testing.T, evs []show.Event, in *ingester) {
	t.Helper()
	answered := checkLogged(t, evs, in)
	in.mu.Lock()
	defer in.mu.Unlock()
	// The question sent after the move was answered (by the new owner).
	after := in.acked[fmt.Sprintf("m-%06d", 1201)]
	if answered[after] != 1 {
		maxQ := int64(0)
		for q := range answered {
			maxQ = max(maxQ, q)
		}
		verdict := ""
		for _, ev := range evs {
			var p show.ChatVerdict
			if ev.Type == show.TypeChatVerdict && ev.Decode(&p) == nil && p.ChatSeq == after {
				verdict = p.Action + " " + p.Reason
			}
		}
		t.Fatalf("the question after the move (seq %d, verdict %s) was not answered; %d questions answered, the last at seq %d", after, verdict, len(answered), maxQ)
	}
}
