package server

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/live"
)

// FuzzChatBody feeds arbitrary bodies to the chat parser: it must never panic, must reject with a
// 400 or 413 that says what is wrong, and what it accepts must be valid, bounded messages.
func FuzzChatBody(f *testing.F) {
	for _, s := range []string{
		`{"user":"u","text":"いくら？"}`, `[{"user":"a","text":"x","platform":"yt","id":"1"}]`, `[]`, `{`, `{"user":"u",,}`,
		`{"user":"u","text":5}`, `[{"user":"u","text":"a"},{"user":"","text":"b"}]`, "{\"user\":\"u\",\"text\":\"\xff\"}",
		`{"user":"u","text":"a"} {}`, `null`, `[null]`, "{\n\"user\": \"u\",\n\"text\": [1]\n}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msgs, _, err := parseChatBody(body, 10)
		if err != nil {
			var he *echo.HTTPError
			if !errors.As(err, &he) || (he.Code != 400 && he.Code != 413) {
				t.Fatalf("error %v is not a 400/413", err)
			}
			if msg, _ := he.Message.(string); msg == "" {
				t.Fatalf("error without a message")
			}
			return
		}
		if len(msgs) == 0 || len(msgs) > 10 {
			t.Fatalf("%d messages accepted", len(msgs))
		}
		for _, m := range msgs {
			if strings.TrimSpace(m.Text) == "" || m.User == "" || !utf8.ValidString(m.Text) || utf8.RuneCountInString(m.Text) > live.MaxChatText {
				t.Fatalf("accepted a bad message %+v", m)
			}
		}
	})
}

func TestPosition(t *testing.T) {
	tests := []struct {
		body string
		off  int64
		want string
	}{
		{"{}", 0, "byte 0 (line 1, column 1)"},
		{"{\n  x}", 4, "byte 4 (line 2, column 3)"},
		{"ab", 99, "byte 2 (line 1, column 3)"},
		{"ab", -5, "byte 0 (line 1, column 1)"},
	}
	for _, tt := range tests {
		if got := position([]byte(tt.body), tt.off); got != tt.want {
			t.Errorf("position(%q, %d) = %q, want %q", tt.body, tt.off, got, tt.want)
		}
	}
}
