// Package youtubetest is an in-process fake of the parts of the YouTube Data API v3 and Google's
// OAuth 2 token endpoint that livehost's YouTube connector uses, speaking their wire format:
// liveChatMessages.list (pageToken, nextPageToken, pollingIntervalMillis, the first page holding
// recent messages), liveChatMessages.insert, videos.list (liveStreamingDetails), the refresh-token
// grant, Google's error bodies, and quota accounting. Faults are queued per endpoint: an error
// status with a reason (quotaExceeded, liveChatEnded, authError, backendError), a dropped
// connection, a page delivered twice, expired access tokens.
package youtubetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Endpoints faults can be queued for.
const (
	List   = "list"   // GET liveChat/messages
	Insert = "insert" // POST liveChat/messages
	Videos = "videos" // GET videos
	Token  = "token"  // POST the token endpoint
)

// Quota costs, as YouTube charges them.
const (
	ListCost   = 5
	InsertCost = 20
	VideosCost = 1
)

// Fault is what the next request to an endpoint gets instead of its answer.
type Fault struct {
	Status int    // HTTP status of a Google error body
	Reason string // errors[0].reason: quotaExceeded, liveChatEnded, authError, backendError …
	// Drop closes the connection without an answer.
	Drop bool
	// Repeat answers a list request with the page it answered last (a duplicate delivery).
	Repeat bool
}

// Credentials the fake accepts at its token endpoint.
type Credentials struct {
	ClientID, ClientSecret, RefreshToken string
}

// Server is the fake. Create it with New and Close it.
type Server struct {
	*httptest.Server
	creds Credentials

	mu        sync.Mutex
	chatID    string
	videoID   string
	viewers   int
	msgs      []resource
	ended     bool
	first     int // how many recent messages a first page holds
	pageSize  int
	interval  time.Duration
	faults    map[string][]Fault
	tokens    map[string]bool // access tokens issued and still valid
	nTokens   int
	used      int // quota units used
	quota     int // 0: no limit
	lastPage  []resource
	lastNext  string
	inserted  []resource
	requests  map[string]int
	lastQuery map[string]string
	polls     []Poll
}

// Poll is one list request as the fake saw it: when, with which access token (each connector
// instance gets its own), from which page token.
type Poll struct {
	At        time.Time
	Token     string
	PageToken string
}

// Options shape the fake.
type Options struct {
	LiveChatID string        // default "Cg0KC2xpdmVjaGF0LTE"
	VideoID    string        // default "vid-1"
	Interval   time.Duration // pollingIntervalMillis it asks for (default 50 ms)
	FirstPage  int           // recent messages on a first page (default 20)
	PageSize   int           // at most this many messages a page (default 500, like maxResults)
	Quota      int           // daily units before quotaExceeded (0: unlimited)
	Creds      Credentials   // default client-1 / secret-1 / refresh-1
}

// New starts the fake.
func New(o Options) *Server {
	if o.LiveChatID == "" {
		o.LiveChatID = "Cg0KC2xpdmVjaGF0LTE"
	}
	if o.VideoID == "" {
		o.VideoID = "vid-1"
	}
	if o.Interval <= 0 {
		o.Interval = 50 * time.Millisecond
	}
	if o.FirstPage <= 0 {
		o.FirstPage = 20
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.Creds == (Credentials{}) {
		o.Creds = Credentials{"client-1", "secret-1", "refresh-1"}
	}
	s := &Server{creds: o.Creds, chatID: o.LiveChatID, videoID: o.VideoID, viewers: 120, first: o.FirstPage, pageSize: o.PageSize,
		interval: o.Interval, quota: o.Quota, faults: map[string][]Fault{}, tokens: map[string]bool{}, requests: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /youtube/v3/liveChat/messages", s.list)
	mux.HandleFunc("POST /youtube/v3/liveChat/messages", s.insert)
	mux.HandleFunc("GET /youtube/v3/videos", s.videos)
	s.Server = httptest.NewServer(mux)
	return s
}

// APIBase is the api_base setting that points a connector here.
func (s *Server) APIBase() string { return s.URL + "/youtube/v3" }

// TokenURL is the token_url setting that points a connector here.
func (s *Server) TokenURL() string { return s.URL + "/token" }

// LiveChatID is the live chat's id.
func (s *Server) LiveChatID() string { return s.chatID }

// VideoID is the broadcast's video id.
func (s *Server) VideoID() string { return s.videoID }

// Message is a viewer's message to post to the fake chat.
type Message struct {
	ID          string // default: made up
	ChannelID   string // default: "UC" + DisplayName
	DisplayName string
	Text        string
	Owner       bool
	Moderator   bool
	Member      bool
	// SuperChat: the amount in micros and currency; Text is the user's comment.
	AmountMicros int64
	Currency     string
}

type resource = map[string]any

// Post adds viewers' messages to the chat and returns their ids.
func (s *Server) Post(msgs ...Message) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		if m.ID == "" {
			m.ID = fmt.Sprintf("LCC.msg-%d", len(s.msgs)+1)
		}
		if m.ChannelID == "" {
			m.ChannelID = "UC" + m.DisplayName
		}
		ids[i] = m.ID
		s.msgs = append(s.msgs, s.resource(m))
	}
	return ids
}

