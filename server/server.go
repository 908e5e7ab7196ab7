// Package server is livehost's HTTP edge: routing, bearer tokens and roles, decoding requests and
// encoding answers, the WebSocket event stream, WHIP voice ingest and the embedded pages. The
// show's logic is in package live; a handler here checks the caller, decodes, calls the runtime
// and encodes what it returns.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/report"
	"github.com/livehost/livehost/web"
)

// Options configure a Server. Runtime, Tokens and AdminToken are required.
type Options struct {
	// Runtime runs the shows; the server translates requests into calls on it.
	Runtime *live.Runtime
	// Tokens keeps the show-scoped bearer tokens (by hash).
	Tokens TokenStore

	// AdminToken is the admin bearer token (required; never stored, compared by hash).
	AdminToken string
	Logger     *slog.Logger

	// BodyLimit caps request bodies in bytes (default 1 MiB).
	BodyLimit int64
	// IngestRate and IngestBurst limit chat messages per ingest token (defaults 5000/s, 10000).
	// A negative IngestRate turns the limit off.
	IngestRate  float64
	IngestBurst int
	// MaxBatch is the most chat messages one request may carry (default and at most
	// live.MaxChatBatch).
	MaxBatch int
	// Mount adds more routes (for example WHIP ingest) to the server, and Collectors their
	// metrics to /metrics.
	Mount      []func(e *echo.Echo, auth Auth)
	Collectors []prometheus.Collector
	// Connectors runs the shows' platform connectors; nil answers their routes with 503.
	Connectors Connectors
	// TrustedProxies are the proxies whose X-Forwarded-For / X-Real-IP name the client; from
	// anyone else those headers are ignored and the connection's address is the client.
	TrustedProxies []*net.IPNet
	// MaxStreamsPerShow and MaxStreamsPerToken cap open event streams (defaults 500 and 20): a
	// leaked page or a script opening streams in a loop cannot exhaust the server.
	MaxStreamsPerShow  int
	MaxStreamsPerToken int
	// StreamPing is how often an idle stream is pinged (default 20 s); a client that does not
	// answer within the same time is cut.
	StreamPing time.Duration
	// Registry, when set, is where the server registers its metrics and the runtime's and serves
	// them on /metrics (so callers can add their own); nil makes one.
	Registry *prometheus.Registry
	// Router, when set, sends requests for shows this node does not own to their owner (several
	// nodes); nil serves every show here.
	Router Router
	// MetricLabels are added to every series the server registers (with several nodes, the
	// node's name).
	MetricLabels prometheus.Labels
	// TokenCacheTTL bounds how long a token looked up in the store is believed without looking
	// again (0: until it is revoked through this server). Several nodes set it, so that a token
	// revoked on one node stops working on all of them within it.
	TokenCacheTTL time.Duration
	// Ready, when set, says whether the node may take traffic (/readyz): its store and bus
	// answer and its leases have settled. Nil: ready when the event log answers.
	Ready func(ctx context.Context) error
}

// Auth lets mounted routes use the server's tokens and roles.
type Auth struct {
	// Middleware answers 401 unless the request carries a valid token (header, or ?token= when
	// allowQuery); handlers then call Allow.
	Middleware func(allowQuery bool) echo.MiddlewareFunc
	// Allow answers 403 unless the caller has one of roles on show (admin always passes).
	Allow func(c echo.Context, show string, roles ...Role) error
	// Error turns a runtime error into the API's error answer (404, 409, 503 …).
	Error func(err error) error
}

// Server is the HTTP edge of livehost: routing, auth, decoding and encoding, the WebSocket
// stream. Create it with New, serve Handler, and Close it before the runtime.
type Server struct {
	opt     Options
	rt      *live.Runtime
	log     *slog.Logger
	auth    *authenticator
	limiter *ingestLimiter
	m       *metrics
	e       *echo.Echo
	reports *report.Cache // the latest report of each show, folded again when its log moves

	streams *streamCounts

	quit   chan struct{}
	qctx   context.Context // canceled by Close: ends streams
	cancel context.CancelFunc
	closed sync.Once
}

