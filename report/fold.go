package report

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/show"
)

// Event types other producers add (connectors, the avatar runner). The report reads them by name
// so that it needs no change when they land: a reply's delivery carries its "platform", avatar
// lines carry "text" and, for a viewer's question, "chat_seq".
const (
	typeReplySent   = "reply.sent"
	typeReplyFailed = "reply.failed"
	prefixAvatar    = "avatar."
)

// chatRing keeps the last chat messages: a question is detected, and its draft made, a few
// seconds after its message, and this is where the report finds the message's time, platform and
// segment without keeping every message.
const chatRing = 1 << 13

type chatRef struct {
	seq      int64
	at       time.Time
	seg      int
	platform string
	text     string
}

// asked is one question (a chat message) waiting for its draft, or for its draft's publication.
type asked struct {
	seq      int64
	at       time.Time
	seg      int
	platform string
	text     string
	sku      string
	intent   string
}

type group struct {
	q       Question
	variety map[string]bool // normalized phrasings
	idx     int
}

type gapAcc struct {
	g       Gap
	phrases map[string]bool
}

type draftAcc struct {
	createdAt time.Time
	decided   bool
	grp       *group
	gap       *gapAcc
	published bool
	seg       int
	pending   []asked // questions answered when the draft is published
}

type segAcc struct {
	Segment
	questions map[*group]int
	orders    map[string]bool
	ordersAir map[string]bool
	aud       segAudience
}

type modAcc struct {
	m    Moderator
	secs *hist
}

type minuteAcc struct {
	Minute
	users  map[string]bool
	orders map[string]bool
}

type folder struct {
	opt Options
	r   Report

	lastAt    time.Time // the newest event that is not an order import
	users     map[string]bool
	minutes   map[int64]*minuteAcc
	ring      [chatRing]chatRef
	segs      []*segAcc
	cur       int // the segment on air, -1 when none
	waiting   map[int64]asked
	groups    map[string]*group
	gaps      map[string]*gapAcc
	drafts    map[string]*draftAcc
	decided   []decidedDraft // drafts in decision order, dropped from drafts after keepDecided
	held      map[int64]time.Time
	answer    hist
	mods      map[string]*modAcc
	orderKeys map[string]bool
	voiced    map[int64]bool
	avatar    Avatar
	hasAvatar bool
	aud       audience
}

func newFolder(showID string, opt Options) *folder {
	if opt.Window <= 0 {
		opt.Window = DefaultWindow
	}
	if opt.TopQuestions <= 0 {
		opt.TopQuestions = 100
	}
	f := &folder{
		opt:       opt,
		users:     map[string]bool{},
		minutes:   map[int64]*minuteAcc{},
		cur:       -1,
		waiting:   map[int64]asked{},
		groups:    map[string]*group{},
		gaps:      map[string]*gapAcc{},
		drafts:    map[string]*draftAcc{},
		held:      map[int64]time.Time{},
		mods:      map[string]*modAcc{},
		orderKeys: map[string]bool{},
		voiced:    map[int64]bool{},
		aud:       audience{by: map[string]int{}},
	}
	f.r.Show.ID = showID
	t := &f.r.Totals
	t.HeldByCategory, t.BlockedByCategory = map[string]int{}, map[string]int{}
	t.ComplianceByLaw, t.ComplianceByCategory, t.ComplianceByTerm = map[string]int{}, map[string]int{}, map[string]int{}
	t.Replies = map[string]*Replies{}
	f.r.WindowSecs = opt.Window.Seconds()
	return f
}

type decidedDraft struct {
	id string
	at time.Time
}

// keepDecided is how long a decided draft is kept for repeats of its question: the approval
// queue counts a repeat on an answered draft within its dedup window (5 minutes by default), so
// an hour is ample, and the drafts of a 24/7 show do not pile up.
const keepDecided = time.Hour

// keepWaiting is how long a question waits for its draft before it is counted without one (the
// answer agent failed or the approval queue refused it).
const keepWaiting = 10 * time.Minute

// laws names the law each host-compliance list category is about.
var laws = map[string]string{"yakkiho": "薬機法", "keihyo": "景品表示法"}

