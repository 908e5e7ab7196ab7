package tts

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// ESpeak speaks English with the espeak-ng command. It reads kanji as English words, so it never
// speaks Japanese. It gives no timings: the mouth follows the audio's envelope.
type ESpeak struct {
	Bin       string // "espeak-ng" on PATH when empty
	VoiceName string // "en-us" when empty
	WPM       int    // words per minute; 0: espeak-ng's default
}

func (e *ESpeak) Name() string { return "espeak-ng" }

func (e *ESpeak) Voice() string {
	if e.VoiceName == "" {
		return "en-us"
	}
	return e.VoiceName
}

func (e *ESpeak) Speaks(lang string) bool { return lang == "en" }

// Available says whether the command is installed.
func (e *ESpeak) Available() error {
	if _, err := exec.LookPath(e.bin()); err != nil {
		return fmt.Errorf("espeak-ng: %w (install espeak-ng)", err)
	}
	return nil
}

func (e *ESpeak) bin() string {
	if e.Bin == "" {
		return "espeak-ng"
	}
	return e.Bin
}

func (e *ESpeak) Synthesize(ctx context.Context, req Request) (Speech, error) {
	if !e.Speaks(req.Lang) {
		return Speech{}, ErrLanguage
	}
	args := []string{"-v", e.Voice(), "--stdout"}
	if e.WPM > 0 {
		args = append(args, "-s", fmt.Sprint(e.WPM))
	}
	cmd := exec.CommandContext(ctx, e.bin(), args...)
	cmd.Stdin = strings.NewReader(req.Text)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return Speech{}, fmt.Errorf("espeak-ng: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	audio := fixStreamedWAV(out.Bytes())
	marks, d, err := EnvelopeMarks(audio)
	if err != nil {
		return Speech{}, fmt.Errorf("espeak-ng: %w", err)
	}
	return Speech{Audio: audio, ContentType: "audio/wav", Duration: d, Marks: marks, Breaks: PauseBreaks(marks, d, 120*time.Millisecond), Engine: e.Name(), Voice: e.Voice()}, nil
}

// fixStreamedWAV sets the RIFF and data sizes of a WAV written to a pipe, which leaves them at
// 0x7fffffff, so that browsers know its length.
func fixStreamedWAV(b []byte) []byte {
	if len(b) < 44 || string(b[0:4]) != "RIFF" {
		return b
	}
	put := func(off int, v int) {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	put(4, len(b)-8)
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int(uint32(b[off+4]) | uint32(b[off+5])<<8 | uint32(b[off+6])<<16 | uint32(b[off+7])<<24)
		if id == "data" {
			put(off+4, len(b)-off-8)
			return b
		}
		if size < 0 || off+8+size > len(b) {
			return b
		}
		off += 8 + size + size%2
	}
	return b
}
