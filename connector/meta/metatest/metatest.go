// Package metatest is a fake of the parts of Meta's Graph API livehost's Facebook connector uses
// (GET /{live-video-id}/comments newest first, POST /{id}/comments, Graph error bodies, the page
// token in the Authorization header) and builds Instagram live_comments webhook bodies as Meta
// sends them.
package metatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Server is the fake Graph API. Create it with New and Close it.
type Server struct {
	*httptest.Server
	token string
	video string

	mu       sync.Mutex
	comments []map[string]any // oldest first
	replies  []map[string]any
	faults   []Fault
	polls    int
}

// Fault is the answer the next request gets instead: an HTTP status with a Graph error code.
type Fault struct {
	Status, Code int
	Message      string
}

// New starts the fake for one live video and page token.
func New(videoID, pageToken string) *Server {
	s := &Server{token: pageToken, video: videoID}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// GraphBase is the graph_base setting that points here.
func (s *Server) GraphBase() string { return s.URL + "/v21.0" }

// Comment adds a viewer's comment to the live video.
func (s *Server) Comment(id, userID, name, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.comments = append(s.comments, map[string]any{"id": id, "message": text,
		"created_time": time.Now().UTC().Format("2006-01-02T15:04:05-0700"), "from": map[string]string{"id": userID, "name": name}})
}

// Fail queues faults for the next requests.
func (s *Server) Fail(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// Replies are the comments posted through POST /{id}/comments, with "parent".
func (s *Server) Replies() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.replies...)
}

// Polls counts the comment list requests.
func (s *Server) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

func graphError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "AbC"}})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		graphError(w, f.Status, f.Code, f.Message)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		graphError(w, http.StatusBadRequest, 190, "Invalid OAuth access token.")
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/v21.0/")
	id, tail, _ := strings.Cut(path, "/")
	if !ok || tail != "comments" {
		graphError(w, http.StatusBadRequest, 100, "Unsupported request")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.Method {
	case http.MethodGet:
		if id != s.video {
			graphError(w, http.StatusBadRequest, 100, "Object with ID '"+id+"' does not exist")
			return
		}
		s.polls++
		q := r.URL.Query()
		if q.Get("order") != "reverse_chronological" || !strings.Contains(q.Get("fields"), "message") {
			graphError(w, http.StatusBadRequest, 100, "order and fields expected")
			return
		}
		data := []map[string]any{}
		for i := len(s.comments) - 1; i >= 0 && len(data) < 100; i-- {
			data = append(data, s.comments[i])
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "paging": map[string]any{"cursors": map[string]string{"before": "b", "after": "a"}}})
	case http.MethodPost:
		_ = r.ParseForm()
		msg := r.PostForm.Get("message")
		if msg == "" {
			graphError(w, http.StatusBadRequest, 100, "(#100) Missing message")
			return
		}
		rid := fmt.Sprintf("%s_reply%d", s.video, len(s.replies)+1)
		s.replies = append(s.replies, map[string]any{"id": rid, "parent": id, "message": msg})
		s.comments = append(s.comments, map[string]any{"id": rid, "message": msg, "created_time": time.Now().UTC().Format("2006-01-02T15:04:05-0700"),
			"from": map[string]string{"id": "page-1", "name": "Shop"}})
		_ = json.NewEncoder(w).Encode(map[string]string{"id": rid})
	default:
		graphError(w, http.StatusMethodNotAllowed, 100, "method")
	}
}

// InstagramComment is one live comment for InstagramBody.
type InstagramComment struct {
	ID, UserID, Username, Text, MediaID string
}

// InstagramBody is a webhook body of object instagram with live_comments changes, as Meta sends.
func InstagramBody(account string, cs ...InstagramComment) []byte {
	changes := make([]map[string]any, len(cs))
	for i, c := range cs {
		changes[i] = map[string]any{"field": "live_comments", "value": map[string]any{"id": c.ID, "text": c.Text,
			"from": map[string]string{"id": c.UserID, "username": c.Username}, "media": map[string]string{"id": c.MediaID, "media_product_type": "LIVE"}}}
	}
	b, _ := json.Marshal(map[string]any{"object": "instagram", "entry": []map[string]any{{"id": account, "time": time.Now().Unix(), "changes": changes}}})
	return b
}
