// Package show owns a live show's events: the typed, versioned event types, the durable per-show
// append-only log (SQLite in the data directory, or PostgreSQL), the in-process bus that fans
// events out to pages and agents, and the show state folded from the log.
//
// Everything that happens in a show is appended to its log with a per-show sequence number that
// increases by one with each event (no gaps, no reuse). Append returns only once the events are
// durable (SQLite: WAL with synchronous=FULL; PostgreSQL: a committed transaction), so an
// acknowledged event survives SIGKILL of the process. One writer goroutine per Store commits
// whatever calls are waiting in one transaction (group commit), which is where throughput comes
// from.
//
// Subscribe replays the log from any sequence number and then follows live events with no gap and
// no duplicate; a subscriber that falls behind gets a stream.resync marker and continues from the
// log, and never slows Append. The bus is in process: sequence numbers stay correct with several
// processes on one PostgreSQL database (a row lock serializes each show), but live delivery only
// reaches subscribers of the process that appended, so run one server per database.
package show

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Event is one entry of a show's log. Its JSON form is a flat object: the envelope fields
// "seq", "show", "type", "at", "v" followed by the payload's own fields, e.g.
//
//	{"seq":12,"show":"s1","type":"chat.received","at":"2026-…Z","v":1,"platform":"yt","user":"a","text":"hi"}
type Event struct {
	Seq  int64     // per-show sequence number, 1-based, dense
	Show string    // show ID
	Type string    // one of the Type… constants (or another producer's type)
	At   time.Time // when it was appended (UTC, microsecond precision)
	V    int       // payload version of this Type
	Data json.RawMessage
}

// NewEvent is an event not yet appended: the log assigns Seq and Show (and At when zero).
type NewEvent struct {
	Type string
	V    int       // 0 means the current version of Type (see Version)
	At   time.Time // zero means the time of the append
	Data json.RawMessage
}

// Limits that keep one bad producer from filling the log.
const (
	MaxTypeLen  = 64
	MaxShowID   = 64
	MaxDataSize = 256 << 10 // bytes of one event's payload
)

// reserved are the envelope keys; a payload may not use them because they are inlined.
var reserved = map[string]bool{"seq": true, "show": true, "type": true, "at": true, "v": true}

// Encode builds a NewEvent of type typ from a payload struct (or map). The payload must marshal to
// a JSON object without the envelope keys seq, show, type, at, v; nil means an empty payload.
func Encode(typ string, payload any) (NewEvent, error) {
	ne := NewEvent{Type: typ}
	if err := validType(typ); err != nil {
		return NewEvent{}, err
	}
	var data []byte
	switch p := payload.(type) {
	case nil:
		data = []byte("{}")
	case json.RawMessage:
		data = p
	default:
		b, err := json.Marshal(payload)
		if err != nil {
			return NewEvent{}, fmt.Errorf("encode %s payload: %w", typ, err)
		}
		data = b
	}
	ne.Data = data
	if err := ne.normalize(); err != nil {
		return NewEvent{}, err
	}
	return ne, nil
}

// MustEncode is Encode for payloads that cannot fail to marshal (the structs of this package);
// it panics on error, so use it only with constant types and plain structs.
func MustEncode(typ string, payload any) NewEvent {
	ne, err := Encode(typ, payload)
	if err != nil {
		panic(err)
	}
	return ne
}

// Decode unmarshals the event's payload into p (a pointer to the payload struct of its type).
func (e Event) Decode(p any) error {
	data := e.Data
	if len(data) == 0 {
		data = []byte("{}")
	}
	if err := json.Unmarshal(data, p); err != nil {
		return fmt.Errorf("decode %s event %s#%d: %w", e.Type, e.Show, e.Seq, err)
	}
	return nil
}

