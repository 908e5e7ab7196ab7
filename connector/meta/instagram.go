package meta

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/show"
)

// InstagramSettings: media_id keeps only the comments on that live broadcast (default: every
// live comment the webhook brings for the account).
type InstagramSettings struct {
	MediaID string `json:"media_id,omitempty"`
}

// Instagram is the instagram platform: a webhook connector for live_comments.
func Instagram(creds Credentials) connector.Platform {
	return connector.Platform{Name: "instagram", New: func(raw json.RawMessage, env connector.Env) (connector.Connector, error) {
		var s InstagramSettings
		if err := connector.DecodeSettings(raw, &s); err != nil {
			return nil, err
		}
		if creds.AppSecret == "" || creds.VerifyToken == "" {
			return nil, errors.New("instagram webhooks need LIVEHOST_META_APP_SECRET and LIVEHOST_META_VERIFY_TOKEN")
		}
		return &igConn{s: s, creds: creds}, nil
	}}
}

type igConn struct {
	s     InstagramSettings
	creds Credentials
}

// Run has nothing to poll: Meta pushes. It reports live until ctx ends.
func (c *igConn) Run(ctx context.Context, cursor string, sink connector.Sink) error {
	sink.State(show.ConnectorLive, "")
	<-ctx.Done()
	return nil
}

func (c *igConn) Replies() bool { return false }
func (c *igConn) Status() any   { return nil }

func (c *igConn) Reply(ctx context.Context, r connector.Reply) (string, error) {
	return "", connector.Permanent(errNoReply)
}

// Verify answers Meta's GET verification of the callback URL.
func (c *igConn) Verify(q url.Values) (string, error) { return verifyChallenge(q, c.creds.VerifyToken) }

// Receive checks X-Hub-Signature-256 and reads the live comments.
func (c *igConn) Receive(h http.Header, body []byte, now time.Time) ([]connector.Message, error) {
	if err := checkSignature(h.Get("X-Hub-Signature-256"), body, c.creds.AppSecret); err != nil {
		return nil, err
	}
	return parseInstagram(body, c.s.MediaID)
}
