// Package opustest encodes PCM to Opus packets for tests with Debian's opusenc (opus-tools), so the
// tests that need real Opus audio build without cgo. Without opusenc a test skips; with CI=true it
// fails, so the audio tests can never silently not run there.
package opustest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// FrameMS is the duration of every packet Encode returns.
const FrameMS = 20

// FrameSamples is one frame at the Opus RTP clock (48 kHz): the timestamp step between packets.
const FrameSamples = 48000 * FrameMS / 1000

// PayloadType is the RTP payload type of the packets RTP returns (pion's default for Opus).
const PayloadType = 111

const installHint = "install Debian's opus-tools: scripts/install-deps.sh"

// Option tunes the encoder; without options opusenc's defaults apply (VBR, signal type detected).
type Option func(*[]string)

// VoIP stands in for libopus's VoIP application at its default bitrate: tuned for speech at
// 51 kbit/s (libopus's default for 48 kHz mono in 20 ms frames), so speech is coded as hybrid
// SILK+CELT, as it was with libopus. (At opusenc's default 64 kbit/s speech is all CELT.)
func VoIP() Option {
	return func(a *[]string) { Speech()(a); Bitrate(51)(a) }
}

// Speech tunes the encoder's low-bitrate modes for speech.
func Speech() Option { return func(a *[]string) { *a = append(*a, "--speech") } }

// Music tunes the encoder for music, in place of libopus's Audio application (full-band CELT at
// ordinary bitrates, so high tones really are in the stream).
func Music() Option { return func(a *[]string) { *a = append(*a, "--music") } }

// Bitrate sets the target bitrate in kbit/s for the whole stream.
func Bitrate(kbps float64) Option {
	return func(a *[]string) { *a = append(*a, "--bitrate", fmt.Sprint(kbps)) }
}

// HardCBR makes every packet the same size.
func HardCBR() Option { return func(a *[]string) { *a = append(*a, "--hard-cbr") } }

// Path finds opusenc on the PATH. Without CI a missing opusenc skips the test; with CI=true it
// fails it.
func Path(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("opusenc")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no opusenc found (" + installHint + ")")
	}
	t.Skip("no opusenc found; " + installHint)
	return ""
}

