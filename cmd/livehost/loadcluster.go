package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/livehost/livehost/internal/config"
)

func init() {
	register(command{name: "load-cluster", summary: "load-test several nodes at once: shows, ingest and streams spread over them (latency across nodes, loss)", run: runLoadCluster})
}

type clusterLoadConfig struct {
	urls        []string
	admin       string
	catalog     string
	db, nats    string
	nodes       int
	noBus       bool
	shows       int
	rate        float64 // per show
	batch, subs int     // subs per show
	duration    time.Duration
	concurrency int
	jsonOut     bool
	logDir      string
	nodeCPU     func() float64 // CPU seconds of the nodes this started, so far
	// owners says which node (an index into urls) owns each show, when this started the nodes.
	owners func(ctx context.Context) (map[string]int, error)
}

// clusterLoadReport is what `livehost load-cluster` measured. "Cross" is the latency from
// posting a message to one node to its chat.received event on a stream served by another node:
// the path through the bus between nodes.
type clusterLoadReport struct {
	Nodes              []string `json:"nodes"`
	Bus                string   `json:"bus"` // "nats" or "none"
	Shows              int      `json:"shows"`
	RatePerShow        float64  `json:"rate_per_show"`
	Batch              int      `json:"batch"`
	SubscribersPerShow int      `json:"subscribers_per_show"`
	Messages           int      `json:"messages"`
	Acknowledged       int      `json:"acknowledged"`
	Rejected           int      `json:"rejected"` // never acknowledged, retries included
	Retries            int      `json:"retries"`  // requests sent again (same message ids) after an error
	DuplicateAcks      int      `json:"duplicate_acks"`
	TargetRate         float64  `json:"target_rate"` // all shows
	AchievedRate       float64  `json:"achieved_rate"`
	IngestP50MS        float64  `json:"ingest_p50_ms"` // POST → 202
	IngestP99MS        float64  `json:"ingest_p99_ms"`
	CrossP50MS         float64  `json:"cross_p50_ms"` // POST to node A → chat.received on a stream of node B
	CrossP90MS         float64  `json:"cross_p90_ms"`
	CrossP99MS         float64  `json:"cross_p99_ms"`
	CrossMaxMS         float64  `json:"cross_max_ms"`
	CrossSamples       int      `json:"cross_samples"`
	SameP50MS          float64  `json:"same_p50_ms"` // POST to node A → chat.received on a stream of node A
	SameP99MS          float64  `json:"same_p99_ms"`
	SameSamples        int      `json:"same_samples"`
	AllP99MS           float64  `json:"all_p99_ms"`
	// With --db the owner of each show is known (show_owners): "owner" is a stream on the node
	// that commits the show's events, "bus" one on a node they reach over NATS. This isolates the
	// hop between nodes, which "cross" (a node other than the one posted to) does not: most posts
	// reach a node that is not the owner either.
	OwnerP50MS     float64 `json:"owner_p50_ms"`
	OwnerP99MS     float64 `json:"owner_p99_ms"`
	OwnerSamples   int     `json:"owner_samples"`
	BusP50MS       float64 `json:"bus_p50_ms"`
	BusP99MS       float64 `json:"bus_p99_ms"`
	BusSamples     int     `json:"bus_samples"`
	Missing        int     `json:"missing"`   // (acknowledged message, subscriber) pairs never delivered
	Gaps           int     `json:"gaps"`      // sequence gaps seen by subscribers
	Repeats        int     `json:"repeats"`   // a message seen twice on one stream
	Resyncs        int     `json:"resyncs"`   // stream.resync markers (a slow subscriber skipped ahead)
	Forwarded      int64   `json:"forwarded"` // requests the nodes forwarded to a show's owner (from /metrics)
	ForwardErrors  int64   `json:"forward_errors"`
	BusReceived    int64   `json:"bus_events_received"`
	BusBadMessages int64   `json:"bus_bad_messages"`
	PublishErrors  int64   `json:"bus_publish_errors"`
	ElapsedS       float64 `json:"elapsed_s"`
	CPUs           int     `json:"cpus"`
	LoadAvgBefore  string  `json:"loadavg_before"`
	LoadAvgAfter   string  `json:"loadavg_after"`
	// CPU spent while sending and until every subscriber had every message: by the node processes
	// this started (zero with --url), and by this process (the load and its subscribers, and the
	// NATS server when this started it). PostgreSQL's is not counted.
	NodeCPUS       float64 `json:"node_cpu_s"`
	NodeCPUMSPer1k float64 `json:"node_cpu_ms_per_1k_messages"`
	LoadCPUS       float64 `json:"load_cpu_s"`
	// Windows are the stream latencies (all subscribers) by when the message was sent, 5 s at a
	// time: a latency that climbs window after window means the nodes fall behind the rate; one
	// that jumps and recovers is a stall.
	Windows []loadWindow `json:"windows"`
}

