package tts

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// wavPCM is the 16-bit PCM of a RIFF/WAVE file.
type wavPCM struct {
	rate, channels int
	data           []byte
}

func parseWAV(b []byte) (wavPCM, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return wavPCM{}, errors.New("wav: no RIFF/WAVE header")
	}
	var w wavPCM
	bits := 0
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
				return wavPCM{}, fmt.Errorf("wav: fmt chunk of %d bytes", size)
			}
			w.channels = int(binary.LittleEndian.Uint16(b[body+2:]))
			w.rate = int(binary.LittleEndian.Uint32(b[body+4:]))
			bits = int(binary.LittleEndian.Uint16(b[body+14:]))
		case "data":
			if w.rate <= 0 || w.channels <= 0 || bits != 16 {
				return wavPCM{}, fmt.Errorf("wav: want 16-bit PCM, got %d bits, %d Hz, %d channels", bits, w.rate, w.channels)
			}
			w.data = b[body : body+size]
			return w, nil
		}
		off = body + size + size%2
	}
	return wavPCM{}, errors.New("wav: no data chunk")
}

func (w wavPCM) frames() int { return len(w.data) / (2 * w.channels) }

func (w wavPCM) duration() time.Duration {
	return time.Duration(float64(w.frames()) / float64(w.rate) * float64(time.Second))
}

func wavDuration(b []byte) (time.Duration, error) {
	w, err := parseWAV(b)
	if err != nil {
		return 0, err
	}
	return w.duration(), nil
}

// EnvelopeMarks gives mouth marks from the loudness of a WAV's audio when the engine gives no
// timings: every 60 ms window louder than a fraction of the loudest opens the mouth, cycling
// through shapes so that it moves; quiet windows close it.
func EnvelopeMarks(audio []byte) ([]Mark, time.Duration, error) {
	w, err := parseWAV(audio)
	if err != nil {
		return nil, 0, err
	}
	win := w.rate * 60 / 1000 * w.channels
	if win <= 0 {
		return nil, 0, errors.New("wav: sample rate too low")
	}
	n := len(w.data) / 2
	var rms []float64
	peak := 0.0
	for i := 0; i < n; i += win {
		sum := 0.0
		j := i
		for ; j < min(n, i+win); j++ {
			v := float64(int16(binary.LittleEndian.Uint16(w.data[2*j:])))
			sum += v * v
		}
		r := math.Sqrt(sum / float64(j-i))
		rms = append(rms, r)
		peak = max(peak, r)
	}
	shapes := []string{"a", "o", "e", "i", "u"}
	var marks []Mark
	for k, r := range rms {
		s := "n"
		if peak > 0 && r > peak*0.2 {
			s = shapes[k%len(shapes)]
		}
		marks = append(marks, Mark{MS: int64(k * 60), Shape: s})
	}
	return compact(marks), w.duration(), nil
}

// WAV encodes mono 16-bit samples as a RIFF/WAVE file.
func WAV(samples []int16, rate int) []byte {
	b := make([]byte, 44+2*len(samples))
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*len(samples)))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], 1)
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*len(samples)))
	for i, v := range samples {
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	return b
}