// Encode encodes PCM (interleaved when channels is 2, at rate Hz) to 20 ms Opus packets with
// opusenc and returns the raw packets, without the Ogg container and its OpusHead/OpusTags headers.
//
// It returns one packet per whole 20 ms of input, as a program feeding libopus frame by frame
// would: a partial frame at the end is dropped, and so is the last packet opusenc adds to flush the
// encoder's look-ahead. The packets therefore span exactly the input's duration; decoded without
// the Ogg pre-skip (as RTP receivers do), the audio lags the input by the encoder's look-ahead
// (6.5 ms), as it does with libopus itself.
func Encode(t testing.TB, pcm []float32, rate, channels int, opts ...Option) [][]byte {
	t.Helper()
	if channels != 1 && channels != 2 {
		t.Fatalf("opustest: %d channels, want 1 or 2", channels)
	}
	if rate <= 0 || rate%50 != 0 {
		t.Fatalf("opustest: sample rate %d is not a whole number of samples per 20 ms", rate)
	}
	perFrame := rate * FrameMS / 1000 * channels
	frames := len(pcm) / perFrame
	if frames == 0 {
		return nil
	}
	bin := Path(t)

	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.opus")
	if err := os.WriteFile(in, floatWAV(pcm[:frames*perFrame], rate, channels), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--quiet", "--framesize", fmt.Sprint(FrameMS)}
	for _, o := range opts {
		o(&args)
	}
	args = append(args, in, out)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if msg, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("opusenc %v: %v\n%s", args, err, msg)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head, pkts, err := ReadOgg(f)
	if err != nil {
		t.Fatalf("opustest: read opusenc's output: %v", err)
	}
	if int(head.Channels) != channels {
		t.Fatalf("opustest: opusenc wrote %d channels, want %d", head.Channels, channels)
	}
	if len(pkts) < frames {
		t.Fatalf("opustest: %d packets for %d frames of input", len(pkts), frames)
	}
	pkts = pkts[:frames]
	for i, p := range pkts {
		if n, err := packetSamples(p); err != nil || n != FrameSamples {
			t.Fatalf("opustest: packet %d lasts %d samples (%v), want %d", i, n, err, FrameSamples)
		}
	}
	return pkts
}

// RTP puts packets in RTP packets, 20 ms apart, from the given first sequence number and timestamp.
func RTP(pkts [][]byte, seq uint16, ts uint32) []*rtp.Packet {
	out := make([]*rtp.Packet, len(pkts))
	for i, p := range pkts {
		out[i] = &rtp.Packet{
			Header: rtp.Header{
				Version: 2, PayloadType: PayloadType,
				SequenceNumber: seq + uint16(i), Timestamp: ts + uint32(i*FrameSamples),
			},
			Payload: p,
		}
	}
	return out
}

// ReadOgg reads an Ogg Opus stream (one logical stream) and returns its OpusHead and its audio
// packets. Pages come from pion's Ogg reader, which checks their CRC but gives only the page's
// payload; the packets inside are cut by the page's segment table (RFC 3533: lacing values of 255
// continue a packet, which may go on into the next page).
func ReadOgg(r io.Reader) (*oggreader.OggHeader, [][]byte, error) {
	var raw bytes.Buffer
	or, err := oggreader.NewWithOptions(io.TeeReader(r, &raw))
	if err != nil {
		return nil, nil, err
	}
	var (
		packets [][]byte
		partial []byte
		pending bool
	)
	for {
		raw.Reset()
		payload, _, err := or.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		// raw holds exactly this page: its 27-byte header, the segment table and the payload.
		page := raw.Bytes()
		if len(page) < 27 || len(page) < 27+int(page[26]) {
			return nil, nil, errors.New("short Ogg page")
		}
		continued := page[5]&1 != 0
		if continued != pending {
			return nil, nil, fmt.Errorf("Ogg page %d: continuation flag %v, packet pending %v",
				binary.LittleEndian.Uint32(page[18:22]), continued, pending)
		}
		lacing := page[27 : 27+int(page[26])]
		off := 0
		for _, l := range lacing {
			partial = append(partial, payload[off:off+int(l)]...)
			off += int(l)
			if l < 255 {
				packets = append(packets, partial)
				partial = nil
			}
		}
		pending = len(lacing) > 0 && lacing[len(lacing)-1] == 255
	}
	if pending {
		return nil, nil, errors.New("Ogg stream ends inside a packet")
	}
	if len(packets) < 2 {
		return nil, nil, fmt.Errorf("%d packets: no OpusHead and OpusTags", len(packets))
	}
	head, err := oggreader.ParseOpusHead(packets[0])
	if err != nil || !bytes.HasPrefix(packets[0], []byte("OpusHead")) {
		return nil, nil, fmt.Errorf("first packet is not OpusHead (%v)", err)
	}
	if !bytes.HasPrefix(packets[1], []byte("OpusTags")) {
		return nil, nil, errors.New("second packet is not OpusTags")
	}
	return head, packets[2:], nil
}

// packetSamples is the duration of an Opus packet at 48 kHz, from its TOC byte (RFC 6716 3.1).
func packetSamples(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, errors.New("empty packet")
	}
	config := p[0] >> 3
	var frame int // in 48 kHz samples
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		frame = []int{480, 960, 1920, 2880}[config&3]
	case config < 16: // hybrid: 10, 20 ms
		frame = []int{480, 960}[config&1]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = []int{120, 240, 480, 960}[config&3]
	}
	switch p[0] & 3 {
	case 0:
		return frame, nil
	case 1, 2:
		return 2 * frame, nil
	default:
		if len(p) < 2 {
			return 0, errors.New("code 3 packet without a frame count")
		}
		return int(p[1]&0x3f) * frame, nil
	}
}

// floatWAV is a WAVE_FORMAT_IEEE_FLOAT file of 32-bit samples.
func floatWAV(pcm []float32, rate, channels int) []byte {
	data := 4 * len(pcm)
	b := make([]byte, 0, 58+data)
	le := binary.LittleEndian
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, uint32(50+data))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 18)
	b = le.AppendUint16(b, 3) // IEEE float
	b = le.AppendUint16(b, uint16(channels))
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(rate*channels*4))
	b = le.AppendUint16(b, uint16(channels*4))
	b = le.AppendUint16(b, 32)
	b = le.AppendUint16(b, 0) // cbSize
	b = append(b, "fact"...)
	b = le.AppendUint32(b, 4)
	b = le.AppendUint32(b, uint32(len(pcm)/channels))
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(data))
	for _, s := range pcm {
		b = le.AppendUint32(b, math.Float32bits(s))
	}
	return b
}
