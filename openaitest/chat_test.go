package openaitest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/openaitest"
)

func newClient(t *testing.T) (*openaitest.Server, *openai.Client) {
	t.Helper()
	s := openaitest.New()
	t.Cleanup(s.Close)
	return s, openai.NewClientWithConfig(s.Config())
}

func userReq(text string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: text}},
	}
}

func TestChatDefault(t *testing.T) {
	_, c := newClient(t)
	resp, err := c.CreateChatCompletion(context.Background(), userReq("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 1 || resp.Choices[0].Message.Content != openaitest.DefaultChatContent {
		t.Fatalf("choices = %+v, want one with %q", resp.Choices, openaitest.DefaultChatContent)
	}
	if resp.Choices[0].FinishReason != openai.FinishReasonStop || resp.Object != "chat.completion" || resp.Model != "gpt-4o-mini" {
		t.Errorf("resp = %+v", resp)
	}
	if resp.Usage.PromptTokens != 1 || resp.Usage.CompletionTokens != 1 || resp.Usage.TotalTokens != 2 {
		t.Errorf("usage = %+v, want 1+1=2", resp.Usage)
	}
}

func TestChatHandlerSeesRequest(t *testing.T) {
	s, c := newClient(t)
	var got openai.ChatCompletionRequest
	s.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		got = req
		return openaitest.ChatReply{Content: "価格は1,980円です。"}
	})
	req := userReq("いくら？")
	req.Messages = append([]openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: "You are a shop assistant."}}, req.Messages...)
	req.Temperature = 0.2
	resp, err := c.CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Message.Content != "価格は1,980円です。" {
		t.Errorf("content = %q", resp.Choices[0].Message.Content)
	}
	if len(got.Messages) != 2 || got.Messages[1].Content != "いくら？" || got.Temperature != 0.2 {
		t.Errorf("handler saw %+v", got)
	}
	recs := s.Requests()
	if len(recs) != 1 || recs[0].Chat == nil || recs[0].Path != "/v1/chat/completions" || recs[0].Status != http.StatusOK {
		t.Fatalf("requests = %+v", recs)
	}
	if h := recs[0].Header.Get("Authorization"); h != "Bearer test-key" {
		t.Errorf("Authorization = %q", h)
	}
}

func TestChatToolCallsNonStream(t *testing.T) {
	s, c := newClient(t)
	s.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{ToolCalls: []openai.ToolCall{{Function: openai.FunctionCall{Name: "lookup_product", Arguments: `{"query":"lip liner"}`}}}}
	})
	resp, err := c.CreateChatCompletion(context.Background(), userReq("リップライナーは？"))
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if ch.FinishReason != openai.FinishReasonToolCalls || len(ch.Message.ToolCalls) != 1 {
		t.Fatalf("choice = %+v", ch)
	}
	tc := ch.Message.ToolCalls[0]
	if tc.ID == "" || tc.Type != openai.ToolTypeFunction || tc.Function.Name != "lookup_product" || tc.Function.Arguments != `{"query":"lip liner"}` {
		t.Errorf("tool call = %+v", tc)
	}
}

// collect reads a stream to its end and returns the text, the tool calls assembled from their
// deltas, the finish reason, the usage and how many chunks carried content.
func collect(t *testing.T, st *openai.ChatCompletionStream) (string, []openai.ToolCall, openai.FinishReason, *openai.Usage, int) {
	t.Helper()
	var b strings.Builder
	var calls []openai.ToolCall
	var finish openai.FinishReason
	var usage *openai.Usage
	contentChunks := 0
	for {
		ck, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return b.String(), calls, finish, usage, contentChunks
		}
		if err != nil {
			t.Fatalf("recv: %v", err)
		}
		if ck.Usage != nil {
			usage = ck.Usage
		}
		for _, ch := range ck.Choices {
			if ch.Delta.Content != "" {
				contentChunks++
				b.WriteString(ch.Delta.Content)
			}
			for _, d := range ch.Delta.ToolCalls {
				if d.Index == nil {
					t.Fatalf("tool call delta without index: %+v", d)
				}
				for len(calls) <= *d.Index {
					calls = append(calls, openai.ToolCall{})
				}
				c := &calls[*d.Index]
				if d.ID != "" {
					c.ID, c.Type = d.ID, d.Type
				}
				c.Function.Name += d.Function.Name
				c.Function.Arguments += d.Function.Arguments
			}
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
		}
	}
}

