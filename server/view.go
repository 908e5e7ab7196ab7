package server

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/livehost/livehost/show"
)

// view is a show's state folded from its log: what the pages load before they stream, and what the
// server checks moderator actions against. It is rebuilt from the log on start, so a restart keeps
// pending drafts, held messages and the product on air. web/static/model.js applies the same fold.
type view struct {
	Show    show.Show
	LastSeq int64
	OnAir   string
	OnAirAt time.Time

	chat      []*chatItem // newest last, at most maxChat
	chatIdx   map[int64]*chatItem
	held      map[int64]*heldItem
	drafts    map[string]*draftItem
	openKey   map[string]string // dedupe key of a pending question → its draft
	compl     []complianceItem
	trans     []transcriptItem
	xsell     []crossSellItem
	lastXSell map[string]time.Time // SKU → when cross-sell was last suggested for it
	counters  counters
}

const (
	maxChat   = 200
	maxRecent = 20
	maxDone   = 50 // decided drafts kept for the pages; pending ones are all kept
)

type chatItem struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Platform string    `json:"platform,omitempty"`
	User     string    `json:"user"`
	Text     string    `json:"text"`
	Verdict  *Verdict  `json:"verdict"`
	Decision string    `json:"decision,omitempty"` // allowed | denied (by a moderator)
}

type heldItem struct {
	ChatSeq int64     `json:"chat_seq"`
	User    string    `json:"user"`
	Text    string    `json:"text"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
}

type draftItem struct {
	show.DraftCreated
	Status      string    `json:"status"` // pending | approved | published | rejected | expired
	Count       int       `json:"count"`
	CreatedAt   time.Time `json:"created_at"`
	ClaimedBy   string    `json:"claimed_by,omitempty"`
	ClaimedAt   time.Time `json:"claimed_at,omitzero"`
	DecidedBy   string    `json:"decided_by,omitempty"`
	Edited      bool      `json:"edited,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	NeedsReview bool      `json:"needs_review,omitempty"`
	key         string
}

type complianceItem struct {
	TranscriptSeq int64        `json:"transcript_seq"`
	Text          string       `json:"text"`
	Matches       []show.Match `json:"matches"`
	At            time.Time    `json:"at"`
}

type transcriptItem struct {
	Seq   int64     `json:"seq"`
	Text  string    `json:"text"`
	Final bool      `json:"final"`
	At    time.Time `json:"at"`
}

type crossSellItem struct {
	SKU         string    `json:"sku"`
	Suggestions []string  `json:"suggestions"`
	Text        string    `json:"text,omitempty"`
	ChatSeq     int64     `json:"chat_seq,omitempty"`
	At          time.Time `json:"at"`
}

type counters struct {
	Chat       int `json:"chat"`
	Allow      int `json:"allow"`
	Hold       int `json:"hold"`
	Block      int `json:"block"`
	Questions  int `json:"questions"`
	Drafts     int `json:"drafts"`
	Approved   int `json:"approved"`
	Rejected   int `json:"rejected"`
	Published  int `json:"published"`
	Compliance int `json:"compliance"`
}

// draftExtra are the fields draft.created carries beyond show.DraftCreated.
type draftExtra struct {
	NeedsReview bool   `json:"needs_review,omitempty"`
	Key         string `json:"key,omitempty"`
}

func newView(sh show.Show) *view {
	return &view{
		Show:      sh,
		chatIdx:   map[int64]*chatItem{},
		held:      map[int64]*heldItem{},
		drafts:    map[string]*draftItem{},
		openKey:   map[string]string{},
		lastXSell: map[string]time.Time{},
	}
}

