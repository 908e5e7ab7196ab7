package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/server"
	"github.com/livehost/livehost/show"
)

func init() {
	register(command{name: "load", summary: "load-test chat ingest and the event stream on loopback (latency, loss)", run: runLoad})
}

type loadConfig struct {
	url, admin, catalog string
	rate                float64
	batch, subs         int
	duration            time.Duration
	concurrency         int
	jsonOut             bool
	cpuProfile          string
	repeat              bool
}

// loadReport is what `livehost load` measured.
type loadReport struct {
	Target       string  `json:"target"`
	Messages     int     `json:"messages"`
	Acknowledged int     `json:"acknowledged"`
	Rejected     int     `json:"rejected"`
	Batch        int     `json:"batch"`
	Subscribers  int     `json:"subscribers"`
	TargetRate   float64 `json:"target_rate"`
	AchievedRate float64 `json:"achieved_rate"`
	IngestP50MS  float64 `json:"ingest_p50_ms"` // POST → 202
	IngestP99MS  float64 `json:"ingest_p99_ms"`
	StreamP50MS  float64 `json:"stream_p50_ms"` // POST sent → chat.received on a subscriber's stream
	StreamP90MS  float64 `json:"stream_p90_ms"`
	StreamP99MS  float64 `json:"stream_p99_ms"`
	StreamMaxMS  float64 `json:"stream_max_ms"`
	Samples      int     `json:"samples"`
	Missing      int     `json:"missing"` // acknowledged messages some subscriber never got
	Gaps         int     `json:"gaps"`    // sequence gaps or repeats seen by subscribers
	Resyncs      int     `json:"resyncs"`
	EventsPerSub int64   `json:"events_per_subscriber"`
	// From the server's /metrics (whole server, since it started): drafts written by the answer
	// agent, their latency from the chat message being logged, and chat it had to skip.
	Drafts        int64   `json:"drafts"`
	DraftMeanMS   float64 `json:"draft_mean_ms"`
	AnswerDropped int64   `json:"answer_dropped"`
	ElapsedSecond float64 `json:"elapsed_s"`
	// Memory is the server's memory every 10 s (from its /metrics); RSSGrowthPct compares the end
	// with the first sample after one minute, when warm-up is over.
	Memory       []memSample `json:"memory,omitempty"`
	RSSGrowthPct float64     `json:"rss_growth_pct"`
}

// memSample is the server's memory at one moment of the run.
type memSample struct {
	AtS        float64 `json:"at_s"`
	RSSMB      float64 `json:"rss_mb"`
	HeapMB     float64 `json:"heap_inuse_mb"`
	Goroutines int     `json:"goroutines"`
}

