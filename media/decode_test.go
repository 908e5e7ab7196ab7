package media

import (
	"math"
	"testing"

	"github.com/pion/rtp"

	"github.com/livehost/livehost/internal/opustest"
)

func sine(freq float64, rate, n int, amp float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

func rms(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(max(1, len(x))))
}

// TestDecoderBandLimits checks the 48 → 16 kHz conversion inside the decoder: speech-band tones
// keep their level, tones above the new 8 kHz Nyquist are removed rather than aliased.
func TestDecoderBandLimits(t *testing.T) {
	tests := []struct {
		freq     float64
		min, max float64 // output RMS relative to input
	}{
		{300, 0.8, 1.2},
		{1000, 0.8, 1.2},
		{3400, 0.8, 1.2},
		{11000, 0, 0.05},
		{18000, 0, 0.05},
	}
	for _, tt := range tests {
		in := sine(tt.freq, 48000, 48000, 0.5)
		d, err := NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		var out []float32
		// Tuned for music: full-band CELT, so the high tones really are in the stream.
		for _, p := range encodeOpusAs(t, in, opustest.Music()) {
			if out, err = d.Decode(p, out); err != nil {
				t.Fatal(err)
			}
		}
		if len(out) != 16000 {
			t.Fatalf("%v Hz: %d output samples for 1 s, want 16000", tt.freq, len(out))
		}
		ratio := rms(out[1600:]) / rms(in)
		if ratio < tt.min || ratio > tt.max {
			t.Errorf("%v Hz: gain %.3f, want %.2f–%.2f", tt.freq, ratio, tt.min, tt.max)
		}
	}
}

// encodeOpus encodes 48 kHz mono PCM, as for VoIP, as 20 ms Opus RTP packets with opusenc.
func encodeOpus(t testing.TB, pcm []float32) []*rtp.Packet {
	return encodeOpusAs(t, pcm, opustest.VoIP())
}

func encodeOpusAs(t testing.TB, pcm []float32, opts ...opustest.Option) []*rtp.Packet {
	t.Helper()
	return opustest.RTP(opustest.Encode(t, pcm, 48000, 1, opts...), 1000, 5000)
}

func TestDecoderKeepsTimeThroughLoss(t *testing.T) {
	in := sine(440, 48000, 48000, 0.5) // 1 s
	pkts := encodeOpus(t, in)
	tests := []struct {
		name string
		drop func(i int) bool
	}{
		{"no loss", func(int) bool { return false }},
		{"every 10th lost", func(i int) bool { return i%10 == 5 }},
		{"a burst lost", func(i int) bool { return i >= 20 && i < 30 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDecoder()
			if err != nil {
				t.Fatal(err)
			}
			var out []float32
			for i, p := range pkts {
				if tt.drop(i) {
					continue
				}
				if out, err = d.Decode(p, out); err != nil {
					t.Fatal(err)
				}
			}
			// Whatever was lost, the output covers exactly the sender's timeline (minus lost packets at the very end).
			if len(out) != 16000 {
				t.Fatalf("%d samples at 16 kHz for 1 s of packets, want 16000", len(out))
			}
			if r := rms(out[2000:3000]); r < 0.25 {
				t.Errorf("decoded level %.3f for a 0.5 sine (RMS 0.35)", r)
			}
		})
	}
}

func TestDecoderBadPayload(t *testing.T) {
	d, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	good := encodeOpus(t, sine(440, 48000, 9600, 0.5))
	var out []float32
	out, _ = d.Decode(good[0], out)
	// A CELT 20 ms TOC byte followed by garbage: replaced by 20 ms of silence, with an error.
	bad := &rtp.Packet{Header: rtp.Header{SequenceNumber: 1001, Timestamp: 5960}, Payload: []byte{0xfc, 0xff, 0xff, 0xff, 0x01}}
	out, _ = d.Decode(bad, out)
	for _, p := range good[2:] {
		out, _ = d.Decode(p, out)
	}
	if len(out) != 3200 {
		t.Fatalf("%d samples for 200 ms, want 3200", len(out))
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0xfc, 0xff, 0xfe}, uint32(960))
	f.Add([]byte{0x03, 0x85, 0x01, 0x02}, uint32(1920))
	f.Add([]byte{}, uint32(0))
	f.Fuzz(func(t *testing.T, payload []byte, ts uint32) {
		d, err := NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		var out []float32
		out, _ = d.Decode(&rtp.Packet{Header: rtp.Header{Timestamp: 0}, Payload: []byte{0xfc, 0, 0}}, out)
		out, _ = d.Decode(&rtp.Packet{Header: rtp.Header{Timestamp: ts}, Payload: payload}, out)
		if len(out) > (maxGap+5760)/3+1000 {
			t.Fatalf("%d samples from two packets", len(out))
		}
	})
}

// TestDecoderStereoSource: OBS publishes stereo Opus; the decoder mixes it down to mono.
func TestDecoderStereoSource(t *testing.T) {
	left := sine(440, 48000, 48000, 0.5)
	inter := make([]float32, 2*len(left))
	for i, v := range left {
		inter[2*i], inter[2*i+1] = v, v
	}
	d, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	var out []float32
	for _, p := range opustest.RTP(opustest.Encode(t, inter, 48000, 2, opustest.Music()), 0, 0) {
		if p.Payload[0]&4 == 0 {
			t.Fatal("opusenc wrote a mono packet for stereo input")
		}
		if out, err = d.Decode(p, out); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) != 16000 {
		t.Fatalf("%d samples for 1 s of stereo, want 16000", len(out))
	}
	if r := rms(out[1600:]) / rms(left); r < 0.8 || r > 1.2 {
		t.Errorf("stereo → mono gain %.2f", r)
	}
}

// TestDecoderGapRemainderCarries: gaps that are not a multiple of 3 samples at 48 kHz (a sender
// whose clock is not an Opus frame multiple) must not lose the remainder each time, or session time
// would drift from the audio.
func TestDecoderGapRemainderCarries(t *testing.T) {
	d, err := NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	var out []float32
	for range 3000 {
		out = d.silence(961, out)
	}
	if want := 3000 * 961 / 3; len(out) != want {
		t.Fatalf("%d samples of silence, want %d", len(out), want)
	}
}