func (s *Server) resource(m Message) resource {
	snip := resource{
		"type": "textMessageEvent", "liveChatId": s.chatID, "authorChannelId": m.ChannelID,
		"publishedAt": time.Now().UTC().Format(time.RFC3339Nano), "hasDisplayContent": true, "displayMessage": m.Text,
		"textMessageDetails": resource{"messageText": m.Text},
	}
	if m.AmountMicros > 0 {
		snip["type"] = "superChatEvent"
		delete(snip, "textMessageDetails")
		snip["superChatDetails"] = resource{"amountMicros": strconv.FormatInt(m.AmountMicros, 10), "currency": m.Currency,
			"amountDisplayString": fmt.Sprintf("%s%d", m.Currency, m.AmountMicros/1e6), "userComment": m.Text, "tier": 2}
	}
	return resource{
		"kind": "youtube#liveChatMessage", "etag": "etag-" + m.ID, "id": m.ID, "snippet": snip,
		"authorDetails": resource{"channelId": m.ChannelID, "channelUrl": "http://www.youtube.com/channel/" + m.ChannelID,
			"displayName": m.DisplayName, "profileImageUrl": "https://yt3.ggpht.com/x", "isVerified": false,
			"isChatOwner": m.Owner, "isChatSponsor": m.Member, "isChatModerator": m.Moderator},
	}
}

// Fail queues faults for the next requests to an endpoint (List, Insert, Videos, Token).
func (s *Server) Fail(endpoint string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[endpoint] = append(s.faults[endpoint], faults...)
}

// SetViewers sets the concurrentViewers videos.list reports (default 120).
func (s *Server) SetViewers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.viewers = n
}

// ExpireTokens makes every access token issued so far invalid: the next API call gets 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]bool{}
}

// End ends the live chat: list and insert answer liveChatEnded from now on.
func (s *Server) End() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
}

// Inserted are the messages posted through liveChatMessages.insert, as the fake stored them.
func (s *Server) Inserted() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.inserted...)
}

// Used is the quota units spent so far.
func (s *Server) Used() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

// Requests counts requests per endpoint.
func (s *Server) Requests(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

// Polls are the list requests so far, in the order they came.
func (s *Server) Polls() []Poll {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Poll(nil), s.polls...)
}

// LastQuery is the query of the last list request.
func (s *Server) LastQuery() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastQuery
}

func googleError(w http.ResponseWriter, status int, reason, msg string) {
	domain := "youtube.liveChat"
	switch reason {
	case "quotaExceeded":
		domain = "youtube.quota"
	case "authError", "backendError":
		domain = "global"
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resource{"error": resource{"code": status, "message": msg,
		"errors": []resource{{"message": msg, "domain": domain, "reason": reason}}}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

// fault takes the next queued fault of an endpoint and answers it; it reports whether it did.
// s.mu is held.
func (s *Server) fault(w http.ResponseWriter, endpoint string) (Fault, bool) {
	q := s.faults[endpoint]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0]
	s.faults[endpoint] = q[1:]
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return f, true
			}
		}
		panic(http.ErrAbortHandler)
	case f.Repeat:
		return f, false // handled by list
	default:
		msg := f.Reason
		if f.Reason == "quotaExceeded" {
			msg = "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>."
		}
		googleError(w, f.Status, f.Reason, msg)
		return f, true
	}
}

// auth checks the bearer token; s.mu is held.
func (s *Server) auth(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !s.tokens[tok] {
		googleError(w, http.StatusUnauthorized, "authError", "Invalid Credentials")
		return false
	}
	return true
}

