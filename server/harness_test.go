package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/connector/manager"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/server"
	"github.com/livehost/livehost/show"
)

const testAdmin = "lh_test_admin_token_0123456789abcdef"

// env is a real server for tests: the SQLite event log in a temp dir, the show runtime with the
// default moderation lists and the offline answerer over the example catalog, on a loopback port.
type env struct {
	t     *testing.T
	URL   string
	RT    *live.Runtime
	Srv   *server.Server
	Voice *server.Voice // with envConfig.voice
	Store *show.Store
	HTTP  *httptest.Server
}

// envConfig is what a test may change: the runtime's options, the server's, and voice ingest.
type envConfig struct {
	live  live.Options
	srv   server.Options
	voice *server.VoiceConfig
	// over builds routes over the runtime (the avatar show's); close runs before the runtime closes.
	over []func(rt *live.Runtime) (mount func(*echo.Echo, server.Auth), close func())
	// connectors, when set, builds the platform connector manager over the runtime; it is
	// started, and closed before the runtime.
	connectors func(rt *live.Runtime) *manager.Manager
}

type envOpt func(*envConfig)

// The catalog index is built once for all tests.
var agents = sync.OnceValues(func() (*agentsT, error) {
	ctx := context.Background()
	res, err := catalog.ReadFile(filepath.Join("..", "examples", "catalog.jsonl"), "")
	if err != nil {
		return nil, fmt.Errorf("read example catalog: %w", err)
	}
	searcher, err := catalog.NewMemorySearcher(ctx, res.Products, catalog.NewHashEmbedder(256))
	if err != nil {
		return nil, err
	}
	return &agentsT{searcher}, nil
})

type agentsT struct {
	searcher *catalog.Searcher
}

// testAgents are the runtime's agents over the example catalog with a fresh moderation engine:
// its flood rules remember users and texts, and one test's chat must not make another's look
// like copy-paste spam.
func testAgents(t testing.TB) live.Agents {
	t.Helper()
	ag, err := agents()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := moderation.NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	return live.Agents{
		Moderator: wire.ModerationAgent(mod), Answerer: wire.AnswerAgent(answer.NewOffline(ag.searcher, nil)),
		CrossSell: wire.CatalogCrossSell(ag.searcher), Products: wire.CatalogProducts(ag.searcher),
	}
}

// overClosers are the close functions of what envConfig.over built over each runtime, so that
// restart stops them before their runtime.
var overClosers sync.Map // *live.Runtime → []func()

// startServer runs a runtime and a server over st, as livehost serve wires them; both are closed
// when the test ends (the server first).
func startServer(t testing.TB, st *show.Store, opts ...envOpt) (*live.Runtime, *server.Server, *server.Voice) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := envConfig{
		live: live.Options{Store: st, Agents: testAgents(t), Logger: quiet},
		srv:  server.Options{Tokens: server.StoreTokens(st), AdminToken: testAdmin, Logger: quiet},
	}
	for _, f := range opts {
		f(&c)
	}
	rt, err := live.New(context.Background(), c.live)
	if err != nil {
		t.Fatal(err)
	}
	var voice *server.Voice
	if c.voice != nil {
		vc := *c.voice
		vc.Runtime = rt
		if voice, err = server.NewVoice(vc); err != nil {
			t.Fatal(err)
		}
		c.srv.Mount = append(c.srv.Mount, voice.Mount)
		c.srv.Collectors = append(c.srv.Collectors, voice.Collectors()...)
	}
	var closers []func()
	for _, f := range c.over {
		mount, closeFn := f(rt)
		c.srv.Mount = append(c.srv.Mount, mount)
		closers = append(closers, closeFn)
	}
	var conns *manager.Manager
	if c.connectors != nil {
		conns = c.connectors(rt)
		if err := conns.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		c.srv.Connectors = conns
		c.srv.Collectors = append(c.srv.Collectors, conns.Collectors()...)
	}
	overClosers.Store(rt, closers)
	c.srv.Runtime = rt
	srv, err := server.New(c.srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Close()
		if conns != nil {
			conns.Close()
		}
		if voice != nil {
			voice.Close() // before the runtime closes: the last transcripts are logged
		}
		for _, f := range closers {
			f()
		}
		rt.Close()
	})
	return rt, srv, voice
}

