package wire

import (
	"context"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// Adapters from the real agent packages to the show runtime's small interfaces.

// CatalogProducts gives the runtime products by SKU from the catalog.
func CatalogProducts(s *catalog.Searcher) live.Products { return catalogProducts{s} }

type catalogProducts struct{ s *catalog.Searcher }

func (c catalogProducts) Get(ctx context.Context, sku string) (catalog.Product, bool, error) {
	return c.s.Get(ctx, sku)
}

// ModerationAgent is the moderation engine as the runtime's Moderator.
func ModerationAgent(e *moderation.Engine) live.Moderator { return moderatorAdapter{e} }

type moderatorAdapter struct{ e *moderation.Engine }

func (m moderatorAdapter) ModerateChat(msg live.ChatMessage) live.Verdict {
	return verdictOf(m.e.ModerateChat(moderation.Message{User: msg.Platform + ":" + msg.User, Text: msg.Text, At: msg.At, Question: msg.Question}))
}

func (m moderatorAdapter) ModerateHost(text string) live.Verdict {
	return verdictOf(m.e.Moderate(text, moderation.SourceHost))
}

func verdictOf(v moderation.Verdict) live.Verdict {
	out := live.Verdict{Action: v.Action, Categories: v.Categories, Rules: v.Rules, Reason: v.Reason}
	for _, m := range v.Matches {
		out.Matches = append(out.Matches, show.Match{Term: m.Term, Category: m.Category, Start: m.Start, End: m.End,
			Severity: m.Severity, Reason: m.Reason, Suggestion: m.Suggestion, Rule: m.Rule})
	}
	return out
}

// AnswerAgent is an answer engine (offline or LLM) as the runtime's Answerer; detection is
// answer.Detect, run once per message and handed back to the engine.
func AnswerAgent(e answer.Engine) live.Answerer { return answererAdapter{e} }

type answererAdapter struct{ e answer.Engine }

func (a answererAdapter) Detect(text string) live.Question {
	q := answer.Detect(text)
	return live.Question{IsQuestion: q.IsQuestion, Injection: q.Injection, Intent: q.Intent, Lang: q.Lang, Detail: q}
}

func (a answererAdapter) Answer(ctx context.Context, req live.AnswerRequest) (live.Answer, error) {
	ar := answer.Request{Text: req.Text, OnAir: req.OnAir, Lineup: req.Lineup}
	if q, ok := req.Question.Detail.(answer.Question); ok {
		ar.Detected = &q
	}
	r, err := a.e.Answer(ctx, ar)
	if err != nil {
		return live.Answer{}, err
	}
	out := live.Answer{IsQuestion: r.IsQuestion, Intent: r.Intent, SKU: r.SKU, Text: r.Answer,
		Confidence: r.Confidence, NeedsReview: r.NeedsReview, Engine: r.Engine, Fallback: r.Fallback}
	for _, f := range r.Facts {
		out.Facts = append(out.Facts, show.Fact{Field: f.Field, Value: f.Value})
	}
	return out, nil
}

// CatalogCrossSell suggests products to mention from the catalog (answer.CrossSell).
func CatalogCrossSell(s answer.Searcher) live.CrossSeller { return crossSellAdapter{s} }

type crossSellAdapter struct{ s answer.Searcher }

func (c crossSellAdapter) CrossSell(ctx context.Context, sku string, n int) ([]string, string) {
	sug := answer.CrossSell(ctx, c.s, sku, n)
	if len(sug) == 0 {
		return nil, ""
	}
	skus := make([]string, len(sug))
	for i, s := range sug {
		skus[i] = s.SKU
	}
	return skus, sug[0].Prompt
}
