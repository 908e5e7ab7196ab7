package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func streamURL(e *env, show, token string) string {
	return "ws" + strings.TrimPrefix(e.URL, "http") + "/api/shows/" + show + "/stream?token=" + token
}

// TestStreamLimitsAndErrors: streams are capped per token and per show, refusals and bad
// upgrades are JSON like every other error, and a client that stops reading is cut by the ping.
func TestStreamLimitsAndErrors(t *testing.T) {
	e := newEnv(t, func(c *envConfig) {
		c.srv.MaxStreamsPerToken = 2
		c.srv.MaxStreamsPerShow = 3
		c.srv.StreamPing = 100 * time.Millisecond
	})
	tok := e.newShow("st1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dial := func(token string) (*websocket.Conn, *http.Response, error) {
		return websocket.Dial(ctx, streamURL(e, "st1", token), nil)
	}
	var open []*websocket.Conn
	defer func() {
		for _, c := range open {
			c.CloseNow()
		}
	}()
	for range 2 {
		c, _, err := dial(tok["overlay"])
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
	}
	_, res, err := dial(tok["overlay"])
	if err == nil || res == nil || res.StatusCode != 429 {
		t.Fatalf("a third stream of one token: %v %+v", err, res)
	}
	c, _, err := dial(tok["host"])
	if err != nil {
		t.Fatal(err)
	}
	open = append(open, c)
	if _, res, err := dial(tok["moderator"]); err == nil || res.StatusCode != 429 {
		t.Fatalf("a fourth stream of the show: %v", err)
	}

	// Not an upgrade, and a cross-site page: JSON errors.
	for _, tt := range []struct {
		header map[string]string
		code   int
		want   string
	}{
		{nil, 426, "WebSocket endpoint"},
		{map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Origin": "https://evil.example"}, 403, "is not this server"},
	} {
		req, _ := http.NewRequest("GET", e.URL+"/api/shows/st1/stream?token="+tok["moderator"], nil)
		for k, v := range tt.header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.code || !strings.HasPrefix(strings.TrimSpace(string(body)), `{"error":`) || !strings.Contains(string(body), tt.want) {
			t.Fatalf("%v: %d %s", tt.header, res.StatusCode, body)
		}
	}

	// The clients above never read: the pings go unanswered and the server cuts all three,
	// which frees the slots.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _, err := dial(tok["moderator"])
		if err == nil {
			open = append(open, c)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("streams of clients that never read were not cut: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var metrics string
	if res, err := http.Get(e.URL + "/metrics"); err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		metrics = string(b)
	}
	if !strings.Contains(metrics, "livehost_stream_cut_total 3") || strings.Contains(metrics, "livehost_stream_refused_total 0") {
		t.Fatalf("metrics lack the cut and refused streams:\n%s", grep(metrics, "livehost_stream_"))
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
