package openaitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/internal/wav"
)

// DefaultTranscript is the default transcription of audio: "<seconds> seconds of audio" (two
// decimals) when it is a WAV file, "<n> bytes of audio" otherwise.
func DefaultTranscript(audio []byte) string {
	if info, err := wav.Parse(audio); err == nil {
		return fmt.Sprintf("%.2f seconds of audio", info.Duration.Seconds())
	}
	return fmt.Sprintf("%d bytes of audio", len(audio))
}

// SpeechSampleRate is the sample rate of speech audio, as OpenAI's TTS models use.
const SpeechSampleRate = 24000

// speechRuneDuration is how long each character of input sounds at speed 1.
const speechRuneDuration = 60 * time.Millisecond

// SpeechPCM returns the samples the server speaks for text: per rune 60 ms / speed of a tone whose
// pitch depends on the rune (silence for white space), 24 kHz mono. Speed 0 means 1.
func SpeechPCM(text string, speed float64) []int16 {
	if speed <= 0 {
		speed = 1
	}
	per := int(float64(SpeechSampleRate) * speechRuneDuration.Seconds() / speed)
	var out []int16
	for _, r := range text {
		start := len(out)
		out = append(out, make([]int16, per)...)
		if unicode.IsSpace(r) {
			continue
		}
		freq := 180 + float64(r%64)*10
		for i := 0; i < per; i++ {
			// A short fade at both ends keeps the tone free of clicks.
			env := math.Min(1, math.Min(float64(i), float64(per-1-i))/float64(SpeechSampleRate/200))
			out[start+i] = int16(8000 * env * math.Sin(2*math.Pi*freq*float64(i)/SpeechSampleRate))
		}
	}
	return out
}

// maxSpeechInput is the API's limit on the input of one speech request.
const maxSpeechInput = 4096