func (f *folder) minute(at time.Time) *minuteAcc {
	k := at.Unix() / 60
	m := f.minutes[k]
	if m == nil {
		m = &minuteAcc{Minute: Minute{At: time.Unix(k*60, 0).UTC()}}
		f.minutes[k] = m
		// Chatters are counted per minute as the minute goes: the sets of minutes well behind
		// are dropped so memory stays flat (the log is in time order). Decided drafts and
		// questions that never got one are let go the same way.
		for old, om := range f.minutes {
			if old < k-2 && om.users != nil {
				om.users = nil
			}
		}
		for len(f.decided) > 0 && at.Sub(f.decided[0].at) > keepDecided {
			delete(f.drafts, f.decided[0].id)
			f.decided = f.decided[1:]
		}
		for seq, q := range f.waiting {
			if at.Sub(q.at) > keepWaiting {
				delete(f.waiting, seq)
				f.unmatched(q)
			}
		}
	}
	return m
}

func (f *folder) decide(id string, at time.Time) {
	if d := f.drafts[id]; d != nil && !d.decided {
		d.decided = true
		f.decided = append(f.decided, decidedDraft{id, at})
	}
}

func (f *folder) seg(i int) *segAcc {
	if i < 0 || i >= len(f.segs) {
		return nil
	}
	return f.segs[i]
}

func (f *folder) closeSeg(at time.Time) {
	f.flushAudience(at)
	if s := f.seg(f.cur); s != nil {
		s.To = at
	}
	f.cur = -1
}

func (f *folder) mod(by string) *modAcc {
	m := f.mods[by]
	if m == nil {
		m = &modAcc{m: Moderator{By: by}, secs: &hist{}}
		f.mods[by] = m
	}
	return m
}

func (f *folder) replies(platform string) *Replies {
	if platform == "" {
		platform = "unknown"
	}
	r := f.r.Totals.Replies[platform]
	if r == nil {
		r = &Replies{}
		f.r.Totals.Replies[platform] = r
	}
	return r
}

// Payloads as the report reads them: only the fields it needs, so decoding stays cheap.
type (
	chatP struct {
		Platform string `json:"platform"`
		User     string `json:"user"`
		Text     string `json:"text"`
	}
	verdictP struct {
		ChatSeq    int64             `json:"chat_seq"`
		Action     string            `json:"action"`
		Categories []string          `json:"categories"`
		Matches    []json.RawMessage `json:"matches"`
		Rules      []string          `json:"rules"`
	}
	draftP struct {
		DraftID     string      `json:"draft_id"`
		ChatSeq     int64       `json:"chat_seq"`
		Question    string      `json:"question"`
		Text        string      `json:"text"`
		SKU         string      `json:"sku"`
		Intent      string      `json:"intent"`
		Facts       []show.Fact `json:"facts"`
		NeedsReview bool        `json:"needs_review"`
		By          string      `json:"by"`
	}
	otherP struct {
		Platform string `json:"platform"`
		Text     string `json:"text"`
		ChatSeq  int64  `json:"chat_seq"`
		Audio    string `json:"audio"`
		Replaced bool   `json:"replaced"`
	}
)

