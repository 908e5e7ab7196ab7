package live

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/hostscript"
	"github.com/livehost/livehost/show"
)

// State is a show's state folded from its log: the one fold of show state. The runtime checks
// requests against it (a draft approved twice, a held message decided twice), pages load its
// Snapshot before they stream, and it is rebuilt from the log on start, so a restart keeps pending
// drafts, held messages and the product on air. web/static/model.js folds the stream's events
// into a snapshot the same way; TestModelFoldMatchesGo feeds one sequence to both.
type State struct {
	Show    show.Show
	LastSeq int64
	OnAir   string
	OnAirAt time.Time
	// StoppedAt is when the show last stopped; zero while it has not, or runs again.
	StoppedAt time.Time

	chat      []*ChatItem // newest last, at most maxChat
	chatIdx   map[int64]*ChatItem
	held      map[int64]*HeldItem
	heldOrder []int64    // held seqs, oldest first; decided ones are skipped and compacted away
	drafts    *draftBook // the approval queue and what was published
	compl     []ComplianceItem
	trans     []TranscriptItem
	xsell     []CrossSellItem
	mentions  []MentionItem
	lastXSell map[string]time.Time // SKU → when cross-sell was last suggested for it
	counters  Counters
	dropped   []DroppedItem

	// The host script and the place in it (script.set, script.position). follower is built from
	// script on first use and put back at scriptPos before each segment, so a failed append that
	// rolls the State back leaves it right.
	script    string
	scriptPos ScriptItem
	follower  *hostscript.Follower

	// orders holds the imported order lines (order ID and SKU), so an import adds each once.
	orders map[string]bool
	// Platform connectors: the (platform, id) of recent chat for deduplication, the connectors'
	// configuration and health, and reply deliveries.
	seen       *idWindow
	connectors connectorBook
	// answered is the chat seqs the answer agent has taken (question.detected), so that a
	// question is answered once even when a new owner of the show picks up its queue.
	answered *seqWindow
}

const (
	// maxSnapshotHeld bounds the held messages a snapshot carries: a raid can hold tens of
	// thousands, and a page loads the rest in pages as the moderator scrolls.
	maxSnapshotHeld = 500
	maxChat         = 200
	maxRecent       = 20
	maxDone         = 50 // decided drafts kept for the pages; pending ones are all kept
)

// ChatItem is a chat message with its verdict and a moderator's decision.
type ChatItem struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Platform string    `json:"platform,omitempty"`
	User     string    `json:"user"`
	Text     string    `json:"text"`
	Verdict  *Verdict  `json:"verdict"`
	Decision string    `json:"decision,omitempty"` // allowed | denied (by a moderator)
}

