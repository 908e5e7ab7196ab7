package openaitest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/internal/wav"
	"github.com/livehost/livehost/openaitest"
)

func TestSpeechWAV(t *testing.T) {
	_, c := newClient(t)
	lengths := map[string]int{}
	for _, in := range []string{"こんにちは", "こんにちは、いらっしゃいませ"} {
		resp, err := c.CreateSpeech(context.Background(), openai.CreateSpeechRequest{
			Model: openai.TTSModel1, Input: in, Voice: openai.VoiceAlloy, ResponseFormat: openai.SpeechResponseFormatWav,
		})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp)
		resp.Close()
		if err != nil {
			t.Fatal(err)
		}
		info, err := wav.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		want := time.Duration(len([]rune(in))) * 60 * time.Millisecond
		if info.SampleRate != 24000 || info.Channels != 1 || info.BitsPerSample != 16 || info.Duration != want {
			t.Errorf("%q: %+v, want %v", in, info, want)
		}
		if resp.Header().Get("Content-Type") != "audio/wav" {
			t.Errorf("Content-Type %q", resp.Header().Get("Content-Type"))
		}
		lengths[in] = info.DataBytes
		var peak int16
		for i := 0; i+1 < len(info.Data); i += 2 {
			peak = max(peak, int16(info.Data[i])|int16(info.Data[i+1])<<8)
		}
		if peak < 4000 {
			t.Errorf("%q: audio is nearly silent (peak %d)", in, peak)
		}
	}
}

