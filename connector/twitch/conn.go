package twitch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/show"
)

type conn struct {
	s   Settings
	log *slog.Logger
	api *helix
}

func (c *conn) Replies() bool { return c.s.Reply }
func (c *conn) Status() any   { return nil }

// Run keeps an EventSub session subscribed to the channel's chat until ctx ends or Twitch revokes
// the subscription.
func (c *conn) Run(ctx context.Context, cursor string, sink connector.Sink) error {
	bo := connector.Backoff{Min: time.Second, Max: time.Minute}
	for {
		sink.State(show.ConnectorConnecting, "")
		err := c.session(ctx, sink, &bo)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, connector.ErrEnded) {
			return err
		}
		sink.State(show.ConnectorBackoff, err.Error())
		if !connector.Sleep(ctx, bo.Next()) {
			return nil
		}
	}
}

// frame is one EventSub WebSocket message.
type frame struct {
	Metadata struct {
		MessageID   string `json:"message_id"`
		MessageType string `json:"message_type"`
	} `json:"metadata"`
	Payload struct {
		Session *struct {
			ID                      string `json:"id"`
			KeepaliveTimeoutSeconds int    `json:"keepalive_timeout_seconds"`
			ReconnectURL            string `json:"reconnect_url"`
		} `json:"session"`
		Subscription *struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"subscription"`
		Event json.RawMessage `json:"event"`
	} `json:"payload"`
}

// chatEvent is a channel.chat.message event.
type chatEvent struct {
	ChatterUserID    string `json:"chatter_user_id"`
	ChatterUserLogin string `json:"chatter_user_login"`
	ChatterUserName  string `json:"chatter_user_name"`
	MessageID        string `json:"message_id"`
	Message          struct {
		Text string `json:"text"`
	} `json:"message"`
	MessageType string `json:"message_type"`
	Badges      []struct {
		SetID string `json:"set_id"`
	} `json:"badges"`
	Cheer *struct {
		Bits int64 `json:"bits"`
	} `json:"cheer"`
}

func dial(ctx context.Context, url string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to EventSub: %w", err)
	}
	ws.SetReadLimit(1 << 20)
	return ws, nil
}

// welcome reads a connection's first message, which must be its session_welcome.
func welcome(ctx context.Context, ws *websocket.Conn) (frame, error) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, data, err := ws.Read(rctx)
	if err != nil {
		return frame{}, fmt.Errorf("EventSub welcome: %w", err)
	}
	var f frame
	if err := json.Unmarshal(data, &f); err != nil || f.Metadata.MessageType != "session_welcome" || f.Payload.Session == nil {
		return frame{}, fmt.Errorf("EventSub sent %q before its welcome", f.Metadata.MessageType)
	}
	return f, nil
}

func keepaliveOf(f frame) time.Duration {
	if k := f.Payload.Session.KeepaliveTimeoutSeconds; k > 0 && k <= 600 {
		return time.Duration(k) * time.Second
	}
	return 10 * time.Second
}

// session runs one EventSub session: connect, subscribe within the welcome's keepalive, then
// read; a session_reconnect moves it to the new URL, reading the old connection until the new one
// is welcomed, so nothing sent meanwhile is lost.
func (c *conn) session(ctx context.Context, sink connector.Sink, bo *connector.Backoff) error {
	ws, err := dial(ctx, c.s.EventSubURL)
	if err != nil {
		return err
	}
	defer func() { ws.CloseNow() }()
	w, err := welcome(ctx, ws)
	if err != nil {
		return err
	}
	keepalive := keepaliveOf(w)
	sctx, cancel := context.WithTimeout(ctx, keepalive)
	err = c.api.subscribe(sctx, c.s, w.Payload.Session.ID)
	cancel()
	if err != nil {
		var he *helixError
		if errors.As(err, &he) && (he.Status == http.StatusForbidden || he.Status == http.StatusBadRequest) {
			return fmt.Errorf("%w: subscribing to channel.chat.message: %v", connector.ErrEnded, err)
		}
		return fmt.Errorf("subscribe to channel.chat.message: %w", err)
	}
	sink.State(show.ConnectorLive, "")
	bo.Reset()
	type moved struct {
		ws  *websocket.Conn
		f   frame
		err error
	}
	var handoff chan moved
	var stopOld context.CancelFunc = func() {}
	defer func() { stopOld() }()
	oldCtx := ctx
	for {
		// No message (not even a keepalive) within the keepalive timeout: the connection is dead.
		rctx, cancel := context.WithTimeout(oldCtx, keepalive+keepalive/4+250*time.Millisecond)
		_, data, err := ws.Read(rctx)
		cancel()
		if err != nil {
			if handoff != nil {
				m := <-handoff
				stopOld()
				if m.err != nil {
					return m.err
				}
				ws.CloseNow()
				ws, keepalive, handoff, oldCtx = m.ws, keepaliveOf(m.f), nil, ctx
				continue
			}
			if ctx.Err() == nil && rctx.Err() != nil {
				return fmt.Errorf("no EventSub message within the %s keepalive", keepalive)
			}
			return fmt.Errorf("EventSub socket: %w", err)
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			c.log.Warn("twitch: skip an EventSub message", "err", err)
			continue
		}
		switch f.Metadata.MessageType {
		case "session_reconnect":
			if f.Payload.Session == nil || f.Payload.Session.ReconnectURL == "" {
				return errors.New("EventSub reconnect without a URL")
			}
			if handoff != nil {
				continue
			}
			// Connect to the new URL, and keep reading this one until Twitch closes it (it does
			// once the new one is welcomed): what it still sends is not lost.
			handoff = make(chan moved, 1)
			var oldCancel context.CancelFunc
			oldCtx, oldCancel = context.WithCancel(ctx)
			stopOld = oldCancel
			go func(url string) {
				nws, err := dial(ctx, url)
				var w frame
				if err == nil {
					if w, err = welcome(ctx, nws); err != nil {
						nws.CloseNow()
					}
				}
				handoff <- moved{nws, w, err}
			}(f.Payload.Session.ReconnectURL)
		case "revocation":
			status := "revoked"
			if f.Payload.Subscription != nil {
				status = f.Payload.Subscription.Status
			}
			stopOld()
			if handoff != nil {
				if m := <-handoff; m.ws != nil {
					m.ws.CloseNow()
				}
			}
			return fmt.Errorf("%w: Twitch revoked the chat subscription (%s)", connector.ErrEnded, status)
		case "notification":
			if f.Payload.Subscription == nil || f.Payload.Subscription.Type != "channel.chat.message" {
				continue
			}
			var ev chatEvent
			if err := json.Unmarshal(f.Payload.Event, &ev); err != nil || ev.MessageID == "" {
				c.log.Warn("twitch: skip a chat notification", "err", err)
				continue
			}
			for sink.Deliver(ctx, "", []connector.Message{toMessage(ev)}) != nil {
				if !connector.Sleep(ctx, bo.Next()) {
					stopOld()
					if handoff != nil {
						if m := <-handoff; m.ws != nil {
							m.ws.CloseNow()
						}
					}
					return ctx.Err()
				}
			}
		}
	}
}

func toMessage(ev chatEvent) connector.Message {
	m := connector.Message{Platform: "twitch", ID: ev.MessageID, UserID: ev.ChatterUserID, User: ev.ChatterUserName, Text: ev.Message.Text, At: time.Now().UTC()}
	if m.User == "" {
		m.User = ev.ChatterUserLogin
	}
	for _, b := range ev.Badges {
		switch b.SetID {
		case "broadcaster":
			m.Badges = append(m.Badges, connector.BadgeOwner)
		case "moderator":
			m.Badges = append(m.Badges, connector.BadgeModerator)
		case "subscriber", "founder":
			m.Badges = append(m.Badges, connector.BadgeMember)
		case "partner":
			m.Badges = append(m.Badges, connector.BadgeVerified)
		}
	}
	if ev.Cheer != nil && ev.Cheer.Bits > 0 {
		m.Kind, m.AmountMicros, m.Currency = "gift", ev.Cheer.Bits*1_000_000, "BITS"
	}
	return m
}

// Reply posts to the chat through Helix, threaded under the question.
func (c *conn) Reply(ctx context.Context, r connector.Reply) (string, error) {
	text := r.Text
	if utf8.RuneCountInString(text) > MaxReply {
		text = string([]rune(text)[:MaxReply-1]) + "…"
	}
	id, err := c.api.send(ctx, c.s, text, r.ParentID)
	if err != nil {
		var he *helixError
		if errors.As(err, &he) && he.Status != http.StatusTooManyRequests && he.Status < 500 {
			return "", connector.Permanent(err)
		}
		return "", err
	}
	return id, nil
}