func (f *folder) apply(ev *show.Event) {
	r := &f.r
	t := &r.Totals
	r.Show.LastSeq = ev.Seq
	if ev.Type != show.TypeOrderImported {
		f.lastAt = ev.At
	}
	switch ev.Type {
	case show.TypeShowCreated, show.TypeShowUpdated:
		var p show.ShowUpdated
		if ev.Decode(&p) == nil {
			r.Show.Title, r.Show.Lineup = p.Title, p.Lineup
			if p.Mode != "" {
				r.Show.Mode = p.Mode
			}
			if p.Status != "" {
				r.Show.Status = p.Status
			}
		}
		if ev.Type == show.TypeShowCreated {
			r.Show.CreatedAt = ev.At
			if r.Show.Status == "" {
				r.Show.Status = show.StatusCreated
			}
		}
	case show.TypeShowStarted:
		f.minute(ev.At) // the series spans the show, quiet minutes included
		r.Show.Status = show.StatusLive
		if r.Show.StartedAt.IsZero() {
			r.Show.StartedAt = ev.At
		}
	case show.TypeShowStopped:
		f.minute(ev.At)
		r.Show.Status = show.StatusStopped
		r.Show.EndedAt = ev.At
		f.closeSeg(ev.At)
		f.dropViewers("", ev.At)
	case show.TypeProductOnAir:
		var p show.ProductOnAir
		if ev.Decode(&p) != nil {
			return
		}
		f.closeSeg(ev.At)
		f.minute(ev.At)
		if p.SKU != "" {
			f.segs = append(f.segs, &segAcc{Segment: Segment{SKU: p.SKU, From: ev.At, To: ev.At, TopQuestions: []TopQuestion{}},
				questions: map[*group]int{}, orders: map[string]bool{}, ordersAir: map[string]bool{}})
			f.cur = len(f.segs) - 1
			f.noteAudience(ev.At) // the count held as the segment begins
		}
	case show.TypeChatReceived:
		var p chatP
		if ev.Decode(&p) != nil {
			return
		}
		t.Messages++
		u := p.Platform + "\x1f" + p.User
		f.users[u] = true
		m := f.minute(ev.At)
		m.Messages++
		if m.users == nil {
			m.users = map[string]bool{}
		}
		if !m.users[u] {
			m.users[u] = true
			m.Chatters++
		}
		if s := f.seg(f.cur); s != nil {
			s.Messages++
		}
		f.ring[ev.Seq%chatRing] = chatRef{seq: ev.Seq, at: ev.At, seg: f.cur, platform: p.Platform, text: p.Text}
	case show.TypeChatVerdict:
		var p verdictP
		if ev.Decode(&p) != nil {
			return
		}
		m := f.minute(ev.At)
		s := f.seg(f.cur)
		if len(p.Matches) > 0 || len(p.Categories) > 0 || len(p.Rules) > 0 {
			t.NGHits++
			m.NGHits++
		}
		switch p.Action {
		case show.ActionAllow:
			t.Allowed++
		case show.ActionHold:
			t.Held++
			m.Held++
			if s != nil {
				s.Held++
			}
			countAll(t.HeldByCategory, p.Categories, p.Rules)
		case show.ActionBlock:
			t.Blocked++
			m.Blocked++
			if s != nil {
				s.Blocked++
			}
			countAll(t.BlockedByCategory, p.Categories, p.Rules)
		}
	case show.TypeChatHeld:
		var p show.ChatHeld
		if ev.Decode(&p) == nil {
			f.held[p.ChatSeq] = ev.At
		}
	case show.TypeChatAllowed, show.TypeChatDenied:
		var p show.ChatDecision
		if ev.Decode(&p) != nil {
			return
		}
		md := f.mod(byName(p.By))
		md.m.Decisions++
		if ev.Type == show.TypeChatAllowed {
			md.m.Allowed++
		} else {
			md.m.Denied++
		}
		if at, ok := f.held[p.ChatSeq]; ok {
			md.secs.add(ev.At.Sub(at).Seconds())
			delete(f.held, p.ChatSeq)
		}
	case show.TypeChatBulkDenied, show.TypeChatHeldExpired:
		var p show.ChatBulkDecision
		if ev.Decode(&p) != nil {
			return
		}
		n := max(p.Count, len(p.ChatSeqs))
		if ev.Type == show.TypeChatHeldExpired {
			t.HeldExpired += n
			for _, seq := range p.ChatSeqs {
				delete(f.held, seq)
			}
			return
		}
		// One action of a moderator that denies many held messages.
		md := f.mod(byName(p.By))
		md.m.Decisions++
		md.m.Denied += n
		for _, seq := range p.ChatSeqs {
			if at, ok := f.held[seq]; ok {
				md.secs.add(ev.At.Sub(at).Seconds())
				delete(f.held, seq)
			}
		}
	case show.TypeQuestionDetected:
		var p show.QuestionDetected
		if ev.Decode(&p) != nil {
			return
		}
		t.Questions++
		q := asked{seq: p.ChatSeq, at: ev.At, seg: f.cur, sku: p.SKU, intent: p.Intent}
		if c := f.ring[p.ChatSeq%chatRing]; c.seq == p.ChatSeq && p.ChatSeq != 0 {
			q.at, q.seg, q.platform, q.text = c.at, c.seg, c.platform, c.text
		}
		f.minute(q.at).Questions++
		if s := f.seg(q.seg); s != nil {
			s.Questions++
		}
		f.waiting[p.ChatSeq] = q
	case show.TypeDraftCreated, show.TypeDraftAsked:
		f.draft(ev)
	case show.TypeDraftPublished:
		var p draftP
		if ev.Decode(&p) != nil {
			return
		}
		t.Published++
		d := f.drafts[p.DraftID]
		if d == nil || d.published {
			return
		}
		d.published = true
		if d.grp != nil && d.grp.q.Answer == "" {
			d.grp.q.Answer = p.Text
		}
		for _, q := range d.pending {
			f.answered(d, q, ev.At)
		}
		d.pending = nil
	case show.TypeDraftApproved, show.TypeDraftEdited, show.TypeDraftRejected, show.TypeDraftExpired:
		var p draftP
		if ev.Decode(&p) != nil {
			return
		}
		f.decide(p.DraftID, ev.At)
		switch {
		case ev.Type == show.TypeDraftExpired:
			t.Expired++
			return
		case ev.Type == show.TypeDraftRejected:
			t.Rejected++
		case ev.Type == show.TypeDraftEdited:
			t.Edited++
		case p.By == approval.ByAuto:
			t.AutoApproved++
			return
		}
		if p.By == approval.BySystem || p.By == approval.ByAuto {
			return
		}
		md := f.mod(byName(p.By))
		md.m.Decisions++
		switch ev.Type {
		case show.TypeDraftApproved:
			md.m.Approved++
		case show.TypeDraftEdited:
			md.m.Edited++
		case show.TypeDraftRejected:
			md.m.Rejected++
		}
		if d := f.drafts[p.DraftID]; d != nil {
			md.secs.add(ev.At.Sub(d.createdAt).Seconds())
		}
	case show.TypeCrossSellSuggested:
		t.CrossSell++
		if s := f.seg(f.cur); s != nil {
			s.CrossSell++
		}
	case show.TypeHostCompliance:
		var p show.HostCompliance
		if ev.Decode(&p) != nil {
			return
		}
		t.ComplianceFlags++
		f.minute(ev.At).Compliance++
		if s := f.seg(f.cur); s != nil {
			s.Compliance++
		}
		for _, m := range p.Matches {
			t.ComplianceByCategory[m.Category]++
			if law, ok := laws[m.Category]; ok {
				t.ComplianceByLaw[law]++
			} else {
				t.ComplianceByLaw[m.Category]++
			}
			if m.Term != "" && len(t.ComplianceByTerm) < 500 {
				t.ComplianceByTerm[m.Term]++
			}
		}
	case show.TypeTranscriptDropped:
		var p show.TranscriptDropped
		if ev.Decode(&p) == nil {
			t.STTDrops++
			t.STTDroppedSecs += float64(max(0, p.EndMS-p.StartMS)) / 1000
		}
	case show.TypeOrderImported:
		var p show.OrderImported
		if ev.Decode(&p) != nil {
			return
		}
		k := p.OrderID + "\x1f" + p.SKU
		if f.orderKeys[k] {
			return // the same order line imported twice counts once
		}
		f.orderKeys[k] = true
		r.Orders = append(r.Orders, Order{OrderImported: p, Segment: -1, OnAir: -1})
	case typeReplySent, typeReplyFailed:
		var p otherP
		if ev.Decode(&p) != nil {
			return
		}
		if ev.Type == typeReplySent {
			f.replies(p.Platform).Sent++
		} else {
			f.replies(p.Platform).Failed++
		}
	case show.TypeAvatarUtterance:
		f.avatarLine(ev)
	case show.TypeConnectorViewers:
		f.setViewers(ev)
	case show.TypeConnectorState:
		var p show.ConnectorState
		if ev.Decode(&p) == nil && p.State == show.ConnectorStopped {
			f.dropViewers(p.Name, ev.At)
		}
	case show.TypeConnectorRemoved:
		var p show.ConnectorRemoved
		if ev.Decode(&p) == nil {
			f.dropViewers(p.Name, ev.At)
		}
	default:
		if strings.HasPrefix(ev.Type, prefixAvatar) {
			f.avatarLine(ev)
		}
	}
}

