// Package config is livehost's one typed configuration: every setting with its environment
// variable and default, read in one place. Commands start from FromEnv and let their flags
// override fields (flags over environment over defaults); library packages take what they need
// as arguments and never read the environment themselves.
package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/speech"
)

// Var is one documented environment variable.
type Var struct {
	Name    string
	Default string
	Usage   string
}

// Vars lists every variable livehost reads, for --help and the README.
var Vars = []Var{
	{"LIVEHOST_DATA", "./livehost-data", "data directory: the embedded store, and the speech cache (tts-cache) with any store"},
	{"LIVEHOST_DATABASE_URL", "", "PostgreSQL URL; when set, PostgreSQL + pgvector is the store"},
	{"LIVEHOST_PG_EF_SEARCH", "800", "pgvector HNSW ef_search of catalog searches"},
	{"LIVEHOST_ADDR", "127.0.0.1:8080", "listen address of `livehost serve`"},
	{"LIVEHOST_CATALOG", "", "catalog file `livehost serve` and `livehost ask` answer from instead of the catalog store"},
	{"LIVEHOST_ADMIN_TOKEN", "", "admin bearer token of `livehost serve` (generated and printed when unset)"},
	{"OPENAI_API_KEY", "", "key for the OpenAI-compatible server"},
	{"OPENAI_BASE_URL", "", "base URL of an OpenAI-compatible server (for example http://127.0.0.1:11434/v1)"},
	{"LIVEHOST_ENGINE", "", "answer engine: offline or llm (default: llm when OPENAI_BASE_URL or OPENAI_API_KEY is set)"},
	{"LIVEHOST_EMBED_MODEL", "text-embedding-3-small", "embedding model on the OpenAI-compatible server"},
	{"LIVEHOST_LLM_MODEL", "gpt-4o-mini", "chat model on the OpenAI-compatible server"},
	{"LIVEHOST_LLM_TIMEOUT", "4s", "time budget of one LLM answer before the offline answer is used"},
	{"LIVEHOST_BRAND_DIR", "", "folder with a brand's persona.json / policy.json for answers"},
	{"LIVEHOST_MODERATION_LISTS", "", "a brand's moderation list directory, added to the built-in lists and reloaded when it changes"},
	{"LIVEHOST_MODERATION_SOURCE", "chat", "`livehost moderate` source: chat or host"},
	{"LIVEHOST_MODERATION_ESCALATE", "", "1: ask a model about chat lines the lists allowed (`livehost moderate`)"},
	{"LIVEHOST_MODERATION_MODEL", "gpt-4o-mini", "model for moderation escalation, or \"moderations\" for /v1/moderations"},
	{"LIVEHOST_STT_BASE_URL", "", "base URL of an OpenAI-compatible transcription server (defaults to OPENAI_BASE_URL)"},
	{"LIVEHOST_STT_API_KEY", "", "key of the transcription server (defaults to OPENAI_API_KEY)"},
	{"LIVEHOST_STT_MODEL", "whisper-1", "transcription model"},
	{"LIVEHOST_STT_LANGUAGE", "ja", "language of the host's speech"},
	{"LIVEHOST_BRAND_WORDS", "", "comma-separated brand words that seed the transcription prompt"},
	{"LIVEHOST_WHIP_IPS", "", "comma-separated local IPs WHIP ingest gathers candidates on"},
	{"LIVEHOST_WHIP_PUBLIC_IP", "", "public IP announced to WHIP publishers behind NAT"},
	{"LIVEHOST_NATS_URL", "", "NATS server URL(s), comma-separated, tried in order: with LIVEHOST_DATABASE_URL, several `livehost serve` nodes share shows"},
	{"LIVEHOST_NODE_ID", "", "this node's name among several (default: host name and process id)"},
	{"LIVEHOST_TLS_CERT", "", "TLS certificate (PEM) of `livehost serve`: serves https, so the microphone page works from another machine"},
	{"LIVEHOST_TLS_KEY", "", "private key (PEM) of LIVEHOST_TLS_CERT"},
	{"LIVEHOST_TRUSTED_PROXIES", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is trusted"},
	{"LIVEHOST_SHARED_DATA", "../shared/data", "folder with the outside eval sets (`livehost eval`)"},
	{"LIVEHOST_LOG_LEVEL", "info", "debug, info, warn or error"},

	// The avatar show.
	{"LIVEHOST_TTS", "openjtalk,espeak-ng", "TTS engines of the avatar show in order of fallback: openjtalk, espeak-ng, voicevox, openai"},
	{"LIVEHOST_VOICEVOX_URL", "", "VOICEVOX engine URL (for example http://127.0.0.1:50021); adds voicevox before the offline engines"},
	{"LIVEHOST_VOICEVOX_SPEAKER", "1", "VOICEVOX speaker (style) id"},
	{"LIVEHOST_TTS_OPENAI_VOICE", "", "voice for OpenAI-compatible /v1/audio/speech; when set, openai is tried after the other engines"},
	{"LIVEHOST_TTS_OPENAI_MODEL", "gpt-4o-mini-tts", "model for OpenAI-compatible /v1/audio/speech"},
	{"LIVEHOST_JTALK_VOICE", "", "Open JTalk .htsvoice file (default: Debian's nitech-jp-atr503-m001)"},
	{"LIVEHOST_JTALK_DICT", "", "Open JTalk dictionary directory (default: Debian's naist-jdic)"},
	{"LIVEHOST_AVATAR_STALE", "3m", "viewer questions older than this are not answered by the avatar"},
	{"LIVEHOST_AVATAR_WINDOW", "60", "variety window: no avatar talk sentence repeats within this many sentences"},
	{"LIVEHOST_AVATAR_WRITER", "offline", "writer of the avatar's talk: offline (catalog templates) or llm (OPENAI_*, streaming; offline when it fails)"},
	{"LIVEHOST_TTS_CACHE_MB", "256", "MiB of synthesized speech kept in the data directory (tts-cache), so a restart does not synthesize again; 0: memory only"},
	{"LIVEHOST_AVATAR_MEMORY", "20", "last lines the avatar's LLM writer remembers word for word, besides its running summary"},
	// Platform connectors: credentials only, never in a show's settings or log.
	{"LIVEHOST_YOUTUBE_CLIENT_ID", "", "OAuth client id of the YouTube connector"},
	{"LIVEHOST_YOUTUBE_CLIENT_SECRET", "", "OAuth client secret of the YouTube connector"},
	{"LIVEHOST_YOUTUBE_REFRESH_TOKEN", "", "refresh token of the channel the YouTube connector posts replies as"},
	{"LIVEHOST_TWITCH_CLIENT_ID", "", "client id of the Twitch app of the Twitch connector"},
	{"LIVEHOST_TWITCH_CLIENT_SECRET", "", "client secret of the Twitch app"},
	{"LIVEHOST_TWITCH_REFRESH_TOKEN", "", "refresh token of the Twitch account that reads chat and posts replies (user:read:chat, user:write:chat)"},
	{"LIVEHOST_META_APP_SECRET", "", "Meta app secret: checks X-Hub-Signature-256 of Instagram live_comments webhooks"},
	{"LIVEHOST_META_VERIFY_TOKEN", "", "the verify token entered when subscribing the Instagram webhook"},
	{"LIVEHOST_FACEBOOK_PAGE_TOKEN", "", "page access token of the Facebook connector (reads live video comments, posts replies)"},
	{"LIVEHOST_WEBHOOK_SECRET", "", "shared secret (16+ characters) signing requests to /api/shows/{id}/webhook/{name}"},
	{"LIVEHOST_CREDENTIALS", "", "file of NAME=value lines for the connector credentials above (the environment wins)"},
}

// Config is every setting of livehost.
type Config struct {
	Data        string // data directory: the embedded store; the speech cache with any store
	DatabaseURL string // PostgreSQL; "" for the embedded store
	PGEfSearch  int    // 0: catalog.DefaultEfSearch
	Addr        string
	Catalog     string // a catalog file to answer from instead of the store
	AdminToken  string

	OpenAIKey     string
	OpenAIBaseURL string
	Engine        string // offline | llm | "" (llm when an OpenAI-compatible server is configured)
	EmbedModel    string
	LLMModel      string
	LLMTimeout    time.Duration

	BrandDir           string
	ModerationLists    string
	ModerationSource   string
	ModerationEscalate bool
	ModerationModel    string

	STTBaseURL  string
	STTAPIKey   string
	STTModel    string
	STTLanguage string
	BrandWords  []string
	WHIPIPs     []string
	WHIPPublic  []string

	Avatar AvatarConfig
	// TrustedProxies are IPs or CIDRs of reverse proxies whose forwarding headers are believed.
	TrustedProxies []string
	// Several nodes: NATSURL (with DatabaseURL) makes this process one node of a cluster.
	NATSURL string
	NodeID  string
	// TLSCert and TLSKey make serve answer https.
	TLSCert, TLSKey string

	SharedData string
	LogLevel   string

	// Platform connector credentials (LIVEHOST_YOUTUBE_*, LIVEHOST_WEBHOOK_SECRET).
	YouTubeClientID, YouTubeClientSecret, YouTubeRefreshToken string
	TwitchClientID, TwitchClientSecret, TwitchRefreshToken    string
	MetaAppSecret, MetaVerifyToken, FacebookPageToken         string
	WebhookSecret                                             string
	// CI is set when CI=true: tests and evals that need outside data or services must not skip.
	CI bool
}

// FromEnv reads the configuration from getenv (os.Getenv, or a map in tests), with defaults.
func FromEnv(getenv func(string) string) Config {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	or := func(k, def string) string {
		if v := get(k); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Data: or("LIVEHOST_DATA", "./livehost-data"), DatabaseURL: get("LIVEHOST_DATABASE_URL"),
		Addr: or("LIVEHOST_ADDR", "127.0.0.1:8080"), Catalog: get("LIVEHOST_CATALOG"), AdminToken: get("LIVEHOST_ADMIN_TOKEN"),
		OpenAIKey: get("OPENAI_API_KEY"), OpenAIBaseURL: get("OPENAI_BASE_URL"), Engine: get("LIVEHOST_ENGINE"),
		EmbedModel: or("LIVEHOST_EMBED_MODEL", catalog.DefaultEmbedModel), LLMModel: or("LIVEHOST_LLM_MODEL", "gpt-4o-mini"),
		LLMTimeout: 4 * time.Second,
		BrandDir:   get("LIVEHOST_BRAND_DIR"), ModerationLists: get("LIVEHOST_MODERATION_LISTS"),
		ModerationSource: or("LIVEHOST_MODERATION_SOURCE", "chat"), ModerationEscalate: get("LIVEHOST_MODERATION_ESCALATE") == "1",
		ModerationModel: or("LIVEHOST_MODERATION_MODEL", "gpt-4o-mini"),
		STTBaseURL:      or("LIVEHOST_STT_BASE_URL", get("OPENAI_BASE_URL")), STTAPIKey: or("LIVEHOST_STT_API_KEY", get("OPENAI_API_KEY")),
		STTModel: or("LIVEHOST_STT_MODEL", "whisper-1"), STTLanguage: or("LIVEHOST_STT_LANGUAGE", "ja"),
		BrandWords: List(get("LIVEHOST_BRAND_WORDS")), WHIPIPs: List(get("LIVEHOST_WHIP_IPS")), WHIPPublic: List(get("LIVEHOST_WHIP_PUBLIC_IP")),
		TrustedProxies: List(get("LIVEHOST_TRUSTED_PROXIES")),
		NATSURL:        get("LIVEHOST_NATS_URL"), NodeID: get("LIVEHOST_NODE_ID"),
		TLSCert: get("LIVEHOST_TLS_CERT"), TLSKey: get("LIVEHOST_TLS_KEY"),
		SharedData: or("LIVEHOST_SHARED_DATA", "../shared/data"), LogLevel: or("LIVEHOST_LOG_LEVEL", "info"),
		CI:              get("CI") == "true",
		YouTubeClientID: get("LIVEHOST_YOUTUBE_CLIENT_ID"), YouTubeClientSecret: get("LIVEHOST_YOUTUBE_CLIENT_SECRET"),
		YouTubeRefreshToken: get("LIVEHOST_YOUTUBE_REFRESH_TOKEN"), WebhookSecret: get("LIVEHOST_WEBHOOK_SECRET"),
		TwitchClientID: get("LIVEHOST_TWITCH_CLIENT_ID"), TwitchClientSecret: get("LIVEHOST_TWITCH_CLIENT_SECRET"),
		TwitchRefreshToken: get("LIVEHOST_TWITCH_REFRESH_TOKEN"),
		MetaAppSecret:      get("LIVEHOST_META_APP_SECRET"), MetaVerifyToken: get("LIVEHOST_META_VERIFY_TOKEN"),
		FacebookPageToken: get("LIVEHOST_FACEBOOK_PAGE_TOKEN"),
	}
	c.Avatar = avatarFromEnv(get, or)
	if n, err := strconv.Atoi(get("LIVEHOST_PG_EF_SEARCH")); err == nil {
		c.PGEfSearch = n
	}
	if d, err := time.ParseDuration(get("LIVEHOST_LLM_TIMEOUT")); err == nil && d > 0 {
		c.LLMTimeout = d
	}
	return c
}

// OpenAIConfigured tells whether an OpenAI-compatible server is configured.
func (c Config) OpenAIConfigured() bool { return c.OpenAIKey != "" || c.OpenAIBaseURL != "" }

// AnswerEngine is the answer engine to use: Engine when set, else llm when an OpenAI-compatible
// server is configured, else offline.
func (c Config) AnswerEngine() string {
	if c.Engine != "" {
		return c.Engine
	}
	if c.OpenAIConfigured() {
		return "llm"
	}
	return "offline"
}

// Embedding is the OpenAI-compatible embedder's configuration.
func (c Config) Embedding() catalog.OpenAIConfig {
	return catalog.OpenAIConfig{BaseURL: c.OpenAIBaseURL, APIKey: c.OpenAIKey, Model: c.EmbedModel}
}

// STT is the transcription server's configuration.
func (c Config) STT() speech.OpenAIConfig {
	return speech.OpenAIConfig{BaseURL: c.STTBaseURL, APIKey: c.STTAPIKey, Model: c.STTModel}
}

// Postgres is the catalog's PostgreSQL options.
func (c Config) Postgres() catalog.PostgresOptions {
	return catalog.PostgresOptions{EfSearch: c.PGEfSearch}
}

// List splits a comma-separated value, dropping blanks.
func List(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// AvatarConfig is the avatar show's settings: its TTS engines and its runner.
type AvatarConfig struct {
	TTS             []string // engine names in fallback order
	VoicevoxURL     string
	VoicevoxSpeaker int
	OpenAIVoice     string
	OpenAIModel     string
	JTalkVoice      string
	JTalkDict       string
	StaleAfter      time.Duration
	Window          int
	Writer          string // offline | llm
	Memory          int    // lines the LLM writer remembers word for word
	TTSCacheMB      int    // MiB of speech cached on disk; 0: memory only
}

func avatarFromEnv(get func(string) string, or func(k, def string) string) AvatarConfig {
	a := AvatarConfig{TTS: List(or("LIVEHOST_TTS", "openjtalk,espeak-ng")), VoicevoxURL: get("LIVEHOST_VOICEVOX_URL"), VoicevoxSpeaker: 1,
		OpenAIVoice: get("LIVEHOST_TTS_OPENAI_VOICE"), OpenAIModel: or("LIVEHOST_TTS_OPENAI_MODEL", "gpt-4o-mini-tts"),
		JTalkVoice: get("LIVEHOST_JTALK_VOICE"), JTalkDict: get("LIVEHOST_JTALK_DICT"), StaleAfter: 3 * time.Minute, Window: 60,
		Writer: strings.TrimSpace(or("LIVEHOST_AVATAR_WRITER", "offline")), Memory: 20, TTSCacheMB: 256}
	if n, err := strconv.Atoi(get("LIVEHOST_TTS_CACHE_MB")); err == nil && n >= 0 && n <= 1<<20 {
		a.TTSCacheMB = n
	}
	if n, err := strconv.Atoi(get("LIVEHOST_AVATAR_MEMORY")); err == nil && n > 0 && n <= 200 {
		a.Memory = n
	}
	if n, err := strconv.Atoi(get("LIVEHOST_VOICEVOX_SPEAKER")); err == nil && n >= 0 {
		a.VoicevoxSpeaker = n
	}
	if d, err := time.ParseDuration(get("LIVEHOST_AVATAR_STALE")); err == nil && d > 0 {
		a.StaleAfter = d
	}
	if n, err := strconv.Atoi(get("LIVEHOST_AVATAR_WINDOW")); err == nil && n > 0 {
		a.Window = n
	}
	return a
}

// ProxyNets parses TrustedProxies: an IP is a one-address network.
func (c Config) ProxyNets() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, p := range c.TrustedProxies {
		if !strings.Contains(p, "/") {
			ip := net.ParseIP(p)
			if ip == nil {
				return nil, fmt.Errorf("trusted proxy %q: not an IP or CIDR", p)
			}
			bits := 32
			if ip.To4() == nil {
				bits = 128
			}
			p = fmt.Sprintf("%s/%d", ip, bits)
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", p, err)
		}
		out = append(out, n)
	}
	return out, nil
}
