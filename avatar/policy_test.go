package avatar_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// TestAnswerPolicyHonoured: with a show policy that approves nothing by itself, a price answer
// the standard policy would speak at once waits in the console; once a moderator approves it the
// avatar speaks it. A show that is not an avatar show gets no voice-answer policy.
func TestAnswerPolicyHonoured(t *testing.T) {
	r := newRig(t, rigOpt{})
	ctx := context.Background()
	id := r.newShow("LH-COS-001")
	if _, err := r.m.SetAnswerPolicy(ctx, id, live.AnswerPolicy{Enabled: false}, "mod"); err != nil {
		t.Fatal(err)
	}
	plain, err := r.rt.CreateShow(ctx, show.Show{Title: "有人ライブ", Lineup: []string{"LH-COS-001"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.SetAnswerPolicy(ctx, plain.ID, live.AnswerPolicy{}, "mod"); !errors.Is(err, avatar.ErrState) {
		t.Fatalf("policy on a show without an avatar: %v, want ErrState", err)
	}
	seq, err := r.m.Control(ctx, id, "start", "t")
	if err != nil {
		t.Fatal(err)
	}
	r.until(id, seq, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeProductOnAir })
	res, err := r.rt.IngestChat(ctx, id, []live.ChatIn{{User: "ゆか", Text: "このリップはいくらですか？"}})
	if err != nil {
		t.Fatal(err)
	}
	ev := r.until(id, res[0].Seq, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeDraftCreated })
	var d show.DraftCreated
	if err := ev.Decode(&d); err != nil {
		t.Fatal(err)
	}
	// The runner has logged more talk since; the answer was not published, so it cannot be spoken.
	after := r.until(id, ev.Seq, 10*time.Second, func(ev show.Event) bool {
		_, ok := utterance(ev)
		return ok
	})
	if pending, _ := r.rt.Drafts(ctx, id, "pending"); len(pending) != 1 || pending[0].DraftID != d.DraftID {
		t.Fatalf("pending drafts %+v, want the price answer waiting", pending)
	}
	for _, ev := range r.all(id) {
		if u, ok := utterance(ev); ok && u.ChatSeq == res[0].Seq {
			t.Fatalf("spoken before approval: %+v", u)
		}
	}
	if _, err := r.rt.ReviewDraft(ctx, d.DraftID, live.Review{Verb: "approve", By: "mod"}); err != nil {
		t.Fatal(err)
	}
	ev = r.until(id, after.Seq, 20*time.Second, func(ev show.Event) bool {
		u, ok := utterance(ev)
		return ok && u.ChatSeq == res[0].Seq
	})
	if u, _ := utterance(ev); !strings.Contains(u.Text, "1,580円") || u.Kind != avatar.KindAnswer {
		t.Fatalf("spoken answer %+v", u)
	}
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
}
