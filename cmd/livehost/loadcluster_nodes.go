package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/livehost/livehost/internal/freeport"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/livehost/livehost/cluster"
	"github.com/livehost/livehost/server"
)

// loadCluster is the cluster `livehost load-cluster --db` runs for itself on loopback: a NATS
// server in this process and `livehost serve` child processes of this very binary.
type loadCluster struct {
	dir    string
	keep   bool // the logs directory was given: leave it
	bus    *natsserver.Server
	nodes  []*loadNode
	urls   []string
	admin  string
	db     string
	stderr io.Writer
}

type loadNode struct {
	id   string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
}

func startLoadCluster(ctx context.Context, env *cliEnv, cfg clusterLoadConfig) (lc *loadCluster, err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("load-cluster: find this program to start nodes with: %w", err)
	}
	catalog, err := filepath.Abs(cfg.catalog)
	if err != nil {
		return nil, err
	}
	lc = &loadCluster{admin: server.NewToken(), db: cfg.db, stderr: env.stderr, dir: cfg.logDir, keep: cfg.logDir != ""}
	if lc.keep {
		if err := os.MkdirAll(lc.dir, 0o755); err != nil {
			return nil, err
		}
	} else if lc.dir, err = os.MkdirTemp("", "livehost-load-cluster-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lc.stop()
		}
	}()
	natsURL := cfg.nats
	if natsURL == "" && !cfg.noBus {
		ports, err := freeport.Pick(1)
		if err != nil {
			return nil, err
		}
		lc.bus, err = cluster.StartBus(cluster.BusOptions{Addr: fmt.Sprintf("127.0.0.1:%d", ports[0]), StoreDir: filepath.Join(lc.dir, "nats")})
		if err != nil {
			return nil, err
		}
		natsURL = lc.bus.ClientURL()
	}
	for i := 1; i <= cfg.nodes; i++ {
		n, url, err := lc.startNode(ctx, exe, fmt.Sprintf("load-%d", i), catalog, cfg.db, natsURL)
		if n != nil {
			lc.nodes = append(lc.nodes, n)
		}
		if err != nil {
			return nil, err
		}
		lc.urls = append(lc.urls, url)
	}
	for i, u := range lc.urls {
		if err := waitReady(ctx, u, 60*time.Second); err != nil {
			return nil, fmt.Errorf("node %s: %w (log: %s)", lc.nodes[i].id, err, lc.nodes[i].log.Name())
		}
	}
	return lc, nil
}

// startNode runs `livehost serve` on a free loopback port and reads the URL it prints.
func (lc *loadCluster) startNode(ctx context.Context, exe, id, catalog, db, natsURL string) (*loadNode, string, error) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(lc.dir, id), "--db", db,
		"--catalog", catalog, "--ingest-rate", "-1", "--json", "--log-level", "warn"}
	if natsURL != "" {
		args = append(args, "--nats", natsURL, "--node-id", id)
	}
	logf, err := os.Create(filepath.Join(lc.dir, id+".log"))
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(nodeEnv(os.Environ()), "LIVEHOST_ADMIN_TOKEN="+lc.admin)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, "", fmt.Errorf("start node %s: %w", id, err)
	}
	n := &loadNode{id: id, cmd: cmd, log: logf, done: make(chan struct{})}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() { _ = cmd.Wait(); close(n.done) }()
	select {
	case line, ok := <-first:
		var info struct {
			URL string `json:"url"`
		}
		if !ok || json.Unmarshal([]byte(line), &info) != nil || info.URL == "" {
			return n, "", fmt.Errorf("node %s: no startup line (%q); see %s", id, line, logf.Name())
		}
		return n, info.URL, nil
	case <-time.After(90 * time.Second):
		return n, "", fmt.Errorf("node %s did not start within 90 s; see %s", id, logf.Name())
	case <-ctx.Done():
		return n, "", ctx.Err()
	}
}

// nodeEnv is this environment without livehost's own settings and hosted-model keys: the nodes
// run the default configuration, so the figures are the offline ones.
func nodeEnv(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if strings.HasPrefix(kv, "LIVEHOST_") || strings.HasPrefix(kv, "OPENAI_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// waitReady waits for a node's /readyz to answer 200.
func waitReady(ctx context.Context, base string, within time.Duration) error {
	deadline := time.Now().Add(within)
	last := "no answer"
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/readyz", nil)
		req.Close = true // no idle connection left behind
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", res.StatusCode, strings.TrimSpace(string(b)))
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("not ready within %s: %s", within, last)
}

// stop drains the nodes (SIGTERM, as a deployment would), then stops the bus.
func (lc *loadCluster) stop() {
	for _, n := range lc.nodes {
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, n := range lc.nodes {
		select {
		case <-n.done:
		case <-time.After(20 * time.Second):
			fmt.Fprintf(lc.stderr, "load-cluster: node %s did not stop within 20 s of SIGTERM; killed\n", n.id)
			_ = n.cmd.Process.Kill()
			<-n.done
		}
		n.log.Close()
	}
	if lc.bus != nil {
		lc.bus.Shutdown()
		lc.bus.WaitForShutdown()
	}
	if !lc.keep {
		os.RemoveAll(lc.dir)
	}
}

// owners reads which node holds each show's lease, from the cluster's table in PostgreSQL.
func (lc *loadCluster) owners(ctx context.Context) (map[string]int, error) {
	conn, err := pgx.Connect(ctx, lc.db)
	if err != nil {
		return nil, fmt.Errorf("load-cluster: read the shows' owners: %w", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT show_id, node FROM show_owners`)
	if err != nil {
		return nil, fmt.Errorf("load-cluster: read the shows' owners: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var show, node string
		if err := rows.Scan(&show, &node); err != nil {
			return nil, fmt.Errorf("load-cluster: read the shows' owners: %w", err)
		}
		for i, n := range lc.nodes {
			if n.id == node {
				out[show] = i
			}
		}
	}
	return out, rows.Err()
}

// cpu is the CPU time the nodes have used so far, in seconds (0 where /proc cannot tell).
func (lc *loadCluster) cpu() float64 {
	var sum float64
	for _, n := range lc.nodes {
		sum += procCPU(n.cmd.Process.Pid)
	}
	return sum
}

// procCPU reads a process's user and system time from /proc/PID/stat (Linux ticks of 1/100 s).
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after it are fixed.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// selfCPU is this process's CPU time so far, in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func cpuOf(f func() float64) float64 {
	if f == nil {
		return 0
	}
	return f()
}
