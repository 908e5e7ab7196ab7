package tts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// VOICEVOX speaks Japanese through a VOICEVOX engine's HTTP API: POST /audio_query?text&speaker
// gives the AudioQuery whose moras carry consonant and vowel lengths (seconds, divided by
// speedScale for the timeline), POST /synthesis?speaker turns it into WAV.
type VOICEVOX struct {
	BaseURL string // http://127.0.0.1:50021
	Speaker int
	Client  *http.Client
}

func (v *VOICEVOX) Name() string            { return "voicevox" }
func (v *VOICEVOX) Voice() string           { return "speaker-" + strconv.Itoa(v.Speaker) }
func (v *VOICEVOX) Speaks(lang string) bool { return lang == "ja" || lang == "" }

// Mora is one mora of a VOICEVOX AudioQuery.
type Mora struct {
	Text            string   `json:"text"`
	Consonant       *string  `json:"consonant"`
	ConsonantLength *float64 `json:"consonant_length"`
	Vowel           string   `json:"vowel"`
	VowelLength     float64  `json:"vowel_length"`
	Pitch           float64  `json:"pitch"`
}

// AccentPhrase is one accent phrase of an AudioQuery.
type AccentPhrase struct {
	Moras           []Mora `json:"moras"`
	Accent          int    `json:"accent"`
	PauseMora       *Mora  `json:"pause_mora"`
	IsInterrogative bool   `json:"is_interrogative"`
}

// AudioQuery is VOICEVOX's synthesis parameters; unknown fields are kept so that /synthesis gets
// back what /audio_query gave.
type AudioQuery struct {
	AccentPhrases      []AccentPhrase `json:"accent_phrases"`
	SpeedScale         float64        `json:"speedScale"`
	PitchScale         float64        `json:"pitchScale"`
	IntonationScale    float64        `json:"intonationScale"`
	VolumeScale        float64        `json:"volumeScale"`
	PrePhonemeLength   float64        `json:"prePhonemeLength"`
	PostPhonemeLength  float64        `json:"postPhonemeLength"`
	OutputSamplingRate int            `json:"outputSamplingRate"`
	OutputStereo       bool           `json:"outputStereo"`
	Kana               string         `json:"kana,omitempty"`
}

// Timeline is the mouth marks and length of an AudioQuery: every length divided by speedScale.
func (q AudioQuery) Timeline() ([]Mark, time.Duration) {
	speed := q.SpeedScale
	if speed <= 0 {
		speed = 1
	}
	t := q.PrePhonemeLength / speed
	marks := []Mark{{MS: 0, Shape: "n"}}
	at := func(sec float64) int64 { return int64(sec*1000 + 0.5) }
	mora := func(m Mora) {
		if m.Consonant != nil && m.ConsonantLength != nil {
			marks = append(marks, Mark{MS: at(t), Shape: "n"})
			t += *m.ConsonantLength / speed
		}
		marks = append(marks, Mark{MS: at(t), Shape: vowelShape(m.Vowel)})
		t += m.VowelLength / speed
	}
	for _, ap := range q.AccentPhrases {
		for _, m := range ap.Moras {
			mora(m)
		}
		if ap.PauseMora != nil {
			marks = append(marks, Mark{MS: at(t), Shape: "n"})
			t += ap.PauseMora.VowelLength / speed
		}
	}
	marks = append(marks, Mark{MS: at(t), Shape: "n"})
	t += q.PostPhonemeLength / speed
	return compact(marks), time.Duration(t * float64(time.Second))
}

// Breaks are the ends of the query's accent phrases but the last (before any pause after one), in
// milliseconds, on the same clock as Timeline.
func (q AudioQuery) Breaks() []int64 {
	speed := q.SpeedScale
	if speed <= 0 {
		speed = 1
	}
	t := q.PrePhonemeLength / speed
	var breaks []int64
	for i, ap := range q.AccentPhrases {
		for _, m := range ap.Moras {
			if m.ConsonantLength != nil {
				t += *m.ConsonantLength / speed
			}
			t += m.VowelLength / speed
		}
		if i < len(q.AccentPhrases)-1 {
			breaks = append(breaks, int64(t*1000+0.5))
		}
		if ap.PauseMora != nil {
			t += ap.PauseMora.VowelLength / speed
		}
	}
	return breaks
}

func (v *VOICEVOX) client() *http.Client {
	if v.Client == nil {
		return http.DefaultClient
	}
	return v.Client
}

func (v *VOICEVOX) post(ctx context.Context, path string, q url.Values, body []byte) ([]byte, string, error) {
	u := strings.TrimRight(v.BaseURL, "/") + path + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := v.client().Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, "", err
	}
	if res.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("%s: status %d: %s", path, res.StatusCode, strings.TrimSpace(string(b[:min(len(b), 200)])))
	}
	return b, res.Header.Get("Content-Type"), nil
}

func (v *VOICEVOX) Synthesize(ctx context.Context, req Request) (Speech, error) {
	if !v.Speaks(req.Lang) {
		return Speech{}, ErrLanguage
	}
	if v.BaseURL == "" {
		return Speech{}, fmt.Errorf("voicevox: no engine URL configured")
	}
	sp := url.Values{"speaker": {strconv.Itoa(v.Speaker)}}
	qv := url.Values{"text": {req.Text}, "speaker": {strconv.Itoa(v.Speaker)}}
	raw, _, err := v.post(ctx, "/audio_query", qv, nil)
	if err != nil {
		return Speech{}, fmt.Errorf("voicevox: %w", err)
	}
	var q AudioQuery
	if err := json.Unmarshal(raw, &q); err != nil {
		return Speech{}, fmt.Errorf("voicevox: decode audio_query answer: %w", err)
	}
	if len(q.AccentPhrases) == 0 {
		return Speech{}, fmt.Errorf("voicevox: audio_query gave no accent phrases for %q", req.Text)
	}
	audio, ct, err := v.post(ctx, "/synthesis", sp, raw)
	if err != nil {
		return Speech{}, fmt.Errorf("voicevox: %w", err)
	}
	d, err := wavDuration(audio)
	if err != nil {
		return Speech{}, fmt.Errorf("voicevox: synthesis answer (%s): %w", ct, err)
	}
	marks, _ := q.Timeline()
	return Speech{Audio: audio, ContentType: "audio/wav", Duration: d, Marks: marks, Breaks: q.Breaks(), Engine: v.Name(), Voice: v.Voice()}, nil
}
