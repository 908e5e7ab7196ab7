package show

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEventJSONFlat(t *testing.T) {
	at := time.Date(2026, 11, 21, 12, 0, 0, 123456000, time.UTC)
	tests := []struct {
		name    string
		typ     string
		payload any
		want    string
	}{
		{"chat", TypeChatReceived, ChatReceived{ID: "m1", Platform: "youtube", User: "ゆき", Text: "色味は？"},
			`{"seq":7,"show":"s1","type":"chat.received","at":"2026-11-21T12:00:00.123456Z","v":1,"id":"m1","platform":"youtube","user":"ゆき","text":"色味は？"}`},
		{"empty payload", TypeShowStarted, nil,
			`{"seq":7,"show":"s1","type":"show.started","at":"2026-11-21T12:00:00.123456Z","v":1}`},
		{"verdict with matches", TypeChatVerdict, ChatVerdict{ChatSeq: 6, Action: ActionHold, Categories: []string{"pii"},
			Matches: []Match{{Term: "090", Category: "pii", Start: 3, End: 6}}},
			`{"seq":7,"show":"s1","type":"chat.verdict","at":"2026-11-21T12:00:00.123456Z","v":1,"chat_seq":6,"action":"hold","categories":["pii"],"matches":[{"term":"090","category":"pii","start":3,"end":6}]}`},
		{"map payload", "custom.thing", map[string]any{"k": 1},
			`{"seq":7,"show":"s1","type":"custom.thing","at":"2026-11-21T12:00:00.123456Z","v":1,"k":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ne, err := Encode(tt.typ, tt.payload)
			if err != nil {
				t.Fatal(err)
			}
			ev := Event{Seq: 7, Show: "s1", Type: ne.Type, At: at, V: ne.V, Data: ne.Data}
			b, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("marshal =\n%s\nwant\n%s", b, tt.want)
			}
			var back Event
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back.Seq != 7 || back.Show != "s1" || back.Type != tt.typ || !back.At.Equal(at) || back.V != 1 {
				t.Fatalf("unmarshal envelope = %+v", back)
			}
			// The payload decodes to the same value through either form.
			if tt.payload != nil {
				a := reflect.New(reflect.TypeOf(tt.payload))
				c := reflect.New(reflect.TypeOf(tt.payload))
				if err := ev.Decode(a.Interface()); err != nil {
					t.Fatal(err)
				}
				if err := back.Decode(c.Interface()); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(a.Interface(), c.Interface()) {
					t.Fatalf("payload after round trip %+v, want %+v", c.Elem(), a.Elem())
				}
			}
		})
	}
}

func TestEventsListJSON(t *testing.T) {
	// The API wraps events as {"events":[…]}; a list marshals element by element.
	evs := []Event{{Seq: 1, Show: "s", Type: TypeShowStarted, At: time.Unix(0, 0), V: 1, Data: []byte(`{}`)}}
	b, err := json.Marshal(map[string]any{"events": evs})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"events":[{"seq":1,"show":"s","type":"show.started","at":"1970-01-01T00:00:00Z","v":1}]}`; string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		payload any
		want    string
	}{
		{"empty type", "", nil, "empty"},
		{"upper case type", "Chat.Received", nil, "is not one of"},
		{"long type", strings.Repeat("a", MaxTypeLen+1), nil, "longer than"},
		{"array payload", "x", []int{1}, "must be a JSON object"},
		{"string payload", "x", "hello", "must be a JSON object"},
		{"null raw payload", "x", json.RawMessage(`null`), "must be a JSON object"},
		{"reserved seq", "x", map[string]int{"seq": 1}, `"seq" clashes`},
		{"reserved type", "x", map[string]string{"type": "y"}, `"type" clashes`},
		{"unmarshalable", "x", map[string]any{"f": func() {}}, "encode x payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Encode(tt.typ, tt.payload)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestEventUnmarshalErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[]`, "event"},
		{`null`, "null"},
		{`{"seq":"x","type":"a"}`, `"seq"`},
		{`{"seq":1}`, `missing "type"`},
		{`{"type":"a","at":"yesterday"}`, `"at"`},
	}
	for _, tt := range tests {
		var ev Event
		err := json.Unmarshal([]byte(tt.in), &ev)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("unmarshal %s: err = %v, want it to mention %q", tt.in, err, tt.want)
		}
	}
}

func TestDecodeWrongShape(t *testing.T) {
	ev := Event{Seq: 3, Show: "s", Type: TypeChatReceived, Data: []byte(`{"text":5}`)}
	var p ChatReceived
	if err := ev.Decode(&p); err == nil || !strings.Contains(err.Error(), "chat.received event s#3") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzEventJSON: any input either fails to parse or survives marshal → unmarshal unchanged.
func FuzzEventJSON(f *testing.F) {
	f.Add(`{"seq":1,"show":"s","type":"chat.received","at":"2026-01-01T00:00:00Z","v":1,"text":"hi"}`)
	f.Add(`{"type":"x","nested":{"a":[1,2,{"b":null}]},"s":"\u3042"}`)
	f.Add(`{"type":"x","seq":-5,"v":0}`)
	f.Fuzz(func(t *testing.T, in string) {
		var ev Event
		if err := json.Unmarshal([]byte(in), &ev); err != nil {
			return
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal of a parsed event failed: %v (input %q)", err, in)
		}
		var back Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-parse of %s failed: %v", b, err)
		}
		if back.Seq != ev.Seq || back.Show != ev.Show || back.Type != ev.Type || !back.At.Equal(ev.At) || back.V != ev.V {
			t.Fatalf("envelope changed: %+v → %+v", ev, back)
		}
		var p1, p2 map[string]any
		if err := json.Unmarshal(ev.Data, &p1); err != nil {
			t.Fatalf("payload %s: %v", ev.Data, err)
		}
		if err := json.Unmarshal(back.Data, &p2); err != nil {
			t.Fatalf("payload %s: %v", back.Data, err)
		}
		if !reflect.DeepEqual(p1, p2) {
			t.Fatalf("payload changed: %v → %v", p1, p2)
		}
	})
}

// FuzzEncode: NewEvent normalization never panics, and what it accepts marshals to flat JSON
// that parses back to the same payload.
func FuzzEncode(f *testing.F) {
	f.Add("chat.received", `{"text":"こんにちは","user":"a"}`)
	f.Add("x", `{"seq":1}`)
	f.Add("x", ` { } `)
	f.Add("Bad Type", `{}`)
	f.Fuzz(func(t *testing.T, typ, data string) {
		ne := NewEvent{Type: typ, Data: json.RawMessage(data)}
		if err := ne.normalize(); err != nil {
			return
		}
		ev := Event{Seq: 1, Show: "s", Type: ne.Type, V: ne.V, Data: ne.Data}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal accepted event: %v", err)
		}
		var back Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("parse %s: %v", b, err)
		}
		var p1, p2 any
		_ = json.Unmarshal(ne.Data, &p1)
		_ = json.Unmarshal(back.Data, &p2)
		if !reflect.DeepEqual(p1, p2) {
			t.Fatalf("payload changed: %v → %v", p1, p2)
		}
	})
}

