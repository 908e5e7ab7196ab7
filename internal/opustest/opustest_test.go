package opustest

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

func sine(freq float64, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(0.5 * math.Sin(2*math.Pi*freq*float64(i)/48000))
	}
	return out
}

func TestEncodeFrames(t *testing.T) {
	tests := []struct {
		name     string
		channels int
		samples  int // per channel
		opts     []Option
		want     int
	}{
		{"mono 1 s", 1, 48000, []Option{Speech()}, 50},
		{"voip", 1, 48000, []Option{VoIP()}, 50},
		{"mono with a partial frame", 1, 48000 + 500, []Option{Music(), Bitrate(64)}, 50},
		{"stereo 1 s", 2, 48000, []Option{Music()}, 50},
		{"cbr", 1, 9600, []Option{HardCBR(), Bitrate(32)}, 10},
		{"less than a frame", 1, 900, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mono := sine(440, tt.samples)
			pcm := mono
			if tt.channels == 2 {
				pcm = make([]float32, 2*len(mono))
				for i, v := range mono {
					pcm[2*i], pcm[2*i+1] = v, v
				}
			}
			pkts := Encode(t, pcm, 48000, tt.channels, tt.opts...)
			if len(pkts) != tt.want {
				t.Fatalf("%d packets, want %d", len(pkts), tt.want)
			}
			for i, p := range pkts {
				if stereo := p[0]&4 != 0; stereo != (tt.channels == 2) {
					t.Errorf("packet %d: stereo flag %v", i, stereo)
				}
			}
			if tt.name == "voip" {
				for i, p := range pkts {
					if config := p[0] >> 3; config >= 16 {
						t.Fatalf("packet %d is CELT (config %d), want SILK or hybrid as libopus's VoIP gives", i, config)
					}
				}
			}
			if tt.name == "cbr" {
				for i, p := range pkts {
					if len(p) != len(pkts[0]) {
						t.Errorf("packet %d: %d bytes, packet 0 has %d", i, len(p), len(pkts[0]))
					}
				}
				if kbps := len(pkts[0]) * 8 * 50 / 1000; kbps < 30 || kbps > 34 {
					t.Errorf("%d kbit/s, want 32", kbps)
				}
			}
			rtp := RTP(pkts, 65530, 4294967000)
			for i, p := range rtp {
				if p.SequenceNumber != uint16(65530+i) || p.Timestamp != uint32(4294967000+i*960) || p.PayloadType != 111 {
					t.Errorf("RTP packet %d: %+v", i, p.Header)
				}
			}
		})
	}
}

// oggPage builds one Ogg page with its CRC.
func oggPage(flags byte, seq uint32, lacing []byte, payload []byte) []byte {
	b := []byte("OggS")
	b = append(b, 0, flags)
	b = binary.LittleEndian.AppendUint64(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 7) // serial
	b = binary.LittleEndian.AppendUint32(b, seq)
	b = binary.LittleEndian.AppendUint32(b, 0) // CRC, filled below
	b = append(b, byte(len(lacing)))
	b = append(b, lacing...)
	b = append(b, payload...)
	var crc uint32
	for _, v := range b {
		crc ^= uint32(v) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	binary.LittleEndian.PutUint32(b[22:], crc)
	return b
}

// TestReadOggSegments: several packets in one page, a packet of exactly 255 bytes (ended by a 0
// lacing value), and a packet that goes on into the next page.
func TestReadOggSegments(t *testing.T) {
	head := append([]byte("OpusHead"), 1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0)
	tags := append([]byte("OpusTags"), 0, 0, 0, 0, 0, 0, 0, 0)
	a, b := bytes.Repeat([]byte{0xa}, 10), bytes.Repeat([]byte{0xb}, 255)
	c := bytes.Repeat([]byte{0xc}, 300) // 255 on page 3, 45 on page 4
	d := []byte{0xd}

	var s []byte
	s = append(s, oggPage(2, 0, []byte{byte(len(head))}, head)...)
	s = append(s, oggPage(0, 1, []byte{byte(len(tags))}, tags)...)
	s = append(s, oggPage(0, 2, []byte{10, 255, 0, 255}, append(append(append([]byte{}, a...), b...), c[:255]...))...)
	s = append(s, oggPage(1|4, 3, []byte{45, 1}, append(append([]byte{}, c[255:]...), d...))...)

	h, pkts, err := ReadOgg(bytes.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	if h.Channels != 1 || h.PreSkip != 312 || h.SampleRate != 48000 {
		t.Errorf("OpusHead %+v", h)
	}
	want := [][]byte{a, b, c, d}
	if len(pkts) != len(want) {
		t.Fatalf("%d packets, want %d", len(pkts), len(want))
	}
	for i := range want {
		if !bytes.Equal(pkts[i], want[i]) {
			t.Errorf("packet %d: %d bytes, want %d", i, len(pkts[i]), len(want[i]))
		}
	}

	// A stream cut inside a packet, and a corrupted page, are errors.
	if _, _, err := ReadOgg(bytes.NewReader(s[:len(s)-len(oggPage(1|4, 3, []byte{45, 1}, append(append([]byte{}, c[255:]...), d...)))])); err == nil {
		t.Error("no error for a stream ending inside a packet")
	}
	bad := append([]byte(nil), s...)
	bad[len(bad)-1] ^= 1
	if _, _, err := ReadOgg(bytes.NewReader(bad)); err == nil {
		t.Error("no error for a page with a bad CRC")
	}
}
