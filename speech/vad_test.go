package speech

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// tone is a 200 Hz sine with harmonics (voiced-speech-like: low zero-crossing rate) at amplitude amp.
func tone(d time.Duration, amp float64) []float32 {
	n := durationToSamples(d)
	out := make([]float32, n)
	for i := range out {
		x := 2 * math.Pi * 200 * float64(i) / SampleRate
		out[i] = float32(amp * (math.Sin(x) + 0.5*math.Sin(2*x) + 0.25*math.Sin(3*x)) / 1.75)
	}
	return out
}

func noise(d time.Duration, amp float64, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]float32, durationToSamples(d))
	for i := range out {
		out[i] = float32(amp * (2*r.Float64() - 1))
	}
	return out
}

func cat(parts ...[]float32) []float32 {
	var out []float32
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// activity runs the VAD over pcm and returns the active stretches as [start, end) in frames.
func activity(t *testing.T, v VAD, pcm []float32) [][2]int {
	t.Helper()
	var spans [][2]int
	fs := v.FrameSize()
	on := -1
	for i := 0; i+fs <= len(pcm); i += fs {
		d := v.Detect(pcm[i : i+fs])
		f := i / fs
		switch {
		case d.Active && on < 0:
			on = f
		case !d.Active && on >= 0:
			spans = append(spans, [2]int{on, f})
			on = -1
		}
	}
	if on >= 0 {
		spans = append(spans, [2]int{on, len(pcm) / fs})
	}
	return spans
}

func TestEnergyVAD(t *testing.T) {
	quiet := func(d time.Duration) []float32 { return noise(d, 0.001, 7) } // room noise, about -65 dBFS
	tests := []struct {
		name  string
		pcm   []float32
		spans int
	}{
		{"silence", make([]float32, SampleRate*2), 0},
		{"room noise", quiet(2 * time.Second), 0},
		{"one burst", cat(quiet(time.Second), tone(800*time.Millisecond, 0.3), quiet(time.Second)), 1},
		{"short pause inside speech is bridged by the hangover", cat(quiet(time.Second), tone(500*time.Millisecond, 0.3), quiet(150*time.Millisecond), tone(500*time.Millisecond, 0.3), quiet(time.Second)), 1},
		{"long pause splits", cat(quiet(time.Second), tone(500*time.Millisecond, 0.3), quiet(800*time.Millisecond), tone(500*time.Millisecond, 0.3), quiet(time.Second)), 2},
		{"click shorter than onset", cat(quiet(time.Second), tone(30*time.Millisecond, 0.5), quiet(time.Second)), 0},
		{"loud hiss is not speech", cat(quiet(time.Second), noise(time.Second, 0.2, 9), quiet(time.Second)), 0},
		{"quiet speaker above a quiet floor", cat(quiet(time.Second), tone(800*time.Millisecond, 0.02), quiet(time.Second)), 1},
		{"speech from the first frame", cat(tone(800*time.Millisecond, 0.3), quiet(time.Second)), 1},
		{"steady hum in a noisy room is learnt", cat(tone(20*time.Second, 0.01), noise(800*time.Millisecond, 0.3, 3), tone(800*time.Millisecond, 0.3), tone(3*time.Second, 0.01)), 2},
		{"below the absolute floor", cat(make([]float32, SampleRate), tone(800*time.Millisecond, 0.002), make([]float32, SampleRate)), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewEnergyVAD(EnergyVADConfig{})
			if err != nil {
				t.Fatal(err)
			}
			got := activity(t, v, tt.pcm)
			if len(got) != tt.spans {
				t.Fatalf("got %d active spans %v, want %d", len(got), got, tt.spans)
			}
		})
	}
}

func TestEnergyVADHangover(t *testing.T) {
	v, err := NewEnergyVAD(EnergyVADConfig{Hangover: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	pcm := cat(make([]float32, SampleRate), tone(time.Second, 0.3), make([]float32, SampleRate))
	spans := activity(t, v, pcm)
	if len(spans) != 1 {
		t.Fatalf("spans %v", spans)
	}
	// Onset after 3 frames (60 ms) of tone starting at frame 50; end 10 frames (200 ms) after the tone.
	if spans[0][0] != 52 || spans[0][1] != 110 {
		t.Fatalf("active frames %v, want [52 110]", spans[0])
	}
}

func TestEnergyVADConfigErrors(t *testing.T) {
	if _, err := NewEnergyVAD(EnergyVADConfig{Frame: time.Millisecond}); err == nil {
		t.Fatal("1 ms frame accepted")
	}
	if _, err := NewEnergyVAD(EnergyVADConfig{StartDB: 3, StopDB: 6}); err == nil {
		t.Fatal("stop threshold above start accepted")
	}
}
