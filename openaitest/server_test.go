package openaitest_test

import (
	"bytes"
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

func TestURLEndsInV1(t *testing.T) {
	s := openaitest.New()
	defer s.Close()
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || !strings.HasSuffix(s.URL, "/v1") {
		t.Fatalf("URL = %q", s.URL)
	}
	// A client built from DefaultConfig alone (no custom HTTP client) works too.
	cfg := openai.DefaultConfig("k")
	cfg.BaseURL = s.URL
	if _, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), userReq("x")); err != nil {
		t.Fatal(err)
	}
}

func TestAPIKey(t *testing.T) {
	s := openaitest.New()
	defer s.Close()
	s.APIKey = "sk-right"
	good := openai.NewClientWithConfig(s.Config())
	if _, err := good.CreateChatCompletion(context.Background(), userReq("x")); err != nil {
		t.Fatalf("right key: %v", err)
	}
	for _, key := range []string{"sk-wrong", ""} {
		cfg := openai.DefaultConfig(key)
		cfg.BaseURL, cfg.HTTPClient = s.URL, s.Config().HTTPClient
		_, err := openai.NewClientWithConfig(cfg).CreateEmbeddings(context.Background(), openai.EmbeddingRequest{Input: "x", Model: openai.SmallEmbedding3})
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 401 || apiErr.Code != "invalid_api_key" {
			t.Errorf("key %q: err = %#v", key, err)
		}
	}
}

func TestFailNext(t *testing.T) {
	for _, status := range []int{429, 500, 503, 400} {
		s, c := newClient(t)
		s.SetRetryAfter(1500 * time.Millisecond)
		s.FailNext(2, status)
		for i := 0; i < 2; i++ {
			_, err := c.CreateChatCompletion(context.Background(), userReq("x"))
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != status || apiErr.Message == "" || apiErr.Type == "" {
				t.Fatalf("status %d call %d: err = %#v", status, i, err)
			}
		}
		if _, err := c.CreateChatCompletion(context.Background(), userReq("x")); err != nil {
			t.Fatalf("status %d: third call: %v", status, err)
		}
		recs := s.Requests()
		if len(recs) != 3 || recs[0].Status != status || recs[2].Status != 200 {
			t.Errorf("recorded statuses: %+v", recs)
		}
	}
}

