package server_test

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log destination tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestForwardedForIsTrustedOnlyFromProxies: the request log names the client from
// X-Forwarded-For only when the request comes from a configured proxy.
func TestForwardedForIsTrustedOnlyFromProxies(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
	tests := []struct {
		name    string
		proxies []*net.IPNet
		want    string
	}{
		{"no proxies: the header is ignored", nil, "remote=127.0.0.1"},
		{"from a trusted proxy", []*net.IPNet{loopback}, "remote=203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			e := newEnv(t, func(c *envConfig) {
				c.srv.TrustedProxies = tt.proxies
				c.srv.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			req, _ := http.NewRequest("GET", e.URL+"/api/shows", nil)
			req.Header.Set("Authorization", "Bearer "+testAdmin)
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			req.Header.Set("X-Real-IP", "198.51.100.7")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			var line string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "path=/api/shows") {
					line = l
				}
			}
			if !strings.Contains(line, tt.want) {
				t.Fatalf("request log %q, want %s", line, tt.want)
			}
		})
	}
}
