package speech

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-audio/audio"

	"github.com/livehost/livehost/internal/wav"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("speech pipeline closed")

// PipelineConfig wires a session's audio to STT. Zero values take the defaults shown.
type PipelineConfig struct {
	Transcriber Transcriber // required
	// OnTranscript receives every transcript and dropped-segment notice, in Seq order, one at a time.
	OnTranscript func(ctx context.Context, t Transcript)

	VAD       VAD // default: NewEnergyVAD with its defaults
	Segmenter SegmenterConfig
	Language  string // "ja"
	Prompt    string // see Prompt

	Concurrency int           // 2 STT requests in flight per session
	QueueSize   int           // 8 utterances waiting; beyond that the oldest waiting one is dropped
	Attempts    int           // 6 attempts per utterance
	RetryBase   time.Duration // 250 ms, doubling
	RetryMax    time.Duration // 4 s
	GiveUpAfter time.Duration // 30 s: an utterance not transcribed by then is dropped
	Timeout     time.Duration // 20 s per STT request
}

func (c PipelineConfig) withDefaults() PipelineConfig {
	if c.Language == "" {
		c.Language = "ja"
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 2
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 8
	}
	if c.Attempts <= 0 {
		c.Attempts = 6
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 250 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 4 * time.Second
	}
	if c.GiveUpAfter <= 0 {
		c.GiveUpAfter = 30 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 20 * time.Second
	}
	return c
}

// Pipeline runs VAD and segmentation on the writer's goroutine and STT on a small worker pool, and
// delivers transcripts in speaking order.
type Pipeline struct {
	cfg PipelineConfig
	seg *Segmenter

	ctx    context.Context // cancelled by Close when draining takes too long
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	wake   *sync.Cond
	queue  []Utterance // waiting for a worker, oldest first
	closed bool
	done   map[int]Transcript // finished, waiting for earlier seqs
	next   int                // next seq to deliver
	emitMu sync.Mutex         // serializes OnTranscript so order holds across workers
}

// NewPipeline starts a session's STT workers. Close must be called to stop them.
func NewPipeline(cfg PipelineConfig) (*Pipeline, error) {
	cfg = cfg.withDefaults()
	if cfg.Transcriber == nil {
		return nil, fmt.Errorf("speech pipeline: no transcriber")
	}
	if cfg.OnTranscript == nil {
		return nil, fmt.Errorf("speech pipeline: no OnTranscript callback")
	}
	if cfg.VAD == nil {
		v, err := NewEnergyVAD(EnergyVADConfig{})
		if err != nil {
			return nil, err
		}
		cfg.VAD = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pipeline{cfg: cfg, ctx: ctx, cancel: cancel, done: map[int]Transcript{}}
	p.wake = sync.NewCond(&p.mu)
	seg, err := NewSegmenter(cfg.Segmenter, cfg.VAD, p.enqueue)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("speech pipeline: %w", err)
	}
	p.seg = seg
	for range cfg.Concurrency {
		p.wg.Add(1)
		go p.work()
	}
	return p, nil
}

// Write feeds 16 kHz mono samples in [-1, 1]. Utterances it completes are queued for STT; Write never
// waits for the network.
func (p *Pipeline) Write(pcm []float32) error {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return ErrClosed
	}
	p.seg.Write(pcm)
	return nil
}

// WriteBuffer feeds a go-audio buffer, which must be 16 kHz mono.
func (p *Pipeline) WriteBuffer(buf *audio.Float32Buffer) error {
	if buf == nil || buf.Format == nil {
		return fmt.Errorf("speech pipeline: buffer without a format")
	}
	if buf.Format.SampleRate != SampleRate || buf.Format.NumChannels != 1 {
		return fmt.Errorf("speech pipeline: buffer is %d Hz × %d channels, want %d Hz mono",
			buf.Format.SampleRate, buf.Format.NumChannels, SampleRate)
	}
	return p.Write(buf.Data)
}

