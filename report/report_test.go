package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/livehost/livehost/show"
)

// direct counts the contract's totals straight from the events, the plain way.
type direct struct {
	messages, chatters, held, blocked, questions, answered, compliance, drafts, published int
}

func countDirect(t *testing.T, evs []show.Event) direct {
	t.Helper()
	var d direct
	users := map[string]bool{}
	draftOf := map[int64]string{}
	published := map[string]bool{}
	var qs []int64
	for _, ev := range evs {
		p, err := ev.Payload()
		if err != nil {
			t.Fatal(err)
		}
		switch x := p.(type) {
		case *show.ChatReceived:
			d.messages++
			users[x.Platform+"/"+x.User] = true
		case *show.ChatVerdict:
			switch x.Action {
			case show.ActionHold:
				d.held++
			case show.ActionBlock:
				d.blocked++
			}
		case *show.QuestionDetected:
			d.questions++
			qs = append(qs, x.ChatSeq)
		case *show.DraftCreated:
			d.drafts++
			draftOf[x.ChatSeq] = x.DraftID
		case *show.DraftAsked:
			draftOf[x.ChatSeq] = x.DraftID
		case *show.DraftPublished:
			d.published++
			published[x.DraftID] = true
		case *show.HostCompliance:
			d.compliance++
		}
	}
	for _, q := range qs {
		if published[draftOf[q]] {
			d.answered++
		}
	}
	d.chatters = len(users)
	return d
}

func TestTotalsMatchTheLog(t *testing.T) {
	skus := []string{"LH-COS-001", "LH-COS-002", "LH-FAS-001"}
	cases := []struct {
		name string
		g    genShow
	}{
		{"everything allowed, all published", genShow{events: 3000, dur: time.Hour, skus: skus, segEvery: 10 * time.Minute, question: 0.4, publish: 1, users: 200, seed: 1}},
		{"heavy moderation", genShow{events: 3000, dur: time.Hour, skus: skus, segEvery: 5 * time.Minute, hold: 0.2, block: 0.15, question: 0.3, publish: 0.5, reject: 0.3, users: 50, seed: 2}},
		{"repeats and rejections", genShow{events: 4000, dur: 2 * time.Hour, skus: skus, segEvery: 20 * time.Minute, question: 0.6, repeat: 0.5, publish: 0.3, reject: 0.5, gap: 0.3, users: 500, seed: 3}},
		{"nothing published", genShow{events: 2000, dur: 30 * time.Minute, skus: skus, segEvery: 3 * time.Minute, hold: 0.05, question: 0.5, users: 80, compliance: 0.05, seed: 4}},
		{"compliance and orders", genShow{events: 5000, dur: 3 * time.Hour, skus: skus, segEvery: 15 * time.Minute, block: 0.02, question: 0.3, repeat: 0.2, publish: 0.7, reject: 0.1, gap: 0.1, compliance: 0.02, users: 1000, orders: 300, seed: 5}},
		{"one product, one chatter", genShow{events: 500, dur: 10 * time.Minute, skus: skus[:1], segEvery: time.Hour, question: 1, repeat: 0.9, publish: 0.5, users: 1, seed: 6}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := c.g.generate()
			want := countDirect(t, evs)
			r, err := Build(context.Background(), pages(evs), "gen", Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := r.Totals
			check := func(name string, got, want int) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %d, the log has %d", name, got, want)
				}
			}
			check("messages", got.Messages, want.messages)
			check("chatters", got.Chatters, want.chatters)
			check("held", got.Held, want.held)
			check("blocked", got.Blocked, want.blocked)
			check("questions", got.Questions, want.questions)
			check("answered", got.Answered, want.answered)
			check("unanswered", got.Unanswered, want.questions-want.answered)
			check("compliance_flags", got.ComplianceFlags, want.compliance)
			check("drafts", got.Drafts, want.drafts)
			check("published", got.Published, want.published)

			// Every breakdown adds up to its total.
			var segMsgs, segQs, minMsgs, minQs, groupQs int
			for _, s := range r.Segments {
				segMsgs += s.Messages
				segQs += s.Questions
				if !s.To.After(s.From) {
					t.Errorf("segment %s from %v to %v", s.SKU, s.From, s.To)
				}
			}
			for _, m := range r.Minutes {
				minMsgs += m.Messages
				minQs += m.Questions
			}
			for _, q := range r.allQuestions {
				groupQs += q.Count
			}
			check("messages per minute, summed", minMsgs, want.messages)
			check("questions per minute, summed", minQs, want.questions)
			check("questions in groups, summed", groupQs, want.questions)
			if segMsgs > want.messages || segQs > want.questions {
				t.Errorf("segments hold %d messages and %d questions, more than the show's %d and %d", segMsgs, segQs, want.messages, want.questions)
			}
			if n := len(r.Segments); n == 0 {
				t.Error("no segments")
			}
			if want.answered > 0 && (r.Totals.AnswerSecsMedian == nil || r.Totals.AnswerSecsP90 == nil || *r.Totals.AnswerSecsP90 < *r.Totals.AnswerSecsMedian) {
				t.Errorf("answer times median %v p90 %v", r.Totals.AnswerSecsMedian, r.Totals.AnswerSecsP90)
			}
			if c.g.orders > 0 {
				var segOrders int
				for _, s := range r.Segments {
					segOrders += s.Units
				}
				if r.Totals.Units == 0 || segOrders > r.Totals.Units {
					t.Errorf("units %d, in segments %d", r.Totals.Units, segOrders)
				}
			}
			// The JSON has the contract's keys.
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"totals", "minutes", "segments", "questions", "gaps"} {
				if _, ok := m[k]; !ok {
					t.Errorf("report JSON has no %q", k)
				}
			}
		})
	}
}

