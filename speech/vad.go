package speech

import (
	"fmt"
	"math"
	"time"
)

// Decision is a VAD's verdict on one frame.
type Decision struct {
	// Active is true while the speaker is considered to be talking, hangover included.
	Active bool
	// Voiced is true when this frame itself carries speech; the segmenter ends an utterance after the
	// last voiced frame, so the hangover is not sent to STT.
	Voiced bool
}

// VAD classifies fixed-size frames of 16 kHz mono audio. Implementations keep state between frames.
type VAD interface {
	FrameSize() int
	Detect(frame []float32) Decision
	Reset()
}

// EnergyVADConfig tunes the default detector. Zero values take the defaults shown.
type EnergyVADConfig struct {
	Frame    time.Duration // 20 ms
	StartDB  float64       // 12: a frame this far above the noise floor can start speech
	StopDB   float64       // 6: speech continues while frames stay this far above the floor (hysteresis)
	MinDBFS  float64       // -50: nothing quieter than this is speech, however quiet the room
	MaxZCR   float64       // 0.45: zero-crossing rate above which a loud onset frame is taken for noise
	Onset    time.Duration // 60 ms of consecutive speech frames before speech starts
	Hangover time.Duration // 300 ms of non-speech before speech ends
}

func (c EnergyVADConfig) withDefaults() EnergyVADConfig {
	if c.Frame == 0 {
		c.Frame = 20 * time.Millisecond
	}
	if c.StartDB == 0 {
		c.StartDB = 12
	}
	if c.StopDB == 0 {
		c.StopDB = 6
	}
	if c.MinDBFS == 0 {
		c.MinDBFS = -50
	}
	if c.MaxZCR == 0 {
		c.MaxZCR = 0.45
	}
	if c.Onset == 0 {
		c.Onset = 60 * time.Millisecond
	}
	if c.Hangover == 0 {
		c.Hangover = 300 * time.Millisecond
	}
	return c
}

// EnergyVAD is an energy and zero-crossing detector with an adaptive noise floor, separate start and
// stop thresholds (hysteresis), an onset count against clicks and a hangover against short pauses.
type EnergyVAD struct {
	cfg         EnergyVADConfig
	frame       int
	onsetFrames int
	hangFrames  int

	floor  float64 // noise floor estimate, dBFS
	active bool
	run    int // consecutive start-worthy frames while inactive
	quiet  int // consecutive non-speech frames while active
}

// NewEnergyVAD returns the default detector.
func NewEnergyVAD(cfg EnergyVADConfig) (*EnergyVAD, error) {
	cfg = cfg.withDefaults()
	frame := durationToSamples(cfg.Frame)
	if frame < 80 {
		return nil, fmt.Errorf("energy vad: frame %v is shorter than 5 ms", cfg.Frame)
	}
	if cfg.StopDB > cfg.StartDB {
		return nil, fmt.Errorf("energy vad: stop threshold %.1f dB is above start threshold %.1f dB", cfg.StopDB, cfg.StartDB)
	}
	v := &EnergyVAD{
		cfg:         cfg,
		frame:       frame,
		onsetFrames: max(1, int(cfg.Onset/cfg.Frame)),
		hangFrames:  max(1, int(cfg.Hangover/cfg.Frame)),
	}
	v.Reset()
	return v, nil
}

// FrameSize is the number of samples Detect expects.
func (v *EnergyVAD) FrameSize() int { return v.frame }

// Hangover is how long after the last voiced frame the detector reports the end of speech.
func (v *EnergyVAD) Hangover() time.Duration { return v.cfg.Hangover }

// Reset forgets the noise floor and any speech in progress.
func (v *EnergyVAD) Reset() {
	// Start from a quiet room's level rather than learning it from the first frames: the host may
	// already be talking when the stream starts.
	v.floor = v.cfg.MinDBFS - 10
	v.active = false
	v.run = 0
	v.quiet = 0
}

// Detect classifies one frame of FrameSize samples in [-1, 1].
func (v *EnergyVAD) Detect(frame []float32) Decision {
	var sum float64
	crossings := 0
	prev := float32(0)
	for i, s := range frame {
		sum += float64(s) * float64(s)
		if i > 0 && (s >= 0) != (prev >= 0) {
			crossings++
		}
		prev = s
	}
	n := max(1, len(frame))
	db := 10 * math.Log10(sum/float64(n)+1e-12) // dBFS of the frame's mean power
	zcr := float64(crossings) / float64(n)

	v.trackFloor(db)
	start := db > v.floor+v.cfg.StartDB && db > v.cfg.MinDBFS && zcr < v.cfg.MaxZCR
	cont := db > v.floor+v.cfg.StopDB && db > v.cfg.MinDBFS

	if !v.active {
		if start {
			v.run++
		} else {
			v.run = 0
		}
		if v.run >= v.onsetFrames {
			v.active, v.quiet, v.run = true, 0, 0
		}
		// Onset frames are voiced even before speech is declared; the segmenter's pre-roll keeps them.
		return Decision{Active: v.active, Voiced: start}
	}
	if cont {
		v.quiet = 0
		return Decision{Active: true, Voiced: true}
	}
	v.quiet++
	if v.quiet > v.hangFrames {
		v.active, v.quiet = false, 0
	}
	return Decision{Active: v.active}
}

// trackFloor follows the quietest recent level: down fast, up slowly (slower still during speech,
// so a long utterance does not lift the floor into itself, yet a room that got noisier is learnt).
func (v *EnergyVAD) trackFloor(db float64) {
	switch {
	case db < v.floor:
		v.floor = 0.7*v.floor + 0.3*db
	case v.active:
		v.floor += math.Min(0.01, (db-v.floor)*0.002) // at most 0.5 dB per second
	default:
		v.floor += math.Min(0.05, (db-v.floor)*0.01) // at most 2.5 dB per second
	}
	v.floor = math.Max(v.floor, -100)
}