// avatarLine counts an avatar event: a spoken line (text, with audio unless it is the
// avatar.utterance of this log's vocabulary), an answer in voice (chat_seq), a sentence the gate
// replaced or skipped (a type ending so, or "replaced": true).
func (f *folder) avatarLine(ev *show.Event) {
	var p otherP
	if ev.Decode(&p) != nil {
		return
	}
	f.hasAvatar = true
	if p.Replaced || strings.HasSuffix(ev.Type, ".replaced") || strings.HasSuffix(ev.Type, ".skipped") {
		f.avatar.Replaced++
		return
	}
	if p.Text == "" || (p.Audio == "" && ev.Type != show.TypeAvatarUtterance) {
		return
	}
	f.avatar.Lines++
	if p.ChatSeq > 0 && !f.voiced[p.ChatSeq] {
		f.voiced[p.ChatSeq] = true
		f.avatar.AnsweredInVoice++
	}
}

func countAll(m map[string]int, cats, rules []string) {
	for _, c := range cats {
		m[c]++
	}
	if len(cats) == 0 {
		for _, r := range rules {
			m["rule:"+r]++
		}
	}
}

func byName(by string) string {
	if by == "" {
		return "unknown"
	}
	return by
}

// draft folds draft.created and draft.asked: the question joins its group (the draft's, so a
// repeat the approval queue counted is one question), and waits for the draft to be published.
//
// A catalog gap is marked by the draft itself: a draft that needs review and cites no catalog
// fact was written from nothing (the offline engine's 「確認してお答えします」 / "I'll check"
// templates: no product found, or no field of the product answers), so the catalog lacks what
// was asked. Drafts that need review for other reasons (a guessed product, a comparison, an
// instruction in the message) cite facts and are not gaps.
func (f *folder) draft(ev *show.Event) {
	var p draftP
	if ev.Decode(&p) != nil {
		return
	}
	q, ok := f.waiting[p.ChatSeq]
	if ok {
		delete(f.waiting, p.ChatSeq)
	} else {
		q = asked{seq: p.ChatSeq, at: ev.At, seg: f.cur, sku: p.SKU, intent: p.Intent}
	}
	if q.text == "" {
		q.text = p.Question
	}
	d := f.drafts[p.DraftID]
	if ev.Type == show.TypeDraftCreated {
		f.r.Totals.Drafts++
		if p.SKU != "" {
			q.sku = p.SKU
		}
		if p.Intent != "" {
			q.intent = p.Intent
		}
		d = &draftAcc{createdAt: ev.At, seg: q.seg}
		d.grp = f.group(q)
		if p.NeedsReview && len(p.Facts) == 0 {
			d.gap = f.gap(q, p.Text)
			d.grp.q.Gap = true
		}
		f.drafts[p.DraftID] = d
	} else if d == nil {
		f.unmatched(q)
		return
	} else {
		d.grp.q.Count++
		d.grp.variety[approval.Normalize(q.text)] = true
		d.grp.q.Phrasings = len(d.grp.variety)
		if d.gap != nil {
			f.gapAsked(d.gap, q.text)
		}
	}
	if s := f.seg(q.seg); s != nil {
		s.questions[d.grp]++
		if d.gap != nil {
			s.Gaps++
		}
	}
	if d.gap != nil {
		f.r.Totals.GapQuestions++
	}
	if d.published {
		// Asked again after the answer went out: the approval queue counted it on the answered
		// draft, so the published answer is its answer.
		f.answered(d, q, ev.At)
		return
	}
	d.pending = append(d.pending, q)
}

