package youtube

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzListResponse: whatever a liveChatMessages.list answer holds, the messages the connector
// makes of it pass the runtime's checks (a platform message never fails a batch), and an error
// body always parses into an error; never a panic.
func FuzzListResponse(f *testing.F) {
	f.Add([]byte(`{"nextPageToken":"p","pollingIntervalMillis":1000,"items":[{"id":"m1","snippet":{"type":"textMessageEvent","publishedAt":"2026-01-01T00:00:00Z","textMessageDetails":{"messageText":"hi"}},"authorDetails":{"channelId":"UC1","displayName":"a","isChatOwner":true}}]}`))
	f.Add([]byte(`{"items":[{"id":"m2","snippet":{"type":"superStickerEvent","superStickerDetails":{"amountMicros":"x","superStickerMetadata":{"altText":""}}},"authorDetails":{}}]}`))
	f.Add([]byte(`{"error":{"code":403,"errors":[{"reason":"quotaExceeded"}]}}`))
	k := &conn{own: map[string]bool{}, now: time.Now}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := parseError(500, data); err == nil {
			t.Fatal("no error from an error body")
		}
		var res listResponse
		if json.Unmarshal(data, &res) != nil {
			return
		}
		for _, m := range k.messages(res.Items) {
			in := m.ChatIn()
			if err := in.Check(); err != nil {
				t.Fatalf("%+v fails the runtime's check: %v", in, err)
			}
		}
	})
}
