// Package twitch connects a show to a Twitch channel's chat: EventSub over WebSocket for
// channel.chat.message (subscribed through Helix within the welcome's keepalive; a missed
// keepalive reconnects; session_reconnect is followed to its new URL without losing the
// subscription; a revocation stops the connector), and replies through Helix POST /chat/messages
// with reply_parent_message_id. OAuth 2 with a user refresh token. Package twitchtest is a fake of
// the EventSub socket, Helix and the token endpoint.
package twitch

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/livehost/livehost/connector"
)

// Defaults of the settings.
const (
	DefaultEventSubURL = "wss://eventsub.wss.twitch.tv/ws"
	DefaultAPIBase     = "https://api.twitch.tv/helix"
	DefaultTokenURL    = "https://id.twitch.tv/oauth2/token"
	// MaxReply is the longest chat message Helix takes, in characters.
	MaxReply = 500
)

// Credentials are the app's client and the refresh token of the account that reads chat and
// posts replies (scopes user:read:chat and user:write:chat), from LIVEHOST_TWITCH_*.
type Credentials struct {
	ClientID, ClientSecret, RefreshToken string
}

// Settings are a show's Twitch connector settings.
type Settings struct {
	BroadcasterUserID string `json:"broadcaster_user_id"`
	// UserID is the account the token belongs to, which reads the chat and sends replies.
	UserID      string `json:"user_id"`
	EventSubURL string `json:"eventsub_url,omitempty"`
	APIBase     string `json:"api_base,omitempty"`
	TokenURL    string `json:"token_url,omitempty"`
	Reply       bool   `json:"reply,omitempty"`
}

func (s *Settings) check() error {
	if s.EventSubURL == "" {
		s.EventSubURL = DefaultEventSubURL
	}
	if s.APIBase == "" {
		s.APIBase = DefaultAPIBase
	}
	if s.TokenURL == "" {
		s.TokenURL = DefaultTokenURL
	}
	s.APIBase = strings.TrimRight(s.APIBase, "/")
	if s.BroadcasterUserID == "" || s.UserID == "" {
		return errors.New("settings: broadcaster_user_id and user_id are required")
	}
	for k, v := range map[string][2]string{"eventsub_url": {s.EventSubURL, "ws"}, "api_base": {s.APIBase, "http"}, "token_url": {s.TokenURL, "http"}} {
		u, err := url.Parse(v[0])
		if err != nil || u.Host == "" || (u.Scheme != v[1] && u.Scheme != v[1]+"s") {
			return fmt.Errorf("settings: %s %q is not a %s(s) URL", k, v[0], v[1])
		}
	}
	return nil
}

// Platform is the twitch platform with the server's credentials.
func Platform(creds Credentials) connector.Platform {
	return connector.Platform{
		Name: "twitch",
		New: func(raw json.RawMessage, env connector.Env) (connector.Connector, error) {
			var s Settings
			if err := connector.DecodeSettings(raw, &s); err != nil {
				return nil, fmt.Errorf("%w (credentials come from LIVEHOST_TWITCH_CLIENT_ID, _CLIENT_SECRET and _REFRESH_TOKEN)", err)
			}
			if err := s.check(); err != nil {
				return nil, err
			}
			if creds.ClientID == "" || creds.ClientSecret == "" || creds.RefreshToken == "" {
				return nil, errors.New("twitch credentials are not configured: set LIVEHOST_TWITCH_CLIENT_ID, LIVEHOST_TWITCH_CLIENT_SECRET and LIVEHOST_TWITCH_REFRESH_TOKEN")
			}
			hc := env.HTTP
			if hc == nil {
				hc = http.DefaultClient
			}
			log := env.Logger
			if log == nil {
				log = slog.Default()
			}
			cfg := &oauth2.Config{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
				Endpoint: oauth2.Endpoint{TokenURL: s.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
			return &conn{s: s, log: log, api: &helix{base: s.APIBase, clientID: creds.ClientID, http: hc,
				auth: &connector.Refresher{Config: cfg, RefreshToken: creds.RefreshToken, HTTP: hc}}}, nil
		},
		// Twitch allows 20 messages per 30 s for a user who is not a moderator of the channel.
		ReplyInterval: 1500 * time.Millisecond,
	}
}