func TestSpeechPCMAndSpeed(t *testing.T) {
	_, c := newClient(t)
	resp, err := c.CreateSpeech(context.Background(), openai.CreateSpeechRequest{
		Model: openai.TTSModel1, Input: "abcd", Voice: openai.VoiceNova, ResponseFormat: openai.SpeechResponseFormatPcm, Speed: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp)
	resp.Close()
	// 4 runes × 60 ms / 2 at 24 kHz, 2 bytes a sample.
	if len(b) != 4*24000*60/1000/2*2 {
		t.Errorf("pcm bytes = %d", len(b))
	}
}

func TestSpeechBadInput(t *testing.T) {
	_, c := newClient(t)
	tests := []struct {
		name  string
		req   openai.CreateSpeechRequest
		param string
	}{
		{"no input", openai.CreateSpeechRequest{Model: "tts-1", Voice: "alloy"}, "input"},
		{"no voice", openai.CreateSpeechRequest{Model: "tts-1", Input: "x"}, "voice"},
		{"mp3", openai.CreateSpeechRequest{Model: "tts-1", Input: "x", Voice: "alloy", ResponseFormat: openai.SpeechResponseFormatMp3}, "response_format"},
		{"speed", openai.CreateSpeechRequest{Model: "tts-1", Input: "x", Voice: "alloy", Speed: 9}, "speed"},
		{"too long", openai.CreateSpeechRequest{Model: "tts-1", Input: strings.Repeat("あ", 4097), Voice: "alloy"}, "input"},
	}
	for _, tt := range tests {
		_, err := c.CreateSpeech(context.Background(), tt.req)
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 || *apiErr.Param != tt.param {
			t.Errorf("%s: err = %#v", tt.name, err)
		}
	}
}

func TestTranscriptionDefault(t *testing.T) {
	s, c := newClient(t)
	wav := wav.Mono16(make([]int16, 24000*3/2), 24000) // 1.5 s
	resp, err := c.CreateTranscription(context.Background(), openai.AudioRequest{
		Model: openai.Whisper1, Reader: bytes.NewReader(wav), FilePath: "speech.wav", Language: "ja", Prompt: "ライブ",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "1.50 seconds of audio" {
		t.Errorf("text = %q", resp.Text)
	}
	r := s.Requests()[0]
	if r.FileName != "speech.wav" || !bytes.Equal(r.File, wav) || r.Form["language"][0] != "ja" || r.Form["prompt"][0] != "ライブ" || r.Form["model"][0] != "whisper-1" {
		t.Errorf("recorded %q %d bytes %v", r.FileName, len(r.File), r.Form)
	}
	resp, err = c.CreateTranscription(context.Background(), openai.AudioRequest{Model: openai.Whisper1, Reader: strings.NewReader("not audio"), FilePath: "x.mp3"})
	if err != nil || resp.Text != "9 bytes of audio" {
		t.Errorf("non-wav: %v %q", err, resp.Text)
	}
}

func TestTranscriptionFormats(t *testing.T) {
	s, c := newClient(t)
	var gotModel, gotLang, gotPrompt string
	s.SetTranscribe(func(audio []byte, model, language, prompt string) (string, error) {
		gotModel, gotLang, gotPrompt = model, language, prompt
		return "いらっしゃいませ ようこそ", nil
	})
	wav := wav.Mono16(make([]int16, 48000), 24000)
	tests := []struct {
		format openai.AudioResponseFormat
		want   string
	}{
		{openai.AudioResponseFormatJSON, "いらっしゃいませ ようこそ"},
		{openai.AudioResponseFormatText, "いらっしゃいませ ようこそ\n"},
		{openai.AudioResponseFormatVerboseJSON, "いらっしゃいませ ようこそ"},
		{openai.AudioResponseFormatSRT, "1\n00:00:00,000 --> 00:00:02,000\nいらっしゃいませ ようこそ\n\n"},
		{openai.AudioResponseFormatVTT, "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nいらっしゃいませ ようこそ\n\n"},
	}
	for _, tt := range tests {
		req := openai.AudioRequest{Model: "gpt-4o-mini-transcribe", Reader: bytes.NewReader(wav), FilePath: "a.wav", Language: "ja", Prompt: "p", Format: tt.format}
		if tt.format == openai.AudioResponseFormatVerboseJSON {
			req.TimestampGranularities = []openai.TranscriptionTimestampGranularity{openai.TranscriptionTimestampGranularityWord}
		}
		resp, err := c.CreateTranscription(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", tt.format, err)
		}
		if resp.Text != tt.want {
			t.Errorf("%s: text %q, want %q", tt.format, resp.Text, tt.want)
		}
		if tt.format == openai.AudioResponseFormatVerboseJSON {
			if resp.Duration != 2 || resp.Language != "ja" || len(resp.Segments) != 1 || len(resp.Words) != 2 || resp.Words[1].End != 2 {
				t.Errorf("verbose = %+v", resp)
			}
		}
	}
	if gotModel != "gpt-4o-mini-transcribe" || gotLang != "ja" || gotPrompt != "p" {
		t.Errorf("handler saw %q %q %q", gotModel, gotLang, gotPrompt)
	}
}

func TestTranscriptionErrors(t *testing.T) {
	s, c := newClient(t)
	s.SetTranscribe(func(audio []byte, model, language, prompt string) (string, error) {
		if string(audio) == "busy" {
			return "", &openaitest.StatusError{Status: http.StatusTooManyRequests, Message: "slow down"}
		}
		return "", errors.New("decoder exploded")
	})
	var apiErr *openai.APIError
	_, err := c.CreateTranscription(context.Background(), openai.AudioRequest{Model: "whisper-1", Reader: strings.NewReader("busy"), FilePath: "a.wav"})
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 429 || apiErr.Message != "slow down" {
		t.Errorf("status error: %#v", err)
	}
	_, err = c.CreateTranscription(context.Background(), openai.AudioRequest{Model: "whisper-1", Reader: strings.NewReader("x"), FilePath: "a.wav"})
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 500 || !strings.Contains(apiErr.Message, "decoder exploded") {
		t.Errorf("plain error: %#v", err)
	}
	_, err = c.CreateTranscription(context.Background(), openai.AudioRequest{Reader: strings.NewReader("x"), FilePath: "a.wav"})
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 || *apiErr.Param != "model" {
		t.Errorf("no model: %#v", err)
	}
	_, err = c.CreateTranscription(context.Background(), openai.AudioRequest{Model: "whisper-1", Reader: strings.NewReader(""), FilePath: "a.wav"})
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 || *apiErr.Param != "file" {
		t.Errorf("empty file: %#v", err)
	}
}