// Position is the session time consumed so far.
func (p *Pipeline) Position() time.Duration {
	return time.Duration(p.seg.Position()) * time.Second / SampleRate
}

// Close ends the utterance in progress, waits for the queue to drain until ctx is done, then
// abandons what is left (each abandoned utterance is reported as dropped) and stops the workers.
// Call it from the goroutine that calls Write.
func (p *Pipeline) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	p.seg.Flush()
	p.mu.Lock()
	p.closed = true
	p.wake.Broadcast()
	p.mu.Unlock()

	idle := make(chan struct{})
	go func() { p.wg.Wait(); close(idle) }()
	var err error
	select {
	case <-idle:
	case <-ctx.Done():
		err = fmt.Errorf("speech pipeline: drain: %w", ctx.Err())
		p.cancel()
		<-idle
	}
	p.cancel()
	return err
}

func (p *Pipeline) enqueue(u Utterance) {
	p.mu.Lock()
	var dropped *Utterance
	if len(p.queue) >= p.cfg.QueueSize {
		old := p.queue[0]
		dropped = &old
		p.queue = p.queue[1:]
	}
	p.queue = append(p.queue, u)
	p.wake.Signal()
	p.mu.Unlock()
	if dropped != nil {
		p.finish(p.dropped(*dropped, "STT backlog full: the transcription server is down or too slow"))
	}
}

func (p *Pipeline) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.wake.Wait()
		}
		if len(p.queue) == 0 {
			p.mu.Unlock()
			return
		}
		u := p.queue[0]
		p.queue = p.queue[1:]
		p.mu.Unlock()
		p.finish(p.transcribe(u))
	}
}

func (p *Pipeline) transcribe(u Utterance) Transcript {
	req := Request{WAV: wav.MonoFloat(u.Samples, SampleRate), Language: p.cfg.Language, Prompt: p.cfg.Prompt}
	first := time.Now()
	var lastErr error
	for attempt := 1; attempt <= p.cfg.Attempts; attempt++ {
		if attempt > 1 {
			wait := backoff(attempt-1, p.cfg.RetryBase, p.cfg.RetryMax)
			if time.Since(first)+wait > p.cfg.GiveUpAfter {
				break
			}
			t := time.NewTimer(wait)
			select {
			case <-p.ctx.Done():
				t.Stop()
				return p.dropped(u, "session ended before the transcription server answered")
			case <-t.C:
			}
		}
		ctx, cancel := context.WithTimeout(p.ctx, p.cfg.Timeout)
		text, err := p.cfg.Transcriber.Transcribe(ctx, req)
		cancel()
		if err == nil {
			return Transcript{
				Seq: u.Seq, Text: text, StartMS: u.StartMS(), EndMS: u.EndMS(),
				Final: true, Split: u.Split, Source: SourceSTT, Lang: p.cfg.Language, closed: u.Closed,
			}
		}
		lastErr = err
		if p.ctx.Err() != nil {
			return p.dropped(u, "session ended before the transcription server answered")
		}
		if !Retryable(err) {
			break
		}
	}
	return p.dropped(u, fmt.Sprintf("transcription failed: %v", lastErr))
}

func (p *Pipeline) dropped(u Utterance, reason string) Transcript {
	return Transcript{
		Seq: u.Seq, StartMS: u.StartMS(), EndMS: u.EndMS(), Final: true, Split: u.Split,
		Dropped: true, Reason: reason, Source: SourceSTT, Lang: p.cfg.Language, closed: u.Closed,
	}
}

// finish records a result and delivers every result that is now in order.
func (p *Pipeline) finish(t Transcript) {
	p.mu.Lock()
	p.done[t.Seq] = t
	p.mu.Unlock()
	p.emitMu.Lock()
	defer p.emitMu.Unlock()
	for {
		p.mu.Lock()
		t, ok := p.done[p.next]
		if ok {
			delete(p.done, p.next)
			p.next++
		}
		p.mu.Unlock()
		if !ok {
			return
		}
		p.cfg.OnTranscript(context.WithoutCancel(p.ctx), t)
	}
}
