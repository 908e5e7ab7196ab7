package speech

import (
	"fmt"
	"time"
)

// Utterance is a stretch of speech cut from the stream, ready for STT.
type Utterance struct {
	Seq     int
	Start   int64 // first sample, counted from the session's first sample
	Samples []float32
	Split   bool      // cut at MaxLength; speech continues in the next utterance
	Closed  time.Time // when the segmenter decided the utterance was over
}

// StartMS and EndMS are the utterance's bounds in milliseconds since the session started.
func (u Utterance) StartMS() int64 { return samplesToMS(u.Start) }
func (u Utterance) EndMS() int64   { return samplesToMS(u.Start + int64(len(u.Samples))) }

// SegmenterConfig tunes utterance segmentation. Zero values take the defaults shown.
type SegmenterConfig struct {
	MaxLength time.Duration // 15 s: longer speech is split so STT sees bounded segments
	MinSpeech time.Duration // 300 ms of voiced frames, or the utterance is discarded as a click or cough
	PreRoll   time.Duration // 200 ms kept before the detected onset, so first syllables are not clipped
	Tail      time.Duration // 100 ms kept after the last voiced frame
}

func (c SegmenterConfig) withDefaults() SegmenterConfig {
	if c.MaxLength == 0 {
		c.MaxLength = 15 * time.Second
	}
	if c.MinSpeech == 0 {
		c.MinSpeech = 300 * time.Millisecond
	}
	if c.PreRoll == 0 {
		c.PreRoll = 200 * time.Millisecond
	}
	if c.Tail == 0 {
		c.Tail = 100 * time.Millisecond
	}
	return c
}

// Segmenter cuts a continuous 16 kHz stream into utterances using a VAD. It is not safe for
// concurrent use; one goroutine writes a session's audio.
type Segmenter struct {
	cfg  SegmenterConfig
	vad  VAD
	emit func(Utterance)

	frame   []float32 // partial frame carried between writes
	pos     int64     // samples consumed by the VAD so far
	preroll []float32 // ring of recent samples while not in speech
	maxLen  int
	minVoc  int
	tail    int

	in        bool
	start     int64
	buf       []float32
	voiced    int   // voiced samples in buf
	onset     int   // consecutive voiced samples before the VAD declared speech
	lastVoice int64 // end of the last voiced frame (absolute samples)
	seq       int
}

// NewSegmenter returns a segmenter that calls emit for each utterance, in order, from Write or Flush.
func NewSegmenter(cfg SegmenterConfig, vad VAD, emit func(Utterance)) (*Segmenter, error) {
	cfg = cfg.withDefaults()
	if vad == nil {
		return nil, fmt.Errorf("segmenter: no VAD")
	}
	if emit == nil {
		return nil, fmt.Errorf("segmenter: no emit callback")
	}
	if cfg.MinSpeech >= cfg.MaxLength {
		return nil, fmt.Errorf("segmenter: minimum speech %v is not below maximum length %v", cfg.MinSpeech, cfg.MaxLength)
	}
	return &Segmenter{
		cfg:    cfg,
		vad:    vad,
		emit:   emit,
		frame:  make([]float32, 0, vad.FrameSize()),
		maxLen: durationToSamples(cfg.MaxLength),
		minVoc: durationToSamples(cfg.MinSpeech),
		tail:   durationToSamples(cfg.Tail),
	}, nil
}

// Position is the number of samples consumed so far.
func (s *Segmenter) Position() int64 { return s.pos + int64(len(s.frame)) }

// Write feeds 16 kHz mono samples in [-1, 1].
func (s *Segmenter) Write(pcm []float32) {
	fs := s.vad.FrameSize()
	for len(pcm) > 0 {
		n := min(fs-len(s.frame), len(pcm))
		s.frame = append(s.frame, pcm[:n]...)
		pcm = pcm[n:]
		if len(s.frame) == fs {
			s.step(s.frame)
			s.frame = s.frame[:0]
		}
	}
}

func (s *Segmenter) step(frame []float32) {
	d := s.vad.Detect(frame)
	end := s.pos + int64(len(frame))
	if !s.in {
		if d.Active {
			s.in = true
			s.start = s.pos - int64(len(s.preroll))
			s.buf = append(append(s.buf[:0], s.preroll...), frame...)
			// The onset frames were voiced before the VAD declared speech; they are in the pre-roll.
			s.voiced = min(s.onset, len(s.preroll))
			s.onset = 0
			if d.Voiced {
				s.voiced += len(frame)
				s.lastVoice = end
			} else {
				s.lastVoice = s.pos
			}
			s.preroll = s.preroll[:0]
		} else {
			if d.Voiced {
				s.onset += len(frame)
			} else {
				s.onset = 0
			}
			s.preroll = append(s.preroll, frame...)
			if keep := durationToSamples(s.cfg.PreRoll); len(s.preroll) > keep {
				s.preroll = append(s.preroll[:0], s.preroll[len(s.preroll)-keep:]...)
			}
		}
		s.pos = end
		return
	}
	s.buf = append(s.buf, frame...)
	if d.Voiced {
		s.voiced += len(frame)
		s.lastVoice = end
	}
	s.pos = end
	switch {
	case !d.Active:
		s.finish(false)
	case len(s.buf) >= s.maxLen:
		s.finish(true)
	}
}

// finish emits the utterance in progress. split means speech goes on and a new utterance starts at once.
func (s *Segmenter) finish(split bool) {
	n := len(s.buf)
	if !split {
		// Drop the hangover: keep up to Tail after the last voiced frame.
		n = int(min(int64(n), s.lastVoice-s.start+int64(s.tail)))
	}
	if s.voiced >= s.minVoc && n > 0 {
		u := Utterance{
			Seq:     s.seq,
			Start:   s.start,
			Samples: append([]float32(nil), s.buf[:n]...),
			Split:   split,
			Closed:  time.Now(),
		}
		s.seq++
		s.emit(u)
	}
	s.buf = s.buf[:0]
	s.voiced = 0
	if split {
		s.start = s.pos
		s.lastVoice = s.pos
		return
	}
	s.in = false
}

// Flush ends any utterance in progress, as at the end of a stream.
func (s *Segmenter) Flush() {
	if len(s.frame) > 0 && s.in {
		s.buf = append(s.buf, s.frame...)
	}
	s.pos += int64(len(s.frame))
	s.frame = s.frame[:0]
	if s.in {
		s.finish(false)
	}
	s.vad.Reset()
	s.preroll = s.preroll[:0]
	s.onset = 0
}
