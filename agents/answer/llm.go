package answer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/livehost/livehost/catalog"
	openai "github.com/sashabaranov/go-openai"
)

// LLM drafts answers with an OpenAI-compatible chat model, streaming, grounded in the same catalog
// facts the offline engine uses. Every draft goes through the fact guard; a model that is slow,
// refuses, errs or states a fact the catalog does not back is replaced by the offline answer, and
// the result says why (Fallback).
type LLM struct {
	client  *openai.Client
	model   string
	offline *Offline
	guard   Guard
	// Budget is the time a draft may take, tool rounds included (default 4s).
	Budget time.Duration
	// MaxToolRounds bounds product look-ups per answer (default 2).
	MaxToolRounds int
}

// NewLLM returns the LLM engine. fallback is the offline engine over the same catalog: it resolves
// the product, supplies the facts, and answers whenever the model cannot. claims, when given,
// checks risky claims (薬機法 / 景品表示法) in the model's draft; otherwise fallback.Claims does.
func NewLLM(client *openai.Client, model string, fallback *Offline, claims ...ClaimChecker) *LLM {
	l := &LLM{client: client, model: model, offline: fallback, Budget: 4 * time.Second, MaxToolRounds: 2}
	l.guard = Guard{Policy: fallback.p.Policy, Claims: fallback.Claims}
	if len(claims) > 0 && claims[0] != nil {
		l.guard.Claims = claims[0]
	}
	return l
}

// Fallback reasons.
const (
	FallbackTimeout     = "timeout"
	FallbackRateLimited = "rate_limited"
	FallbackServerError = "server_error"
	FallbackAPIError    = "api_error"
	FallbackMalformed   = "malformed"
	FallbackEmpty       = "empty"
	FallbackGuard       = "guard"
	FallbackCanceled    = "canceled"
)

// Answer implements Engine.
func (l *LLM) Answer(ctx context.Context, req Request) (Result, error) {
	return l.AnswerStream(ctx, req, nil)
}

// AnswerStream answers like Answer and calls onToken with each piece of text as the model sends
// it, so a page can show the draft growing. The returned Result is authoritative: when the guard
// replaces the draft, the streamed text is void and Result.Fallback says so.
func (l *LLM) AnswerStream(ctx context.Context, req Request, onToken func(string)) (Result, error) {
	q := req.detection()
	off, d, err := l.offline.answer(ctx, req, q)
	if err != nil || !q.IsQuestion {
		off.Engine = "llm"
		return off, err
	}
	res := off
	res.Engine = "llm"
	text, looked, reason := l.generate(ctx, req, q, d, onToken)
	if reason == "" {
		products := append(append([]catalog.Product{}, d.products...), looked...)
		if vs := l.guard.Check(text, req.Text, products); len(vs) > 0 {
			reason = FallbackGuard + ": " + vs[0].String()
		}
	}
	if reason != "" {
		off.Engine = "llm"
		off.Fallback = reason
		if strings.HasPrefix(reason, FallbackGuard) {
			off.NeedsReview = true
		}
		return off, nil
	}
	res.Answer = text
	// A model's wording is less certain than a template's, even when every fact checks out.
	res.Confidence = off.Confidence * 0.9
	return res, nil
}

// productFacts is what the model sees of a product.
type productFacts struct {
	SKU         string              `json:"sku"`
	Name        string              `json:"name"`
	Brand       string              `json:"brand,omitempty"`
	Category    string              `json:"category,omitempty"`
	PriceNow    string              `json:"price_now"`
	OnSale      bool                `json:"on_sale"`
	Regular     string              `json:"regular_price,omitempty"`
	Stock       any                 `json:"stock"`
	Description string              `json:"description,omitempty"`
	Attributes  map[string][]string `json:"attributes,omitempty"`
	OnAir       bool                `json:"on_air,omitempty"`
}

func factsOf(p catalog.Product, lang string, onAir bool) productFacts {
	f := productFacts{SKU: p.SKU, Name: p.Name, Brand: p.Brand, Category: p.Category,
		PriceNow: formatPrice(p.EffectivePrice(), p.Currency, lang), Description: p.Description, Attributes: p.Attributes, OnAir: onAir}
	if p.SalePrice != nil && *p.SalePrice > 0 && *p.SalePrice < p.Price {
		f.OnSale, f.Regular = true, formatPrice(p.Price, p.Currency, lang)
	}
	switch {
	case p.Stock == nil:
		f.Stock = "unknown"
	case *p.Stock <= 0:
		f.Stock = "sold out (0)"
	default:
		f.Stock = *p.Stock
	}
	return f
}

var lookupTool = openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
	Name:        "lookup_product",
	Description: "Search the shop's catalog for a product by name or description; returns up to 3 products with their facts.",
	Parameters:  json.RawMessage(`{"type":"object","properties":{"query":{"type":"string","description":"product name or words describing it"}},"required":["query"]}`),
}}

// viewerMessage wraps the viewer's text as data. Angle brackets are replaced by their full-width
// forms so the text cannot close the tag and speak outside it.
func viewerMessage(text string) string {
	text = strings.NewReplacer("<", "＜", ">", "＞").Replace(text)
	return "<viewer_message>\n" + text + "\n</viewer_message>"
}

