package speech

import (
	"testing"
	"time"

	"github.com/livehost/livehost/speech/speechtest"
)

func segment(t *testing.T, cfg SegmenterConfig, pcm []float32, chunk int) []Utterance {
	t.Helper()
	v, err := NewEnergyVAD(EnergyVADConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var got []Utterance
	s, err := NewSegmenter(cfg, v, func(u Utterance) { got = append(got, u) })
	if err != nil {
		t.Fatal(err)
	}
	for len(pcm) > 0 {
		n := min(chunk, len(pcm))
		s.Write(pcm[:n])
		pcm = pcm[n:]
	}
	s.Flush()
	return got
}

// checkSpans asserts one utterance per span, each starting within the pre-roll before its span and
// ending within the tail and a frame after it.
func checkSpans(t *testing.T, got []Utterance, spans []speechtest.Span) {
	t.Helper()
	if len(got) != len(spans) {
		for _, u := range got {
			t.Logf("utterance %d: %d–%d ms", u.Seq, u.StartMS(), u.EndMS())
		}
		t.Fatalf("got %d utterances, want %d (spans %+v)", len(got), len(spans), spans)
	}
	for i, u := range got {
		sp := spans[i]
		start, end := time.Duration(u.StartMS())*time.Millisecond, time.Duration(u.EndMS())*time.Millisecond
		if start < sp.Start-300*time.Millisecond || start > sp.Start+100*time.Millisecond {
			t.Errorf("utterance %d starts at %v, speech starts at %v", i, start, sp.Start)
		}
		if end < sp.End-150*time.Millisecond || end > sp.End+250*time.Millisecond {
			t.Errorf("utterance %d ends at %v, speech ends at %v", i, end, sp.End)
		}
		if u.Seq != i {
			t.Errorf("utterance %d has seq %d", i, u.Seq)
		}
	}
}

func TestSegmenterEspeak(t *testing.T) {
	tests := []struct {
		voice     string
		sentences []string
	}{
		{"en", []string{
			"Welcome to the show, today we have a new lipstick.",
			"It comes in five colors and lasts all day.",
			"The price is two thousand yen until midnight.",
		}},
		{"ja", []string{
			"こんばんは、今日は新しいリップを紹介します。",
			"色は五色で、一日中落ちにくいです。",
			"今夜十二時まで二千円です。",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.voice, func(t *testing.T) {
			a := speechtest.Sentences(t, tt.voice, SampleRate, 500*time.Millisecond, time.Second, tt.sentences...)
			for _, chunk := range []int{320, 960, 4096} {
				checkSpans(t, segment(t, SegmenterConfig{}, a.Samples, chunk), a.Spans)
			}
		})
	}
}

func TestSegmenterSplitsLongSpeech(t *testing.T) {
	pcm := cat(make([]float32, SampleRate), tone(20*time.Second, 0.3), make([]float32, SampleRate))
	got := segment(t, SegmenterConfig{}, pcm, 1000)
	if len(got) != 2 {
		t.Fatalf("got %d utterances, want 2", len(got))
	}
	if !got[0].Split || got[1].Split {
		t.Errorf("split flags %v %v, want true false", got[0].Split, got[1].Split)
	}
	if d := len(got[0].Samples); d != 15*SampleRate {
		t.Errorf("first utterance is %d samples, want %d (15 s)", d, 15*SampleRate)
	}
	if got[1].Start != got[0].Start+int64(len(got[0].Samples)) {
		t.Errorf("second utterance starts at %d, first ends at %d", got[1].Start, got[0].Start+int64(len(got[0].Samples)))
	}
}

func TestSegmenterDropsShortSounds(t *testing.T) {
	pcm := cat(make([]float32, SampleRate), tone(150*time.Millisecond, 0.3), make([]float32, SampleRate),
		tone(600*time.Millisecond, 0.3), make([]float32, SampleRate))
	got := segment(t, SegmenterConfig{}, pcm, 512)
	if len(got) != 1 {
		t.Fatalf("got %d utterances, want only the 600 ms one", len(got))
	}
	if ms := got[0].StartMS(); ms < 1900 || ms > 2200 { // the pre-roll reaches up to 200 ms back
		t.Errorf("kept utterance starts at %d ms, want the one at 2150 ms", ms)
	}
}

func TestSegmenterFlushEndsSpeech(t *testing.T) {
	pcm := cat(make([]float32, SampleRate), tone(time.Second, 0.3))
	got := segment(t, SegmenterConfig{}, pcm, 700)
	if len(got) != 1 || got[0].EndMS() < 1900 {
		t.Fatalf("flush at the end of speech: %+v", got)
	}
}

func TestSegmenterConfigErrors(t *testing.T) {
	v, _ := NewEnergyVAD(EnergyVADConfig{})
	if _, err := NewSegmenter(SegmenterConfig{MinSpeech: 20 * time.Second}, v, func(Utterance) {}); err == nil {
		t.Error("min speech above max length accepted")
	}
	if _, err := NewSegmenter(SegmenterConfig{}, nil, func(Utterance) {}); err == nil {
		t.Error("nil VAD accepted")
	}
	if _, err := NewSegmenter(SegmenterConfig{}, v, nil); err == nil {
		t.Error("nil callback accepted")
	}
}
