package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/livehost/livehost/cluster"
	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/server"
	"github.com/livehost/livehost/show"
)

func init() {
	register(command{name: "serve", summary: "run the live show service: API, event stream, teleprompter and moderator pages", run: runServe})
}

// serveConfig is what `livehost serve` runs with: the shared configuration (environment, then
// flags) and serve's own flags.
type serveConfig struct {
	config.Config
	embedder       string
	demo           bool
	demoRate       float64
	ingestRate     float64
	draftTTL       time.Duration
	heldTTL        time.Duration
	catalogRefresh time.Duration
	answerWorkers  int
	jsonOut        bool
	drainWait      time.Duration
}

func runServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "serve", "livehost serve [--addr 127.0.0.1:8080] [--data DIR] [--db URL] [--demo] [--demo-rate N]",
		`Runs the live show service: the REST API and WebSocket event stream (bearer tokens with roles
admin, moderator, host, ingest, overlay), the teleprompter, moderator console and show control
pages, and the agents (moderation on ingest, question answering, cross-sell, host compliance).
Events are kept in a durable per-show log: SQLite in the data directory, or PostgreSQL with --db.
On restart the state (pending drafts, held messages, product on air) is rebuilt from the log.

Answers: the LLM engine when OPENAI_BASE_URL or OPENAI_API_KEY is set (model LIVEHOST_LLM_MODEL),
else the offline engine; --engine overrides. Every LLM draft is checked against the catalog and
replaced by the offline answer (the draft's fallback says why) when it states a fact the catalog
does not back. --brand (LIVEHOST_BRAND_DIR) gives the brand's persona and shop policy; --lists
(LIVEHOST_MODERATION_LISTS) adds the brand's moderation lists, followed while serving: a term
added to a list file applies to the next chat message.

Products come from the catalog store (the embedded one in the data directory, or PostgreSQL with
--db), filled by "livehost catalog import"; "livehost catalog offer SKU --stock N" during a show
reaches the product cards and answers of the running server. --catalog FILE serves a file from
memory instead.

--demo imports the example catalog into the store (only the products it lacks, so prices and stock
changed during a show are kept), creates a show with a lineup, feeds a simulated chat
(Japanese and English questions, reactions, NG attempts, spam) and prints each page's URL with
its token. The admin token is LIVEHOST_ADMIN_TOKEN, or generated and printed.

Several nodes: start each with the same --db (PostgreSQL) and --nats (LIVEHOST_NATS_URL) and its
own --node-id. Any node takes any request; each show is run by one node at a time (a lease in
PostgreSQL) and moves to a live node within a few seconds when its node dies. SIGTERM drains:
the node hands its shows over, then finishes its requests. /readyz is for the load balancer.
--tls-cert/--tls-key serve https, which browsers require for the microphone page on another
machine.`+voiceHelp+connectorsHelp)
	cfg := serveConfig{Config: env.config()}
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env LIVEHOST_ADDR)")
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data directory: the embedded store, and the speech cache with any store (env LIVEHOST_DATA)")
	fs.StringVar(&cfg.DatabaseURL, "db", cfg.DatabaseURL, "PostgreSQL URL; when set the event log and catalog live there (env LIVEHOST_DATABASE_URL)")
	fs.StringVar(&cfg.NATSURL, "nats", cfg.NATSURL, "NATS URL(s), comma-separated, tried in order; with --db this node shares shows with the others (env LIVEHOST_NATS_URL)")
	fs.StringVar(&cfg.NodeID, "node-id", cfg.NodeID, "this node's name with --nats (env LIVEHOST_NODE_ID; default host name and process id)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", cfg.TLSCert, "TLS certificate (PEM): serve https (env LIVEHOST_TLS_CERT)")
	fs.StringVar(&cfg.TLSKey, "tls-key", cfg.TLSKey, "TLS private key (PEM) of --tls-cert (env LIVEHOST_TLS_KEY)")
	fs.StringVar(&cfg.Catalog, "catalog", cfg.Catalog, "serve this catalog file (JSONL, CSV, Shopify CSV) from memory instead of the catalog store (env LIVEHOST_CATALOG)")
	registerAgentFlags(fs, &cfg.Config)
	fs.StringVar(&cfg.embedder, "embedder", "auto", "embedder of a new catalog store (--demo): auto (openai when OPENAI_BASE_URL or OPENAI_API_KEY is set, else offline), offline or openai; a store keeps the one it was built with")
	fs.DurationVar(&cfg.catalogRefresh, "catalog-refresh", time.Minute, "with --db: how often the catalog's word index is rebuilt for products imported or renamed meanwhile (prices and stock are always read live; 0: never)")
	fs.BoolVar(&cfg.demo, "demo", false, "create a demo show and feed it a simulated chat")
	fs.Float64Var(&cfg.demoRate, "demo-rate", 2, "simulated chat messages per second with --demo")
	fs.Float64Var(&cfg.ingestRate, "ingest-rate", 5000, "chat messages per second allowed per ingest token (negative: no limit)")
	fs.IntVar(&cfg.answerWorkers, "answer-workers", 0, "questions answered at once (default 1 for the offline engine, which is CPU-bound, 8 for the LLM engine, which waits on the network)")
	fs.DurationVar(&cfg.draftTTL, "draft-ttl", 10*time.Minute, "how long a drafted reply waits for a moderator before it expires (negative: never)")
	fs.DurationVar(&cfg.heldTTL, "held-ttl", 10*time.Minute, "how long a held chat message waits for a moderator before it expires (negative: never)")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error (env LIVEHOST_LOG_LEVEL)")
	fs.DurationVar(&cfg.drainWait, "drain-wait", 0, "with --nats: after SIGTERM has handed the shows over, keep serving this long (answering /readyz 503) so a load balancer sees the node leave before its port closes")
	fs.BoolVar(&cfg.jsonOut, "json", false, "print the startup information (address, tokens, page URLs) as one JSON line on stdout")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if cfg.NATSURL != "" && cfg.DatabaseURL == "" {
		return &exitError{2, errors.New("--nats: several nodes share shows through PostgreSQL; set --db (LIVEHOST_DATABASE_URL) too")}
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return &exitError{2, errors.New("--tls-cert and --tls-key go together")}
	}
	if cfg.demoRate <= 0 || cfg.demoRate > 1000 {
		return &exitError{2, fmt.Errorf("--demo-rate %g: want more than 0 and at most 1000 messages/s", cfg.demoRate)}
	}
	return serve(ctx, env, cfg)
}

