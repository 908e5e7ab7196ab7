package server

import (
	"context"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/show"
)

// Adapters from the real agent packages to the server's small interfaces.

// CatalogProducts gives the server product cards by SKU from the catalog.
func CatalogProducts(s *catalog.Searcher) Products { return catalogProducts{s} }

type catalogProducts struct{ s *catalog.Searcher }

func (c catalogProducts) Get(sku string) (catalog.Product, bool) {
	p, ok, err := c.s.Get(context.Background(), sku)
	return p, ok && err == nil
}

// ModerationAgent is the moderation engine as the server's Moderator.
func ModerationAgent(e *moderation.Engine) Moderator { return moderatorAdapter{e} }

type moderatorAdapter struct{ e *moderation.Engine }

func (m moderatorAdapter) ModerateChat(msg ChatMessage) Verdict {
	// A question for the shop is never a copy-paste raid however many viewers ask it; one that
	// tries to instruct the model does not get that benefit.
	q := answer.Detect(msg.Text)
	return verdictOf(m.e.ModerateChat(moderation.Message{User: msg.Platform + ":" + msg.User, Text: msg.Text, At: msg.At,
		Question: q.IsQuestion && !q.Injection}))
}

func (m moderatorAdapter) ModerateHost(text string) Verdict {
	return verdictOf(m.e.Moderate(text, moderation.SourceHost))
}

func verdictOf(v moderation.Verdict) Verdict {
	out := Verdict{Action: v.Action, Categories: v.Categories, Rules: v.Rules, Reason: v.Reason}
	for _, m := range v.Matches {
		out.Matches = append(out.Matches, show.Match{Term: m.Term, Category: m.Category, Start: m.Start, End: m.End,
			Severity: m.Severity, Reason: m.Reason, Suggestion: m.Suggestion, Rule: m.Rule})
	}
	return out
}

// AnswerAgent is an answer engine (offline or LLM) as the server's Answerer; detection is
// answer.Detect.
func AnswerAgent(e answer.Engine) Answerer { return answererAdapter{e} }

type answererAdapter struct{ e answer.Engine }

func (a answererAdapter) Detect(text string) Question {
	q := answer.Detect(text)
	return Question{IsQuestion: q.IsQuestion, Intent: q.Intent, Lang: q.Lang}
}

func (a answererAdapter) Answer(ctx context.Context, req AnswerRequest) (Answer, error) {
	r, err := a.e.Answer(ctx, answer.Request{Text: req.Text, OnAir: req.OnAir, Lineup: req.Lineup})
	if err != nil {
		return Answer{}, err
	}
	out := Answer{IsQuestion: r.IsQuestion, Intent: r.Intent, SKU: r.SKU, Text: r.Answer, CrossSell: r.CrossSell,
		Confidence: r.Confidence, NeedsReview: r.NeedsReview, Engine: r.Engine}
	for _, f := range r.Facts {
		out.Facts = append(out.Facts, show.Fact{Field: f.Field, Value: f.Value})
	}
	return out, nil
}

// CatalogCrossSell suggests products to mention from the catalog (answer.CrossSell).
func CatalogCrossSell(s answer.Searcher) CrossSeller { return crossSellAdapter{s} }

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
