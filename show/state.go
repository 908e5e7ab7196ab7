package show

import (
	"context"
	"fmt"
	"time"
)

// State is the summary of a show that pages need, folded from its events: what is on air, the
// held messages waiting for a moderator, the drafts under review, counters, the latest transcript
// and compliance flags. Apply the events in order; Store.State rebuilds it from the log.
type State struct {
	Show    string   `json:"show"`
	Title   string   `json:"title"`
	Mode    string   `json:"mode"`
	Status  string   `json:"status"`
	Lineup  []string `json:"lineup"`
	OnAir   string   `json:"on_air"` // SKU, "" when nothing is on air
	LastSeq int64    `json:"last_seq"`

	Held     []HeldMessage `json:"held"`     // waiting for allow/deny, oldest first
	Drafts   []DraftState  `json:"drafts"`   // pending or claimed, oldest first
	Answered []DraftState  `json:"answered"` // recently approved, edited or published, newest last
	Counters Counters      `json:"counters"`

	Transcript []TranscriptLine     `json:"transcript"` // recent final segments, newest last
	Interim    string               `json:"interim"`    // the latest non-final segment's text
	Compliance []ComplianceFlag     `json:"compliance"` // recent host compliance flags, newest last
	CrossSell  []CrossSellSuggested `json:"cross_sell"` // recent suggestions, newest last
	// ScriptLine is the host's line in the script (script.position), -1 when there is no script
	// or the host has not reached it yet.
	ScriptLine int `json:"script_line"`

	draftStatus map[string]string      // every draft's status, for the counts
	chats       map[int64]ChatReceived // recent chat messages by seq, to fill held messages
	chatOrder   []int64                // FIFO of chats' keys
}

// How much recent history State keeps.
const (
	stateRecentChats = 2000
	stateRecent      = 20
)

