package catalog

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// DefaultEmbedModel is the embedding model used when LIVEHOST_EMBED_MODEL is unset.
const DefaultEmbedModel = "text-embedding-3-small"

// OpenAIConfig configures the embedder for an OpenAI-compatible server (OpenAI, Azure, Ollama,
// vLLM, llama.cpp, LM Studio).
type OpenAIConfig struct {
	BaseURL string // OPENAI_BASE_URL; empty: OpenAI's
	APIKey  string // OPENAI_API_KEY
	Model   string // LIVEHOST_EMBED_MODEL; DefaultEmbedModel when empty
	// Dimensions asks text-embedding-3 models for shorter vectors; 0 leaves the model's own.
	Dimensions int
	// BatchSize is the number of texts per request (96 when 0).
	BatchSize int
	// MaxAttempts bounds the tries of one request (6 when 0). Rate limits (429), server errors
	// (5xx), network failures and malformed answers are retried; other client errors are not.
	MaxAttempts int
	// RetryBase is the first backoff (500 ms when 0), doubling per attempt up to RetryMax (30 s
	// when 0), with ±20 % jitter. A Retry-After (or retry-after-ms) header is honoured instead,
	// up to RetryMax.
	RetryBase, RetryMax time.Duration
	// HTTPClient, when set, sends the requests (tests).
	HTTPClient *http.Client
}

// OpenAIEmbedder embeds through an OpenAI-compatible /v1/embeddings endpoint with go-openai.
type OpenAIEmbedder struct {
	client *openai.Client
	cfg    OpenAIConfig
	dim    int
	name   string
}

// knownDims are the native dimensions of common embedding models; other models are probed once.
var knownDims = map[string]int{
	"text-embedding-3-small": 1536,
	"text-embedding-3-large": 3072,
	"text-embedding-ada-002": 1536,
}

// NewOpenAIEmbedder returns an embedder for cfg. When the model's dimension is not known it embeds
// one probe text to learn it, so this can fail with the server's error.
func NewOpenAIEmbedder(ctx context.Context, cfg OpenAIConfig) (*OpenAIEmbedder, error) {
	if cfg.Model == "" {
		cfg.Model = DefaultEmbedModel
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 96
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 500 * time.Millisecond
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 30 * time.Second
	}
	key := cfg.APIKey
	if key == "" {
		key = "none" // local servers (Ollama, llama.cpp) take any key
	}
	oc := openai.DefaultConfig(key)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	wrapped := *hc
	wrapped.Transport = retryHintTransport{base: base}
	oc.HTTPClient = &wrapped

	e := &OpenAIEmbedder{client: openai.NewClientWithConfig(oc), cfg: cfg}
	e.name = "openai:" + cfg.Model
	switch {
	case cfg.Dimensions > 0:
		e.dim = cfg.Dimensions
		e.name += ":" + strconv.Itoa(cfg.Dimensions)
	case knownDims[cfg.Model] > 0:
		e.dim = knownDims[cfg.Model]
	default:
		vecs, err := e.embedBatch(ctx, []string{"dimension probe"})
		if err != nil {
			return nil, fmt.Errorf("catalog: probe the dimension of %s: %w", cfg.Model, err)
		}
		e.dim = len(vecs[0])
	}
	return e, nil
}

func (e *OpenAIEmbedder) Name() string { return e.name }
func (e *OpenAIEmbedder) Dim() int     { return e.dim }

// Embed embeds texts in batches of BatchSize, in order.
func (e *OpenAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.cfg.BatchSize {
		vecs, err := e.embedBatch(ctx, texts[start:min(start+e.cfg.BatchSize, len(texts))])
		if err != nil {
			return nil, err
		}
		for _, v := range vecs {
			if e.dim > 0 {
				if err := checkDim(e.name, e.dim, v); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// embedBatch sends one request, retrying what is worth retrying.
func (e *OpenAIEmbedder) embedBatch(ctx context.Context, texts []string) ([][]float32, error) {
	input := make([]string, len(texts))
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			t = " " // the API refuses empty strings
		}
		input[i] = t
	}
	req := openai.EmbeddingRequest{Input: input, Model: openai.EmbeddingModel(e.cfg.Model), Dimensions: e.cfg.Dimensions}
	for attempt := 1; ; attempt++ {
		hint := &retryHint{}
		resp, err := e.client.CreateEmbeddings(context.WithValue(ctx, retryHintKey{}, hint), req)
		if err == nil {
			vecs, verr := orderEmbeddings(resp, len(input))
			if verr == nil {
				return vecs, nil
			}
			err = verr
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !retryableEmbedError(err) || attempt >= e.cfg.MaxAttempts {
			return nil, fmt.Errorf("embeddings (%s, attempt %d): %w", e.cfg.Model, attempt, err)
		}
		wait := backoff(attempt, e.cfg.RetryBase, e.cfg.RetryMax)
		if hint.after > 0 {
			wait = min(hint.after, e.cfg.RetryMax)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// orderEmbeddings puts the answer's vectors in input order and checks there is one per input.
func orderEmbeddings(resp openai.EmbeddingResponse, n int) ([][]float32, error) {
	if len(resp.Data) != n {
		return nil, &malformedError{fmt.Sprintf("%d embeddings for %d inputs", len(resp.Data), n)}
	}
	out := make([][]float32, n)
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, &malformedError{fmt.Sprintf("bad embedding index %d", d.Index)}
		}
		if len(d.Embedding) == 0 {
			return nil, &malformedError{fmt.Sprintf("empty embedding at index %d", d.Index)}
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

type malformedError struct{ msg string }

func (e *malformedError) Error() string { return "malformed embeddings answer: " + e.msg }

// retryableEmbedError: rate limits, server errors, timeouts, network failures and malformed
// answers may succeed later; a bad request, a bad key or an unknown model will not.
func retryableEmbedError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return retryableStatus(apiErr.HTTPStatusCode)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode == 0 || retryableStatus(reqErr.HTTPStatusCode)
	}
	return true // network errors and undecodable bodies
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code == http.StatusConflict || code >= 500
}

// backoff is base·2^(attempt−1), capped, with ±20 % jitter.
func backoff(attempt int, base, maxWait time.Duration) time.Duration {
	d := base << min(attempt-1, 20)
	if d <= 0 || d > maxWait {
		d = maxWait
	}
	j := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * j)
}

// retryHint carries the server's Retry-After from the transport back to the retry loop of the one
// call that put it in the request context.
type retryHint struct{ after time.Duration }

type retryHintKey struct{}

type retryHintTransport struct{ base http.RoundTripper }

func (t retryHintTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil && resp.StatusCode >= 400 {
		if h, ok := req.Context().Value(retryHintKey{}).(*retryHint); ok {
			h.after = retryAfter(resp.Header, time.Now())
		}
	}
	return resp, err
}

// retryAfter reads retry-after-ms, or Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if ms, err := strconv.ParseFloat(strings.TrimSpace(h.Get("retry-after-ms")), 64); err == nil && ms > 0 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
