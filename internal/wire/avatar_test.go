package wire_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

func TestTTSChainFromSettings(t *testing.T) {
	for _, tc := range []struct {
		env   map[string]string
		names []string
		err   string
	}{
		{nil, []string{"openjtalk", "espeak-ng"}, ""},
		{map[string]string{"LIVEHOST_VOICEVOX_URL": "http://127.0.0.1:50021"}, []string{"voicevox", "openjtalk", "espeak-ng"}, ""},
		{map[string]string{"LIVEHOST_TTS_OPENAI_VOICE": "alloy", "OPENAI_BASE_URL": "http://x/v1"}, []string{"openjtalk", "espeak-ng", "openai"}, ""},
		{map[string]string{"LIVEHOST_TTS": "voicevox"}, nil, "LIVEHOST_VOICEVOX_URL"},
		{map[string]string{"LIVEHOST_TTS": "openai"}, nil, "OPENAI_BASE_URL"},
		{map[string]string{"LIVEHOST_TTS": "festival"}, nil, `"festival"`},
	} {
		c, err := wire.TTSChain(config.FromEnv(func(k string) string { return tc.env[k] }), nil)
		if tc.err != "" {
			if !errors.Is(err, wire.ErrConfig) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range c.Engines {
			names = append(names, e.Name())
		}
		if strings.Join(names, ",") != strings.Join(tc.names, ",") {
			t.Errorf("%v: engines %v, want %v", tc.env, names, tc.names)
		}
	}
}

func TestHostCheckAndNames(t *testing.T) {
	mod, err := moderation.NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	check := wire.HostCheck(mod)
	if ok, _ := check("ご覧いただきありがとうございます。"); !ok {
		t.Fatal("a plain line was refused")
	}
	if ok, why := check("このクリームでシミが消えます。"); ok || !strings.Contains(why, "消え") {
		t.Fatalf("a 薬機法 claim passed (%q)", why)
	}
	nameOK := wire.NameOK(mod)
	for name, want := range map[string]bool{"ゆか": true, "taro": true, "user123": false, "死ね": false, "": false, "http://spam": false} {
		if got := nameOK(name); got != want {
			t.Errorf("NameOK(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestAvatarFromSettings: serve's avatar show is built from the settings: the LLM writer only
// with a server to write on, a brand's broken character refused naming the file, and the speech
// cache in the data directory.
func TestAvatarFromSettings(t *testing.T) {
	ctx := context.Background()
	res, err := catalog.ReadFile(filepath.Join("..", "..", "examples", "catalog.jsonl"), "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := catalog.NewMemorySearcher(ctx, res.Products, catalog.NewHashEmbedder(64))
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := show.OpenStore(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	brokenBrand := t.TempDir()
	if err := os.MkdirAll(filepath.Join(brokenBrand, "avatar"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(brokenBrand, "avatar", "mouth-a.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	for _, tc := range []struct {
		env map[string]string
		err string
	}{
		{env: map[string]string{"LIVEHOST_AVATAR_WRITER": "llm"}, err: "OPENAI_BASE_URL"},
		{env: map[string]string{"LIVEHOST_AVATAR_WRITER": "gpt"}, err: `"gpt"`},
		{env: map[string]string{"LIVEHOST_BRAND_DIR": brokenBrand}, err: "mouth-a.png"},
		{env: map[string]string{"LIVEHOST_AVATAR_WRITER": "llm", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "LIVEHOST_DATA": data}},
	} {
		cfg := config.FromEnv(func(k string) string { return tc.env[k] })
		ag, err := wire.Build(ctx, cfg, wire.Deps{Catalog: s, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		rt, err := live.New(ctx, live.Options{Store: st, Agents: ag.Live(), Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		m, err := ag.Avatar(cfg, rt, nil, quiet)
		if tc.err != "" {
			if !errors.Is(err, wire.ErrConfig) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.err)
			}
		} else if err != nil {
			t.Errorf("%v: %v", tc.env, err)
		} else {
			m.Close()
			if fi, err := os.Stat(filepath.Join(data, "tts-cache")); err != nil || !fi.IsDir() {
				t.Errorf("no speech cache in the data directory: %v", err)
			}
		}
		rt.Close()
		ag.Close()
	}
}
