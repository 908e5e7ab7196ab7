package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/livehost/livehost/connector"
)

// apiError is a Google API error body: {"error":{"code","message","errors":[{"reason"…}]}}.
type apiError struct {
	Status  int
	Reason  string // errors[0].reason: quotaExceeded, liveChatEnded, authError …
	Message string
}

func (e *apiError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("youtube: %d %s: %s", e.Status, e.Reason, e.Message)
	}
	return fmt.Sprintf("youtube: %d: %s", e.Status, e.Message)
}

func reasonOf(err error) (int, string) {
	var e *apiError
	if errors.As(err, &e) {
		return e.Status, e.Reason
	}
	return 0, ""
}

// client speaks the REST JSON of the Data API with a bearer token from the refresh token; a 401
// refreshes the token once and tries again.
type client struct {
	base string
	http *http.Client
	auth *connector.Refresher
}

// token returns the access token, refreshing it when it expired or force is set.
func (c *client) token(ctx context.Context, force bool) (string, error) {
	t, err := c.auth.Token(ctx, force)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			// Google answers invalid_grant for a revoked or wrong refresh token: the body names
			// the error, never the secret.
			return "", &apiError{Status: http.StatusUnauthorized, Reason: "tokenRefresh", Message: re.ErrorCode + " " + re.ErrorDescription}
		}
		return "", fmt.Errorf("youtube: refresh the access token: %w", err)
	}
	return t, nil
}

// do sends one API call and decodes its answer into out.
func (c *client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return fmt.Errorf("youtube: encode %s body: %w", path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.token(ctx, attempt > 0)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+path+"?"+q.Encode(), bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("youtube: %s %s: %w", method, path, err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.http.Do(req)
		if err != nil {
			return fmt.Errorf("youtube: %s %s: %w", method, path, err)
		}
		raw, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
		res.Body.Close()
		if err != nil {
			return fmt.Errorf("youtube: read %s %s: %w", method, path, err)
		}
		if res.StatusCode == http.StatusUnauthorized && attempt == 0 {
			continue // the access token expired or was revoked: refresh once
		}
		if res.StatusCode/100 != 2 {
			return parseError(res.StatusCode, raw)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("youtube: decode %s %s answer: %w", method, path, err)
		}
		return nil
	}
}

func parseError(status int, raw []byte) error {
	var b struct {
		Error struct {
			Message string `json:"message"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	e := &apiError{Status: status}
	if json.Unmarshal(raw, &b) == nil {
		e.Message = b.Error.Message
		if len(b.Error.Errors) > 0 {
			e.Reason = b.Error.Errors[0].Reason
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if len(e.Message) > 300 {
		e.Message = e.Message[:300]
	}
	return e
}

// The parts of the API's resources the connector reads.
type listResponse struct {
	NextPageToken         string        `json:"nextPageToken"`
	PollingIntervalMillis int64         `json:"pollingIntervalMillis"`
	OfflineAt             string        `json:"offlineAt"`
	Items                 []chatMessage `json:"items"`
}

type chatMessage struct {
	ID      string `json:"id"`
	Snippet struct {
		Type               string `json:"type"`
		AuthorChannelID    string `json:"authorChannelId"`
		PublishedAt        string `json:"publishedAt"`
		DisplayMessage     string `json:"displayMessage"`
		TextMessageDetails *struct {
			MessageText string `json:"messageText"`
		} `json:"textMessageDetails"`
		SuperChatDetails *struct {
			AmountMicros json.Number `json:"amountMicros"`
			Currency     string      `json:"currency"`
			UserComment  string      `json:"userComment"`
		} `json:"superChatDetails"`
		SuperStickerDetails *struct {
			AmountMicros json.Number `json:"amountMicros"`
			Currency     string      `json:"currency"`
			Metadata     struct {
				AltText string `json:"altText"`
			} `json:"superStickerMetadata"`
		} `json:"superStickerDetails"`
	} `json:"snippet"`
	AuthorDetails struct {
		ChannelID   string `json:"channelId"`
		DisplayName string `json:"displayName"`
		IsVerified  bool   `json:"isVerified"`
		IsOwner     bool   `json:"isChatOwner"`
		IsSponsor   bool   `json:"isChatSponsor"`
		IsModerator bool   `json:"isChatModerator"`
	} `json:"authorDetails"`
}

func (c *client) list(ctx context.Context, chatID, pageToken string) (listResponse, error) {
	q := url.Values{"liveChatId": {chatID}, "part": {"id,snippet,authorDetails"}, "maxResults": {"2000"}}
	if pageToken != "" {
		q.Set("pageToken", pageToken)
	}
	var out listResponse
	err := c.do(ctx, http.MethodGet, "/liveChat/messages", q, nil, &out)
	return out, err
}

func (c *client) insert(ctx context.Context, chatID, text string) (string, error) {
	body := map[string]any{"snippet": map[string]any{"liveChatId": chatID, "type": "textMessageEvent",
		"textMessageDetails": map[string]string{"messageText": text}}}
	var out struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "/liveChat/messages", url.Values{"part": {"snippet"}}, body, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", errors.New("youtube: liveChatMessages.insert answered without an id")
	}
	return out.ID, nil
}

type liveDetails struct {
	ActiveLiveChatID  string `json:"activeLiveChatId"`
	ConcurrentViewers string `json:"concurrentViewers"`
}

// video reads a broadcast's live details; found is false for an unknown video.
func (c *client) video(ctx context.Context, id string) (liveDetails, bool, error) {
	var out struct {
		Items []struct {
			LiveStreamingDetails liveDetails `json:"liveStreamingDetails"`
		} `json:"items"`
	}
	if err := c.do(ctx, http.MethodGet, "/videos", url.Values{"part": {"liveStreamingDetails"}, "id": {id}}, nil, &out); err != nil {
		return liveDetails{}, false, err
	}
	if len(out.Items) == 0 {
		return liveDetails{}, false, nil
	}
	return out.Items[0].LiveStreamingDetails, true, nil
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func atoi64(n json.Number) int64 {
	v, _ := strconv.ParseInt(string(n), 10, 64)
	return v
}
