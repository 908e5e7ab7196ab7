package approval_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livehost/livehost/agents/approval"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newQueue(t *testing.T) (*approval.Queue, *clock) {
	t.Helper()
	clk := newClock()
	cfg := approval.DefaultConfig()
	cfg.Now = clk.Now
	cfg.Policy = approval.Policy{} // manual unless a test sets one
	return approval.New(cfg), clk
}

var seq int64

func proposal(show, question string) approval.Proposal {
	seq++
	return approval.Proposal{
		Show: show, Question: approval.Question{Seq: seq, User: fmt.Sprintf("viewer%d", seq), Text: question},
		SKU: "LT-001", Intent: "price", Text: "1,980円（税込）です。", Facts: []approval.Fact{{Field: "price", Value: "1980"}},
		Engine: "offline", Confidence: 0.9,
	}
}

func submit(t *testing.T, q *approval.Queue, p approval.Proposal) approval.Draft {
	t.Helper()
	d, _, err := q.Submit(p)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return d
}

func TestTransitions(t *testing.T) {
	type step func(q *approval.Queue, clk *clock, id string) (approval.Change, error)
	approve := func(by string) step {
		return func(q *approval.Queue, _ *clock, id string) (approval.Change, error) { return q.Approve(id, by) }
	}
	edit := func(by, text string) step {
		return func(q *approval.Queue, _ *clock, id string) (approval.Change, error) { return q.Edit(id, by, text) }
	}
	reject := func(by string) step {
		return func(q *approval.Queue, _ *clock, id string) (approval.Change, error) {
			return q.Reject(id, by, "off topic")
		}
	}
	claim := func(by string) step {
		return func(q *approval.Queue, _ *clock, id string) (approval.Change, error) { return q.Claim(id, by) }
	}
	release := func(by string) step {
		return func(q *approval.Queue, _ *clock, id string) (approval.Change, error) { return q.Release(id, by) }
	}
	wait := func(d time.Duration) step {
		return func(_ *approval.Queue, clk *clock, _ string) (approval.Change, error) {
			clk.Advance(d)
			return approval.Change{}, nil
		}
	}
	expire := func(q *approval.Queue, clk *clock, _ string) (approval.Change, error) {
		clk.Advance(11 * time.Minute)
		if cs := q.ExpireDue(); len(cs) != 1 {
			return approval.Change{}, fmt.Errorf("expired %d drafts, want 1", len(cs))
		}
		return approval.Change{}, nil
	}
	tests := []struct {
		name       string
		before     []step
		do         step
		wantErr    error
		wantStatus approval.Status
		wantFinal  string
		wantBy     string
	}{
		{"approve", nil, approve("alice"), nil, approval.StatusApproved, "1,980円（税込）です。", "alice"},
		{"edit", nil, edit("alice", "1,980円です！"), nil, approval.StatusEdited, "1,980円です！", "alice"},
		{"edit to empty", nil, edit("alice", "  "), approval.ErrInvalid, approval.StatusPending, "", ""},
		{"reject", nil, reject("alice"), nil, approval.StatusRejected, "", "alice"},
		{"approve with no moderator", nil, approve(""), approval.ErrInvalid, approval.StatusPending, "", ""},
		{"approve rejected", []step{reject("bob")}, approve("alice"), approval.ErrFinal, approval.StatusRejected, "", "bob"},
		{"reject approved", []step{approve("bob")}, reject("alice"), approval.ErrFinal, approval.StatusApproved, "1,980円（税込）です。", "bob"},
		{"edit edited", []step{edit("bob", "x")}, edit("alice", "y"), approval.ErrFinal, approval.StatusEdited, "x", "bob"},
		{"edit expired", []step{expire}, edit("alice", "y"), approval.ErrFinal, approval.StatusExpired, "", approval.BySystem},
		{"claim approved", []step{approve("bob")}, claim("alice"), approval.ErrFinal, approval.StatusApproved, "1,980円（税込）です。", "bob"},
		{"claim", nil, claim("alice"), nil, approval.StatusPending, "", ""},
		{"claim claimed", []step{claim("bob")}, claim("alice"), approval.ErrClaimed, approval.StatusPending, "", ""},
		{"reclaim by holder", []step{claim("bob"), wait(50 * time.Second)}, claim("bob"), nil, approval.StatusPending, "", ""},
		{"approve claimed by another", []step{claim("bob")}, approve("alice"), approval.ErrClaimed, approval.StatusPending, "", ""},
		{"edit claimed by another", []step{claim("bob")}, edit("alice", "x"), approval.ErrClaimed, approval.StatusPending, "", ""},
		{"reject claimed by another", []step{claim("bob")}, reject("alice"), approval.ErrClaimed, approval.StatusPending, "", ""},
		{"approve by holder", []step{claim("alice")}, approve("alice"), nil, approval.StatusApproved, "1,980円（税込）です。", "alice"},
		{"approve after claim expired", []step{claim("bob"), wait(61 * time.Second)}, approve("alice"), nil, approval.StatusApproved, "1,980円（税込）です。", "alice"},
		{"claim after release", []step{claim("bob"), release("bob")}, claim("alice"), nil, approval.StatusPending, "", ""},
		{"release by another", []step{claim("bob")}, release("alice"), approval.ErrClaimed, approval.StatusPending, "", ""},
		{"release unclaimed", nil, release("alice"), approval.ErrNotClaimed, approval.StatusPending, "", ""},
		{"release expired claim", []step{claim("alice"), wait(time.Minute)}, release("alice"), approval.ErrNotClaimed, approval.StatusPending, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, clk := newQueue(t)
			d := submit(t, q, proposal("s1", "いくら？"))
			for i, st := range tt.before {
				if _, err := st(q, clk, d.ID); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			before, _ := q.Get(d.ID)
			c, err := tt.do(q, clk, d.ID)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			got, _ := q.Get(d.ID)
			if got.Status != tt.wantStatus || got.FinalText != tt.wantFinal || got.DecidedBy != tt.wantBy {
				t.Errorf("draft = %s %q by %q, want %s %q by %q", got.Status, got.FinalText, got.DecidedBy, tt.wantStatus, tt.wantFinal, tt.wantBy)
			}
			if err != nil {
				if len(got.History) != len(before.History) || c.Kind != "" {
					t.Errorf("a refused change changed the draft: %+v → %+v (change %+v)", before.History, got.History, c)
				}
				return
			}
			last := got.History[len(got.History)-1]
			if c.Draft != d.ID || c.Show != "s1" || !c.At.Equal(clk.Now()) || last.Kind != c.Kind || last.By != c.By || !last.At.Equal(c.At) {
				t.Errorf("change %+v, last step %+v", c, last)
			}
			if got.Status != approval.StatusPending && !got.DecidedAt.Equal(clk.Now()) {
				t.Errorf("decided at %v, want %v", got.DecidedAt, clk.Now())
			}
		})
	}
}

