package media

import (
	"fmt"

	"github.com/pion/opus"
	"github.com/pion/rtp"
)

// opusClock is the RTP clock rate of Opus, whatever the encoder's internal rate.
const opusClock = 48000

// maxGap is the longest silence inserted for a hole in the timestamps; a larger jump is a sender
// restart or a muted source, not loss, and is skipped rather than filled.
const maxGap = 5 * opusClock

// outRate is the decoder's output: 16 kHz mono, what speech wants.
const outRate = 16000

// Decoder turns ordered Opus RTP packets into 16 kHz mono PCM. The 48 → 16 kHz conversion happens
// inside the Opus decoder (the Opus API's decode-at-rate: SILK speech is synthesized at its own
// 16 kHz, CELT is band-limited to 8 kHz before it is downsampled), which is half again as fast as
// decoding to 48 kHz and filtering (docs/BENCHMARKS.md). Session time follows the RTP timestamps
// (the sender's sample clock): lost packets become silence of exactly their length, so the
// transcript's times neither drift from the audio nor accumulate rounding.
type Decoder struct {
	opus   opus.Decoder
	pcm    []float32
	have   bool
	nextTS uint32 // timestamp expected for the next packet
	frac   int    // 48 kHz samples of gap not yet turned into 16 kHz silence

	Errors int // packets that failed to decode (replaced with silence)
}

// NewDecoder returns a decoder for one Opus stream.
func NewDecoder() (*Decoder, error) {
	od, err := opus.NewDecoderWithOutput(outRate, 1)
	if err != nil {
		return nil, fmt.Errorf("opus decoder: %w", err)
	}
	return &Decoder{opus: od, pcm: make([]float32, 120*outRate/1000)}, nil
}

// Decode appends the 16 kHz samples for p (preceded by silence for any gap before it) to out.
func (d *Decoder) Decode(p *rtp.Packet, out []float32) ([]float32, error) {
	if d.have {
		gap := int32(p.Timestamp - d.nextTS)
		if gap < 0 {
			return out, nil // overlaps what was already played: a retransmission or a stale packet
		}
		if gap > 0 && gap <= maxGap {
			out = d.silence(int(gap), out)
		}
	}
	if len(p.Payload) == 0 {
		return out, nil
	}
	n, err := d.decode(p.Payload)
	if err != nil {
		d.Errors++
		samples, terr := opusPacketSamples(p.Payload)
		if terr != nil {
			return out, fmt.Errorf("decode opus packet seq %d: %w", p.SequenceNumber, err)
		}
		out = d.silence(samples, out)
		d.have, d.nextTS = true, p.Timestamp+uint32(samples)
		return out, fmt.Errorf("decode opus packet seq %d: %w", p.SequenceNumber, err)
	}
	out = append(out, d.pcm[:n]...)
	d.have, d.nextTS = true, p.Timestamp+uint32(n*(opusClock/outRate))
	return out, nil
}

// decode runs the Opus decoder on a payload from the network; a panic inside it (a bitstream
// case the pure-Go decoder does not handle) becomes an error instead of ending the process.
func (d *Decoder) decode(payload []byte) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("opus decoder panicked: %v", r)
			// The decoder's state is unknown after a panic: start it afresh.
			if od, ierr := opus.NewDecoderWithOutput(outRate, 1); ierr == nil {
				d.opus = od
			}
		}
	}()
	return d.opus.DecodeToFloat32(payload, d.pcm)
}

// silence appends n samples' worth (at 48 kHz) of silence at 16 kHz, carrying any remainder.
func (d *Decoder) silence(n48 int, out []float32) []float32 {
	d.frac += n48
	n := d.frac / (opusClock / outRate)
	d.frac -= n * (opusClock / outRate)
	for range n {
		out = append(out, 0)
	}
	return out
}

// opusPacketSamples reads a packet's duration at 48 kHz from its TOC byte (RFC 6716 §3.1), so an
// undecodable packet can still be replaced by silence of the right length.
func opusPacketSamples(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("empty opus packet")
	}
	config := int(b[0] >> 3)
	var frame int // samples at 48 kHz
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		frame = []int{480, 960, 1920, 2880}[config%4]
	case config < 16: // hybrid: 10, 20 ms
		frame = []int{480, 960}[config%2]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = []int{120, 240, 480, 960}[config%4]
	}
	var frames int
	switch b[0] & 3 {
	case 0:
		frames = 1
	case 1, 2:
		frames = 2
	default:
		if len(b) < 2 {
			return 0, fmt.Errorf("opus code-3 packet without a frame count")
		}
		frames = int(b[1] & 0x3f)
	}
	if frames*frame > 120*opusClock/1000 {
		return 0, fmt.Errorf("opus packet longer than 120 ms")
	}
	return frames * frame, nil
}