// registerAgentFlags adds the flags that shape the agents (the same for serve, ask and eval),
// defaulting to the environment's values in cfg.
func registerAgentFlags(fs *flag.FlagSet, cfg *config.Config) {
	fs.StringVar(&cfg.Engine, "engine", cfg.Engine, "answer engine: offline or llm (default: llm when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline; env LIVEHOST_ENGINE)")
	fs.StringVar(&cfg.BrandDir, "brand", cfg.BrandDir, "folder with the brand's persona.json / policy.json (env LIVEHOST_BRAND_DIR)")
	fs.StringVar(&cfg.ModerationLists, "lists", cfg.ModerationLists, "a brand's moderation list directory, added to the built-in lists and followed for changes (env LIVEHOST_MODERATION_LISTS)")
	fs.DurationVar(&cfg.LLMTimeout, "llm-timeout", cfg.LLMTimeout, "time budget of one LLM answer before the offline answer is used (env LIVEHOST_LLM_TIMEOUT)")
}

func newLogger(env *cliEnv, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, &exitError{2, fmt.Errorf("log level %q: want debug, info, warn or error", level)}
	}
	return slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: l})), nil
}

// startupInfo is what serve prints once it listens (as JSON with --json).
type startupInfo struct {
	URL        string            `json:"url"`
	AdminToken string            `json:"admin_token,omitempty"` // only when generated
	Show       string            `json:"show,omitempty"`
	Tokens     map[string]string `json:"tokens,omitempty"`
	Pages      map[string]string `json:"pages,omitempty"`
}

