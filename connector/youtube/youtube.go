// Package youtube connects a show to a YouTube live chat through the YouTube Data API v3:
// liveChatMessages.list polling that follows nextPageToken and waits pollingIntervalMillis, within
// a daily quota budget spread over the show; the live chat found from a video id; replies through
// liveChatMessages.insert; OAuth 2 with a refresh token. The REST JSON is spoken directly (the
// generated client would upgrade modules the rest of livehost pins). Package youtubetest is a fake
// of the same API for tests.
package youtube

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/livehost/livehost/connector"
)

// Defaults of the settings.
const (
	DefaultAPIBase  = "https://www.googleapis.com/youtube/v3"
	DefaultTokenURL = "https://oauth2.googleapis.com/token"
	DefaultQuota    = 10_000
	// MaxReply is the longest message liveChatMessages.insert takes, in characters.
	MaxReply = 200
)

// Credentials are the OAuth 2 client and the refresh token of the channel that posts replies;
// they come from the server's configuration (LIVEHOST_YOUTUBE_*), never from a show's settings.
type Credentials struct {
	ClientID, ClientSecret, RefreshToken string
}

// Settings are a show's YouTube connector settings (PUT /api/shows/{id}/connectors/{name}).
type Settings struct {
	LiveChatID string `json:"live_chat_id,omitempty"`
	VideoID    string `json:"video_id,omitempty"` // the live chat is found from it when live_chat_id is empty
	APIBase    string `json:"api_base,omitempty"`
	TokenURL   string `json:"token_url,omitempty"`
	Reply      bool   `json:"reply,omitempty"` // post approved replies to the chat
	// QuotaPerDay is the project's daily quota in units (default 10,000); ReplyReserve is how many
	// replies' worth of it polling leaves alone (default 50, 1,000 units).
	QuotaPerDay  int `json:"quota_per_day,omitempty"`
	ReplyReserve int `json:"reply_reserve,omitempty"`
	// Duration is how long the show runs ("3h"): the budget is spread over it. Default: until the
	// quota resets at midnight Pacific time.
	Duration string `json:"duration,omitempty"`
	// MinIntervalMS is the shortest wait between two polls, whatever YouTube asks for.
	MinIntervalMS int `json:"min_interval_ms,omitempty"`
	// ViewersEveryS is how often concurrentViewers is sampled when video_id is set (default 60;
	// 1 unit each).
	ViewersEveryS int `json:"viewers_every_s,omitempty"`
}

// Check fills defaults and says what is wrong.
func (s *Settings) Check() error {
	if s.APIBase == "" {
		s.APIBase = DefaultAPIBase
	}
	if s.TokenURL == "" {
		s.TokenURL = DefaultTokenURL
	}
	s.APIBase = strings.TrimRight(s.APIBase, "/")
	if s.QuotaPerDay == 0 {
		s.QuotaPerDay = DefaultQuota
	}
	if s.ReplyReserve == 0 {
		s.ReplyReserve = 50
	}
	if s.ViewersEveryS == 0 {
		s.ViewersEveryS = 60
	}
	switch {
	case s.LiveChatID == "" && s.VideoID == "":
		return errors.New("settings: live_chat_id or video_id is required")
	case s.QuotaPerDay < 0 || s.ReplyReserve < 0 || s.MinIntervalMS < 0 || s.ViewersEveryS < 0:
		return errors.New("settings: quota_per_day, reply_reserve, min_interval_ms and viewers_every_s must not be negative")
	}
	for k, v := range map[string]string{"api_base": s.APIBase, "token_url": s.TokenURL} {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("settings: %s %q is not an http(s) URL", k, v)
		}
	}
	if s.Duration != "" {
		if d, err := time.ParseDuration(s.Duration); err != nil || d <= 0 {
			return fmt.Errorf("settings: duration %q: want a positive duration such as 3h", s.Duration)
		}
	}
	return nil
}

// Platform is the youtube platform with the server's credentials.
func Platform(creds Credentials) connector.Platform {
	return connector.Platform{
		Name: "youtube",
		New: func(raw json.RawMessage, env connector.Env) (connector.Connector, error) {
			var s Settings
			if err := connector.DecodeSettings(raw, &s); err != nil {
				return nil, fmt.Errorf("%w (credentials come from LIVEHOST_YOUTUBE_CLIENT_ID, _CLIENT_SECRET and _REFRESH_TOKEN)", err)
			}
			if err := s.Check(); err != nil {
				return nil, err
			}
			if creds.ClientID == "" || creds.ClientSecret == "" || creds.RefreshToken == "" {
				return nil, errors.New("youtube credentials are not configured: set LIVEHOST_YOUTUBE_CLIENT_ID, LIVEHOST_YOUTUBE_CLIENT_SECRET and LIVEHOST_YOUTUBE_REFRESH_TOKEN")
			}
			return newConn(s, creds, env), nil
		},
		// YouTube publishes no rate for inserts; one a second keeps a busy show from looking
		// like spam to its filters.
		ReplyInterval: time.Second,
	}
}

func oauthConfig(s Settings, c Credentials) *oauth2.Config {
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: s.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		Scopes:   []string{"https://www.googleapis.com/auth/youtube.force-ssl"}}
}
