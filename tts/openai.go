package tts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// OpenAISpeech speaks through an OpenAI-compatible POST /v1/audio/speech (WAV). It gives no
// timings: the mouth follows the audio's envelope.
type OpenAISpeech struct {
	BaseURL   string // ".../v1"
	APIKey    string
	Model     string // "gpt-4o-mini-tts" when empty
	VoiceName string // "alloy" when empty
	Client    *http.Client
}

func (o *OpenAISpeech) Name() string { return "openai" }

func (o *OpenAISpeech) Voice() string {
	if o.VoiceName == "" {
		return "alloy"
	}
	return o.VoiceName
}

func (o *OpenAISpeech) Speaks(lang string) bool { return true }

func (o *OpenAISpeech) Synthesize(ctx context.Context, req Request) (Speech, error) {
	model := o.Model
	if model == "" {
		model = "gpt-4o-mini-tts"
	}
	body, _ := json.Marshal(map[string]any{"model": model, "input": req.Text, "voice": o.Voice(), "response_format": "wav"})
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.BaseURL, "/")+"/audio/speech", bytes.NewReader(body))
	if err != nil {
		return Speech{}, fmt.Errorf("openai speech: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	if o.APIKey != "" {
		hr.Header.Set("Authorization", "Bearer "+o.APIKey)
	}
	c := o.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(hr)
	if err != nil {
		return Speech{}, fmt.Errorf("openai speech: %w", err)
	}
	defer res.Body.Close()
	audio, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return Speech{}, fmt.Errorf("openai speech: read: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return Speech{}, fmt.Errorf("openai speech: status %d: %s", res.StatusCode, strings.TrimSpace(string(audio[:min(len(audio), 200)])))
	}
	marks, d, err := EnvelopeMarks(audio)
	if err != nil {
		return Speech{}, fmt.Errorf("openai speech: %w", err)
	}
	return Speech{Audio: audio, ContentType: "audio/wav", Duration: d, Marks: marks, Breaks: PauseBreaks(marks, d, 120*time.Millisecond), Engine: o.Name(), Voice: o.Voice()}, nil
}
