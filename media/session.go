package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/livehost/livehost/speech"
)

// session is one publisher: a peer connection whose first Opus track feeds a speech pipeline.
type session struct {
	w      *WHIP
	id     string
	showID string
	pc     *webrtc.PeerConnection
	pipe   *speech.Pipeline

	mu      sync.Mutex
	closing bool
	started bool           // reported to OnSession, so its end is reported too
	audio   bool           // an audio track is already feeding the pipeline
	readers sync.WaitGroup // track readers
	once    sync.Once
	done    chan struct{}
}

func (w *WHIP) newSession(showID string, pcfg speech.PipelineConfig) (*session, error) {
	s := &session{w: w, id: newResourceID(), showID: showID, done: make(chan struct{})}
	pcfg.OnTranscript = func(ctx context.Context, t speech.Transcript) { w.cfg.OnTranscript(ctx, showID, t) }
	pipe, err := speech.NewPipeline(pcfg)
	if err != nil {
		return nil, fmt.Errorf("speech pipeline for show %s: %w", showID, err)
	}
	s.pipe = pipe
	pc, err := w.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		_ = pipe.Close(context.Background())
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	s.pc = pc
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { s.read(tr) })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
		default:
			return
		}
		// Closing from inside pion's callback would wait on itself; hand it to a goroutine the
		// endpoint waits for.
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return
		}
		w.wg.Add(1)
		w.mu.Unlock()
		go func() {
			defer w.wg.Done()
			w.expire(s, "connection "+st.String())
		}()
	})
	return s, nil
}

func (s *session) negotiate(ctx context.Context, offer []byte) ([]byte, error) {
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadOffer, err)
	}
	opus := false
	for _, t := range s.pc.GetTransceivers() {
		if t.Kind() != webrtc.RTPCodecTypeAudio || t.Receiver() == nil {
			continue
		}
		for _, c := range t.Receiver().GetParameters().Codecs {
			if strings.EqualFold(c.MimeType, webrtc.MimeTypeOpus) {
				opus = true
			}
		}
	}
	if !opus {
		return nil, ErrNoOpus
	}
	answer, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return nil, fmt.Errorf("create answer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(s.pc)
	if err := s.pc.SetLocalDescription(answer); err != nil {
		return nil, fmt.Errorf("set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return nil, fmt.Errorf("gather ICE candidates: %w", ctx.Err())
	}
	return []byte(s.pc.LocalDescription().SDP), nil
}

// read runs on pion's OnTrack goroutine for the life of a track.
func (s *session) read(tr *webrtc.TrackRemote) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return
	}
	s.readers.Add(1)
	feed := tr.Kind() == webrtc.RTPCodecTypeAudio && !s.audio &&
		strings.EqualFold(tr.Codec().MimeType, webrtc.MimeTypeOpus)
	if feed {
		s.audio = true
	}
	s.mu.Unlock()
	defer s.readers.Done()

	if !feed {
		// Video from OBS, or a second audio track: read and discard (into one buffer, video is
		// megabits a second) so the receive buffers never fill.
		buf := make([]byte, 8192)
		for {
			if _, _, err := tr.Read(buf); err != nil && !errors.Is(err, io.ErrShortBuffer) {
				return
			}
		}
	}
	log := s.w.log.With("show", s.showID, "resource", s.id)
	jit := NewJitter(s.w.cfg.JitterDepth)
	dec, err := NewDecoder()
	if err != nil {
		log.Error("whip: opus decoder", "err", err)
		return
	}
	var ready []*rtp.Packet
	var pcm []float32
	write := func(pkts []*rtp.Packet) error {
		for _, p := range pkts {
			var derr error
			pcm, derr = dec.Decode(p, pcm[:0])
			if derr != nil && dec.Errors <= 3 {
				log.Warn("whip: undecodable packet replaced by silence", "err", derr)
			}
			if err := s.pipe.Write(pcm); err != nil {
				return err
			}
		}
		return nil
	}
	waiting := false // a read deadline is set because packets wait behind a gap
	for {
		if held := jit.Held() > 0; held != waiting {
			deadline := time.Time{}
			if held {
				deadline = time.Now().Add(s.w.cfg.JitterWait)
			}
			_ = tr.SetReadDeadline(deadline)
			waiting = held
		}
		p, _, err := tr.ReadRTP()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Nothing came to fill the gap in time: give up on it.
				if err := write(jit.Flush(ready)); err != nil {
					break
				}
				continue
			}
			break
		}
		ready = jit.Push(p, ready)
		if err := write(ready); err != nil {
			break
		}
	}
	_ = write(jit.Flush(ready))
	log.Debug("whip: track ended", "lost", jit.Lost, "late", jit.Late, "duplicate", jit.Duplicate, "decode_errors", dec.Errors)
}

// close tears the session down once: the peer connection, then the track readers, then the speech
// pipeline (which finishes transcribing what was said, up to DrainTimeout). Later callers wait.
func (s *session) close(reason string) {
	s.once.Do(func() {
		s.mu.Lock()
		s.closing = true
		s.mu.Unlock()
		if err := s.pc.Close(); err != nil && !errors.Is(err, webrtc.ErrConnectionClosed) {
			s.w.log.Warn("whip: close peer connection", "resource", s.id, "err", err)
		}
		s.readers.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), s.w.cfg.DrainTimeout)
		if err := s.pipe.Close(ctx); err != nil {
			s.w.log.Warn("whip: transcripts abandoned at session end", "resource", s.id, "err", err)
		}
		cancel()
		s.w.log.Info("whip session ended", "show", s.showID, "resource", s.id, "reason", reason)
		s.mu.Lock()
		started := s.started
		s.mu.Unlock()
		if started && s.w.cfg.OnSession != nil {
			s.w.cfg.OnSession(s.showID, s.id, reason)
		}
		close(s.done)
	})
	<-s.done
}
