package media

import (
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/livehost/livehost/speech"
	"github.com/livehost/livehost/speech/speechtest"
)

func benchPackets(b *testing.B) ([]*rtp.Packet, time.Duration) {
	a := speechtest.Sentences(b, "en", 48000, 500*time.Millisecond, time.Second,
		"Welcome to the show.", "Today we have a new lip tint in five colors.", "It is two thousand yen until midnight.")
	return encodeOpus(b, a.Samples), a.Duration()
}

// BenchmarkHostStream is one host stream's whole per-packet path on one core: jitter buffer, Opus
// decode (pure Go), 48 → 16 kHz, energy VAD and segmentation. x_realtime is seconds of audio per
// second of CPU, i.e. how many live host streams one core carries (STT aside).
func BenchmarkHostStream(b *testing.B) {
	pkts, dur := benchPackets(b)
	realtime(b, dur, func() {
		j := NewJitter(5)
		d, _ := NewDecoder()
		v, _ := speech.NewEnergyVAD(speech.EnergyVADConfig{})
		s, _ := speech.NewSegmenter(speech.SegmenterConfig{}, v, func(speech.Utterance) {})
		var ready []*rtp.Packet
		var pcm []float32
		for _, p := range pkts {
			ready = j.Push(p, ready)
			for _, r := range ready {
				pcm, _ = d.Decode(r, pcm[:0])
				s.Write(pcm)
			}
		}
		s.Flush()
	})
}

// BenchmarkOpusDecode is the decoder alone (pure-Go Opus, decoded at 16 kHz).
func BenchmarkOpusDecode(b *testing.B) {
	pkts, dur := benchPackets(b)
	realtime(b, dur, func() {
		d, _ := NewDecoder()
		var pcm []float32
		for _, p := range pkts {
			pcm, _ = d.Decode(p, pcm[:0])
		}
	})
}
