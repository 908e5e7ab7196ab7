package approval_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/livehost/livehost/agents/approval"
)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"XLありますか？", "ｘｌ　アリマスカ!", "How much?", "\u200bい\u3099くら", "bad\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := approval.Normalize(s)
		if approval.Normalize(n) != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, approval.Normalize(n))
		}
		for _, r := range n {
			if unicode.IsSpace(r) || unicode.IsPunct(r) {
				t.Fatalf("Normalize(%q) = %q keeps %q", s, n, r)
			}
		}
	})
}

// FuzzApply feeds arbitrary changes to a queue with some state: Apply must never panic, and a
// refused change must leave the queue as it was.
func FuzzApply(f *testing.F) {
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	seed := []approval.Change{
		{Kind: approval.KindApproved, Show: "s1", Draft: "d1", By: "a", Text: "t", At: at},
		{Kind: approval.KindClaimed, Show: "s1", Draft: "d2", By: "a", At: at, Until: at.Add(time.Minute)},
		{Kind: approval.KindCreated, Show: "s1", Draft: "n", At: at, Proposal: &approval.Proposal{Show: "s1", Question: approval.Question{Text: "q", Seq: 1}, Text: "t"}},
		{Kind: approval.KindAsked, Show: "s1", Draft: "d1", At: at, Question: &approval.Question{Text: "q", Seq: 9}},
		{Kind: approval.KindPolicy, Show: "s1", At: at, Policy: &approval.Policy{Enabled: true, MinConfidence: 2}},
	}
	for _, c := range seed {
		b, _ := json.Marshal(c)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c approval.Change
		if json.Unmarshal(b, &c) != nil {
			return
		}
		q := approval.New(approval.Config{Now: func() time.Time { return at }})
		for i, text := range []string{"いくら？", "XLある？"} {
			if _, _, err := q.Submit(approval.Proposal{Show: "s1", Question: approval.Question{Seq: int64(i + 1), Text: text}, Text: "answer", Confidence: 0.5}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := q.Claim("d2", "bob"); err != nil {
			t.Fatal(err)
		}
		before, _ := json.Marshal(q.List(""))
		err := q.Apply(c)
		after, _ := json.Marshal(q.List(""))
		if err != nil && string(before) != string(after) {
			t.Fatalf("refused change %s (%v) altered the queue", b, err)
		}
		if err != nil && strings.TrimSpace(err.Error()) == "" {
			t.Fatal("empty error message")
		}
	})
}
