// Package envconfig reads livehost's settings from the environment through typed accessors, so
// every variable is named, defaulted and documented in one place.
package envconfig

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Var is one documented environment variable.
type Var struct {
	Name    string
	Default string
	Usage   string
}

// All lists every variable livehost reads, for --help and the README.
var All = []Var{
	{"LIVEHOST_DATA", "./livehost-data", "data directory of the embedded store"},
	{"LIVEHOST_DATABASE_URL", "", "PostgreSQL URL; when set, PostgreSQL + pgvector is the store"},
	{"LIVEHOST_PG_EF_SEARCH", "200", "pgvector HNSW ef_search of catalog searches"},
	{"LIVEHOST_ADDR", "127.0.0.1:8080", "listen address of `livehost serve`"},
	{"LIVEHOST_CATALOG", "", "catalog file `livehost serve` answers from (--demo: examples/catalog.jsonl)"},
	{"LIVEHOST_ADMIN_TOKEN", "", "admin bearer token of `livehost serve` (generated and printed when unset)"},
	{"OPENAI_API_KEY", "", "key for the OpenAI-compatible server"},
	{"OPENAI_BASE_URL", "", "base URL of an OpenAI-compatible server (for example http://127.0.0.1:11434/v1)"},
	{"LIVEHOST_EMBED_MODEL", "text-embedding-3-small", "embedding model on the OpenAI-compatible server"},
	{"LIVEHOST_LLM_MODEL", "gpt-4o-mini", "chat model on the OpenAI-compatible server"},
	{"LIVEHOST_BRAND_DIR", "", "folder with a brand's persona.json / policy.json for answers"},
	{"LIVEHOST_MODERATION_LISTS", "", "a brand's moderation list directory, added to the built-in lists"},
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
	{"LIVEHOST_SHARED_DATA", "../shared/data", "folder with the outside eval sets (`livehost eval`)"},
	{"LIVEHOST_LOG_LEVEL", "info", "debug, info, warn or error"},
}

// String returns the value of name, or def when it is unset or blank.
func String(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// Int returns the integer value of name, or def when unset or unparsable.
func Int(name string, def int) int {
	if v, err := strconv.Atoi(strings.TrimSpace(os.Getenv(name))); err == nil {
		return v
	}
	return def
}

// Duration returns the duration value of name ("2s", "150ms"), or def when unset or unparsable.
func Duration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(strings.TrimSpace(os.Getenv(name))); err == nil {
		return v
	}
	return def
}

// DataDir is the embedded store's directory.
func DataDir() string { return String("LIVEHOST_DATA", "./livehost-data") }

// DatabaseURL is the PostgreSQL URL, empty for the embedded store.
func DatabaseURL() string { return String("LIVEHOST_DATABASE_URL", "") }

// OpenAIConfigured tells whether an OpenAI-compatible server is configured.
func OpenAIConfigured() bool {
	return String("OPENAI_API_KEY", "") != "" || String("OPENAI_BASE_URL", "") != ""
}
