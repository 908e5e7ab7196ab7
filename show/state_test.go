package show

import (
	"reflect"
	"testing"
	"time"
)

// scenario is a show's worth of events from every producer, in the order they would arrive.
func scenario() []NewEvent {
	e := MustEncode
	return []NewEvent{
		e(TypeShowStarted, ShowStarted{By: "host"}),
		e(TypeProductOnAir, ProductOnAir{SKU: "LIP-001"}),
		e(TypeChatReceived, ChatReceived{Platform: "youtube", User: "ゆき", Text: "この色はブルベでも似合う？"}), // seq 4
		e(TypeChatVerdict, ChatVerdict{ChatSeq: 4, Action: ActionAllow}),
		e(TypeQuestionDetected, QuestionDetected{ChatSeq: 4, Intent: "color", SKU: "LIP-001"}),
		e(TypeDraftCreated, DraftCreated{DraftID: "d1", ChatSeq: 4, Question: "この色はブルベでも似合う？", Text: "青みピンクなのでブルベの方にもおすすめです。", SKU: "LIP-001"}),
		e(TypeChatReceived, ChatReceived{Platform: "youtube", User: "spam", Text: "電話して 090-1234-5678"}), // seq 8
		e(TypeChatVerdict, ChatVerdict{ChatSeq: 8, Action: ActionHold, Categories: []string{"pii"}}),
		e(TypeChatHeld, ChatHeld{ChatSeq: 8, Reason: "phone number"}),
		e(TypeChatReceived, ChatReceived{Platform: "youtube", User: "troll", Text: "しね"}), // seq 11
		e(TypeChatVerdict, ChatVerdict{ChatSeq: 11, Action: ActionBlock, Categories: []string{"abuse"}}),
		e(TypeChatReceived, ChatReceived{Platform: "tiktok", User: "ken", Text: "Is it waterproof?"}), // seq 13
		e(TypeChatVerdict, ChatVerdict{ChatSeq: 13, Action: ActionHold}),
		e(TypeChatHeld, ChatHeld{ChatSeq: 13}),
		e(TypeChatAllowed, ChatDecision{ChatSeq: 13, By: "mod1"}),
		e(TypeDraftCreated, DraftCreated{DraftID: "d2", ChatSeq: 13, Text: "Yes, it is water resistant.", SKU: "LIP-001"}),
		e(TypeDraftClaimed, DraftAction{DraftID: "d1", By: "mod1"}),
		e(TypeDraftEdited, DraftAction{DraftID: "d1", By: "mod1", Text: "青みピンクでブルベの方にも合います。"}),
		e(TypeDraftPublished, DraftPublished{DraftID: "d1", Text: "青みピンクでブルベの方にも合います。", To: []string{"chat", "host"}}),
		e(TypeDraftCreated, DraftCreated{DraftID: "d3", Text: "duplicate answer"}),
		e(TypeDraftRejected, DraftAction{DraftID: "d3", By: "mod2", Reason: "duplicate"}),
		e(TypeCrossSellSuggested, CrossSellSuggested{SKU: "LIP-001", Suggestions: []string{"LINER-01"}, Text: "合わせてリップライナーも"}),
		e(TypeTranscriptSegment, TranscriptSegment{Text: "このリップは", Final: false, Source: "browser"}),
		e(TypeTranscriptSegment, TranscriptSegment{Text: "このリップはシミが消える", Final: true, Source: "browser"}), // seq 25
		e(TypeHostCompliance, HostCompliance{TranscriptSeq: 25, Text: "このリップはシミが消える", Matches: []Match{{Term: "シミが消える", Category: "yakkiho", Start: 6, End: 12, Suggestion: "シミを隠す"}}}),
		e(TypeProductMentioned, ProductMentioned{SKU: "LIP-001", TranscriptSeq: 25}),
		e(TypeAvatarUtterance, AvatarUtterance{Text: "こんにちは"}),
		e(TypeTranscriptDropped, TranscriptDropped{StartMS: 1000, EndMS: 2500, Reason: "stt: 503", Source: "whip"}),
		e(TypeScriptSet, ScriptSet{Text: "一行目\n二行目\n三行目"}),
		e(TypeScriptPosition, ScriptPosition{Offset: 7, Line: 1, Score: 0.8, TranscriptSeq: 25}),
		e(TypeProductOnAir, ProductOnAir{SKU: "EYE-002"}),
		e("custom.unknown", map[string]int{"x": 1}),
	}
}

