package server_test

import (
	"strings"
	"testing"
)

// TestTokensListRevokeExpire: tokens are listed without their secrets, a revoked token fails on
// the very next request (the cache does not keep it), and an expired one fails.
func TestTokensListRevokeExpire(t *testing.T) {
	e := newEnv(t)
	toks := e.newShow("tk1")
	var list struct {
		Tokens []map[string]any `json:"tokens"`
	}
	if code, _ := e.do("GET", "/api/shows/tk1/tokens", testAdmin, nil, &list); code != 200 || len(list.Tokens) != 4 {
		t.Fatalf("list: %d %+v", code, list)
	}
	for _, tok := range list.Tokens {
		for k, v := range tok {
			if s, ok := v.(string); ok && (strings.HasPrefix(s, "lh_") || len(s) == 64) {
				t.Fatalf("list shows a secret in %s: %q", k, s)
			}
		}
	}
	// The moderator token works (and is now cached), then is revoked and fails at once.
	if code, _ := e.do("GET", "/api/shows/tk1/state", toks["moderator"], nil, nil); code != 200 {
		t.Fatalf("moderator before revocation: %d", code)
	}
	var modID string
	for _, tok := range list.Tokens {
		if tok["role"] == "moderator" {
			modID = tok["id"].(string)
		}
	}
	if code, _ := e.do("DELETE", "/api/shows/tk1/tokens/"+modID, toks["moderator"], nil, nil); code != 403 {
		t.Fatalf("a moderator revoking tokens: %d, want 403", code)
	}
	if code, _ := e.do("DELETE", "/api/shows/tk1/tokens/"+modID, testAdmin, nil, nil); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := e.do("GET", "/api/shows/tk1/state", toks["moderator"], nil, nil); code != 401 {
		t.Fatalf("revoked token: %d, want 401", code)
	}
	if code, _ := e.do("DELETE", "/api/shows/tk1/tokens/"+modID, testAdmin, nil, nil); code != 404 {
		t.Fatalf("revoke twice: %d, want 404", code)
	}
	// A token whose ttl has passed fails; a bad ttl is refused.
	var short struct {
		Token     string `json:"token"`
		ID        string `json:"id"`
		ExpiresAt string `json:"expires_at"`
	}
	if code, _ := e.do("POST", "/api/shows/tk1/tokens", testAdmin, map[string]string{"role": "host", "ttl": "1ns"}, &short); code != 201 || short.ID == "" || short.ExpiresAt == "" {
		t.Fatalf("create with ttl: %d %+v", code, short)
	}
	if code, _ := e.do("GET", "/api/shows/tk1", short.Token, nil, nil); code != 401 {
		t.Fatalf("expired token: %d, want 401", code)
	}
	if code, _ := e.do("POST", "/api/shows/tk1/tokens", testAdmin, map[string]string{"role": "host", "ttl": "soon"}, nil); code != 400 {
		t.Fatalf("bad ttl: %d", code)
	}
	if code, _ := e.do("POST", "/api/shows/tk1/tokens", testAdmin, map[string]string{"role": "host", "expires_at": "2001-01-01T00:00:00Z"}, nil); code != 400 {
		t.Fatalf("expiry in the past: %d", code)
	}
}

// TestDraftIDOracle: a token of another show gets the same 404 for a draft of this show as for a
// draft that does not exist, so draft ids cannot be probed.
func TestDraftIDOracle(t *testing.T) {
	e := newEnv(t)
	a := e.newShow("or1")
	b := e.newShow("or2")
	if code, _ := e.do("POST", "/api/shows/or1/chat", a["ingest"], map[string]string{"user": "u", "text": "このリップの素材は？"}, nil); code != 202 {
		t.Fatal(code)
	}
	ds := e.waitDrafts("or1", a["moderator"], "pending", func(d []draft) bool { return len(d) == 1 })
	var other, unknown struct {
		Error string `json:"error"`
	}
	c1, _ := e.do("POST", "/api/drafts/"+ds[0].DraftID+"/claim", b["moderator"], nil, &other)
	c2, _ := e.do("POST", "/api/drafts/d_0000000000000000/claim", b["moderator"], nil, &unknown)
	if c1 != 404 || c2 != 404 || strings.Contains(other.Error, "another show") {
		t.Fatalf("another show's draft: %d %q; unknown draft: %d %q", c1, other.Error, c2, unknown.Error)
	}
}

// TestProfilesAreAdminOnly: the pprof endpoint answers the admin token only.
func TestProfilesAreAdminOnly(t *testing.T) {
	e := newEnv(t)
	toks := e.newShow("pp1")
	for _, tt := range []struct {
		token string
		code  int
	}{{"", 401}, {toks["moderator"], 403}, {testAdmin, 200}} {
		if code, _ := e.do("GET", "/debug/pprof/heap?debug=1", tt.token, nil, nil); code != tt.code {
			t.Errorf("token %q: %d, want %d", tt.token, code, tt.code)
		}
	}
}