func runLoad(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "load", "livehost load [--url http://127.0.0.1:8080] [--rate 2000] [--duration 10s] [--subscribers 20] [--batch 50] [--json]",
		`Load-tests a livehost server on loopback: posts chat in batches at a fixed rate through the
ingest API while WebSocket subscribers read the show's event stream. Reports ingest latency,
the latency from posting a message to its chat.received event on every subscriber's stream
(p50/p90/p99), and loss (every acknowledged message must reach every subscriber, with no gap or
repeat in the sequence numbers). Without --url it starts its own server in this process on a
temporary data directory (SQLite log, default moderation, offline answerer over the catalog).
The chat is the demo's mix: questions in Japanese and English, reactions, NG words and spam.`)
	cfg := loadConfig{}
	fs.StringVar(&cfg.url, "url", "", "server to load (loopback only); empty: start one in-process")
	fs.StringVar(&cfg.admin, "admin-token", env.config().AdminToken, "admin token of --url (env LIVEHOST_ADMIN_TOKEN)")
	fs.StringVar(&cfg.catalog, "catalog", "examples/catalog.jsonl", "catalog of the in-process server")
	fs.Float64Var(&cfg.rate, "rate", 2000, "chat messages per second")
	fs.IntVar(&cfg.batch, "batch", 50, "messages per HTTP request")
	fs.IntVar(&cfg.subs, "subscribers", 20, "WebSocket subscribers")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to send (at most 15m); the server's memory is sampled every 10 s")
	fs.IntVar(&cfg.concurrency, "concurrency", 32, "most requests in flight")
	fs.BoolVar(&cfg.jsonOut, "json", false, "print the report as JSON")
	fs.BoolVar(&cfg.repeat, "repeat", false, "send the chat texts as they are: the same texts repeat, and moderation's copy-paste rule holds most of them (default: each text gets a unique #tag so every message goes through the whole pipeline)")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (server included when in-process) to this file")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case cfg.rate <= 0 || cfg.rate > 100000:
		return &exitError{2, fmt.Errorf("--rate %g: want 1 to 100000 messages/s", cfg.rate)}
	case cfg.batch < 1 || cfg.batch > 1000:
		return &exitError{2, fmt.Errorf("--batch %d: want 1 to 1000", cfg.batch)}
	case cfg.subs < 0 || cfg.subs > 500:
		return &exitError{2, fmt.Errorf("--subscribers %d: want 0 to 500", cfg.subs)}
	case cfg.duration <= 0 || cfg.duration > 15*time.Minute:
		return &exitError{2, fmt.Errorf("--duration %s: want more than 0 and at most 15m", cfg.duration)}
	case cfg.concurrency < 1:
		return &exitError{2, fmt.Errorf("--concurrency %d: want at least 1", cfg.concurrency)}
	}
	if cfg.url != "" {
		if err := loopbackOnly(cfg.url); err != nil {
			return &exitError{2, err}
		}
		if cfg.admin == "" {
			return &exitError{2, errors.New("--url needs the server's admin token (--admin-token or LIVEHOST_ADMIN_TOKEN)")}
		}
	} else {
		stop, err := startLoadServer(ctx, &cfg)
		if err != nil {
			return err
		}
		defer stop()
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := runLoadTest(ctx, env, cfg)
	if err != nil {
		return err
	}
	if cfg.jsonOut {
		b, _ := json.Marshal(rep)
		fmt.Fprintln(env.stdout, string(b))
	} else {
		fmt.Fprintf(env.stdout, "target %s: %d messages in batches of %d at %.0f/s (achieved %.0f/s), %d subscribers\n",
			rep.Target, rep.Messages, rep.Batch, rep.TargetRate, rep.AchievedRate, rep.Subscribers)
		fmt.Fprintf(env.stdout, "ingest POST→202: p50 %.1f ms, p99 %.1f ms; acknowledged %d, rejected %d\n",
			rep.IngestP50MS, rep.IngestP99MS, rep.Acknowledged, rep.Rejected)
		fmt.Fprintf(env.stdout, "ingest→stream: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples)\n",
			rep.StreamP50MS, rep.StreamP90MS, rep.StreamP99MS, rep.StreamMaxMS, rep.Samples)
		fmt.Fprintf(env.stdout, "loss: %d missing, %d sequence gaps, %d resyncs; %d events per subscriber\n",
			rep.Missing, rep.Gaps, rep.Resyncs, rep.EventsPerSub)
		fmt.Fprintf(env.stdout, "answer agent (server total): %d drafts, mean %.1f ms from chat logged to draft logged, %d messages skipped\n",
			rep.Drafts, rep.DraftMeanMS, rep.AnswerDropped)
		for _, m := range rep.Memory {
			fmt.Fprintf(env.stdout, "memory at %4.0f s: RSS %.0f MB, heap in use %.0f MB, %d goroutines\n", m.AtS, m.RSSMB, m.HeapMB, m.Goroutines)
		}
		if len(rep.Memory) > 6 {
			fmt.Fprintf(env.stdout, "RSS from the first minute to the end: %+.1f%%\n", rep.RSSGrowthPct)
		}
	}
	if rep.Missing > 0 || rep.Gaps > 0 {
		return &exitError{1, fmt.Errorf("loss: %d acknowledged messages missing, %d sequence gaps", rep.Missing, rep.Gaps)}
	}
	return nil
}

