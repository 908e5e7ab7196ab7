package wire

import (
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/tts"
)

// TTSChain builds the avatar's TTS engines in cfg's order of fallback. VOICEVOX joins first when
// its URL is set and OpenAI-compatible speech last when a voice is set, unless named in the order.
// Open JTalk speaks Japanese and espeak-ng English only, so neither stands in for the other.
func TTSChain(cfg config.Config, client *http.Client) (*tts.Chain, error) {
	names := cfg.Avatar.TTS
	has := func(n string) bool {
		for _, x := range names {
			if x == n {
				return true
			}
		}
		return false
	}
	if cfg.Avatar.VoicevoxURL != "" && !has("voicevox") {
		names = append([]string{"voicevox"}, names...)
	}
	if cfg.Avatar.OpenAIVoice != "" && !has("openai") {
		names = append(names, "openai")
	}
	c := &tts.Chain{}
	for _, n := range names {
		switch strings.TrimSpace(n) {
		case "openjtalk":
			c.Engines = append(c.Engines, &tts.OpenJTalk{VoiceFile: cfg.Avatar.JTalkVoice, Dict: cfg.Avatar.JTalkDict})
		case "espeak-ng":
			c.Engines = append(c.Engines, &tts.ESpeak{})
		case "voicevox":
			if cfg.Avatar.VoicevoxURL == "" {
				return nil, fmt.Errorf("%w: TTS engine voicevox needs LIVEHOST_VOICEVOX_URL", ErrConfig)
			}
			c.Engines = append(c.Engines, &tts.VOICEVOX{BaseURL: cfg.Avatar.VoicevoxURL, Speaker: cfg.Avatar.VoicevoxSpeaker, Client: client})
		case "openai":
			if !cfg.OpenAIConfigured() {
				return nil, fmt.Errorf("%w: TTS engine openai needs OPENAI_BASE_URL or OPENAI_API_KEY", ErrConfig)
			}
			base := cfg.OpenAIBaseURL
			if base == "" {
				base = "https://api.openai.com/v1"
			}
			c.Engines = append(c.Engines, &tts.OpenAISpeech{BaseURL: base, APIKey: cfg.OpenAIKey, Model: cfg.Avatar.OpenAIModel,
				VoiceName: cfg.Avatar.OpenAIVoice, Client: client})
		case "tone":
			c.Engines = append(c.Engines, &tts.Tone{})
		default:
			return nil, fmt.Errorf("%w: TTS engine %q: want openjtalk, espeak-ng, voicevox, openai or tone", ErrConfig, n)
		}
	}
	return c, nil
}

// HostCheck is the moderation engine's host-speech verdict as the avatar gate's compliance check:
// anything the lists do not allow is refused, with the suggested wording when there is one.
func HostCheck(e *moderation.Engine) avatar.HostCheck {
	return func(text string) (bool, string) {
		v := e.Moderate(text, moderation.SourceHost)
		if v.Action == "allow" {
			return true, ""
		}
		var parts []string
		for _, m := range v.Matches {
			p := fmt.Sprintf("%s「%s」", m.Category, m.Term)
			if m.Suggestion != "" {
				p += "（言い換え: " + m.Suggestion + "）"
			}
			parts = append(parts, p)
		}
		if len(parts) == 0 {
			parts = append(parts, v.Reason)
		}
		return false, strings.Join(parts, ", ")
	}
}

// NameOK says whether a viewer's name may be read aloud: moderation allows it as chat and it has
// no digits or links (which read badly, and which the fact guard would take for numbers).
func NameOK(e *moderation.Engine) func(string) bool {
	return func(name string) bool {
		if name == "" || len([]rune(name)) > 20 || strings.ContainsAny(name, "0123456789０１２３４５６７８９:/@#") {
			return false
		}
		return e.Moderate(name, moderation.SourceChat).Action == "allow"
	}
}

// Avatar builds the avatar show's manager over a runtime with these agents: the TTS chain, the
// gate (host-compliance lists, then the fact guard with the shop policy) and the brand's templates.
func (a *Agents) Avatar(cfg config.Config, rt *live.Runtime, client *http.Client, log *slog.Logger) (*avatar.Manager, error) {
	// The configuration is checked whole before anything is written to the data directory.
	chain, err := TTSChain(cfg, client)
	if err != nil {
		return nil, err
	}
	talker, err := a.AvatarWriter(cfg, client)
	if err != nil {
		return nil, err
	}
	character, err := avatar.LoadCharacter(cfg.BrandDir)
	if err != nil {
		return nil, fmt.Errorf("%w: brand folder: %w", ErrConfig, err)
	}
	if cfg.Avatar.TTSCacheMB > 0 && cfg.Data != "" {
		// Speech is kept in the data directory, so a restart does not synthesize it again.
		if chain.Disk, err = tts.OpenDiskCache(filepath.Join(cfg.Data, "tts-cache"), int64(cfg.Avatar.TTSCacheMB)<<20); err != nil {
			return nil, err
		}
	}
	return avatar.New(avatar.Options{
		Character: character, Talker: talker, TalkBudget: cfg.LLMTimeout, Memory: cfg.Avatar.Memory,
		Runtime: rt, Products: CatalogProducts(a.Catalog), Speech: chain, Prompts: a.Prompts,
		Gate:       &avatar.Gate{Host: HostCheck(a.Moderation), Guard: &answer.Guard{Policy: a.Prompts.Policy}},
		NameOK:     NameOK(a.Moderation),
		StaleAfter: cfg.Avatar.StaleAfter, Window: cfg.Avatar.Window, Logger: log,
	})
}

// AvatarWriter is the avatar's LLM writer when cfg selects it (LIVEHOST_AVATAR_WRITER=llm), on the
// configured OpenAI-compatible server; nil for the offline writer.
func (a *Agents) AvatarWriter(cfg config.Config, client *http.Client) (avatar.Talker, error) {
	switch cfg.Avatar.Writer {
	case "", "offline":
		return nil, nil
	case "llm":
	default:
		return nil, fmt.Errorf("%w: avatar writer %q: want offline or llm", ErrConfig, cfg.Avatar.Writer)
	}
	if !cfg.OpenAIConfigured() {
		return nil, fmt.Errorf("%w: the avatar's llm writer needs OPENAI_BASE_URL or OPENAI_API_KEY", ErrConfig)
	}
	oc := openai.DefaultConfig(cfg.OpenAIKey)
	if cfg.OpenAIBaseURL != "" {
		oc.BaseURL = cfg.OpenAIBaseURL
	}
	if client != nil {
		oc.HTTPClient = client
	}
	return &avatar.LLMWriter{Client: openai.NewClientWithConfig(oc), Model: cfg.LLMModel, Prompts: a.Prompts}, nil
}
