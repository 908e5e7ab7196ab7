package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/show"
)

// draftBook is a show's drafts: the approval queue (the state machine: claims, decisions, expiry,
// repeats counted on one draft, the auto-approve policy) and which approved drafts went out.
//
// Every queue change is logged as an event carrying the change ("change"), so that a restart
// replays the queue exactly. Live, the queue is changed by its methods inside an append's build
// and the event that follows is only folded for the rest of the State; on replay (rebuilding the
// State from the log) the events' changes are applied to a fresh queue.
type draftBook struct {
	show      string
	q         *approval.Queue
	replaying bool
	published map[string]time.Time
	nPending  int // kept from the changes: counting the queue's list costs O(drafts)
}

func newDraftBook(showID string, cfg approval.Config) *draftBook {
	return &draftBook{show: showID, q: approval.New(cfg), published: map[string]time.Time{}}
}

// draftChange is the part of every draft event this book reads.
type draftChange struct {
	DraftID string           `json:"draft_id"`
	Change  *approval.Change `json:"change"`
}

func (b *draftBook) apply(ev show.Event, c *Counters) {
	var p draftChange
	if ev.Decode(&p) != nil {
		return
	}
	if ev.Type == show.TypeDraftPublished {
		b.published[p.DraftID] = ev.At
		c.Published++
		return
	}
	if p.Change == nil {
		return
	}
	if b.replaying {
		// A change that does not apply (an older log's shape) is skipped: the rest still replays.
		_ = b.q.Apply(*p.Change)
	}
	switch p.Change.Kind {
	case approval.KindCreated:
		c.Drafts++
		b.nPending++
	case approval.KindApproved, approval.KindEdited:
		c.Approved++
		b.nPending--
	case approval.KindRejected:
		c.Rejected++
		b.nPending--
	case approval.KindExpired:
		b.nPending--
	}
}

// changeEvents turns queue changes into the show's events; an approval is also published.
func changeEvents(changes []approval.Change) []show.NewEvent {
	var evs []show.NewEvent
	for _, ch := range changes {
		raw, err := json.Marshal(ch)
		if err != nil {
			panic(fmt.Sprintf("encode approval change: %v", err)) // plain data: cannot fail
		}
		switch ch.Kind {
		case approval.KindCreated:
			p := ch.Proposal
			facts := make([]show.Fact, len(p.Facts))
			for i, f := range p.Facts {
				facts[i] = show.Fact{Field: f.Field, Value: f.Value}
			}
			evs = append(evs, event(show.TypeDraftCreated, show.DraftCreated{DraftID: ch.Draft, ChatSeq: p.Question.Seq,
				Question: p.Question.Text, User: p.Question.User, Text: p.Text, SKU: p.SKU, Intent: p.Intent, Facts: facts,
				Confidence: p.Confidence, Engine: p.Engine, NeedsReview: p.NeedsReview, Fallback: p.Fallback, Change: raw}))
		case approval.KindAsked:
			evs = append(evs, event(show.TypeDraftAsked, show.DraftAsked{DraftID: ch.Draft, ChatSeq: ch.Question.Seq,
				User: ch.Question.User, Question: ch.Question.Text, Change: raw}))
		case approval.KindClaimed, approval.KindReleased, approval.KindRejected, approval.KindExpired,
			approval.KindApproved, approval.KindEdited:
			evs = append(evs, event(draftTypes[ch.Kind], show.DraftAction{DraftID: ch.Draft, By: ch.By, Text: ch.Text,
				Reason: ch.Reason, Until: ch.Until, Change: raw}))
			if ch.Kind == approval.KindApproved || ch.Kind == approval.KindEdited {
				evs = append(evs, event(show.TypeDraftPublished, show.DraftPublished{DraftID: ch.Draft, Text: ch.Text, By: ch.By, To: []string{"chat", "host"}}))
			}
		}
	}
	return evs
}

