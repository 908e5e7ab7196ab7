package twitch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/connector/twitch/twitchtest"
	"github.com/livehost/livehost/show"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type sink struct {
	mu     sync.Mutex
	ids    map[string]int
	msgs   map[string]connector.Message
	states []string
}

func newSink() *sink { return &sink{ids: map[string]int{}, msgs: map[string]connector.Message{}} }

func (s *sink) Deliver(ctx context.Context, cursor string, msgs []connector.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		s.ids[m.ID]++
		s.msgs[m.ID] = m
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

func (s *sink) count(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id]
}

func (s *sink) lastState() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.states) == 0 {
		return ""
	}
	return s.states[len(s.states)-1]
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func build(t *testing.T, fake *twitchtest.Server, reply bool) *conn {
	t.Helper()
	set, _ := json.Marshal(Settings{BroadcasterUserID: "1001", UserID: "2002", EventSubURL: fake.EventSubURL(), APIBase: fake.APIBase(), TokenURL: fake.TokenURL(), Reply: reply})
	c := fake.Creds()
	k, err := Platform(Credentials{c.ClientID, c.ClientSecret, c.RefreshToken}).New(set, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return k.(*conn)
}

func run(k *conn, s *sink) func() error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx, "", s) }()
	return func() error { cancel(); return <-done }
}

// TestEventSub: subscribe after the welcome, messages mapped, a duplicate delivery, a
// session_reconnect followed without resubscribing, a missed keepalive and a dropped socket
// reconnected with a new subscription.
func TestEventSub(t *testing.T) {
	fake := twitchtest.New(time.Second)
	defer fake.Close()
	k := build(t, fake, true)
	s := newSink()
	stop := run(k, s)
	waitFor(t, "the subscription", func() bool { _, n := fake.Sessions(); return n == 1 })
	fake.Send(false, twitchtest.Chat{ID: "a", UserID: "u1", User: "Sakura", Text: "How much is the lip tint?", Badges: []string{"subscriber", "moderator"}},
		twitchtest.Chat{ID: "b", UserID: "u2", User: "ken", Text: "cheer100 love it", Bits: 100})
	fake.Send(true, twitchtest.Chat{ID: "c", UserID: "u3", User: "yuki", Text: "twice"})
	waitFor(t, "the messages", func() bool { return s.count("a") == 1 && s.count("b") == 1 && s.count("c") == 2 })

	fake.Reconnect()
	waitFor(t, "the move", func() bool { o, n := fake.Sessions(); return o == 1 && n == 1 })
	fake.Send(false, twitchtest.Chat{ID: "d", UserID: "u1", User: "Sakura", Text: "after the move"})
	waitFor(t, "d", func() bool { return s.count("d") == 1 })

	fake.Silence(true)
	waitFor(t, "the missed keepalive", func() bool { return strings.Contains(s.lastState(), "no EventSub message within the 1s keepalive") })
	fake.Silence(false)
	waitFor(t, "a new session", func() bool { return strings.HasPrefix(s.lastState(), show.ConnectorLive) })
	fake.Drop()
	waitFor(t, "the drop", func() bool { return strings.HasPrefix(s.lastState(), show.ConnectorBackoff) })
	waitFor(t, "a resubscribed session", func() bool {
		_, n := fake.Sessions()
		return n == 1 && strings.HasPrefix(s.lastState(), show.ConnectorLive)
	})
	fake.ExpireTokens() // the next Helix call refreshes once
	fake.Send(false, twitchtest.Chat{ID: "e", UserID: "u4", User: "aoi", Text: "still here"})
	waitFor(t, "e", func() bool { return s.count("e") == 1 })
	id, err := k.Reply(context.Background(), connector.Reply{Text: strings.Repeat("あ", 600), ParentID: "a"})
	if err != nil || id == "" {
		t.Fatalf("reply after expired tokens: %q %v", id, err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	a, b := s.msgs["a"], s.msgs["b"]
	if a.Platform != "twitch" || a.User != "Sakura" || a.UserID != "u1" || fmt.Sprint(a.Badges) != "[member moderator]" {
		t.Fatalf("a: %+v", a)
	}
	if b.Kind != "gift" || b.AmountMicros != 100_000_000 || b.Currency != "BITS" {
		t.Fatalf("cheer: %+v", b)
	}
	sent := fake.Sent()[0]
	if sent["reply_parent_message_id"] != "a" || sent["sender_id"] != "2002" || len([]rune(sent["message"].(string))) != 500 {
		t.Fatalf("sent %v", sent)
	}
}

// TestRevocationAndRefusals: a revocation ends Run; a subscription refused for good (403, a
// missing scope) ends it too; a message Twitch drops is a permanent reply failure.
func TestRevocationAndRefusals(t *testing.T) {
	fake := twitchtest.New(time.Second)
	defer fake.Close()
	k := build(t, fake, true)
	s := newSink()
	done := make(chan error, 1)
	go func() { done <- k.Run(context.Background(), "", s) }()
	waitFor(t, "the subscription", func() bool { _, n := fake.Sessions(); return n == 1 })
	fake.Revoke("authorization_revoked")
	if err := <-done; !errors.Is(err, connector.ErrEnded) || !strings.Contains(err.Error(), "authorization_revoked") {
		t.Fatalf("after revocation: %v", err)
	}
	fake.FailSubscribe(403)
	if err := build(t, fake, false).Run(context.Background(), "", newSink()); !errors.Is(err, connector.ErrEnded) {
		t.Fatalf("subscription refused: %v", err)
	}
	if _, err := k.Reply(context.Background(), connector.Reply{Text: ""}); !connector.IsPermanent(err) || !strings.Contains(err.Error(), "msg_too_long") {
		t.Fatalf("dropped reply: %v", err)
	}
	if _, err := Platform(Credentials{"a", "b", "c"}).New(json.RawMessage(`{"broadcaster_user_id":"1"}`), connector.Env{}); err == nil {
		t.Fatal("settings without user_id were accepted")
	}
	if _, err := Platform(Credentials{}).New(json.RawMessage(`{"broadcaster_user_id":"1","user_id":"2"}`), connector.Env{}); err == nil ||
		!strings.Contains(err.Error(), "LIVEHOST_TWITCH_CLIENT_ID") {
		t.Fatalf("no credentials: %v", err)
	}
}