// group finds the question group of q by the approval queue's key idea: the folded text with
// only letters and digits kept, per product.
func (f *folder) group(q asked) *group {
	norm := approval.Normalize(q.text)
	k := q.sku + "\x1f" + norm
	g := f.groups[k]
	if g == nil {
		g = &group{q: Question{Text: q.text, SKU: q.sku, Intent: q.intent, FirstAt: q.at}, variety: map[string]bool{}, idx: len(f.groups)}
		f.groups[k] = g
	}
	g.q.Count++
	g.variety[norm] = true
	g.q.Phrasings = len(g.variety)
	return g
}

// unmatched counts a question that never got a draft (the answer agent failed or the queue
// refused it) in its group.
func (f *folder) unmatched(q asked) {
	g := f.group(q)
	if s := f.seg(q.seg); s != nil {
		s.questions[g]++
	}
}

func (f *folder) gap(q asked, draft string) *gapAcc {
	k := q.sku + "\x1f" + q.intent
	if q.intent == "" || q.intent == "other" || q.intent == "attribute" {
		k += "\x1f" + approval.Normalize(q.text)
	}
	g := f.gaps[k]
	if g == nil {
		g = &gapAcc{g: Gap{SKU: q.sku, Intent: q.intent, Examples: []string{}, Draft: draft}, phrases: map[string]bool{}}
		f.gaps[k] = g
	}
	f.gapAsked(g, q.text)
	return g
}

