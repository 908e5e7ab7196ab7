// Package wav reads and writes RIFF/WAVE files of PCM audio: the format speech engines return,
// transcription servers accept and the in-repo fakes speak.
package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Info describes the PCM data of a WAV file.
type Info struct {
	SampleRate    int
	Channels      int
	BitsPerSample int
	DataBytes     int // bytes of sample data present
	Duration      time.Duration
	Data          []byte // the sample data, little-endian; a slice of the file
}

// Parse reads a RIFF/WAVE file's "fmt " and "data" chunks. A data chunk that claims more bytes
// than the file holds is cut to what is there (streamed WAVs often claim 0xFFFFFFFF).
func Parse(b []byte) (Info, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return Info{}, errors.New("parse wav: no RIFF/WAVE header")
	}
	var info Info
	haveFmt := false
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		if size < 0 || size > len(b)-body {
			size = len(b) - body
		}
		switch id {
		case "fmt ":
			if size < 16 {
				return Info{}, fmt.Errorf("parse wav: fmt chunk at byte %d is %d bytes, want at least 16", off, size)
			}
			info.Channels = int(binary.LittleEndian.Uint16(b[body+2:]))
			info.SampleRate = int(binary.LittleEndian.Uint32(b[body+4:]))
			info.BitsPerSample = int(binary.LittleEndian.Uint16(b[body+14:]))
			haveFmt = true
		case "data":
			if !haveFmt {
				return Info{}, fmt.Errorf("parse wav: data chunk at byte %d before fmt chunk", off)
			}
			if info.Channels == 0 || info.SampleRate == 0 || info.BitsPerSample == 0 || info.BitsPerSample%8 != 0 {
				return Info{}, fmt.Errorf("parse wav: unsupported format: %d channels, %d Hz, %d bits", info.Channels, info.SampleRate, info.BitsPerSample)
			}
			info.Data = b[body : body+size]
			info.DataBytes = size
			frame := info.Channels * info.BitsPerSample / 8
			info.Duration = time.Duration(float64(size/frame) / float64(info.SampleRate) * float64(time.Second))
			return info, nil
		}
		off = body + size + size%2 // chunks are padded to even sizes
	}
	return Info{}, errors.New("parse wav: no data chunk")
}

// Mono16 encodes mono 16-bit samples as a RIFF/WAVE file.
func Mono16(samples []int16, rate int) []byte {
	b := header(len(samples), rate)
	for i, v := range samples {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	return b
}

// MonoFloat encodes mono samples in [-1, 1] (clipped beyond) as a 16-bit RIFF/WAVE file.
func MonoFloat(samples []float32, rate int) []byte {
	b := header(len(samples), rate)
	for i, s := range samples {
		v := math.Max(-32768, math.Min(32767, math.Round(float64(s)*32767)))
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(int16(v)))
	}
	return b
}

// header is a 16-bit mono file of n samples with its 44-byte header written.
func header(n, rate int) []byte {
	data := 2 * n
	b := make([]byte, 44+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16) // fmt chunk size
	binary.LittleEndian.PutUint16(b[20:], 1)  // PCM
	binary.LittleEndian.PutUint16(b[22:], 1)  // mono
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*2)) // byte rate
	binary.LittleEndian.PutUint16(b[32:], 2)              // block align
	binary.LittleEndian.PutUint16(b[34:], 16)             // bits per sample
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	return b
}
