package meta

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/connector/meta/metatest"
	"github.com/livehost/livehost/show"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var creds = Credentials{AppSecret: "app-secret-123", VerifyToken: "verify-me", PageToken: "page-token-xyz"}

type sink struct {
	mu     sync.Mutex
	ids    map[string]int
	states []string
}

func (s *sink) Deliver(ctx context.Context, cursor string, msgs []connector.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		s.ids[m.ID]++
	}
	return nil
}

func (s *sink) State(state, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.states = append(s.states, state+":"+reason)
}

// Viewers: this platform's connector reports no audience.
func (s *sink) Viewers(n int) { panic("unexpected viewers report") }

func (s *sink) seen(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id] > 0
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestInstagramWebhook: the verify-token handshake, X-Hub-Signature-256 checked, live comments of
// the chosen broadcast read, other fields and media left out.
func TestInstagramWebhook(t *testing.T) {
	k, err := Instagram(creds).New(json.RawMessage(`{"media_id":"live-1"}`), connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	ig := k.(*igConn)
	ch, err := ig.Verify(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"verify-me"}, "hub.challenge": {"1158201444"}})
	if err != nil || ch != "1158201444" {
		t.Fatalf("verify: %q %v", ch, err)
	}
	if _, err := ig.Verify(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"wrong"}, "hub.challenge": {"1"}}); !errors.Is(err, connector.ErrUnauthorized) {
		t.Fatalf("wrong verify token: %v", err)
	}
	body := metatest.InstagramBody("17841400000", metatest.InstagramComment{ID: "c1", UserID: "u1", Username: "sakura.cosme", Text: "色違いある？", MediaID: "live-1"},
		metatest.InstagramComment{ID: "c2", UserID: "u2", Username: "x", Text: "other live", MediaID: "live-2"})
	h := http.Header{}
	h.Set("X-Hub-Signature-256", Sign([]byte(creds.AppSecret), body))
	msgs, err := ig.Receive(h, body, time.Now())
	if err != nil || len(msgs) != 1 || msgs[0].ID != "c1" || msgs[0].User != "sakura.cosme" || msgs[0].Platform != "instagram" || msgs[0].At.IsZero() {
		t.Fatalf("receive: %+v %v", msgs, err)
	}
	h.Set("X-Hub-Signature-256", Sign([]byte("another-secret"), body))
	if _, err := ig.Receive(h, body, time.Now()); !errors.Is(err, connector.ErrUnauthorized) {
		t.Fatalf("wrong signature: %v", err)
	}
	if _, err := Instagram(Credentials{}).New(nil, connector.Env{}); err == nil || !strings.Contains(err.Error(), "LIVEHOST_META_APP_SECRET") {
		t.Fatalf("no credentials: %v", err)
	}
}

// TestFacebookPolling: comments polled newest first are delivered oldest first (each poll
// returns them again; the log keeps each once), a 5xx backs off, a reply is threaded under the
// question and not read back, an expired token stops the connector.
func TestFacebookPolling(t *testing.T) {
	fake := metatest.New("vid-9", creds.PageToken)
	defer fake.Close()
	set, _ := json.Marshal(FacebookSettings{LiveVideoID: "vid-9", GraphBase: fake.GraphBase(), Reply: true, IntervalMS: 5})
	k, err := Facebook(creds).New(set, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	fake.Comment("vid-9_1", "u1", "Sakura", "このリップいくら？")
	s := &sink{ids: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx, "", s) }()
	waitFor(t, "the first comment", func() bool { return s.seen("vid-9_1") })
	fake.Fail(metatest.Fault{Status: 500, Code: 2, Message: "An unexpected error has occurred."})
	fake.Comment("vid-9_2", "u2", "Ken", "送料は？")
	waitFor(t, "the second comment", func() bool { return s.seen("vid-9_2") })
	id, err := k.Reply(context.Background(), connector.Reply{Text: "1,580円です", ParentID: "vid-9_1"})
	if err != nil {
		t.Fatal(err)
	}
	polls := fake.Polls()
	waitFor(t, "more polls", func() bool { return fake.Polls() > polls+2 })
	if s.seen(id) {
		t.Fatal("our own reply was read back as chat")
	}
	if r := fake.Replies(); len(r) != 1 || r[0]["parent"] != "vid-9_1" || r[0]["message"] != "1,580円です" {
		t.Fatalf("replies %v", r)
	}
	fake.Fail(metatest.Fault{Status: 400, Code: 190, Message: "Error validating access token: Session has expired"})
	if err := <-done; !errors.Is(err, connector.ErrEnded) {
		t.Fatalf("after an expired token: %v", err)
	}
	cancel()
	joined := strings.Join(s.states, "\n")
	if !strings.Contains(joined, show.ConnectorBackoff+":facebook: 500") || strings.Contains(joined, creds.PageToken) {
		t.Fatalf("states:\n%s", joined)
	}
	fake.Fail(metatest.Fault{Status: 400, Code: 100, Message: "Missing message"})
	if _, err := k.Reply(context.Background(), connector.Reply{Text: "x", ParentID: "vid-9_1"}); !connector.IsPermanent(err) {
		t.Fatalf("a 400 reply: %v", err)
	}
	for _, bad := range []string{`{}`, `{"live_video_id":"https://facebook.com/x/videos/1"}`, `{"live_video_id":"1","page_token":"secret"}`} {
		if _, err := Facebook(creds).New(json.RawMessage(bad), connector.Env{}); err == nil {
			t.Errorf("settings %s were accepted", bad)
		}
	}
}

func FuzzInstagramBody(f *testing.F) {
	f.Add(metatest.InstagramBody("1", metatest.InstagramComment{ID: "c", Username: "u", Text: "hi", MediaID: "m"}))
	f.Add([]byte(`{"object":"instagram","entry":[{"time":99999999999999,"changes":[{"field":"live_comments","value":{"id":"x"}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		msgs, err := parseInstagram(body, "")
		if err != nil {
			return
		}
		for _, m := range msgs {
			in := m.ChatIn()
			if err := in.Check(); err != nil {
				t.Fatalf("%+v fails the runtime's check: %v", in, err)
			}
		}
	})
}