func TestChatStream(t *testing.T) {
	s, c := newClient(t)
	const text = "Hello there, 在庫はあります!"
	s.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply { return openaitest.ChatReply{Content: text} })
	req := userReq("stock?")
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	st, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, calls, finish, usage, chunks := collect(t, st)
	if got != text || len(calls) != 0 || finish != openai.FinishReasonStop {
		t.Errorf("got %q calls %v finish %q", got, calls, finish)
	}
	want := openaitest.Tokens(text)
	if chunks != len(want) {
		t.Errorf("content chunks = %d, want one per token (%d: %q)", chunks, len(want), want)
	}
	if usage == nil || usage.CompletionTokens != len(want) || usage.TotalTokens != usage.PromptTokens+usage.CompletionTokens {
		t.Errorf("usage = %+v", usage)
	}
	if ct := st.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type = %q", ct)
	}
	if r := s.Requests()[0]; r.Chat == nil || !r.Chat.Stream {
		t.Errorf("recorded request = %+v", r.Chat)
	}
}

func TestChatStreamToolCalls(t *testing.T) {
	s, c := newClient(t)
	calls := []openai.ToolCall{
		{ID: "call_a", Type: openai.ToolTypeFunction, Function: openai.FunctionCall{Name: "lookup_product", Arguments: `{"query":"リップライナー","limit":3}`}},
		{Function: openai.FunctionCall{Name: "get_offer", Arguments: `{"sku":"LT-001"}`}},
	}
	s.SetChat(func(req openai.ChatCompletionRequest) openaitest.ChatReply {
		if len(req.Tools) != 1 {
			return openaitest.ChatReply{Status: http.StatusBadRequest, ErrorMessage: "want one tool"}
		}
		return openaitest.ChatReply{Content: "Let me check.", ToolCalls: calls}
	})
	req := userReq("リップライナーは？")
	req.Tools = []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
		Name: "lookup_product", Parameters: map[string]any{"type": "object"},
	}}}
	st, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	text, got, finish, _, _ := collect(t, st)
	if text != "Let me check." || finish != openai.FinishReasonToolCalls || len(got) != 2 {
		t.Fatalf("text %q finish %q calls %+v", text, finish, got)
	}
	if got[0].ID != "call_a" || got[0].Function != calls[0].Function {
		t.Errorf("call 0 = %+v", got[0])
	}
	if got[1].ID == "" || got[1].Type != openai.ToolTypeFunction || got[1].Function != calls[1].Function {
		t.Errorf("call 1 = %+v", got[1])
	}
}

func TestChatStreamSlowTokensCancel(t *testing.T) {
	s, c := newClient(t)
	s.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "one two three four five six", TokenDelay: time.Hour}
	})
	ctx, cancel := context.WithCancel(context.Background())
	st, err := c.CreateChatCompletionStream(ctx, userReq("x"))
	if err != nil {
		t.Fatal(err)
	}
	ck, err := st.Recv()
	if err != nil || ck.Choices[0].Delta.Content != "" || ck.Choices[0].Delta.Role != "assistant" {
		t.Fatalf("role chunk %+v, %v", ck, err)
	}
	ck, err = st.Recv()
	if err != nil || ck.Choices[0].Delta.Content != "one" {
		t.Fatalf("first token %+v, %v", ck, err)
	}
	cancel()
	if _, err := st.Recv(); err == nil {
		t.Error("Recv after cancel: no error")
	}
	st.Close()
}

func TestChatFirstTokenDelayCancel(t *testing.T) {
	s, c := newClient(t)
	s.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "late", FirstTokenDelay: time.Hour}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.CreateChatCompletion(ctx, userReq("x"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestChatReplyStatus(t *testing.T) {
	s, c := newClient(t)
	s.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Status: http.StatusServiceUnavailable, ErrorMessage: "overloaded"}
	})
	_, err := c.CreateChatCompletion(context.Background(), userReq("x"))
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 503 || apiErr.Message != "overloaded" || apiErr.Type != "server_error" {
		t.Fatalf("err = %#v", err)
	}
	_, err = c.CreateChatCompletionStream(context.Background(), userReq("x"))
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 503 {
		t.Fatalf("stream err = %#v", err)
	}
}

