package avatar_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/openaitest"
	"github.com/livehost/livehost/show"
)

// TestLLMDownAnswersFromCatalog: with the LLM engine configured and its server down, the answer
// engine falls back to the offline answer; a model-engine draft is not auto-approved, so it waits
// for a moderator, and once approved the avatar speaks it with the catalog's price.
func TestLLMDownAnswersFromCatalog(t *testing.T) {
	llm := openaitest.New()
	defer llm.Close()
	llm.FailNext(1000, 503)
	r := newRig(t, rigOpt{env: map[string]string{"OPENAI_BASE_URL": llm.Config().BaseURL, "OPENAI_API_KEY": "sk-test"},
		client: llm.HTTPClient(), clock: nil})
	if r.ag.EngineName != "llm" {
		t.Fatalf("engine %q, want llm", r.ag.EngineName)
	}
	id := r.newShow("LH-COS-001")
	ctx := context.Background()
	seq, err := r.m.Control(ctx, id, "start", "t")
	if err != nil {
		t.Fatal(err)
	}
	r.until(id, seq, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeProductOnAir })
	res, err := r.rt.IngestChat(ctx, id, []live.ChatIn{{User: "ゆか", Text: "このリップはいくらですか？"}})
	if err != nil {
		t.Fatal(err)
	}
	ev := r.until(id, res[0].Seq, 20*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeDraftCreated })
	var d show.DraftCreated
	_ = ev.Decode(&d)
	if d.Fallback == "" || !strings.Contains(d.Text, "1,580円") {
		t.Fatalf("draft %+v: want the offline answer with the fallback reason", d)
	}
	if _, err := r.rt.ReviewDraft(ctx, d.DraftID, live.Review{Verb: "approve", By: "mod"}); err != nil {
		t.Fatal(err)
	}
	ev = r.until(id, ev.Seq, 20*time.Second, func(ev show.Event) bool {
		u, ok := utterance(ev)
		return ok && u.ChatSeq == res[0].Seq
	})
	if u, _ := utterance(ev); !strings.Contains(u.Text, "1,580円") || u.Kind != "answer" {
		t.Fatalf("spoken answer %+v", u)
	}
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
}
