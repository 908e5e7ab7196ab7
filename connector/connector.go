// Package connector is what a chat platform connector is to livehost: it reads a platform's live
// chat into messages, posts approved replies back, and reports its health. Each platform lives in
// its own package (connector/youtube …) with an in-repo fake of the platform's API; package
// connector/manager runs them for the shows that configured them.
package connector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/livehost/livehost/live"
)

// Message is one chat message as a platform delivered it.
type Message struct {
	Platform string    // youtube, twitch, tiktok, niconico …
	ID       string    // the platform's message id (required: messages are deduplicated on it)
	UserID   string    // the platform's id of the author
	User     string    // the author's display name
	Text     string    // the message; a paid message's comment
	At       time.Time // when the platform says it was sent
	Badges   []string  // Owner, Moderator, Member, Verified
	// Paid messages and gifts: the amount in millionths of Currency, and what it was.
	AmountMicros int64
	Currency     string
	Kind         string // "" (text), superchat, supersticker, gift, membership
}

// Badges a connector sets.
const (
	BadgeOwner     = "owner"
	BadgeModerator = "moderator"
	BadgeMember    = "member"
	BadgeVerified  = "verified"
)

// ChatIn is the message as the show runtime takes it. A platform's message never fails a whole
// batch: invalid UTF-8 is replaced, a message longer than the runtime takes is cut, a paid
// message with no comment gets a text saying what it was, and a nameless author is named by id.
func (m Message) ChatIn() live.ChatIn {
	fix := func(s string, max int) string {
		s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
		if max > 0 && utf8.RuneCountInString(s) > max {
			s = string([]rune(s)[:max])
		}
		return s
	}
	in := live.ChatIn{Platform: cutBytes(fix(m.Platform, 0), 64), ID: m.ID, UserID: fix(m.UserID, 200), User: fix(m.User, 0), Text: fix(m.Text, live.MaxChatText),
		Badges: m.Badges, AmountMicros: m.AmountMicros, Currency: m.Currency, Kind: m.Kind, SentAt: m.At.UTC()}
	in.User = cutBytes(in.User, live.MaxUserLen)
	if in.Platform == "" {
		in.Platform = "unknown"
	}
	if len(in.ID) > 200 {
		// Longer than the log keeps: a digest is as unique and stays the same on redelivery.
		sum := sha256.Sum256([]byte(in.ID))
		in.ID = "sha256:" + hex.EncodeToString(sum[:])
	}
	if in.User == "" {
		in.User = in.UserID
	}
	if in.User == "" {
		in.User = "anonymous"
	}
	if in.Text == "" {
		in.Text = "(" + m.Kind + ")"
		if m.Kind == "" {
			in.Text = "(empty message)"
		}
	}
	return in
}

// cutBytes cuts s to at most n bytes on a rune boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Reply is an approved answer to post to the platform a question came from.
type Reply struct {
	DraftID  string
	Text     string
	ParentID string // the platform's id of the question, for platforms that thread replies
	User     string // who asked
}

// Sink takes what a connector reads and how it is doing.
type Sink interface {
	// Deliver logs messages, and the cursor to resume after them. An error means they were not
	// logged: read them again (the log drops what it already has).
	Deliver(ctx context.Context, cursor string, msgs []Message) error
	// State reports a change of health: show.ConnectorConnecting, ConnectorLive, ConnectorBackoff
	// (with the reason). The manager logs changes only.
	State(state, reason string)
	// Viewers reports the audience the platform counts now (YouTube's concurrentViewers). The
	// manager logs it (connector.viewers) when it changed, for the report.
	Viewers(n int)
}

// Quota is what a connector spent of a platform's daily quota: Used units in the day that ends at
// ResetsAt.
type Quota struct {
	Used     int
	ResetsAt time.Time
}

// QuotaKeeper is a connector that spends a daily quota (YouTube). The manager logs its spend with
// its cursor, and hands it back when it builds the connector again (a restart of serve, the show
// on another node), so that it does not believe the whole day's quota is there again.
type QuotaKeeper interface {
	// Quota is the spend now.
	Quota() Quota
	// RestoreQuota is called before Run with the spend last logged; a spend of a day already
	// over is ignored.
	RestoreQuota(q Quota)
}

// Connector is one configured connection to a platform's chat.
type Connector interface {
	// Run reads the chat from cursor ("" from the start) until ctx ends (nil) or the chat ends
	// for good (an error wrapping ErrEnded). It retries transient failures itself, with backoff,
	// reporting them through sink.State.
	Run(ctx context.Context, cursor string, sink Sink) error
	// Replies tells whether this connector posts approved replies.
	Replies() bool
	// Reply posts a reply and returns the platform's id of the posted message. A failure that
	// retrying cannot fix is wrapped in Permanent.
	Reply(ctx context.Context, r Reply) (string, error)
	// Status is the connector's live figures for the connectors list (a quota estimate …), or nil.
	Status() any
}

// Platform builds connectors of one platform from a show's settings.
type Platform struct {
	Name string
	// New checks settings (which must hold no secrets: credentials come from the server's
	// configuration) and builds a connector. A bad setting is an error naming it.
	New func(settings json.RawMessage, env Env) (Connector, error)
	// ReplyInterval is the least time between two replies on one connector.
	ReplyInterval time.Duration
}

// Env is what a connector is built with.
type Env struct {
	HTTP   *http.Client
	Logger *slog.Logger
}

// ErrEnded says the platform's chat is over (YouTube's liveChatEnded): Run returns it and the
// connector is not started again until it is configured again or the show restarts.
var ErrEnded = errors.New("chat ended")

// PermanentError is a failure that retrying will not fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{err}
}

// IsPermanent tells whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// DecodeSettings decodes a platform's settings strictly: an unknown key (a secret someone tried
// to put in settings, a typo) is an error naming it.
func DecodeSettings(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if dec.More() {
		return errors.New("settings: more than one JSON value")
	}
	return nil
}

// Receiver is a connector the platform pushes to (a signed webhook): the HTTP edge hands it each
// request and the manager logs what it returns.
type Receiver interface {
	// Receive checks a request (an error wrapping ErrUnauthorized for a missing, stale or wrong
	// signature) and returns its messages.
	Receive(header http.Header, body []byte, now time.Time) ([]Message, error)
}

// Verifier is a push connector whose platform verifies the callback URL with a GET first (Meta's
// hub.challenge): it returns the challenge to echo, or an error wrapping ErrUnauthorized.
type Verifier interface {
	Verify(q url.Values) (string, error)
}

// ErrUnauthorized is a pushed request whose signature does not check out.
var ErrUnauthorized = errors.New("unauthorized")
