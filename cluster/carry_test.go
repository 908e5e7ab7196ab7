package cluster

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDecodeBatch(t *testing.T) {
	at := time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC)
	good, _ := json.Marshal([]wireEvent{{1, "chat.received", at, 1, json.RawMessage(`{"text":"こんにちは"}`)}, {2, "chat.verdict", at, 1, json.RawMessage(`{}`)}})
	tests := []struct {
		name, show, data string
		ok               bool
	}{
		{"a batch", "sh_1", string(good), true},
		{"bad show id", "sh.1", string(good), false},
		{"not json", "sh_1", `[{"s":1`, false},
		{"empty", "sh_1", `[]`, false},
		{"a gap", "sh_1", `[{"s":1,"t":"a","d":{}},{"s":3,"t":"b","d":{}}]`, false},
		{"no type", "sh_1", `[{"s":1,"d":{}}]`, false},
		{"seq zero", "sh_1", `[{"s":0,"t":"a","d":{}}]`, false},
		{"payload missing", "sh_1", `[{"s":1,"t":"a"}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := decodeBatch(tt.show, []byte(tt.data))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			if tt.ok && (len(evs) != 2 || evs[0].Show != tt.show || evs[1].Seq != 2 || string(evs[0].Data) != `{"text":"こんにちは"}` || !evs[0].At.Equal(at)) {
				t.Fatalf("decoded %+v", evs)
			}
		})
	}
}

// FuzzDecodeBatch: whatever arrives on the bus, decoding answers an error or a batch of
// consecutive, typed events with JSON payloads, and never panics.
func FuzzDecodeBatch(f *testing.F) {
	f.Add("sh_1", []byte(`[{"s":1,"t":"chat.received","a":"2026-12-06T01:02:03Z","v":1,"d":{"text":"x"}}]`))
	f.Add("sh_1", []byte(`[{"s":1,"t":"a","d":{}},{"s":2,"t":"b","d":[]}]`))
	f.Add("x", []byte(`null`))
	f.Fuzz(func(t *testing.T, showID string, data []byte) {
		evs, err := decodeBatch(showID, data)
		if err != nil {
			return
		}
		for i, ev := range evs {
			if ev.Show != showID || ev.Seq <= 0 || ev.Type == "" || !json.Valid(ev.Data) || (i > 0 && ev.Seq != evs[i-1].Seq+1) {
				t.Fatalf("decoded a bad event %+v", ev)
			}
		}
	})
}
