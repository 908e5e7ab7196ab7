// Package wire is livehost's composition root: it builds the agent set — moderation with the
// brand's lists followed live, the answer engine (the LLM when configured, the offline engine
// otherwise and as its fallback) with the brand's persona and shop policy and the claims guard,
// cross-sell and the approval policy — from one config.Config. serve, ask, eval and moderate all
// build their agents here, so they behave the same on the same settings.
package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/prompts"
)

// Deps are what the agents are built over.
type Deps struct {
	// Catalog is the searcher every answer and card reads (required).
	Catalog *catalog.Searcher
	// HTTPClient reaches the OpenAI-compatible server (nil: http.DefaultClient); tests point it at
	// openaitest.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Agents is the built agent set. Close it to stop following the moderation lists.
type Agents struct {
	Moderation *moderation.Engine
	Offline    *answer.Offline
	// Answer is the engine in use: Offline, or an LLM engine that falls back to it.
	Answer answer.Engine
	// EngineName is "offline" or "llm".
	EngineName string
	Catalog    *catalog.Searcher
	Prompts    *prompts.Set
	Policy     approval.Policy

	stop func()
}

// ErrConfig is returned for settings that cannot work (an unknown engine, the LLM engine with no
// server); the CLI exits 2 on it.
var ErrConfig = errors.New("configuration")

// Build builds the agent set for cfg. With a brand list directory it starts following it (see
// moderation.Engine.Follow) until Close.
func Build(ctx context.Context, cfg config.Config, deps Deps) (*Agents, error) {
	if deps.Catalog == nil {
		return nil, errors.New("wire: a catalog is required")
	}
	log := deps.Logger
	if log == nil {
		log = slog.Default()
	}
	set, err := prompts.Load(cfg.BrandDir)
	if err != nil {
		return nil, fmt.Errorf("%w: brand folder: %w", ErrConfig, err)
	}
	mod, err := Moderation(cfg, nil)
	if err != nil {
		return nil, err
	}
	offline := answer.NewOffline(deps.Catalog, set)
	offline.Claims = answer.ModerationClaims(mod)
	a := &Agents{Moderation: mod, Offline: offline, Answer: offline, EngineName: "offline", Catalog: deps.Catalog,
		Prompts: set, Policy: approval.StandardPolicy(), stop: func() {}}
	switch name := cfg.AnswerEngine(); name {
	case "offline":
	case "llm":
		if !cfg.OpenAIConfigured() {
			return nil, fmt.Errorf("%w: the llm engine needs OPENAI_BASE_URL or OPENAI_API_KEY", ErrConfig)
		}
		oc := openai.DefaultConfig(cfg.OpenAIKey)
		if cfg.OpenAIBaseURL != "" {
			oc.BaseURL = cfg.OpenAIBaseURL
		}
		if deps.HTTPClient != nil {
			oc.HTTPClient = deps.HTTPClient
		}
		llm := answer.NewLLM(openai.NewClientWithConfig(oc), cfg.LLMModel, offline, answer.ModerationClaims(mod))
		if cfg.LLMTimeout > 0 {
			llm.Budget = cfg.LLMTimeout
		}
		a.Answer, a.EngineName = llm, "llm"
	default:
		return nil, fmt.Errorf("%w: answer engine %q: want offline or llm", ErrConfig, name)
	}
	if cfg.ModerationLists != "" {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() {
			defer close(done)
			err := mod.Follow(fctx, func(err error) {
				log.Warn("moderation lists not reloaded; the previous lists stay", "dir", cfg.ModerationLists, "err", err)
			})
			if err != nil {
				log.Warn("moderation lists are not followed; restart to pick up changes", "dir", cfg.ModerationLists, "err", err)
			}
		}()
		a.stop = func() { cancel(); <-done }
		// The show must not start before the watch is in place, or an edit made at once is missed.
		for deadline := time.Now().Add(2 * time.Second); !mod.Watching() && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	return a, nil
}

// Close stops following the moderation lists.
func (a *Agents) Close() { a.stop() }

// Live is the agent set as the show runtime's agents.
func (a *Agents) Live() live.Agents {
	return live.Agents{
		Moderator: ModerationAgent(a.Moderation),
		Answerer:  AnswerAgent(a.Answer),
		CrossSell: CatalogCrossSell(a.Catalog),
		Products:  CatalogProducts(a.Catalog),
	}
}

// Moderation builds the moderation engine of cfg (the built-in lists plus the brand's);
// tune, when set, adjusts the engine's own settings (test mode, length limits).
func Moderation(cfg config.Config, tune func(*moderation.Config)) (*moderation.Engine, error) {
	mc := moderation.Config{Dir: cfg.ModerationLists}
	if tune != nil {
		tune(&mc)
	}
	mod, err := moderation.New(mc)
	if err != nil {
		return nil, fmt.Errorf("load moderation lists: %w", err)
	}
	return mod, nil
}

// Escalator builds the optional model check of chat the lists allowed, on the configured
// OpenAI-compatible server (cfg.ModerationModel; "moderations" uses /v1/moderations).
func Escalator(cfg config.Config, budget time.Duration, httpClient *http.Client) (*moderation.Escalator, error) {
	if !cfg.OpenAIConfigured() {
		return nil, fmt.Errorf("%w: escalation needs OPENAI_API_KEY or OPENAI_BASE_URL", ErrConfig)
	}
	if budget <= 0 {
		return nil, fmt.Errorf("%w: escalation budget %v: want more than 0", ErrConfig, budget)
	}
	oc := openai.DefaultConfig(cfg.OpenAIKey)
	if cfg.OpenAIBaseURL != "" {
		oc.BaseURL = cfg.OpenAIBaseURL
	}
	if httpClient != nil {
		oc.HTTPClient = httpClient
	}
	ecfg := moderation.EscalationConfig{Client: openai.NewClientWithConfig(oc), Model: cfg.ModerationModel, Budget: budget}
	if cfg.ModerationModel == "moderations" {
		ecfg.Model, ecfg.UseModerations = "", true
	}
	esc, err := moderation.NewEscalator(ecfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return esc, nil
}
