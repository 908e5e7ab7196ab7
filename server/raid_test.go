package server_test

import (
	"fmt"
	"testing"
)

// TestSameQuestionFromManyViewers: in a live show many viewers ask the same question; they are
// all allowed (not a copy-paste raid) and become one draft with a count.
func TestSameQuestionFromManyViewers(t *testing.T) {
	e := newEnv(t)
	toks := e.newShow("raid")
	var msgs []map[string]string
	for i := range 7 {
		msgs = append(msgs, map[string]string{"platform": "youtube", "user": fmt.Sprintf("viewer%d", i), "text": "このリップいくらですか？"})
	}
	var res struct {
		Results []chatResult `json:"results"`
	}
	if code, _ := e.do("POST", "/api/shows/raid/chat", toks["ingest"], msgs, &res); code != 202 {
		t.Fatalf("chat: %d", code)
	}
	if len(res.Results) != len(msgs) {
		t.Fatalf("%d results for %d messages: %+v", len(res.Results), len(msgs), res)
	}
	for i, r := range res.Results {
		if r.Verdict.Action != "allow" {
			t.Errorf("message %d: %s %v, want allow", i, r.Verdict.Action, r.Verdict.Rules)
		}
	}
	drafts := e.waitDrafts("raid", toks["moderator"], "", func(ds []draft) bool {
		for _, d := range ds {
			if d.Count == len(msgs) {
				return true
			}
		}
		return false
	})
	if len(drafts) != 1 {
		t.Errorf("%d drafts, want one with a count: %+v", len(drafts), drafts)
	}
}
