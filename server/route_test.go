package server_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
)

// fakeRouter answers every request it is asked to forward with 299 and records it.
type fakeRouter struct {
	mu   sync.Mutex
	on   bool // false: this node owns every show
	seen []string
}

func (f *fakeRouter) Forward(_ context.Context, showID string, req *http.Request, _ []byte, w http.ResponseWriter) (bool, error) {
	f.mu.Lock()
	f.seen = append(f.seen, req.Method+" "+req.URL.Path+" → "+showID)
	on := f.on
	f.mu.Unlock()
	if !on {
		return false, nil
	}
	w.WriteHeader(299)
	return true, nil
}

// Which requests a node hands to a show's owner: writes, the avatar API and webhooks; reads,
// pages and streams are served by any node from its own fold of the log.
func TestRouteSendsWritesToTheOwner(t *testing.T) {
	r := &fakeRouter{}
	e2 := newEnv(t, func(c *envConfig) { c.srv.Router = r })
	toks := e2.newShow("routed")
	r.mu.Lock()
	r.on = true // from here another node owns the show
	r.mu.Unlock()
	tests := []struct {
		method, path string
		forwarded    bool
	}{
		{"POST", "/api/shows/routed/chat", true},
		{"POST", "/api/shows/routed/on-air", true},
		{"PUT", "/api/shows/routed/script", true},
		{"POST", "/api/shows/routed/held/deny", true},
		{"DELETE", "/api/shows/routed/tokens/t_x", true},
		{"POST", "/api/shows/routed/webhook/bridge", true},
		{"GET", "/api/shows/routed/state", false},
		{"GET", "/api/shows/routed/events", false},
		{"GET", "/api/shows/routed", false},
		{"GET", "/api/shows", false},
		{"POST", "/api/shows", false},
		{"GET", "/healthz", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r.mu.Lock()
			before := len(r.seen)
			r.mu.Unlock()
			code, _ := e2.do(tt.method, tt.path, toks["admin"], map[string]string{"title": "x", "user": "u", "text": "こんにちは", "sku": "LH-COS-001"}, nil)
			r.mu.Lock()
			got := len(r.seen) > before
			r.mu.Unlock()
			if got != tt.forwarded {
				t.Fatalf("forwarded = %v (status %d), want %v", got, code, tt.forwarded)
			}
			if got && code != 299 {
				t.Fatalf("the owner's answer was not relayed: %d", code)
			}
		})
	}
}
