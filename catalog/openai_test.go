package catalog

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/livehost/livehost/openaitest"
)

func newTestOpenAIEmbedder(t *testing.T, srv *openaitest.Server, cfg OpenAIConfig) *OpenAIEmbedder {
	t.Helper()
	cfg.BaseURL, cfg.APIKey, cfg.HTTPClient = srv.URL, "test-key", srv.HTTPClient()
	if cfg.RetryBase == 0 {
		cfg.RetryBase = time.Millisecond
	}
	e, err := NewOpenAIEmbedder(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestOpenAIEmbedderBatchesInOrder(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	e := newTestOpenAIEmbedder(t, srv, OpenAIConfig{BatchSize: 3})
	if e.Dim() != 1536 || e.Name() != "openai:text-embedding-3-small" {
		t.Fatalf("embedder = %s/%d", e.Name(), e.Dim())
	}
	texts := []string{"リップ", "デニム", "", "化粧水", "イヤホン", "お茶", "タオル"}
	vecs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(vecs), len(texts))
	}
	for i, txt := range texts {
		if txt == "" {
			txt = " "
		}
		if !slices.Equal(vecs[i], openaitest.Embedding(txt, 1536)) {
			t.Errorf("vector %d is not the embedding of %q", i, txt)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 batches of at most 3", len(reqs))
	}
	for _, r := range reqs {
		if r.Embedding == nil || r.Embedding.Model != DefaultEmbedModel || len(r.Embedding.Input) > 3 {
			t.Errorf("request %+v", r.Embedding)
		}
		if r.Header.Get("Authorization") != "Bearer test-key" {
			t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
		}
	}
}

func TestOpenAIEmbedderDimensionsAndProbe(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	e := newTestOpenAIEmbedder(t, srv, OpenAIConfig{Dimensions: 256})
	if e.Dim() != 256 || e.Name() != "openai:text-embedding-3-small:256" {
		t.Errorf("embedder = %s/%d", e.Name(), e.Dim())
	}
	v, err := e.Embed(context.Background(), []string{"x"})
	if err != nil || len(v[0]) != 256 {
		t.Fatalf("Embed = %d dims, %v", len(v[0]), err)
	}
	// An unknown model is probed once for its dimension.
	srv.Reset()
	p := newTestOpenAIEmbedder(t, srv, OpenAIConfig{Model: "nomic-embed-text"})
	if p.Dim() != 1536 || len(srv.Requests()) != 1 {
		t.Errorf("probed dim %d with %d requests", p.Dim(), len(srv.Requests()))
	}
}

func TestOpenAIEmbedderRetries429HonoringRetryAfter(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	srv.SetRetryAfter(150 * time.Millisecond)
	e := newTestOpenAIEmbedder(t, srv, OpenAIConfig{})
	srv.FailNext(2, http.StatusTooManyRequests)
	start := time.Now()
	vecs, err := e.Embed(context.Background(), []string{"リップ"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != 1 || len(srv.Requests()) != 3 {
		t.Errorf("%d vectors after %d requests; want 1 after 3", len(vecs), len(srv.Requests()))
	}
	// Two waits of the advertised 150 ms, not the 1 ms backoff.
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("retried after %v; Retry-After asked for 2×150ms", el)
	}
}

func TestOpenAIEmbedderRetriesServerErrorsAndMalformed(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	e := newTestOpenAIEmbedder(t, srv, OpenAIConfig{})
	srv.FailNext(1, http.StatusBadGateway)
	srv.MalformedNext(1)
	if _, err := e.Embed(context.Background(), []string{"a", "b"}); err != nil {
		t.Fatalf("Embed after a 502 and a cut body: %v", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestOpenAIEmbedderGivesUp(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	e := newTestOpenAIEmbedder(t, srv, OpenAIConfig{MaxAttempts: 3})
	srv.FailNext(10, http.StatusServiceUnavailable)
	if _, err := e.Embed(context.Background(), []string{"a"}); err == nil {
		t.Fatal("Embed succeeded against a failing server")
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d requests, want MaxAttempts = 3", n)
	}
	// A client error is not retried.
	srv.Reset()
	srv.FailNext(1, http.StatusBadRequest)
	if _, err := e.Embed(context.Background(), []string{"a"}); err == nil {
		t.Fatal("Embed succeeded after a 400")
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("400 was retried: %d requests", n)
	}
}

func TestOpenAIEmbedderContextCancelsWait(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	srv.SetRetryAfter(time.Minute)
	e := newTestOpenAIEmbedder(t, srv, OpenAIConfig{RetryMax: time.Hour})
	srv.FailNext(5, http.StatusTooManyRequests)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Embed(ctx, []string{"a"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v; want the context's deadline", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Embed waited %v past its context", time.Since(start))
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After": {"3"}}, 3 * time.Second},
		{http.Header{"Retry-After": {"1"}, "Retry-After-Ms": {"250"}}, 250 * time.Millisecond},
		{http.Header{"Retry-After": {now.Add(5 * time.Second).Format(http.TimeFormat)}}, 5 * time.Second},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{}, 0},
	} {
		if got := retryAfter(tc.h, now); got != tc.want {
			t.Errorf("retryAfter(%v) = %v, want %v", tc.h, got, tc.want)
		}
	}
}