func TestStateFold(t *testing.T) {
	st := NewState("s")
	seq := int64(1)
	created := Event{Seq: 1, Show: "s", Type: TypeShowCreated, V: 1, Data: []byte(`{"title":"T","lineup":["LIP-001","EYE-002"],"mode":"host"}`)}
	if err := st.Apply(created); err != nil {
		t.Fatal(err)
	}
	for _, ne := range scenario() {
		seq++
		if err := st.Apply(Event{Seq: seq, Show: "s", Type: ne.Type, V: ne.V, Data: ne.Data, At: time.Unix(seq, 0).UTC()}); err != nil {
			t.Fatalf("apply %s: %v", ne.Type, err)
		}
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"title", st.Title, "T"},
		{"lineup", st.Lineup, []string{"LIP-001", "EYE-002"}},
		{"status", st.Status, StatusLive},
		{"on air", st.OnAir, "EYE-002"},
		{"last seq", st.LastSeq, seq},
		{"held", len(st.Held), 1},
		{"held message filled from chat", st.Held[0], HeldMessage{ChatSeq: 8, Platform: "youtube", User: "spam", Text: "電話して 090-1234-5678", Reason: "phone number", At: time.Unix(10, 0).UTC()}},
		{"pending drafts", len(st.Drafts), 1},
		{"pending draft", st.Drafts[0].ID, "d2"},
		{"answered", len(st.Answered), 1},
		{"answered text is the edit", st.Answered[0].Text, "青みピンクでブルベの方にも合います。"},
		{"answered status", st.Answered[0].Status, DraftStatusPublished},
		{"answered by", st.Answered[0].By, "mod1"},
		{"d3 status", st.DraftStatus("d3"), DraftStatusRejected},
		{"drafts by status", st.Counters.Drafts, map[string]int{DraftStatusPending: 1, DraftStatusPublished: 1, DraftStatusRejected: 1}},
		{"chat", st.Counters.Chat, 4},
		{"allowed", st.Counters.Allowed, 1},
		{"held count", st.Counters.Held, 2},
		{"blocked", st.Counters.Blocked, 1},
		{"mod allowed", st.Counters.ModAllowed, 1},
		{"questions", st.Counters.Questions, 1},
		{"transcript", len(st.Transcript), 1},
		{"interim cleared by final", st.Interim, ""},
		{"compliance", st.Compliance[0].Matches[0].Suggestion, "シミを隠す"},
		{"cross sell", st.CrossSell[0].Suggestions, []string{"LINER-01"}},
		{"mentions", st.Counters.Mentions, 1},
		{"utterances", st.Counters.Utterances, 1},
		{"dropped", st.Counters.Dropped, 1},
		{"script line", st.ScriptLine, 1},
		{"on-air switches", st.Counters.OnAirSwitch, 2},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}

	// Replaying an event already applied changes nothing.
	before := *st
	if err := st.Apply(Event{Seq: 3, Type: TypeProductOnAir, Data: []byte(`{"sku":"X"}`)}); err != nil || st.OnAir != before.OnAir {
		t.Fatalf("re-applied old event: on air %q, err %v", st.OnAir, err)
	}
	// A resync marker changes nothing.
	if err := st.Apply(Event{Type: TypeStreamResync, Data: []byte(`{"after":3}`)}); err != nil || st.LastSeq != seq {
		t.Fatalf("resync marker changed LastSeq to %d (%v)", st.LastSeq, err)
	}
}