// spend charges quota; s.mu is held.
func (s *Server) spend(w http.ResponseWriter, units int) bool {
	if s.quota > 0 && s.used+units > s.quota {
		googleError(w, http.StatusForbidden, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.")
		return false
	}
	s.used += units
	return true
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[Token]++
	if _, done := s.fault(w, Token); done {
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	if r.PostForm.Get("grant_type") != "refresh_token" || id != s.creds.ClientID || secret != s.creds.ClientSecret ||
		r.PostForm.Get("refresh_token") != s.creds.RefreshToken {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(resource{"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
		return
	}
	s.nTokens++
	tok := fmt.Sprintf("ya29.fake-%d", s.nTokens)
	s.tokens[tok] = true
	writeJSON(w, resource{"access_token": tok, "expires_in": 3599, "scope": "https://www.googleapis.com/auth/youtube", "token_type": "Bearer"})
}

func encodeToken(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(off)))
}

func decodeToken(t string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || !strings.HasPrefix(string(b), "o:") {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[2:]))
	return n, err == nil && n >= 0
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[List]++
	q := r.URL.Query()
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.polls = append(s.polls, Poll{At: time.Now(), Token: tok, PageToken: q.Get("pageToken")})
	s.lastQuery = map[string]string{}
	for k := range q {
		s.lastQuery[k] = q.Get(k)
	}
	f, done := s.fault(w, List)
	if done || !s.auth(w, r) {
		return
	}
	if q.Get("liveChatId") != s.chatID {
		googleError(w, http.StatusNotFound, "liveChatNotFound", "The live chat that you are trying to retrieve cannot be found.")
		return
	}
	if !strings.Contains(q.Get("part"), "snippet") {
		googleError(w, http.StatusBadRequest, "invalidValue", "part must include snippet")
		return
	}
	if s.ended {
		googleError(w, http.StatusForbidden, "liveChatEnded", "The live chat is no longer live.")
		return
	}
	if !s.spend(w, ListCost) {
		return
	}
	var page []resource
	var next string
	if f.Repeat && s.lastPage != nil {
		page, next = s.lastPage, s.lastNext
	} else {
		off := max(0, len(s.msgs)-s.first)
		if t := q.Get("pageToken"); t != "" {
			n, ok := decodeToken(t)
			if !ok || n > len(s.msgs) {
				googleError(w, http.StatusBadRequest, "pageTokenInvalid", "The page token is invalid.")
				return
			}
			off = n
		}
		end := min(len(s.msgs), off+s.pageSize)
		if m, err := strconv.Atoi(q.Get("maxResults")); err == nil && m > 0 {
			end = min(end, off+m)
		}
		page, next = s.msgs[off:end], encodeToken(end)
		s.lastPage, s.lastNext = page, next
	}
	writeJSON(w, resource{
		"kind": "youtube#liveChatMessageListResponse", "etag": "etag-page", "nextPageToken": next,
		"pollingIntervalMillis": s.interval.Milliseconds(),
		"pageInfo":              resource{"totalResults": len(page), "resultsPerPage": len(page)},
		"items":                 page,
	})
}

func (s *Server) insert(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[Insert]++
	if _, done := s.fault(w, Insert); done || !s.auth(w, r) {
		return
	}
	if r.URL.Query().Get("part") != "snippet" {
		googleError(w, http.StatusBadRequest, "invalidValue", "part must be snippet")
		return
	}
	var body struct {
		Snippet struct {
			LiveChatID         string `json:"liveChatId"`
			Type               string `json:"type"`
			TextMessageDetails struct {
				MessageText string `json:"messageText"`
			} `json:"textMessageDetails"`
		} `json:"snippet"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		googleError(w, http.StatusBadRequest, "parseError", "This API does not support parsing form-encoded input.")
		return
	}
	sn := body.Snippet
	text := sn.TextMessageDetails.MessageText
	switch {
	case sn.LiveChatID != s.chatID:
		googleError(w, http.StatusNotFound, "liveChatNotFound", "The live chat that you are trying to insert a message into cannot be found.")
		return
	case sn.Type != "textMessageEvent":
		googleError(w, http.StatusBadRequest, "invalidValue", "snippet.type must be textMessageEvent")
		return
	case text == "" || len([]rune(text)) > 200:
		googleError(w, http.StatusBadRequest, "messageTextInvalid", "The message text is empty or longer than 200 characters.")
		return
	case s.ended:
		googleError(w, http.StatusForbidden, "liveChatEnded", "The live chat is no longer live.")
		return
	}
	if !s.spend(w, InsertCost) {
		return
	}
	m := Message{ID: fmt.Sprintf("LCC.reply-%d", len(s.inserted)+1), ChannelID: "UCshop", DisplayName: "Shop", Text: text, Owner: true}
	res := s.resource(m)
	s.inserted = append(s.inserted, res)
	s.msgs = append(s.msgs, res) // your own messages show up in the chat, as on YouTube
	writeJSON(w, res)
}

func (s *Server) videos(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[Videos]++
	if _, done := s.fault(w, Videos); done || !s.auth(w, r) {
		return
	}
	if !s.spend(w, VideosCost) {
		return
	}
	items := []resource{}
	if r.URL.Query().Get("id") == s.videoID {
		det := resource{"actualStartTime": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "concurrentViewers": strconv.Itoa(s.viewers)}
		if !s.ended {
			det["activeLiveChatId"] = s.chatID
		}
		items = append(items, resource{"kind": "youtube#video", "id": s.videoID, "liveStreamingDetails": det})
	}
	writeJSON(w, resource{"kind": "youtube#videoListResponse", "items": items, "pageInfo": resource{"totalResults": len(items), "resultsPerPage": len(items)}})
}
