package onecomme

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/connector/onecomme/onecommetest"
	"github.com/livehost/livehost/show"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type sink struct {
	mu     sync.Mutex
	ids    map[string]int
	msgs   map[string]connector.Message
	states []string
}

func (s *sink) Deliver(ctx context.Context, cursor string, msgs []connector.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		s.ids[m.Platform+"/"+m.ID]++
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

func (s *sink) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[key]
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

// TestOneComme: the recent comments on connect, pushed comments mapped to their platforms, a
// garbage message skipped, and a dropped socket reconnected (the recent comments come again: the
// log keeps each once).
func TestOneComme(t *testing.T) {
	fake := onecommetest.New(2)
	defer fake.Close()
	fake.Push(onecommetest.Comment{ID: "old", Service: "youtube", Name: "a", Text: "before"})
	set, _ := json.Marshal(Settings{URL: fake.WSURL()})
	k, err := Platform().New(set, connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{ids: map[string]int{}, msgs: map[string]connector.Message{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx, "", s) }()
	waitFor(t, "the recent comment", func() bool { return s.count("youtube/old") == 1 })
	fake.Raw([]byte("not json"))
	fake.Raw([]byte(`{"type":"deleted","data":[{"id":"old"}]}`))
	fake.Push(onecommetest.Comment{ID: "tt1", Service: "tiktok", UserID: "u1", Name: "さくら", Text: "このリップいくら？", Gift: true},
		onecommetest.Comment{ID: "nc1", Service: "niconama", Name: "名無し", Text: "うぽつ"},
		onecommetest.Comment{ID: "tc1", Service: "twicas", Name: "c", Text: "こんばんは", Owner: true})
	waitFor(t, "the pushed comments", func() bool { return s.count("twitcasting/tc1") == 1 })
	fake.Drop()
	waitFor(t, "a reconnect", func() bool { return s.count("niconico/nc1") == 2 }) // resent with the recent ones
	fake.Push(onecommetest.Comment{ID: "sr1", Service: "showroom", Name: "d", Text: "after"})
	waitFor(t, "after the reconnect", func() bool { return s.count("showroom/sr1") == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tt := s.msgs["tt1"]
	if tt.User != "さくら" || tt.UserID != "u1" || tt.Kind != "gift" || tt.Text != "このリップいくら？" || tt.At.IsZero() {
		t.Fatalf("tiktok comment %+v", tt)
	}
	if fmt.Sprint(s.msgs["tc1"].Badges) != "[owner]" {
		t.Fatalf("badges %v", s.msgs["tc1"].Badges)
	}
	joined := strings.Join(s.states, "\n")
	if !strings.Contains(joined, show.ConnectorBackoff+":OneComme socket") || !strings.Contains(joined, show.ConnectorLive) {
		t.Fatalf("states:\n%s", joined)
	}
	if _, err := Platform().New(json.RawMessage(`{"url":"http://x"}`), connector.Env{}); err == nil {
		t.Fatal("an http url was accepted")
	}
}

// TestNotRunning: no OneComme on the port backs off, naming the address.
func TestNotRunning(t *testing.T) {
	k, err := Platform().New(json.RawMessage(`{"url":"ws://127.0.0.1:1/sub?p=comments"}`), connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{ids: map[string]int{}, msgs: map[string]connector.Message{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx, "", s) }()
	waitFor(t, "a backoff", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return len(s.states) >= 2 })
	cancel()
	<-done
	if !strings.Contains(s.states[1], "connect to OneComme at ws://127.0.0.1:1") {
		t.Fatalf("states %v", s.states)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"type":"comments","data":{"comments":[{"id":"x","service":"tiktok","data":{"id":"1","comment":"hi","timestamp":1767225600000}}]}}`))
	f.Add([]byte(`{"type":"connected","data":[{"id":"y","data":{"timestamp":"2026-01-01T00:00:00Z"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, err := Parse(data)
		if err != nil {
			return
		}
		for _, m := range msgs {
			if m.ID == "" {
				t.Fatal("a message without an id")
			}
			in := m.ChatIn()
			if err := in.Check(); err != nil {
				t.Fatalf("%+v fails the runtime's check: %v", in, err)
			}
		}
	})
}
