// Package webhook is the connector for any other bridge: the bridge POSTs chat to
// /api/shows/{id}/webhook/{name} signed with a shared secret,
//
//	X-Livehost-Timestamp: 1767225600            (Unix seconds)
//	X-Livehost-Signature: sha256=HEX(HMAC-SHA256(secret, timestamp + "." + body))
//
// and the body is {"messages":[{"id","platform","user","user_id","text","at","badges",
// "amount_micros","currency","kind"}]} (or one message object). A request older or newer than the
// allowed skew (default 5 min) or with a wrong signature is refused; a retried request is safe,
// since messages are logged once per (platform, id).
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/show"
)

// Headers of a signed request.
const (
	HeaderSignature = "X-Livehost-Signature"
	HeaderTimestamp = "X-Livehost-Timestamp"
)

// MaxMessages is the most messages one request may carry.
const MaxMessages = 1000

// Settings of a webhook connector.
type Settings struct {
	// Platform is the platform its messages are from when a message does not say (default
	// "webhook").
	Platform string `json:"platform,omitempty"`
	// MaxSkewS is how far a request's timestamp may be from the server's clock (default 300).
	MaxSkewS int `json:"max_skew_s,omitempty"`
}

// Platform is the webhook platform; secret is the shared secret (LIVEHOST_WEBHOOK_SECRET).
func Platform(secret string) connector.Platform {
	return connector.Platform{Name: "webhook", New: func(raw json.RawMessage, env connector.Env) (connector.Connector, error) {
		var s Settings
		if err := connector.DecodeSettings(raw, &s); err != nil {
			return nil, fmt.Errorf("%w (the secret comes from LIVEHOST_WEBHOOK_SECRET)", err)
		}
		if s.Platform == "" {
			s.Platform = "webhook"
		}
		if s.MaxSkewS == 0 {
			s.MaxSkewS = 300
		}
		if s.MaxSkewS < 0 || len(s.Platform) > 64 {
			return nil, errors.New("settings: max_skew_s must not be negative and platform is at most 64 bytes")
		}
		if len(secret) < 16 {
			return nil, errors.New("the webhook secret is not configured: set LIVEHOST_WEBHOOK_SECRET (16 characters or more)")
		}
		return &conn{s: s, secret: []byte(secret)}, nil
	}}
}

type conn struct {
	s      Settings
	secret []byte
}

// Run has nothing to poll: the bridge pushes. It reports live until ctx ends.
func (c *conn) Run(ctx context.Context, cursor string, sink connector.Sink) error {
	sink.State(show.ConnectorLive, "")
	<-ctx.Done()
	return nil
}

func (c *conn) Replies() bool { return false }

func (c *conn) Reply(ctx context.Context, r connector.Reply) (string, error) {
	return "", connector.Permanent(errors.New("webhook connectors do not post replies"))
}

func (c *conn) Status() any { return nil }

// Sign is the X-Livehost-Signature of body sent at ts, for bridges written in Go and for tests.
func Sign(secret []byte, ts int64, body []byte) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(strconv.FormatInt(ts, 10)))
	h.Write([]byte("."))
	h.Write(body)
	return "sha256=" + hex.EncodeToString(h.Sum(nil))
}

// Message is one message of a request body.
type Message struct {
	ID           string    `json:"id"`
	Platform     string    `json:"platform"`
	User         string    `json:"user"`
	UserID       string    `json:"user_id"`
	Text         string    `json:"text"`
	At           time.Time `json:"at"`
	Badges       []string  `json:"badges"`
	AmountMicros int64     `json:"amount_micros"`
	Currency     string    `json:"currency"`
	Kind         string    `json:"kind"`
}

// Receive checks the signature and the timestamp, then decodes the messages.
func (c *conn) Receive(h http.Header, body []byte, now time.Time) ([]connector.Message, error) {
	tsv := strings.TrimSpace(h.Get(HeaderTimestamp))
	ts, err := strconv.ParseInt(tsv, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %q is not Unix seconds", connector.ErrUnauthorized, HeaderTimestamp, tsv)
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > time.Duration(c.s.MaxSkewS)*time.Second || -skew > time.Duration(c.s.MaxSkewS)*time.Second {
		return nil, fmt.Errorf("%w: %s is %s away from the server's clock (at most %ds)", connector.ErrUnauthorized, HeaderTimestamp, skew.Round(time.Second), c.s.MaxSkewS)
	}
	if !hmac.Equal([]byte(h.Get(HeaderSignature)), []byte(Sign(c.secret, ts, body))) {
		return nil, fmt.Errorf("%w: %s does not match the body", connector.ErrUnauthorized, HeaderSignature)
	}
	return c.decode(body)
}

func (c *conn) decode(body []byte) ([]connector.Message, error) {
	var in []Message
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && !bytes.Contains(trimmed[:min(len(trimmed), 64)], []byte(`"messages"`)) {
		var one Message
		if err := json.Unmarshal(trimmed, &one); err != nil {
			return nil, fmt.Errorf("decode message: %w", err)
		}
		in = []Message{one}
	} else {
		var b struct {
			Messages []Message `json:"messages"`
		}
		if err := json.Unmarshal(trimmed, &b); err != nil {
			return nil, fmt.Errorf("decode body: %w", err)
		}
		in = b.Messages
	}
	if len(in) == 0 {
		return nil, errors.New("no messages")
	}
	if len(in) > MaxMessages {
		return nil, fmt.Errorf("%d messages in one request, more than %d", len(in), MaxMessages)
	}
	out := make([]connector.Message, len(in))
	for i, m := range in {
		if m.ID == "" || len(m.ID) > 200 {
			return nil, fmt.Errorf("message %d: id is required (at most 200 bytes): messages are logged once per id", i)
		}
		if strings.TrimSpace(m.Text) == "" && m.Kind == "" {
			return nil, fmt.Errorf("message %d: text is empty", i)
		}
		p := m.Platform
		if p == "" {
			p = c.s.Platform
		}
		out[i] = connector.Message{Platform: p, ID: m.ID, UserID: m.UserID, User: m.User, Text: m.Text, At: m.At, Badges: m.Badges,
			AmountMicros: m.AmountMicros, Currency: m.Currency, Kind: m.Kind}
	}
	return out, nil
}