// New builds the server over a running runtime.
func New(opt Options) (*Server, error) {
	if opt.Runtime == nil || opt.Tokens == nil {
		return nil, errors.New("server: Runtime and Tokens are required")
	}
	if opt.AdminToken == "" {
		return nil, errors.New("server: an admin token is required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.BodyLimit <= 0 {
		opt.BodyLimit = 1 << 20
	}
	if opt.IngestRate == 0 {
		opt.IngestRate = 5000
	}
	if opt.IngestBurst <= 0 {
		opt.IngestBurst = 10000
	}
	if opt.MaxBatch <= 0 || opt.MaxBatch > live.MaxChatBatch {
		opt.MaxBatch = live.MaxChatBatch
	}
	if opt.Registry == nil {
		opt.Registry = prometheus.NewRegistry()
	}
	if opt.MaxStreamsPerShow <= 0 {
		opt.MaxStreamsPerShow = 500
	}
	if opt.MaxStreamsPerToken <= 0 {
		opt.MaxStreamsPerToken = 20
	}
	if opt.StreamPing <= 0 {
		opt.StreamPing = 20 * time.Second
	}
	s := &Server{
		opt: opt,
		rt:  opt.Runtime,
		log: opt.Logger,
		auth: &authenticator{adminHash: []byte(HashToken(opt.AdminToken)), store: opt.Tokens, cache: map[string]cachedGrant{}, now: time.Now, cacheTTL: opt.TokenCacheTTL,
			stoppedAt: func(ctx context.Context, id string) time.Time {
				info, err := opt.Runtime.Show(ctx, id)
				if err != nil {
					return time.Time{}
				}
				return info.StoppedAt
			}},
		limiter: newIngestLimiter(opt.IngestRate, opt.IngestBurst),
		m:       newMetrics(),
		quit:    make(chan struct{}),
		streams: newStreamCounts(),
		reports: report.NewCache(0),
	}
	s.qctx, s.cancel = context.WithCancel(context.Background())
	var reg prometheus.Registerer = opt.Registry
	if len(opt.MetricLabels) > 0 {
		reg = prometheus.WrapRegistererWith(opt.MetricLabels, reg)
	}
	for _, c := range append(append(s.m.collectors(), s.rt.Collectors()...), opt.Collectors...) {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("server: register metrics: %w", err)
		}
	}
	s.e = s.routes()
	return s, nil
}

// Handler is the whole HTTP surface: API, stream, pages, /healthz and /metrics.
func (s *Server) Handler() http.Handler { return s.e }

// Close ends the event streams.
func (s *Server) Close() error {
	s.closed.Do(func() {
		close(s.quit)
		s.cancel()
	})
	return nil
}

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = clientIP(s.opt.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RequestID())
	e.Use(s.requestLog)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		s.log.Error("panic in handler", "err", err, "path", c.Path(), "request_id", requestID(c), "stack", string(stack))
		return err
	}}))
	e.Use(s.bodyLimit)
	e.Use(s.route)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.opt.Registry, promhttp.HandlerOpts{})))
	e.GET("/api/openapi.json", serveOpenAPI)

	pages := http.FileServer(http.FS(web.FS()))
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", pages)))
	// "/" is the index; "/NAME" is static/NAME.html, so a page added under web/static (say
	// mic.html) is served as /mic with no change here.
	e.GET("/", s.page("index.html"))
	e.GET("/:page", func(c echo.Context) error { return s.page(c.Param("page") + ".html")(c) })

	api := e.Group("/api", s.authenticate(false))
	api.GET("/shows", s.listShows)
	api.POST("/shows", s.createShow)
	api.GET("/shows/:id", s.getShow)
	api.GET("/shows/:id/state", s.getState)
	api.GET("/shows/:id/products", s.getProducts)
	api.POST("/shows/:id/tokens", s.createToken)
	api.GET("/shows/:id/tokens", s.listTokens)
	api.DELETE("/shows/:id/tokens/:token", s.revokeToken)
	api.POST("/shows/:id/chat", s.postChat)
	api.POST("/shows/:id/on-air", s.postOnAir)
	api.POST("/shows/:id/start", s.postStart)
	api.POST("/shows/:id/stop", s.postStop)
	api.POST("/shows/:id/transcript", s.postTranscript)
	api.PUT("/shows/:id/script", s.putScript)
	api.POST("/shows/:id/script/position", s.postScriptPosition)
	api.GET("/shows/:id/events", s.getEvents)
	api.GET("/shows/:id/drafts", s.getDrafts)
	api.POST("/drafts/:draft/claim", s.draftAction("claim"))
	api.POST("/drafts/:draft/approve", s.draftAction("approve"))
	api.POST("/drafts/:draft/reject", s.draftAction("reject"))
	api.POST("/drafts/:draft/release", s.draftAction("release"))
	api.GET("/shows/:id/held", s.getHeld)
	api.POST("/shows/:id/held/deny", s.denyHeld)
	api.POST("/shows/:id/held/:seq/allow", s.heldAction(true))
	api.POST("/shows/:id/held/:seq/deny", s.heldAction(false))
	api.GET("/shows/:id/connectors", s.listConnectors)
	api.PUT("/shows/:id/connectors/:name", s.putConnector)
	api.DELETE("/shows/:id/connectors/:name", s.deleteConnector)
	// A bridge authenticates with its signature (X-Livehost-Signature), not a token.
	e.POST("/api/shows/:id/webhook/:name", s.postWebhook)
	e.GET("/api/shows/:id/webhook/:name", s.getWebhook)
	// After the show: the report, its CSV exports, the list across shows, order import.
	api.GET("/shows/:id/report", s.getReport)
	api.GET("/shows/:id/report.csv", s.getReportCSV)
	api.GET("/reports", s.listReports)
	api.POST("/shows/:id/orders", s.postOrders)
	// Profiles show where memory and CPU go in a running show; admin only, they reveal internals.
	debug := e.Group("/debug/pprof", s.authenticate(false), func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := allow(c, ""); err != nil {
				return err
			}
			return next(c)
		}
	})
	debug.GET("/", echo.WrapHandler(http.HandlerFunc(pprof.Index)))
	debug.GET("/:profile", func(c echo.Context) error {
		h := map[string]http.HandlerFunc{"cmdline": pprof.Cmdline, "profile": pprof.Profile, "symbol": pprof.Symbol, "trace": pprof.Trace}[c.Param("profile")]
		if h == nil {
			h = pprof.Handler(c.Param("profile")).ServeHTTP
		}
		h(c.Response(), c.Request())
		return nil
	})
	// Browsers cannot set headers on a WebSocket, so the stream also takes ?token=.
	e.GET("/api/shows/:id/stream", s.stream, s.authenticate(true))

	auth := Auth{Middleware: s.authenticate, Allow: allow, Error: s.httpErr}
	for _, mount := range s.opt.Mount {
		mount(e, auth)
	}
	return e
}