func TestClaimedErrorSaysWhoAndUntil(t *testing.T) {
	q, clk := newQueue(t)
	d := submit(t, q, proposal("s1", "いくら？"))
	if _, err := q.Claim(d.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	_, err := q.Approve(d.ID, "alice")
	var ce *approval.ClaimedError
	if !errors.As(err, &ce) || ce.By != "bob" || !ce.Until.Equal(clk.Now().Add(60*time.Second)) || ce.Draft != d.ID {
		t.Fatalf("err = %#v", err)
	}
	got, _ := q.Get(d.ID)
	if got.Claim == nil || got.Claim.By != "bob" {
		t.Errorf("claim = %+v", got.Claim)
	}
	clk.Advance(time.Minute)
	if got, _ := q.Get(d.ID); got.Claim != nil {
		t.Errorf("expired claim still shown: %+v", got.Claim)
	}
	if _, err := q.Approve("nope", "alice"); !errors.Is(err, approval.ErrNotFound) {
		t.Errorf("unknown draft: %v", err)
	}
}

// Two moderators race to claim and then to decide the same drafts: every draft gets exactly one
// claim winner and exactly one decision. Run with -race.
func TestTwoModeratorsRace(t *testing.T) {
	q, _ := newQueue(t)
	var ids []string
	for i := range 50 {
		ids = append(ids, submit(t, q, proposal("s1", fmt.Sprintf("question %d", i))).ID)
	}
	type result struct {
		by  string
		err error
	}
	race := func(action func(id, by string) error) map[string][]result {
		var mu sync.Mutex
		out := map[string][]result{}
		var wg sync.WaitGroup
		for _, by := range []string{"alice", "bob"} {
			wg.Go(func() {
				for _, id := range ids {
					err := action(id, by)
					mu.Lock()
					out[id] = append(out[id], result{by, err})
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return out
	}
	claims := race(func(id, by string) error { _, err := q.Claim(id, by); return err })
	winner := map[string]string{}
	for id, rs := range claims {
		wins := 0
		for _, r := range rs {
			switch {
			case r.err == nil:
				wins++
				winner[id] = r.by
			case !errors.Is(r.err, approval.ErrClaimed):
				t.Errorf("%s: claim by %s: %v", id, r.by, r.err)
			}
		}
		if wins != 1 {
			t.Errorf("%s: %d claim winners", id, wins)
		}
	}
	decisions := race(func(id, by string) error { _, err := q.Approve(id, by); return err })
	for id, rs := range decisions {
		for _, r := range rs {
			if (r.by == winner[id]) != (r.err == nil) {
				t.Errorf("%s: approve by %s (claim holder %s): %v", id, r.by, winner[id], r.err)
			}
		}
		if d, _ := q.Get(id); d.Status != approval.StatusApproved || d.DecidedBy != winner[id] {
			t.Errorf("%s: %s by %s", id, d.Status, d.DecidedBy)
		}
	}
	// Without claims, racing decisions still leave one decision per draft.
	q2, _ := newQueue(t)
	ids = ids[:0]
	for i := range 50 {
		ids = append(ids, submit(t, q2, proposal("s1", fmt.Sprintf("question %d", i))).ID)
	}
	q = q2
	rejects := race(func(id, by string) error {
		if by == "alice" {
			_, err := q.Approve(id, by)
			return err
		}
		_, err := q.Reject(id, by, "")
		return err
	})
	for id, rs := range rejects {
		ok := 0
		for _, r := range rs {
			if r.err == nil {
				ok++
			} else if !errors.Is(r.err, approval.ErrFinal) {
				t.Errorf("%s: %v", id, r.err)
			}
		}
		if d, _ := q.Get(id); ok != 1 || len(d.History) != 2 {
			t.Errorf("%s: %d decisions, history %+v", id, ok, d.History)
		}
	}
}

func TestDedupCount(t *testing.T) {
	q, clk := newQueue(t)
	variants := []string{"XLありますか？", "ＸＬ ありますか", "xlありますか!!", "XL、アリマスカ？", "ｘｌ　ありますか。"}
	var first approval.Draft
	for i := range 20 {
		p := proposal("s1", variants[i%len(variants)])
		p.Intent = "stock"
		d, changes, err := q.Submit(p)
		if err != nil {
			t.Fatal(err)
		}
		want := approval.KindAsked
		if i == 0 {
			first, want = d, approval.KindCreated
		}
		if len(changes) != 1 || changes[0].Kind != want || d.ID != first.ID || d.Count != i+1 {
			t.Fatalf("ask %d: draft %s count %d, changes %+v", i, d.ID, d.Count, changes)
		}
		clk.Advance(time.Second)
	}
	d, _ := q.Get(first.ID)
	if d.Count != 20 || len(d.Questions) != 20 || d.Questions[3].Text != variants[3] || d.Questions[19].User == "" {
		t.Errorf("draft count %d questions %d", d.Count, len(d.Questions))
	}

	tests := []struct {
		name   string
		change func(*approval.Proposal)
		same   bool
	}{
		{"other SKU", func(p *approval.Proposal) { p.SKU = "LT-002" }, false},
		{"other intent", func(p *approval.Proposal) { p.Intent = "size" }, false},
		{"other show", func(p *approval.Proposal) { p.Show = "s2" }, false},
		{"other question", func(p *approval.Proposal) { p.Question.Text = "Lありますか" }, false},
		{"same again", func(*approval.Proposal) {}, true},
	}
	for _, tt := range tests {
		p := proposal("s1", "XLありますか")
		p.Intent = "stock"
		tt.change(&p)
		got := submit(t, q, p)
		if (got.ID == first.ID) != tt.same {
			t.Errorf("%s: draft %s, first %s", tt.name, got.ID, first.ID)
		}
	}

	// The same chat message delivered twice is counted once.
	p := proposal("s1", "XLありますか")
	p.Intent = "stock"
	submit(t, q, p)
	before, _ := q.Get(first.ID)
	d2, changes, err := q.Submit(p)
	if err != nil || len(changes) != 0 || d2.Count != before.Count {
		t.Errorf("redelivery: %v, %d changes, count %d → %d", err, len(changes), before.Count, d2.Count)
	}

	// After the window the question starts a new draft.
	clk.Advance(5 * time.Minute)
	p = proposal("s1", "XLありますか")
	p.Intent = "stock"
	late := submit(t, q, p)
	if late.ID == first.ID || late.Count != 1 {
		t.Errorf("after the window: %s count %d", late.ID, late.Count)
	}
	// Asked again soon after it was answered, it counts on the answered draft, which stays
	// answered: viewers repeating a question must not get the same reply twice.
	if _, err := q.Approve(late.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	p = proposal("s1", "XLありますか")
	p.Intent = "stock"
	again, changes, err := q.Submit(p)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != late.ID || again.Count != 2 || again.Status != approval.StatusApproved {
		t.Errorf("after approval: draft %s count %d status %s, want %s count 2 approved", again.ID, again.Count, again.Status, late.ID)
	}
	if len(changes) != 1 || changes[0].Kind != approval.KindAsked {
		t.Errorf("after approval: changes %+v, want one asked", changes)
	}
	// Long after the answer it is a new question again.
	clk.Advance(6 * time.Minute)
	p = proposal("s1", "XLありますか")
	p.Intent = "stock"
	if fresh := submit(t, q, p); fresh.ID == late.ID || fresh.Count != 1 {
		t.Errorf("after the answer's window: draft %s count %d", fresh.ID, fresh.Count)
	}
	// A rejected draft collects no repeats: its question deserves another try.
	if _, err := q.Reject(submit(t, q, proposal("s1", "何色？")).ID, "bob", "wrong"); err != nil {
		t.Fatal(err)
	}
	if d := submit(t, q, proposal("s1", "何色？")); d.Count != 1 || d.Status != approval.StatusPending {
		t.Errorf("after a rejection: count %d status %s, want a new pending draft", d.Count, d.Status)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ a, b string }{
		{"XLありますか？", "ｘｌ　アリマスカ!"},
		{"How much?", "how much"},
		{"いくら？？", "イクラ"},
		{"1,980円", "1980円"},
	}
	for _, tt := range tests {
		if approval.Normalize(tt.a) != approval.Normalize(tt.b) {
			t.Errorf("Normalize(%q) = %q, Normalize(%q) = %q", tt.a, approval.Normalize(tt.a), tt.b, approval.Normalize(tt.b))
		}
	}
	if approval.Normalize("赤は？") == approval.Normalize("青は？") {
		t.Error("different questions normalize alike")
	}
}

func TestAutoApprove(t *testing.T) {
	tests := []struct {
		name   string
		policy *approval.Policy // nil: the queue's default
		edit   func(*approval.Proposal)
		auto   bool
	}{
		{"standard: offline price", &[]approval.Policy{approval.StandardPolicy()}[0], nil, true},
		{"standard: stock", &[]approval.Policy{approval.StandardPolicy()}[0], func(p *approval.Proposal) { p.Intent = "stock" }, true},
		{"standard: at threshold", &[]approval.Policy{approval.StandardPolicy()}[0], func(p *approval.Proposal) { p.Confidence = 0.8 }, true},
		{"standard: low confidence", &[]approval.Policy{approval.StandardPolicy()}[0], func(p *approval.Proposal) { p.Confidence = 0.79 }, false},
		{"standard: needs review", &[]approval.Policy{approval.StandardPolicy()}[0], func(p *approval.Proposal) { p.NeedsReview = true }, false},
		{"standard: llm", &[]approval.Policy{approval.StandardPolicy()}[0], func(p *approval.Proposal) { p.Engine = "llm" }, false},
		{"standard: usage", &[]approval.Policy{approval.StandardPolicy()}[0], func(p *approval.Proposal) { p.Intent = "usage" }, false},
		{"disabled", &approval.Policy{Engines: []string{"offline"}, Intents: []string{"price"}}, nil, false},
		{"queue default is manual", nil, nil, false},
		{"custom: llm size", &approval.Policy{Enabled: true, Engines: []string{"llm"}, Intents: []string{"size"}, MinConfidence: 0.5},
			func(p *approval.Proposal) { p.Engine, p.Intent, p.Confidence = "llm", "size", 0.5 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, clk := newQueue(t)
			if tt.policy != nil {
				if _, err := q.SetPolicy("s1", *tt.policy); err != nil {
					t.Fatal(err)
				}
			}
			p := proposal("s1", "いくら？")
			if tt.edit != nil {
				tt.edit(&p)
			}
			d, changes, err := q.Submit(p)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auto {
				if len(changes) != 2 || changes[1].Kind != approval.KindApproved || changes[1].By != approval.ByAuto ||
					d.Status != approval.StatusApproved || d.DecidedBy != approval.ByAuto || d.FinalText != p.Text || !d.DecidedAt.Equal(clk.Now()) {
					t.Errorf("not auto-approved: %+v, %+v", d, changes)
				}
			} else if len(changes) != 1 || d.Status != approval.StatusPending {
				t.Errorf("auto-approved: %+v, %+v", d, changes)
			}
			// The policy is per show.
			other := proposal("s2", "いくら？")
			if tt.edit != nil {
				tt.edit(&other)
			}
			if d := submit(t, q, other); d.Status != approval.StatusPending {
				t.Errorf("show s2 used s1's policy")
			}
		})
	}
}

func TestPolicyDefaultsAndValidation(t *testing.T) {
	cfg := approval.DefaultConfig()
	q := approval.New(cfg)
	if p := q.Policy("any"); !p.Enabled || p.MinConfidence != 0.8 {
		t.Errorf("default policy %+v", p)
	}
	if _, err := q.SetPolicy("", approval.Policy{}); err != nil {
		t.Fatal(err)
	}
	if p := q.Policy("any"); p.Enabled {
		t.Errorf("queue-wide policy not used: %+v", p)
	}
	if _, err := q.SetPolicy("s1", approval.Policy{MinConfidence: 1.5}); !errors.Is(err, approval.ErrInvalid) {
		t.Errorf("bad policy: %v", err)
	}
}

func TestExpiry(t *testing.T) {
	q, clk := newQueue(t)
	old := submit(t, q, proposal("s1", "a?"))
	claimed := submit(t, q, proposal("s1", "b?"))
	decided := submit(t, q, proposal("s1", "c?"))
	clk.Advance(5 * time.Minute)
	young := submit(t, q, proposal("s2", "d?"))
	if _, err := q.Approve(decided.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5*time.Minute - time.Second)
	if cs := q.ExpireDue(); len(cs) != 0 {
		t.Fatalf("expired too early: %+v", cs)
	}
	if _, err := q.Claim(claimed.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	cs := q.ExpireDue()
	if len(cs) != 1 || cs[0].Draft != old.ID || cs[0].Kind != approval.KindExpired || cs[0].By != approval.BySystem {
		t.Fatalf("expired %+v, want only %s", cs, old.ID)
	}
	clk.Advance(time.Minute) // bob's claim lapses
	cs = q.ExpireDue()
	if len(cs) != 1 || cs[0].Draft != claimed.ID {
		t.Fatalf("expired %+v, want only %s", cs, claimed.ID)
	}
	for id, want := range map[string]approval.Status{old.ID: approval.StatusExpired, claimed.ID: approval.StatusExpired, decided.ID: approval.StatusApproved, young.ID: approval.StatusPending} {
		if d, _ := q.Get(id); d.Status != want {
			t.Errorf("%s: %s, want %s", id, d.Status, want)
		}
	}
	if got := q.List("s1", approval.StatusExpired); len(got) != 2 {
		t.Errorf("List expired: %d", len(got))
	}
	if got := q.List("s2"); len(got) != 1 || got[0].ID != young.ID {
		t.Errorf("List s2: %+v", got)
	}
}

func TestSubmitValidation(t *testing.T) {
	q, _ := newQueue(t)
	tests := []struct {
		name string
		edit func(*approval.Proposal)
	}{
		{"no show", func(p *approval.Proposal) { p.Show = " " }},
		{"no question", func(p *approval.Proposal) { p.Question.Text = "" }},
		{"no text", func(p *approval.Proposal) { p.Text = "" }},
		{"confidence", func(p *approval.Proposal) { p.Confidence = 1.2 }},
		{"negative seq", func(p *approval.Proposal) { p.Question.Seq = -1 }},
	}
	for _, tt := range tests {
		p := proposal("s1", "いくら？")
		tt.edit(&p)
		if _, _, err := q.Submit(p); !errors.Is(err, approval.ErrInvalid) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	if n := len(q.List("")); n != 0 {
		t.Errorf("%d drafts after refused submissions", n)
	}
}

// snapshot is the queue's full visible state, for comparing queues.
func snapshot(t *testing.T, q *approval.Queue) string {
	t.Helper()
	b, err := json.Marshal(struct {
		Drafts []approval.Draft
		P1, P2 approval.Policy
	}{q.List(""), q.Policy("s1"), q.Policy("s2")})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReplayEquivalence(t *testing.T) {
	q, clk := newQueue(t)
	var log []approval.Change
	add := func(cs ...approval.Change) { log = append(log, cs...) }
	must := func(c approval.Change, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		add(c)
	}
	must(q.SetPolicy("s1", approval.StandardPolicy()))
	var ids []string
	for i := range 30 {
		p := proposal([]string{"s1", "s2"}[i%2], fmt.Sprintf("question %d?", i%7))
		p.Confidence = float64(i%10) / 10
		p.Engine = []string{"offline", "llm"}[i%3%2]
		d, cs, err := q.Submit(p)
		if err != nil {
			t.Fatal(err)
		}
		add(cs...)
		ids = append(ids, d.ID)
		clk.Advance(7 * time.Second)
	}
	for i, id := range ids {
		by := []string{"alice", "bob"}[i%2]
		var c approval.Change
		var err error
		switch i % 6 {
		case 0:
			c, err = q.Claim(id, by)
		case 1:
			c, err = q.Approve(id, by)
		case 2:
			c, err = q.Edit(id, by, fmt.Sprintf("edited %d", i))
		case 3:
			c, err = q.Reject(id, by, "not for chat")
		case 4:
			if c, err = q.Claim(id, by); err == nil {
				add(c)
				c, err = q.Release(id, by)
			}
		}
		if err == nil && c.Kind != "" {
			add(c)
		}
		clk.Advance(3 * time.Second)
	}
	clk.Advance(20 * time.Minute)
	add(q.ExpireDue()...)

	// Through JSON, as the show's log stores the changes.
	b, err := json.Marshal(log)
	if err != nil {
		t.Fatal(err)
	}
	var decoded []approval.Change
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	cfg := approval.DefaultConfig()
	cfg.Now = clk.Now
	cfg.Policy = approval.Policy{}
	r, err := approval.Replay(cfg, decoded)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := snapshot(t, r), snapshot(t, q); got != want {
		t.Fatalf("replayed queue differs\n got %s\nwant %s", got, want)
	}

	// Both queues go on the same way, and new IDs do not collide with replayed ones.
	p := proposal("s1", "brand new?")
	d1, c1, err1 := q.Submit(p)
	d2, c2, err2 := r.Submit(p)
	if err1 != nil || err2 != nil || d1.ID != d2.ID || len(c1) != len(c2) {
		t.Fatalf("after replay: %v %v %s %s", err1, err2, d1.ID, d2.ID)
	}
	if snapshot(t, r) != snapshot(t, q) {
		t.Error("queues diverge after replay")
	}

	// A log with a change that does not apply says which one.
	bad := append(decoded[:3:3], approval.Change{Kind: approval.KindApproved, Show: "s1", Draft: "zz", By: "x", At: clk.Now()})
	if _, err := approval.Replay(cfg, bad); !errors.Is(err, approval.ErrNotFound) || !strings.Contains(err.Error(), "change 3") {
		t.Errorf("bad replay: %v", err)
	}
}

func TestApplyRefusesBadChanges(t *testing.T) {
	q, clk := newQueue(t)
	d := submit(t, q, proposal("s1", "いくら？"))
	decided := submit(t, q, proposal("s1", "色は？"))
	if _, err := q.Reject(decided.ID, "alice", ""); err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	p := proposal("s1", "x")
	dupSeq := proposal("s1", "y")
	dupSeq.Question.Seq = d.Questions[0].Seq
	tests := []struct {
		name string
		c    approval.Change
		want error
	}{
		{"unknown kind", approval.Change{Kind: "published", Show: "s1", Draft: d.ID, At: now}, approval.ErrInvalid},
		{"no time", approval.Change{Kind: approval.KindApproved, Show: "s1", Draft: d.ID, By: "a", Text: "t"}, approval.ErrInvalid},
		{"wrong show", approval.Change{Kind: approval.KindApproved, Show: "s2", Draft: d.ID, By: "a", Text: "t", At: now}, approval.ErrInvalid},
		{"approve without text", approval.Change{Kind: approval.KindApproved, Show: "s1", Draft: d.ID, By: "a", At: now}, approval.ErrInvalid},
		{"claim ending before it starts", approval.Change{Kind: approval.KindClaimed, Show: "s1", Draft: d.ID, By: "a", At: now, Until: now}, approval.ErrInvalid},
		{"created without proposal", approval.Change{Kind: approval.KindCreated, Show: "s1", Draft: "n1", At: now}, approval.ErrInvalid},
		{"created with taken ID", approval.Change{Kind: approval.KindCreated, Show: "s1", Draft: d.ID, At: now, Proposal: &p}, approval.ErrInvalid},
		{"created for another show", approval.Change{Kind: approval.KindCreated, Show: "s2", Draft: "n1", At: now, Proposal: &p}, approval.ErrInvalid},
		{"created for an answered message", approval.Change{Kind: approval.KindCreated, Show: "s1", Draft: "n1", At: now, Proposal: &dupSeq}, approval.ErrInvalid},
		{"asked twice", approval.Change{Kind: approval.KindAsked, Show: "s1", Draft: d.ID, At: now, Question: &dupSeq.Question}, approval.ErrInvalid},
		{"asked without question", approval.Change{Kind: approval.KindAsked, Show: "s1", Draft: d.ID, At: now}, approval.ErrInvalid},
		{"asked on a decided draft", approval.Change{Kind: approval.KindAsked, Show: "s1", Draft: decided.ID, At: now, Question: &approval.Question{Text: "q"}}, approval.ErrFinal},
		{"claim of a decided draft", approval.Change{Kind: approval.KindClaimed, Show: "s1", Draft: decided.ID, By: "a", At: now, Until: now.Add(time.Minute)}, approval.ErrFinal},
		{"policy out of range", approval.Change{Kind: approval.KindPolicy, Show: "s1", At: now, Policy: &approval.Policy{MinConfidence: -1}}, approval.ErrInvalid},
		{"policy without policy", approval.Change{Kind: approval.KindPolicy, Show: "s1", At: now}, approval.ErrInvalid},
		{"unknown draft", approval.Change{Kind: approval.KindRejected, Show: "s1", Draft: "nope", By: "a", At: now}, approval.ErrNotFound},
	}
	for _, tt := range tests {
		before := snapshot(t, q)
		if err := q.Apply(tt.c); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if snapshot(t, q) != before {
			t.Errorf("%s: a refused change altered the queue", tt.name)
		}
	}
}

func TestCustomIDs(t *testing.T) {
	n := 0
	cfg := approval.Config{NewID: func() string { n++; return fmt.Sprintf("x%d", n/2) }} // repeats each ID
	q := approval.New(cfg)
	a := submit(t, q, proposal("s1", "a?"))
	b := submit(t, q, proposal("s1", "b?"))
	if a.ID == b.ID {
		t.Errorf("duplicate IDs %s", a.ID)
	}
}

func TestMaxQuestions(t *testing.T) {
	clk := newClock()
	q := approval.New(approval.Config{Now: clk.Now, MaxQuestions: 3})
	var d approval.Draft
	for range 10 {
		d = submit(t, q, proposal("s1", "いくら？"))
	}
	if d.Count != 10 || len(d.Questions) != 3 {
		t.Errorf("count %d, questions kept %d; want 10 and 3", d.Count, len(d.Questions))
	}
}

func TestExpireOverflowAndForget(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	cfg := approval.DefaultConfig()
	cfg.Now = func() time.Time { return now }
	cfg.Policy = approval.Policy{}
	q := approval.New(cfg)
	var ids []string
	for i := range 6 {
		d, _, err := q.Submit(approval.Proposal{Show: "s", Question: approval.Question{Seq: int64(i + 1), User: "u", Text: fmt.Sprintf("question %d?", i)},
			SKU: "A", Intent: fmt.Sprintf("i%d", i), Text: "answer", Engine: "offline", Confidence: 0.9})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
		now = now.Add(time.Second)
	}
	if _, err := q.Claim(ids[0], "mod"); err != nil {
		t.Fatal(err)
	}
	// Four may wait: the two oldest unclaimed ones go, the claimed oldest stays.
	ch := q.ExpireOverflow("s", 4)
	if len(ch) != 2 || ch[0].Draft != ids[1] || ch[1].Draft != ids[2] || ch[0].Reason != approval.ReasonQueueFull {
		t.Fatalf("overflow changes: %+v", ch)
	}
	if n := len(q.List("s", approval.StatusPending)); n != 4 {
		t.Fatalf("%d pending after the overflow, want 4", n)
	}
	// Decided drafts beyond the newest one are forgotten; pending ones never are.
	gone := q.Forget(1)
	if len(gone) != 1 || gone[0] != ids[1] {
		t.Fatalf("forgotten %v, want [%s]", gone, ids[1])
	}
	if _, ok := q.Get(ids[1]); ok {
		t.Fatal("a forgotten draft is still there")
	}
	if _, ok := q.Get(ids[0]); !ok {
		t.Fatal("a pending draft was forgotten")
	}
	if len(q.Forget(1)) != 0 {
		t.Fatal("Forget is not idempotent")
	}
}
