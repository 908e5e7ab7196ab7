// Package server is livehost's HTTP edge: the REST API and the WebSocket event stream with bearer
// tokens and roles, the embedded pages, and the pipeline that runs the agents on a show's chat —
// moderation synchronously on ingest, question answering and cross-sell asynchronously — writing
// everything to the show's durable log.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/script"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/web"
)

// Options configure a Server. Store, Moderator and Answerer are required.
type Options struct {
	Store     *show.Store
	Moderator Moderator
	Answerer  Answerer
	CrossSell CrossSeller // optional
	Products  Products    // optional: validates on-air SKUs and fills product cards
	// ScriptReader gives the host-script follower word readings, so a script written in kanji
	// follows speech-to-text output in kana. Nil means script.NewKagomeReader.
	ScriptReader script.Reader
	// Policy is the auto-approve policy of the approval queue: which drafts go out without a
	// moderator. Nil means approval.StandardPolicy (offline price and stock answers); a zero
	// Policy approves nothing.
	Policy *approval.Policy

	// AdminToken is the admin bearer token (required; never stored, compared by hash).
	AdminToken string
	Logger     *slog.Logger

	// BodyLimit caps request bodies in bytes (default 1 MiB).
	BodyLimit int64
	// IngestRate and IngestBurst limit chat messages per ingest token (defaults 5000/s, 10000).
	// A negative IngestRate turns the limit off.
	IngestRate  float64
	IngestBurst int
	// MaxBatch is the most chat messages one request may carry (default 1000).
	MaxBatch int
	// AnswerWorkers is how many questions are answered at once (default 1: the offline answerer
	// is CPU-bound and must not starve ingest). A model-backed answerer waits on the network, so
	// it wants more.
	AnswerWorkers int
	// DraftTTL is how long a draft may wait for a moderator before it expires (default 10 min;
	// negative: never). A question that old has been answered on air or is moot.
	DraftTTL time.Duration
	// StreamBuffer is each WebSocket client's event buffer in events (default 8192).
	StreamBuffer int
	// Mount adds more routes (for example WHIP ingest, extra pages) to the server.
	Mount []func(e *echo.Echo, auth Auth)
	// Registerer, when set, also receives the server's metrics (so callers can add their own).
	Metrics *prometheus.Registry
}

// Auth lets mounted routes use the server's tokens and roles.
type Auth struct {
	// Middleware answers 401 unless the request carries a valid token (header, or ?token= when
	// allowQuery); handlers then call Allow.
	Middleware func(allowQuery bool) echo.MiddlewareFunc
	// Allow answers 403 unless the caller has one of roles on show (admin always passes).
	Allow func(c echo.Context, show string, roles ...Role) error
}

// Server is the HTTP server of livehost. Create it with New, serve Handler, and Close it.
type Server struct {
	opt     Options
	store   *show.Store
	log     *slog.Logger
	auth    *authenticator
	limiter *ingestLimiter
	m       *metrics
	e       *echo.Echo

	mu     sync.Mutex
	shows  map[string]*showRuntime
	drafts map[string]string // draft ID → show ID

	qcfg    approval.Config // each show's approval queue
	answerQ chan answerJob
	quit    chan struct{}
	qctx    context.Context // canceled by Close: ends streams
	qcancel context.CancelFunc
	wg      sync.WaitGroup
	closed  sync.Once
}

