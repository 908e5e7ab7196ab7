package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/livehost/livehost/server"
)

// A token revoked on another node (straight in the shared store) stops working here once the
// cache's TTL has passed; without a TTL the cache would believe it until this server revoked it.
func TestTokenCacheTTLSeesRevocationElsewhere(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.srv.TokenCacheTTL = 50 * time.Millisecond })
	toks := e.newShow("ttl")
	if code, _ := e.do("GET", "/api/shows/ttl/state", toks["moderator"], nil, nil); code != 200 {
		t.Fatalf("state with the moderator token: %d", code)
	}
	if err := e.Store.DeleteToken(context.Background(), server.HashToken(toks["moderator"])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // past the TTL
	if code, _ := e.do("GET", "/api/shows/ttl/state", toks["moderator"], nil, nil); code != 401 {
		t.Fatalf("a token revoked elsewhere still works here: %d", code)
	}
}