// HeldMessage is a chat message waiting for a moderator.
type HeldMessage struct {
	ChatSeq  int64     `json:"chat_seq"`
	Platform string    `json:"platform,omitempty"`
	User     string    `json:"user"`
	Text     string    `json:"text"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
}

// Draft statuses.
const (
	DraftStatusPending   = "pending"
	DraftStatusClaimed   = "claimed"
	DraftStatusApproved  = "approved"
	DraftStatusEdited    = "edited"
	DraftStatusRejected  = "rejected"
	DraftStatusExpired   = "expired"
	DraftStatusPublished = "published"
)

// DraftState is a draft's current status and text.
type DraftState struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	ChatSeq   int64     `json:"chat_seq,omitempty"`
	Question  string    `json:"question,omitempty"`
	User      string    `json:"user,omitempty"`
	SKU       string    `json:"sku,omitempty"`
	Text      string    `json:"text"`
	ClaimedBy string    `json:"claimed_by,omitempty"`
	By        string    `json:"by,omitempty"` // who approved, edited, rejected
	Seq       int64     `json:"seq"`          // the draft.created event
	UpdatedAt time.Time `json:"updated_at"`
}

// Counters count what happened in the show.
type Counters struct {
	Chat        int            `json:"chat"`
	Allowed     int            `json:"allowed"` // verdict allow
	Held        int            `json:"held"`    // messages held for review
	Blocked     int            `json:"blocked"` // verdict block
	ModAllowed  int            `json:"mod_allowed"`
	ModDenied   int            `json:"mod_denied"`
	Questions   int            `json:"questions"`
	Drafts      map[string]int `json:"drafts"` // drafts by current status
	Transcript  int            `json:"transcript"`
	Compliance  int            `json:"compliance"`
	CrossSell   int            `json:"cross_sell"`
	Mentions    int            `json:"mentions"`
	Utterances  int            `json:"utterances"`
	Dropped     int            `json:"dropped"` // host speech never transcribed (transcript.dropped)
	OnAirSwitch int            `json:"on_air_switches"`
}

// TranscriptLine is a final transcript segment.
type TranscriptLine struct {
	Seq  int64     `json:"seq"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// ComplianceFlag is a host compliance event.
type ComplianceFlag struct {
	Seq           int64     `json:"seq"`
	TranscriptSeq int64     `json:"transcript_seq"`
	Text          string    `json:"text,omitempty"`
	Matches       []Match   `json:"matches"`
	At            time.Time `json:"at"`
}

// NewState returns the empty state of a show.
func NewState(showID string) *State {
	return &State{
		Show:        showID,
		Lineup:      []string{},
		Held:        []HeldMessage{},
		Drafts:      []DraftState{},
		Answered:    []DraftState{},
		Transcript:  []TranscriptLine{},
		ScriptLine:  -1,
		Compliance:  []ComplianceFlag{},
		CrossSell:   []CrossSellSuggested{},
		Counters:    Counters{Drafts: map[string]int{}},
		draftStatus: map[string]string{},
		chats:       map[int64]ChatReceived{},
	}
}

// Apply folds one event into the state. Events at or below LastSeq (already applied) and
// stream.resync markers are ignored, so replaying an overlap is harmless. A payload that does not
// decode leaves the state as it was (except LastSeq) and returns the error.
func (st *State) Apply(ev Event) error {
	if ev.Seq <= st.LastSeq || ev.Type == TypeStreamResync {
		return nil
	}
	st.LastSeq = ev.Seq
	switch ev.Type {
	case TypeShowCreated, TypeShowUpdated:
		var p ShowUpdated
		if err := ev.Decode(&p); err != nil {
			return err
		}
		st.Title, st.Mode = p.Title, p.Mode
		st.Lineup = append([]string{}, p.Lineup...)
		if p.Status != "" {
			st.Status = p.Status
		} else if ev.Type == TypeShowCreated {
			st.Status = StatusCreated
		}
	case TypeShowStarted:
		st.Status = StatusLive
	case TypeShowStopped:
		st.Status = StatusStopped
	case TypeProductOnAir:
		var p ProductOnAir
		if err := ev.Decode(&p); err != nil {
			return err
		}
		st.OnAir = p.SKU
		st.Counters.OnAirSwitch++
	case TypeChatReceived:
		var p ChatReceived
		if err := ev.Decode(&p); err != nil {
			return err
		}
		st.Counters.Chat++
		st.chats[ev.Seq] = p
		st.chatOrder = append(st.chatOrder, ev.Seq)
		if len(st.chatOrder) > stateRecentChats {
			delete(st.chats, st.chatOrder[0])
			st.chatOrder = append(st.chatOrder[:0:0], st.chatOrder[1:]...)
		}
	case TypeChatVerdict:
		var p ChatVerdict
		if err := ev.Decode(&p); err != nil {
			return err
		}
		switch p.Action {
		case ActionAllow:
			st.Counters.Allowed++
		case ActionBlock:
			st.Counters.Blocked++
		}
	case TypeChatHeld:
		var p ChatHeld
		if err := ev.Decode(&p); err != nil {
			return err
		}
		for _, h := range st.Held {
			if h.ChatSeq == p.ChatSeq {
				return nil
			}
		}
		h := HeldMessage{ChatSeq: p.ChatSeq, User: p.User, Text: p.Text, Reason: p.Reason, At: ev.At}
		if c, ok := st.chats[p.ChatSeq]; ok {
			h.Platform = c.Platform
			if h.User == "" {
				h.User = c.User
			}
			if h.Text == "" {
				h.Text = c.Text
			}
		}
		st.Counters.Held++
		st.Held = append(st.Held, h)
	case TypeChatAllowed, TypeChatDenied:
		var p ChatDecision
		if err := ev.Decode(&p); err != nil {
			return err
		}
		for i, h := range st.Held {
			if h.ChatSeq == p.ChatSeq {
				st.Held = append(st.Held[:i:i], st.Held[i+1:]...)
				if ev.Type == TypeChatAllowed {
					st.Counters.ModAllowed++
				} else {
					st.Counters.ModDenied++
				}
				break
			}
		}
	case TypeQuestionDetected:
		st.Counters.Questions++
	case TypeDraftCreated:
		var p DraftCreated
		if err := ev.Decode(&p); err != nil {
			return err
		}
		if _, dup := st.draftStatus[p.DraftID]; dup {
			return fmt.Errorf("show %s event %d: draft %s created twice", ev.Show, ev.Seq, p.DraftID)
		}
		st.setDraftStatus(p.DraftID, DraftStatusPending)
		st.Drafts = append(st.Drafts, DraftState{ID: p.DraftID, Status: DraftStatusPending, ChatSeq: p.ChatSeq,
			Question: p.Question, User: p.User, SKU: p.SKU, Text: p.Text, Seq: ev.Seq, UpdatedAt: ev.At})
	case TypeDraftClaimed, TypeDraftApproved, TypeDraftEdited, TypeDraftRejected, TypeDraftExpired:
		var p DraftAction
		if err := ev.Decode(&p); err != nil {
			return err
		}
		st.draftAction(ev, p.DraftID, p.By, p.Text)
	case TypeDraftPublished:
		var p DraftPublished
		if err := ev.Decode(&p); err != nil {
			return err
		}
		st.draftAction(ev, p.DraftID, p.By, p.Text)
	case TypeCrossSellSuggested:
		var p CrossSellSuggested
		if err := ev.Decode(&p); err != nil {
			return err
		}
		st.Counters.CrossSell++
		st.CrossSell = appendRecent(st.CrossSell, p)
	case TypeTranscriptSegment:
		var p TranscriptSegment
		if err := ev.Decode(&p); err != nil {
			return err
		}
		if p.Final {
			st.Counters.Transcript++
			st.Interim = ""
			st.Transcript = appendRecent(st.Transcript, TranscriptLine{Seq: ev.Seq, Text: p.Text, At: ev.At})
		} else {
			st.Interim = p.Text
		}
	case TypeHostCompliance:
		var p HostCompliance
		if err := ev.Decode(&p); err != nil {
			return err
		}
		st.Counters.Compliance++
		st.Compliance = appendRecent(st.Compliance, ComplianceFlag{Seq: ev.Seq, TranscriptSeq: p.TranscriptSeq, Text: p.Text, Matches: p.Matches, At: ev.At})
	case TypeProductMentioned:
		st.Counters.Mentions++
	case TypeAvatarUtterance:
		st.Counters.Utterances++
	case TypeTranscriptDropped:
		st.Counters.Dropped++
	case TypeScriptSet:
		st.ScriptLine = -1
	case TypeScriptPosition:
		var p ScriptPosition
		if err := ev.Decode(&p); err != nil {
			return err
		}
		st.ScriptLine = p.Line
	}
	return nil
}

func (st *State) setDraftStatus(id, status string) {
	if old, ok := st.draftStatus[id]; ok {
		st.Counters.Drafts[old]--
		if st.Counters.Drafts[old] == 0 {
			delete(st.Counters.Drafts, old)
		}
	}
	st.draftStatus[id] = status
	st.Counters.Drafts[status]++
}

var draftStatusOf = map[string]string{
	TypeDraftClaimed:   DraftStatusClaimed,
	TypeDraftApproved:  DraftStatusApproved,
	TypeDraftEdited:    DraftStatusEdited,
	TypeDraftRejected:  DraftStatusRejected,
	TypeDraftExpired:   DraftStatusExpired,
	TypeDraftPublished: DraftStatusPublished,
}

// draftAction moves a draft to the status of ev's type: claimed drafts stay in Drafts; approved,
// edited and published ones move to Answered; rejected and expired ones leave the lists.
func (st *State) draftAction(ev Event, id, by, text string) {
	if _, ok := st.draftStatus[id]; !ok {
		return // an action on a draft this show never created: nothing to update
	}
	status := draftStatusOf[ev.Type]
	st.setDraftStatus(id, status)
	var d DraftState
	found := false
	for i := range st.Drafts {
		if st.Drafts[i].ID == id {
			d, found = st.Drafts[i], true
			st.Drafts = append(st.Drafts[:i:i], st.Drafts[i+1:]...)
			break
		}
	}
	if !found {
		for i := range st.Answered {
			if st.Answered[i].ID == id {
				d, found = st.Answered[i], true
				st.Answered = append(st.Answered[:i:i], st.Answered[i+1:]...)
				break
			}
		}
	}
	if !found {
		d = DraftState{ID: id} // aged out of the recent lists; keep what the event says
	}
	d.Status, d.UpdatedAt = status, ev.At
	if text != "" {
		d.Text = text
	}
	switch status {
	case DraftStatusClaimed:
		d.ClaimedBy = by
		st.Drafts = append(st.Drafts, d)
		sortDrafts(st.Drafts)
	case DraftStatusApproved, DraftStatusEdited, DraftStatusPublished:
		if by != "" {
			d.By = by
		}
		st.Answered = appendRecent(st.Answered, d)
	default:
		d.By = by
	}
}

// sortDrafts keeps Drafts in creation order after a claimed draft is put back.
func sortDrafts(ds []DraftState) {
	for i := len(ds) - 1; i > 0 && ds[i].Seq < ds[i-1].Seq; i-- {
		ds[i], ds[i-1] = ds[i-1], ds[i]
	}
}

func appendRecent[T any](s []T, v T) []T {
	s = append(s, v)
	if len(s) > stateRecent {
		s = append(s[:0:0], s[len(s)-stateRecent:]...)
	}
	return s
}

// DraftStatus is a draft's current status ("" if the show has no such draft).
func (st *State) DraftStatus(id string) string { return st.draftStatus[id] }

// State rebuilds a show's state by replaying its whole log.
func (s *Store) State(ctx context.Context, showID string) (*State, error) {
	if _, err := s.GetShow(ctx, showID); err != nil {
		return nil, fmt.Errorf("show state: %w", err)
	}
	st := NewState(showID)
	var after int64
	for {
		evs, err := s.Read(ctx, showID, after, ReadLimit)
		if err != nil {
			return nil, fmt.Errorf("show state: %w", err)
		}
		for _, ev := range evs {
			// A payload that does not decode is skipped; the rest of the log still counts.
			_ = st.Apply(ev)
			after = ev.Seq
		}
		if len(evs) < ReadLimit {
			return st, nil
		}
	}
}