// apply folds one event in. Events of unknown types are skipped: other producers may add types.
func (v *view) apply(ev show.Event) {
	if ev.Seq <= v.LastSeq {
		return
	}
	v.LastSeq = ev.Seq
	v.Show.LastSeq = ev.Seq
	switch ev.Type {
	case show.TypeShowCreated, show.TypeShowUpdated:
		var p show.ShowUpdated
		if ev.Decode(&p) == nil {
			v.Show.Title, v.Show.Lineup = p.Title, p.Lineup
			if p.Mode != "" {
				v.Show.Mode = p.Mode
			}
			if p.Status != "" {
				v.Show.Status = p.Status
			}
		}
	case show.TypeShowStarted:
		v.Show.Status = show.StatusLive
	case show.TypeShowStopped:
		v.Show.Status = show.StatusStopped
	case show.TypeProductOnAir:
		var p show.ProductOnAir
		if ev.Decode(&p) == nil {
			v.OnAir, v.OnAirAt = p.SKU, ev.At
		}
	case show.TypeChatReceived:
		var p show.ChatReceived
		if ev.Decode(&p) == nil {
			c := &chatItem{Seq: ev.Seq, At: ev.At, Platform: p.Platform, User: p.User, Text: p.Text}
			v.chat = append(v.chat, c)
			v.chatIdx[c.Seq] = c
			if len(v.chat) > maxChat {
				delete(v.chatIdx, v.chat[0].Seq)
				v.chat = v.chat[1:]
			}
			v.counters.Chat++
		}
	case show.TypeChatVerdict:
		var p show.ChatVerdict
		if ev.Decode(&p) == nil {
			if c := v.chatIdx[p.ChatSeq]; c != nil {
				c.Verdict = &Verdict{Action: p.Action, Categories: p.Categories, Matches: p.Matches, Rules: p.Rules, Reason: p.Reason}
			}
			switch p.Action {
			case show.ActionAllow:
				v.counters.Allow++
			case show.ActionHold:
				v.counters.Hold++
			case show.ActionBlock:
				v.counters.Block++
			}
		}
	case show.TypeChatHeld:
		var p show.ChatHeld
		if ev.Decode(&p) == nil {
			v.held[p.ChatSeq] = &heldItem{ChatSeq: p.ChatSeq, User: p.User, Text: p.Text, Reason: p.Reason, At: ev.At}
		}
	case show.TypeChatAllowed, show.TypeChatDenied:
		var p show.ChatDecision
		if ev.Decode(&p) == nil {
			delete(v.held, p.ChatSeq)
			if c := v.chatIdx[p.ChatSeq]; c != nil {
				c.Decision = "denied"
				if ev.Type == show.TypeChatAllowed {
					c.Decision = "allowed"
				}
			}
		}
	case show.TypeQuestionDetected:
		v.counters.Questions++
	case show.TypeDraftCreated:
		var p show.DraftCreated
		var x draftExtra
		if ev.Decode(&p) != nil || ev.Decode(&x) != nil {
			return
		}
		if d := v.drafts[p.DraftID]; d != nil {
			d.Count++ // the same question again: one draft with a count
			return
		}
		d := &draftItem{DraftCreated: p, Status: "pending", Count: 1, CreatedAt: ev.At, NeedsReview: x.NeedsReview, key: x.Key}
		v.drafts[p.DraftID] = d
		if x.Key != "" {
			v.openKey[x.Key] = p.DraftID
		}
		v.counters.Drafts++
	case show.TypeDraftClaimed, show.TypeDraftApproved, show.TypeDraftEdited, show.TypeDraftRejected, show.TypeDraftExpired:
		var p show.DraftAction
		if ev.Decode(&p) != nil {
			return
		}
		d := v.drafts[p.DraftID]
		if d == nil {
			return
		}
		switch ev.Type {
		case show.TypeDraftClaimed:
			d.ClaimedBy, d.ClaimedAt = p.By, ev.At
		case show.TypeDraftApproved, show.TypeDraftEdited:
			d.Status, d.DecidedBy = "approved", p.By
			d.Edited = ev.Type == show.TypeDraftEdited
			if p.Text != "" {
				d.Text = p.Text
			}
			v.counters.Approved++
		case show.TypeDraftRejected:
			d.Status, d.DecidedBy = "rejected", p.By
			v.counters.Rejected++
		case show.TypeDraftExpired:
			d.Status = "expired"
		}
		if d.Status != "pending" {
			v.closeDraft(d)
		}
	case show.TypeDraftPublished:
		var p show.DraftPublished
		if ev.Decode(&p) == nil {
			if d := v.drafts[p.DraftID]; d != nil {
				d.Status, d.PublishedAt = "published", ev.At
				if p.Text != "" {
					d.Text = p.Text
				}
				v.closeDraft(d)
			}
			v.counters.Published++
		}
	case show.TypeCrossSellSuggested:
		var p show.CrossSellSuggested
		if ev.Decode(&p) == nil {
			v.xsell = appendRecent(v.xsell, crossSellItem{SKU: p.SKU, Suggestions: p.Suggestions, Text: p.Text, ChatSeq: p.ChatSeq, At: ev.At})
			v.lastXSell[p.SKU] = ev.At
		}
	case show.TypeTranscriptSegment:
		var p show.TranscriptSegment
		if ev.Decode(&p) == nil {
			v.trans = appendRecent(v.trans, transcriptItem{Seq: ev.Seq, Text: p.Text, Final: p.Final, At: ev.At})
		}
	case show.TypeHostCompliance:
		var p show.HostCompliance
		if ev.Decode(&p) == nil {
			v.compl = appendRecent(v.compl, complianceItem{TranscriptSeq: p.TranscriptSeq, Text: p.Text, Matches: p.Matches, At: ev.At})
			v.counters.Compliance++
		}
	}
}

