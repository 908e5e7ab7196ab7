// Package speechtest synthesizes real speech for tests with espeak-ng and sox: sentences separated
// by known silences, so segmentation can be checked against where the speech really is.
package speechtest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/livehost/livehost/internal/wav"
)

// Span is where one sentence's speech lies in the synthesized audio.
type Span struct {
	Text       string
	Start, End time.Duration
}

// Audio is mono float32 PCM with the spans of speech in it.
type Audio struct {
	Rate    int
	Samples []float32
	Spans   []Span
}

// Duration is the length of the audio.
func (a Audio) Duration() time.Duration {
	return time.Duration(len(a.Samples)) * time.Second / time.Duration(a.Rate)
}

// Sentences speaks each sentence with espeak-ng (voice such as "en" or "ja"), trims the silence
// espeak adds around it, and joins them with gap of digital silence, plus lead before the first and
// after the last. The test fails if espeak-ng or sox is missing (scripts/install-deps.sh installs them).
func Sentences(t testing.TB, voice string, rate int, lead, gap time.Duration, sentences ...string) Audio {
	t.Helper()
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("speechtest: %s not found (run scripts/install-deps.sh): %v", tool, err)
		}
	}
	dir := t.TempDir()
	a := Audio{Rate: rate}
	silence := func(d time.Duration) {
		a.Samples = append(a.Samples, make([]float32, int(d*time.Duration(rate)/time.Second))...)
	}
	silence(lead)
	for i, s := range sentences {
		raw := filepath.Join(dir, fmt.Sprintf("s%d.wav", i))
		trimmed := filepath.Join(dir, fmt.Sprintf("s%d.raw", i))
		run(t, "espeak-ng", "-v", voice, "-s", "160", "-w", raw, s)
		// Mono, target rate, 16-bit raw; cut leading and trailing silence so the spans are exact.
		run(t, "sox", raw, "-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-r", strconv.Itoa(rate), trimmed,
			"silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse")
		b, err := os.ReadFile(trimmed)
		if err != nil {
			t.Fatalf("speechtest: read %s: %v", trimmed, err)
		}
		if len(b) < rate/5 {
			t.Fatalf("speechtest: espeak-ng produced almost no audio for %q", s)
		}
		if i > 0 {
			silence(gap)
		}
		start := len(a.Samples)
		pcm := make([]int16, len(b)/2)
		if err := binary.Read(bytes.NewReader(b[:len(pcm)*2]), binary.LittleEndian, pcm); err != nil {
			t.Fatalf("speechtest: decode %s: %v", trimmed, err)
		}
		for _, v := range pcm {
			a.Samples = append(a.Samples, float32(v)/32768)
		}
		a.Spans = append(a.Spans, Span{Text: s, Start: a.at(start), End: a.at(len(a.Samples))})
	}
	silence(lead)
	return a
}

func (a Audio) at(sample int) time.Duration {
	return time.Duration(sample) * time.Second / time.Duration(a.Rate)
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("speechtest: %s %v: %v\n%s", name, args, err, out)
	}
}

// WriteWAV writes the audio as a 16-bit mono WAV file (for a browser's fake microphone).
func (a Audio) WriteWAV(t testing.TB, path string) {
	t.Helper()
	b := wav.MonoFloat(a.Samples, a.Rate)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatalf("speechtest: write %s: %v", path, err)
	}
}
