package server_test

import (
	"fmt"
	"testing"
	"time"
)

// TestHeldPagingBulkDenyAndExpiry: a raid's held messages are paged, denied in bulk by user or by
// rule with one event each, and the rest expire after the held time with one event.
func TestHeldPagingBulkDenyAndExpiry(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.live.HeldTTL = 1500 * time.Millisecond })
	tok := e.newShow("h1")
	var batch []map[string]string
	for i := range 30 {
		// Phone numbers are held (personal information), by two raiders and others.
		user := fmt.Sprintf("u%d", i%3)
		batch = append(batch, map[string]string{"user": user, "text": fmt.Sprintf("電話して 090-1234-%04d", i)})
	}
	var res struct {
		Results []chatResult `json:"results"`
	}
	if code, _ := e.do("POST", "/api/shows/h1/chat", tok["ingest"], batch, &res); code != 202 {
		t.Fatalf("chat: %d", code)
	}
	held := 0
	for _, r := range res.Results {
		if r.Verdict.Action == "hold" {
			held++
		}
	}
	if held != 30 {
		t.Fatalf("%d of 30 held; verdict %+v", held, res.Results[0].Verdict)
	}
	type page struct {
		Held []struct {
			ChatSeq int64    `json:"chat_seq"`
			User    string   `json:"user"`
			Rules   []string `json:"rules"`
		} `json:"held"`
		Total int   `json:"total"`
		Next  int64 `json:"next"`
		More  bool  `json:"more"`
	}
	var p1, p2 page
	e.do("GET", "/api/shows/h1/held?limit=20", tok["moderator"], nil, &p1)
	e.do("GET", fmt.Sprintf("/api/shows/h1/held?limit=20&after=%d", p1.Next), tok["moderator"], nil, &p2)
	if len(p1.Held) != 20 || !p1.More || len(p2.Held) != 10 || p2.More || p1.Total != 30 || p2.Held[0].ChatSeq <= p1.Held[19].ChatSeq {
		t.Fatalf("pages: %d (more %v, total %d), %d (more %v)", len(p1.Held), p1.More, p1.Total, len(p2.Held), p2.More)
	}
	var deny struct {
		Seq   int64 `json:"seq"`
		Count int   `json:"count"`
	}
	if code, _ := e.do("POST", "/api/shows/h1/held/deny", tok["moderator"], map[string]string{"user": "u0"}, &deny); code != 200 || deny.Count != 10 {
		t.Fatalf("deny u0: %d %+v", code, deny)
	}
	rule := p1.Held[0].Rules
	if len(rule) == 0 {
		t.Fatalf("held messages carry no rules: %+v", p1.Held[0])
	}
	if code, _ := e.do("POST", "/api/shows/h1/held/deny", tok["moderator"], map[string]string{"user": "u1", "rule": rule[0]}, &deny); code != 200 || deny.Count != 10 {
		t.Fatalf("deny u1 by rule %s: %d %+v", rule[0], code, deny)
	}
	if code, _ := e.do("POST", "/api/shows/h1/held/deny", tok["moderator"], map[string]string{}, nil); code != 400 {
		t.Fatalf("deny with no filter: %d", code)
	}
	if code, _ := e.do("POST", "/api/shows/h1/held/deny", tok["host"], map[string]string{"user": "u2"}, nil); code != 403 {
		t.Fatalf("a host denying: %d", code)
	}
	// The last ten expire on their own, in one event.
	var evs struct {
		Events []struct {
			Type  string `json:"type"`
			Count int    `json:"count"`
		} `json:"events"`
	}
	waitFor(t, func() bool {
		e.do("GET", "/api/shows/h1/events?limit=1000", tok["moderator"], nil, &evs)
		for _, ev := range evs.Events {
			if ev.Type == "chat.held_expired" && ev.Count == 10 {
				return true
			}
		}
		return false
	})
	var state struct {
		Held      []any `json:"held"`
		HeldTotal int   `json:"held_total"`
	}
	e.do("GET", "/api/shows/h1/state", tok["moderator"], nil, &state)
	if len(state.Held) != 0 || state.HeldTotal != 0 {
		t.Fatalf("held after deny and expiry: %d (total %d)", len(state.Held), state.HeldTotal)
	}
	bulk := 0
	for _, ev := range evs.Events {
		if ev.Type == "chat.bulk_denied" {
			bulk++
		}
	}
	if bulk != 2 {
		t.Fatalf("%d chat.bulk_denied events, want 2 (one per action)", bulk)
	}
}

// waitFor polls cond until it holds, or fails after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the condition never held")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
