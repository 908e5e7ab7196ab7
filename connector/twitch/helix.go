package twitch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/livehost/livehost/connector"
)

// helixError is a Helix error answer: {"error","status","message"}.
type helixError struct {
	Status  int
	Message string
}

func (e *helixError) Error() string { return fmt.Sprintf("twitch: %d: %s", e.Status, e.Message) }

// helix speaks Helix with a user token from the refresh token; a 401 refreshes it once.
type helix struct {
	base, clientID string
	http           *http.Client
	auth           *connector.Refresher
}

func (h *helix) token(ctx context.Context, force bool) (string, error) {
	t, err := h.auth.Token(ctx, force)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return "", &helixError{Status: http.StatusUnauthorized, Message: "refreshing the access token failed: " + re.Response.Status}
		}
		return "", fmt.Errorf("twitch: refresh the access token: %w", err)
	}
	return t, nil
}

func (h *helix) post(ctx context.Context, path string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("twitch: encode %s: %w", path, err)
	}
	for attempt := 0; ; attempt++ {
		tok, err := h.token(ctx, attempt > 0)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+path, bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("twitch: POST %s: %w", path, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Client-Id", h.clientID)
		req.Header.Set("Content-Type", "application/json")
		res, err := h.http.Do(req)
		if err != nil {
			return fmt.Errorf("twitch: POST %s: %w", path, err)
		}
		raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if err != nil {
			return fmt.Errorf("twitch: read POST %s: %w", path, err)
		}
		if res.StatusCode == http.StatusUnauthorized && attempt == 0 {
			continue
		}
		if res.StatusCode/100 != 2 {
			var e struct {
				Message string `json:"message"`
			}
			_ = json.Unmarshal(raw, &e)
			if e.Message == "" {
				e.Message = http.StatusText(res.StatusCode)
			}
			return &helixError{Status: res.StatusCode, Message: e.Message}
		}
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("twitch: decode POST %s answer: %w", path, err)
			}
		}
		return nil
	}
}

// subscribe subscribes the session to the channel's chat messages.
func (h *helix) subscribe(ctx context.Context, s Settings, session string) error {
	return h.post(ctx, "/eventsub/subscriptions", map[string]any{
		"type": "channel.chat.message", "version": "1",
		"condition": map[string]string{"broadcaster_user_id": s.BroadcasterUserID, "user_id": s.UserID},
		"transport": map[string]string{"method": "websocket", "session_id": session},
	}, nil)
}

// send posts a chat message, threaded under parent when it is set.
func (h *helix) send(ctx context.Context, s Settings, text, parent string) (string, error) {
	body := map[string]string{"broadcaster_id": s.BroadcasterUserID, "sender_id": s.UserID, "message": text}
	if parent != "" {
		body["reply_parent_message_id"] = parent
	}
	var out struct {
		Data []struct {
			MessageID  string `json:"message_id"`
			IsSent     bool   `json:"is_sent"`
			DropReason *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"drop_reason"`
		} `json:"data"`
	}
	if err := h.post(ctx, "/chat/messages", body, &out); err != nil {
		return "", err
	}
	if len(out.Data) == 0 {
		return "", errors.New("twitch: POST /chat/messages answered without data")
	}
	d := out.Data[0]
	if !d.IsSent {
		reason := "dropped"
		if d.DropReason != nil {
			reason = d.DropReason.Code + ": " + d.DropReason.Message
		}
		return "", &helixError{Status: http.StatusOK, Message: "message not sent: " + reason}
	}
	return d.MessageID, nil
}