// log builds a small log by hand: each step is (offset from the start, type, payload).
type step struct {
	at  time.Duration
	typ string
	p   any
}

var t0 = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)

func logOf(t *testing.T, steps []step) []show.Event {
	t.Helper()
	evs := []show.Event{}
	for i, s := range steps {
		b, err := json.Marshal(s.p)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, show.Event{Seq: int64(i + 1), Show: "s", Type: s.typ, At: t0.Add(s.at), V: 1, Data: b})
	}
	return evs
}

func build(t *testing.T, evs []show.Event, opt Options) *Report {
	t.Helper()
	r, err := Build(context.Background(), pages(evs), "s", opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A small show: questions phrased differently count once, a gap is grouped by product and
// intent, answer times come from the message to the publication, orders are attributed.
func TestSmallShow(t *testing.T) {
	min := time.Minute
	evs := logOf(t, []step{
		{0, show.TypeShowCreated, show.ShowCreated{Title: "秋の新作", Lineup: []string{"A", "B"}}},
		{0, show.TypeShowStarted, show.ShowStarted{}},
		{0, show.TypeProductOnAir, show.ProductOnAir{SKU: "A"}},
		{1 * min, show.TypeChatReceived, show.ChatReceived{Platform: "youtube", User: "u1", Text: "XLありますか？"}}, // 4
		{1 * min, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: 4, Action: "allow"}},
		{1 * min, show.TypeChatReceived, show.ChatReceived{Platform: "youtube", User: "u2", Text: "ＸＬ ありますか"}}, // 6
		{1 * min, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: 6, Action: "allow"}},
		{1*min + 2*time.Second, show.TypeQuestionDetected, show.QuestionDetected{ChatSeq: 4, Intent: "size", SKU: "A"}},
		{1*min + 2*time.Second, show.TypeDraftCreated, show.DraftCreated{DraftID: "d1", ChatSeq: 4, Question: "XLありますか？", Text: "XLございます", SKU: "A", Intent: "size", Facts: []show.Fact{{Field: "size", Value: "S,M,L,XL"}}}},
		{1*min + 3*time.Second, show.TypeQuestionDetected, show.QuestionDetected{ChatSeq: 6, Intent: "size", SKU: "A"}},
		{1*min + 3*time.Second, show.TypeDraftAsked, show.DraftAsked{DraftID: "d1", ChatSeq: 6, Question: "ＸＬ ありますか"}},
		{1*min + 30*time.Second, show.TypeDraftApproved, show.DraftAction{DraftID: "d1", By: "mod-1", Text: "XLございます"}},
		{1*min + 30*time.Second, show.TypeDraftPublished, show.DraftPublished{DraftID: "d1", Text: "XLございます", By: "mod-1", To: []string{"chat"}}},
		{2 * min, show.TypeChatReceived, show.ChatReceived{Platform: "twitch", User: "u3", Text: "洗濯機で洗えますか"}}, // 14
		{2 * min, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: 14, Action: "allow"}},
		{2*min + time.Second, show.TypeQuestionDetected, show.QuestionDetected{ChatSeq: 14, Intent: "usage", SKU: "A"}},
		{2*min + time.Second, show.TypeDraftCreated, show.DraftCreated{DraftID: "d2", ChatSeq: 14, Question: "洗濯機で洗えますか", Text: "Aの使い方については確認してお答えしますね。", SKU: "A", Intent: "usage", NeedsReview: true}},
		{3 * min, show.TypeChatReceived, show.ChatReceived{Platform: "twitch", User: "u3", Text: "死ね"}}, // 18
		{3 * min, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: 18, Action: "block", Categories: []string{"harassment"}}},
		{4 * min, show.TypeProductOnAir, show.ProductOnAir{SKU: "B"}},
		{5 * min, show.TypeHostCompliance, show.HostCompliance{Matches: []show.Match{{Term: "シミが消える", Category: "yakkiho"}}}},
		{6 * min, show.TypeDraftRejected, show.DraftAction{DraftID: "d2", By: "mod-2"}},
		{10 * min, show.TypeShowStopped, show.ShowStopped{}},
		// Orders imported the next day.
		{24 * time.Hour, show.TypeOrderImported, show.OrderImported{OrderID: "#1", SKU: "A", Quantity: 2, Price: 1000, OrderedAt: t0.Add(2 * min)}},  // A on air: A
		{24 * time.Hour, show.TypeOrderImported, show.OrderImported{OrderID: "#2", SKU: "A", Quantity: 1, Price: 1000, OrderedAt: t0.Add(20 * min)}}, // within 30 min of A's segment
		{24 * time.Hour, show.TypeOrderImported, show.OrderImported{OrderID: "#2", SKU: "A", Quantity: 1, Price: 1000, OrderedAt: t0.Add(20 * min)}}, // the same line again
		{24 * time.Hour, show.TypeOrderImported, show.OrderImported{OrderID: "#3", SKU: "C", Quantity: 1, Price: 500, OrderedAt: t0.Add(5 * min)}},   // C never presented: B on air
		{24 * time.Hour, show.TypeOrderImported, show.OrderImported{OrderID: "#4", SKU: "A", Quantity: 1, Price: 1000, OrderedAt: t0.Add(3 * time.Hour)}},
	})
	r := build(t, evs, Options{})
	tt := r.Totals
	if tt.Messages != 4 || tt.Chatters != 3 || tt.Questions != 3 || tt.Answered != 2 || tt.Unanswered != 1 || tt.Blocked != 1 || tt.ComplianceFlags != 1 {
		t.Fatalf("totals %+v", tt)
	}
	if tt.DistinctQuestions != 2 || r.Questions[0].Count != 2 || r.Questions[0].Phrasings != 1 || r.Questions[0].Answered != 2 {
		t.Errorf("questions %+v", r.Questions)
	}
	if *tt.AnswerSecsMedian != 30 || *tt.AnswerSecsP90 != 30 {
		t.Errorf("answer secs %v %v, want 30 (1:00 → 1:30)", *tt.AnswerSecsMedian, *tt.AnswerSecsP90)
	}
	if len(r.Gaps) != 1 || r.Gaps[0].SKU != "A" || r.Gaps[0].Intent != "usage" || r.Gaps[0].Asked != 1 || r.Gaps[0].Examples[0] != "洗濯機で洗えますか" {
		t.Errorf("gaps %+v", r.Gaps)
	}
	if tt.ComplianceByLaw["薬機法"] != 1 || tt.BlockedByCategory["harassment"] != 1 {
		t.Errorf("compliance by law %v, blocked by category %v", tt.ComplianceByLaw, tt.BlockedByCategory)
	}
	if tt.Replies["youtube"] == nil || tt.Replies["youtube"].Published != 2 {
		t.Errorf("replies %v", tt.Replies)
	}
	if len(r.Segments) != 2 {
		t.Fatalf("segments %+v", r.Segments)
	}
	a, b := r.Segments[0], r.Segments[1]
	if a.SKU != "A" || a.Secs != 240 || a.Messages != 4 || a.Questions != 3 || a.Answered != 2 || a.Gaps != 1 || b.SKU != "B" || b.Secs != 360 || b.Compliance != 1 {
		t.Errorf("segments %+v", r.Segments)
	}
	if len(a.TopQuestions) != 2 || a.TopQuestions[0].Count != 2 {
		t.Errorf("top questions of A %+v", a.TopQuestions)
	}
	// #1 and #2 go to A (on air, then presented within the window), #3 to B (on air), #4 nowhere.
	if a.Orders != 2 || a.Units != 3 || a.Revenue != 3000 || a.OrdersOnAir != 1 || b.Orders != 1 || b.Revenue != 500 || b.OrdersOnAir != 1 {
		t.Errorf("sales A %+v B %+v", a, b)
	}
	if tt.Orders != 4 || tt.Units != 5 || tt.Revenue != 4500 || tt.Unattributed != 1 || tt.OrdersPerChatter != 4.0/3 {
		t.Errorf("sales totals %+v", tt)
	}
	// A shorter window lets #2 fall to nothing (no segment on air at 0:20).
	r = build(t, evs, Options{Window: 5 * time.Minute})
	if r.Segments[0].Orders != 1 || r.Totals.Unattributed != 2 {
		t.Errorf("5-minute window: A %+v, unattributed %d", r.Segments[0], r.Totals.Unattributed)
	}
	var mods = map[string]Moderator{}
	for _, m := range r.Moderators {
		mods[m.By] = m
	}
	if mods["mod-1"].Approved != 1 || *mods["mod-1"].DecideSecsMedian != 28 || mods["mod-2"].Rejected != 1 {
		t.Errorf("moderators %+v", r.Moderators)
	}
	if len(r.Minutes) != 11 || r.Minutes[1].Messages != 2 || r.Minutes[1].Chatters != 2 || r.Minutes[2].Orders != 1 || r.Minutes[0].OnAir != "A" || r.Minutes[6].OnAir != "B" {
		t.Errorf("minutes %+v", r.Minutes)
	}
}

