package speech

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// ErrNoSTT means no transcription server is configured. There is no in-process speech-to-text:
// without a server, text comes from the host mic page's browser recognition instead.
var ErrNoSTT = errors.New("no speech-to-text server configured (set LIVEHOST_STT_BASE_URL or OPENAI_BASE_URL)")

// Request is one utterance for a Transcriber.
type Request struct {
	WAV      []byte // 16 kHz mono 16-bit WAV
	Language string // ISO-639-1, e.g. "ja"
	Prompt   string // vocabulary hint: product names, brand words
}

// Transcriber turns one utterance into text. Errors that are worth retrying (rate limits, server
// errors, network failures) are reported by Retryable.
type Transcriber interface {
	Transcribe(ctx context.Context, req Request) (string, error)
}

// OpenAIConfig configures the OpenAI-compatible STT client.
type OpenAIConfig struct {
	BaseURL    string // LIVEHOST_STT_BASE_URL, else OPENAI_BASE_URL; ends in /v1
	APIKey     string // LIVEHOST_STT_API_KEY, else OPENAI_API_KEY; may be empty for a local server
	Model      string // LIVEHOST_STT_MODEL, default whisper-1
	HTTPClient *http.Client
}

// OpenAITranscriber calls POST {BaseURL}/audio/transcriptions (multipart) through go-openai.
type OpenAITranscriber struct {
	client *openai.Client
	model  string
}

// NewOpenAITranscriber returns a client for an OpenAI-compatible transcription endpoint.
func NewOpenAITranscriber(cfg OpenAIConfig) (*OpenAITranscriber, error) {
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("stt: %w", ErrNoSTT)
	}
	if cfg.Model == "" {
		cfg.Model = openai.Whisper1
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient != nil {
		oc.HTTPClient = cfg.HTTPClient
	}
	return &OpenAITranscriber{client: openai.NewClientWithConfig(oc), model: cfg.Model}, nil
}

// Transcribe sends one WAV utterance and returns its text.
func (t *OpenAITranscriber) Transcribe(ctx context.Context, req Request) (string, error) {
	resp, err := t.client.CreateTranscription(ctx, openai.AudioRequest{
		Model:    t.model,
		FilePath: "utterance.wav",
		Reader:   bytes.NewReader(req.WAV),
		Prompt:   req.Prompt,
		Language: req.Language,
		Format:   openai.AudioResponseFormatJSON,
	})
	if err != nil {
		return "", fmt.Errorf("transcribe with %s: %w", t.model, err)
	}
	return strings.TrimSpace(resp.Text), nil
}

// Retryable reports whether a transcription error may succeed on a later attempt: rate limits,
// server errors, timeouts and network failures, but not bad requests or bad keys.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
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
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var se interface{ Retryable() bool }
	if errors.As(err, &se) {
		return se.Retryable()
	}
	// Unknown errors (a malformed body, a reset connection) are retried; the queue bounds the cost.
	return true
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500 || code == 0
}

// backoff is the wait before attempt n (1-based retries): doubling from base, capped.
func backoff(n int, base, limit time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