// loopbackOnly refuses anything but a loopback address: a load program must not hit real servers.
func loopbackOnly(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("--url %q: want http://HOST:PORT", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--url %q: only loopback servers may be load-tested", raw)
}

// startLoadServer runs a real server in this process on a temporary data directory.
func startLoadServer(ctx context.Context, cfg *loadConfig) (func(), error) {
	dir, err := os.MkdirTemp("", "livehost-load-")
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat, err := openFileCatalog(ctx, cfg.catalog, log)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// The default configuration, whatever the environment says: the figures are the offline ones.
	agents, err := wire.Build(ctx, config.FromEnv(func(string) string { return "" }), wire.Deps{Catalog: cat.searcher, Logger: log})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	st, err := show.OpenStore(ctx, dir, "")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	rt, err := live.New(ctx, live.Options{Store: st, Agents: agents.Live(), Policy: &agents.Policy, Logger: log})
	if err != nil {
		st.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	cfg.admin = server.NewToken()
	srv, err := server.New(server.Options{Runtime: rt, Tokens: server.StoreTokens(st), AdminToken: cfg.admin, Logger: log, IngestRate: -1})
	if err != nil {
		rt.Close()
		st.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	cfg.url = "http://" + ln.Addr().String()
	return func() {
		_ = hs.Close()
		srv.Close()
		rt.Close()
		st.Close()
		agents.Close()
		os.RemoveAll(dir)
	}, nil
}

// subscriber is one WebSocket reader of the show's stream.
type subscriber struct {
	streamTally
	lat []float64 // ms, per message seen
	err error
}

// streamTally is what a load subscriber keeps of its stream: which load messages it saw (by
// number), the sequence it is at, and what went wrong (gaps, repeats, resync markers). Both
// `load` and `load-cluster` count with it.
type streamTally struct {
	seen    []bool // by message number
	count   atomic.Int64
	lastSeq int64
	gaps    int
	repeats int
	resyncs int
}

func newTally(messages int, after int64) streamTally {
	return streamTally{seen: make([]bool, messages), lastSeq: after}
}

// take counts one event and returns the number of the load message it carries when it is the
// first time this stream carries it.
func (s *streamTally) take(ev loadEvent) (int, bool) {
	if ev.Type == show.TypeStreamResync {
		s.resyncs++
		return 0, false
	}
	if ev.Seq != s.lastSeq+1 {
		s.gaps++
	}
	s.lastSeq = ev.Seq
	if ev.Type != show.TypeChatReceived || !strings.HasPrefix(ev.ID, "L") {
		return 0, false
	}
	n, err := strconv.Atoi(ev.ID[1:])
	if err != nil || n < 0 || n >= len(s.seen) {
		return 0, false
	}
	if s.seen[n] {
		s.repeats++
		return 0, false
	}
	s.seen[n] = true
	s.count.Add(1)
	return n, true
}

func runLoadTest(ctx context.Context, env *cliEnv, cfg loadConfig) (*loadReport, error) {
	c := &apiClient{base: strings.TrimRight(cfg.url, "/"), hc: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency, MaxConnsPerHost: cfg.concurrency}}}
	defer c.hc.CloseIdleConnections()
	showID := "load-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	// A show like the demo's, so that the answer agent drafts replies as it would in a real show;
	// a server whose catalog lacks these SKUs gets a show with no lineup.
	lineup := []string{"LH-COS-001", "LH-COS-002", "LH-COS-003", "LH-COS-004", "LH-COS-005"}
	var sh struct {
		LastSeq int64 `json:"last_seq"`
	}
	code, err := c.call(ctx, cfg.admin, "POST", "/api/shows", map[string]any{"id": showID, "title": "load test", "lineup": lineup}, &sh)
	if code == http.StatusBadRequest {
		lineup = nil
		_, err = c.call(ctx, cfg.admin, "POST", "/api/shows", map[string]any{"id": showID, "title": "load test"}, &sh)
	}
	if err != nil {
		return nil, fmt.Errorf("create show: %w", err)
	}
	tokens := map[string]string{}
	for _, role := range []string{"ingest", "moderator"} {
		var t struct {
			Token string `json:"token"`
		}
		if _, err := c.call(ctx, cfg.admin, "POST", "/api/shows/"+showID+"/tokens", map[string]string{"role": role, "label": "load-" + role}, &t); err != nil {
			return nil, fmt.Errorf("create %s token: %w", role, err)
		}
		tokens[role] = t.Token
	}

	if len(lineup) > 0 {
		var on struct {
			Seq int64 `json:"seq"`
		}
		if _, err := c.call(ctx, cfg.admin, "POST", "/api/shows/"+showID+"/on-air", map[string]string{"sku": lineup[0]}, &on); err != nil {
			return nil, fmt.Errorf("put a product on air: %w", err)
		}
		sh.LastSeq = on.Seq
	}

	total := int(cfg.rate * cfg.duration.Seconds())
	total = max(cfg.batch, total/cfg.batch*cfg.batch)
	sentAt := make([]atomic.Int64, total) // unix ns when the request carrying message n was sent
	acked := make([]atomic.Bool, total)

	// The server's memory, every 10 s from its /metrics, so a long run shows whether it is flat.
	var memMu sync.Mutex
	var mem []memSample
	mctx, stopMem := context.WithCancel(ctx)
	memDone := make(chan struct{})
	go func() {
		defer close(memDone)
		start := time.Now()
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-mctx.Done():
				return
			case <-t.C:
			}
			m, err := scrapeMetrics(mctx, c)
			if err != nil {
				continue
			}
			memMu.Lock()
			mem = append(mem, memSample{AtS: time.Since(start).Seconds(), RSSMB: m["process_resident_memory_bytes"] / (1 << 20),
				HeapMB: m["go_memstats_heap_inuse_bytes"] / (1 << 20), Goroutines: int(m["go_goroutines"])})
			memMu.Unlock()
		}
	}()
	defer func() { stopMem(); <-memDone }()

	// Subscribers connect first and start from the show's current end.
	sctx, cancelSubs := context.WithCancel(ctx)
	defer cancelSubs()
	subs := make([]*subscriber, cfg.subs)
	var swg sync.WaitGroup
	wsBase := "ws" + strings.TrimPrefix(c.base, "http")
	for i := range subs {
		s := &subscriber{streamTally: newTally(total, sh.LastSeq)}
		subs[i] = s
		u := fmt.Sprintf("%s/api/shows/%s/stream?after=%d&token=%s", wsBase, showID, sh.LastSeq, url.QueryEscape(tokens["moderator"]))
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		conn, _, err := websocket.Dial(dctx, u, nil)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("subscriber %d: %w", i, err)
		}
		conn.SetReadLimit(1 << 22)
		swg.Add(1)
		go func() {
			defer swg.Done()
			defer conn.CloseNow()
			s.read(sctx, conn, sentAt)
		}()
	}

	// Send: one batch every batch/rate seconds, at most concurrency requests in flight.
	gen := newChatGen(42, []demoProduct{{SKU: "LH-COS-001", Name: "うるツヤ リップティント"}, {SKU: "LH-COS-002", Name: "ロングキープ リップライナー"}})
	var ingestLat []float64
	var latMu sync.Mutex
	var rejected atomic.Int64
	sem := make(chan struct{}, cfg.concurrency)
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) * float64(cfg.batch) / cfg.rate)
	start := time.Now()
	nextAt := start
	progress := env.isTerminal && !cfg.jsonOut
	for n := 0; n < total; n += cfg.batch {
		if d := time.Until(nextAt); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		nextAt = nextAt.Add(interval)
		batch := make([]map[string]string, cfg.batch)
		for i := range batch {
			_, platform, text := gen.next()
			if !cfg.repeat {
				text += " #" + strconv.Itoa(n+i)
			}
			// A big audience: each viewer writes about once in ten seconds, as in a real show
			// (a handful of users at 2,000 messages/s would be held as flooding).
			user := "viewer" + strconv.Itoa((n+i)%(max(1, int(cfg.rate))*10))
			batch[i] = map[string]string{"user": user, "platform": platform, "text": text, "id": "L" + strconv.Itoa(n+i)}
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(n int, batch []map[string]string) {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			for i := range batch {
				sentAt[n+i].Store(t0.UnixNano())
			}
			var res struct {
				Results []struct {
					Seq int64 `json:"seq"`
				} `json:"results"`
			}
			if _, err := c.call(ctx, tokens["ingest"], "POST", "/api/shows/"+showID+"/chat", batch, &res); err != nil {
				rejected.Add(int64(len(batch)))
				return
			}
			d := float64(time.Since(t0).Microseconds()) / 1000
			latMu.Lock()
			ingestLat = append(ingestLat, d)
			latMu.Unlock()
			for i := range res.Results {
				acked[n+i].Store(true)
			}
		}(n, batch)
		if progress {
			fmt.Fprintf(env.stderr, "\rload: %d/%d messages", n+cfg.batch, total)
		}
	}
	wg.Wait()
	sendDone := time.Since(start)
	if progress {
		fmt.Fprintln(env.stderr)
	}

	// Wait until every subscriber saw every acknowledged message (or 30 s pass).
	ackCount := 0
	for i := range acked {
		if acked[i].Load() {
			ackCount++
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		done := true
		for _, s := range subs {
			if s.count.Load() < int64(ackCount) {
				done = false
				break
			}
		}
		if done {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancelSubs()
	swg.Wait()

	rep := &loadReport{Target: c.base, Messages: total, Acknowledged: ackCount, Rejected: int(rejected.Load()), Batch: cfg.batch,
		Subscribers: cfg.subs, TargetRate: cfg.rate, AchievedRate: float64(ackCount) / sendDone.Seconds(), ElapsedSecond: sendDone.Seconds()}
	slices.Sort(ingestLat)
	rep.IngestP50MS, rep.IngestP99MS = pct(ingestLat, 50), pct(ingestLat, 99)
	var all []float64
	for _, s := range subs {
		if s.err != nil {
			return nil, s.err
		}
		all = append(all, s.lat...)
		rep.Gaps += s.gaps + s.repeats // this report counts a repeat as a gap
		rep.Resyncs += s.resyncs
		for i := range acked {
			if acked[i].Load() && !s.seen[i] {
				rep.Missing++
			}
		}
		rep.EventsPerSub = max(rep.EventsPerSub, s.lastSeq-sh.LastSeq)
	}
	slices.Sort(all)
	rep.Samples = len(all)
	if m, err := scrapeMetrics(ctx, c); err == nil {
		rep.Drafts = int64(m["livehost_draft_seconds_count"])
		if rep.Drafts > 0 {
			rep.DraftMeanMS = m["livehost_draft_seconds_sum"] / float64(rep.Drafts) * 1000
		}
		rep.AnswerDropped = int64(m["livehost_answer_queue_dropped_total"])
	}
	rep.StreamP50MS, rep.StreamP90MS, rep.StreamP99MS = pct(all, 50), pct(all, 90), pct(all, 99)
	if len(all) > 0 {
		rep.StreamMaxMS = all[len(all)-1]
	}
	stopMem()
	<-memDone
	rep.Memory = mem
	for _, m := range mem {
		if m.AtS >= 60 && len(mem) > 0 && m.RSSMB > 0 {
			rep.RSSGrowthPct = (mem[len(mem)-1].RSSMB - m.RSSMB) / m.RSSMB * 100
			break
		}
	}
	return rep, nil
}

// scrapeMetrics reads the server's /metrics: each series by name, labelled ones summed.
func scrapeMetrics(ctx context.Context, c *apiClient) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(f[0], "{")
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			out[name] += v
		}
	}
	return out, nil
}