// loadWindow is the stream latency of the messages sent in one 5 s window of the run.
type loadWindow struct {
	AtS   float64 `json:"at_s"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
	MaxMS float64 `json:"max_ms"`
}

func runLoadCluster(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "load-cluster", "livehost load-cluster (--db URL --nodes 3 | --url http://127.0.0.1:8081,http://127.0.0.1:8082,…) [--shows 10] [--rate 500] [--subscribers 20] [--duration 20s] [--json]",
		`Load-tests several livehost nodes that share shows (serve --db --nats), on loopback. Several
shows run at once; each show's chat is posted in batches at a fixed rate, batch after batch to
the next node round-robin, and each show's WebSocket subscribers are spread over the nodes too.
Every message carries an id (as a platform's message id), so a batch that fails is sent again,
to the next node, without being logged twice.

It reports ingest latency (POST → 202), the latency from posting a message to one node to its
chat.received event on a stream of another node ("cross", the path through the bus) and of the
same node, and loss: every acknowledged message must reach every subscriber once, with no gap in
the sequence numbers. It exits 1 on any loss.

With --db and --nodes it starts the cluster itself: a NATS server with JetStream in this process
(as "livehost nats"), then --nodes "livehost serve" processes of this binary with the same --db
and their own --node-id, waits for their /readyz, runs, and stops them. Use a database of its own
(every node folds every show of the database at start). --no-bus with --nodes 1 runs the one node
without NATS (the single-process path), for comparison.`)
	cfg := clusterLoadConfig{}
	var urls string
	fs.StringVar(&urls, "url", "", "comma-separated URLs of running nodes (loopback only); empty: start --nodes nodes on --db")
	fs.StringVar(&cfg.admin, "admin-token", env.config().AdminToken, "admin token of the --url nodes (env LIVEHOST_ADMIN_TOKEN)")
	fs.StringVar(&cfg.db, "db", "", "PostgreSQL URL for the nodes this starts")
	fs.IntVar(&cfg.nodes, "nodes", 3, "nodes to start with --db")
	fs.StringVar(&cfg.nats, "nats", "", "with --db: NATS URL the started nodes share; empty: start one in this process")
	fs.BoolVar(&cfg.noBus, "no-bus", false, "with --db --nodes 1: run the node without NATS")
	fs.StringVar(&cfg.catalog, "catalog", "examples/catalog.jsonl", "catalog of the nodes this starts")
	fs.StringVar(&cfg.logDir, "logs", "", "directory for the started nodes' logs (default: a temporary one, removed)")
	fs.IntVar(&cfg.shows, "shows", 10, "shows at once")
	fs.Float64Var(&cfg.rate, "rate", 500, "chat messages per second per show")
	fs.IntVar(&cfg.batch, "batch", 10, "messages per HTTP request")
	fs.IntVar(&cfg.subs, "subscribers", 20, "WebSocket subscribers per show")
	fs.DurationVar(&cfg.duration, "duration", 20*time.Second, "how long to send (at most 15m)")
	fs.IntVar(&cfg.concurrency, "concurrency", 64, "most requests in flight, all shows together")
	fs.BoolVar(&cfg.jsonOut, "json", false, "print the report as JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg.urls = config.List(urls)
	switch {
	case cfg.shows < 1 || cfg.shows > 1000:
		return &exitError{2, fmt.Errorf("--shows %d: want 1 to 1000", cfg.shows)}
	case cfg.rate <= 0 || cfg.rate > 100000:
		return &exitError{2, fmt.Errorf("--rate %g: want 1 to 100000 messages/s per show", cfg.rate)}
	case cfg.batch < 1 || cfg.batch > 1000:
		return &exitError{2, fmt.Errorf("--batch %d: want 1 to 1000", cfg.batch)}
	case cfg.subs < 0 || cfg.subs > 500:
		return &exitError{2, fmt.Errorf("--subscribers %d: want 0 to 500 per show", cfg.subs)}
	case cfg.duration <= 0 || cfg.duration > 15*time.Minute:
		return &exitError{2, fmt.Errorf("--duration %s: want more than 0 and at most 15m", cfg.duration)}
	case cfg.concurrency < 1:
		return &exitError{2, fmt.Errorf("--concurrency %d: want at least 1", cfg.concurrency)}
	case len(cfg.urls) > 0 && cfg.db != "":
		return &exitError{2, errors.New("--url and --db: give running nodes (--url) or a database to start nodes on (--db), not both")}
	case len(cfg.urls) == 0 && cfg.db == "":
		return &exitError{2, errors.New("give --url (running nodes) or --db (PostgreSQL to start --nodes nodes on)")}
	case cfg.db != "" && (cfg.nodes < 1 || cfg.nodes > 16):
		return &exitError{2, fmt.Errorf("--nodes %d: want 1 to 16", cfg.nodes)}
	case cfg.noBus && (cfg.nodes != 1 || cfg.nats != ""):
		return &exitError{2, errors.New("--no-bus: only with --nodes 1 and no --nats (nodes share shows through the bus)")}
	}
	for _, u := range cfg.urls {
		if err := loopbackOnly(u); err != nil {
			return &exitError{2, err}
		}
	}
	bus := "nats"
	if cfg.db != "" {
		lc, err := startLoadCluster(ctx, env, cfg)
		if err != nil {
			return err
		}
		defer lc.stop()
		cfg.urls, cfg.admin, cfg.nodeCPU = lc.urls, lc.admin, lc.cpu
		if !cfg.noBus {
			cfg.owners = lc.owners
		}
		if cfg.noBus {
			bus = "none"
		}
	} else if cfg.admin == "" {
		return &exitError{2, errors.New("--url needs the nodes' admin token (--admin-token or LIVEHOST_ADMIN_TOKEN)")}
	}
	rep, err := runClusterLoad(ctx, env, cfg)
	if err != nil {
		return err
	}
	rep.Bus = bus
	if cfg.jsonOut {
		b, _ := json.Marshal(rep)
		fmt.Fprintln(env.stdout, string(b))
	} else {
		printClusterReport(env, rep)
	}
	if rep.Missing > 0 || rep.Gaps > 0 || rep.Repeats > 0 {
		return &exitError{1, fmt.Errorf("loss: %d deliveries missing, %d sequence gaps, %d repeats", rep.Missing, rep.Gaps, rep.Repeats)}
	}
	return nil
}

func printClusterReport(env *cliEnv, r *clusterLoadReport) {
	w := env.stdout
	fmt.Fprintf(w, "%d node(s), bus %s: %s\n", len(r.Nodes), r.Bus, strings.Join(r.Nodes, " "))
	fmt.Fprintf(w, "%d shows × %.0f messages/s in batches of %d, %d subscribers per show; %d CPUs, load average %s before, %s after\n",
		r.Shows, r.RatePerShow, r.Batch, r.SubscribersPerShow, r.CPUs, r.LoadAvgBefore, r.LoadAvgAfter)
	fmt.Fprintf(w, "%-28s %10s %10s %10s %10s %10s\n", "", "p50 ms", "p90 ms", "p99 ms", "max ms", "samples")
	fmt.Fprintf(w, "%-28s %10.1f %10s %10.1f %10s %10s\n", "ingest POST → 202", r.IngestP50MS, "", r.IngestP99MS, "", "")
	fmt.Fprintf(w, "%-28s %10.1f %10.1f %10.1f %10.1f %10d\n", "→ stream on another node", r.CrossP50MS, r.CrossP90MS, r.CrossP99MS, r.CrossMaxMS, r.CrossSamples)
	fmt.Fprintf(w, "%-28s %10.1f %10s %10.1f %10s %10d\n", "→ stream on the same node", r.SameP50MS, "", r.SameP99MS, "", r.SameSamples)
	if r.OwnerSamples+r.BusSamples > 0 {
		fmt.Fprintf(w, "%-28s %10.1f %10s %10.1f %10s %10d\n", "→ stream on the show's owner", r.OwnerP50MS, "", r.OwnerP99MS, "", r.OwnerSamples)
		fmt.Fprintf(w, "%-28s %10.1f %10s %10.1f %10s %10d\n", "→ stream over the bus", r.BusP50MS, "", r.BusP99MS, "", r.BusSamples)
	}
	fmt.Fprintf(w, "messages %d, acknowledged %d, rejected %d, retried requests %d; %.0f/s of %.0f/s in %.1f s\n",
		r.Messages, r.Acknowledged, r.Rejected, r.Retries, r.AchievedRate, r.TargetRate, r.ElapsedS)
	fmt.Fprintf(w, "loss: %d missing, %d gaps, %d repeats, %d resyncs\n", r.Missing, r.Gaps, r.Repeats, r.Resyncs)
	if r.NodeCPUS > 0 {
		fmt.Fprintf(w, "CPU: nodes %.1f s (%.0f ms per 1,000 messages), load program %.1f s\n", r.NodeCPUS, r.NodeCPUMSPer1k, r.LoadCPUS)
	}
	for _, win := range r.Windows {
		fmt.Fprintf(w, "sent at %4.0f s: p50 %7.1f ms, p99 %7.1f ms, max %7.1f ms\n", win.AtS, win.P50MS, win.P99MS, win.MaxMS)
	}
	fmt.Fprintf(w, "nodes: %d requests forwarded to owners (%d failed), %d events over the bus, %d bad bus messages, %d publish errors\n",
		r.Forwarded, r.ForwardErrors, r.BusReceived, r.BusBadMessages, r.PublishErrors)
}

// loadShow is one show of the run and what happened to its messages.
type loadShow struct {
	id      string
	ingest  string // token
	watch   string // moderator token
	lastSeq int64
	owner   int32          // index of the owner's node; -1 unknown
	sentAt  []atomic.Int64 // unix ns of the first send of message n
	node    []atomic.Int32 // the node message n was last posted to
	acked   []atomic.Bool
}

// nodeSub is one WebSocket subscriber of one show on one node.
type nodeSub struct {
	streamTally
	sh     *loadShow
	node   int32
	cross  []float64
	same   []float64
	owner  []float64 // on the show's owner
	bus    []float64 // on a node the events reach over the bus
	byTime []latAt   // every sample, with when its message was sent
	err    error
}

func runClusterLoad(ctx context.Context, env *cliEnv, cfg clusterLoadConfig) (*clusterLoadReport, error) {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency, MaxConnsPerHost: cfg.concurrency}}
	defer hc.CloseIdleConnections()
	clients := make([]*apiClient, len(cfg.urls))
	for i, u := range cfg.urls {
		clients[i] = &apiClient{base: strings.TrimRight(u, "/"), hc: hc}
	}
	total := int(cfg.rate * cfg.duration.Seconds())
	total = max(cfg.batch, total/cfg.batch*cfg.batch)
	stamp := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	lineup := []string{"LH-COS-001", "LH-COS-002", "LH-COS-003", "LH-COS-004", "LH-COS-005"}

	// Shows are created on the nodes in turn, so placement by load spreads them.
	shows := make([]*loadShow, cfg.shows)
	for i := range shows {
		c := clients[i%len(clients)]
		sh := &loadShow{id: fmt.Sprintf("load-%s-%d", stamp, i), owner: -1, sentAt: make([]atomic.Int64, total),
			node: make([]atomic.Int32, total), acked: make([]atomic.Bool, total)}
		shows[i] = sh
		body := map[string]any{"id": sh.id, "title": "load test", "lineup": lineup}
		code, err := c.call(ctx, cfg.admin, "POST", "/api/shows", body, nil)
		if code == http.StatusBadRequest {
			lineup = nil
			_, err = c.call(ctx, cfg.admin, "POST", "/api/shows", map[string]any{"id": sh.id, "title": "load test"}, nil)
		}
		if err != nil {
			return nil, fmt.Errorf("create show %s: %w", sh.id, err)
		}
		for _, role := range []string{"ingest", "moderator"} {
			var t struct {
				Token string `json:"token"`
			}
			if _, err := c.call(ctx, cfg.admin, "POST", "/api/shows/"+sh.id+"/tokens", map[string]string{"role": role, "label": "load-" + role}, &t); err != nil {
				return nil, fmt.Errorf("show %s: create %s token: %w", sh.id, role, err)
			}
			if role == "ingest" {
				sh.ingest = t.Token
			} else {
				sh.watch = t.Token
			}
		}
		// A write goes to the show's owner: once it is answered the show has one.
		if len(lineup) > 0 {
			var on struct {
				Seq int64 `json:"seq"`
			}
			if _, err := c.call(ctx, cfg.admin, "POST", "/api/shows/"+sh.id+"/on-air", map[string]string{"sku": lineup[0]}, &on); err != nil {
				return nil, fmt.Errorf("show %s: put a product on air: %w", sh.id, err)
			}
			sh.lastSeq = on.Seq
		}
	}
	// Every node must have folded the shows up to where the subscribers start.
	for _, sh := range shows {
		for _, c := range clients {
			if err := waitSeq(ctx, c, cfg.admin, sh.id, sh.lastSeq); err != nil {
				return nil, err
			}
		}
	}

	if cfg.owners != nil {
		owners, err := cfg.owners(ctx)
		if err != nil {
			return nil, err
		}
		for _, sh := range shows {
			if i, ok := owners[sh.id]; ok {
				sh.owner = int32(i)
			}
		}
	}

	// Subscribers: subscriber j of show i on node (i+j) mod nodes.
	sctx, cancelSubs := context.WithCancel(ctx)
	defer cancelSubs()
	var subs []*nodeSub
	var swg sync.WaitGroup
	for i, sh := range shows {
		for j := 0; j < cfg.subs; j++ {
			ni := (i + j) % len(clients)
			s := &nodeSub{streamTally: newTally(total, sh.lastSeq), sh: sh, node: int32(ni)}
			subs = append(subs, s)
			u := fmt.Sprintf("ws%s/api/shows/%s/stream?after=%d&token=%s", strings.TrimPrefix(clients[ni].base, "http"), sh.id, sh.lastSeq, url.QueryEscape(sh.watch))
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			conn, _, err := websocket.Dial(dctx, u, nil)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("show %s: subscriber %d on %s: %w", sh.id, j, clients[ni].base, err)
			}
			conn.SetReadLimit(1 << 22)
			swg.Add(1)
			go func() {
				defer swg.Done()
				defer conn.CloseNow()
				s.read(sctx, conn)
			}()
		}
	}

	before := loadAvg()
	nodeCPU0, selfCPU0 := cpuOf(cfg.nodeCPU), selfCPU()
	var (
		latMu     sync.Mutex
		ingestLat []float64
		rejected  atomic.Int64
		retries   atomic.Int64
		dupAcks   atomic.Int64
	)
	sem := make(chan struct{}, cfg.concurrency)
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) * float64(cfg.batch) / cfg.rate)
	start := time.Now()
	var senders sync.WaitGroup
	for si, sh := range shows {
		senders.Add(1)
		go func() {
			defer senders.Done()
			gen := newChatGen(uint64(42+si), []demoProduct{{SKU: "LH-COS-001", Name: "うるツヤ リップティント"}, {SKU: "LH-COS-002", Name: "ロングキープ リップライナー"}})
			// Shows start a little apart, as they would; all send at the same rate.
			nextAt := start.Add(interval * time.Duration(si) / time.Duration(len(shows)))
			for k := 0; k*cfg.batch < total; k++ {
				if d := time.Until(nextAt); d > 0 {
					select {
					case <-time.After(d):
					case <-ctx.Done():
						return
					}
				}
				nextAt = nextAt.Add(interval)
				n0 := k * cfg.batch
				batch := make([]map[string]string, cfg.batch)
				for i := range batch {
					_, platform, text := gen.next()
					user := "viewer" + strconv.Itoa((n0+i)%(max(1, int(cfg.rate))*10))
					batch[i] = map[string]string{"user": user, "platform": platform, "text": text + " #" + strconv.Itoa(n0+i), "id": "L" + strconv.Itoa(n0+i)}
				}
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					t0 := time.Now()
					for i := range batch {
						sh.sentAt[n0+i].Store(t0.UnixNano())
					}
					for try := 0; ; try++ {
						ni := (k + si + try) % len(clients)
						for i := range batch {
							sh.node[n0+i].Store(int32(ni))
						}
						var res struct {
							Results []struct {
								Seq       int64 `json:"seq"`
								Duplicate bool  `json:"duplicate"`
							} `json:"results"`
						}
						code, err := clients[ni].call(ctx, sh.ingest, "POST", "/api/shows/"+sh.id+"/chat", batch, &res)
						if err == nil && code == http.StatusAccepted && len(res.Results) == len(batch) {
							d := float64(time.Since(t0).Microseconds()) / 1000
							latMu.Lock()
							ingestLat = append(ingestLat, d)
							latMu.Unlock()
							for i, r := range res.Results {
								sh.acked[n0+i].Store(true)
								if r.Duplicate {
									dupAcks.Add(1)
								}
							}
							return
						}
						// A bad request will not get better; anything else is sent again with the
						// same ids, to the next node, for up to 30 s.
						if code == http.StatusBadRequest || ctx.Err() != nil || time.Since(t0) > 30*time.Second {
							rejected.Add(int64(len(batch)))
							if err != nil && env.stderr != nil {
								fmt.Fprintf(env.stderr, "load-cluster: show %s: %v\n", sh.id, err)
							}
							return
						}
						retries.Add(1)
						time.Sleep(min(50*time.Millisecond*time.Duration(try+1), 500*time.Millisecond))
					}
				}()
			}
		}()
	}
	senders.Wait()
	wg.Wait()
	sendDone := time.Since(start)

	// Wait until every subscriber saw every acknowledged message of its show (or 30 s pass).
	ackCount := map[*loadShow]int{}
	acks := 0
	for _, sh := range shows {
		for i := range sh.acked {
			if sh.acked[i].Load() {
				ackCount[sh]++
			}
		}
		acks += ackCount[sh]
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		done := true
		for _, s := range subs {
			if s.count.Load() < int64(ackCount[s.sh]) {
				done = false
				break
			}
		}
		if done {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	nodeCPU, loadCPU := cpuOf(cfg.nodeCPU)-nodeCPU0, selfCPU()-selfCPU0
	cancelSubs()
	swg.Wait()

	rep := &clusterLoadReport{NodeCPUS: nodeCPU, LoadCPUS: loadCPU, Shows: cfg.shows, RatePerShow: cfg.rate, Batch: cfg.batch, SubscribersPerShow: cfg.subs,
		Messages: total * cfg.shows, Acknowledged: acks, Rejected: int(rejected.Load()), Retries: int(retries.Load()),
		DuplicateAcks: int(dupAcks.Load()), TargetRate: cfg.rate * float64(cfg.shows), AchievedRate: float64(acks) / sendDone.Seconds(),
		ElapsedS: sendDone.Seconds(), CPUs: runtime.NumCPU(), LoadAvgBefore: before, LoadAvgAfter: loadAvg()}
	for _, c := range clients {
		rep.Nodes = append(rep.Nodes, c.base)
	}
	slices.Sort(ingestLat)
	rep.IngestP50MS, rep.IngestP99MS = pct(ingestLat, 50), pct(ingestLat, 99)
	var cross, same, owner, bus []float64
	for _, s := range subs {
		if s.err != nil {
			return nil, s.err
		}
		cross = append(cross, s.cross...)
		same = append(same, s.same...)
		owner = append(owner, s.owner...)
		bus = append(bus, s.bus...)
		rep.Gaps += s.gaps
		rep.Repeats += s.repeats
		rep.Resyncs += s.resyncs
		for i := range s.sh.acked {
			if s.sh.acked[i].Load() && !s.seen[i] {
				rep.Missing++
			}
		}
	}
	slices.Sort(cross)
	slices.Sort(same)
	slices.Sort(owner)
	slices.Sort(bus)
	rep.OwnerSamples, rep.BusSamples = len(owner), len(bus)
	rep.OwnerP50MS, rep.OwnerP99MS, rep.BusP50MS, rep.BusP99MS = pct(owner, 50), pct(owner, 99), pct(bus, 50), pct(bus, 99)
	all := append(append([]float64(nil), cross...), same...)
	slices.Sort(all)
	rep.CrossSamples, rep.SameSamples = len(cross), len(same)
	rep.CrossP50MS, rep.CrossP90MS, rep.CrossP99MS = pct(cross, 50), pct(cross, 90), pct(cross, 99)
	if len(cross) > 0 {
		rep.CrossMaxMS = cross[len(cross)-1]
	}
	rep.SameP50MS, rep.SameP99MS, rep.AllP99MS = pct(same, 50), pct(same, 99), pct(all, 99)
	rep.Windows = windows(start, subs)
	if acks > 0 {
		rep.NodeCPUMSPer1k = nodeCPU * 1000 / float64(acks) * 1000
	}
	for _, c := range clients {
		if m, err := scrapeMetrics(ctx, c); err == nil {
			rep.Forwarded += int64(m["livehost_cluster_forward_seconds_count"])
			rep.ForwardErrors += int64(m["livehost_cluster_forward_errors_total"])
			rep.BusReceived += int64(m["livehost_cluster_events_received_total"])
			rep.BusBadMessages += int64(m["livehost_cluster_bad_messages_total"])
			rep.PublishErrors += int64(m["livehost_cluster_publish_errors_total"])
		}
	}
	return rep, nil
}

// waitSeq waits until a node serves a show's log up to seq (every node folds every show).
func waitSeq(ctx context.Context, c *apiClient, admin, showID string, seq int64) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct {
			LastSeq int64 `json:"last_seq"`
		}
		_, err := c.call(ctx, admin, "GET", "/api/shows/"+showID+"/state", nil, &st)
		if err == nil && st.LastSeq >= seq {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("show %s on %s: not at seq %d within 30 s (last %d, %v)", showID, c.base, seq, st.LastSeq, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// read consumes one stream, checking the sequence numbers and timing each of the load's messages.
func (s *nodeSub) read(ctx context.Context, conn *websocket.Conn) {
	var ev loadEvent
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.err = fmt.Errorf("show %s: subscriber on node %d: %w", s.sh.id, s.node, err)
			}
			return
		}
		now := time.Now().UnixNano()
		for len(data) > 0 {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			if err := parseLoadEvent(line, &ev); err != nil {
				s.err = fmt.Errorf("show %s: subscriber: bad event %q: %w", s.sh.id, line, err)
				return
			}
			s.event(ev, now)
		}
	}
}

func (s *nodeSub) event(ev loadEvent, now int64) {
	n, ok := s.take(ev)
	if !ok {
		return
	}
	sent := s.sh.sentAt[n].Load()
	d := float64(now-sent) / 1e6
	s.byTime = append(s.byTime, latAt{sent, d})
	if s.sh.node[n].Load() == s.node {
		s.same = append(s.same, d)
	} else {
		s.cross = append(s.cross, d)
	}
	switch s.sh.owner {
	case -1:
	case s.node:
		s.owner = append(s.owner, d)
	default:
		s.bus = append(s.bus, d)
	}
}

type latAt struct {
	sent int64 // unix ns
	ms   float64
}

// windows groups latencies by when their message was sent, every 5 s from start.
func windows(start time.Time, subs []*nodeSub) []loadWindow {
	const width = 5 * time.Second
	var buckets [][]float64
	for _, s := range subs {
		for _, l := range s.byTime {
			i := int(time.Duration(l.sent-start.UnixNano()) / width)
			if i < 0 {
				i = 0
			}
			for len(buckets) <= i {
				buckets = append(buckets, nil)
			}
			buckets[i] = append(buckets[i], l.ms)
		}
	}
	out := make([]loadWindow, 0, len(buckets))
	for i, b := range buckets {
		slices.Sort(b)
		w := loadWindow{AtS: (time.Duration(i) * width).Seconds()}
		if len(b) > 0 {
			w.P50MS, w.P99MS, w.MaxMS = pct(b, 50), pct(b, 99), b[len(b)-1]
		}
		out = append(out, w)
	}
	return out
}

// loadAvg is the machine's 1, 5 and 15 minute load average, as /proc/loadavg says.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
