package config

import (
	"testing"
	"time"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{"defaults", nil, func(t *testing.T, c Config) {
			if c.Data != "./livehost-data" || c.Addr != "127.0.0.1:8080" || c.LLMModel != "gpt-4o-mini" || c.LLMTimeout != 4*time.Second ||
				c.STTLanguage != "ja" || c.AnswerEngine() != "offline" || c.OpenAIConfigured() || c.CI {
				t.Errorf("defaults: %+v", c)
			}
		}},
		{"an OpenAI-compatible server makes the LLM engine the default", map[string]string{"OPENAI_BASE_URL": " http://a/v1 "}, func(t *testing.T, c Config) {
			if c.AnswerEngine() != "llm" || c.OpenAIBaseURL != "http://a/v1" || c.STT().BaseURL != "http://a/v1" {
				t.Errorf("%+v", c)
			}
		}},
		{"LIVEHOST_ENGINE wins", map[string]string{"OPENAI_API_KEY": "k", "LIVEHOST_ENGINE": "offline"}, func(t *testing.T, c Config) {
			if c.AnswerEngine() != "offline" {
				t.Errorf("engine %q", c.AnswerEngine())
			}
		}},
		{"STT has its own server", map[string]string{"OPENAI_BASE_URL": "http://a/v1", "LIVEHOST_STT_BASE_URL": "http://b/v1", "LIVEHOST_STT_MODEL": "m"},
			func(t *testing.T, c Config) {
				if s := c.STT(); s.BaseURL != "http://b/v1" || s.Model != "m" {
					t.Errorf("stt %+v", s)
				}
			}},
		{"lists and numbers", map[string]string{"LIVEHOST_BRAND_WORDS": "a, ,b", "LIVEHOST_PG_EF_SEARCH": "300", "LIVEHOST_LLM_TIMEOUT": "250ms", "CI": "true"},
			func(t *testing.T, c Config) {
				if len(c.BrandWords) != 2 || c.PGEfSearch != 300 || c.Postgres().EfSearch != 300 || c.LLMTimeout != 250*time.Millisecond || !c.CI {
					t.Errorf("%+v", c)
				}
			}},
		{"the avatar's writer, memory and speech cache", map[string]string{"LIVEHOST_AVATAR_WRITER": " llm ", "LIVEHOST_AVATAR_MEMORY": "8", "LIVEHOST_TTS_CACHE_MB": "0"},
			func(t *testing.T, c Config) {
				if c.Avatar.Writer != "llm" || c.Avatar.Memory != 8 || c.Avatar.TTSCacheMB != 0 {
					t.Errorf("%+v", c.Avatar)
				}
			}},
		{"avatar defaults", map[string]string{"LIVEHOST_AVATAR_MEMORY": "0", "LIVEHOST_TTS_CACHE_MB": "-3"}, func(t *testing.T, c Config) {
			if c.Avatar.Writer != "offline" || c.Avatar.Memory != 20 || c.Avatar.TTSCacheMB != 256 {
				t.Errorf("%+v", c.Avatar)
			}
		}},
		{"unparsable numbers keep the defaults", map[string]string{"LIVEHOST_PG_EF_SEARCH": "x", "LIVEHOST_LLM_TIMEOUT": "-1s"}, func(t *testing.T, c Config) {
			if c.PGEfSearch != 0 || c.LLMTimeout != 4*time.Second {
				t.Errorf("%+v", c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, FromEnv(func(k string) string { return tt.env[k] }))
		})
	}
}

func TestVarsDocumentEveryDefault(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range Vars {
		if seen[v.Name] || v.Usage == "" {
			t.Errorf("variable %s listed twice or without usage", v.Name)
		}
		seen[v.Name] = true
	}
}
