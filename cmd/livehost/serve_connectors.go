package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/livehost/livehost/connector/manager"
	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
)

// connectorsHelp is serve's --help on platform connectors.
const connectorsHelp = `

Platform connectors: PUT /api/shows/{id}/connectors/{name} (admin) with {"platform":"youtube",
"settings":{"live_chat_id":"…","reply":true}} brings a platform's chat into the show and posts
approved replies back; they restart with serve from the show's log. Credentials come from
LIVEHOST_YOUTUBE_CLIENT_ID, LIVEHOST_YOUTUBE_CLIENT_SECRET, LIVEHOST_YOUTUBE_REFRESH_TOKEN and
LIVEHOST_TWITCH_*, LIVEHOST_META_APP_SECRET, LIVEHOST_META_VERIFY_TOKEN, LIVEHOST_FACEBOOK_PAGE_TOKEN
and LIVEHOST_WEBHOOK_SECRET, or from the file LIVEHOST_CREDENTIALS names; never from settings.
Platforms: youtube, twitch, onecomme (TikTok LIVE, niconico … through OneComme), instagram,
facebook, webhook.`

// newConnectors builds the connector manager with the credentials of the environment and the
// credentials file, and starts the connectors the shows' logs configure.
func newConnectors(ctx context.Context, env *cliEnv, cfg config.Config, rt *live.Runtime, log *slog.Logger) (*manager.Manager, error) {
	get, err := config.WithCredentials(env.getenv)
	if err != nil {
		return nil, &exitError{2, err}
	}
	creds := config.FromEnv(get)
	cfg.YouTubeClientID, cfg.YouTubeClientSecret, cfg.YouTubeRefreshToken = creds.YouTubeClientID, creds.YouTubeClientSecret, creds.YouTubeRefreshToken
	cfg.WebhookSecret = creds.WebhookSecret
	cfg.TwitchClientID, cfg.TwitchClientSecret, cfg.TwitchRefreshToken = creds.TwitchClientID, creds.TwitchClientSecret, creds.TwitchRefreshToken
	cfg.MetaAppSecret, cfg.MetaVerifyToken, cfg.FacebookPageToken = creds.MetaAppSecret, creds.MetaVerifyToken, creds.FacebookPageToken
	m, err := manager.New(manager.Options{Runtime: rt, Platforms: wire.Platforms(cfg), Logger: log})
	if err != nil {
		return nil, err
	}
	if cfg.NATSURL != "" {
		return m, nil // with several nodes each show's owner starts its connectors (cluster.Worker)
	}
	if err := m.Start(ctx); err != nil {
		m.Close()
		return nil, fmt.Errorf("start connectors: %w", err)
	}
	return m, nil
}
