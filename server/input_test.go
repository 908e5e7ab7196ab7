package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestInputAtTheDoor: every body that encoding/json would silently change, and every name that
// could spoof, is refused or cleaned with a message that says what and where.
func TestInputAtTheDoor(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("in1")
	tests := []struct {
		name, path, token string
		body              string
		code              int
		want              string // in the error, or in the body of a success
	}{
		{"invalid UTF-8 names its byte", "/api/shows/in1/chat", tok["ingest"], "{\"user\":\"u\",\"text\":\"ok\xff\"}", 400, "not valid UTF-8: byte 22"},
		{"lone surrogate", "/api/shows/in1/chat", tok["ingest"], `{"user":"u","text":"a\ud800b"}`, 400, "lone UTF-16 surrogate escape in /text"},
		{"duplicate keys", "/api/shows/in1/chat", tok["ingest"], `{"user":"u","text":"a","text":"b"}`, 400, "duplicate field in /text"},
		{"duplicate keys in a batch", "/api/shows/in1/chat", tok["ingest"], `[{"user":"u","text":"a"},{"user":"v","user":"w","text":"b"}]`, 400, "duplicate field in /1/user"},
		{"no Go type names", "/api/shows/in1/chat", tok["ingest"], `[1]`, 400, "must be an object, not number"},
		{"bidi user name is cleaned", "/api/shows/in1/chat", tok["ingest"], `{"user":"\u202Enimda\u202C","text":"hello"}`, 202, `"seq"`},
		{"a user of only controls", "/api/shows/in1/chat", tok["ingest"], `{"user":"\u202E\u0000","text":"hello"}`, 400, "user has no visible characters"},
		{"NUL in a transcript", "/api/shows/in1/transcript", tok["host"], `{"text":"ok\u0000","final":true}`, 400, "control character U+0000 at character 2"},
		{"negative span", "/api/shows/in1/transcript", tok["host"], `{"text":"ok","final":true,"start_ms":-5,"end_ms":10}`, 400, "must not be negative"},
		{"reversed span", "/api/shows/in1/transcript", tok["host"], `{"text":"ok","final":true,"start_ms":500,"end_ms":100}`, 400, "end_ms 100 is before start_ms 500"},
		{"long user", "/api/shows/in1/chat", tok["ingest"], `{"user":"` + strings.Repeat("あ", 100) + `","text":"x"}`, 400, "user is 300 bytes, longer than 200"},
		{"title with an override", "/api/shows", testAdmin, `{"id":"in2","title":"\u202Esale"}`, 201, `"title":"sale"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", e.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tt.token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.code || !strings.Contains(string(body), tt.want) {
				t.Fatalf("%d %s; want %d containing %q", res.StatusCode, body, tt.code, tt.want)
			}
		})
	}
	// The spoofing name is stored and shown without its override.
	var state struct {
		Chat []struct {
			User string `json:"user"`
		} `json:"chat"`
	}
	e.do("GET", "/api/shows/in1/state", tok["moderator"], nil, &state)
	for _, c := range state.Chat {
		if strings.ContainsRune(c.User, '\u202E') {
			t.Fatalf("user %q kept its override", c.User)
		}
	}
}
