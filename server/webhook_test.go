package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/connector/manager"
	"github.com/livehost/livehost/connector/meta"
	"github.com/livehost/livehost/connector/meta/metatest"
	"github.com/livehost/livehost/connector/webhook"
	"github.com/livehost/livehost/connector/youtube/youtubetest"
)

// postSigned sends body to a webhook with the given timestamp and signature headers.
func (e *env) postSigned(path string, body []byte, ts, sig string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if ts != "" {
		req.Header.Set(webhook.HeaderTimestamp, ts)
	}
	if sig != "" {
		req.Header.Set(webhook.HeaderSignature, sig)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// TestSignedWebhook: a signed request logs its messages, a retried one logs nothing again, and a
// missing, stale, future or wrong signature is 401 with nothing logged.
func TestSignedWebhook(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	fake := youtubetest.New(youtubetest.Options{})
	t.Cleanup(fake.Close)
	var conns *manager.Manager
	e := newEnv(t, withConnectors(fake, &conns))
	e.newShow("wh1")
	path := "/api/shows/wh1/webhook/bridge"
	body := []byte(`{"messages":[{"id":"tt-1","platform":"tiktok","user":"さくら","text":"このリップいくらですか？"},{"id":"tt-2","user":"ken","text":"かわいい"}]}`)
	now := time.Now().Unix()
	sign := func(ts int64, b []byte) (string, string) {
		return strconv.FormatInt(ts, 10), webhook.Sign([]byte(testWebhookSecret), ts, b)
	}
	// Not configured yet: 404.
	ts, sig := sign(now, body)
	if code, _ := e.postSigned(path, body, ts, sig); code != 404 {
		t.Fatalf("unconfigured webhook: %d", code)
	}
	if code, _ := e.do("PUT", "/api/shows/wh1/connectors/bridge", testAdmin, map[string]any{"platform": "webhook", "settings": map[string]any{"platform": "onecomme"}}, nil); code != 200 {
		t.Fatalf("put webhook connector: %d", code)
	}
	waitUntil(t, "the webhook connector to run", func() bool {
		code, _ := e.postSigned(path, []byte(`{}`), "", "")
		return code == 401
	})
	for _, tt := range []struct {
		name    string
		ts, sig string
	}{
		{"no headers", "", ""},
		{"stale", func() string { s, _ := sign(now-600, body); return s }(), func() string { _, s := sign(now-600, body); return s }()},
		{"from the future", func() string { s, _ := sign(now+600, body); return s }(), func() string { _, s := sign(now+600, body); return s }()},
		{"wrong secret", ts, webhook.Sign([]byte("another-secret-0123456789"), now, body)},
		{"signed another body", ts, webhook.Sign([]byte(testWebhookSecret), now, []byte(`{"messages":[]}`))},
		{"timestamp changed", strconv.FormatInt(now+1, 10), sig},
	} {
		if code, out := e.postSigned(path, body, tt.ts, tt.sig); code != 401 || out["error"] == nil {
			t.Errorf("%s: %d %v, want 401 with an error", tt.name, code, out)
		}
	}
	if counts, _ := e.chatByPlatformID("wh1"); len(counts) != 0 {
		t.Fatalf("refused requests logged %v", counts)
	}
	code, out := e.postSigned(path, body, ts, sig)
	if code != 202 || out["logged"] != 2.0 || out["duplicates"] != 0.0 {
		t.Fatalf("signed: %d %v", code, out)
	}
	// The bridge retries: nothing is logged twice.
	if code, out := e.postSigned(path, body, ts, sig); code != 202 || out["logged"] != 0.0 || out["duplicates"] != 2.0 {
		t.Fatalf("retried: %d %v", code, out)
	}
	counts, chats := e.chatByPlatformID("wh1")
	if fmt.Sprint(counts) != "map[onecomme/tt-2:1 tiktok/tt-1:1]" || chats[0].Connector != "bridge" {
		t.Fatalf("logged %v %+v", counts, chats)
	}
	// A bad body with a good signature is 400, naming what is wrong.
	bad := []byte(`{"messages":[{"text":"no id"}]}`)
	ts2, sig2 := sign(now, bad)
	if code, out := e.postSigned(path, bad, ts2, sig2); code != 400 || fmt.Sprint(out["error"]) == "" {
		t.Fatalf("bad body: %d %v", code, out)
	}
}

// TestInstagramWebhook: Meta's verification GET is answered with the challenge only for the
// right verify token, and live comments signed with X-Hub-Signature-256 are logged once; a wrong
// signature is 401.
func TestInstagramWebhook(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	fake := youtubetest.New(youtubetest.Options{})
	t.Cleanup(fake.Close)
	var conns *manager.Manager
	e := newEnv(t, withConnectors(fake, &conns))
	e.newShow("ig1")
	if code, _ := e.do("PUT", "/api/shows/ig1/connectors/ig", testAdmin, map[string]any{"platform": "instagram", "settings": map[string]any{"media_id": "live-1"}}, nil); code != 200 {
		t.Fatalf("put instagram connector: %d", code)
	}
	path := "/api/shows/ig1/webhook/ig"
	verify := func(token string) (int, string) {
		res, err := http.Get(e.URL + path + "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=" + token)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b := new(bytes.Buffer)
		b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}
	waitUntil(t, "the connector to run", func() bool { code, _ := verify(testMetaVerify); return code == 200 })
	if code, body := verify(testMetaVerify); code != 200 || body != "1158201444" {
		t.Fatalf("verify: %d %q", code, body)
	}
	if code, _ := verify("wrong"); code != 401 {
		t.Fatalf("wrong verify token: %d", code)
	}
	body := metatest.InstagramBody("17841400000", metatest.InstagramComment{ID: "ig-c1", UserID: "u1", Username: "sakura.cosme", Text: "このリップいくら？", MediaID: "live-1"})
	post := func(sig string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", e.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Hub-Signature-256", sig)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	if code, _ := post(meta.Sign([]byte("not-the-secret"), body)); code != 401 {
		t.Fatalf("wrong signature: %d", code)
	}
	for i, want := range []float64{1, 0} {
		if code, out := post(meta.Sign([]byte(testMetaSecret), body)); code != 202 || out["logged"] != want {
			t.Fatalf("delivery %d: %d %v", i, code, out)
		}
	}
	if counts, _ := e.chatByPlatformID("ig1"); fmt.Sprint(counts) != "map[instagram/ig-c1:1]" {
		t.Fatalf("logged %v", counts)
	}
}
