package tts

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/livehost/livehost/internal/wav"
)

// parse16 reads a WAV file of 16-bit PCM, the only kind the envelope reads.
func parse16(b []byte) (wav.Info, error) {
	w, err := wav.Parse(b)
	if err != nil {
		return w, err
	}
	if w.BitsPerSample != 16 {
		return w, fmt.Errorf("wav: want 16-bit PCM, got %d bits", w.BitsPerSample)
	}
	return w, nil
}

func wavDuration(b []byte) (time.Duration, error) {
	w, err := wav.Parse(b)
	if err != nil {
		return 0, err
	}
	return w.Duration, nil
}

// EnvelopeMarks gives mouth marks from the loudness of a WAV's audio when the engine gives no
// timings: every 60 ms window louder than a fraction of the loudest opens the mouth, cycling
// through shapes so that it moves; quiet windows close it.
func EnvelopeMarks(audio []byte) ([]Mark, time.Duration, error) {
	w, err := parse16(audio)
	if err != nil {
		return nil, 0, err
	}
	win := w.SampleRate * 60 / 1000 * w.Channels
	if win <= 0 {
		return nil, 0, errors.New("wav: sample rate too low")
	}
	n := len(w.Data) / 2
	var rms []float64
	peak := 0.0
	for i := 0; i < n; i += win {
		sum := 0.0
		j := i
		for ; j < min(n, i+win); j++ {
			v := float64(int16(binary.LittleEndian.Uint16(w.Data[2*j:])))
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
	return compact(marks), w.Duration, nil
}