// read consumes the stream, checking that sequence numbers go up by one and timing each of the
// load's messages from its POST to its arrival here.
func (s *subscriber) read(ctx context.Context, conn *websocket.Conn, sentAt []atomic.Int64) {
	var ev loadEvent
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.err = fmt.Errorf("subscriber: %w", err)
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
				s.err = fmt.Errorf("subscriber: bad event %q: %w", line, err)
				return
			}
			s.event(ev, now, sentAt)
		}
	}
}

func (s *subscriber) event(ev loadEvent, now int64, sentAt []atomic.Int64) {
	if n, ok := s.take(ev); ok {
		s.lat = append(s.lat, float64(now-sentAt[n].Load())/1e6)
	}
}

// pct is the p-th percentile of sorted xs (nearest rank).
func pct(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(float64(len(xs))*p/100+0.5) - 1
	return xs[max(0, min(i, len(xs)-1))]
}

type loadEvent struct {
	Seq  int64
	Type string
	ID   string
}

// parseLoadEvent reads seq, type and (for chat) id from an event without a full JSON decode: twenty
// subscribers decoding every event would measure the load program, not the server. The server
// writes "seq" and "type" first (show.Event.MarshalJSON); anything unexpected falls back to JSON.
func parseLoadEvent(data []byte, ev *loadEvent) error {
	*ev = loadEvent{}
	if bytes.HasPrefix(data, []byte(`{"seq":`)) {
		rest := data[len(`{"seq":`):]
		end := bytes.IndexByte(rest, ',')
		t := bytes.Index(rest, []byte(`"type":"`))
		if end > 0 && t > 0 {
			seq, err := strconv.ParseInt(string(rest[:end]), 10, 64)
			tv := rest[t+len(`"type":"`):]
			if q := bytes.IndexByte(tv, '"'); err == nil && q > 0 {
				ev.Seq, ev.Type = seq, string(tv[:q])
				if ev.Type == show.TypeChatReceived {
					if i := bytes.Index(tv, []byte(`"id":"`)); i > 0 {
						iv := tv[i+len(`"id":"`):]
						if q := bytes.IndexByte(iv, '"'); q >= 0 {
							ev.ID = string(iv[:q])
						}
					}
				}
				return nil
			}
		}
	}
	var full struct {
		Seq  int64  `json:"seq"`
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if err := json.Unmarshal(data, &full); err != nil {
		return err
	}
	*ev = loadEvent{full.Seq, full.Type, full.ID}
	return nil
}
