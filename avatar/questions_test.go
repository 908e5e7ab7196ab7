package avatar_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// TestQuestionsAnsweredInVoice: the on-air product's question and the most asked come first, a
// repeat is counted not answered again, a held message is never answered, a name is read only
// when clean, and a question left waiting too long is dropped with the reason logged.
func TestQuestionsAnsweredInVoice(t *testing.T) {
	clock := avatar.NewFastClock(time.Now(), 0)
	r := newRig(t, rigOpt{clock: clock})
	id := r.newShow("LH-COS-001", "LH-COS-002")
	ctx := context.Background()
	if _, err := r.m.Control(ctx, id, "start", "t"); err != nil {
		t.Fatal(err)
	}
	// Wait for the first segment to put its product on air, then hold the avatar still.
	r.until(id, 0, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeAvatarUtterance })
	paused, err := r.m.Control(ctx, id, "pause", "t")
	if err != nil {
		t.Fatal(err)
	}
	ingest := func(user, text string) int64 {
		res, err := r.rt.IngestChat(ctx, id, []live.ChatIn{{User: user, Text: text}})
		if err != nil {
			t.Fatal(err)
		}
		return res[0].Seq
	}
	off := ingest("taro", "リップライナーはいくらですか？")
	on := ingest("ゆか", "このリップはいくらですか？")
	repeat := ingest("はな", "このリップはいくらですか？")
	held := ingest("troll", "死ね、このリップはいくらですか？")
	// Both answers are published (the offline price answers are auto-approved), and the repeat
	// counted on its draft, before resuming.
	published, asked := 0, false
	defer func() {
		if t.Failed() {
			for _, e := range r.all(id) {
				if e.Seq > paused {
					t.Logf("%d %s %s", e.Seq, e.Type, e.Data)
				}
			}
		}
	}()
	r.until(id, paused, 10*time.Second, func(ev show.Event) bool {
		switch ev.Type {
		case show.TypeDraftPublished:
			published++
		case show.TypeDraftAsked:
			asked = true
		}
		return published == 2 && asked
	})
	time.Sleep(100 * time.Millisecond) // the runner's follower folds them
	if st, _ := r.m.Status(ctx, id); st.Queue != 2 {
		t.Fatalf("queue %d, want 2 (a repeat counts on its question)", st.Queue)
	}
	resumed, err := r.m.Control(ctx, id, "resume", "t")
	if err != nil {
		t.Fatal(err)
	}
	var answers []show.AvatarUtterance
	r.until(id, resumed, 10*time.Second, func(ev show.Event) bool {
		if u, ok := utterance(ev); ok && u.ChatSeq != 0 {
			if len(answers) == 0 || answers[len(answers)-1].ChatSeq != u.ChatSeq {
				answers = append(answers, u)
			}
		}
		return len(answers) == 2
	})
	if answers[0].ChatSeq != on || answers[1].ChatSeq != off {
		t.Fatalf("answered %d then %d; want the on-air question %d first, then %d", answers[0].ChatSeq, answers[1].ChatSeq, on, off)
	}
	if answers[0].Askers != 2 || !strings.HasPrefix(answers[0].Text, "ゆかさん、") || !strings.Contains(answers[0].Text, "1,580円") {
		t.Fatalf("on-air answer %+v", answers[0])
	}
	if answers[1].User != "taro" || !strings.HasPrefix(answers[1].Text, "taroさん、") || !strings.Contains(answers[1].Text, "1,320円") {
		t.Fatalf("off-air answer %+v", answers[1])
	}
	// The stale question: asked while paused, answered never.
	if _, err := r.m.Control(ctx, id, "pause", "t"); err != nil {
		t.Fatal(err)
	}
	late := ingest("mika", "リップライナーの在庫はありますか？")
	r.until(id, late, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeDraftPublished })
	time.Sleep(100 * time.Millisecond)
	<-clock.After(4 * time.Minute)
	resumed, err = r.m.Control(ctx, id, "resume", "t")
	if err != nil {
		t.Fatal(err)
	}
	ev := r.until(id, resumed, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeAvatarSkipped })
	var sk show.AvatarSkipped
	if ev.Decode(&sk); sk.Action != "stale" || sk.ChatSeq != late {
		t.Fatalf("skipped %+v, want the stale question %d", sk, late)
	}
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
	count := map[int64]int{}
	prev := int64(-1)
	for _, e := range r.all(id) {
		if u, ok := utterance(e); ok && u.ChatSeq != 0 && u.ChatSeq != prev {
			count[u.ChatSeq]++
		}
		if u, ok := utterance(e); ok {
			prev = u.ChatSeq
		}
	}
	if count[held] != 0 || count[repeat] != 0 || count[late] != 0 || count[on] != 1 || count[off] != 1 {
		t.Fatalf("answers per question %v (held %d, repeat %d, late %d)", count, held, repeat, late)
	}
}

// TestAnswerAddressesTheAskerInTheirLanguage: in a Japanese show, a viewer who asks in English is
// addressed in English ("emma, "), one who asks in Japanese with さん.
func TestAnswerAddressesTheAskerInTheirLanguage(t *testing.T) {
	r := newRig(t, rigOpt{clock: avatar.NewFastClock(time.Now(), 0)})
	id := r.newShow("LH-COS-001")
	ctx := context.Background()
	if _, err := r.m.Control(ctx, id, "start", "t"); err != nil {
		t.Fatal(err)
	}
	r.until(id, 0, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeAvatarUtterance })
	for _, tc := range []struct{ user, text, prefix string }{
		{"emma", "How much is this?", "emma, "},
		{"ゆか", "このリップはいくらですか？", "ゆかさん、"},
	} {
		res, err := r.rt.IngestChat(ctx, id, []live.ChatIn{{User: tc.user, Text: tc.text}})
		if err != nil {
			t.Fatal(err)
		}
		ev := r.until(id, res[0].Seq, 10*time.Second, func(ev show.Event) bool {
			u, ok := utterance(ev)
			return ok && u.ChatSeq == res[0].Seq
		})
		if u, _ := utterance(ev); !strings.HasPrefix(u.Text, tc.prefix) {
			t.Errorf("answer to %q from %s: %q, want it to begin %q", tc.text, tc.user, u.Text, tc.prefix)
		}
	}
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
}
