package avatar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/prompts"
)

// TalkRequest is what the LLM writer writes from: the product on air and what it is sold with,
// and the show's bounded memory.
type TalkRequest struct {
	Lang    string
	Product catalog.Product
	Related []catalog.Product
	Summary string   // the running summary of the show so far
	Recent  []string // the last lines said, oldest first
}

// Talker writes talk as it streams: emit gets each whole sentence as soon as it is complete and
// returns false to stop. An error after some sentences means the rest was lost (a stream cut, a
// timeout); the sentences already emitted stand.
type Talker interface {
	Talk(ctx context.Context, req TalkRequest, emit func(sentence string) bool) error
}

// LLMWriter writes talk with an OpenAI-compatible chat model (chat completions, stream=true) in
// the brand's persona from the catalog's facts. It never decides what is spoken: the runner's
// gate checks every sentence it emits.
type LLMWriter struct {
	Client  *openai.Client
	Model   string
	Prompts *prompts.Set
	// MaxTokens bounds one completion (default 300: a few sentences).
	MaxTokens int
}

// ErrStreamCut is a stream that ended before the model said it was finished.
var ErrStreamCut = errors.New("stream ended without a finish reason")

// talkFacts is what the model sees of a product.
type talkFacts struct {
	Name        string              `json:"name"`
	Brand       string              `json:"brand,omitempty"`
	PriceNow    string              `json:"price_now"`
	OnSale      bool                `json:"on_sale"`
	Regular     string              `json:"regular_price,omitempty"`
	LowStock    *int                `json:"low_stock,omitempty"` // only when stock is really low
	Description string              `json:"description,omitempty"`
	Attributes  map[string][]string `json:"attributes,omitempty"`
}

func factsFor(lang string, p catalog.Product) talkFacts {
	f := talkFacts{Name: p.Name, Brand: p.Brand, PriceNow: money(lang, p.EffectivePrice()), Description: p.Description, Attributes: p.Attributes}
	if p.SalePrice != nil && *p.SalePrice > 0 && *p.SalePrice < p.Price {
		f.OnSale, f.Regular = true, money(lang, p.Price)
	}
	if p.Stock != nil && *p.Stock > 0 && *p.Stock <= LowStock {
		n := *p.Stock
		f.LowStock = &n
	}
	return f
}

// messages is the prompt: the persona and the rules with the facts as the system message, the
// memory and the task as the user message.
func (w *LLMWriter) messages(req TalkRequest) []openai.ChatCompletionMessage {
	per := w.Prompts.Persona
	lang := "Japanese"
	if req.Lang == "en" {
		lang = "English"
	}
	related := make([]talkFacts, 0, len(req.Related))
	for _, r := range req.Related {
		related = append(related, factsFor(req.Lang, r))
	}
	facts, _ := json.MarshalIndent(map[string]any{"on_air": factsFor(req.Lang, req.Product), "sold_with": related}, "", " ")
	var sys strings.Builder
	fmt.Fprintf(&sys, "You are the host of %s's unmanned live-commerce stream, talking to viewers in %s.\n", per.Brand, lang)
	if per.Tone != "" {
		fmt.Fprintf(&sys, "Tone: %s.\n", per.Tone)
	}
	if fp := per.FirstPerson.In(req.Lang); fp != "" {
		fmt.Fprintf(&sys, "Refer to yourselves as 「%s」.\n", fp)
	}
	sys.WriteString(`Write the next 3 to 5 short spoken sentences about the product on air, carrying on from the recent lines without repeating them.
Rules:
- State only facts given in FACTS. Give prices exactly as written there (price_now is what it costs now); never invent a number, a discount or a date.
- Mention stock only when FACTS has low_stock.
- No claims of medical effect, cure, guaranteed results, "No.1" or "best" (薬機法 / 景品表示法).
- Plain spoken sentences only: no lists, markdown, emoji, stage directions or quotes around the text.
FACTS:
`)
	sys.Write(facts)
	var user strings.Builder
	fmt.Fprintf(&user, "Summary of the show so far: %s\n", req.Summary)
	if len(req.Recent) > 0 {
		user.WriteString("Recent lines, oldest first:\n")
		for _, l := range req.Recent {
			user.WriteString("- " + l + "\n")
		}
	}
	fmt.Fprintf(&user, "Now go on talking about %s.", req.Product.Name)
	return []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: sys.String()},
		{Role: openai.ChatMessageRoleUser, Content: user.String()},
	}
}

// Talk implements Talker.
func (w *LLMWriter) Talk(ctx context.Context, req TalkRequest, emit func(string) bool) error {
	max := w.MaxTokens
	if max <= 0 {
		max = 300
	}
	stream, err := w.Client.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{
		Model: w.Model, Messages: w.messages(req), Stream: true, Temperature: 0.8, MaxTokens: max,
	})
	if err != nil {
		return err
	}
	defer stream.Close()
	var buf splitter
	finished := false
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		for _, ch := range chunk.Choices {
			buf.WriteString(ch.Delta.Content)
			if ch.FinishReason != "" {
				finished = true
			}
		}
		for _, s := range buf.complete() {
			if !emit(s) {
				return nil
			}
		}
	}
	if !finished {
		// go-openai reports a stream cut before [DONE] as a plain EOF; the unfinished sentence is lost.
		return ErrStreamCut
	}
	for _, s := range buf.rest() {
		if !emit(s) {
			return nil
		}
	}
	return nil
}

// splitter cuts streamed text into whole sentences as they complete.
type splitter struct{ buf string }

func (s *splitter) WriteString(t string) { s.buf += t }

// complete returns the sentences known to be whole: all but the last, which may still grow (a
// 。 may be followed by 」 or ！).
func (s *splitter) complete() []string {
	ss := Sentences(s.buf)
	if len(ss) < 2 {
		return nil
	}
	out := ss[:len(ss)-1]
	// Sentences are trimmed, in-order substrings of the buffer: cut after the last one returned.
	at := 0
	for _, x := range out {
		at = strings.Index(s.buf[at:], x) + at + len(x)
	}
	s.buf = s.buf[at:]
	return out
}

// rest returns whatever is left, at the end of the stream.
func (s *splitter) rest() []string {
	out := Sentences(s.buf)
	s.buf = ""
	return out
}

// talkFailure names why the LLM writer failed, for the fallback event.
func talkFailure(err error) string {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, ErrStreamCut), errors.Is(err, io.ErrUnexpectedEOF):
		return "stream cut: " + err.Error()
	case errors.As(err, &apiErr):
		return fmt.Sprintf("server error %d: %s", apiErr.HTTPStatusCode, truncate(apiErr.Message, 120))
	case errors.As(err, &reqErr):
		return fmt.Sprintf("server error %d", reqErr.HTTPStatusCode)
	}
	return truncate(err.Error(), 200)
}
