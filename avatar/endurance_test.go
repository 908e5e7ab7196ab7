package avatar_test

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

var enduranceHours = flag.Float64("avatar.hours", 24, "virtual hours of the avatar endurance test")

// TestEndurance24h runs an avatar show for a compressed day (virtual time, a null audio sink: no
// page, the in-process tone engine) with viewers asking questions all along, and checks what a
// day on air must not break: heap and goroutines flat after warm-up, no question answered twice,
// no talk line repeated inside the variety window, every spoken sentence passing the gate.
func TestEndurance24h(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	endurance(t, rigOpt{}, time.Duration(*enduranceHours*float64(time.Hour)))
}

// endurance runs the compressed show for total virtual time over a rig with o (its clock and
// window set here) and checks it; it returns the show's log.
func endurance(t *testing.T, o rigOpt, total time.Duration) []show.Event {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := avatar.NewFastClock(start, 2000)
	const window = 40
	o.clock, o.window = clock, window
	r := newRig(t, o)
	lineup := []string{"LH-COS-001", "LH-COS-002", "LH-COS-003", "LH-COS-005"}
	id := r.newShow(lineup...)
	ctx := context.Background()
	at := 0
	plan := show.AvatarPlan{Scheduled: []show.AvatarScheduled{{Text: "毎時0分のお知らせです。コメントでのご質問をお待ちしています。", AtMinute: &at}, {Text: "ライブを楽しんでくださいね。", EveryMinutes: 20}},
		Idle: []string{"ゆっくりご覧ください。"}}
	for _, sku := range lineup {
		plan.Segments = append(plan.Segments, show.AvatarPlanSegment{SKU: sku, Seconds: 600})
	}
	plan.Segments = append(plan.Segments, show.AvatarPlanSegment{Text: []string{"ここで少し雑談です。", "今日もたくさんのコメントありがとうございます。"}, Seconds: 120})
	if _, err := r.m.SetPlan(ctx, id, plan, "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Control(ctx, id, "start", "t"); err != nil {
		t.Fatal(err)
	}
	// Distinct questions (the approval queue counts a repeat within its window on the first one):
	// greetings × products × ways of asking, with repeats of the same one in between.
	var questions []string
	for _, greet := range []string{"", "すみません、", "こんにちは！", "はじめまして。", "質問です。", "教えてください、", "あの、", "こんばんは。", "初見です。", "失礼します、", "ちょっと質問、", "お疲れさまです。"} {
		for _, prod := range []string{"このリップ", "リップライナー", "リップバーム", "マットリップ"} {
			for _, ask := range []string{"はいくらですか？", "の値段を教えてください", "の在庫はありますか？"} {
				questions = append(questions, greet+prod+ask)
			}
		}
	}
	users := []string{"ゆか", "taro", "user", "はな", "ばか野郎"}
	sample := func() (heap uint64, gor int) {
		// The fewest goroutines over a moment: a batch being appended or fanned out runs a few
		// short-lived ones, which are not growth.
		gor = runtime.NumGoroutine()
		for range 20 {
			if o.beforeSample != nil {
				o.beforeSample()
			}
			time.Sleep(5 * time.Millisecond)
			gor = min(gor, runtime.NumGoroutine())
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc, gor
	}
	var warmHeap uint64
	var warmG int
	var heaps []uint64
	var gors []int
	asked := 0
	next := total / 4 // warm-up: the first quarter
	began, logged := time.Now(), time.Duration(0)
	for clock.Now().Sub(start) < total {
		if v := clock.Now().Sub(start); v-logged >= total/8 {
			logged = v
			t.Logf("virtual %v after %v", v.Round(time.Minute), time.Since(began).Round(time.Millisecond))
		}
		// A question or two every ~20 virtual seconds of talk, repeats and bad names included.
		q := questions[(asked*7)%len(questions)]
		if asked%5 == 4 {
			q = questions[((asked-1)*7)%len(questions)] // asked again by another viewer
		}
		// A new viewer each time (one viewer asking every few seconds is flooding, and held).
		msgs := []live.ChatIn{{User: fmt.Sprintf("%s%d", users[asked%len(users)], asked), Text: q}}
		if asked%len(users) == 0 {
			msgs[0].User = "ゆか" // a clean name, read aloud
		}
		if asked%7 == 0 {
			msgs = append(msgs, live.ChatIn{User: fmt.Sprintf("troll%d", asked), Text: "死ね、このリップはいくらですか？"})
		}
		if _, err := r.rt.IngestChat(ctx, id, msgs); err != nil {
			t.Fatal(err)
		}
		asked++
		target := clock.Now().Add(20 * time.Second)
		for clock.Now().Before(target) {
			time.Sleep(200 * time.Microsecond)
		}
		if clock.Now().Sub(start) >= next {
			h, g := sample()
			if warmHeap == 0 {
				warmHeap, warmG = h, g
			} else {
				heaps, gors = append(heaps, h), append(gors, g)
			}
			next += total / 8
		}
	}
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
	for i, h := range heaps {
		if float64(h) > float64(warmHeap)*1.10 {
			t.Errorf("heap %d MiB at sample %d, more than 10%% over %d MiB after warm-up (all: %v)", h>>20, i, warmHeap>>20, heaps)
		}
		if float64(gors[i]) > float64(warmG)*1.10 {
			t.Errorf("%d goroutines at sample %d, %d after warm-up", gors[i], i, warmG)
		}
	}

	evs := r.all(id)
	lines, answered, talk := 0, map[int64]int{}, 0
	var recent []string
	clauses := 0
	prevSeq := int64(-1)
	products := map[string][]catalog.Product{}
	gate := r.gate()
	refused := map[string]int{}
	for _, ev := range evs {
		if ev.Type == show.TypeAvatarSkipped {
			var sk show.AvatarSkipped
			_ = ev.Decode(&sk)
			refused[sk.Action+": "+sk.Text+" — "+sk.Reason]++
		}
		u, ok := utterance(ev)
		if !ok {
			continue
		}
		lines++
		if u.ChatSeq != 0 && u.ChatSeq != prevSeq {
			answered[u.ChatSeq]++
		}
		prevSeq = u.ChatSeq
		// A long talk sentence is spoken in clauses: the window and the gate are about the sentence.
		sentence := u.Text
		if u.Sentence != "" {
			sentence = u.Sentence
			clauses++
			if !strings.Contains(sentence, u.Text) {
				t.Fatalf("clause %q is not part of its sentence %q", u.Text, sentence)
			}
		}
		if (u.Kind == avatar.KindTalk || u.Kind == avatar.KindIdle) && u.Part == 0 {
			talk++
			for _, x := range recent {
				if x == sentence {
					t.Fatalf("%q repeated within the variety window of %d", sentence, window)
				}
			}
			recent = append(recent, sentence)
			if len(recent) > window {
				recent = recent[1:]
			}
		}
		if u.Gate != "passed" && u.Gate != "replaced" {
			t.Fatalf("utterance %q has gate %q", u.Text, u.Gate)
		}
		// Re-check every sentence: the address of an answer is not part of the gated text.
		text := sentence
		if u.Kind == avatar.KindAnswer {
			if i := strings.Index(text, "さん、"); i >= 0 && i < 40 {
				text = text[i+len("さん、"):]
			}
			text = strings.TrimPrefix(text, "ご質問ありがとうございます。")
		}
		ps, ok := products[u.SKU]
		if !ok && u.SKU != "" {
			p, found, _ := r.ag.Catalog.Get(ctx, u.SKU)
			if found {
				ps = []catalog.Product{p}
				for _, rel := range p.Related {
					if rp, ok, _ := r.ag.Catalog.Get(ctx, rel); ok && rp.InStock() && len(ps) < 3 {
						ps = append(ps, rp)
					}
				}
			}
			products[u.SKU] = ps
		}
		if ok, why := gate.Check(text, ps); !ok {
			t.Fatalf("spoken sentence %q fails the gate: %s", u.Text, why)
		}
		if strings.Contains(u.Text, "user") || strings.Contains(u.Text, "ばか") || strings.Contains(u.Text, "troll") {
			t.Fatalf("an unclean name was read aloud: %q", u.Text)
		}
	}
	for seq, n := range answered {
		if n > 1 {
			t.Fatalf("question %d answered %d times", seq, n)
		}
	}
	types := map[string]int{}
	for _, ev := range evs {
		types[ev.Type]++
	}
	t.Logf("events by type: %v", types)
	for k, n := range refused {
		if n > 2 {
			t.Logf("%d× %s", n, k)
		}
	}
	if lines < 1000 || len(answered) < 100 {
		t.Fatalf("only %d lines and %d questions answered in %v", lines, len(answered), total)
	}
	t.Logf("%v virtual: %d lines (%d talk sentences, %d clause utterances), %d questions asked, %d answered; heap after warm-up %d KiB, samples %v; goroutines %d → %v",
		total, lines, talk, clauses, asked, len(answered), warmHeap>>10, kib(heaps), warmG, gors)
	return evs
}

func kib(xs []uint64) string {
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "%d ", x>>10)
	}
	return b.String()
}
