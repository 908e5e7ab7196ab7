package live

import (
	"context"
	"time"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/show"
)

// The agents a running show drives, as the small interfaces it needs. The composition root
// (internal/wire) adapts the real packages (agents/moderation, agents/answer, catalog) to them.

// Agents is the set of agents every show of a Runtime uses. Moderator and Answerer are required.
type Agents struct {
	Moderator Moderator
	Answerer  Answerer
	CrossSell CrossSeller // optional
	Products  Products    // optional: checks lineup and on-air SKUs, fills product cards
}

// Verdict is a moderation decision with the flagged spans (rune offsets into the text).
type Verdict struct {
	Action     string       `json:"action"` // allow | hold | block
	Categories []string     `json:"categories,omitempty"`
	Matches    []show.Match `json:"matches,omitempty"`
	Rules      []string     `json:"rules,omitempty"`
	Reason     string       `json:"reason,omitempty"`
}

// ChatMessage is what moderation sees of a chat message; per-user rules (flooding, repeats) need
// User and At. Question says detection found a question for the shop (one that does not try to
// instruct the model): many viewers asking it is no copy-paste raid.
type ChatMessage struct {
	Show, Platform, User, Text string
	At                         time.Time
	Question                   bool
}

// Moderator judges viewers' chat and the host's own speech (compliance: 薬機法 / 景品表示法).
type Moderator interface {
	ModerateChat(msg ChatMessage) Verdict
	ModerateHost(text string) Verdict
}

// Question is what detection learns from a chat message. Detection runs once per message, on
// ingest; the answer engine gets its result back in AnswerRequest.
type Question struct {
	IsQuestion bool
	Injection  bool // the message tries to instruct the model
	Intent     string
	Lang       string
	// Detail is the detector's own result, handed back to the engine so it does not detect again.
	Detail any
}

// AnswerRequest asks for a reply to a viewer's question.
type AnswerRequest struct {
	Text     string
	Question Question
	OnAir    string // SKU on air, "" for none
	Lineup   []string
}

// Answer is a drafted reply, grounded in the catalog.
type Answer struct {
	IsQuestion  bool
	Intent      string
	SKU         string
	Text        string
	Facts       []show.Fact
	Confidence  float64
	NeedsReview bool
	Engine      string
	// Fallback says why a model's draft was replaced by the offline answer ("" when it was not).
	Fallback string
}

// Answerer detects questions (cheaply, for every message) and drafts answers (for questions only).
type Answerer interface {
	Detect(text string) Question
	Answer(ctx context.Context, req AnswerRequest) (Answer, error)
}

// CrossSeller suggests products to mention with sku, with a one-line prompt for the host.
type CrossSeller interface {
	CrossSell(ctx context.Context, sku string, n int) (skus []string, prompt string)
}

// Products looks products up by SKU. An error means the catalog could not be read, which is not
// the same as a SKU it does not have (ok false).
type Products interface {
	Get(ctx context.Context, sku string) (p catalog.Product, ok bool, err error)
}
