package media

import "math"

// Decimator converts 48 kHz to 16 kHz: a windowed-sinc low-pass at 7.2 kHz (below the new 8 kHz
// Nyquist) evaluated only at every third input sample. The ratio is exact, so the output length
// never drifts from input/3.
type Decimator struct {
	taps []float32
	hist []float32 // last len(taps)-1 input samples
	buf  []float32
	skip int // input samples to pass before the next output
}

const decimateBy = 3

// NewDecimator returns a 48 kHz → 16 kHz converter with a 48-tap filter.
func NewDecimator() *Decimator {
	const n = 48
	taps := make([]float32, n)
	cutoff := 7200.0 / 48000.0 // cycles per input sample
	var sum float64
	for i := range taps {
		x := float64(i) - float64(n-1)/2
		sinc := 2 * cutoff
		if x != 0 {
			sinc = math.Sin(2*math.Pi*cutoff*x) / (math.Pi * x)
		}
		w := 0.42 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1)) + 0.08*math.Cos(4*math.Pi*float64(i)/float64(n-1)) // Blackman
		taps[i] = float32(sinc * w)
		sum += sinc * w
	}
	for i := range taps {
		taps[i] /= float32(sum) // unity gain at DC
	}
	return &Decimator{taps: taps, hist: make([]float32, n-1)}
}

// Process appends the 16 kHz samples for in to out and returns it.
func (d *Decimator) Process(in, out []float32) []float32 {
	n := len(d.taps)
	d.buf = append(append(d.buf[:0], d.hist...), in...)
	i := d.skip
	for ; i < len(in); i += decimateBy {
		w := d.buf[i : i+n]
		var acc float32
		for k, t := range d.taps {
			acc += w[k] * t
		}
		out = append(out, acc)
	}
	d.skip = i - len(in)
	copy(d.hist, d.buf[len(d.buf)-(n-1):])
	return out
}
