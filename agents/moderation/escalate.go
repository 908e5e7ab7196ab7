package moderation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Lists catch words; they miss insults without a listed word (「いい歳してまだ親のすねかじり」), sarcasm and threats
// in plain language. An Escalator asks an OpenAI-compatible model about messages the lists
// allowed and raises them to hold when the model flags them. It is off unless configured, and a
// verdict never waits for it: Submit queues the message and returns at once; the result comes
// to a callback, within the time budget or not at all.

// EscalationConfig configures an Escalator.
type EscalationConfig struct {
	// Client speaks to any OpenAI-compatible server (OpenAI, Azure, Ollama, vLLM, llama.cpp …).
	Client *openai.Client
	// Model is the chat model asked to judge; with UseModerations it is the moderation model
	// ("" uses the server's default).
	Model string
	// UseModerations calls /v1/moderations instead of a chat model.
	UseModerations bool
	// Budget is the most one check may take, request and retries included (default 2s).
	Budget time.Duration
	// Workers is how many checks run at once (default 4); Queue how many wait (default 256).
	// When the queue is full, Submit drops the message: the list verdict stands.
	Workers int
	Queue   int
}

// Escalation is a model's opinion on one message.
type Escalation struct {
	Text string
	// Raise means the model flagged the message: hold it for a moderator.
	Raise      bool
	Categories []string
	Reason     string
	Latency    time.Duration
	// Err is set when the model could not be asked in time or answered nonsense; Raise is then
	// false (the list verdict stands).
	Err error
}

// Escalator runs model checks in the background. Close it to stop its workers.
type Escalator struct {
	cfg     EscalationConfig
	jobs    chan escalationJob
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
	closed  atomic.Bool
	mu      sync.RWMutex // guards sends to jobs against Close
	dropped atomic.Int64
}

type escalationJob struct {
	text string
	done func(Escalation)
}

// NewEscalator starts an escalator's workers.
func NewEscalator(cfg EscalationConfig) (*Escalator, error) {
	if cfg.Client == nil {
		return nil, errors.New("escalation: no OpenAI client configured")
	}
	if !cfg.UseModerations && cfg.Model == "" {
		return nil, errors.New("escalation: a chat model name is needed (or use /v1/moderations)")
	}
	if cfg.Budget <= 0 {
		cfg.Budget = 2 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 256
	}
	ctx, cancel := context.WithCancel(context.Background())
	x := &Escalator{cfg: cfg, jobs: make(chan escalationJob, cfg.Queue), ctx: ctx, cancel: cancel}
	for range cfg.Workers {
		x.wg.Add(1)
		go x.work()
	}
	return x, nil
}

func (x *Escalator) work() {
	defer x.wg.Done()
	for {
		select {
		case <-x.ctx.Done():
			return
		case j, ok := <-x.jobs:
			if !ok {
				return
			}
			j.done(x.Check(x.ctx, j.text))
		}
	}
}

// Submit queues text for a model check and returns at once; done gets the result from another
// goroutine. It returns false (and never calls done) when the escalator is closed or its queue
// is full.
func (x *Escalator) Submit(text string, done func(Escalation)) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed.Load() {
		return false
	}
	select {
	case x.jobs <- escalationJob{text: text, done: done}:
		return true
	default:
		x.dropped.Add(1)
		return false
	}
}

// Dropped is how many messages Submit turned away because the queue was full.
func (x *Escalator) Dropped() int64 { return x.dropped.Load() }

// Close stops the workers; queued checks that have not started are abandoned.
func (x *Escalator) Close() {
	x.mu.Lock()
	if x.closed.Swap(true) {
		x.mu.Unlock()
		return
	}
	x.cancel()
	close(x.jobs)
	x.mu.Unlock()
	x.wg.Wait()
}

// Check asks the model about text within the budget (or ctx, if sooner).
func (x *Escalator) Check(ctx context.Context, text string) Escalation {
	ctx, cancel := context.WithTimeout(ctx, x.cfg.Budget)
	defer cancel()
	start := time.Now()
	var es Escalation
	if x.cfg.UseModerations {
		es = x.checkModerations(ctx, text)
	} else {
		es = x.checkChat(ctx, text)
	}
	es.Text = text
	es.Latency = time.Since(start)
	if es.Err != nil {
		es.Raise = false
	}
	return es
}

