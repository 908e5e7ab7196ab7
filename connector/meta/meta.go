// Package meta connects a show to Instagram Live and Facebook Live through Meta's Graph API.
// Instagram: the live_comments webhook field — Meta verifies the callback with a GET carrying
// hub.mode=subscribe, hub.verify_token and hub.challenge, then POSTs comments signed with
// X-Hub-Signature-256 (HMAC-SHA256 of the body with the app secret). Instagram replies to live
// comments are private only, so the Instagram connector does not reply. Facebook: polling
// GET /{live-video-id}/comments with the page access token, newest first, and replies as threaded
// comments (POST /{comment-id}/comments). Package metatest is a fake of the Graph API for tests.
package meta

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/livehost/livehost/connector"
)

// DefaultGraphBase is the Graph API the Facebook connector polls.
const DefaultGraphBase = "https://graph.facebook.com/v21.0"

// Credentials are the Meta app's secret (it signs webhooks), the verify token chosen when the
// webhook was set up, and the Facebook page access token; from LIVEHOST_META_* and
// LIVEHOST_FACEBOOK_PAGE_TOKEN.
type Credentials struct {
	AppSecret, VerifyToken, PageToken string
}

// Sign is the X-Hub-Signature-256 Meta sends with body, for tests and relays.
func Sign(secret []byte, body []byte) string {
	h := hmac.New(sha256.New, secret)
	h.Write(body)
	return "sha256=" + hex.EncodeToString(h.Sum(nil))
}

// VerifyChallenge answers Meta's GET verification of the callback URL.
func verifyChallenge(q url.Values, token string) (string, error) {
	if token == "" {
		return "", fmt.Errorf("%w: LIVEHOST_META_VERIFY_TOKEN is not configured", connector.ErrUnauthorized)
	}
	if q.Get("hub.mode") != "subscribe" || !hmac.Equal([]byte(q.Get("hub.verify_token")), []byte(token)) {
		return "", fmt.Errorf("%w: hub.mode is not subscribe or hub.verify_token does not match", connector.ErrUnauthorized)
	}
	return q.Get("hub.challenge"), nil
}

// checkSignature checks X-Hub-Signature-256 over the raw body.
func checkSignature(sig string, body []byte, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: LIVEHOST_META_APP_SECRET is not configured", connector.ErrUnauthorized)
	}
	if !hmac.Equal([]byte(sig), []byte(Sign([]byte(secret), body))) {
		return fmt.Errorf("%w: X-Hub-Signature-256 does not match the body", connector.ErrUnauthorized)
	}
	return nil
}

// igNotification is a webhook body of object instagram.
type igNotification struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Time    int64  `json:"time"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				ID   string `json:"id"`
				Text string `json:"text"`
				From struct {
					ID       string `json:"id"`
					Username string `json:"username"`
				} `json:"from"`
				Media struct {
					ID string `json:"id"`
				} `json:"media"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// parseInstagram reads the live_comments of a webhook body; media, when set, keeps only the
// comments on that live broadcast.
func parseInstagram(body []byte, media string) ([]connector.Message, error) {
	var n igNotification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("decode webhook body: %w", err)
	}
	if n.Object != "instagram" {
		return nil, fmt.Errorf("webhook object %q, want instagram", n.Object)
	}
	var out []connector.Message
	for _, e := range n.Entry {
		for _, ch := range e.Changes {
			v := ch.Value
			if ch.Field != "live_comments" || v.ID == "" || (media != "" && v.Media.ID != media) {
				continue
			}
			at := time.Unix(e.Time, 0).UTC()
			if e.Time > 1e11 {
				at = time.UnixMilli(e.Time).UTC()
			}
			out = append(out, connector.Message{Platform: "instagram", ID: v.ID, UserID: v.From.ID, User: v.From.Username, Text: v.Text, At: at})
		}
	}
	return out, nil
}

func checkURL(name, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("settings: %s %q is not an http(s) URL", name, v)
	}
	return nil
}

var errNoReply = errors.New("instagram live comments take private replies only; this connector does not reply")

func trimBase(s string) string { return strings.TrimRight(s, "/") }
