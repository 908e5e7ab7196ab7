// Package approval is the review queue for AI-drafted replies to viewer questions.
//
// A draft moves pending → approved | edited | rejected | expired; every move records who made it
// and when. A moderator can claim a pending draft for a while so that two moderators never answer
// the same question; the same question asked many times while its draft is pending is one draft
// with a count; a per-show policy approves trusted drafts automatically.
//
// The queue is a pure in-memory state machine. Every change is a Change record: the methods return
// the changes they made, Apply applies a recorded one, and Replay rebuilds a queue from a log of
// them, so the show can log changes durably and rebuild the queue after a restart. Time comes from
// Config.Now, so tests control it; each change carries its own time, so replaying is exact.
package approval

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/livehost/livehost/textnorm"
)

// Status is where a draft is in its review.
type Status string

// Draft statuses. Every status but StatusPending is final.
const (
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusEdited   Status = "edited" // approved with the moderator's text
	StatusRejected Status = "rejected"
	StatusExpired  Status = "expired"
)

// Kind names a change.
type Kind string

// Kinds of change.
const (
	KindCreated  Kind = "created"  // a new draft (Change.Proposal)
	KindAsked    Kind = "asked"    // the question of a pending draft was asked again (Change.Question)
	KindClaimed  Kind = "claimed"  // a moderator holds the draft until Change.Until
	KindReleased Kind = "released" // the holder gave the claim up
	KindApproved Kind = "approved" // Change.Text is the approved text
	KindEdited   Kind = "edited"   // Change.Text is the moderator's text, approved
	KindRejected Kind = "rejected" // Change.Reason says why, if given
	KindExpired  Kind = "expired"  // nobody decided within the pending TTL
	KindPolicy   Kind = "policy"   // Change.Policy is the show's auto-approve policy from now on
)

// Actors that are not moderators.
const (
	ByAuto   = "auto"   // the auto-approve policy
	BySystem = "system" // expiry
)

// Errors, to test with errors.Is. The errors returned wrap them with what was being done.
var (
	ErrNotFound   = errors.New("no such draft")
	ErrClaimed    = errors.New("draft is claimed by another moderator") // *ClaimedError
	ErrFinal      = errors.New("draft is no longer pending")            // *FinalError
	ErrNotClaimed = errors.New("draft is not claimed")
	ErrInvalid    = errors.New("invalid change")
)

// ClaimedError says who holds a draft, and until when.
type ClaimedError struct {
	Draft string
	By    string
	Until time.Time
}