func TestStateApplyBadPayload(t *testing.T) {
	tests := []struct {
		typ, data string
	}{
		{TypeProductOnAir, `{"sku":5}`},
		{TypeChatHeld, `{"chat_seq":"x"}`},
		{TypeDraftCreated, `{"draft_id":[]}`},
		{TypeTranscriptSegment, `{"final":"yes"}`},
	}
	for _, tt := range tests {
		st := NewState("s")
		if err := st.Apply(Event{Seq: 1, Show: "s", Type: tt.typ, Data: []byte(tt.data)}); err == nil {
			t.Errorf("%s %s: no error", tt.typ, tt.data)
		}
		if st.LastSeq != 1 || st.OnAir != "" || len(st.Held) != 0 || len(st.Drafts) != 0 {
			t.Errorf("%s %s: state changed beyond LastSeq: %+v", tt.typ, tt.data, st)
		}
	}
	st := NewState("s")
	d := MustEncode(TypeDraftCreated, DraftCreated{DraftID: "d"})
	_ = st.Apply(Event{Seq: 1, Type: d.Type, Data: d.Data})
	if err := st.Apply(Event{Seq: 2, Type: d.Type, Data: d.Data}); err == nil {
		t.Error("a draft created twice gave no error")
	}
	// Actions on unknown drafts and decisions on messages that are not held are ignored.
	a := MustEncode(TypeDraftApproved, DraftAction{DraftID: "zz"})
	c := MustEncode(TypeChatDenied, ChatDecision{ChatSeq: 99})
	if err := st.Apply(Event{Seq: 3, Type: a.Type, Data: a.Data}); err != nil || st.DraftStatus("zz") != "" {
		t.Errorf("approve unknown draft: %v, status %q", err, st.DraftStatus("zz"))
	}
	if err := st.Apply(Event{Seq: 4, Type: c.Type, Data: c.Data}); err != nil || st.Counters.ModDenied != 0 {
		t.Errorf("deny unheld message: %v, denied %d", err, st.Counters.ModDenied)
	}
}

func TestStateRecentIsBounded(t *testing.T) {
	st := NewState("s")
	for i := int64(1); i <= 3*stateRecentChats; i++ {
		ne := chat("u", "x")
		if i%2 == 0 {
			ne = MustEncode(TypeTranscriptSegment, TranscriptSegment{Text: "t", Final: true})
		}
		if err := st.Apply(Event{Seq: i, Type: ne.Type, Data: ne.Data}); err != nil {
			t.Fatal(err)
		}
	}
	if len(st.chats) > stateRecentChats || len(st.chatOrder) > stateRecentChats || len(st.Transcript) > stateRecent {
		t.Fatalf("state grew: %d chats, %d transcript lines", len(st.chats), len(st.Transcript))
	}
}

func TestStateRebuildAfterReopenEqualsLive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		s := loc.open(t)
		ctx := testCtx(t)
		sh := mustCreate(t, s, Show{ID: "st", Title: "夜のライブ", Lineup: []string{"LIP-001", "EYE-002"}})
		sub, err := s.Subscribe(ctx, sh.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		evs := scenario()
		// Appended in calls of different sizes, as producers would.
		for i := 0; i < len(evs); {
			n := min(1+i%3, len(evs)-i)
			if _, err := s.Append(ctx, sh.ID, evs[i:i+n]...); err != nil {
				t.Fatal(err)
			}
			i += n
		}
		if _, err := s.UpdateShow(ctx, Show{ID: sh.ID, Title: "夜のライブ 2", Lineup: []string{"EYE-002"}}); err != nil {
			t.Fatal(err)
		}
		total := len(evs) + 2
		live := NewState(sh.ID)
		got, _ := collect(t, sub, total)
		for _, ev := range got {
			if err := live.Apply(ev); err != nil {
				t.Fatal(err)
			}
		}
		sub.Close()
		if live.Title != "夜のライブ 2" || !reflect.DeepEqual(live.Lineup, []string{"EYE-002"}) || live.Status != StatusLive {
			t.Fatalf("live state show fields: %q %v %q", live.Title, live.Lineup, live.Status)
		}
		s.Close()

		s = loc.open(t)
		defer s.Close()
		rebuilt, err := s.State(ctx, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rebuilt, live) {
			t.Fatalf("rebuilt state differs from live state:\nrebuilt %+v\nlive    %+v", rebuilt, live)
		}
		if _, err := s.State(ctx, "missing"); err == nil {
			t.Fatal("state of an unknown show gave no error")
		}
	})
}
