package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/show"
)

// FacebookSettings are a show's Facebook Live connector settings.
type FacebookSettings struct {
	LiveVideoID string `json:"live_video_id"`
	GraphBase   string `json:"graph_base,omitempty"`
	Reply       bool   `json:"reply,omitempty"`
	// IntervalMS is the wait between two polls (default 2000; Graph API rate limits are per page
	// and per app, about 4,800 calls a day per engaged user).
	IntervalMS int `json:"interval_ms,omitempty"`
}

// Facebook is the facebook platform: polling a live video's comments, replies as comments.
func Facebook(creds Credentials) connector.Platform {
	return connector.Platform{Name: "facebook", New: func(raw json.RawMessage, env connector.Env) (connector.Connector, error) {
		var s FacebookSettings
		if err := connector.DecodeSettings(raw, &s); err != nil {
			return nil, fmt.Errorf("%w (the page token comes from LIVEHOST_FACEBOOK_PAGE_TOKEN)", err)
		}
		if s.GraphBase == "" {
			s.GraphBase = DefaultGraphBase
		}
		s.GraphBase = trimBase(s.GraphBase)
		if s.IntervalMS <= 0 {
			s.IntervalMS = 2000
		}
		if s.LiveVideoID == "" || strings.ContainsAny(s.LiveVideoID, "/?#") {
			return nil, errors.New("settings: live_video_id is required (the id of the live video, not its URL)")
		}
		if err := checkURL("graph_base", s.GraphBase); err != nil {
			return nil, err
		}
		if creds.PageToken == "" {
			return nil, errors.New("the Facebook page token is not configured: set LIVEHOST_FACEBOOK_PAGE_TOKEN")
		}
		hc := env.HTTP
		if hc == nil {
			hc = http.DefaultClient
		}
		return &fbConn{s: s, token: creds.PageToken, http: hc, seen: map[string]bool{}}, nil
	}, ReplyInterval: time.Second}
}

type fbConn struct {
	s     FacebookSettings
	token string
	http  *http.Client

	mu   sync.Mutex
	seen map[string]bool // our own replies, not read back as chat
	// posting is held (write) while a reply is posted and recorded, (read) while a page is
	// mapped: a page fetched mid-post never reads the reply back as chat.
	posting sync.RWMutex
}

func (c *fbConn) Replies() bool { return c.s.Reply }
func (c *fbConn) Status() any   { return nil }

// graphError is a Graph API error: {"error":{"message","type","code"}}.
type graphError struct {
	Status  int
	Code    int
	Message string
}

func (e *graphError) Error() string {
	return fmt.Sprintf("facebook: %d (code %d): %s", e.Status, e.Code, e.Message)
}

func (c *fbConn) call(ctx context.Context, method, path string, form url.Values, out any) error {
	if form == nil {
		form = url.Values{}
	}
	var body io.Reader
	u := c.s.GraphBase + path
	if method == http.MethodGet {
		u += "?" + form.Encode()
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("facebook: %s %s: %w", method, path, err)
	}
	// The token goes in a header, never in a URL that could be logged.
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("facebook: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("facebook: read %s %s: %w", method, path, err)
	}
	if res.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Message string `json:"message"`
				Code    int    `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		return &graphError{Status: res.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("facebook: decode %s %s: %w", method, path, err)
	}
	return nil
}

type fbComment struct {
	ID          string `json:"id"`
	Message     string `json:"message"`
	CreatedTime string `json:"created_time"`
	From        *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
}

// Run polls the live video's comments, newest first, until ctx ends.
func (c *fbConn) Run(ctx context.Context, cursor string, sink connector.Sink) error {
	sink.State(show.ConnectorConnecting, "")
	bo := connector.Backoff{Min: time.Second, Max: time.Minute}
	for {
		var res struct {
			Data []fbComment `json:"data"`
		}
		err := c.call(ctx, http.MethodGet, "/"+url.PathEscape(c.s.LiveVideoID)+"/comments", url.Values{
			"order": {"reverse_chronological"}, "filter": {"stream"}, "live_filter": {"no_filter"},
			"fields": {"id,message,created_time,from"}, "limit": {"100"}}, &res)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			var ge *graphError
			if errors.As(err, &ge) && (ge.Code == 100 || ge.Code == 190 || ge.Status == http.StatusNotFound) {
				// 100: no such live video (ended and gone); 190: the token expired or was revoked.
				return fmt.Errorf("%w: %v", connector.ErrEnded, err)
			}
			sink.State(show.ConnectorBackoff, err.Error())
			if !connector.Sleep(ctx, bo.Next()) {
				return nil
			}
			continue
		}
		bo.Reset()
		msgs := make([]connector.Message, 0, len(res.Data))
		c.posting.RLock()
		c.mu.Lock()
		for i := len(res.Data) - 1; i >= 0; i-- { // oldest first
			cm := res.Data[i]
			if cm.ID == "" || c.seen[cm.ID] {
				continue
			}
			m := connector.Message{Platform: "facebook", ID: cm.ID, Text: cm.Message}
			if cm.From != nil {
				m.UserID, m.User = cm.From.ID, cm.From.Name
			}
			if t, err := time.Parse("2006-01-02T15:04:05-0700", cm.CreatedTime); err == nil {
				m.At = t.UTC()
			}
			msgs = append(msgs, m)
		}
		c.mu.Unlock()
		c.posting.RUnlock()
		// Every poll returns the newest page again: the log keeps each comment once.
		if err := sink.Deliver(ctx, "", msgs); err != nil {
			sink.State(show.ConnectorBackoff, "logging messages: "+err.Error())
		} else {
			sink.State(show.ConnectorLive, "")
		}
		if !connector.Sleep(ctx, time.Duration(c.s.IntervalMS)*time.Millisecond) {
			return nil
		}
	}
}

// Reply comments under the question (POST /{comment-id}/comments), or on the live video.
func (c *fbConn) Reply(ctx context.Context, r connector.Reply) (string, error) {
	target := r.ParentID
	if target == "" {
		target = c.s.LiveVideoID
	}
	var out struct {
		ID string `json:"id"`
	}
	c.posting.Lock()
	defer c.posting.Unlock()
	if err := c.call(ctx, http.MethodPost, "/"+url.PathEscape(target)+"/comments", url.Values{"message": {r.Text}}, &out); err != nil {
		var ge *graphError
		if errors.As(err, &ge) && ge.Status < 500 && ge.Status != http.StatusTooManyRequests && ge.Code != 4 && ge.Code != 32 {
			return "", connector.Permanent(err)
		}
		return "", err
	}
	c.mu.Lock()
	c.seen[out.ID] = true
	c.mu.Unlock()
	return out.ID, nil
}
