// Package answer drafts answers to viewer questions in a live shopping show: it detects questions
// and their intent, resolves which product they are about, answers from the catalog (offline
// templates, or an OpenAI-compatible model whose draft is checked by a fact guard) and suggests
// products to cross-sell.
package answer

import (
	"context"

	"github.com/livehost/livehost/catalog"
)

// Searcher is the part of the catalog the answerer reads; *catalog.Searcher satisfies it.
type Searcher interface {
	Search(ctx context.Context, q catalog.Query) ([]catalog.Hit, error)
	Get(ctx context.Context, sku string) (catalog.Product, bool, error)
	Nearest(ctx context.Context, sku string, k int, f catalog.Filter) ([]catalog.Hit, error)
}

var _ Searcher = (*catalog.Searcher)(nil)

// Engine answers one viewer message.
type Engine interface {
	Answer(ctx context.Context, req Request) (Result, error)
}

// Request is one viewer message with the show's state at the time.
type Request struct {
	Text   string
	OnAir  string   // SKU of the product on air; "" when none
	Lineup []string // SKUs of the show's lineup, preferred when a message names another product
	// Context is what happened lately in the show (host transcript lines, on-air changes); the LLM
	// engine gives it to the model as data.
	Context []string
	// Detected is Detect(Text) when the caller already ran it (a show detects every message on
	// ingest); nil has the engine detect.
	Detected *Question
}

// detection is the request's question detection, run only when the caller has not.
func (r Request) detection() Question {
	if r.Detected != nil {
		return *r.Detected
	}
	return Detect(r.Text)
}

// Fact is one catalog value an answer states.
type Fact struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// Result is a drafted answer.
type Result struct {
	IsQuestion bool     `json:"is_question"`
	Intent     string   `json:"intent"`
	Lang       string   `json:"lang"`
	SKU        string   `json:"sku"` // "" when the question is about no product
	Answer     string   `json:"answer"`
	Facts      []Fact   `json:"facts"`
	CrossSell  []string `json:"cross_sell"`
	Confidence float64  `json:"confidence"`
	// NeedsReview is set when a person should look before the answer goes out: the catalog does
	// not know the answer, the message tried to instruct the model, or the guard replaced a draft.
	NeedsReview bool   `json:"needs_review"`
	Engine      string `json:"engine"`             // "offline" or "llm"
	Fallback    string `json:"fallback,omitempty"` // why the LLM draft was replaced by the offline answer
}
