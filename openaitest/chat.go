package openaitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Wire types for chat responses. go-openai's own structs always emit fields (empty "type",
// "content_filter_results") that the real API leaves out, so the server writes these instead.
type (
	chatResponse struct {
		ID                string       `json:"id"`
		Object            string       `json:"object"`
		Created           int64        `json:"created"`
		Model             string       `json:"model"`
		Choices           []chatChoice `json:"choices"`
		Usage             *wireUsage   `json:"usage,omitempty"`
		SystemFingerprint string       `json:"system_fingerprint"`
	}
	chatChoice struct {
		Index        int              `json:"index"`
		Message      chatMessage      `json:"message"`
		Logprobs     *json.RawMessage `json:"logprobs"`
		FinishReason string           `json:"finish_reason"`
	}
	chatMessage struct {
		Role      string         `json:"role"`
		Content   *string        `json:"content"`
		Refusal   *string        `json:"refusal"`
		ToolCalls []wireToolCall `json:"tool_calls,omitempty"`
	}
	wireToolCall struct {
		Index    *int         `json:"index,omitempty"`
		ID       string       `json:"id,omitempty"`
		Type     string       `json:"type,omitempty"`
		Function wireFunction `json:"function"`
	}
	wireFunction struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	}
	wireUsage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	}

	chunk struct {
		ID                string        `json:"id"`
		Object            string        `json:"object"`
		Created           int64         `json:"created"`
		Model             string        `json:"model"`
		SystemFingerprint string        `json:"system_fingerprint"`
		Choices           []chunkChoice `json:"choices"`
		// Usage is written as null on every chunk when the client asked for usage, and filled on
		// the last one, as the real API does; omitted otherwise.
		Usage *json.RawMessage `json:"usage,omitempty"`
	}
	chunkChoice struct {
		Index        int              `json:"index"`
		Delta        chunkDelta       `json:"delta"`
		Logprobs     *json.RawMessage `json:"logprobs"`
		FinishReason *string          `json:"finish_reason"`
	}
	chunkDelta struct {
		Role      string         `json:"role,omitempty"`
		Content   *string        `json:"content,omitempty"`
		ToolCalls []wireToolCall `json:"tool_calls,omitempty"`
	}
)

const fingerprint = "fp_openaitest"

var validRoles = map[string]bool{"system": true, "developer": true, "user": true, "assistant": true, "tool": true, "function": true}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request, rec *Request, malformed bool) {
	var req openai.ChatCompletionRequest
	if err := json.Unmarshal(rec.Body, &req); err != nil {
		badRequest(w, "", "We could not parse the JSON body of your request: %v", err)
		return
	}
	s.update(func() { rec.Chat = &req })
	if req.Model == "" {
		badRequest(w, "model", "you must provide a model parameter")
		return
	}
	if len(req.Messages) == 0 {
		badRequest(w, "messages", "[] is too short - 'messages'")
		return
	}
	for i, m := range req.Messages {
		if !validRoles[m.Role] {
			badRequest(w, fmt.Sprintf("messages.[%d].role", i), "Invalid value: '%s'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', and 'function'.", m.Role)
			return
		}
		if m.Role == "tool" && m.ToolCallID == "" {
			badRequest(w, fmt.Sprintf("messages.[%d].tool_call_id", i), "Missing required parameter: 'messages.[%d].tool_call_id'.", i)
			return
		}
	}

	s.mu.Lock()
	h := s.chat
	s.mu.Unlock()
	reply := ChatReply{Content: DefaultChatContent}
	if h != nil {
		reply = h(req)
	}
	if reply.Status != 0 {
		s.mu.Lock()
		retry := s.retryAfter
		s.mu.Unlock()
		writeError(w, reply.Status, reply.ErrorMessage, "", retry)
		return
	}

	seq := s.nextSeq()
	id := fmt.Sprintf("chatcmpl-openaitest%06d", seq)
	calls := make([]wireToolCall, len(reply.ToolCalls))
	for i, tc := range reply.ToolCalls {
		calls[i] = wireToolCall{ID: tc.ID, Type: string(tc.Type), Function: wireFunction{Name: tc.Function.Name, Arguments: tc.Function.Arguments}}
		if calls[i].ID == "" {
			calls[i].ID = fmt.Sprintf("call_%d_%d", seq, i)
		}
		if calls[i].Type == "" {
			calls[i].Type = string(openai.ToolTypeFunction)
		}
	}
	finish := string(reply.FinishReason)
	if finish == "" {
		finish = string(openai.FinishReasonStop)
		if len(calls) > 0 {
			finish = string(openai.FinishReasonToolCalls)
		}
	}
	contentTokens := Tokens(reply.Content)
	completion := len(contentTokens)
	for _, c := range calls {
		completion += CountTokens(c.Function.Name) + CountTokens(c.Function.Arguments)
	}
	usage := wireUsage{PromptTokens: promptTokens(req), CompletionTokens: completion}
	usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens

	if req.Stream {
		s.streamChat(w, r, req, reply, id, contentTokens, calls, finish, usage, malformed)
		return
	}

	n := max(len(contentTokens), 1)
	if !s.wait(r, reply.FirstTokenDelay+time.Duration(n-1)*reply.TokenDelay) {
		return
	}
	if reply.AbortAfter > 0 {
		panic(http.ErrAbortHandler) // net/http closes the connection without logging
	}
	msg := chatMessage{Role: "assistant", ToolCalls: calls}
	if reply.Content != "" || len(calls) == 0 {
		msg.Content = &reply.Content
	}
	writeJSON(w, chatResponse{
		ID: id, Object: "chat.completion", Created: time.Now().Unix(), Model: req.Model,
		Choices:           []chatChoice{{Index: 0, Message: msg, FinishReason: finish}},
		Usage:             &usage,
		SystemFingerprint: fingerprint,
	}, malformed)
}

