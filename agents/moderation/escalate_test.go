package moderation

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/openaitest"
)

func newEscalator(t *testing.T, srv *openaitest.Server, cfg EscalationConfig) *Escalator {
	t.Helper()
	cfg.Client = openai.NewClientWithConfig(srv.Config())
	x, err := NewEscalator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Close)
	return x
}

func TestEscalationChatModel(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	srv.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		user := req.Messages[len(req.Messages)-1].Content
		if strings.Contains(user, "すねかじり") {
			return openaitest.ChatReply{Content: "```json\n{\"flag\": true, \"category\": \"harassment\", \"reason\": \"personal attack\"}\n```"}
		}
		return openaitest.ChatReply{Content: `{"flag": false, "category": "none", "reason": ""}`}
	})
	x := newEscalator(t, srv, EscalationConfig{Model: "gpt-4o-mini", Budget: 5 * time.Second})
	e, err := New(Config{NoReadings: true})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan Verdict, 4)
	then := func(v Verdict, es Escalation) {
		if es.Err != nil {
			t.Errorf("escalation error: %v", es.Err)
		}
		results <- v
	}
	// The list verdict comes back at once, before the model has answered.
	v := e.ModerateChatEscalated(Message{User: "u1", Text: "いい歳してまだ親のすねかじり"}, x, then)
	if v.Action != ActionAllow {
		t.Fatalf("list verdict: %+v", v)
	}
	got := <-results
	if got.Action != ActionHold || !strings.Contains(strings.Join(got.Rules, ","), "model.escalation") || got.Categories[0] != "harassment" {
		t.Errorf("escalated verdict: %+v", got)
	}
	e.ModerateChatEscalated(Message{User: "u2", Text: "このリップ可愛い"}, x, then)
	if got := <-results; got.Action != ActionAllow {
		t.Errorf("innocent message raised: %+v", got)
	}
	// What the lists already blocked is not sent to the model.
	n := len(srv.Requests())
	e.ModerateChatEscalated(Message{User: "u3", Text: "しね"}, x, then)
	time.Sleep(50 * time.Millisecond)
	if len(srv.Requests()) != n {
		t.Errorf("a blocked message was escalated")
	}
	req := srv.Requests()[0]
	if req.Chat == nil || req.Chat.Model != "gpt-4o-mini" || req.Chat.Messages[0].Role != openai.ChatMessageRoleSystem {
		t.Errorf("chat request on the wire: %+v", req.Chat)
	}
}

func TestEscalationModerationsEndpoint(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	x := newEscalator(t, srv, EscalationConfig{UseModerations: true})
	es := x.Check(context.Background(), "you are "+openaitest.ModerationMarker)
	if es.Err != nil || !es.Raise || es.Categories[0] != CatHarassment {
		t.Errorf("flagged input: %+v", es)
	}
	if es := x.Check(context.Background(), "nice color"); es.Err != nil || es.Raise {
		t.Errorf("clean input: %+v", es)
	}
}

func TestEscalationBudgetAndFaults(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	x := newEscalator(t, srv, EscalationConfig{Model: "m", Budget: 100 * time.Millisecond})

	srv.SetDelay(2 * time.Second)
	start := time.Now()
	es := x.Check(context.Background(), "slow")
	if es.Err == nil || es.Raise || time.Since(start) > time.Second {
		t.Errorf("over budget: %+v after %v", es, time.Since(start))
	}
	srv.SetDelay(0)

	srv.FailNext(1, 500)
	if es := x.Check(context.Background(), "x"); es.Err == nil || es.Raise {
		t.Errorf("server error: %+v", es)
	}
	srv.MalformedNext(1)
	if es := x.Check(context.Background(), "x"); es.Err == nil || es.Raise {
		t.Errorf("malformed answer: %+v", es)
	}
	srv.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "I think it is fine."}
	})
	if es := x.Check(context.Background(), "x"); es.Err == nil || es.Raise {
		t.Errorf("prose answer: %+v", es)
	}
	// A failed escalation leaves the verdict as the lists made it.
	v := Verdict{Action: ActionAllow}
	if got := Escalated(v, Escalation{Raise: true, Err: context.DeadlineExceeded}); got.Action != ActionAllow {
		t.Errorf("failed escalation changed the verdict: %+v", got)
	}
}

func TestEscalationQueueFullAndClose(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	srv.SetDelay(300 * time.Millisecond)
	x := newEscalator(t, srv, EscalationConfig{Model: "m", Workers: 1, Queue: 1, Budget: time.Second})
	var wg sync.WaitGroup
	accepted := 0
	for i := 0; i < 5; i++ {
		wg.Add(1)
		if x.Submit("msg", func(Escalation) { wg.Done() }) {
			accepted++
		} else {
			wg.Done()
		}
	}
	if accepted >= 5 || x.Dropped() == 0 {
		t.Errorf("accepted %d of 5 with one worker and a queue of one; dropped %d", accepted, x.Dropped())
	}
	wg.Wait()
	x.Close()
	if x.Submit("after close", func(Escalation) { t.Error("called after Close") }) {
		t.Errorf("Submit accepted after Close")
	}
}

func TestNewEscalatorNeedsConfig(t *testing.T) {
	if _, err := NewEscalator(EscalationConfig{}); err == nil {
		t.Error("no client: no error")
	}
	if _, err := NewEscalator(EscalationConfig{Client: openai.NewClient("k")}); err == nil {
		t.Error("no model: no error")
	}
}
