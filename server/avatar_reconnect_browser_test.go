package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/internal/browsertest"
	"github.com/livehost/livehost/tts"
)

// netGate stands between the page and the server: cut closes every connection, the hijacked
// ones (WebSockets) included, and while down every new connection is cut as it comes, as when the
// network drops.
type netGate struct {
	down  atomic.Bool
	inner atomic.Value // http.Handler
	mu    sync.Mutex
	conns []net.Conn // hijacked
}

// hijackRecorder lets the gate see the connections a WebSocket takes over.
type hijackRecorder struct {
	http.ResponseWriter
	g *netGate
}

func (h hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := h.ResponseWriter.(http.Hijacker).Hijack()
	if err == nil {
		h.g.mu.Lock()
		h.g.conns = append(h.g.conns, c)
		h.g.mu.Unlock()
	}
	return c, rw, err
}

func (h hijackRecorder) Flush() {
	if f, ok := h.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (g *netGate) cut() {
	g.down.Store(true)
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.conns {
		c.Close()
	}
	g.conns = nil
}

func (g *netGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, ok := w.(http.Hijacker); ok {
		w = hijackRecorder{w, g}
	}
	// The test itself (the admin token) still reaches the server: only the page's network drops.
	if g.down.Load() && r.Header.Get("Authorization") != "Bearer "+testAdmin {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		http.Error(w, "network down", http.StatusBadGateway)
		return
	}
	g.inner.Load().(http.Handler).ServeHTTP(w, r)
}

type pageState struct {
	Played   int      `json:"played"`
	History  []int64  `json:"history"` // the utterances' seqs
	Captions []string `json:"captions"`
	Resyncs  int      `json:"resyncs"`
	Skipped  int      `json:"skipped"`
	Reloads  int      `json:"reloads"`
}

// TestAvatarPageReconnectsAndReloads: the avatar page (headless Chromium) keeps the show on air
// through a network drop and a server restart — it reconnects, resyncs (the sentences said while
// it was away are skipped, not spoken late) and plays on — and its scheduled reload loses no
// sentence: every utterance the runner logged around the reload is played by one page or the next.
func TestAvatarPageReconnectsAndReloads(t *testing.T) {
	e := newEnv(t, withAvatar(t, &tts.Tone{}))
	id, toks := e.newAvatarShow("LH-COS-001", "LH-COS-002")
	gate := &netGate{}
	gate.inner.Store(e.HTTP.Config.Handler)
	e.HTTP.Config.Handler = gate

	ctx, _ := browsertest.Start(t, chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.WindowSize(1920, 1080))
	state := func() pageState {
		t.Helper()
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.avatarState)`))
		if err != nil {
			t.Fatal(err)
		}
		var st pageState
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	// poll evaluates cond until it holds; across a reload too, when the page has no state for a
	// moment.
	poll := func(what, cond string) {
		t.Helper()
		var last error
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(window.avatarState && (`+cond+`))`))
			if err == nil && ok {
				return
			}
			last = err
		}
		t.Fatalf("%s: %s does not hold (%v); page %+v", what, cond, last, state())
	}
	// utteranceIDs are the seqs of the utterances logged so far, in order.
	utteranceIDs := func() []int64 {
		var ids []int64
		for _, ev := range e.avatarEvents(id, testAdmin, func([]avatarEvent) bool { return true }) {
			if ev.Type == "avatar.utterance" {
				ids = append(ids, ev.Seq)
			}
		}
		return ids
	}
	// inOrder checks that the page played each utterance once, in the log's order.
	inOrder := func(history []int64) {
		t.Helper()
		logged := utteranceIDs()
		last := -1
		for _, h := range history {
			i := slices.Index(logged, h)
			if i <= last {
				t.Fatalf("played %d out of order or twice (history %v, log %v)", h, history, logged)
			}
			last = i
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/avatar?show=%s&token=%s", e.URL, id, toks["overlay"]))); err != nil {
		t.Fatal(err)
	}
	poll("connect", `document.body.dataset.conn === "live"`)
	if code, _ := e.do("POST", "/api/shows/"+id+"/avatar/start", toks["host"], nil, nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	poll("play", `window.avatarState.played >= 2`)

	// A network drop: the page loses the stream and cannot reach the server for a while; the show
	// goes on without it.
	before := state().Played
	gate.cut()
	e.HTTP.CloseClientConnections()
	poll("notice the drop", `document.body.dataset.conn === "offline"`)
	loggedAtDrop := len(utteranceIDs())
	for deadline := time.Now().Add(20 * time.Second); len(utteranceIDs()) < loggedAtDrop+2; {
		if time.Now().After(deadline) {
			t.Fatal("the runner stopped while the page was away")
		}
		time.Sleep(200 * time.Millisecond)
	}
	gate.down.Store(false)
	poll("resync after the drop", `window.avatarState.resyncs >= 1 && window.avatarState.played >= `+fmt.Sprint(before+2))
	st := state()
	if st.Skipped == 0 {
		t.Fatalf("the sentences said during the drop were not skipped: %+v", st)
	}
	inOrder(st.History)

	// A server restart: the runtime, the server and the avatar runner start again over the log.
	before = st.Played
	e.restart(withAvatar(t, &tts.Tone{}))
	gate.inner.Store(e.HTTP.Config.Handler)
	e.HTTP.Config.Handler = gate
	poll("resync after the restart", `window.avatarState.resyncs >= 2 && window.avatarState.played >= `+fmt.Sprint(before+2))
	st = state()
	inOrder(st.History)
	logged := utteranceIDs()
	for _, h := range st.History[len(st.History)-2:] {
		if !slices.Contains(logged, h) {
			t.Fatalf("played %d, which is no logged utterance", h)
		}
	}

	// A scheduled reload (every 0.1 min here) between two sentences: no sentence is lost.
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/avatar?show=%s&token=%s&reload=0.1", e.URL, id, toks["overlay"]))); err != nil {
		t.Fatal(err)
	}
	poll("reload", `window.avatarState.reloads >= 1 && window.avatarState.played >= 2`)
	st = state()
	inOrder(st.History)
	logged = utteranceIDs()
	first := slices.Index(logged, st.History[0])
	lastPlayed := slices.Index(logged, st.History[len(st.History)-1])
	if got, want := len(st.History), lastPlayed-first+1; got != want {
		t.Fatalf("around the reload the page played %d of the %d utterances logged (history %v, log %v)", got, want, st.History, logged[first:lastPlayed+1])
	}
}
