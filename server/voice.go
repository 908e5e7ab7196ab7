package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/media"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/speech"
)

// SourceWHIP is the Source of transcript segments heard in WHIP audio.
const SourceWHIP = "whip"

// VoiceConfig configures the host's voice ingest (NewVoice).
type VoiceConfig struct {
	// Runtime logs the transcripts to their show (required).
	Runtime *live.Runtime
	// STT turns utterances into text. Nil when no server is configured: offers are then refused
	// with 503 and NoSTT, which should say how to configure one.
	STT   speech.Transcriber
	NoSTT error
	// Language of the host's speech for STT ("ja").
	Language string
	// BrandWords join the lineup's product names and brands in the STT prompt.
	BrandWords []string
	// WHIP holds the endpoint's network settings (candidate IPs, UDP ports, ICE timeouts). Its
	// Authorize, Speech, OnTranscript and OnSession are Voice's own.
	WHIP   media.WHIPConfig
	Logger *slog.Logger
}

// Voice is WHIP ingest of a show host's microphone: POST /whip/{showID} with an SDP offer (bearer
// token of role host or ingest on the show, or admin), DELETE on the Location to end. Each final
// transcript goes through the runtime's IngestTranscript like text posted to /transcript.
//
// Mount it with Options.Mount, register its Collectors, and Close it before the runtime.
type Voice struct {
	cfg  VoiceConfig
	log  *slog.Logger
	whip *media.WHIP
	rt   *live.Runtime

	started prometheus.Counter
	active  prometheus.Gauge
	ended   *prometheus.CounterVec
	dropped prometheus.Counter
	failed  prometheus.Counter
}

// NewVoice builds the WHIP endpoint.
func NewVoice(cfg VoiceConfig) (*Voice, error) {
	if cfg.Runtime == nil {
		return nil, errors.New("voice: a runtime is required")
	}
	if cfg.Language == "" {
		cfg.Language = "ja"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.STT == nil && cfg.NoSTT == nil {
		cfg.NoSTT = speech.ErrNoSTT
	}
	v := &Voice{
		cfg: cfg,
		log: cfg.Logger,
		rt:  cfg.Runtime,
		started: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_voice_sessions_started_total", Help: "WHIP voice sessions negotiated."}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "livehost_voice_sessions", Help: "WHIP voice sessions live now."}),
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livehost_voice_sessions_ended_total", Help: "WHIP voice sessions ended, by reason."}, []string{"reason"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_voice_segments_dropped_total", Help: "Utterances never transcribed (STT down or too slow)."}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_voice_segments_unlogged_total", Help: "Transcripts that could not be logged to their show."}),
	}
	wc := cfg.WHIP
	wc.Authorize = nil // the echo route checks tokens, roles and the show first
	wc.Logger = cfg.Logger
	wc.Speech = v.speech
	wc.OnTranscript = v.transcript
	wc.OnSession = v.session
	w, err := media.NewWHIP(wc)
	if err != nil {
		return nil, fmt.Errorf("voice: %w", err)
	}
	v.whip = w
	return v, nil
}

// Collectors are the voice path's Prometheus series.
func (v *Voice) Collectors() []prometheus.Collector {
	return []prometheus.Collector{v.started, v.active, v.ended, v.dropped, v.failed}
}

// Mount adds the WHIP routes under /whip/; it has Options.Mount's signature.
func (v *Voice) Mount(e *echo.Echo, auth Auth) {
	e.Any("/whip/*", v.serve(auth), auth.Middleware(false))
}

func (v *Voice) serve(auth Auth) echo.HandlerFunc {
	return func(c echo.Context) error {
		showID, _, _ := strings.Cut(c.Param("*"), "/")
		if err := auth.Allow(c, showID, RoleHost, RoleIngest); err != nil {
			return err
		}
		if _, err := v.rt.Show(c.Request().Context(), showID); err != nil {
			return auth.Error(err)
		}
		if c.Request().Method == http.MethodPost && v.cfg.STT == nil {
			return errorf(http.StatusServiceUnavailable, "voice ingest needs a speech-to-text server (%v): point LIVEHOST_STT_BASE_URL at an "+
				"OpenAI-compatible /v1 base URL (a local Whisper server, or https://api.openai.com/v1 with OPENAI_API_KEY), optionally "+
				"LIVEHOST_STT_MODEL, and restart; the mic page's browser speech recognition works without one", v.cfg.NoSTT)
		}
		v.whip.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// Sessions is the number of live WHIP sessions.
func (v *Voice) Sessions() int { return v.whip.Sessions() }

// Close ends every session (their last utterances are transcribed and logged first, within the
// drain timeout) and waits for them.
func (v *Voice) Close() error { return v.whip.Close() }

// speech gives a new session its STT settings, the prompt seeded with the show's lineup.
func (v *Voice) speech(ctx context.Context, showID string) (speech.PipelineConfig, error) {
	if v.cfg.STT == nil {
		return speech.PipelineConfig{}, v.cfg.NoSTT
	}
	lineup, err := v.rt.Lineup(ctx, showID)
	if err != nil {
		return speech.PipelineConfig{}, fmt.Errorf("lineup of show %s: %w", showID, err)
	}
	return speech.PipelineConfig{Transcriber: v.cfg.STT, Language: v.cfg.Language, Prompt: speech.Prompt(lineup, v.cfg.BrandWords)}, nil
}

// transcript logs one utterance of a session to its show.
func (v *Voice) transcript(ctx context.Context, showID string, t speech.Transcript) {
	if t.Dropped {
		// The host must know that what they said then went unchecked: the event puts a notice on
		// the teleprompter.
		v.dropped.Inc()
		v.log.Warn("voice segment dropped", "show", showID, "seq", t.Seq, "start_ms", t.StartMS, "end_ms", t.EndMS, "reason", t.Reason)
		_, err := v.rt.LogDropped(context.WithoutCancel(ctx), showID, show.TranscriptDropped{
			StartMS: t.StartMS, EndMS: t.EndMS, Reason: t.Reason, Source: SourceWHIP})
		if err != nil {
			v.failed.Inc()
			v.log.Error("voice drop not logged", "show", showID, "seq", t.Seq, "err", err)
		}
		return
	}
	if strings.TrimSpace(t.Text) == "" {
		return // STT heard nothing intelligible
	}
	// The session's context ends with the session, but its last utterances still belong in the log.
	_, err := v.rt.IngestTranscript(context.WithoutCancel(ctx), showID, live.TranscriptInput{
		Text: t.Text, Final: t.Final, StartMS: t.StartMS, EndMS: t.EndMS, Source: SourceWHIP})
	if err != nil {
		v.failed.Inc()
		v.log.Error("voice transcript not logged", "show", showID, "seq", t.Seq, "err", err)
	}
}

func (v *Voice) session(showID, resourceID, state string) {
	if state == "started" {
		v.started.Inc()
		v.active.Inc()
		return
	}
	v.active.Dec()
	v.ended.WithLabelValues(state).Inc()
	v.log.Info("whip session ended", "show", showID, "resource", resourceID, "reason", state)
}