func TestPayloadOfEveryType(t *testing.T) {
	for _, typ := range Types() {
		ev := Event{Seq: 1, Show: "s", Type: typ, V: Version(typ), Data: []byte(`{}`)}
		p, err := ev.Payload()
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if reflect.TypeOf(p).Kind() != reflect.Pointer || reflect.TypeOf(p).Elem().Kind() != reflect.Struct {
			t.Fatalf("%s: payload %T is not a pointer to a struct", typ, p)
		}
		// Every payload struct encodes to an object without envelope keys.
		if _, err := Encode(typ, reflect.ValueOf(p).Elem().Interface()); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	p, err := Event{Type: "custom.x", Data: []byte(`{"a":1}`)}.Payload()
	if err != nil || !reflect.DeepEqual(p, map[string]any{"a": float64(1)}) {
		t.Fatalf("unknown type payload = %#v, %v", p, err)
	}
	ev := Event{Type: TypeChatReceived, Data: []byte(`{"text":"hi","user":"u"}`)}
	p, err = ev.Payload()
	if c, ok := p.(*ChatReceived); err != nil || !ok || c.Text != "hi" {
		t.Fatalf("chat payload = %#v, %v", p, err)
	}
	if _, err := (Event{Type: TypeChatReceived, Data: []byte(`{"text":1}`)}).Payload(); err == nil {
		t.Fatal("bad payload decoded")
	}
}

func TestEncodeRejectsInvalidUTF8(t *testing.T) {
	ne := NewEvent{Type: "x", Data: []byte("{\"t\":\"\xff\"}")}
	if err := ne.normalize(); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("err = %v", err)
	}
}