func TestFailNext429Headers(t *testing.T) {
	s := openaitest.New()
	defer s.Close()
	s.SetRetryAfter(1500 * time.Millisecond)
	s.FailNext(1, http.StatusTooManyRequests)
	resp, err := s.HTTPClient().Post(s.URL+"/embeddings", "application/json", strings.NewReader(`{"model":"m","input":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || resp.Header.Get("retry-after-ms") != "1500" {
		t.Fatalf("status %d headers %v", resp.StatusCode, resp.Header)
	}
	var body struct {
		Error struct {
			Message string  `json:"message"`
			Type    string  `json:"type"`
			Code    *string `json:"code"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Error.Type != "requests" || body.Error.Code == nil || *body.Error.Code != "rate_limit_exceeded" || body.Error.Message == "" {
		t.Errorf("error body = %+v", body)
	}
}

func TestMalformedNext(t *testing.T) {
	s, c := newClient(t)
	s.MalformedNext(3)
	if _, err := c.CreateChatCompletion(context.Background(), userReq("x")); err == nil {
		t.Error("malformed chat: no error")
	}
	if _, err := c.CreateEmbeddings(context.Background(), openai.EmbeddingRequest{Input: "x", Model: openai.SmallEmbedding3}); err == nil {
		t.Error("malformed embeddings: no error")
	}
	st, err := c.CreateChatCompletionStream(context.Background(), userReq("x"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Recv(); err != nil {
		t.Fatalf("first chunk should be valid: %v", err)
	}
	if _, err := st.Recv(); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("second chunk: err = %v, want a decode error", err)
	}
	if _, err := c.CreateChatCompletion(context.Background(), userReq("x")); err != nil {
		t.Errorf("after the malformed ones: %v", err)
	}
}

func TestSetDelay(t *testing.T) {
	s, c := newClient(t)
	s.SetDelay(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.CreateChatCompletion(ctx, userReq("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	s.SetDelay(0)
	if _, err := c.CreateChatCompletion(context.Background(), userReq("x")); err != nil {
		t.Fatal(err)
	}
}

// Close must not wait for handlers that sleep on a scripted delay.
func TestCloseEndsDelayedHandlers(t *testing.T) {
	s := openaitest.New()
	c := openai.NewClientWithConfig(s.Config())
	s.SetDelay(time.Hour)
	errc := make(chan error, 1)
	go func() {
		_, err := c.CreateChatCompletion(context.Background(), userReq("x"))
		errc <- err
	}()
	for len(s.Requests()) == 0 {
		time.Sleep(time.Millisecond)
	}
	s.Close()
	if err := <-errc; err == nil {
		t.Error("request on a closed server: no error")
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	s := openaitest.New()
	defer s.Close()
	hc := s.HTTPClient()
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, "/v1/completions/nope", 404},
		{http.MethodGet, "/v1/chat/completions", 405},
		{http.MethodPost, "/v1/models", 405},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, strings.TrimSuffix(s.URL, "/v1")+tt.path, bytes.NewReader(nil))
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || body["error"]["message"] == "" {
			t.Errorf("%s %s: %d %v", tt.method, tt.path, resp.StatusCode, body)
		}
	}
}

func TestBrokenJSONBody(t *testing.T) {
	s := openaitest.New()
	defer s.Close()
	for _, path := range []string{"/chat/completions", "/embeddings", "/audio/speech", "/moderations"} {
		resp, err := s.HTTPClient().Post(s.URL+path, "application/json", strings.NewReader(`{"model":`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s: status %d, want 400", path, resp.StatusCode)
		}
	}
	if got := s.Requests(); len(got) != 4 || string(got[0].Body) != `{"model":` {
		t.Errorf("requests = %+v", got)
	}
}

func TestModels(t *testing.T) {
	s, c := newClient(t)
	list, err := c.ListModels(context.Background())
	if err != nil || len(list.Models) == 0 {
		t.Fatalf("list: %v %+v", err, list)
	}
	s.SetModels("my-model")
	m, err := c.GetModel(context.Background(), "my-model")
	if err != nil || m.ID != "my-model" || m.Object != "model" {
		t.Fatalf("get: %v %+v", err, m)
	}
	_, err = c.GetModel(context.Background(), "gpt-4o")
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 404 {
		t.Errorf("unknown model: %#v", err)
	}
}

func TestModeration(t *testing.T) {
	s, c := newClient(t)
	resp, err := c.Moderations(context.Background(), openai.ModerationRequest{Input: "you are " + openaitest.ModerationMarker})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) != 1 || !resp.Results[0].Flagged || !resp.Results[0].Categories.Harassment {
		t.Fatalf("results = %+v", resp.Results)
	}
	s.SetModerate(func(in string) openai.Result {
		return openai.Result{Flagged: strings.Contains(in, "しね"), Categories: openai.ResultCategories{Harassment: true}}
	})
	resp, err = c.Moderations(context.Background(), openai.ModerationRequest{Input: "こんにちは"})
	if err != nil || resp.Results[0].Flagged {
		t.Fatalf("%v %+v", err, resp)
	}
	if r := s.Requests(); r[1].Moderation == nil || r[1].Moderation.Input[0] != "こんにちは" {
		t.Errorf("recorded %+v", r[1].Moderation)
	}
}

func TestReset(t *testing.T) {
	s, c := newClient(t)
	s.SetChat(func(openai.ChatCompletionRequest) openaitest.ChatReply {
		return openaitest.ChatReply{Content: "custom"}
	})
	s.FailNext(5, 500)
	s.Reset()
	resp, err := c.CreateChatCompletion(context.Background(), userReq("x"))
	if err != nil || resp.Choices[0].Message.Content != openaitest.DefaultChatContent || len(s.Requests()) != 1 {
		t.Fatalf("%v %+v", err, resp)
	}
}

// TestKeepRequests: with a bound, only the last n requests are recorded.
func TestKeepRequests(t *testing.T) {
	s := openaitest.New()
	defer s.Close()
	s.KeepRequests(2)
	c := openai.NewClientWithConfig(s.Config())
	for _, m := range []string{"a", "b", "c"} {
		if _, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "gpt-4o-mini",
			Messages: []openai.ChatCompletionMessage{{Role: "user", Content: m}}}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Chat.Messages[0].Content != "b" || reqs[1].Chat.Messages[0].Content != "c" {
		t.Fatalf("%d requests recorded", len(reqs))
	}
}