func newEnv(t *testing.T, opts ...envOpt) *env {
	t.Helper()
	st, err := show.OpenStore(context.Background(), t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // registered first, so it runs after the runtime closes
	rt, srv, voice := startServer(t, st, opts...)
	e := newEnvWith(t, st, srv)
	e.RT, e.Voice = rt, voice
	return e
}

// newEnvWith serves srv on a loopback port; the caller closes srv and st.
func newEnvWith(t *testing.T, st *show.Store, srv *server.Server) *env {
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
	})
	return &env{t: t, URL: hs.URL, Srv: srv, Store: st, HTTP: hs}
}

// do sends a request and decodes the JSON answer into out (when not nil); it returns the status.
func (e *env) do(method, path, token string, body any, out any) (int, http.Header) {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %d: decode %q: %v", method, path, res.StatusCode, data, err)
		}
	}
	return res.StatusCode, res.Header
}

// newShow creates a show with a cosmetics lineup, the first product on air, and a token per role.
func (e *env) newShow(id string) map[string]string {
	e.t.Helper()
	var sh struct {
		ID string `json:"id"`
	}
	if code, _ := e.do("POST", "/api/shows", testAdmin, map[string]any{"id": id, "title": "春の新作コスメ LIVE", "lineup": []string{"LH-COS-001", "LH-COS-002", "LH-COS-003", "LH-COS-005"}}, &sh); code != 201 {
		e.t.Fatalf("create show: %d", code)
	}
	toks := map[string]string{"admin": testAdmin}
	for _, role := range []string{"moderator", "host", "ingest", "overlay"} {
		var tok struct {
			Token string `json:"token"`
		}
		if code, _ := e.do("POST", "/api/shows/"+sh.ID+"/tokens", testAdmin, map[string]string{"role": role, "label": role + "-1"}, &tok); code != 201 {
			e.t.Fatalf("create %s token: %d", role, code)
		}
		toks[role] = tok.Token
	}
	if code, _ := e.do("POST", "/api/shows/"+sh.ID+"/on-air", toks["host"], map[string]string{"sku": "LH-COS-001"}, nil); code != 200 {
		e.t.Fatalf("on-air: %d", code)
	}
	return toks
}

type chatResult struct {
	Seq     int64        `json:"seq"`
	Verdict live.Verdict `json:"verdict"`
}

type draft struct {
	DraftID  string  `json:"draft_id"`
	ChatSeq  int64   `json:"chat_seq"`
	Question string  `json:"question"`
	Text     string  `json:"text"`
	SKU      string  `json:"sku"`
	Intent   string  `json:"intent"`
	Status   string  `json:"status"`
	Count    int     `json:"count"`
	Conf     float64 `json:"confidence"`
}

// waitDrafts polls the drafts endpoint until cond holds (the answer agent is asynchronous).
func (e *env) waitDrafts(showID, token, status string, cond func([]draft) bool) []draft {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var out struct {
			Drafts []draft `json:"drafts"`
		}
		e.do("GET", "/api/shows/"+showID+"/drafts?status="+status, token, nil, &out)
		if cond(out.Drafts) {
			return out.Drafts
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("drafts (%s) never met the condition; last %+v", status, out.Drafts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// restart stops the server and the runtime and serves new ones over the same event log, as a
// process restart would; the new ones are closed when the test ends.
func (e *env) restart(opts ...envOpt) *server.Server {
	e.t.Helper()
	e.HTTP.CloseClientConnections()
	e.Srv.Close()
	if e.RT != nil {
		// What was built over the runtime (the avatar show's runners) stops before it, as in serve.
		if cs, ok := overClosers.LoadAndDelete(e.RT); ok {
			for _, f := range cs.([]func()) {
				f()
			}
		}
		e.RT.Close()
	}
	rt, srv, _ := startServer(e.t, e.Store, opts...)
	e.RT, e.Srv = rt, srv
	e.HTTP.Config.Handler = srv.Handler()
	return srv
}
