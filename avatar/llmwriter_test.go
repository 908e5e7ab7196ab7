package avatar_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/openaitest"
	"github.com/livehost/livehost/show"
)

// llmRig is an avatar show whose talk the LLM writer writes, on the in-repo OpenAI-compatible
// server answering with reply.
func llmRig(t *testing.T, reply func(n int) openaitest.ChatReply) (*rig, *openaitest.Server) {
	t.Helper()
	llm := openaitest.New()
	t.Cleanup(llm.Close)
	var mu sync.Mutex
	n := 0
	llm.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		return reply(k)
	})
	r := newRig(t, rigOpt{env: map[string]string{"OPENAI_BASE_URL": llm.Config().BaseURL, "OPENAI_API_KEY": "sk-test",
		"LIVEHOST_ENGINE": "offline", "LIVEHOST_AVATAR_WRITER": "llm", "LIVEHOST_AVATAR_MEMORY": "5"},
		client: llm.HTTPClient(), clock: avatar.NewFastClock(time.Now(), 0), talkBudget: 500 * time.Millisecond, talkRetry: time.Hour})
	return r, llm
}

func skipped(ev show.Event) (show.AvatarSkipped, bool) {
	var s show.AvatarSkipped
	if ev.Type != show.TypeAvatarSkipped || ev.Decode(&s) != nil {
		return s, false
	}
	return s, true
}

func fallback(ev show.Event) (show.AvatarFallback, bool) {
	var f show.AvatarFallback
	if ev.Type != show.TypeAvatarFallback || ev.Decode(&f) != nil || f.Engine != avatar.WriterLLM {
		return f, false
	}
	return f, true
}

// TestLLMWriterTalks: with LIVEHOST_AVATAR_WRITER=llm the product's talk is the model's, streamed
// with stream=true, in the brand's persona with the catalog's facts; every sentence passed the gate;
// the prompt's memory stays bounded however many completions the show asks for.
func TestLLMWriterTalks(t *testing.T) {
	const talk = "うるツヤ リップティントをご紹介します。今なら1,580円でお求めいただけます。唇の体温でじゅわっと発色します。"
	// Each completion is new talk, as a model's would be (the variety window refuses repeats).
	r, llm := llmRig(t, func(n int) openaitest.ChatReply {
		return openaitest.ChatReply{Content: strings.ReplaceAll(talk, "。", fmt.Sprintf("（%d）。", n))}
	})
	id := r.newShow("LH-COS-001")
	ctx := context.Background()
	if _, err := r.m.Control(ctx, id, "start", "t"); err != nil {
		t.Fatal(err)
	}
	// Sentences, not utterances (a long one is spoken in clauses): twelve overflow the memory's
	// last lines into its running summary.
	llmLines := 0
	r.until(id, 0, 20*time.Second, func(ev show.Event) bool {
		if f, ok := fallback(ev); ok {
			t.Fatalf("writer fell back: %+v", f)
		}
		if u, ok := utterance(ev); ok && u.Writer == avatar.WriterLLM {
			if u.Gate != "passed" || !strings.Contains(u.Text+u.Sentence, "（") {
				t.Fatalf("llm line %+v", u)
			}
			if u.Part == 0 {
				llmLines++
			}
		}
		return llmLines >= 12
	})
	if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
		t.Fatal(err)
	}
	reqs := llm.Requests()
	if len(reqs) < 2 {
		t.Fatalf("%d completions, want several", len(reqs))
	}
	for _, rq := range reqs {
		if rq.Chat == nil || !rq.Chat.Stream || len(rq.Chat.Messages) != 2 {
			t.Fatalf("request %+v: want a streamed chat completion", rq.Chat)
		}
		sys, user := rq.Chat.Messages[0].Content, rq.Chat.Messages[1].Content
		if !strings.Contains(sys, "livehost shop") || !strings.Contains(sys, "1,580円") || !strings.Contains(sys, "1,980円") {
			t.Fatalf("system prompt lacks the persona or the facts:\n%s", sys)
		}
		if n := strings.Count(user, "\n- "); n > 5 {
			t.Fatalf("prompt remembers %d lines, want at most 5:\n%s", n, user)
		}
	}
	last := reqs[len(reqs)-1].Chat.Messages[1].Content
	if !strings.Contains(last, "lines said so far") || !strings.Contains(last, "Recent lines") {
		t.Fatalf("last prompt has no running summary and recent lines:\n%s", last)
	}
}