func (x *Escalator) checkModerations(ctx context.Context, text string) Escalation {
	res, err := x.cfg.Client.Moderations(ctx, openai.ModerationRequest{Input: text, Model: x.cfg.Model})
	if err != nil {
		return Escalation{Err: fmt.Errorf("escalation: moderations request: %w", err)}
	}
	if len(res.Results) == 0 {
		return Escalation{Err: errors.New("escalation: moderations answer has no results")}
	}
	r := res.Results[0]
	c := r.Categories
	var cats []string
	for _, f := range []struct {
		on   bool
		name string
	}{
		{c.Harassment || c.HarassmentThreatening, CatHarassment},
		{c.Hate || c.HateThreatening, CatDiscrimination},
		{c.Sexual || c.SexualMinors, CatSexual},
		{c.SelfHarm || c.SelfHarmIntent || c.SelfHarmInstructions || c.Violence || c.ViolenceGraphic, CatHarassment},
	} {
		if f.on && !slices.Contains(cats, f.name) {
			cats = append(cats, f.name)
		}
	}
	reason := ""
	if r.Flagged {
		reason = "flagged by the moderation model"
	}
	return Escalation{Raise: r.Flagged, Categories: cats, Reason: reason}
}

const escalationPrompt = `You review live-commerce chat messages (Japanese or English) that a word filter let through.
Flag a message only if it is abusive, harassing, hateful or discriminatory, sexual, threatening,
encourages self-harm, shares or asks for personal contact information, or is spam.
Ordinary questions, praise, complaints about a product and jokes are not flagged.
Answer with one JSON object and nothing else:
{"flag": true|false, "category": "harassment|discrimination|sexual|personal_info|spam|profanity|none", "reason": "<short reason>"}`

func (x *Escalator) checkChat(ctx context.Context, text string) Escalation {
	resp, err := x.cfg.Client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:       x.cfg.Model,
		Temperature: 0,
		MaxTokens:   120,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: escalationPrompt},
			{Role: openai.ChatMessageRoleUser, Content: text},
		},
	})
	if err != nil {
		return Escalation{Err: fmt.Errorf("escalation: chat request: %w", err)}
	}
	if len(resp.Choices) == 0 {
		return Escalation{Err: errors.New("escalation: chat answer has no choices")}
	}
	content := strings.TrimSpace(resp.Choices[0].Message.Content)
	// Models wrap JSON in code fences or prose; take the outermost object.
	i, j := strings.Index(content, "{"), strings.LastIndex(content, "}")
	if i < 0 || j < i {
		return Escalation{Err: fmt.Errorf("escalation: chat answer is not JSON: %.80q", content)}
	}
	var out struct {
		Flag     *bool  `json:"flag"`
		Category string `json:"category"`
		Reason   string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(content[i:j+1]), &out); err != nil || out.Flag == nil {
		return Escalation{Err: fmt.Errorf("escalation: chat answer lacks a boolean \"flag\": %.80q", content)}
	}
	es := Escalation{Raise: *out.Flag, Reason: out.Reason}
	if es.Raise {
		cat := strings.ToLower(strings.TrimSpace(out.Category))
		if cat == "" || cat == "none" {
			cat = "model"
		}
		es.Categories = []string{cat}
	}
	return es
}

// Escalated applies an escalation to the list verdict it followed: a flagged message that the
// lists allowed becomes held, with the model's categories and the rule "model.escalation".
// Anything else returns v unchanged.
func Escalated(v Verdict, es Escalation) Verdict {
	if !es.Raise || es.Err != nil {
		return v
	}
	action := v.Action
	if v.Test {
		action = v.WouldAction
	}
	if action != ActionAllow {
		return v
	}
	out := v
	out.Categories = append(append([]string{}, v.Categories...), es.Categories...)
	out.Rules = append(append([]string{}, v.Rules...), "model.escalation")
	out.Reason = "held by model escalation"
	if es.Reason != "" {
		out.Reason += ": " + es.Reason
	}
	if v.Test {
		out.WouldAction = ActionHold
	} else {
		out.Action = ActionHold
	}
	return out
}

// ModerateChatEscalated returns the list verdict at once and, when the lists allowed the message
// and x is not nil, submits it to the model; then gets the raised verdict if the model flags it.
// then is never called for messages the lists already held or blocked.
func (e *Engine) ModerateChatEscalated(msg Message, x *Escalator, then func(Verdict, Escalation)) Verdict {
	v := e.ModerateChat(msg)
	allowed := v.Action == ActionAllow && (!v.Test || v.WouldAction == ActionAllow)
	if x != nil && allowed && strings.TrimSpace(msg.Text) != "" {
		x.Submit(msg.Text, func(es Escalation) { then(Escalated(v, es), es) })
	}
	return v
}
