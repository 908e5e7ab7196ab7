package main

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/media"
	"github.com/livehost/livehost/server"
	"github.com/livehost/livehost/speech"
)

// voiceHelp is the part of `serve --help` about the host's voice.
const voiceHelp = `
Voice: POST /whip/SHOW_ID takes the host's microphone over WHIP (OBS 30+ WHIP output, or the
/mic page) with a host or ingest token as the Bearer token. Speech-to-text goes to an
OpenAI-compatible /v1/audio/transcriptions server: LIVEHOST_STT_BASE_URL (else OPENAI_BASE_URL,
e.g. https://api.openai.com/v1 or a local Whisper server), LIVEHOST_STT_API_KEY (else
OPENAI_API_KEY), LIVEHOST_STT_MODEL (default whisper-1), LIVEHOST_STT_LANGUAGE (default ja),
LIVEHOST_BRAND_WORDS (comma-separated words for the STT prompt). Without a server, WHIP offers
are refused with 503 and the mic page's browser speech recognition still works.
LIVEHOST_WHIP_PUBLIC_IP advertises a NAT's public address; LIVEHOST_WHIP_IPS (comma-separated)
restricts the addresses offered as ICE candidates.`

// newVoice builds WHIP voice ingest for the runtime. No STT server is not an error: the endpoint
// then explains how to configure one.
func newVoice(conf config.Config, rt *live.Runtime, log *slog.Logger) (*server.Voice, error) {
	cfg := server.VoiceConfig{
		Runtime:    rt,
		Language:   conf.STTLanguage,
		BrandWords: conf.BrandWords,
		WHIP:       media.WHIPConfig{IPs: conf.WHIPIPs, PublicIPs: conf.WHIPPublic},
		Logger:     log,
	}
	stt, err := speech.NewOpenAITranscriber(conf.STT())
	switch {
	case errors.Is(err, speech.ErrNoSTT):
		cfg.NoSTT = err
		log.Info("voice ingest without speech-to-text: WHIP offers are refused until LIVEHOST_STT_BASE_URL is set; the mic page's browser recognition works")
	case err != nil:
		return nil, fmt.Errorf("speech-to-text: %w", err)
	default:
		cfg.STT = stt
	}
	return server.NewVoice(cfg)
}
