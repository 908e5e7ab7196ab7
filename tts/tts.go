// Package tts turns the avatar's sentences into speech: engines behind one interface (Open JTalk
// and espeak-ng offline, the VOICEVOX engine and OpenAI-compatible /v1/audio/speech over HTTP),
// each returning audio and mouth timing marks, a cache by engine, voice and text, and a chain that
// falls back from one engine to the next.
package tts

import (
	"context"
	"errors"
	"time"
)

// Request is one sentence to speak.
type Request struct {
	Text string
	Lang string // "ja" or "en"
}

// Mark is a mouth shape from a moment of the audio on: "a", "i", "u", "e", "o", or "n" (closed).
type Mark struct {
	MS    int64  `json:"t"`
	Shape string `json:"v"`
}

// Speech is synthesized audio with its mouth timing.
type Speech struct {
	Audio       []byte
	ContentType string // audio/wav
	Duration    time.Duration
	Marks       []Mark
	// Breaks are the moments (ms from the start) between two phrases where the speech may stop
	// with no word cut in two, from the engine's own analysis; empty when it has none.
	Breaks []int64
	Engine string
	Voice  string
}

// Engine synthesizes speech. An engine that cannot speak a language returns ErrLanguage.
type Engine interface {
	Name() string
	Voice() string
	Speaks(lang string) bool
	Synthesize(ctx context.Context, req Request) (Speech, error)
}

// ErrLanguage is returned by an engine asked to speak a language it cannot.
var ErrLanguage = errors.New("tts: language not supported by this engine")

// vowelShape maps a phoneme or kana vowel to a mouth shape.
func vowelShape(p string) string {
	switch p {
	case "a", "A":
		return "a"
	case "i", "I":
		return "i"
	case "u", "U":
		return "u"
	case "e", "E":
		return "e"
	case "o", "O":
		return "o"
	}
	return "n"
}

// compact drops marks that repeat the shape before them.
// PauseBreaks finds the breaks of speech whose engine gives only its audio: the start of each
// closed-mouth stretch of at least minPause inside it (not the silence before or after).
func PauseBreaks(marks []Mark, d time.Duration, minPause time.Duration) []int64 {
	var breaks []int64
	end := d.Milliseconds()
	for i, m := range marks {
		if m.Shape != "n" || i == 0 || i == len(marks)-1 {
			continue
		}
		if marks[i+1].MS-m.MS >= minPause.Milliseconds() && m.MS < end {
			breaks = append(breaks, m.MS)
		}
	}
	return breaks
}

func compact(ms []Mark) []Mark {
	out := ms[:0]
	for _, m := range ms {
		if len(out) > 0 && out[len(out)-1].Shape == m.Shape {
			continue
		}
		out = append(out, m)
	}
	return out
}