var draftTypes = map[approval.Kind]string{
	approval.KindClaimed: show.TypeDraftClaimed, approval.KindReleased: show.TypeDraftReleased,
	approval.KindRejected: show.TypeDraftRejected, approval.KindExpired: show.TypeDraftExpired,
	approval.KindApproved: show.TypeDraftApproved, approval.KindEdited: show.TypeDraftEdited,
}

// queueError gives the queue's refusals their kind.
func queueError(err error) error {
	switch {
	case errors.Is(err, approval.ErrNotFound):
		return &Error{Kind: ErrNotFound, Msg: err.Error()}
	case errors.Is(err, approval.ErrClaimed), errors.Is(err, approval.ErrFinal), errors.Is(err, approval.ErrNotClaimed):
		return &Error{Kind: ErrConflict, Msg: err.Error()}
	case errors.Is(err, approval.ErrInvalid):
		return &Error{Kind: ErrInvalid, Msg: err.Error()}
	}
	return err
}

// DraftItem is a draft as the pages and GET /drafts show it.
type DraftItem struct {
	show.DraftCreated
	Status      string    `json:"status"` // pending | approved | published | rejected | expired
	Count       int       `json:"count"`
	CreatedAt   time.Time `json:"created_at"`
	ClaimedBy   string    `json:"claimed_by,omitempty"`
	ClaimedTill time.Time `json:"claimed_until,omitzero"`
	DecidedBy   string    `json:"decided_by,omitempty"`
	Edited      bool      `json:"edited,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
}

func (b *draftBook) item(d approval.Draft) DraftItem {
	it := DraftItem{
		DraftCreated: show.DraftCreated{DraftID: d.ID, Text: d.Text, SKU: d.SKU, Intent: d.Intent, Confidence: d.Confidence, Engine: d.Engine,
			NeedsReview: d.NeedsReview, Fallback: d.Fallback},
		Status: string(d.Status), Count: d.Count, CreatedAt: d.CreatedAt, DecidedBy: d.DecidedBy,
	}
	if len(d.Questions) > 0 {
		it.ChatSeq, it.Question, it.User = d.Questions[0].Seq, d.Questions[0].Text, d.Questions[0].User
	}
	for _, f := range d.Facts {
		it.Facts = append(it.Facts, show.Fact{Field: f.Field, Value: f.Value})
	}
	if d.Claim != nil {
		it.ClaimedBy, it.ClaimedTill = d.Claim.By, d.Claim.Until
	}
	switch d.Status {
	case approval.StatusApproved, approval.StatusEdited:
		it.Status, it.Edited = "approved", d.Status == approval.StatusEdited
		if d.FinalText != "" {
			it.Text = d.FinalText
		}
		if at, ok := b.published[d.ID]; ok {
			it.Status, it.PublishedAt = "published", at
		}
	}
	return it
}

func (b *draftBook) get(id string) (DraftItem, bool) {
	d, ok := b.q.Get(id)
	if !ok {
		return DraftItem{}, false
	}
	return b.item(d), true
}

// list returns drafts with the page status ("" for all), oldest first.
func (b *draftBook) list(status string) []DraftItem {
	out := []DraftItem{}
	for _, d := range b.q.List(b.show) {
		it := b.item(d)
		if status == "" || it.Status == status {
			out = append(out, it)
		}
	}
	return out
}

// forPages is what a page loads: every pending draft and the latest decided ones.
func (b *draftBook) forPages() []DraftItem {
	all := b.list("")
	var pending, done []DraftItem
	for _, it := range all {
		if it.Status == "pending" {
			pending = append(pending, it)
		} else {
			done = append(done, it)
		}
	}
	if len(done) > maxDone {
		done = done[len(done)-maxDone:]
	}
	out := append(pending, done...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	if out == nil {
		out = []DraftItem{}
	}
	return out
}

func (b *draftBook) pending() int { return b.nPending }

// forget drops all but the newest keep decided drafts from memory; they stay in the log.
func (b *draftBook) forget(keep int) []string {
	gone := b.q.Forget(keep)
	for _, id := range gone {
		delete(b.published, id)
	}
	return gone
}