func TestCSVParts(t *testing.T) {
	evs := genShow{events: 2000, dur: time.Hour, skus: []string{"A", "B"}, segEvery: 10 * time.Minute, hold: 0.1, block: 0.05, question: 0.5, publish: 0.5, reject: 0.3, gap: 0.2, orders: 50, users: 40, seed: 9}.generate()
	r := build(t, evs, Options{})
	for _, part := range Parts {
		var buf bytes.Buffer
		var err error
		if part == PartModeration {
			err = WriteModerationCSV(context.Background(), pages(evs), "s", &buf)
		} else {
			err = r.WriteCSV(&buf, part)
		}
		if err != nil {
			t.Fatalf("%s: %v", part, err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", part, err)
		}
		want := map[string]int{PartMinutes: len(r.Minutes), PartSegments: len(r.Segments), PartQuestions: len(r.allQuestions), PartGaps: len(r.Gaps), PartOrders: len(r.Orders)}
		if n, ok := want[part]; ok && len(rows) != n+1 {
			t.Errorf("%s: %d rows, want %d and a header", part, len(rows), n)
		}
		if part == PartModeration {
			d := countDirect(t, evs)
			if len(rows) < 1+d.held+d.blocked {
				t.Errorf("moderation log has %d rows, fewer than the %d held and blocked", len(rows)-1, d.held+d.blocked)
			}
		}
	}
	if err := r.WriteCSV(&bytes.Buffer{}, "nope"); err == nil {
		t.Error("an unknown part wrote")
	}
}

func TestCSVFormulaCellsEscaped(t *testing.T) {
	evs := logOf(t, []step{
		{0, show.TypeShowCreated, show.ShowCreated{Title: "x"}},
		{0, show.TypeChatReceived, show.ChatReceived{User: "u", Text: "=HYPERLINK(\"http://x\")"}},
		{0, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: 2, Action: "allow"}},
		{0, show.TypeQuestionDetected, show.QuestionDetected{ChatSeq: 2}},
	})
	var buf bytes.Buffer
	if err := build(t, evs, Options{}).WriteCSV(&buf, PartQuestions); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "'=HYPERLINK") {
		t.Errorf("formula not escaped:\n%s", buf.String())
	}
}

