package tts

import (
	"context"
	"math"
	"time"
	"unicode"

	"github.com/livehost/livehost/internal/wav"
)

// Tone is an in-process engine that "speaks" a short tone per character (silence for spaces),
// with a mouth mark per character. It needs nothing installed: it is the engine of the endurance
// test and benchmarks' null audio sink, and a last resort before captions only.
type Tone struct {
	PerRune time.Duration // 60 ms when zero
}

func (t *Tone) Name() string            { return "tone" }
func (t *Tone) Voice() string           { return "tone" }
func (t *Tone) Speaks(lang string) bool { return true }

const toneRate = 8000

// toneBreakEvery places a break every four characters, about a Japanese accent phrase.
const toneBreakEvery = 4

func (t *Tone) Synthesize(ctx context.Context, req Request) (Speech, error) {
	per := t.PerRune
	if per <= 0 {
		per = 60 * time.Millisecond
	}
	n := int(per.Seconds() * toneRate)
	var pcm []int16
	var marks []Mark
	var breaks []int64
	shapes := []string{"a", "i", "u", "e", "o"}
	k := 0
	for i, r := range []rune(req.Text) {
		at := int64(len(pcm)) * 1000 / toneRate
		if i > 0 && i%toneBreakEvery == 0 {
			breaks = append(breaks, at)
		}
		start := len(pcm)
		pcm = append(pcm, make([]int16, n)...)
		if unicode.IsSpace(r) || unicode.IsPunct(r) {
			marks = append(marks, Mark{MS: at, Shape: "n"})
			continue
		}
		marks = append(marks, Mark{MS: at, Shape: shapes[k%len(shapes)]})
		k++
		f := 200 + float64(r%50)*8
		for i := 0; i < n; i++ {
			pcm[start+i] = int16(4000 * math.Sin(2*math.Pi*f*float64(i)/toneRate))
		}
	}
	d := time.Duration(len(pcm)) * time.Second / toneRate
	return Speech{Audio: wav.Mono16(pcm, toneRate), ContentType: "audio/wav", Duration: d, Marks: compact(marks), Breaks: breaks, Engine: t.Name(), Voice: t.Voice()}, nil
}
