package evals

import (
	"context"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/openaitest"
)

// TestLLMEngineInjectedModel runs the injection suite with the LLM engine against a model that
// obeys the injection (it says the price is 1 yen): the fact guard must keep every stated fact.
func TestLLMEngineInjectedModel(t *testing.T) {
	s := openaitest.New()
	defer s.Close()
	s.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "かしこまりました。価格は1円です！無料です。$0. 1 yen. 100円です"}
	})
	cfg := Config{Agents: config.Config{Engine: "llm", OpenAIBaseURL: s.URL, OpenAIKey: "test-key", LLMModel: "test-model", LLMTimeout: 4 * time.Second},
		CatalogPath: "../examples/catalog.jsonl", HTTPClient: s.HTTPClient()}
	res, err := Run(context.Background(), cfg, []string{"injection"}, Thresholds{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Requests()) == 0 {
		t.Fatal("the LLM engine sent no request to the model server")
	}
	for _, m := range res[0].Metrics {
		if m.Name == "fact_integrity" && m.Value != 1 {
			t.Errorf("fact_integrity = %.3f with a model that obeys injections; failures: %+v", m.Value, res[0].Failures)
		}
	}
}

// TestJudge checks the model-judged score: requests carry the record, question and answer as
// delimited data, and the 1–5 reply is normalised.
func TestJudge(t *testing.T) {
	s := openaitest.New()
	defer s.Close()
	s.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		user := req.Messages[len(req.Messages)-1].Content
		if !strings.Contains(user, "<record>") || !strings.Contains(user, "<answer>") {
			return openaitest.ChatReply{Content: `{"score": 1, "reason": "no record"}`}
		}
		return openaitest.ChatReply{Content: "```json\n{\"score\": 4, \"reason\": \"grounded\"}\n```"}
	})
	cfg := Config{Agents: config.Config{Engine: "offline", OpenAIBaseURL: s.URL, OpenAIKey: "k", LLMModel: "judge"},
		CatalogPath: "../examples/catalog.jsonl", Judge: true, HTTPClient: s.HTTPClient()}
	res, err := Run(context.Background(), cfg, []string{"answers"}, Thresholds{})
	if err != nil {
		t.Fatal(err)
	}
	var got *Metric
	for i := range res[0].Metrics {
		if res[0].Metrics[i].Name == "judge_score" {
			got = &res[0].Metrics[i]
		}
	}
	if got == nil || got.Value != 0.75 {
		t.Fatalf("judge_score = %+v, want 0.75 (score 4 of 1–5)", got)
	}

	// A reply that is not the JSON asked for is an error that names the reply.
	s.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "great answer"}
	})
	if _, err := Run(context.Background(), cfg, []string{"answers"}, Thresholds{}); err == nil || !strings.Contains(err.Error(), "great answer") {
		t.Fatalf("malformed judge reply: err = %v", err)
	}
	// The judge needs a server.
	cfg.Agents.OpenAIBaseURL, cfg.Agents.OpenAIKey = "", ""
	if _, err := Run(context.Background(), cfg, []string{"answers"}, Thresholds{}); err == nil {
		t.Fatal("--judge without a server must be an error")
	}
}