// closeDraft frees the draft's dedupe key and forgets the oldest decided drafts.
func (v *view) closeDraft(d *draftItem) {
	if d.key != "" && v.openKey[d.key] == d.DraftID {
		delete(v.openKey, d.key)
	}
	var done []*draftItem
	for _, x := range v.drafts {
		if x.Status != "pending" && x.Status != "approved" {
			done = append(done, x)
		}
	}
	if len(done) <= maxDone {
		return
	}
	sort.Slice(done, func(i, j int) bool { return done[i].CreatedAt.Before(done[j].CreatedAt) })
	for _, x := range done[:len(done)-maxDone] {
		delete(v.drafts, x.DraftID)
	}
}

func appendRecent[T any](s []T, x T) []T {
	s = append(s, x)
	if len(s) > maxRecent {
		s = s[len(s)-maxRecent:]
	}
	return s
}

func (v *view) pendingDrafts() int {
	n := 0
	for _, d := range v.drafts {
		if d.Status == "pending" {
			n++
		}
	}
	return n
}

// draftList returns the drafts with the given status ("" for all), oldest first.
func (v *view) draftList(status string) []draftItem {
	out := []draftItem{}
	for _, d := range v.drafts {
		if status == "" || d.Status == status {
			out = append(out, *d)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].DraftID < out[j].DraftID
	})
	return out
}

// snapshot is GET /api/shows/{id}/state: everything a page shows, as of LastSeq.
type snapshot struct {
	Show       show.Show                  `json:"show"`
	LastSeq    int64                      `json:"last_seq"`
	OnAir      string                     `json:"on_air"`
	OnAirAt    time.Time                  `json:"on_air_at,omitzero"`
	Products   map[string]json.RawMessage `json:"products"`
	Chat       []chatItem                 `json:"chat"`
	Held       []heldItem                 `json:"held"`
	Drafts     []draftItem                `json:"drafts"`
	Compliance []complianceItem           `json:"compliance"`
	Transcript []transcriptItem           `json:"transcript"`
	CrossSell  []crossSellItem            `json:"cross_sell"`
	Counters   counters                   `json:"counters"`
}

func (v *view) snapshot() snapshot {
	s := snapshot{
		Show: v.Show, LastSeq: v.LastSeq, OnAir: v.OnAir, OnAirAt: v.OnAirAt, Counters: v.counters,
		Chat: make([]chatItem, 0, len(v.chat)), Held: []heldItem{}, Drafts: v.draftList(""),
		Compliance: append([]complianceItem{}, v.compl...), Transcript: append([]transcriptItem{}, v.trans...),
		CrossSell: append([]crossSellItem{}, v.xsell...),
	}
	s.Show.Lineup = append([]string{}, v.Show.Lineup...)
	for _, c := range v.chat {
		s.Chat = append(s.Chat, *c)
	}
	for _, h := range v.held {
		s.Held = append(s.Held, *h)
	}
	sort.Slice(s.Held, func(i, j int) bool { return s.Held[i].ChatSeq < s.Held[j].ChatSeq })
	return s
}

// expiredDrafts lists pending drafts older than ttl that no one holds a live claim on.
func (v *view) expiredDrafts(now time.Time, ttl time.Duration) []string {
	var out []string
	for id, d := range v.drafts {
		if d.Status != "pending" || now.Sub(d.CreatedAt) < ttl {
			continue
		}
		if d.ClaimedBy != "" && now.Sub(d.ClaimedAt) < claimTimeout {
			continue
		}
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
