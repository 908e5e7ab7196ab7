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
	"github.com/livehost/livehost/tts"
)

func TestPlanPositionSurvivesRestart(t *testing.T) {
	r := newRig(t, rigOpt{})
	id := r.newShow("LH-COS-001", "LH-COS-002", "LH-COS-005")
	ctx := context.Background()
	if _, err := r.m.SetPlan(ctx, id, show.AvatarPlan{Segments: []show.AvatarPlanSegment{{SKU: "LH-COS-001", Seconds: 600}, {SKU: "LH-COS-002", Seconds: 600}, {SKU: "LH-COS-005", Seconds: 600}}}, "test"); err != nil {
		t.Fatal(err)
	}
	seq, err := r.m.Control(ctx, id, "start", "test")
	if err != nil {
		t.Fatal(err)
	}
	r.until(id, seq, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeAvatarUtterance })
	if _, err := r.m.Control(ctx, id, "skip", "test"); err != nil {
		t.Fatal(err)
	}
	ev := r.until(id, seq, 10*time.Second, func(ev show.Event) bool {
		var p show.AvatarSegment
		return ev.Type == show.TypeAvatarSegment && ev.Decode(&p) == nil && p.Index == 1
	})
	r.until(id, ev.Seq, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeAvatarUtterance })
	r.restart()
	st, err := r.m.Status(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != avatar.StateRunning || st.Segment != 1 {
		t.Fatalf("after restart: state %s, segment %d; want running at segment 1", st.State, st.Segment)
	}
	// The resumed runner begins segment 1 again and speaks about its product.
	seg := r.until(id, st.LastSeq, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeAvatarSegment })
	var p show.AvatarSegment
	_ = seg.Decode(&p)
	if p.Index != 1 || p.SKU != "LH-COS-002" {
		t.Fatalf("resumed at %+v, want segment 1 (LH-COS-002)", p)
	}
	u := r.until(id, seg.Seq, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeAvatarUtterance })
	if ut, _ := utterance(u); ut.SKU != "LH-COS-002" {
		t.Fatalf("first line after restart is about %q", ut.SKU)
	}
	if _, err := r.m.Control(ctx, id, "pause", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Control(ctx, id, "pause", "test"); !errors.Is(err, avatar.ErrState) {
		t.Fatalf("pause twice: %v", err)
	}
	if _, err := r.m.Control(ctx, id, "stop", "test"); err != nil {
		t.Fatal(err)
	}
}

func TestControlRefusesHostShowsAndBadPlans(t *testing.T) {
	r := newRig(t, rigOpt{})
	ctx := context.Background()
	sh, err := r.rt.CreateShow(ctx, show.Show{Title: "有人", Lineup: []string{"LH-COS-001"}, Mode: show.ModeHost})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Control(ctx, sh.ID, "start", "t"); !errors.Is(err, live.ErrConflict) {
		t.Fatalf("start a host show: %v", err)
	}
	id := r.newShow("LH-COS-001")
	for _, tc := range []struct {
		plan show.AvatarPlan
		want string
	}{
		{show.AvatarPlan{}, "segments"},
		{show.AvatarPlan{Segments: []show.AvatarPlanSegment{{SKU: "NOPE", Seconds: 60}}}, `segments[0].sku "NOPE"`},
		{show.AvatarPlan{Segments: []show.AvatarPlanSegment{{Seconds: 60}}}, "segments[0]"},
		{show.AvatarPlan{Segments: []show.AvatarPlanSegment{{SKU: "LH-COS-001", Seconds: 5}}}, "segments[0].seconds"},
		{show.AvatarPlan{Segments: []show.AvatarPlanSegment{{SKU: "LH-COS-001"}}, Scheduled: []show.AvatarScheduled{{Text: "x"}}}, "scheduled[0]"},
		{show.AvatarPlan{Segments: []show.AvatarPlanSegment{{SKU: "LH-COS-001"}}, Lang: "fr"}, "lang"},
	} {
		_, err := r.m.SetPlan(ctx, id, tc.plan, "t")
		if !errors.Is(err, avatar.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("plan %+v: %v, want an invalid plan naming %q", tc.plan, err, tc.want)
		}
	}
	if _, err := r.m.Say(ctx, id, "", "t"); !errors.Is(err, avatar.ErrInvalid) {
		t.Fatalf("empty say: %v", err)
	}
	if _, err := r.m.Status(ctx, "nope"); !errors.Is(err, live.ErrNotFound) {
		t.Fatalf("unknown show: %v", err)
	}
}

// broken is a TTS engine that is down.
type broken struct{}

func (broken) Name() string            { return "down" }
func (broken) Voice() string           { return "v" }
func (broken) Speaks(lang string) bool { return true }
func (broken) Synthesize(context.Context, tts.Request) (tts.Speech, error) {
	return tts.Speech{}, errors.New("connection refused")
}

func TestTTSDownFallsBackThenCaptionsOnly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		engines []tts.Engine
		engine  string
		next    string
	}{
		{"next engine", []tts.Engine{broken{}, &tts.Tone{}}, "tone", "tone"},
		{"captions only", []tts.Engine{broken{}}, "captions", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, rigOpt{engines: tc.engines, clock: avatar.NewFastClock(time.Now(), 0)})
			id := r.newShow("LH-COS-001")
			seq, err := r.m.Control(context.Background(), id, "start", "t")
			if err != nil {
				t.Fatal(err)
			}
			ev := r.until(id, seq, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeAvatarUtterance })
			u, _ := utterance(ev)
			if u.Engine != tc.engine || (u.Audio == "") != (tc.engine == "captions") || u.DurationMS <= 0 {
				t.Fatalf("utterance %+v", u)
			}
			var fb show.AvatarFallback
			for _, e := range r.all(id) {
				if e.Type == show.TypeAvatarFallback {
					_ = e.Decode(&fb)
					break
				}
			}
			if fb.Engine != "down" || fb.Next != tc.next || !strings.Contains(fb.Reason, "connection refused") {
				t.Fatalf("fallback %+v", fb)
			}
			if _, err := r.m.Control(context.Background(), id, "stop", "t"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPageGoneNeverStalls: a page reports playback and then goes away; the runner waits for it a
// little, then paces by its own clock.
func TestPageGoneNeverStalls(t *testing.T) {
	r := newRig(t, rigOpt{clock: avatar.NewFastClock(time.Now(), 0)})
	id := r.newShow("LH-COS-001", "LH-COS-002")
	ctx := context.Background()
	seq, err := r.m.Control(ctx, id, "start", "t")
	if err != nil {
		t.Fatal(err)
	}
	ev := r.until(id, seq, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeAvatarUtterance })
	u, _ := utterance(ev)
	if err := r.m.Playback(ctx, id, u.ID, "start"); err != nil {
		t.Fatal(err)
	}
	// No "end" ever comes: the page is gone. Lines still follow.
	last := ev.Seq
	for range 20 {
		last = r.until(id, last, 10*time.Second, func(ev show.Event) bool { return ev.Type == show.TypeAvatarUtterance }).Seq
	}
	st, _ := r.m.Status(ctx, id)
	if st.PageConnected {
		t.Fatal("a page that stopped reporting still counts as connected")
	}
	if err := r.m.Playback(ctx, id, u.ID, "middle"); !errors.Is(err, avatar.ErrInvalid) {
		t.Fatalf("bad phase: %v", err)
	}
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
}