func serve(ctx context.Context, env *cliEnv, cfg serveConfig) error {
	log, err := newLogger(env, cfg.LogLevel)
	if err != nil {
		return err
	}
	generated := false
	if cfg.AdminToken == "" {
		cfg.AdminToken = server.NewToken()
		generated = true
	}
	if cfg.DatabaseURL == "" {
		if err := os.MkdirAll(cfg.Data, 0o755); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
	}
	var cat *servedCatalog
	if cfg.Catalog != "" {
		cat, err = openFileCatalog(ctx, cfg.Catalog, log)
	} else {
		cat, err = openStoreCatalog(ctx, cfg, log)
	}
	if err != nil {
		return err
	}
	// Deferred first, so it runs last: nothing reads the catalog then.
	defer cat.Close()
	agents, err := wire.Build(ctx, cfg.Config, wire.Deps{Catalog: cat.searcher, Logger: log})
	if err != nil {
		if errors.Is(err, wire.ErrConfig) {
			return &exitError{2, err}
		}
		return err
	}
	defer agents.Close()
	store, err := show.OpenStore(ctx, cfg.Data, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("open event log: %w", err)
	}
	defer store.Close()
	workers := cfg.answerWorkers
	if workers <= 0 {
		workers = 1
		if agents.EngineName == "llm" {
			workers = 8
		}
	}
	clustered := cfg.NATSURL != ""
	rt, err := live.New(ctx, live.Options{Store: store, Agents: agents.Live(), Policy: &agents.Policy,
		AnswerWorkers: workers, DraftTTL: cfg.draftTTL, HeldTTL: cfg.heldTTL, Logger: log, Clustered: clustered})
	if err != nil {
		return err
	}
	defer rt.Close()
	voice, err := newVoice(cfg.Config, rt, log)
	if err != nil {
		return err
	}
	defer voice.Close()
	// The avatar show: its runners resume the shows the log says were running.
	av, err := agents.Avatar(cfg.Config, rt, nil, log)
	if err != nil {
		if errors.Is(err, wire.ErrConfig) {
			return &exitError{2, err}
		}
		return err
	}
	defer av.Close()
	if !clustered {
		if err := av.Boot(ctx); err != nil {
			return err
		}
	}
	conns, err := newConnectors(ctx, env, cfg.Config, rt, log)
	if err != nil {
		return err
	}
	defer conns.Close()
	// Several nodes: the node takes the leases of shows (running their avatar and connectors)
	// and forwards writes for the others to their owners.
	var node *cluster.Node
	var router server.Router
	var ready func(context.Context) error
	var labels prometheus.Labels
	var tokenTTL time.Duration
	collectors := append(append(voice.Collectors(), conns.Collectors()...), av.Collectors()...)
	if clustered {
		node, err = cluster.Start(ctx, cluster.Options{NodeID: cfg.NodeID, NATSURL: cfg.NATSURL, DatabaseURL: cfg.DatabaseURL,
			Store: store, Shows: rt, Workers: []cluster.Worker{av, conns}, Logger: log})
		if err != nil {
			return err
		}
		defer node.Close()
		router, ready, labels = node, node.Ready, prometheus.Labels{"node": node.ID()}
		tokenTTL = 5 * time.Second // a token revoked on another node stops working here within it
		collectors = append(collectors, node.Collectors()...)
		log = log.With("node", node.ID())
	}
	proxies, err := cfg.ProxyNets()
	if err != nil {
		return &exitError{2, fmt.Errorf("LIVEHOST_TRUSTED_PROXIES: %w", err)}
	}
	srv, err := server.New(server.Options{TrustedProxies: proxies,
		Runtime: rt, Tokens: server.StoreTokens(store), AdminToken: cfg.AdminToken, Logger: log,
		IngestRate: cfg.ingestRate, Mount: []func(*echo.Echo, server.Auth){voice.Mount, server.AvatarRoutes(av)},
		Collectors: collectors, Connectors: conns, Router: router, Ready: ready, MetricLabels: labels, TokenCacheTTL: tokenTTL,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	if node != nil {
		node.SetHandler(srv.Handler())
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	base := "http://" + ln.Addr().String()
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	serveErr := make(chan error, 1)
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			return &exitError{2, fmt.Errorf("--tls-cert/--tls-key: %w", err)}
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		base = "https://" + ln.Addr().String()
		go func() { serveErr <- hs.ServeTLS(ln, "", "") }()
	} else {
		go func() { serveErr <- hs.Serve(ln) }()
	}
	log.Info("listening", "url", base, "store", store.Backend(), "products", cat.count, "engine", agents.EngineName,
		"brand", cfg.BrandDir, "lists", cfg.ModerationLists)

	info := startupInfo{URL: base}
	if generated {
		info.AdminToken = cfg.AdminToken
	}
	demoDone := make(chan struct{})
	demoCtx, stopDemo := context.WithCancel(ctx)
	defer stopDemo()
	if cfg.demo {
		d, err := setupDemo(ctx, base, cfg.AdminToken, cat, srv)
		if err != nil {
			hs.Close()
			return fmt.Errorf("demo: %w", err)
		}
		info.Show, info.Tokens, info.Pages = d.show, d.tokens, d.pages
		go func() { defer close(demoDone); d.run(demoCtx, cfg.demoRate, log) }()
	} else {
		close(demoDone)
	}
	printStartup(env, cfg, info)

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	}
	stopDemo()
	<-demoDone
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if node != nil {
		// Hand the shows over first: requests for them keep working through the new owners
		// while this node finishes what it has in flight.
		node.Drain(sctx)
		if cfg.drainWait > 0 {
			log.Info("drained; still serving while the load balancer notices", "wait", cfg.drainWait)
			time.Sleep(cfg.drainWait)
		}
	}
	// Streams are hijacked connections that Shutdown does not wait for; srv.Close ends them.
	shutErr := hs.Shutdown(sctx)
	// WHIP sessions end before the runtime, so their last utterances still reach the log.
	voice.Close()
	srv.Close()
	conns.Close() // before the runtime: the connectors log their last state
	av.Close()    // before the runtime: the runners log through it
	if node != nil {
		node.Close()
	}
	rt.Close()
	if shutErr != nil && !errors.Is(shutErr, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", shutErr)
	}
	log.Info("stopped")
	return nil
}

func printStartup(env *cliEnv, cfg serveConfig, info startupInfo) {
	if cfg.jsonOut {
		b, _ := json.Marshal(info)
		fmt.Fprintln(env.stdout, string(b))
		return
	}
	w := env.stdout
	fmt.Fprintf(w, "livehost is listening on %s\n", info.URL)
	if info.AdminToken != "" {
		fmt.Fprintf(w, "admin token (generated; set LIVEHOST_ADMIN_TOKEN to choose one): %s\n", info.AdminToken)
	}
	if info.Show != "" {
		fmt.Fprintf(w, "\ndemo show %s — open these pages:\n", info.Show)
		for _, k := range []string{"control", "console", "teleprompter", "mic", "report"} {
			fmt.Fprintf(w, "  %-13s %s\n", k, info.Pages[k])
		}
		fmt.Fprintln(w, "\ntokens for scripts (Authorization: Bearer TOKEN):")
		for _, k := range []string{"moderator", "host", "ingest", "overlay"} {
			fmt.Fprintf(w, "  %-10s %s\n", k, info.Tokens[k])
		}
		fmt.Fprintf(w, "\nhost voice: open the mic page above, or in OBS 30+ (Settings → Stream → WHIP) use\n  Server %s/whip/%s  Bearer token %s\n", info.URL, info.Show, info.Tokens["host"])
		fmt.Fprintf(w, "\ntry: curl -s -H 'Authorization: Bearer %s' -d '{\"user\":\"you\",\"text\":\"いくらですか？\"}' %s/api/shows/%s/chat\n",
			info.Tokens["ingest"], info.URL, info.Show)
	}
}

// pageURL is a page's link with the show and the token in the query.
func pageURL(base, page, showID, token string) string {
	q := url.Values{"show": {showID}, "token": {token}}
	return base + "/" + page + "?" + q.Encode()
}
