package wire

import (
	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/connector/meta"
	"github.com/livehost/livehost/connector/onecomme"
	"github.com/livehost/livehost/connector/twitch"
	"github.com/livehost/livehost/connector/webhook"
	"github.com/livehost/livehost/connector/youtube"
	"github.com/livehost/livehost/internal/config"
)

// Platforms are the chat platforms a show's connectors can use, with the credentials of cfg.
// Credentials stay here and in the connectors built from them; a show's settings never hold them.
func Platforms(cfg config.Config) []connector.Platform {
	return []connector.Platform{
		youtube.Platform(youtube.Credentials{ClientID: cfg.YouTubeClientID, ClientSecret: cfg.YouTubeClientSecret, RefreshToken: cfg.YouTubeRefreshToken}),
		webhook.Platform(cfg.WebhookSecret),
		onecomme.Platform(),
		meta.Instagram(metaCreds(cfg)),
		meta.Facebook(metaCreds(cfg)),
		twitch.Platform(twitch.Credentials{ClientID: cfg.TwitchClientID, ClientSecret: cfg.TwitchClientSecret, RefreshToken: cfg.TwitchRefreshToken}),
	}
}

func metaCreds(cfg config.Config) meta.Credentials {
	return meta.Credentials{AppSecret: cfg.MetaAppSecret, VerifyToken: cfg.MetaVerifyToken, PageToken: cfg.FacebookPageToken}
}
