package avatar_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/tts"
)

// TestTalkCutAtABreak: a question answered while the avatar talks ends the talk clause at its next
// phrase break (avatar.cut, at one of the utterance's breaks), the answer comes next, and the rest
// of the interrupted sentence is not spoken; a pause cuts the same way. The real clock paces it (no
// page): the tone engine's clauses last up to 3.6 s with a break every 1.2 s, so the question and
// the pause come well before the last break even on a busy machine.
func TestTalkCutAtABreak(t *testing.T) {
	r := newRig(t, rigOpt{engines: []tts.Engine{&tts.Tone{PerRune: 300 * time.Millisecond}}})
	id := r.newShow("LH-COS-001", "LH-COS-002")
	ctx := context.Background()
	start, err := r.m.Control(ctx, id, "start", "t")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			for _, e := range r.all(id) {
				t.Logf("%d %s %s", e.Seq, e.Type, e.Data)
			}
		}
	}()
	// A talk utterance with a break still ahead after the cut's lead.
	talk := func(after int64) (show.Event, show.AvatarUtterance) {
		t.Helper()
		var u show.AvatarUtterance
		ev := r.until(id, after, 30*time.Second, func(ev show.Event) bool {
			var ok bool
			u, ok = utterance(ev)
			return ok && u.Kind == avatar.KindTalk && len(u.Breaks) >= 2 && u.DurationMS >= 3000
		})
		return ev, u
	}
	tev, tu := talk(start)
	res, err := r.rt.IngestChat(ctx, id, []live.ChatIn{{User: "ゆか", Text: "このリップはいくらですか？"}})
	if err != nil {
		t.Fatal(err)
	}
	var cut show.AvatarCut
	var afterCut []show.AvatarUtterance
	r.until(id, tev.Seq, 30*time.Second, func(ev show.Event) bool {
		if ev.Type == show.TypeAvatarCut {
			if err := json.Unmarshal(ev.Data, &cut); err != nil {
				t.Fatal(err)
			}
		}
		if u, ok := utterance(ev); ok {
			afterCut = append(afterCut, u)
			return u.ChatSeq == res[0].Seq
		}
		return false
	})
	if cut.Utterance != tu.ID || cut.Reason != "answer" || !slices.Contains(tu.Breaks, cut.AtMS) || cut.AtMS >= tu.DurationMS {
		t.Fatalf("cut %+v of utterance %s (breaks %v, %d ms)", cut, tu.ID, tu.Breaks, tu.DurationMS)
	}
	if len(afterCut) != 1 {
		t.Fatalf("between the cut and the answer: %+v", afterCut)
	}
	// The rest of the interrupted sentence is not said after the answer.
	if tu.Sentence != "" {
		next := r.until(id, tev.Seq, 30*time.Second, func(ev show.Event) bool {
			u, ok := utterance(ev)
			return ok && u.Kind == avatar.KindTalk && ev.Seq > tev.Seq
		})
		if u, _ := utterance(next); u.Sentence == tu.Sentence {
			t.Fatalf("the interrupted sentence went on: %+v", u)
		}
	}

	// A pause cuts too.
	tev, tu = talk(tev.Seq)
	if _, err := r.m.Control(ctx, id, "pause", "t"); err != nil {
		t.Fatal(err)
	}
	r.until(id, tev.Seq, 10*time.Second, func(ev show.Event) bool {
		if ev.Type != show.TypeAvatarCut {
			return false
		}
		if err := json.Unmarshal(ev.Data, &cut); err != nil {
			t.Fatal(err)
		}
		return true
	})
	if cut.Utterance != tu.ID || cut.Reason != "pause" || !slices.Contains(tu.Breaks, cut.AtMS) {
		t.Fatalf("pause: cut %+v of %s (breaks %v)", cut, tu.ID, tu.Breaks)
	}
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
}
