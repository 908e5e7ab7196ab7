package connector

import (
	"strings"
	"testing"
	"time"
)

func TestMessageChatIn(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tt := range []struct {
		name  string
		m     Message
		check func(t *testing.T, user, text, id string)
	}{
		{"a super sticker has no text", Message{Platform: "youtube", ID: "a", User: "u", Kind: "supersticker"}, func(t *testing.T, user, text, id string) {
			if text != "(supersticker)" {
				t.Errorf("text %q", text)
			}
		}},
		{"invalid UTF-8 is replaced", Message{Platform: "youtube", ID: "b", User: "u\xff", Text: "hi\xfe"}, func(t *testing.T, user, text, id string) {
			if user != "u\uFFFD" || text != "hi\uFFFD" {
				t.Errorf("%q %q", user, text)
			}
		}},
		{"a nameless author is named by id", Message{Platform: "youtube", ID: "c", UserID: "UC1", Text: "x"}, func(t *testing.T, user, text, id string) {
			if user != "UC1" {
				t.Errorf("user %q", user)
			}
		}},
		{"long names and ids are cut and digested", Message{Platform: "p", ID: long, User: strings.Repeat("あ", 100), Text: strings.Repeat("t", 3000)}, func(t *testing.T, user, text, id string) {
			if len(user) > 200 || len([]rune(text)) != 2000 || !strings.HasPrefix(id, "sha256:") || len(id) > 200 {
				t.Errorf("user %d bytes, text %d runes, id %q", len(user), len([]rune(text)), id)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.m.ChatIn()
			if err := in.Check(); err != nil {
				t.Fatalf("%+v: %v", in, err)
			}
			tt.check(t, in.User, in.Text, in.ID)
		})
	}
	// The digest of an id is the same on every delivery, so deduplication still works.
	if a, b := (Message{ID: long, Text: "x"}).ChatIn().ID, (Message{ID: long, Text: "y"}).ChatIn().ID; a != b {
		t.Fatal("digest differs between deliveries")
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	var last time.Duration
	for i := range 8 {
		d := b.Next()
		if d < 80*time.Millisecond || d > 1200*time.Millisecond {
			t.Fatalf("try %d: %v outside [Min-20%%, Max+20%%]", i, d)
		}
		last = d
	}
	if last < 800*time.Millisecond {
		t.Fatalf("backoff never reached Max: %v", last)
	}
	b.Reset()
	if d := b.Next(); d > 120*time.Millisecond {
		t.Fatalf("after Reset: %v", d)
	}
}
