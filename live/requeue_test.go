package live_test

import (
	"context"
	"testing"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// A question logged just before the process stopped, and not answered yet, is answered when the
// runtime starts again — once: a second start finds its answer in the log.
func TestUnansweredQuestionAnsweredAfterRestart(t *testing.T) {
	ctx := context.Background()
	st, err := show.OpenStore(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sh, err := st.CreateShow(ctx, show.Show{Title: "restart", Lineup: []string{"LH-COS-001"}})
	if err != nil {
		t.Fatal(err)
	}
	onAir, _ := show.Encode(show.TypeProductOnAir, show.ProductOnAir{SKU: "LH-COS-001"})
	chat, _ := show.Encode(show.TypeChatReceived, show.ChatReceived{Platform: "api", User: "viewer", Text: "いくらですか？"})
	out, err := st.Append(ctx, sh.ID, onAir, chat)
	if err != nil {
		t.Fatal(err)
	}
	q := out[1].Seq
	verdict, _ := show.Encode(show.TypeChatVerdict, show.ChatVerdict{ChatSeq: q, Action: show.ActionAllow})
	if _, err := st.Append(ctx, sh.ID, verdict); err != nil {
		t.Fatal(err)
	}
	answers := func() int {
		evs, err := st.Read(ctx, sh.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, ev := range evs {
			var p show.QuestionDetected
			if ev.Type == show.TypeQuestionDetected && ev.Decode(&p) == nil && p.ChatSeq == q {
				n++
			}
		}
		return n
	}
	useStore := func(o *live.Options) { o.Store = st }
	r := newRig(t, nil, useStore)
	r.until(t, sh.ID, 0, func(ev show.Event) bool { return ev.Type == show.TypeQuestionDetected })
	r.rt.Close()
	// A second start must not answer it again. The answer worker takes jobs in order, so once a
	// question asked after this start is answered, a requeued old one would have been too.
	r2 := newRig(t, nil, useStore)
	res, err := r2.rt.IngestChat(ctx, sh.ID, []live.ChatIn{{User: "later", Text: "在庫はありますか？"}})
	if err != nil {
		t.Fatal(err)
	}
	r2.until(t, sh.ID, 0, func(ev show.Event) bool {
		var p show.QuestionDetected
		return ev.Type == show.TypeQuestionDetected && ev.Decode(&p) == nil && p.ChatSeq == res[0].Seq
	})
	if n := answers(); n != 1 {
		t.Fatalf("the question was answered %d times, want once", n)
	}
}
