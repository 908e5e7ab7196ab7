package webhook

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// FuzzReceive: any body, correctly signed or not, is either refused with an error or decoded into
// messages that each have an id and pass the runtime's checks once converted; never a panic.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(`{"messages":[{"id":"a","text":"hi"}]}`), true)
	f.Add([]byte(`{"id":"b","user":"さくら","text":"いくら？","kind":"gift","amount_micros":5}`), true)
	f.Add([]byte(`{"messages":[{"id":"","text":""}]}`), false)
	f.Add([]byte("\xff\xfe"), true)
	secret := []byte("fuzz-secret-0123456789")
	c := &conn{s: Settings{Platform: "webhook", MaxSkewS: 300}, secret: secret}
	now := time.Unix(1_767_225_600, 0)
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		h := http.Header{}
		h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		if signed {
			h.Set(HeaderSignature, Sign(secret, now.Unix(), body))
		}
		msgs, err := c.Receive(h, body, now)
		if err != nil {
			return
		}
		if !signed {
			t.Fatal("an unsigned body was accepted")
		}
		for i, m := range msgs {
			in := m.ChatIn()
			if m.ID == "" {
				t.Fatalf("message %d has no id", i)
			}
			if err := in.Check(); err != nil {
				t.Fatalf("message %d %+v fails the runtime's check: %v", i, in, err)
			}
		}
	})
}
