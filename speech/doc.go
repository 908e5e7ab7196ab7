// Package speech turns a host's 16 kHz mono audio into ordered transcript segments: voice activity
// detection (energy/zero-crossing by default), utterance segmentation, and speech-to-text through any
// OpenAI-compatible /v1/audio/transcriptions server, with retries, a concurrency limit and a bounded
// queue that reports what it had to drop.
package speech

import "time"

// SampleRate is the rate of every PCM sample this package accepts: 16 kHz mono, what STT servers want.
const SampleRate = 16000

// Sources of a transcript. Text from the browser's speech recognition or a caption feed enters the
// same way as STT output, with its own Source.
const (
	SourceSTT     = "stt"
	SourceBrowser = "browser"
	SourceCaption = "caption"
)

// Transcript is one utterance as text, or a notice that an utterance had to be dropped.
type Transcript struct {
	Seq     int    `json:"seq"`      // 0, 1, 2, … in speaking order within a session
	Text    string `json:"text"`     // empty when Dropped, or when STT heard nothing intelligible
	StartMS int64  `json:"start_ms"` // since the session's first sample
	EndMS   int64  `json:"end_ms"`
	Final   bool   `json:"final"`             // false only for interim text (browser recognition)
	Split   bool   `json:"split,omitempty"`   // cut at the maximum utterance length; the next one continues it
	Dropped bool   `json:"dropped,omitempty"` // the audio was never transcribed
	Reason  string `json:"reason,omitempty"`  // why it was dropped
	Source  string `json:"source"`
	Lang    string `json:"lang,omitempty"`

	closed time.Time // when the utterance ended, for latency measurements
}

func samplesToMS(n int64) int64 { return n * 1000 / SampleRate }

func durationToSamples(d time.Duration) int { return int(d * SampleRate / time.Second) }
