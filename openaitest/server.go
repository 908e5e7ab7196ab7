// Package openaitest is an in-process OpenAI-compatible HTTP server for tests of model-backed code.
//
// It speaks the real wire formats that go-openai and other OpenAI clients send and expect: chat
// completions as JSON and as server-sent events (content deltas token by token, tool calls streamed
// as deltas, usage), embeddings (float and base64), audio transcriptions (multipart), speech (WAV or
// raw PCM), moderations and models. Replies come from handlers a test sets; faults (error statuses,
// malformed bodies, delays) are scripted per request.
//
// Defaults, so that a test that sets nothing gets deterministic answers:
//   - chat: the reply is DefaultChatContent ("ok");
//   - embeddings: Embedding(text, dim) — a hash-seeded, L2-normalised vector, 1536 dimensions
//     (3072 for models whose name contains "-large"), shortened and renormalised when the request
//     sets "dimensions" (the same rule as OpenAI's text-embedding-3 models);
//   - transcriptions: DefaultTranscript(audio) — for a WAV file "<seconds> seconds of audio"
//     (two decimals), otherwise "<n> bytes of audio";
//   - speech: Speech(text, speed) — 24 kHz mono 16-bit WAV, 60 ms of tone per character of input
//     (silence for spaces), divided by speed; "pcm" returns the same samples without the header;
//   - moderations: an input is flagged (category harassment) when it contains "[flagged]".
//
// Chat answers one choice whatever "n" asks for. Token counts in usage come from Tokens, a simple
// word/character split, not a real tokenizer.
//
// A Server is safe for concurrent use. Close it when the test ends; Close also ends handlers that
// are waiting on a scripted delay.
package openaitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// maxBody bounds any request body; OpenAI's own limit for audio uploads is 25 MB.
const maxBody = 25 << 20

// Request is one HTTP request as the server received it, for assertions.
type Request struct {
	Method string
	Path   string // e.g. "/v1/chat/completions"
	Header http.Header
	Body   []byte // raw body (JSON endpoints; empty for multipart)

	// Exactly one of the parsed forms below is set for a well-formed request to its endpoint.
	Chat       *openai.ChatCompletionRequest
	Embedding  *EmbeddingRequest
	Speech     *openai.CreateSpeechRequest
	Moderation *ModerationRequest
	Form       map[string][]string // multipart fields (transcriptions), file excluded
	File       []byte              // multipart "file" content
	FileName   string

	// Status is the HTTP status the server answered with; 0 while the request is still being served.
	Status int
}

// EmbeddingRequest is a parsed embeddings request; Input is always a list of strings.
type EmbeddingRequest struct {
	Model          string
	Input          []string
	Dimensions     int
	EncodingFormat string
	User           string
}

// ModerationRequest is a parsed moderations request; Input is always a list of strings.
type ModerationRequest struct {
	Model string
	Input []string
}

// ChatReply is what the chat handler answers with.
type ChatReply struct {
	Content   string
	ToolCalls []openai.ToolCall // IDs default to "call_<n>", Type to "function"

	// FirstTokenDelay is waited before the first token; TokenDelay between tokens. Without
	// streaming the whole sum is waited before the response headers.
	FirstTokenDelay time.Duration
	TokenDelay      time.Duration

	// Status, when not 0, makes the request fail with this HTTP status and an OpenAI error body
	// carrying ErrorMessage (a default message for the status when empty).
	Status       int
	ErrorMessage string

	// FinishReason overrides the computed one ("stop", or "tool_calls" when ToolCalls is set).
	FinishReason openai.FinishReason

	// AbortAfter, when above 0, drops the connection after that many content tokens of a stream
	// (a network failure mid-answer); without streaming the connection drops before any answer.
	AbortAfter int
}

// StatusError lets a transcription handler choose the HTTP status of its failure; any other
// error becomes a 500.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string { return fmt.Sprintf("status %d: %s", e.Status, e.Message) }

// DefaultChatContent is the chat reply when no handler is set.
const DefaultChatContent = "ok"

// ModerationMarker is the substring that the default moderation handler flags.
const ModerationMarker = "[flagged]"