// promptTokens approximates the prompt's size: the tokens of every text in the messages.
func promptTokens(req openai.ChatCompletionRequest) int {
	n := 0
	for _, m := range req.Messages {
		n += CountTokens(m.Content)
		for _, p := range m.MultiContent {
			n += CountTokens(p.Text)
		}
		for _, tc := range m.ToolCalls {
			n += CountTokens(tc.Function.Arguments)
		}
	}
	return n
}

// streamChat writes the reply as server-sent events: a role chunk, one chunk per token, then per tool call a chunk with its id and name followed by chunks
// with pieces of its arguments, a finish chunk, the usage chunk when asked for, and [DONE].
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, req openai.ChatCompletionRequest, reply ChatReply,
	id string, tokens []string, calls []wireToolCall, finish string, usage wireUsage, malformed bool) {
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Connection", "keep-alive")
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}

	includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	created := time.Now().Unix()
	null := json.RawMessage("null")
	send := func(c chunkChoice, final *wireUsage) bool {
		ck := chunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: req.Model, SystemFingerprint: fingerprint}
		if final == nil {
			ck.Choices = []chunkChoice{c}
		} else {
			ck.Choices = []chunkChoice{}
		}
		if includeUsage {
			u := null
			if final != nil {
				b, _ := json.Marshal(final)
				u = b
			}
			ck.Usage = &u
		}
		b, err := json.Marshal(ck)
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}

	if !s.wait(r, reply.FirstTokenDelay) {
		return
	}
	// The first chunk carries the role and empty content ("content" absent, i.e. null, before
	// tool calls alone), as the real API's does; the first token follows at once.
	role := chunkDelta{Role: "assistant"}
	if len(tokens) > 0 {
		role.Content = new(string)
	}
	if !send(chunkChoice{Delta: role}, nil) {
		return
	}
	if malformed {
		_, _ = fmt.Fprintf(w, "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\n\n", id)
		return
	}
	for i, tok := range tokens {
		if i > 0 && !s.wait(r, reply.TokenDelay) {
			return
		}
		if !send(chunkChoice{Delta: chunkDelta{Content: &tok}}, nil) {
			return
		}
		if reply.AbortAfter > 0 && i+1 >= reply.AbortAfter {
			panic(http.ErrAbortHandler) // net/http closes the connection without logging
		}
	}
	for i, c := range calls {
		idx := i
		head := wireToolCall{Index: &idx, ID: c.ID, Type: c.Type, Function: wireFunction{Name: c.Function.Name}}
		if !s.wait(r, reply.TokenDelay) || !send(chunkChoice{Delta: chunkDelta{ToolCalls: []wireToolCall{head}}}, nil) {
			return
		}
		for _, piece := range Tokens(c.Function.Arguments) {
			part := wireToolCall{Index: &idx, Function: wireFunction{Arguments: piece}}
			if !s.wait(r, reply.TokenDelay) || !send(chunkChoice{Delta: chunkDelta{ToolCalls: []wireToolCall{part}}}, nil) {
				return
			}
		}
	}
	if !send(chunkChoice{Delta: chunkDelta{}, FinishReason: &finish}, nil) {
		return
	}
	if includeUsage && !send(chunkChoice{}, &usage) {
		return
	}
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}
