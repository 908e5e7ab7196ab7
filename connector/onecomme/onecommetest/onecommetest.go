// Package onecommetest is a fake of OneComme's local comment socket (/sub?p=comments): on connect
// it sends {"type":"connected","data":{"comments":[…recent…]}}, then {"type":"comments","data":
// {"comments":[…]}} for each Push. Drop closes every connection, as OneComme restarting does.
package onecommetest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Comment is a comment as the fake sends it.
type Comment struct {
	ID      string // OneComme's id of the comment (data.id is the platform's)
	Service string // youtube, tiktok, niconama, twicas, showroom, 17live …
	UserID  string
	Name    string
	Text    string
	Owner   bool
	Gift    bool
}

// Server is the fake. Create it with New and Close it.
type Server struct {
	*httptest.Server
	mu      sync.Mutex
	history []map[string]any
	conns   map[*websocket.Conn]chan []byte
	recent  int
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New starts the fake; a new connection gets the recent most recent comments.
func New(recent int) *Server {
	s := &Server{conns: map[*websocket.Conn]chan []byte{}, recent: recent}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sub", s.sub)
	s.Server = httptest.NewServer(mux)
	return s
}

// URL is the connector's url setting.
func (s *Server) WSURL() string {
	return "ws" + strings.TrimPrefix(s.Server.URL, "http") + "/sub?p=comments"
}

// Close ends every connection and stops the server.
func (s *Server) Close() {
	s.cancel()
	s.Drop()
	s.Server.Close()
	s.wg.Wait()
}

func resource(c Comment) map[string]any {
	return map[string]any{"id": "oc-" + c.ID, "service": c.Service, "name": c.Service + " 配信", "color": map[string]int{"r": 0, "g": 0, "b": 0},
		"data": map[string]any{"id": c.ID, "liveId": "live-1", "userId": c.UserID, "name": c.Name, "displayName": c.Name, "comment": c.Text,
			"timestamp": time.Now().UnixMilli(), "isOwner": c.Owner, "hasGift": c.Gift, "isFirstTime": false, "profileImage": ""}}
}

// Push sends comments to every connection and keeps them for new ones.
func (s *Server) Push(cs ...Comment) {
	list := make([]map[string]any, len(cs))
	for i, c := range cs {
		list[i] = resource(c)
	}
	msg, _ := json.Marshal(map[string]any{"type": "comments", "data": map[string]any{"comments": list}})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.history = append(s.history, list...)
	for _, out := range s.conns {
		out <- msg
	}
}

// Raw sends a raw message to every connection (a type the connector ignores, or garbage).
func (s *Server) Raw(msg []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, out := range s.conns {
		out <- msg
	}
}

// Drop closes every connection.
func (s *Server) Drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, out := range s.conns {
		close(out)
		delete(s.conns, c)
	}
}

// Connections counts the open connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *Server) sub(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("p") != "comments" {
		http.Error(w, "p=comments expected", http.StatusBadRequest)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	s.wg.Add(1)
	defer s.wg.Done()
	out := make(chan []byte, 1024)
	s.mu.Lock()
	recent := s.history[max(0, len(s.history)-s.recent):]
	hello, _ := json.Marshal(map[string]any{"type": "connected", "data": map[string]any{"comments": recent, "config": map[string]any{}}})
	out <- hello
	s.conns[c] = out
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.conns[c] == out {
			delete(s.conns, c)
		}
		s.mu.Unlock()
	}()
	for {
		select {
		case msg, ok := <-out:
			if !ok {
				c.CloseNow()
				return
			}
			if err := c.Write(s.ctx, websocket.MessageText, msg); err != nil {
				c.CloseNow()
				return
			}
		case <-s.ctx.Done():
			c.CloseNow()
			return
		}
	}
}
