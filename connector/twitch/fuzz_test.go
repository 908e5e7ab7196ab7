package twitch

import (
	"encoding/json"
	"testing"
)

// FuzzFrame: whatever an EventSub message holds, a chat notification the connector accepts makes
// a message that passes the runtime's checks; never a panic.
func FuzzFrame(f *testing.F) {
	f.Add([]byte(`{"metadata":{"message_type":"notification"},"payload":{"subscription":{"type":"channel.chat.message"},"event":{"message_id":"m","chatter_user_name":"a","message":{"text":"hi"},"badges":[{"set_id":"moderator"}],"cheer":{"bits":5}}}}`))
	f.Add([]byte(`{"metadata":{"message_type":"session_welcome"},"payload":{"session":{"id":"s","keepalive_timeout_seconds":10}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr frame
		if json.Unmarshal(data, &fr) != nil {
			return
		}
		if fr.Payload.Session != nil {
			if k := keepaliveOf(fr); k <= 0 {
				t.Fatalf("keepalive %v", k)
			}
		}
		var ev chatEvent
		if json.Unmarshal(fr.Payload.Event, &ev) != nil || ev.MessageID == "" {
			return
		}
		in := toMessage(ev).ChatIn()
		if err := in.Check(); err != nil {
			t.Fatalf("%+v fails the runtime's check: %v", in, err)
		}
	})
}
