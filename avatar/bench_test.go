package avatar_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/tts"
)

func offlineEngines(tb testing.TB) []tts.Engine {
	jt, es := &tts.OpenJTalk{}, &tts.ESpeak{}
	for _, err := range []error{jt.Available(), es.Available()} {
		if err != nil {
			if os.Getenv("CI") == "true" {
				tb.Fatal(err)
			}
			tb.Skip(err)
		}
	}
	return []tts.Engine{jt, es}
}

// TestQuestionToAnswerLatency measures, with the offline engines (Open JTalk) and the real clock,
// the time from a viewer's question being ingested to its spoken answer's audio being ready and
// logged (the page starts it as the event arrives) while the avatar talks about the product on
// air without pause: the answer waits for the talk to reach its next phrase break (avatar.cut) or
// the end of a clause with none, then the pause between sentences; moderation, detection, the
// offline answer, auto-approval, the gate and synthesis happen meanwhile. Each
// question comes at a random moment of the talk. It is the figure in docs/BENCHMARKS.md and runs
// only with LIVEHOST_AVATAR_LATENCY=N (questions), as it takes N × ~6 s; on one core:
// taskset -c 0 go test -run QuestionToAnswerLatency -cpu 1 ./avatar
func TestQuestionToAnswerLatency(t *testing.T) {
	n := 0
	fmt.Sscan(os.Getenv("LIVEHOST_AVATAR_LATENCY"), &n)
	if n <= 0 {
		t.Skip("set LIVEHOST_AVATAR_LATENCY=N to measure N questions")
	}
	// A variety window of 3 sentences: the product's talk goes round for the whole measurement.
	// The default pause between sentences, as serve has it.
	r := newRig(t, rigOpt{engines: offlineEngines(t), window: 3, gap: -1})
	id := r.newShow("LH-COS-001", "LH-COS-002")
	ctx := context.Background()
	if _, err := r.m.SetPlan(ctx, id, show.AvatarPlan{Segments: []show.AvatarPlanSegment{{SKU: "LH-COS-001", Seconds: 86400}}}, "t"); err != nil {
		t.Fatal(err)
	}
	seq, err := r.m.Control(ctx, id, "start", "t")
	if err != nil {
		t.Fatal(err)
	}
	// Talking: the first lines are out.
	r.until(id, seq, 30*time.Second, func(ev show.Event) bool { u, ok := utterance(ev); return ok && u.Kind == avatar.KindTalk })
	rnd := rand.New(rand.NewPCG(1, 2))
	var lat []time.Duration
	cuts := 0 // answers that came at a phrase break, not at the end of a clause
	greets := []string{"", "すみません、", "こんにちは！", "質問です。", "あの、", "初見です。", "教えてください、", "こんばんは。"}
	prods := []string{"このリップ", "リップライナー"}
	asks := []string{"はいくらですか？", "の値段を教えてください"}
	for i := range n {
		// A random moment of the talk.
		time.Sleep(time.Duration(rnd.IntN(3000)) * time.Millisecond)
		q := greets[i%len(greets)] + prods[(i/len(greets))%len(prods)] + asks[(i/len(greets)/len(prods))%len(asks)]
		t0 := time.Now()
		res, err := r.rt.IngestChat(ctx, id, []live.ChatIn{{User: fmt.Sprintf("v%d", i), Text: q}})
		if err != nil {
			t.Fatal(err)
		}
		ev := r.until(id, res[0].Seq, 30*time.Second, func(ev show.Event) bool {
			u, ok := utterance(ev)
			return ok && u.ChatSeq == res[0].Seq
		})
		lat = append(lat, time.Since(t0))
		if evs, err := r.rt.Events(ctx, id, res[0].Seq, int(ev.Seq-res[0].Seq)); err == nil {
			for _, e := range evs {
				if e.Type == show.TypeAvatarCut {
					cuts++
					break
				}
			}
		}
		if testing.Verbose() {
			// What the answer waited for: the utterances logged between the question and it.
			evs, _ := r.rt.Events(ctx, id, max(0, res[0].Seq-20), 70)
			for _, e := range evs {
				if u, ok := utterance(e); ok && e.Seq <= ev.Seq {
					t.Logf("  q%d %+v: %q (%d ms)", i, e.At.Sub(t0).Round(time.Millisecond), u.Text, u.DurationMS)
				} else if e.Seq >= res[0].Seq && e.Seq < ev.Seq {
					t.Logf("  q%d %+v: %s", i, e.At.Sub(t0).Round(time.Millisecond), e.Type)
				}
			}
			t.Logf("q%d: %v", i, lat[len(lat)-1].Round(time.Millisecond))
		}
		// Let the answer be spoken (the runner's clock paces it) before the next question.
		u, _ := utterance(ev)
		time.Sleep(time.Duration(u.DurationMS) * time.Millisecond)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	t.Logf("question → answer audio ready, avatar talking, %d questions: p50 %v, p95 %v, max %v; %d answers came at a phrase break (avatar.cut)",
		len(lat), p(0.5).Round(time.Millisecond), p(0.95).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), cuts)
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
}