// clientIP trusts forwarding headers only from the configured proxies: anyone can send them.
func clientIP(proxies []*net.IPNet) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		opts = append(opts, echo.TrustIPRange(p))
	}
	xff := echo.ExtractIPFromXFFHeader(opts...)
	return func(r *http.Request) string { return xff(r) }
}

func (s *Server) page(file string) echo.HandlerFunc {
	return func(c echo.Context) error {
		b, err := fs.ReadFile(web.FS(), file)
		if err != nil {
			return errorf(http.StatusNotFound, "no page %q", c.Request().URL.Path)
		}
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.HTMLBlob(http.StatusOK, b)
	}
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "store": s.rt.Backend()})
}

// readyz says whether a load balancer may send this node traffic: 503 with the reason while
// the store or the bus does not answer, its leases have not settled, or it is draining.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	ready := s.opt.Ready
	if ready == nil {
		ready = s.rt.Ping
	}
	if err := ready(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"ok": false, "error": err.Error()})
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": true})
}

// bodyLimit refuses bodies over the limit with 413, whether or not Content-Length is given.
func (s *Server) bodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > s.opt.BodyLimit {
			return errorf(http.StatusRequestEntityTooLarge, "request body is %d bytes, more than the limit of %d", req.ContentLength, s.opt.BodyLimit)
		}
		if req.Body != nil {
			req.Body = http.MaxBytesReader(c.Response(), req.Body, s.opt.BodyLimit)
		}
		return next(c)
	}
}

// requestLog writes one slog line per request and records its latency.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		route := c.Path()
		d := time.Since(start)
		s.m.httpSecs.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Observe(d.Seconds())
		level := slog.LevelInfo
		switch {
		case status == http.StatusServiceUnavailable, status == http.StatusTooManyRequests:
			level = slog.LevelWarn // a refusal under load or a dependency down: logged where it failed
		case status >= 500:
			level = slog.LevelError
		case route == "/api/shows/:id/chat" && status < 300, route == "/metrics", route == "/healthz", route == "/static/*":
			level = slog.LevelDebug // the hot paths would drown the log
		}
		s.log.Log(c.Request().Context(), level, "http", "method", c.Request().Method, "path", c.Request().URL.Path,
			"route", route, "status", status, "dur_ms", float64(d.Microseconds())/1000, "bytes", c.Response().Size,
			"request_id", requestID(c), "remote", c.RealIP())
		return nil
	}
}
