package cluster_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livehost/livehost/internal/freeport"
	"github.com/livehost/livehost/internal/pgtest"
	"github.com/livehost/livehost/show"
)

// TestSeveralNodesAsDocumented runs the README's "Several nodes" block as written, with bash,
// on free loopback ports, a test database and a temporary directory: three `livehost nats`
// routed into one NATS cluster and three `livehost serve` nodes, each on its own NATS server.
// An event posted on one node reaches streams on the others, across NATS servers; then node1's
// NATS server is killed, node1 moves to another server of the cluster, and events still cross
// nodes, each once, in order.
func TestSeveralNodesAsDocumented(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six processes")
	}
	block := readmeBlock(t, "<!-- several-nodes: run by cluster/readme_test.go -->")
	dbURL := pgtest.URL(t)
	dir := t.TempDir()
	ports := map[string]string{}
	names := []string{"4222", "4223", "4224", "6222", "6223", "6224", "8081", "8082", "8083"}
	picked, err := freeport.Pick(len(names))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range names {
		ports[p] = strconv.Itoa(picked[i])
	}
	catalog, err := filepath.Abs("../examples/catalog.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	script := strings.NewReplacer(
		"postgres://livehost@127.0.0.1:5432/livehost", dbURL,
		"change-me-to-a-long-random-secret", adminToken,
		"/tmp/livehost/", dir+"/",
		" examples/catalog.jsonl", " "+catalog,
	).Replace(block)
	script = regexp.MustCompile(`127\.0\.0\.1:(\d{4})\b`).ReplaceAllStringFunc(script, func(m string) string {
		if p, ok := ports[m[len("127.0.0.1:"):]]; ok {
			return "127.0.0.1:" + p
		}
		return m
	})
	bin := livehostBinary(t)
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"), "OPENAI_API_KEY=", "OPENAI_BASE_URL=", "LIVEHOST_LOG_LEVEL=warn")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the script's process group: its six servers
		<-done
		if dir := os.Getenv("LIVEHOST_CLUSTER_LOGS"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, "readme.log"), []byte(logs.String()), 0o644)
		}
		if t.Failed() {
			t.Logf("script output:\n%s", tail(logs.String(), 80))
		}
	})

	var nodes []*node
	for i, p := range []string{"8081", "8082", "8083"} {
		n := &node{id: fmt.Sprintf("node%d", i+1), url: "http://127.0.0.1:" + ports[p], done: done}
		deadline := time.Now().Add(90 * time.Second)
		for !ready(n.url) {
			select {
			case <-done:
				t.Fatal("the README's block ended early")
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready within 90 s", n.id)
			}
			time.Sleep(100 * time.Millisecond)
		}
		nodes = append(nodes, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var sh show.Show
	if _, err := do(ctx, http.MethodPost, nodes[0].url+"/api/shows", map[string]any{"title": "README", "lineup": []string{"LH-COS-001"}}, &sh); err != nil {
		t.Fatal(err)
	}
	watchers := []*watcher{watch(t, nodes[0], sh.ID), watch(t, nodes[2], sh.ID)}
	chat := func(n *node, i int) {
		t.Helper()
		for try := 0; ; try++ {
			_, err := do(ctx, http.MethodPost, n.url+"/api/shows/"+sh.ID+"/chat", map[string]string{"id": fmt.Sprintf("r-%d", i), "user": "v", "text": "かわいい"}, nil)
			if err == nil {
				return
			}
			if try == 50 {
				t.Fatalf("chat %d on %s: %v", i, n.id, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Posted on node2, seen on the streams of node1 and node3.
	for i := range 10 {
		chat(nodes[1], i)
	}
	seen := func(want int64) {
		t.Helper()
		checkWatchers(t, watchers, want)
	}
	evs := allEvents(t, nodes[1].url, sh.ID)
	seen(evs[len(evs)-1].Seq)

	// Which NATS server is each node on? Kill the one node1 uses.
	natsPorts := map[string]string{ports["4222"]: "nats1", ports["4223"]: "nats2", ports["4224"]: "nats3"}
	procs := groupProcesses(t, cmd.Process.Pid)
	on := map[string]string{}
	for _, n := range []string{"node1", "node2", "node3"} {
		pid, ok := procs["--node-id "+n]
		if !ok {
			t.Fatalf("no process of %s in %v", n, procs)
		}
		for _, p := range remotePorts(t, pid) {
			if s, ok := natsPorts[p]; ok {
				on[n] = s
			}
		}
	}
	t.Logf("nodes on NATS servers: %v", on)
	for i, n := range []string{"node1", "node2", "node3"} {
		if want := fmt.Sprintf("nats%d", i+1); on[n] != want {
			t.Errorf("%s is on NATS server %q, not on its own (the first of its --nats), %s", n, on[n], want)
		}
	}
	victim := on["node1"]
	pid, ok := procs["--name "+victim]
	if victim == "" || !ok {
		t.Fatalf("node1 is on NATS server %q, process %d", victim, pid)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// node1 moves to another server; events posted on every node reach both streams.
	deadline := time.Now().Add(30 * time.Second)
	for {
		moved := ""
		for _, p := range remotePorts(t, procs["--node-id node1"]) {
			if s, ok := natsPorts[p]; ok && s != victim {
				moved = s
			}
		}
		if moved != "" && ready(nodes[0].url) {
			t.Logf("node1 moved from %s to %s", victim, moved)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node1 did not reconnect to another NATS server within 30 s of losing %s", victim)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i := 10; i < 40; i++ {
		chat(nodes[i%3], i)
	}
	evs = allEvents(t, nodes[2].url, sh.ID)
	seen(evs[len(evs)-1].Seq)
	n := 0
	for _, ev := range evs {
		if ev.Type == show.TypeChatReceived {
			n++
		}
	}
	if n != 40 {
		t.Fatalf("%d chat messages in the log, want 40", n)
	}
}

// readmeBlock is the fenced block that follows marker in README.md.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), marker+"\n```sh\n")
	if !ok {
		t.Fatalf("README.md has no ```sh block after %q", marker)
	}
	block, _, ok := strings.Cut(rest, "\n```")
	if !ok {
		t.Fatal("README.md: the block does not end")
	}
	return block
}

func ready(url string) bool {
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// groupProcesses maps "--node-id nodeN" and "--name natsN" to the pid of the process of the
// group that has them on its command line.
func groupProcesses(t *testing.T, pgid int) map[string]int {
	t.Helper()
	out := map[string]int{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, err := syscall.Getpgid(pid); err != nil || g != pgid || pid == pgid {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		for i := 0; i+1 < len(args); i++ {
			if args[i] == "--node-id" || args[i] == "--name" {
				out[args[i]+" "+args[i+1]] = pid
			}
		}
	}
	return out
}

// remotePorts are the remote ports of the process's established IPv4 TCP connections.
func remotePorts(t *testing.T, pid int) []string {
	t.Helper()
	inodes := map[string]bool{}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ports []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 10 || fs[3] != "01" || !inodes[fs[9]] { // 01: established
			continue
		}
		_, hexPort, _ := strings.Cut(fs[2], ":")
		if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
			ports = append(ports, strconv.FormatUint(p, 10))
		}
	}
	return ports
}
