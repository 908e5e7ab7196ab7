// Package twitchtest is a fake of the parts of Twitch livehost's Twitch connector uses: the
// EventSub WebSocket (session_welcome with keepalive_timeout_seconds, session_keepalive,
// notification for channel.chat.message, session_reconnect to a new URL that keeps the
// subscriptions, revocation), Helix POST /eventsub/subscriptions (only a session welcomed in the
// last keepalive may subscribe) and POST /chat/messages, and the refresh-token grant. Faults:
// silence (missed keepalives), a dropped socket, a notification delivered twice, an expired token.
package twitchtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Credentials the fake accepts.
type Credentials struct{ ClientID, ClientSecret, RefreshToken string }

// Server is the fake. Create it with New and Close it.
type Server struct {
	*httptest.Server
	creds     Credentials
	keepalive time.Duration

	mu       sync.Mutex
	sessions map[string]*session
	nSess    int
	subs     map[string]bool // session ids subscribed to channel.chat.message
	tokens   map[string]bool
	nTokens  int
	sent     []map[string]any
	nMsg     int
	silent   bool
	subFails []int // statuses for the next subscription requests
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

type session struct {
	id  string
	out chan []byte
}

// New starts the fake with a keepalive (default 1 s).
func New(keepalive time.Duration) *Server {
	if keepalive <= 0 {
		keepalive = time.Second
	}
	s := &Server{creds: Credentials{"tw-client", "tw-secret", "tw-refresh"}, keepalive: keepalive, sessions: map[string]*session{},
		subs: map[string]bool{}, tokens: map[string]bool{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.ws)
	mux.HandleFunc("POST /helix/eventsub/subscriptions", s.subscribe)
	mux.HandleFunc("POST /helix/chat/messages", s.chat)
	mux.HandleFunc("POST /oauth2/token", s.token)
	s.Server = httptest.NewServer(mux)
	return s
}

// Creds are the credentials the fake accepts.
func (s *Server) Creds() Credentials { return s.creds }

// EventSubURL, APIBase and TokenURL are the connector's settings that point here.
func (s *Server) EventSubURL() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/ws" }
func (s *Server) APIBase() string     { return s.URL + "/helix" }
func (s *Server) TokenURL() string    { return s.URL + "/oauth2/token" }

// Close ends every session and stops the server.
func (s *Server) Close() {
	s.cancel()
	s.Server.Close()
	s.wg.Wait()
}

func frame(typ string, payload any, extra map[string]string) []byte {
	s := map[string]any{"message_id": fmt.Sprintf("%s-%d", typ, time.Now().UnixNano()), "message_type": typ, "message_timestamp": time.Now().UTC().Format(time.RFC3339Nano)}
	for k, v := range extra {
		s[k] = v
	}
	b, _ := json.Marshal(map[string]any{"metadata": s, "payload": payload})
	return b
}

// Chat is a chat message to deliver.
type Chat struct {
	ID, UserID, User, Text string
	Badges                 []string // set ids: broadcaster, moderator, subscriber …
	Bits                   int64
}

// Send delivers chat messages to every subscribed session; twice when dup is set (EventSub is
// at-least-once).
func (s *Server) Send(dup bool, msgs ...Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		if m.ID == "" {
			s.nMsg++
			m.ID = fmt.Sprintf("tw-msg-%d", s.nMsg)
		}
		badges := []map[string]string{}
		for _, b := range m.Badges {
			badges = append(badges, map[string]string{"set_id": b, "id": "1", "info": ""})
		}
		ev := map[string]any{"broadcaster_user_id": "1001", "broadcaster_user_login": "shop", "broadcaster_user_name": "Shop",
			"chatter_user_id": m.UserID, "chatter_user_login": strings.ToLower(m.User), "chatter_user_name": m.User, "message_id": m.ID,
			"message": map[string]any{"text": m.Text, "fragments": []map[string]any{{"type": "text", "text": m.Text}}},
			"color":   "#FF0000", "badges": badges, "message_type": "text"}
		if m.Bits > 0 {
			ev["cheer"] = map[string]int64{"bits": m.Bits}
		}
		payload := map[string]any{"subscription": map[string]any{"id": "sub-1", "status": "enabled", "type": "channel.chat.message", "version": "1"}, "event": ev}
		f := frame("notification", payload, map[string]string{"subscription_type": "channel.chat.message", "subscription_version": "1"})
		for id, se := range s.sessions {
			if !s.subs[id] {
				continue
			}
			se.out <- f
			if dup {
				se.out <- f
			}
		}
	}
}

// Reconnect sends session_reconnect to every session: the connector must move to the new URL,
// where the subscriptions carry over.
func (s *Server) Reconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, se := range s.sessions {
		u := s.EventSubURL() + "?reconnect=" + id
		se.out <- frame("session_reconnect", map[string]any{"session": map[string]any{"id": id, "status": "reconnecting", "reconnect_url": u}}, nil)
	}
}

// Revoke sends a revocation of the chat subscription to every session.
func (s *Server) Revoke(status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, se := range s.sessions {
		se.out <- frame("revocation", map[string]any{"subscription": map[string]any{"id": "sub-1", "status": status, "type": "channel.chat.message"}},
			map[string]string{"subscription_type": "channel.chat.message"})
	}
}