func (f *folder) gapAsked(g *gapAcc, text string) {
	g.g.Asked++
	n := approval.Normalize(text)
	if !g.phrases[n] && len(g.phrases) < 5 {
		g.phrases[n] = true
		g.g.Examples = append(g.g.Examples, text)
	}
}

func (f *folder) answered(d *draftAcc, q asked, at time.Time) {
	f.r.Totals.Answered++
	d.grp.q.Answered++
	if s := f.seg(q.seg); s != nil {
		s.Answered++
	}
	f.answer.add(at.Sub(q.at).Seconds())
	f.replies(q.platform).Published++
}

// finish closes the fold: open segments end at the last event, questions that never got a
// draft join their groups, orders are attributed, and everything is sorted for reading.
func (f *folder) finish() *Report {
	r := &f.r
	t := &r.Totals
	if f.cur >= 0 {
		f.closeSeg(f.lastAt)
	}
	for _, q := range f.waiting {
		f.unmatched(q)
	}
	t.Chatters = len(f.users)
	t.DistinctQuestions = len(f.groups)
	t.Unanswered = t.Questions - t.Answered
	t.AnswerSecsMedian, t.AnswerSecsP90 = f.answer.quantile(0.5), f.answer.quantile(0.9)

	start, end := r.Show.StartedAt, r.Show.EndedAt
	if start.IsZero() {
		start = r.Show.CreatedAt
	}
	if end.IsZero() || end.Before(f.lastAt) && r.Show.Status == show.StatusLive {
		end = f.lastAt
	}
	if end.After(start) {
		r.Show.Secs = end.Sub(start).Seconds()
	}

	// Minutes, dense between the first and last minute with activity; a pause of more than an
	// hour (a show restarted the next day) is left out rather than filled.
	keys := make([]int64, 0, len(f.minutes))
	for k := range f.minutes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	r.Minutes = make([]Minute, 0, len(keys))
	minuteIdx := map[int64]int{}
	for i, k := range keys {
		if i > 0 && k-keys[i-1] > 1 && k-keys[i-1] <= 60 {
			for g := keys[i-1] + 1; g < k; g++ {
				minuteIdx[g] = len(r.Minutes)
				r.Minutes = append(r.Minutes, Minute{At: time.Unix(g*60, 0).UTC()})
			}
		}
		minuteIdx[k] = len(r.Minutes)
		r.Minutes = append(r.Minutes, f.minutes[k].Minute)
	}
	f.aud.heldViewers(r.Minutes)
	// Minutes and segments are both in time order: one walk gives each minute the segment on
	// air at its end.
	j := -1
	for i := range r.Minutes {
		end := r.Minutes[i].At.Add(time.Minute)
		for j+1 < len(f.segs) && f.segs[j+1].From.Before(end) {
			j++
		}
		if j >= 0 && !f.segs[j].To.Before(end) {
			r.Minutes[i].OnAir = f.segs[j].SKU
		}
	}

	f.attribute(minuteIdx)

	r.Segments = make([]Segment, len(f.segs))
	for i, s := range f.segs {
		s.Secs = s.To.Sub(s.From).Seconds()
		type kv struct {
			g *group
			n int
		}
		var top []kv
		for g, n := range s.questions {
			top = append(top, kv{g, n})
		}
		sort.Slice(top, func(a, b int) bool {
			if top[a].n != top[b].n {
				return top[a].n > top[b].n
			}
			return top[a].g.idx < top[b].g.idx
		})
		for _, x := range top[:min(3, len(top))] {
			s.TopQuestions = append(s.TopQuestions, TopQuestion{Text: x.g.q.Text, Count: x.n})
		}
		s.ViewersAvg, s.ViewersPeak = s.viewerFigures()
		r.Segments[i] = s.Segment
	}
	if f.aud.seen {
		peak := f.aud.peak
		t.ViewersPeak, t.ViewersPeakAt = &peak, f.aud.peakAt
	}

	all := make([]*group, 0, len(f.groups))
	for _, g := range f.groups {
		all = append(all, g)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].q.Count != all[j].q.Count {
			return all[i].q.Count > all[j].q.Count
		}
		return all[i].idx < all[j].idx
	})
	r.allQuestions = make([]Question, len(all))
	for i, g := range all {
		r.allQuestions[i] = g.q
	}
	r.Questions = r.allQuestions[:min(len(all), f.opt.TopQuestions)]

	r.Gaps = make([]Gap, 0, len(f.gaps))
	for _, g := range f.gaps {
		r.Gaps = append(r.Gaps, g.g)
	}
	sort.Slice(r.Gaps, func(i, j int) bool {
		a, b := r.Gaps[i], r.Gaps[j]
		if a.SKU != b.SKU {
			return a.SKU < b.SKU
		}
		if a.Asked != b.Asked {
			return a.Asked > b.Asked
		}
		return a.Intent < b.Intent
	})

	r.Moderators = make([]Moderator, 0, len(f.mods))
	for _, m := range f.mods {
		m.m.DecideSecsMedian = m.secs.quantile(0.5)
		r.Moderators = append(r.Moderators, m.m)
	}
	sort.Slice(r.Moderators, func(i, j int) bool {
		if r.Moderators[i].Decisions != r.Moderators[j].Decisions {
			return r.Moderators[i].Decisions > r.Moderators[j].Decisions
		}
		return r.Moderators[i].By < r.Moderators[j].By
	})
	if f.hasAvatar || r.Show.Mode == show.ModeAvatar {
		a := f.avatar
		r.Avatar = &a
	}
	if r.Orders == nil {
		r.Orders = []Order{}
	}
	return r
}