// Server is a running OpenAI-compatible test server.
type Server struct {
	// URL is the API base URL, ending in "/v1"; use it as go-openai's ClientConfig.BaseURL.
	URL string
	// APIKey, when set (before requests are sent), is required as "Authorization: Bearer <key>";
	// requests without it get 401.
	APIKey string

	ts   *httptest.Server
	done chan struct{} // closed by Close so that waiting handlers return

	mu         sync.Mutex
	chat       func(openai.ChatCompletionRequest) ChatReply
	transcribe func(audio []byte, model, language, prompt string) (string, error)
	moderate   func(input string) openai.Result
	models     []string
	failN      int
	failStatus int
	malformedN int
	delay      time.Duration
	retryAfter time.Duration
	requests   []*Request
	maxReqs    int
	seq        int
	closeOnce  sync.Once
}

// New starts a server on 127.0.0.1. Close it when done.
func New() *Server {
	s := &Server{
		done:       make(chan struct{}),
		retryAfter: time.Second,
		models: []string{
			"gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "text-embedding-3-small", "text-embedding-3-large",
			"whisper-1", "gpt-4o-mini-transcribe", "tts-1", "gpt-4o-mini-tts", "omni-moderation-latest",
		},
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL + "/v1"
	return s
}

// Close stops the server, ending handlers that wait on scripted delays, and closes the
// connections of the client returned by Config.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

// Config returns a go-openai client configuration for this server: BaseURL set, the APIKey (or
// "test-key") as token, and an HTTP client whose connections Close tears down.
func (s *Server) Config() openai.ClientConfig {
	key := s.APIKey
	if key == "" {
		key = "test-key"
	}
	cfg := openai.DefaultConfig(key)
	cfg.BaseURL = s.URL
	cfg.HTTPClient = s.ts.Client()
	return cfg
}

// HTTPClient returns an HTTP client for raw requests to the server; Close tears its connections down.
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// SetChat sets the chat completion handler; nil restores the default.
func (s *Server) SetChat(h func(req openai.ChatCompletionRequest) ChatReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chat = h
}

// SetTranscribe sets the transcription handler; nil restores the default.
func (s *Server) SetTranscribe(h func(audio []byte, model, language, prompt string) (string, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transcribe = h
}

// SetModerate sets the moderation handler, called once per input string; nil restores the default.
func (s *Server) SetModerate(h func(input string) openai.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.moderate = h
}

// SetModels sets the model IDs that GET /v1/models lists. Other endpoints accept any model name.
func (s *Server) SetModels(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models = slices.Clone(ids)
}

// FailNext makes the next n requests (any endpoint, in arrival order) fail with the HTTP status
// and an OpenAI error body. A 429 carries Retry-After (see SetRetryAfter). A request refused for
// a missing API key does not count.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// MalformedNext makes the next n requests (after any FailNext ones) answer 200 with a broken
// body: JSON cut in the middle, or for a chat stream a valid first chunk followed by a cut
// "data:" line and no [DONE].
func (s *Server) MalformedNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.malformedN = n
}

// SetDelay makes every following request wait d before its response headers are written.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetRetryAfter sets the wait that 429 answers advertise (default 1 s): "Retry-After" in whole
// seconds rounded up, and "retry-after-ms".
func (s *Server) SetRetryAfter(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = d
}

// Requests returns copies of the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Form = maps.Clone(r.Form)
	}
	return out
}

// Reset forgets recorded requests and scripted faults, and restores default handlers.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.failN, s.malformedN, s.delay = 0, 0, 0
	s.chat, s.transcribe, s.moderate = nil, nil, nil
}

type route struct {
	method string
	handle func(s *Server, w http.ResponseWriter, r *http.Request, rec *Request, malformed bool)
}

var routes = map[string]route{
	"/v1/chat/completions":     {http.MethodPost, (*Server).handleChat},
	"/v1/embeddings":           {http.MethodPost, (*Server).handleEmbeddings},
	"/v1/audio/transcriptions": {http.MethodPost, (*Server).handleTranscription},
	"/v1/audio/speech":         {http.MethodPost, (*Server).handleSpeech},
	"/v1/moderations":          {http.MethodPost, (*Server).handleModeration},
	"/v1/models":               {http.MethodGet, (*Server).handleModels},
}