func (s *Server) handleSpeech(w http.ResponseWriter, r *http.Request, rec *Request, malformed bool) {
	var req openai.CreateSpeechRequest
	if err := json.Unmarshal(rec.Body, &req); err != nil {
		badRequest(w, "", "We could not parse the JSON body of your request: %v", err)
		return
	}
	s.update(func() { rec.Speech = &req })
	switch {
	case req.Model == "":
		badRequest(w, "model", "you must provide a model parameter")
		return
	case req.Input == "":
		badRequest(w, "input", "Missing required parameter: 'input'.")
		return
	case len([]rune(req.Input)) > maxSpeechInput:
		badRequest(w, "input", "'input' is too long: %d characters, the maximum is %d.", len([]rune(req.Input)), maxSpeechInput)
		return
	case req.Voice == "":
		badRequest(w, "voice", "Missing required parameter: 'voice'.")
		return
	case req.Speed != 0 && (req.Speed < 0.25 || req.Speed > 4):
		badRequest(w, "speed", "Invalid value for 'speed': %g; it must be between 0.25 and 4.0.", req.Speed)
		return
	}
	pcm := SpeechPCM(req.Input, req.Speed)
	var body []byte
	switch req.ResponseFormat {
	case "", openai.SpeechResponseFormatWav:
		// The real API defaults to mp3, which this server cannot encode; it answers WAV instead.
		w.Header().Set("Content-Type", "audio/wav")
		body = wav.Mono16(pcm, SpeechSampleRate)
	case openai.SpeechResponseFormatPcm:
		w.Header().Set("Content-Type", "audio/pcm")
		body = wav.Mono16(pcm, SpeechSampleRate)[44:]
	default:
		badRequest(w, "response_format", "response_format %q is not supported by this test server; use \"wav\" or \"pcm\".", req.ResponseFormat)
		return
	}
	if malformed {
		body = body[:min(len(body), 20)] // a header cut short
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

type transcriptionVerbose struct {
	Task     string        `json:"task"`
	Language string        `json:"language"`
	Duration float64       `json:"duration"`
	Text     string        `json:"text"`
	Segments []segmentWire `json:"segments"`
	Words    []wordWire    `json:"words,omitempty"`
}

type segmentWire struct {
	ID               int     `json:"id"`
	Seek             int     `json:"seek"`
	Start            float64 `json:"start"`
	End              float64 `json:"end"`
	Text             string  `json:"text"`
	Tokens           []int   `json:"tokens"`
	Temperature      float64 `json:"temperature"`
	AvgLogprob       float64 `json:"avg_logprob"`
	CompressionRatio float64 `json:"compression_ratio"`
	NoSpeechProb     float64 `json:"no_speech_prob"`
}

type wordWire struct {
	Word  string  `json:"word"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

func (s *Server) handleTranscription(w http.ResponseWriter, r *http.Request, rec *Request, malformed bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseMultipartForm(maxBody); err != nil {
		badRequest(w, "", "Could not parse multipart form: %v", err)
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	form := map[string][]string(r.MultipartForm.Value)
	var audio []byte
	var name string
	if fh := r.MultipartForm.File["file"]; len(fh) > 0 {
		f, err := fh[0].Open()
		if err != nil {
			badRequest(w, "file", "open uploaded file: %v", err)
			return
		}
		audio, err = io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			badRequest(w, "file", "read uploaded file: %v", err)
			return
		}
		name = fh[0].Filename
	}
	s.update(func() { rec.Form, rec.File, rec.FileName = form, audio, name })
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	model, language, prompt, format := get("model"), get("language"), get("prompt"), get("response_format")
	switch {
	case name == "" && audio == nil:
		badRequest(w, "file", "Missing required parameter: 'file'.")
		return
	case len(audio) == 0:
		badRequest(w, "file", "The audio file is empty.")
		return
	case model == "":
		badRequest(w, "model", "you must provide a model parameter")
		return
	}
	switch format {
	case "", "json", "text", "verbose_json", "srt", "vtt":
	default:
		badRequest(w, "response_format", "Invalid value for 'response_format': '%s'. Supported values are: 'json', 'text', 'srt', 'verbose_json', and 'vtt'.", format)
		return
	}

	s.mu.Lock()
	h := s.transcribe
	s.mu.Unlock()
	var text string
	if h == nil {
		text = DefaultTranscript(audio)
	} else {
		var err error
		text, err = h(audio, model, language, prompt)
		if err != nil {
			var se *StatusError
			if errors.As(err, &se) {
				writeError(w, se.Status, se.Message, "", time.Second)
			} else {
				writeError(w, http.StatusInternalServerError, "transcribe: "+err.Error(), "", 0)
			}
			return
		}
	}

	var dur float64
	if info, err := wav.Parse(audio); err == nil {
		dur = info.Duration.Seconds()
	}
	var body []byte
	contentType := "application/json"
	switch format {
	case "", "json":
		body, _ = json.Marshal(map[string]string{"text": text})
	case "text":
		contentType = "text/plain; charset=utf-8"
		body = []byte(text + "\n")
	case "srt":
		contentType = "text/plain; charset=utf-8"
		body = []byte(fmt.Sprintf("1\n%s --> %s\n%s\n\n", stamp(0, ","), stamp(dur, ","), text))
	case "vtt":
		contentType = "text/plain; charset=utf-8"
		body = []byte(fmt.Sprintf("WEBVTT\n\n%s --> %s\n%s\n\n", stamp(0, "."), stamp(dur, "."), text))
	case "verbose_json":
		lang := language
		if lang == "" {
			lang = "english"
		}
		v := transcriptionVerbose{Task: "transcribe", Language: lang, Duration: dur, Text: text,
			Segments: []segmentWire{{Start: 0, End: dur, Text: text, Tokens: []int{}, AvgLogprob: -0.2, CompressionRatio: 1, NoSpeechProb: 0.01}}}
		if strings.Contains(strings.Join(form["timestamp_granularities[]"], ","), "word") {
			v.Words = spreadWords(text, dur)
		}
		body, _ = json.Marshal(v)
	}
	if malformed {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// spreadWords gives each word of text an equal share of the duration.
func spreadWords(text string, dur float64) []wordWire {
	words := strings.Fields(text)
	out := make([]wordWire, len(words))
	for i, wd := range words {
		out[i] = wordWire{Word: wd, Start: dur * float64(i) / float64(len(words)), End: dur * float64(i+1) / float64(len(words))}
	}
	return out
}

func stamp(sec float64, sep string) string {
	ms := int(math.Round(sec * 1000))
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}
