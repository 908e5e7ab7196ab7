package avatar_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

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
// logged (the page starts it as the event arrives) while the avatar is between sentences:
// moderation, detection, the offline answer, auto-approval, the gate and synthesis. It is the
// figure in docs/BENCHMARKS.md and runs only with LIVEHOST_AVATAR_LATENCY=N (questions), as it
// takes N × 5 s; on one core: taskset -c 0 go test -run QuestionToAnswerLatency -cpu 1 ./avatar
func TestQuestionToAnswerLatency(t *testing.T) {
	n := 0
	fmt.Sscan(os.Getenv("LIVEHOST_AVATAR_LATENCY"), &n)
	if n <= 0 {
		t.Skip("set LIVEHOST_AVATAR_LATENCY=N to measure N questions")
	}
	r := newRig(t, rigOpt{engines: offlineEngines(t)})
	id := r.newShow("LH-COS-001", "LH-COS-002")
	ctx := context.Background()
	// One short free-talk line and the product on air: once it and the idle lines are said (the
	// variety window keeps them from repeating), the avatar is quiet and waits for questions.
	if _, err := r.m.SetPlan(ctx, id, show.AvatarPlan{Segments: []show.AvatarPlanSegment{{Text: []string{"ようこそ。"}, Seconds: 86400}}}, "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.rt.SetOnAir(ctx, id, "LH-COS-001", "t"); err != nil {
		t.Fatal(err)
	}
	seq, err := r.m.Control(ctx, id, "start", "t")
	if err != nil {
		t.Fatal(err)
	}
	last := seq
	for {
		ctx2, cancel := context.WithTimeout(ctx, 8*time.Second)
		sub, _ := r.rt.Subscribe(ctx2, id, last)
		evs, err := sub.Next(ctx2)
		sub.Close()
		cancel()
		if err != nil {
			break
		}
		last = evs[len(evs)-1].Seq
	}
	var lat []time.Duration
	greets := []string{"", "すみません、", "こんにちは！", "質問です。", "あの、", "初見です。", "教えてください、", "こんばんは。"}
	prods := []string{"このリップ", "リップライナー"}
	asks := []string{"はいくらですか？", "の値段を教えてください"}
	for i := range n {
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
		// Let the answer be spoken (the runner's clock paces it) before the next question.
		u, _ := utterance(ev)
		time.Sleep(time.Duration(u.DurationMS)*time.Millisecond + time.Second)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	t.Logf("question → answer audio ready, %d questions: p50 %v, p95 %v, max %v", len(lat), p(0.5).Round(time.Millisecond), p(0.95).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
}