// HeldItem is a chat message waiting for a moderator.
type HeldItem struct {
	ChatSeq    int64     `json:"chat_seq"`
	Platform   string    `json:"platform,omitempty"`
	User       string    `json:"user"`
	Text       string    `json:"text"`
	Reason     string    `json:"reason,omitempty"`
	Rules      []string  `json:"rules,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	At         time.Time `json:"at"`
}

// ComplianceItem is a compliance flag on the host's speech.
type ComplianceItem struct {
	TranscriptSeq int64        `json:"transcript_seq"`
	Text          string       `json:"text"`
	Matches       []show.Match `json:"matches"`
	At            time.Time    `json:"at"`
}

// TranscriptItem is a transcript segment of the host's speech.
type TranscriptItem struct {
	Seq   int64     `json:"seq"`
	Text  string    `json:"text"`
	Final bool      `json:"final"`
	At    time.Time `json:"at"`
}

// MentionItem is a lineup product the host spoke about while another was on air.
type MentionItem struct {
	SKU           string    `json:"sku"`
	TranscriptSeq int64     `json:"transcript_seq"`
	Text          string    `json:"text,omitempty"`
	At            time.Time `json:"at"`
}

// DroppedItem is a piece of the host's speech that was never transcribed.
type DroppedItem struct {
	StartMS int64     `json:"start_ms"`
	EndMS   int64     `json:"end_ms"`
	Reason  string    `json:"reason"`
	Source  string    `json:"source,omitempty"`
	At      time.Time `json:"at"`
}

// ScriptItem is the host script with the host's place in it (Line -1 before the first match).
type ScriptItem struct {
	Text   string    `json:"text"`
	Offset int       `json:"offset"`
	Line   int       `json:"line"`
	Score  float64   `json:"score"`
	At     time.Time `json:"at,omitzero"`
}

// CrossSellItem is a cross-sell suggestion for the host.
type CrossSellItem struct {
	SKU         string    `json:"sku"`
	Suggestions []string  `json:"suggestions"`
	Text        string    `json:"text,omitempty"`
	ChatSeq     int64     `json:"chat_seq,omitempty"`
	At          time.Time `json:"at"`
}

// Counters counts what happened in the show.
type Counters struct {
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
	Dropped    int `json:"dropped"`
}

func NewState(sh show.Show, qcfg approval.Config) *State {
	return &State{
		Show:       sh,
		chatIdx:    map[int64]*ChatItem{},
		held:       map[int64]*HeldItem{},
		drafts:     newDraftBook(sh.ID, qcfg),
		lastXSell:  map[string]time.Time{},
		scriptPos:  ScriptItem{Line: -1},
		orders:     map[string]bool{},
		seen:       newIDWindow(),
		answered:   newSeqWindow(maxSeen),
		connectors: connectorBook{byName: map[string]*ConnectorItem{}},
	}
}

// Apply folds one event in. Events of unknown types are skipped: other producers may add types.
func (v *State) Apply(ev show.Event) {
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
		v.StoppedAt = time.Time{}
	case show.TypeShowStopped:
		v.Show.Status = show.StatusStopped
		v.StoppedAt = ev.At
	case show.TypeProductOnAir:
		var p show.ProductOnAir
		if ev.Decode(&p) == nil {
			v.OnAir, v.OnAirAt = p.SKU, ev.At
		}
	case show.TypeChatReceived:
		var p show.ChatReceived
		if ev.Decode(&p) == nil {
			c := &ChatItem{Seq: ev.Seq, At: ev.At, Platform: p.Platform, User: p.User, Text: p.Text}
			v.seen.add(p.Platform, p.ID, ev.Seq)
			if conn := v.connectors.byName[p.Connector]; conn != nil {
				conn.Messages++
			}
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
			h := &HeldItem{ChatSeq: p.ChatSeq, Platform: p.Platform, User: p.User, Text: p.Text, Reason: p.Reason,
				Rules: p.Rules, Categories: p.Categories, At: ev.At}
			if c := v.chatIdx[p.ChatSeq]; c != nil && c.Verdict != nil && h.Rules == nil && h.Categories == nil {
				h.Rules, h.Categories = c.Verdict.Rules, c.Verdict.Categories // logs from before held carried them
			}
			v.held[p.ChatSeq] = h
			v.heldOrder = append(v.heldOrder, p.ChatSeq)
		}
	case show.TypeChatBulkDenied, show.TypeChatHeldExpired:
		var p show.ChatBulkDecision
		if ev.Decode(&p) == nil {
			decision := "denied"
			if ev.Type == show.TypeChatHeldExpired {
				decision = "expired"
			}
			for _, seq := range p.ChatSeqs {
				v.unhold(seq)
				if c := v.chatIdx[seq]; c != nil {
					c.Decision = decision
				}
			}
		}
	case show.TypeChatAllowed, show.TypeChatDenied:
		var p show.ChatDecision
		if ev.Decode(&p) == nil {
			v.unhold(p.ChatSeq)
			if c := v.chatIdx[p.ChatSeq]; c != nil {
				c.Decision = "denied"
				if ev.Type == show.TypeChatAllowed {
					c.Decision = "allowed"
				}
			}
		}
	case show.TypeQuestionDetected:
		v.counters.Questions++
		var p show.QuestionDetected
		if ev.Decode(&p) == nil {
			v.answered.add(p.ChatSeq)
		}
	case show.TypeDraftCreated, show.TypeDraftAsked, show.TypeDraftClaimed, show.TypeDraftReleased, show.TypeDraftApproved,
		show.TypeDraftEdited, show.TypeDraftRejected, show.TypeDraftExpired, show.TypeDraftPublished,
		show.TypeDraftPolicy:
		v.drafts.apply(ev, &v.counters)
	case show.TypeCrossSellSuggested:
		var p show.CrossSellSuggested
		if ev.Decode(&p) == nil {
			v.xsell = appendRecent(v.xsell, CrossSellItem{SKU: p.SKU, Suggestions: p.Suggestions, Text: p.Text, ChatSeq: p.ChatSeq, At: ev.At})
			v.lastXSell[p.SKU] = ev.At
		}
	case show.TypeTranscriptSegment:
		var p show.TranscriptSegment
		if ev.Decode(&p) == nil {
			v.trans = appendRecent(v.trans, TranscriptItem{Seq: ev.Seq, Text: p.Text, Final: p.Final, At: ev.At})
		}
	case show.TypeProductMentioned:
		var p show.ProductMentioned
		if ev.Decode(&p) == nil {
			v.mentions = appendRecent(v.mentions, MentionItem{SKU: p.SKU, TranscriptSeq: p.TranscriptSeq, Text: p.Text, At: ev.At})
		}
	case show.TypeHostCompliance:
		var p show.HostCompliance
		if ev.Decode(&p) == nil {
			v.compl = appendRecent(v.compl, ComplianceItem{TranscriptSeq: p.TranscriptSeq, Text: p.Text, Matches: p.Matches, At: ev.At})
			v.counters.Compliance++
		}
	case show.TypeTranscriptDropped:
		var p show.TranscriptDropped
		if ev.Decode(&p) == nil {
			v.dropped = appendRecent(v.dropped, DroppedItem{StartMS: p.StartMS, EndMS: p.EndMS, Reason: p.Reason, Source: p.Source, At: ev.At})
			v.counters.Dropped++
		}
	case show.TypeScriptSet:
		var p show.ScriptSet
		if ev.Decode(&p) == nil {
			v.script, v.follower = p.Text, nil
			v.scriptPos = ScriptItem{Line: -1, At: ev.At}
		}
	case show.TypeScriptPosition:
		var p show.ScriptPosition
		if ev.Decode(&p) == nil {
			v.scriptPos = ScriptItem{Offset: p.Offset, Line: p.Line, Score: p.Score, At: ev.At}
		}
	case show.TypeOrderImported:
		var p show.OrderImported
		if ev.Decode(&p) == nil {
			v.orders[OrderLineKey(p.OrderID, p.SKU)] = true
		}
	case show.TypeConnectorConfigured, show.TypeConnectorRemoved, show.TypeConnectorState, show.TypeConnectorCursor,
		show.TypeReplySending, show.TypeReplySent, show.TypeReplyFailed:
		v.connectors.apply(ev)
	}
}

// unhold takes a message out of the held queue.
func (v *State) unhold(seq int64) {
	if _, ok := v.held[seq]; !ok {
		return
	}
	delete(v.held, seq)
	if len(v.heldOrder) > 64 && len(v.heldOrder) > 2*len(v.held) {
		kept := v.heldOrder[:0]
		for _, s := range v.heldOrder {
			if _, ok := v.held[s]; ok {
				kept = append(kept, s)
			}
		}
		v.heldOrder = kept
	}
}

// HeldFilter selects held messages: by user, by rule or category, held before a time.
type HeldFilter struct {
	User   string
	Rule   string
	Before time.Time
}

func (f HeldFilter) match(h *HeldItem) bool {
	if f.User != "" && h.User != f.User {
		return false
	}
	if f.Rule != "" && !slices.Contains(h.Rules, f.Rule) && !slices.Contains(h.Categories, f.Rule) {
		return false
	}
	return f.Before.IsZero() || h.At.Before(f.Before)
}

// heldMatching lists the seqs of every held message that matches f, oldest first.
func (v *State) heldMatching(f HeldFilter) []int64 {
	var out []int64
	for _, seq := range v.heldOrder {
		if h, ok := v.held[seq]; ok && f.match(h) {
			out = append(out, seq)
		}
	}
	return out
}

// heldPage returns up to limit held messages after seq after that match f, oldest first, and how
// many match in all.
func (v *State) heldPage(after int64, limit int, f HeldFilter) (page []HeldItem, total int) {
	page = []HeldItem{}
	for _, seq := range v.heldOrder {
		h, ok := v.held[seq]
		if !ok || !f.match(h) {
			continue
		}
		total++
		if seq > after && len(page) < limit {
			page = append(page, *h)
		}
	}
	return page, total
}

func appendRecent[T any](s []T, x T) []T {
	s = append(s, x)
	if len(s) > maxRecent {
		s = s[len(s)-maxRecent:]
	}
	return s
}

// Snapshot is everything a page shows, as of LastSeq (GET /api/shows/{id}/state).
type Snapshot struct {
	Show       show.Show                  `json:"show"`
	LastSeq    int64                      `json:"last_seq"`
	OnAir      string                     `json:"on_air"`
	OnAirAt    time.Time                  `json:"on_air_at,omitzero"`
	Products   map[string]json.RawMessage `json:"products"`
	Chat       []ChatItem                 `json:"chat"`
	Held       []HeldItem                 `json:"held"` // the oldest maxSnapshotHeld; page the rest with /held
	HeldTotal  int                        `json:"held_total"`
	Drafts     []DraftItem                `json:"drafts"`
	Compliance []ComplianceItem           `json:"compliance"`
	Transcript []TranscriptItem           `json:"transcript"`
	CrossSell  []CrossSellItem            `json:"cross_sell"`
	Mentions   []MentionItem              `json:"mentions"`
	Dropped    []DroppedItem              `json:"dropped"`
	Script     ScriptItem                 `json:"script"`
	Counters   Counters                   `json:"counters"`
	Connectors []ConnectorItem            `json:"connectors"`
	Replies    []ReplyItem                `json:"replies"`
}

func (v *State) Snapshot() Snapshot {
	s := Snapshot{
		Show: v.Show, LastSeq: v.LastSeq, OnAir: v.OnAir, OnAirAt: v.OnAirAt, Counters: v.counters,
		Chat: make([]ChatItem, 0, len(v.chat)), Drafts: v.drafts.forPages(),
		Compliance: append([]ComplianceItem{}, v.compl...), Transcript: append([]TranscriptItem{}, v.trans...),
		CrossSell: append([]CrossSellItem{}, v.xsell...), Mentions: append([]MentionItem{}, v.mentions...),
		Dropped: append([]DroppedItem{}, v.dropped...), Script: v.scriptPos,
		Connectors: v.connectors.list(), Replies: v.connectors.deliveries(),
	}
	s.Script.Text = v.script
	s.Show.Lineup = append([]string{}, v.Show.Lineup...)
	for _, c := range v.chat {
		s.Chat = append(s.Chat, *c)
	}
	s.Held, s.HeldTotal = v.heldPage(0, maxSnapshotHeld, HeldFilter{})
	return s
}
