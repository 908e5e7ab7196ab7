package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestServeFlags(t *testing.T) {
	code, _, stderr := runCLI(t, "", nil, "serve", "--help")
	if code != 0 || !strings.Contains(stderr, "--demo") || !strings.Contains(stderr, "LIVEHOST_ADMIN_TOKEN") {
		t.Fatalf("serve --help: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, "", nil, "serve", "--demo-rate", "0")
	if code != 2 || !strings.Contains(stderr, "--demo-rate") {
		t.Fatalf("bad --demo-rate: exit %d %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "", nil, "serve", "--log-level", "loud", "--data", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "log level") {
		t.Fatalf("bad --log-level: exit %d %q", code, stderr)
	}
}

// buildBinary builds livehost into a temp dir: the kill test needs a real process to SIGKILL.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "livehost")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
}

const killAdmin = "lh_kill_test_admin_0123456789"

func startServe(t *testing.T, bin, data string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--json", "--log-level", "warn",
		"--catalog", filepath.Join("..", "..", "examples", "catalog.jsonl")}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LIVEHOST_ADMIN_TOKEN="+killAdmin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		if !ok {
			t.Fatalf("serve printed nothing; stderr:\n%s", stderr.String())
		}
		var info startupInfo
		if err := json.Unmarshal([]byte(l), &info); err != nil {
			t.Fatalf("startup line %q: %v", l, err)
		}
		return &proc{cmd: cmd, url: info.URL, stderr: &stderr}
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start; stderr:\n%s", stderr.String())
	}
	return nil
}

// testClient never waits long: a hung server fails the test instead of hanging it.
var testClient = &http.Client{Timeout: 30 * time.Second}

func call(url, token, method string, body any, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := testClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return res.StatusCode, fmt.Errorf("decode %q: %w", data, err)
		}
	}
	return res.StatusCode, nil
}

// TestKillDuringIngestLosesNothingAcknowledged SIGKILLs a real server while chat pours in, restarts
// it on the same data directory and checks that every message that got a 202 is in the log with
// the sequence number it was given.
func TestKillDuringIngestLosesNothingAcknowledged(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	p := startServe(t, bin, data)
	if code, err := call(p.url+"/api/shows", killAdmin, "POST", map[string]any{"id": "k1", "title": "kill test", "lineup": []string{"LH-COS-001"}}, nil); code != 201 {
		t.Fatalf("create show: %d %v", code, err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if code, err := call(p.url+"/api/shows/k1/tokens", killAdmin, "POST", map[string]string{"role": "ingest"}, &tok); code != 201 {
		t.Fatalf("token: %d %v", code, err)
	}

	type ack struct {
		seq  int64
		text string
	}
	var mu sync.Mutex
	var acked []ack
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				msgs := make([]map[string]string, 20)
				for i := range msgs {
					msgs[i] = map[string]string{"user": fmt.Sprintf("w%d", w), "text": fmt.Sprintf("msg w%d-%d-%d いくら？", w, n, i)}
				}
				var res struct {
					Results []struct {
						Seq int64 `json:"seq"`
					} `json:"results"`
				}
				code, err := call(p.url+"/api/shows/k1/chat", tok.Token, "POST", msgs, &res)
				if err != nil || code != 202 {
					return // the server is gone
				}
				mu.Lock()
				for i, r := range res.Results {
					acked = append(acked, ack{r.Seq, msgs[i]["text"]})
				}
				mu.Unlock()
			}
		}()
	}
	// Kill once a good amount has been acknowledged, with requests still in flight.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 1500 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatalf("nothing was acknowledged before the kill; stderr:\n%s", p.stderr)
	}

	p2 := startServe(t, bin, data)
	logged := map[int64]string{}
	var after, last int64
	for {
		var page struct {
			Events []map[string]any `json:"events"`
		}
		if code, err := call(fmt.Sprintf("%s/api/shows/k1/events?after=%d&limit=1000", p2.url, after), killAdmin, "GET", nil, &page); code != 200 {
			t.Fatalf("read log after restart: %d %v", code, err)
		}
		if len(page.Events) == 0 {
			break
		}
		for _, ev := range page.Events {
			seq := int64(ev["seq"].(float64))
			if seq != last+1 {
				t.Fatalf("log has a gap: %d after %d", seq, last)
			}
			last = seq
			if ev["type"] == "chat.received" {
				logged[seq] = ev["text"].(string)
			}
		}
		after = last
	}
	for _, a := range acked {
		if got, ok := logged[a.seq]; !ok || got != a.text {
			t.Fatalf("acknowledged message seq %d %q is not in the log after the kill (found %q)", a.seq, a.text, got)
		}
	}
	t.Logf("%d acknowledged messages, all in the log (%d chat messages logged, %d events)", len(acked), len(logged), last)

	// SIGTERM is a graceful shutdown: exit status 0.
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p2.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("graceful shutdown: %v\n%s", err, p2.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit 30 s after SIGTERM")
	}
}