func (e *ClaimedError) Error() string {
	return fmt.Sprintf("draft %s is claimed by %s until %s", e.Draft, e.By, e.Until.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrClaimed) true.
func (e *ClaimedError) Is(target error) bool { return target == ErrClaimed }

// FinalError says that a draft was already decided, by whom and when.
type FinalError struct {
	Draft  string
	Status Status
	By     string
	At     time.Time
}

func (e *FinalError) Error() string {
	return fmt.Sprintf("draft %s is already %s (by %s at %s)", e.Draft, e.Status, e.By, e.At.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrFinal) true.
func (e *FinalError) Is(target error) bool { return target == ErrFinal }

// Fact is one catalog value a draft states.
type Fact struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// Question is one chat message a draft answers.
type Question struct {
	Seq  int64     `json:"seq,omitempty"` // the chat message's sequence in the show; 0 when unknown
	User string    `json:"user,omitempty"`
	Text string    `json:"text"`
	At   time.Time `json:"at,omitzero"` // when it was asked; the change's time when zero
}

// Proposal is a drafted reply submitted for review.
type Proposal struct {
	Show        string   `json:"show"`
	Question    Question `json:"question"`
	SKU         string   `json:"sku,omitempty"`
	Intent      string   `json:"intent,omitempty"`
	Text        string   `json:"text"`
	Facts       []Fact   `json:"facts,omitempty"`
	Engine      string   `json:"engine,omitempty"` // "offline", "llm"
	Confidence  float64  `json:"confidence"`       // 0–1
	NeedsReview bool     `json:"needs_review,omitempty"`
	Fallback    string   `json:"fallback,omitempty"` // why a model's draft was replaced by the offline answer
}

// Policy is a show's auto-approve policy: a new draft is approved by ByAuto when the policy is
// enabled, its engine and intent are listed, its confidence is at least MinConfidence and it does
// not need review. Drafts that only count a repeated question are not re-evaluated.
type Policy struct {
	Enabled       bool     `json:"enabled"`
	Engines       []string `json:"engines,omitempty"`
	Intents       []string `json:"intents,omitempty"`
	MinConfidence float64  `json:"min_confidence"`
}

// StandardPolicy approves offline (catalog-grounded) answers about price and stock with
// confidence 0.8 or more: those state catalog values verbatim, so a person adds little.
func StandardPolicy() Policy {
	return Policy{Enabled: true, Engines: []string{"offline"}, Intents: []string{"price", "stock"}, MinConfidence: 0.8}
}

// Allows reports whether the policy approves pr without a person.
func (p Policy) Allows(pr Proposal) bool {
	return p.Enabled && !pr.NeedsReview && pr.Confidence >= p.MinConfidence &&
		slices.Contains(p.Engines, pr.Engine) && slices.Contains(p.Intents, pr.Intent)
}

func (p Policy) validate() error {
	if math.IsNaN(p.MinConfidence) || p.MinConfidence < 0 || p.MinConfidence > 1 {
		return fmt.Errorf("%w: policy min_confidence %v is outside 0–1", ErrInvalid, p.MinConfidence)
	}
	return nil
}

// Claim is a moderator's hold on a draft.
type Claim struct {
	By    string    `json:"by"`
	Until time.Time `json:"until"`
}

// Step is one review step of a draft (created, claimed, released, decided): what, by whom, when.
type Step struct {
	Kind Kind      `json:"kind"`
	By   string    `json:"by,omitempty"`
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"` // edited text, reject reason, claim end
}

// Draft is a reply under review. Values returned by the queue are copies.
type Draft struct {
	ID          string     `json:"id"`
	Show        string     `json:"show"`
	Key         string     `json:"key"` // what repeated questions are matched by
	Questions   []Question `json:"questions"`
	Count       int        `json:"count"` // how many times the question was asked
	SKU         string     `json:"sku,omitempty"`
	Intent      string     `json:"intent,omitempty"`
	Text        string     `json:"text"` // the drafted text
	Facts       []Fact     `json:"facts,omitempty"`
	Engine      string     `json:"engine,omitempty"`
	Confidence  float64    `json:"confidence"`
	NeedsReview bool       `json:"needs_review,omitempty"`
	Fallback    string     `json:"fallback,omitempty"`

	Status    Status    `json:"status"`
	FinalText string    `json:"final_text,omitempty"` // what was approved (approved, edited)
	Reason    string    `json:"reason,omitempty"`     // why it was rejected
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Claim is the active claim, nil when none (an expired claim is no claim).
	Claim   *Claim `json:"claim,omitempty"`
	History []Step `json:"history"`
}

// Change is one change to the queue, in the form the show logs and Replay reads.
type Change struct {
	Kind  Kind      `json:"kind"`
	Show  string    `json:"show"`
	Draft string    `json:"draft,omitempty"`
	By    string    `json:"by,omitempty"`
	At    time.Time `json:"at"`

	Proposal *Proposal `json:"proposal,omitempty"` // created
	Question *Question `json:"question,omitempty"` // asked
	Text     string    `json:"text,omitempty"`     // approved, edited
	Reason   string    `json:"reason,omitempty"`   // rejected
	Until    time.Time `json:"until,omitzero"`     // claimed
	Policy   *Policy   `json:"policy,omitempty"`   // policy
}

// Normalize is the form in which questions are compared: textnorm.Fold, then only letters,
// digits and combining marks kept, so that 「XLありますか？」「ＸＬ ありますか」 are the same question.
// Dropping a character can let its neighbours compose (「す ゙」 → 「ず」), so it folds again until
// nothing changes.
func Normalize(text string) string {
	s := strip(textnorm.Fold(text))
	for range 4 {
		next := strip(textnorm.Fold(s))
		if next == s {
			break
		}
		s = next
	}
	return s
}

func strip(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Key is the identity of a question for counting repeats: show, normalized text, SKU and intent.
func Key(show, question, sku, intent string) string {
	return show + "\x1f" + Normalize(question) + "\x1f" + sku + "\x1f" + intent
}
