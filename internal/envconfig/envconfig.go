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
	{"OPENAI_API_KEY", "", "key for the OpenAI-compatible server"},
	{"OPENAI_BASE_URL", "", "base URL of an OpenAI-compatible server (for example http://127.0.0.1:11434/v1)"},
	{"LIVEHOST_EMBED_MODEL", "text-embedding-3-small", "embedding model on the OpenAI-compatible server"},
	{"LIVEHOST_LLM_MODEL", "gpt-4o-mini", "chat model on the OpenAI-compatible server"},
	{"LIVEHOST_STT_BASE_URL", "", "base URL of an OpenAI-compatible transcription server (defaults to OPENAI_BASE_URL)"},
	{"LIVEHOST_STT_MODEL", "whisper-1", "transcription model"},
	{"LIVEHOST_ADMIN_TOKEN", "", "admin bearer token of `livehost serve` (generated and printed when unset)"},
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