// generate runs the model with the product facts and the lookup tool, forwarding content tokens.
// It returns the text, the products the model looked up, and a fallback reason on failure.
func (l *LLM) generate(ctx context.Context, req Request, q Question, d draft, onToken func(string)) (string, []catalog.Product, string) {
	ctx, cancel := context.WithTimeout(ctx, l.Budget)
	defer cancel()
	var facts []productFacts
	for i, p := range d.products {
		facts = append(facts, factsOf(p, q.Lang, i == 0 && p.SKU == req.OnAir))
	}
	factJSON, _ := json.MarshalIndent(map[string]any{"intent": q.Intent, "products": facts}, "", " ")
	policyJSON, _ := json.MarshalIndent(l.offline.p.Policy, "", " ")
	persona := l.offline.p.Persona
	sys, err := l.offline.p.System(map[string]any{
		"Persona": persona, "Lang": q.Lang, "FirstPerson": persona.FirstPerson.In(q.Lang),
		"SignOff": signOff(persona.SignOff.JA, persona.SignOff.EN, q.Lang),
		"Facts":   string(factJSON), "Policy": string(policyJSON), "Context": req.Context,
	})
	if err != nil {
		return "", nil, FallbackAPIError + ": " + err.Error()
	}
	msgs := []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: sys},
		{Role: openai.ChatMessageRoleUser, Content: viewerMessage(req.Text)},
	}
	var looked []catalog.Product
	rounds := l.MaxToolRounds
	for round := 0; ; round++ {
		creq := openai.ChatCompletionRequest{Model: l.model, Messages: msgs, Stream: true, Temperature: 0.2, MaxTokens: 300}
		if round < rounds {
			creq.Tools = []openai.Tool{lookupTool}
		}
		text, calls, reason := l.streamOnce(ctx, creq, onToken)
		if reason != "" {
			return "", looked, reason
		}
		if len(calls) == 0 {
			text = strings.TrimSpace(text)
			if text == "" {
				return "", looked, FallbackEmpty
			}
			return text, looked, ""
		}
		if round >= rounds {
			return "", looked, FallbackMalformed + ": tool calls past the last round"
		}
		msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: text, ToolCalls: calls})
		for _, c := range calls {
			out, ps := l.runTool(ctx, c, q.Lang)
			looked = append(looked, ps...)
			msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: c.ID, Content: out})
		}
	}
}

func signOff(ja, en, lang string) string {
	if lang == "en" {
		return en
	}
	return ja
}

// runTool executes one tool call; a bad call gets an error result the model can read, not a
// failure of the answer.
func (l *LLM) runTool(ctx context.Context, c openai.ToolCall, lang string) (string, []catalog.Product) {
	if c.Function.Name != lookupTool.Function.Name {
		return `{"error":"unknown tool"}`, nil
	}
	var args struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal([]byte(c.Function.Arguments), &args); err != nil || strings.TrimSpace(args.Query) == "" {
		return `{"error":"arguments must be {\"query\": \"...\"}"}`, nil
	}
	hits, err := l.offline.s.Search(ctx, catalog.Query{Text: args.Query, K: 3})
	if err != nil {
		return `{"error":"search failed"}`, nil
	}
	var facts []productFacts
	var ps []catalog.Product
	for _, h := range hits {
		facts = append(facts, factsOf(h.Product, lang, false))
		ps = append(ps, h.Product)
	}
	b, _ := json.Marshal(map[string]any{"products": facts})
	return string(b), ps
}

// streamOnce runs one streamed completion, forwarding content and collecting tool calls.
func (l *LLM) streamOnce(ctx context.Context, creq openai.ChatCompletionRequest, onToken func(string)) (string, []openai.ToolCall, string) {
	stream, err := l.client.CreateChatCompletionStream(ctx, creq)
	if err != nil {
		return "", nil, classify(ctx, err)
	}
	defer stream.Close()
	var text strings.Builder
	var calls []openai.ToolCall
	finished := false
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, classify(ctx, err)
		}
		for _, ch := range chunk.Choices {
			if ch.Delta.Content != "" {
				text.WriteString(ch.Delta.Content)
				if onToken != nil {
					onToken(ch.Delta.Content)
				}
			}
			for _, tc := range ch.Delta.ToolCalls {
				i := len(calls)
				if tc.Index != nil {
					i = *tc.Index
				}
				if i < 0 || i > 16 {
					return "", nil, FallbackMalformed + ": tool call index out of range"
				}
				for len(calls) <= i {
					calls = append(calls, openai.ToolCall{Type: openai.ToolTypeFunction})
				}
				if tc.ID != "" {
					calls[i].ID = tc.ID
				}
				if tc.Function.Name != "" {
					calls[i].Function.Name = tc.Function.Name
				}
				calls[i].Function.Arguments += tc.Function.Arguments
			}
			if ch.FinishReason != "" {
				finished = true
			}
		}
	}
	if !finished {
		// go-openai reports a stream cut before [DONE] as a plain EOF.
		return "", nil, FallbackMalformed + ": stream ended without a finish reason"
	}
	for i := range calls {
		if calls[i].ID == "" {
			calls[i].ID = fmt.Sprintf("call_%d", i)
		}
	}
	return text.String(), calls, ""
}

// classify turns a client error into a fallback reason.
func classify(ctx context.Context, err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return FallbackTimeout
	}
	if errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled) {
		return FallbackCanceled
	}
	status := 0
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	switch {
	case status == 429:
		return FallbackRateLimited
	case status >= 500:
		return fmt.Sprintf("%s: %d", FallbackServerError, status)
	case status != 0:
		return fmt.Sprintf("%s: %d", FallbackAPIError, status)
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, openai.ErrTooManyEmptyStreamMessages) {
		return FallbackMalformed
	}
	return FallbackMalformed + ": " + err.Error()
}
