package cluster_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/livehost/livehost/internal/freeport"
	"github.com/livehost/livehost/show"
)

// The cluster tests run real parts: PostgreSQL from scripts/test.sh (internal/pgtest), a NATS
// server with JetStream started here from its Go module, and `livehost serve` processes built
// from this tree, on loopback.

const adminToken = "cluster-test-admin-token-0123456789"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// livehostBinary builds cmd/livehost once per test run.
func livehostBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "livehost-cluster-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "livehost")
		cmd := exec.Command("go", "build", "-o", binPath, "../cmd/livehost")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// natsServer is a NATS server with JetStream, restartable on the same port and store.
type natsServer struct {
	t    *testing.T
	port int
	dir  string
	srv  *natsserver.Server
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	// Below the ephemeral range, so no client's connection holds the port when it restarts.
	ports, err := freeport.Pick(1)
	if err != nil {
		t.Fatal(err)
	}
	ns := &natsServer{t: t, port: ports[0], dir: t.TempDir()}
	ns.start()
	t.Cleanup(ns.stop)
	return ns
}

func (ns *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", ns.port) }

func (ns *natsServer) start() {
	ns.t.Helper()
	srv, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: ns.port, JetStream: true,
		StoreDir: ns.dir, MaxPayload: 8 << 20, NoSigs: true})
	if err != nil {
		ns.t.Fatalf("nats server: %v", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		ns.t.Fatal("nats server not ready")
	}
	ns.srv = srv
}

func (ns *natsServer) stop() {
	if ns.srv != nil {
		ns.srv.Shutdown()
		ns.srv.WaitForShutdown()
		ns.srv = nil
	}
}

// node is one `livehost serve` process.
type node struct {
	id   string
	url  string
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startNode(t *testing.T, id, dbURL, natsURL string, extra ...string) *node {
	t.Helper()
	bin := livehostBinary(t)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dbURL, "--nats", natsURL, "--node-id", id,
		"--catalog", "../examples/catalog.jsonl", "--data", t.TempDir(), "--json", "--log-level", "info"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LIVEHOST_ADMIN_TOKEN="+adminToken, "OPENAI_API_KEY=", "OPENAI_BASE_URL=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	n := &node{id: id, cmd: cmd, logs: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = n.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(n.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-n.done
		if dir := os.Getenv("LIVEHOST_CLUSTER_LOGS"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, id+".log"), []byte(n.logs.String()), 0o644)
		}
		if t.Failed() {
			t.Logf("node %s log:\n%s", id, tail(n.logs.String(), 60))
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	select {
	case line := <-lines:
		var info struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal([]byte(line), &info); err != nil || info.URL == "" {
			t.Fatalf("node %s: startup line %q: %v", id, line, err)
		}
		n.url = info.URL
	case <-n.done:
		t.Fatalf("node %s exited:\n%s", id, n.logs.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("node %s did not start:\n%s", id, n.logs.String())
	}
	return n
}

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// kill ends the process at once, as a crash would.
func (n *node) kill(t *testing.T) {
	t.Helper()
	_ = n.cmd.Process.Kill()
	<-n.done
}

// waitReady waits for /readyz to answer 200.
func (n *node) waitReady(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(n.url + "/readyz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %s not ready: %d %s", n.id, resp.StatusCode, b)
			}
		} else if time.Now().After(deadline) {
			t.Fatalf("node %s not ready: %v", n.id, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// do sends an admin request and decodes a JSON answer into out; it returns the status.
func do(ctx context.Context, method, url string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s: %w", b, err)
		}
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return resp.StatusCode, nil
}

// allEvents reads a show's whole log through the API.
func allEvents(t *testing.T, base, showID string) []show.Event {
	t.Helper()
	var out []show.Event
	after := int64(0)
	for {
		var page struct {
			Events []show.Event `json:"events"`
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := do(ctx, http.MethodGet, fmt.Sprintf("%s/api/shows/%s/events?after=%d&limit=1000", base, showID, after), nil, &page)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) == 0 {
			return out
		}
		out = append(out, page.Events...)
		after = page.Events[len(page.Events)-1].Seq
	}
}

// watcher is a WebSocket subscriber of a show's stream on one node.
type watcher struct {
	node   string
	mu     sync.Mutex
	seqs   []int64
	err    error
	cancel context.CancelFunc
	done   chan struct{}
}

func watch(t *testing.T, n *node, showID string) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	u := strings.Replace(n.url, "http", "ws", 1) + "/api/shows/" + showID + "/stream?token=" + adminToken
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		cancel()
		t.Fatalf("stream on %s: %v", n.id, err)
	}
	c.SetReadLimit(1 << 24)
	w := &watcher{node: n.id, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer c.CloseNow()
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				if ctx.Err() == nil {
					w.mu.Lock()
					w.err = err
					w.mu.Unlock()
				}
				return
			}
			for _, line := range bytes.Split(b, []byte("\n")) {
				var ev struct {
					Seq int64 `json:"seq"`
				}
				if json.Unmarshal(line, &ev) != nil || ev.Seq <= 0 {
					continue // resync markers
				}
				w.mu.Lock()
				w.seqs = append(w.seqs, ev.Seq)
				w.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-w.done })
	return w
}

func (w *watcher) snapshot() ([]int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int64(nil), w.seqs...), w.err
}

// checkLogged: the log is dense and in order, every acknowledged message is in it once at the seq
// it was acknowledged with, some question was answered and none twice. It returns how often each
// chat seq was answered.
func checkLogged(t *testing.T, evs []show.Event, in *ingester) map[int64]int {
	t.Helper()
	seqs := make([]int64, len(evs))
	for i, ev := range evs {
		seqs[i] = ev.Seq
	}
	checkSeqs(t, "the log", seqs, int64(len(evs)))
	byID := map[string]int64{}
	answered := map[int64]int{}
	for _, ev := range evs {
		switch ev.Type {
		case show.TypeChatReceived:
			var p show.ChatReceived
			if err := ev.Decode(&p); err != nil {
				t.Fatal(err)
			}
			if prev, ok := byID[p.ID]; ok {
				t.Fatalf("message %s logged twice, at %d and %d", p.ID, prev, ev.Seq)
			}
			byID[p.ID] = ev.Seq
		case show.TypeQuestionDetected:
			var p show.QuestionDetected
			if err := ev.Decode(&p); err != nil {
				t.Fatal(err)
			}
			if answered[p.ChatSeq]++; answered[p.ChatSeq] > 1 {
				t.Fatalf("question at seq %d answered twice", p.ChatSeq)
			}
		}
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	for id, seq := range in.acked {
		if got, ok := byID[id]; !ok || got != seq {
			t.Fatalf("message %s got a 202 at seq %d; the log has it at %d (0: not at all)", id, seq, got)
		}
	}
	if len(answered) == 0 {
		t.Fatal("no question was answered")
	}
	return answered
}

// checkWatchers waits until every subscriber has seen up to last, and checks it saw every event
// once, in order.
func checkWatchers(t *testing.T, watchers []*watcher, last int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, w := range watchers {
		for {
			seqs, err := w.snapshot()
			if err != nil {
				t.Fatalf("subscriber on %s: %v", w.node, err)
			}
			if len(seqs) > 0 && seqs[len(seqs)-1] >= last {
				checkSeqs(t, w.node, seqs, last)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("subscriber on %s saw %d events, up to %v; the log has %d", w.node, len(seqs), lastOf(seqs), last)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