// TestLLMWriterFaults: whatever the model does, the show goes on: a sentence the gate refuses (a
// 薬機法 claim, a wrong price) is replaced by the offline wording or dropped, with the reason
// logged; a server error, a late first sentence or a stream cut midway hands the talk to the
// offline writer, with an avatar.fallback event saying why, and the show keeps speaking.
func TestLLMWriterFaults(t *testing.T) {
	cases := []struct {
		name  string
		reply openaitest.ChatReply
		// refused is a sentence the gate must refuse, with reason starting so; fails is the
		// fallback reason expected (a substring), "" when the writer does not fail.
		refused, reason, fails string
		// spoken is a model sentence that must still be spoken before a failure.
		spoken string
	}{
		{name: "non-compliant sentence", reply: openaitest.ChatReply{Content: "このリップでシミが消えます。唇の体温でじゅわっと発色します。"},
			refused: "このリップでシミが消えます。", reason: "compliance"},
		{name: "wrong price", reply: openaitest.ChatReply{Content: "今ならたったの980円です。唇の体温でじゅわっと発色します。"},
			refused: "今ならたったの980円です。", reason: "fact guard"},
		{name: "server error", reply: openaitest.ChatReply{Status: 500}, fails: "500"},
		{name: "timeout", reply: openaitest.ChatReply{Content: "唇の体温でじゅわっと発色します。", FirstTokenDelay: 5 * time.Second}, fails: "timeout"},
		{name: "stream cut", reply: openaitest.ChatReply{Content: "唇の体温でじゅわっと発色します。色もちが良いのも魅力です。",
			AbortAfter: len(openaitest.Tokens("唇の体温でじゅわっと発色します。色もち"))}, fails: "stream", spoken: "唇の体温でじゅわっと発色します。"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := llmRig(t, func(int) openaitest.ChatReply { return tc.reply })
			id := r.newShow("LH-COS-001")
			ctx := context.Background()
			if _, err := r.m.Control(ctx, id, "start", "t"); err != nil {
				t.Fatal(err)
			}
			var failedAt int64
			sawRefusal, sawSpoken := false, false
			r.until(id, 0, 20*time.Second, func(ev show.Event) bool {
				if s, ok := skipped(ev); ok && s.Text == tc.refused {
					if !strings.HasPrefix(s.Reason, tc.reason) || (s.Action != "replaced" && s.Action != "dropped") {
						t.Fatalf("refusal %+v: want reason %q", s, tc.reason)
					}
					sawRefusal = true
				}
				if u, ok := utterance(ev); ok {
					if tc.refused != "" && (u.Text == tc.refused || u.Sentence == tc.refused) {
						t.Fatalf("refused sentence spoken: %+v", u)
					}
					if u.Writer == avatar.WriterLLM && (u.Text == tc.spoken || u.Sentence == tc.spoken) {
						sawSpoken = true
					}
					if failedAt > 0 && u.Writer == "" && u.Kind == avatar.KindTalk {
						return true // the offline writer speaks on
					}
					if tc.fails == "" && sawRefusal && u.Writer == avatar.WriterLLM {
						return true // the model's other sentences are spoken
					}
				}
				if f, ok := fallback(ev); ok {
					if tc.fails == "" || !strings.Contains(f.Reason, tc.fails) || f.Next != "offline" {
						t.Fatalf("fallback %+v, want one for %q", f, tc.fails)
					}
					failedAt = ev.Seq
				}
				return false
			})
			if tc.refused != "" && !sawRefusal || tc.spoken != "" && !sawSpoken {
				t.Fatalf("refusal seen %v, sentence before the cut spoken %v", sawRefusal, sawSpoken)
			}
			if _, err := r.m.Control(ctx, id, "stop", "t"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestEnduranceLLMWriter is the compressed day with the LLM writer, on the in-repo server playing
// a model that writes new talk each time, now and then a 薬機法 claim or a wrong price, and now
// and then fails (500, a stream cut): the same checks hold (heap and goroutines flat, no question
// answered twice, no line repeated inside the window, every spoken sentence passing the gate),
// most talk is the model's, every fault is logged, and the prompt's memory stays bounded.
func TestEnduranceLLMWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	openings := []string{"さて、", "ここで、", "改めて、", "ちなみに、", "そして、", "実は、", "もうひとつ、", "では、", "ところで、", "さらに、", "まずは、", "次に、"}
	points := []string{"唇の体温でじゅわっと発色するのが特長です", "色もちが良く、マスクにつきにくい処方です", "一日中うるおいのある唇に導きます",
		"重ねづけで色の濃さを調整できます", "普段のメイクにも合わせやすい色です", "気軽に試していただけるアイテムです", "コメントで感想も教えてくださいね"}
	var maxRecent atomic.Int64
	llm := openaitest.New()
	defer llm.Close()
	llm.KeepRequests(10)
	var n atomic.Int64
	llm.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		k := int(n.Add(1))
		if c := int64(strings.Count(req.Messages[1].Content, "\n- ")); c > maxRecent.Load() {
			maxRecent.Store(c)
		}
		switch {
		case k%23 == 0:
			return openaitest.ChatReply{Status: 500}
		case k%29 == 0:
			return openaitest.ChatReply{Content: "色もちが良いのも魅力です。うるおいも続きます。", AbortAfter: 5}
		}
		var b strings.Builder
		for i := 0; i < 3; i++ {
			b.WriteString(openings[(k+i)%len(openings)] + points[(k*3+i)%len(points)] + "。")
		}
		if k%7 == 0 {
			b.WriteString("このリップでシミが消えます。")
		}
		if k%11 == 0 {
			b.WriteString("今ならたったの100円です。")
		}
		return openaitest.ChatReply{Content: b.String()}
	})
	hours := *enduranceHours / 4
	evs := endurance(t, rigOpt{env: map[string]string{"OPENAI_BASE_URL": llm.Config().BaseURL, "OPENAI_API_KEY": "sk-test",
		"LIVEHOST_ENGINE": "offline", "LIVEHOST_AVATAR_WRITER": "llm", "LIVEHOST_AVATAR_MEMORY": "10"},
		client: llm.HTTPClient(), talkBudget: 2 * time.Second, beforeSample: llm.HTTPClient().CloseIdleConnections},
		time.Duration(hours*float64(time.Hour)))
	llmLines, offlineTalk, fallbacks, refused := 0, 0, 0, 0
	for _, ev := range evs {
		if u, ok := utterance(ev); ok && u.Kind == avatar.KindTalk && u.Part == 0 {
			if u.Writer == avatar.WriterLLM {
				llmLines++
			} else {
				offlineTalk++
			}
		}
		if _, ok := fallback(ev); ok {
			fallbacks++
		}
		if s, ok := skipped(ev); ok && (strings.HasPrefix(s.Reason, "compliance") || strings.HasPrefix(s.Reason, "fact guard")) {
			refused++
		}
	}
	t.Logf("%d completions; talk sentences: %d by the model, %d offline; %d writer fallbacks; %d model sentences refused by the gate; at most %d recent lines in a prompt",
		n.Load(), llmLines, offlineTalk, fallbacks, refused, maxRecent.Load())
	if llmLines < offlineTalk || fallbacks == 0 || refused == 0 || maxRecent.Load() > 10 {
		t.Fatalf("model lines %d, offline %d, fallbacks %d, refused %d, memory %d", llmLines, offlineTalk, fallbacks, refused, maxRecent.Load())
	}
}