// normalize checks the type and payload and compacts the payload.
func (ne *NewEvent) normalize() error {
	if err := validType(ne.Type); err != nil {
		return err
	}
	if ne.V < 0 {
		return fmt.Errorf("event %s: negative version %d", ne.Type, ne.V)
	}
	if ne.V == 0 {
		ne.V = Version(ne.Type)
	}
	data := ne.Data
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	if len(data) > MaxDataSize {
		return fmt.Errorf("event %s: payload is %d bytes, more than %d", ne.Type, len(data), MaxDataSize)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("event %s: payload is not valid UTF-8", ne.Type)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		if err == nil {
			err = errors.New("null")
		}
		return fmt.Errorf("event %s: payload must be a JSON object: %w", ne.Type, err)
	}
	for k := range fields {
		if reserved[k] {
			return fmt.Errorf("event %s: payload field %q clashes with the event envelope", ne.Type, k)
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return fmt.Errorf("event %s: payload: %w", ne.Type, err)
	}
	ne.Data = buf.Bytes()
	if !ne.At.IsZero() {
		ne.At = ne.At.UTC().Truncate(time.Microsecond)
	}
	return nil
}

func validType(typ string) error {
	if typ == "" {
		return errors.New("event type is empty")
	}
	if len(typ) > MaxTypeLen {
		return fmt.Errorf("event type %.20q… is longer than %d bytes", typ, MaxTypeLen)
	}
	for i := 0; i < len(typ); i++ {
		c := typ[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("event type %q: byte %d (%q) is not one of a-z 0-9 . _ -", typ, i, c)
		}
	}
	return nil
}

// ValidShowID reports whether id can name a show: 1 to 64 bytes of A-Z a-z 0-9 _ -.
func ValidShowID(id string) error {
	if id == "" {
		return errors.New("show id is empty")
	}
	if len(id) > MaxShowID {
		return fmt.Errorf("show id %.20q… is longer than %d bytes", id, MaxShowID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("show id %q: byte %d (%q) is not one of A-Z a-z 0-9 _ -", id, i, c)
		}
	}
	return nil
}

// MarshalJSON writes the flat form: envelope fields then the payload's fields.
func (e Event) MarshalJSON() ([]byte, error) {
	buf := make([]byte, 0, 96+len(e.Data))
	buf = append(buf, `{"seq":`...)
	buf = strconv.AppendInt(buf, e.Seq, 10)
	buf = append(buf, `,"show":`...)
	buf = appendJSONString(buf, e.Show)
	buf = append(buf, `,"type":`...)
	buf = appendJSONString(buf, e.Type)
	buf = append(buf, `,"at":"`...)
	buf = e.At.UTC().AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, `","v":`...)
	buf = strconv.AppendInt(buf, int64(e.V), 10)
	body := bytes.TrimSpace(e.Data)
	if len(body) >= 2 && body[0] == '{' && body[len(body)-1] == '}' {
		inner := bytes.TrimSpace(body[1 : len(body)-1])
		if len(inner) > 0 {
			buf = append(buf, ',')
			buf = append(buf, inner...)
		}
	} else if len(body) > 0 {
		return nil, fmt.Errorf("marshal %s event %s#%d: payload is not a JSON object", e.Type, e.Show, e.Seq)
	}
	buf = append(buf, '}')
	return buf, nil
}

func appendJSONString(buf []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(buf, b...)
}

// UnmarshalJSON reads the flat form; every field that is not part of the envelope goes to Data.
func (e *Event) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	if fields == nil {
		return errors.New("event: null")
	}
	var out Event
	for key, dst := range map[string]any{"seq": &out.Seq, "show": &out.Show, "type": &out.Type, "at": &out.At, "v": &out.V} {
		raw, ok := fields[key]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return fmt.Errorf("event field %q: %w", key, err)
		}
		delete(fields, key)
	}
	if out.Type == "" {
		return errors.New(`event: missing "type"`)
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("event payload: %w", err)
	}
	out.Data = data
	*e = out
	return nil
}