func TestChatBadRequests(t *testing.T) {
	_, c := newClient(t)
	tests := []struct {
		name  string
		req   openai.ChatCompletionRequest
		param string
	}{
		{"no model", openai.ChatCompletionRequest{Messages: userReq("x").Messages}, "model"},
		{"no messages", openai.ChatCompletionRequest{Model: "gpt-4o-mini"}, "messages"},
		{"bad role", openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "robot", Content: "x"}}}, "messages.[0].role"},
		{"tool without id", openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "tool", Content: "x"}}}, "messages.[0].tool_call_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateChatCompletion(context.Background(), tt.req)
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 || apiErr.Param == nil || *apiErr.Param != tt.param {
				t.Fatalf("err = %#v", err)
			}
		})
	}
}

func TestChatAbortAfter(t *testing.T) {
	s, c := newClient(t)
	s.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "one two three four", AbortAfter: 2}
	})
	st, err := c.CreateChatCompletionStream(context.Background(), userReq("x"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var got string
	for {
		ck, err := st.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				t.Fatalf("stream ended cleanly after %q; want a broken connection", got)
			}
			break
		}
		got += ck.Choices[0].Delta.Content
	}
	if got != "one two" {
		t.Errorf("got %q before the drop, want %q", got, "one two")
	}
	if _, err := c.CreateChatCompletion(context.Background(), userReq("x")); err == nil {
		t.Error("non-stream abort: no error")
	}
}

// TestChatStreamWire checks the raw SSE framing and chunk fields against the real API's shape.
func TestChatStreamWire(t *testing.T) {
	s := openaitest.New()
	defer s.Close()
	s.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "Hi there", ToolCalls: []openai.ToolCall{{ID: "call_1", Function: openai.FunctionCall{Name: "f", Arguments: `{"a":1}`}}}}
	})
	body := `{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`
	resp, err := s.HTTPClient().Post(s.URL+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	events := strings.Split(strings.TrimSuffix(string(raw), "\n\n"), "\n\n")
	if events[len(events)-1] != "data: [DONE]" {
		t.Fatalf("last event %q", events[len(events)-1])
	}
	var chunks []map[string]any
	for _, ev := range events[:len(events)-1] {
		data, ok := strings.CutPrefix(ev, "data: ")
		if !ok || strings.Contains(data, "\n") {
			t.Fatalf("event %q is not one data line", ev)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(data), &m); err != nil {
			t.Fatalf("event %q: %v", ev, err)
		}
		if m["object"] != "chat.completion.chunk" || m["id"] != chunksID(chunks, m) {
			t.Fatalf("chunk %v", m)
		}
		if _, ok := m["usage"]; !ok {
			t.Fatalf("chunk without usage key (include_usage asks for null on every chunk): %v", m)
		}
		chunks = append(chunks, m)
	}
	delta := func(i int) map[string]any {
		return chunks[i]["choices"].([]any)[0].(map[string]any)["delta"].(map[string]any)
	}
	if d := delta(0); d["role"] != "assistant" || d["content"] != "" {
		t.Errorf("first delta %v", d)
	}
	if d := delta(1); d["content"] != "Hi" || d["role"] != nil {
		t.Errorf("second delta %v", d)
	}
	head := delta(3)["tool_calls"].([]any)[0].(map[string]any)
	if head["id"] != "call_1" || head["type"] != "function" || head["index"] != 0.0 || head["function"].(map[string]any)["arguments"] != "" {
		t.Errorf("tool call head %v", head)
	}
	piece := delta(4)["tool_calls"].([]any)[0].(map[string]any)
	if _, has := piece["id"]; has {
		t.Errorf("argument piece carries an id: %v", piece)
	}
	if _, has := piece["type"]; has {
		t.Errorf("argument piece carries a type: %v", piece)
	}
	last := chunks[len(chunks)-1]
	if len(last["choices"].([]any)) != 0 || last["usage"] == nil {
		t.Errorf("usage chunk %v", last)
	}
	fin := chunks[len(chunks)-2]["choices"].([]any)[0].(map[string]any)
	if fin["finish_reason"] != "tool_calls" {
		t.Errorf("finish chunk %v", fin)
	}
	if chunks[1]["choices"].([]any)[0].(map[string]any)["finish_reason"] != nil {
		t.Error("finish_reason set before the end")
	}
}

// chunksID is the id every chunk of one stream shares: the first chunk's.
func chunksID(chunks []map[string]any, m map[string]any) any {
	if len(chunks) == 0 {
		return m["id"]
	}
	return chunks[0]["id"]
}