// New builds the server and rebuilds every show's state from the log.
func New(ctx context.Context, opt Options) (*Server, error) {
	if opt.Store == nil || opt.Moderator == nil || opt.Answerer == nil {
		return nil, errors.New("server: Store, Moderator and Answerer are required")
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
	if opt.MaxBatch <= 0 || opt.MaxBatch > maxEventsPerRequest/3 {
		opt.MaxBatch = maxEventsPerRequest / 3
	}
	if opt.AnswerWorkers <= 0 {
		opt.AnswerWorkers = 1
	}
	if opt.DraftTTL == 0 {
		opt.DraftTTL = 10 * time.Minute
	}
	if opt.ScriptReader == nil {
		r, err := script.NewKagomeReader()
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		opt.ScriptReader = r
	}
	if opt.StreamBuffer <= 0 {
		// Deep enough for a few seconds of a busy show: catching up from the log costs more
		// than holding events in memory.
		opt.StreamBuffer = 8192
	}
	s := &Server{
		opt:     opt,
		store:   opt.Store,
		log:     opt.Logger,
		auth:    &authenticator{adminHash: []byte(HashToken(opt.AdminToken)), store: storeTokens{opt.Store}, cache: map[string]Grant{}},
		limiter: newIngestLimiter(opt.IngestRate, opt.IngestBurst),
		m:       newMetrics(),
		shows:   map[string]*showRuntime{},
		drafts:  map[string]string{},
		answerQ: make(chan answerJob, 16384),
		quit:    make(chan struct{}),
	}
	s.qctx, s.qcancel = context.WithCancel(context.Background())
	s.qcfg = approval.DefaultConfig()
	s.qcfg.NewID = newDraftID // draft IDs are global in the API (/api/drafts/{id})
	s.qcfg.ClaimTTL = claimTimeout
	if opt.DraftTTL > 0 {
		s.qcfg.PendingTTL = opt.DraftTTL
	}
	if opt.Policy != nil {
		s.qcfg.Policy = *opt.Policy
	}
	// The log's own series (commits, appends, subscribers) are served on the same /metrics.
	if err := s.store.RegisterMetrics(s.m.reg); err != nil {
		return nil, fmt.Errorf("server: register log metrics: %w", err)
	}
	if opt.Metrics != nil {
		if err := opt.Metrics.Register(s.m.reg); err != nil {
			return nil, fmt.Errorf("server: register metrics: %w", err)
		}
	}
	shows, err := s.store.ListShows(ctx)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	for _, sh := range shows {
		if _, err := s.runtime(ctx, sh.ID); err != nil {
			s.Close()
			return nil, fmt.Errorf("server: rebuild show %s from its log: %w", sh.ID, err)
		}
	}
	s.e = s.routes()
	for range opt.AnswerWorkers {
		s.wg.Add(1)
		go s.answerWorker()
	}
	if opt.DraftTTL > 0 {
		s.wg.Add(1)
		go s.expireDrafts(min(opt.DraftTTL/4, 15*time.Second))
	}
	return s, nil
}

// Handler is the whole HTTP surface: API, stream, pages, /healthz and /metrics.
func (s *Server) Handler() http.Handler { return s.e }

// Close stops the appenders and the agent workers. In-flight appends finish first.
func (s *Server) Close() error {
	s.closed.Do(func() {
		close(s.quit)
		s.qcancel()
		s.wg.Wait()
	})
	return nil
}

// runtime returns a show's runtime, loading its state from the log the first time.
// It returns a stateError 404 for an unknown show.
func (s *Server) runtime(ctx context.Context, id string) (*showRuntime, error) {
	s.mu.Lock()
	rt := s.shows[id]
	s.mu.Unlock()
	if rt != nil {
		return rt, nil
	}
	if show.ValidShowID(id) != nil {
		return nil, notFoundf("no show %q", id)
	}
	if _, err := s.store.GetShow(ctx, id); err != nil {
		if errors.Is(err, show.ErrNotFound) {
			return nil, notFoundf("no show %q", id)
		}
		return nil, err
	}
	rt = &showRuntime{id: id, reqs: make(chan *appendReq, 1024), stopped: make(chan struct{})}
	if err := s.reload(rt); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.shows[id]; cur != nil {
		return cur, nil
	}
	select {
	case <-s.quit:
		return nil, errServerClosed
	default:
	}
	s.shows[id] = rt
	for _, d := range rt.v.drafts.q.List(rt.id) {
		s.drafts[d.ID] = rt.id
	}
	s.wg.Add(1)
	go s.appender(rt)
	return rt, nil
}

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RequestID())
	e.Use(s.requestLog)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		s.log.Error("panic in handler", "err", err, "path", c.Path(), "request_id", requestID(c), "stack", string(stack))
		return err
	}}))
	e.Use(s.bodyLimit)

	e.GET("/healthz", s.healthz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{})))
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
	api.POST("/shows/:id/held/:seq/allow", s.heldAction(true))
	api.POST("/shows/:id/held/:seq/deny", s.heldAction(false))
	// Browsers cannot set headers on a WebSocket, so the stream also takes ?token=.
	e.GET("/api/shows/:id/stream", s.stream, s.authenticate(true))

	auth := Auth{Middleware: s.authenticate, Allow: allow}
	for _, mount := range s.opt.Mount {
		mount(e, auth)
	}
	return e
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
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "store": s.store.Backend()})
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

// storeTokens adapts the show store's token table to TokenStore.
type storeTokens struct{ st *show.Store }

func (t storeTokens) SaveToken(ctx context.Context, hash string, g Grant) error {
	return t.st.PutToken(ctx, show.Token{Hash: hash, Role: string(g.Role), ShowID: g.Show, Label: g.Label})
}

func (t storeTokens) LookupToken(ctx context.Context, hash string) (Grant, bool, error) {
	tok, ok, err := t.st.LookupToken(ctx, hash)
	if err != nil || !ok {
		return Grant{}, ok, err
	}
	r, err := ParseRole(tok.Role)
	if err != nil {
		return Grant{}, false, nil // a role this server does not know grants nothing
	}
	return Grant{Role: r, Show: tok.ShowID, Label: tok.Label}, true, nil
}
