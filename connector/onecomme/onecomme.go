// Package onecomme connects a show to OneComme (わんコメ), the comment viewer Japanese streamers
// run on their PC: it gathers TikTok LIVE, YouTube, niconico, TwitCasting, SHOWROOM, 17LIVE …
// (platforms with no official chat API) and serves them on a local WebSocket,
// ws://127.0.0.1:11180/sub?p=comments, as {"type","data"} messages. The connector reads them,
// maps each comment's service to a platform, and reconnects when the socket drops (OneComme
// sends the recent comments again on connect; the log keeps each once). OneComme cannot post, so
// this connector does not reply. Package onecommetest is a fake of the socket.
package onecomme

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/show"
)

// DefaultURL is OneComme's comment socket on the streamer's PC.
const DefaultURL = "ws://127.0.0.1:11180/sub?p=comments"

// Settings of a OneComme connector.
type Settings struct {
	URL string `json:"url,omitempty"`
}

// Platform is the onecomme platform.
func Platform() connector.Platform {
	return connector.Platform{Name: "onecomme", New: func(raw json.RawMessage, env connector.Env) (connector.Connector, error) {
		var s Settings
		if err := connector.DecodeSettings(raw, &s); err != nil {
			return nil, err
		}
		if s.URL == "" {
			s.URL = DefaultURL
		}
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return nil, fmt.Errorf("settings: url %q is not a ws:// or wss:// URL", s.URL)
		}
		log := env.Logger
		if log == nil {
			log = slog.Default()
		}
		return &conn{s: s, log: log}, nil
	}}
}

type conn struct {
	s   Settings
	log *slog.Logger
}

func (c *conn) Replies() bool { return false }
func (c *conn) Status() any   { return nil }

func (c *conn) Reply(ctx context.Context, r connector.Reply) (string, error) {
	return "", connector.Permanent(errors.New("onecomme cannot post replies"))
}

// Run reads the socket, reconnecting with backoff, until ctx ends.
func (c *conn) Run(ctx context.Context, cursor string, sink connector.Sink) error {
	bo := connector.Backoff{Min: time.Second, Max: 30 * time.Second}
	for {
		sink.State(show.ConnectorConnecting, "")
		err := c.read(ctx, sink, &bo)
		if ctx.Err() != nil {
			return nil
		}
		sink.State(show.ConnectorBackoff, err.Error())
		if !connector.Sleep(ctx, bo.Next()) {
			return nil
		}
	}
}

func (c *conn) read(ctx context.Context, sink connector.Sink, bo *connector.Backoff) error {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	ws, _, err := websocket.Dial(dctx, c.s.URL, nil)
	cancel()
	if err != nil {
		return fmt.Errorf("connect to OneComme at %s: %w", c.s.URL, err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(8 << 20) // the connected message carries the recent comments
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return fmt.Errorf("OneComme socket: %w", err)
		}
		msgs, err := Parse(data)
		if err != nil {
			c.log.Warn("onecomme: skip a message", "err", err)
			continue
		}
		sink.State(show.ConnectorLive, "")
		bo.Reset()
		if len(msgs) == 0 {
			continue
		}
		for sink.Deliver(ctx, "", msgs) != nil {
			if !connector.Sleep(ctx, bo.Next()) {
				return ctx.Err()
			}
		}
	}
}

// comment is one OneComme comment.
type comment struct {
	ID      string `json:"id"`
	Service string `json:"service"`
	Name    string `json:"name"` // the connection's name in OneComme
	Data    struct {
		ID          string          `json:"id"`
		UserID      string          `json:"userId"`
		Name        string          `json:"name"`
		DisplayName string          `json:"displayName"`
		Comment     string          `json:"comment"`
		Timestamp   json.RawMessage `json:"timestamp"`
		IsOwner     bool            `json:"isOwner"`
		IsModerator bool            `json:"isModerator"`
		IsMember    bool            `json:"isMember"`
		HasGift     bool            `json:"hasGift"`
	} `json:"data"`
}

// services maps OneComme's service names to livehost's platform names.
var services = map[string]string{
	"youtube": "youtube", "tiktok": "tiktok", "twitch": "twitch", "niconama": "niconico", "nicolive": "niconico",
	"twicas": "twitcasting", "twitcasting": "twitcasting", "showroom": "showroom", "17live": "17live", "mildom": "mildom",
	"openrec": "openrec", "mirrativ": "mirrativ", "bilibili": "bilibili", "whowatch": "whowatch",
}

// Parse reads one socket message: "connected" (with the recent comments) and "comments" carry
// comments; other types (deleted, clear, meta, …) carry none.
func Parse(data []byte) ([]connector.Message, error) {
	var env struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("decode message: %w", err)
	}
	if env.Type != "connected" && env.Type != "comments" {
		return nil, nil
	}
	var list []comment
	if len(env.Data) > 0 && env.Data[0] == '[' {
		if err := json.Unmarshal(env.Data, &list); err != nil {
			return nil, fmt.Errorf("decode %s: %w", env.Type, err)
		}
	} else {
		var d struct {
			Comments []comment `json:"comments"`
		}
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return nil, fmt.Errorf("decode %s: %w", env.Type, err)
		}
		list = d.Comments
	}
	out := make([]connector.Message, 0, len(list))
	for _, c := range list {
		id := c.Data.ID
		if id == "" {
			id = c.ID
		}
		if id == "" {
			continue
		}
		platform := services[strings.ToLower(c.Service)]
		if platform == "" {
			platform = strings.ToLower(c.Service)
		}
		if platform == "" {
			platform = "onecomme"
		}
		m := connector.Message{Platform: platform, ID: id, UserID: c.Data.UserID, User: c.Data.DisplayName, Text: c.Data.Comment, At: parseTimestamp(c.Data.Timestamp)}
		if m.User == "" {
			m.User = c.Data.Name
		}
		if c.Data.IsOwner {
			m.Badges = append(m.Badges, connector.BadgeOwner)
		}
		if c.Data.IsModerator {
			m.Badges = append(m.Badges, connector.BadgeModerator)
		}
		if c.Data.IsMember {
			m.Badges = append(m.Badges, connector.BadgeMember)
		}
		if c.Data.HasGift {
			m.Kind = "gift"
		}
		out = append(out, m)
	}
	return out, nil
}

// parseTimestamp takes OneComme's timestamp: Unix milliseconds as a number or a string, or RFC 3339.
func parseTimestamp(raw json.RawMessage) time.Time {
	s := strings.Trim(string(raw), `"`)
	if s == "" || s == "null" {
		return time.Time{}
	}
	var ms int64
	if _, err := fmt.Sscan(s, &ms); err == nil && ms > 1e11 {
		return time.UnixMilli(ms).UTC()
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
