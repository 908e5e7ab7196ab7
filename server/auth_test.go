package server

import (
	"context"
	"testing"
	"time"
)

// memTokens is a TokenStore in memory for the authenticator's own tests.
type memTokens map[string]Grant

func (m memTokens) SaveToken(_ context.Context, hash string, g Grant) error { m[hash] = g; return nil }
func (m memTokens) LookupToken(_ context.Context, hash string) (Grant, bool, error) {
	g, ok := m[hash]
	return g, ok, nil
}
func (m memTokens) ListTokens(context.Context, string) ([]Grant, error) { return nil, nil }
func (m memTokens) DeleteToken(_ context.Context, _, id string) (string, bool, error) {
	for h := range m {
		if tokenID(h) == id {
			delete(m, h)
			return h, true, nil
		}
	}
	return "", false, nil
}

func TestTokenExpiry(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	stopped := map[string]time.Time{"over": now.Add(-TokenGrace - time.Second), "recent": now.Add(-time.Hour)}
	a := &authenticator{adminHash: []byte(HashToken("admin-token-0123456789abcdef0123")), store: memTokens{}, cache: map[string]cachedGrant{},
		now: func() time.Time { return now }, stoppedAt: func(_ context.Context, show string) time.Time { return stopped[show] }}
	ctx := context.Background()
	tests := []struct {
		name  string
		grant Grant
		ok    bool
	}{
		{"running show, no expiry", Grant{Role: RoleHost, Show: "live"}, true},
		{"stopped within the grace", Grant{Role: RoleHost, Show: "recent"}, true},
		{"stopped longer than the grace", Grant{Role: RoleHost, Show: "over"}, false},
		{"explicit expiry passed", Grant{Role: RoleHost, Show: "live", ExpiresAt: now.Add(-time.Second)}, false},
		{"explicit expiry ahead outlives the show", Grant{Role: RoleHost, Show: "over", ExpiresAt: now.Add(time.Hour)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, _, err := a.create(ctx, tt.grant)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok, err := a.lookup(ctx, tok); ok != tt.ok || err != nil {
				t.Fatalf("lookup: ok %v (%v), want %v", ok, err, tt.ok)
			}
		})
	}
	// The cache stays bounded however many valid tokens pass through it.
	for range maxCachedTokens + 10 {
		tok, _, _ := a.create(ctx, Grant{Role: RoleIngest, Show: "live"})
		a.lookup(ctx, tok)
	}
	if n := len(a.cache); n > maxCachedTokens {
		t.Fatalf("cache holds %d tokens, more than %d", n, maxCachedTokens)
	}
}