func TestUnknownShow(t *testing.T) {
	if _, err := Build(context.Background(), pages(nil), "nope", Options{}); err == nil {
		t.Error("a show with no events has a report")
	}
}

// Held messages leave the queue one by one, many at once (a moderator's bulk deny) or by expiry.
func TestHeldDecisions(t *testing.T) {
	var steps []step
	steps = append(steps, step{0, show.TypeShowCreated, show.ShowCreated{Title: "x"}})
	for i := range 4 {
		seq := int64(len(steps) + 1)
		steps = append(steps,
			step{time.Duration(i) * time.Second, show.TypeChatReceived, show.ChatReceived{User: "spammer", Text: "http://x.example"}},
			step{time.Duration(i) * time.Second, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: seq, Action: "hold", Rules: []string{"link"}}},
			step{time.Duration(i) * time.Second, show.TypeChatHeld, show.ChatHeld{ChatSeq: seq, User: "spammer"}})
	}
	steps = append(steps,
		step{10 * time.Second, show.TypeChatAllowed, show.ChatDecision{ChatSeq: 2, By: "mod-1"}},
		step{20 * time.Second, show.TypeChatBulkDenied, show.ChatBulkDecision{ChatSeqs: []int64{5, 8}, Count: 2, By: "mod-3", User: "spammer"}},
		step{10 * time.Minute, show.TypeChatHeldExpired, show.ChatBulkDecision{ChatSeqs: []int64{11}, Count: 1, By: "system"}})
	evs := logOf(t, steps)
	r := build(t, evs, Options{})
	if r.Totals.Held != 4 || r.Totals.HeldExpired != 1 || r.Totals.HeldByCategory["rule:link"] != 4 {
		t.Errorf("totals %+v", r.Totals)
	}
	mods := map[string]Moderator{}
	for _, m := range r.Moderators {
		mods[m.By] = m
	}
	if m := mods["mod-3"]; m.Decisions != 1 || m.Denied != 2 || m.DecideSecsMedian == nil || *m.DecideSecsMedian != 18 {
		t.Errorf("bulk deny: %+v", m)
	}
	if m := mods["mod-1"]; m.Allowed != 1 || *m.DecideSecsMedian != 10 {
		t.Errorf("allow: %+v", m)
	}
	var buf bytes.Buffer
	if err := WriteModerationCSV(context.Background(), pages(evs), "s", &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "bulk_denied,,2 messages,spammer,mod-3") || !strings.Contains(buf.String(), "held_expired") {
		t.Errorf("moderation log:\n%s", buf.String())
	}
}
