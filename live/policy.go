package live

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/show"
)

// AnswerPolicy is a show's auto-approve policy: which drafted answers go out by themselves (in
// an avatar show, are spoken) and which wait for a moderator's approval in the console. Until a
// show sets its own, the runtime's (Options.Policy) is in force: grounded offline answers about
// price and stock at or above the auto-approve confidence go out, everything else waits.
type AnswerPolicy struct {
	Enabled       bool     `json:"enabled"`
	Engines       []string `json:"engines"`
	Intents       []string `json:"intents"`
	MinConfidence float64  `json:"min_confidence"`
}

// PolicyEngines are the answer engines a policy may trust.
var PolicyEngines = []string{"offline", "llm"}

func (p *AnswerPolicy) check() error {
	if len(p.Engines) > len(PolicyEngines) || len(p.Intents) > 20 {
		return invalidf("policy: at most %d engines and 20 intents", len(PolicyEngines))
	}
	for i, e := range p.Engines {
		if !slices.Contains(PolicyEngines, e) {
			return invalidf("policy: engines[%d] %q: want one of %s", i, e, strings.Join(PolicyEngines, ", "))
		}
	}
	for i, in := range p.Intents {
		if in == "" || len(in) > 32 || strings.Trim(in, "abcdefghijklmnopqrstuvwxyz_") != "" {
			return invalidf("policy: intents[%d] %q: want an intent name such as price or stock", i, in)
		}
	}
	if !(p.MinConfidence >= 0 && p.MinConfidence <= 1) {
		return invalidf("policy: min_confidence %v: want 0 to 1", p.MinConfidence)
	}
	if p.Engines == nil {
		p.Engines = []string{}
	}
	if p.Intents == nil {
		p.Intents = []string{}
	}
	return nil
}

// AnswerPolicy returns the auto-approve policy in force for a show.
func (rt *Runtime) AnswerPolicy(ctx context.Context, showID string) (AnswerPolicy, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return AnswerPolicy{}, err
	}
	ls.mu.Lock()
	p := ls.st.drafts.q.Policy(showID)
	ls.mu.Unlock()
	out := AnswerPolicy{Enabled: p.Enabled, Engines: p.Engines, Intents: p.Intents, MinConfidence: p.MinConfidence}
	_ = out.check() // fills empty lists
	return out, nil
}

// SetAnswerPolicy sets a show's auto-approve policy from now on (drafts already pending keep
// waiting); it is logged as draft.policy, so a restart keeps it. It returns the event's seq.
func (rt *Runtime) SetAnswerPolicy(ctx context.Context, showID string, p AnswerPolicy, by string) (int64, error) {
	if err := p.check(); err != nil {
		return 0, err
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return 0, err
	}
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		ch, err := v.drafts.q.SetPolicy(showID, approval.Policy{Enabled: p.Enabled, Engines: p.Engines, Intents: p.Intents, MinConfidence: p.MinConfidence})
		if err != nil {
			return nil, queueError(err)
		}
		raw, err := json.Marshal(ch)
		if err != nil {
			return nil, fmt.Errorf("encode policy change: %w", err)
		}
		return []show.NewEvent{event(show.TypeDraftPolicy, show.DraftPolicy{Enabled: p.Enabled, Engines: p.Engines, Intents: p.Intents,
			MinConfidence: p.MinConfidence, By: by, Change: raw})}, nil
	})
	if err != nil {
		return 0, err
	}
	return out[0].Seq, nil
}