// statusRecorder remembers the status written so that Requests can report it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
	sw := &statusRecorder{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		rec.Status = sw.status
		s.mu.Unlock()
	}()

	// JSON bodies are read up front so that even failed requests are recorded with their body.
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		body, err := io.ReadAll(http.MaxBytesReader(sw, r.Body, maxBody))
		rec.Body = body
		if err != nil {
			s.record(rec)
			writeError(sw, http.StatusRequestEntityTooLarge, "read request body: "+err.Error(), "", 0)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}

	s.record(rec)
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()

	if !s.wait(r, delay) {
		return
	}
	if s.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+s.APIKey {
		writeError(sw, http.StatusUnauthorized, "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", "", 0)
		return
	}

	path := r.URL.Path
	if strings.HasPrefix(path, "/v1/models/") && r.Method == http.MethodGet {
		path = "/v1/models"
	}
	rt, ok := routes[path]
	if !ok {
		writeError(sw, http.StatusNotFound, fmt.Sprintf("Unknown request URL: %s %s. Please check the URL for typos.", r.Method, r.URL.Path), "unknown_url", 0)
		return
	}
	if r.Method != rt.method {
		writeError(sw, http.StatusMethodNotAllowed, fmt.Sprintf("Not allowed to %s on %s. (HINT: Perhaps you meant to use a different HTTP method?)", r.Method, r.URL.Path), "", 0)
		return
	}

	s.mu.Lock()
	failStatus, malformed, retry := 0, false, s.retryAfter
	switch {
	case s.failN > 0:
		s.failN--
		failStatus = s.failStatus
	case s.malformedN > 0:
		s.malformedN--
		malformed = true
	}
	s.mu.Unlock()
	if failStatus != 0 {
		writeError(sw, failStatus, "", "", retry)
		return
	}
	rt.handle(s, sw, r, rec, malformed)
}

func (s *Server) record(rec *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rec)
	if s.maxReqs > 0 && len(s.requests) > s.maxReqs {
		// Copy down, so the backing array stays the bound's size in a long run.
		n := copy(s.requests, s.requests[len(s.requests)-s.maxReqs:])
		clear(s.requests[n:])
		s.requests = s.requests[:n]
	}
}

// KeepRequests bounds the requests recorded to the last n (0: all), so that a long-running test
// (an endurance run) does not grow with them.
func (s *Server) KeepRequests(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxReqs = n
}

// update changes a recorded request under the lock, since Requests may read it concurrently.
func (s *Server) update(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func (s *Server) nextSeq() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

// wait sleeps d unless the client goes away or the server closes; it reports whether to go on.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// writeError answers with OpenAI's error envelope. An empty message gets the status's usual one.
func writeError(w http.ResponseWriter, status int, message, param string, retryAfter time.Duration) {
	typ, code := "invalid_request_error", ""
	switch {
	case status == http.StatusUnauthorized:
		code = "invalid_api_key"
		if message == "" {
			message = "Incorrect API key provided."
		}
	case status == http.StatusNotFound:
		code = "not_found"
	case status == http.StatusTooManyRequests:
		typ, code = "requests", "rate_limit_exceeded"
		if message == "" {
			message = "Rate limit reached for requests. Please try again later."
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
		w.Header().Set("retry-after-ms", strconv.FormatInt(retryAfter.Milliseconds(), 10))
	case status >= 500:
		typ = "server_error"
		if message == "" {
			message = "The server had an error while processing your request. Sorry about that!"
		}
	}
	if message == "" {
		message = http.StatusText(status)
	}
	e := apiError{Message: message, Type: typ}
	if param != "" {
		e.Param = &param
	}
	if code != "" {
		e.Code = &code
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]apiError{"error": e})
}

// badRequest answers 400 naming the parameter at fault.
func badRequest(w http.ResponseWriter, param, format string, args ...any) {
	writeError(w, http.StatusBadRequest, fmt.Sprintf(format, args...), param, 0)
}

// writeJSON answers 200 with v, or with v's encoding cut in half when malformed.
func writeJSON(w http.ResponseWriter, v any, malformed bool) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encode response: "+err.Error(), "", 0)
		return
	}
	if malformed {
		b = b[:len(b)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}
