package wire_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
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