// attribute gives each order line its segment: the latest segment that presented the SKU, if the
// order came while it was on air or within the window after; else the segment on air when the
// order was placed; else none. Orders (distinct order IDs) and revenue add up per segment and
// per minute.
func (f *folder) attribute(minuteIdx map[int64]int) {
	r := &f.r
	t := &r.Totals
	orders := map[string]bool{}
	attributed := map[string]bool{}
	minuteOrders := map[int]map[string]bool{}
	for i := range r.Orders {
		o := &r.Orders[i]
		at := o.OrderedAt
		rev := o.Price * float64(o.Quantity)
		orders[o.OrderID] = true
		t.Units += o.Quantity
		t.Revenue += rev
		if t.Currency == "" {
			t.Currency = o.Currency
		}
		for j := len(f.segs) - 1; j >= 0; j-- {
			s := f.segs[j]
			if !at.Before(s.From) && at.Before(s.To) || at.Equal(s.To) && j == len(f.segs)-1 {
				o.OnAir = j
				break
			}
		}
		for j := len(f.segs) - 1; j >= 0; j-- {
			s := f.segs[j]
			if s.SKU == o.SKU && !at.Before(s.From) && !at.After(s.To.Add(f.opt.Window)) {
				o.Segment, o.By = j, "presented"
				break
			}
		}
		if o.Segment < 0 && o.OnAir >= 0 {
			o.Segment, o.By = o.OnAir, "on_air"
		}
		if s := f.seg(o.Segment); s != nil {
			attributed[o.OrderID] = true
			if !s.orders[o.OrderID] {
				s.orders[o.OrderID] = true
				s.Orders++
			}
			s.Units += o.Quantity
			s.Revenue += rev
		}
		if s := f.seg(o.OnAir); s != nil {
			if !s.ordersAir[o.OrderID] {
				s.ordersAir[o.OrderID] = true
				s.OrdersOnAir++
			}
			s.RevenueOnAir += rev
		}
		if mi, ok := minuteIdx[at.Unix()/60]; ok {
			m := &r.Minutes[mi]
			if minuteOrders[mi] == nil {
				minuteOrders[mi] = map[string]bool{}
			}
			if !minuteOrders[mi][o.OrderID] {
				minuteOrders[mi][o.OrderID] = true
				m.Orders++
			}
			m.Revenue += rev
		}
	}
	t.Orders = len(orders)
	t.Unattributed = len(orders) - len(attributed)
	if t.Chatters > 0 {
		t.OrdersPerChatter = float64(t.Orders) / float64(t.Chatters)
	}
}
