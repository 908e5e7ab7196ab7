package server

import (
	"context"
	"time"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/show"
)

// The agents the server drives, as the small interfaces it needs. cmd/livehost adapts the real
// packages (agents/moderation, agents/answer, catalog) to them.

// Verdict is a moderation decision with the flagged spans (rune offsets into the text).
type Verdict struct {
	Action     string       `json:"action"` // allow | hold | block
	Categories []string     `json:"categories,omitempty"`
	Matches    []show.Match `json:"matches,omitempty"`
	Rules      []string     `json:"rules,omitempty"`
	Reason     string       `json:"reason,omitempty"`
}

// ChatMessage is what moderation sees of a chat message; per-user rules (flooding, repeats) need
// User and At.
type ChatMessage struct {
	Show, Platform, User, Text string
	At                         time.Time
}

// Moderator judges viewers' chat and the host's own speech (compliance: 薬機法 / 景品表示法).
type Moderator interface {
	ModerateChat(msg ChatMessage) Verdict
	ModerateHost(text string) Verdict
}

// Question is what detection learns from a chat message.
type Question struct {
	IsQuestion bool
	Intent     string
	Lang       string
}

// AnswerRequest asks for a reply to a viewer's question.
type AnswerRequest struct {
	Text   string
	OnAir  string // SKU on air, "" for none
	Lineup []string
}

// Answer is a drafted reply, grounded in the catalog.
type Answer struct {
	IsQuestion  bool
	Intent      string
	SKU         string
	Text        string
	Facts       []show.Fact
	CrossSell   []string // SKUs worth mentioning with SKU
	Confidence  float64
	NeedsReview bool
	Engine      string
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

// Products looks products up by SKU; *catalog.Searcher has this method.
type Products interface {
	Get(sku string) (catalog.Product, bool)
}
