package server_test

import (
	"strings"
	"testing"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/tts"
)

// TestAvatarPolicyAPI: a show's policy for voice answers is read by its host and moderators and
// set by its moderators; a bad policy is a 400 naming what is wrong, a show without an avatar a
// 409, an overlay token a 403; what was set is what is read back.
func TestAvatarPolicyAPI(t *testing.T) {
	e := newEnv(t, withAvatar(t, &tts.Tone{}))
	id, toks := e.newAvatarShow("LH-COS-001")
	path := "/api/shows/" + id + "/avatar/policy"
	var p live.AnswerPolicy
	if code, _ := e.do("GET", path, toks["host"], nil, &p); code != 200 || !p.Enabled || p.MinConfidence != 0.8 || len(p.Engines) != 1 {
		t.Fatalf("default policy: %d %+v", code, p)
	}
	want := live.AnswerPolicy{Enabled: true, Engines: []string{"offline"}, Intents: []string{"price", "stock", "color"}, MinConfidence: 0.9}
	cases := []struct {
		name  string
		token string
		body  any
		code  int
		msg   string
	}{
		{"overlay may not", toks["overlay"], want, 403, ""},
		{"host may not", toks["host"], want, 403, ""},
		{"unknown engine", toks["moderator"], map[string]any{"enabled": true, "engines": []string{"gpt"}}, 400, "engines[0]"},
		{"confidence out of range", toks["moderator"], map[string]any{"enabled": true, "min_confidence": 2}, 400, "min_confidence"},
		{"unknown field", toks["moderator"], map[string]any{"enable": true}, 400, "enable"},
		{"set", toks["moderator"], want, 200, ""},
	}
	for _, tc := range cases {
		var out map[string]any
		code, _ := e.do("PUT", path, tc.token, tc.body, &out)
		if code != tc.code {
			t.Fatalf("%s: %d %v, want %d", tc.name, code, out, tc.code)
		}
		if tc.msg != "" {
			if msg, _ := out["error"].(string); !strings.Contains(msg, tc.msg) {
				t.Fatalf("%s: error %q does not name %q", tc.name, msg, tc.msg)
			}
		}
	}
	if code, _ := e.do("GET", path, toks["moderator"], nil, &p); code != 200 || p.MinConfidence != 0.9 || len(p.Intents) != 3 {
		t.Fatalf("policy read back: %d %+v", code, p)
	}
	plain := e.newShow("plain")
	var out map[string]any
	if code, _ := e.do("PUT", "/api/shows/plain/avatar/policy", plain["moderator"], want, &out); code != 409 {
		t.Fatalf("policy of a show without an avatar: %d %v", code, out)
	}
}