// Silence stops keepalives (on = true): a connector must notice and reconnect.
func (s *Server) Silence(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent = on
}

// Drop closes every socket.
func (s *Server) Drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, se := range s.sessions {
		close(se.out)
		delete(s.sessions, id)
	}
}

// FailSubscribe makes the next subscription requests answer these statuses.
func (s *Server) FailSubscribe(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subFails = append(s.subFails, statuses...)
}

// ExpireTokens makes every access token invalid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]bool{}
}

// Sessions counts the open sessions; Subscribed the subscribed ones.
func (s *Server) Sessions() (open, subscribed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.sessions {
		open++
		if s.subs[id] {
			subscribed++
		}
	}
	return open, subscribed
}

// Sent are the bodies of POST /chat/messages that were sent.
func (s *Server) Sent() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.sent...)
}

func (s *Server) ws(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	s.wg.Add(1)
	defer s.wg.Done()
	defer c.CloseNow()
	s.mu.Lock()
	id := r.URL.Query().Get("reconnect")
	if id == "" {
		s.nSess++
		id = fmt.Sprintf("session-%d", s.nSess)
	} else if old := s.sessions[id]; old != nil {
		close(old.out) // the old connection closes once the new one is welcomed
	}
	se := &session{id: id, out: make(chan []byte, 4096)}
	se.out <- frame("session_welcome", map[string]any{"session": map[string]any{"id": id, "status": "connected",
		"keepalive_timeout_seconds": int(s.keepalive / time.Second), "reconnect_url": nil, "connected_at": time.Now().UTC().Format(time.RFC3339Nano)}}, nil)
	s.sessions[id] = se
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.sessions[id] == se {
			delete(s.sessions, id)
		}
		s.mu.Unlock()
	}()
	tick := time.NewTicker(s.keepalive / 2)
	defer tick.Stop()
	for {
		select {
		case msg, ok := <-se.out:
			if !ok {
				return
			}
			if c.Write(s.ctx, websocket.MessageText, msg) != nil {
				return
			}
		case <-tick.C:
			s.mu.Lock()
			silent := s.silent
			s.mu.Unlock()
			if !silent && c.Write(s.ctx, websocket.MessageText, frame("session_keepalive", map[string]any{}, nil)) != nil {
				return
			}
		case <-s.ctx.Done():
			return
		}
	}
}

func helixError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": http.StatusText(status), "status": status, "message": msg})
}

// auth checks the bearer token and Client-Id; s.mu is held.
func (s *Server) auth(w http.ResponseWriter, r *http.Request) bool {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !s.tokens[tok] {
		helixError(w, http.StatusUnauthorized, "Invalid OAuth token")
		return false
	}
	if r.Header.Get("Client-Id") != s.creds.ClientID {
		helixError(w, http.StatusUnauthorized, "Client ID and OAuth token do not match")
		return false
	}
	return true
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.auth(w, r) {
		return
	}
	if len(s.subFails) > 0 {
		st := s.subFails[0]
		s.subFails = s.subFails[1:]
		helixError(w, st, "subscription refused")
		return
	}
	var b struct {
		Type      string            `json:"type"`
		Version   string            `json:"version"`
		Condition map[string]string `json:"condition"`
		Transport map[string]string `json:"transport"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Type != "channel.chat.message" || b.Version != "1" ||
		b.Condition["broadcaster_user_id"] == "" || b.Condition["user_id"] == "" || b.Transport["method"] != "websocket" {
		helixError(w, http.StatusBadRequest, "invalid subscription")
		return
	}
	if s.sessions[b.Transport["session_id"]] == nil {
		helixError(w, http.StatusBadRequest, "websocket transport session does not exist or has already disconnected")
		return
	}
	s.subs[b.Transport["session_id"]] = true
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{"id": "sub-1", "status": "enabled", "type": b.Type, "version": "1",
		"condition": b.Condition, "transport": b.Transport, "cost": 0}}, "total": 1, "total_cost": 0, "max_total_cost": 10})
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.auth(w, r) {
		return
	}
	var b map[string]any
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b["broadcaster_id"] == nil || b["sender_id"] == nil {
		helixError(w, http.StatusBadRequest, "Missing required parameter")
		return
	}
	text, _ := b["message"].(string)
	w.Header().Set("Content-Type", "application/json")
	if text == "" || len([]rune(text)) > 500 {
		_ = json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{"message_id": "", "is_sent": false,
			"drop_reason": map[string]string{"code": "msg_too_long", "message": "message is empty or longer than 500 characters"}}}})
		return
	}
	s.sent = append(s.sent, b)
	_ = json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{"message_id": fmt.Sprintf("tw-reply-%d", len(s.sent)), "is_sent": true, "drop_reason": nil}}})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = r.ParseForm()
	if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("client_id") != s.creds.ClientID ||
		r.PostForm.Get("client_secret") != s.creds.ClientSecret || r.PostForm.Get("refresh_token") != s.creds.RefreshToken {
		helixError(w, http.StatusBadRequest, "Invalid refresh token")
		return
	}
	s.nTokens++
	tok := fmt.Sprintf("tw-access-%d", s.nTokens)
	s.tokens[tok] = true
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "refresh_token": s.creds.RefreshToken, "expires_in": 14400,
		"scope": []string{"user:read:chat", "user:write:chat"}, "token_type": "bearer"})
}
