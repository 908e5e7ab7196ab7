package main

import (
	"strings"
	"testing"
)

// TestTokensCLI creates, lists and revokes a token of a running serve, and checks the revoked
// token is refused at once.
func TestTokensCLI(t *testing.T) {
	info, _, stop := serveInProcess(t, "--data", t.TempDir(), "--catalog", catalogFile)
	defer stop()
	if code, err := call(info.URL+"/api/shows", storeAdmin, "POST", map[string]any{"id": "cli1", "title": "t"}, nil); code != 201 {
		t.Fatalf("create show: %d %v", code, err)
	}
	env := map[string]string{"LIVEHOST_ADMIN_TOKEN": storeAdmin}
	code, out, errOut := runCLI(t, "", env, "tokens", "create", "cli1", "--role", "host", "--label", "studio", "--url", info.URL, "--json")
	if code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	tok := between(out, `"token":"`, `"`)
	id := between(out, `"id":"`, `"`)
	if !strings.HasPrefix(tok, "lh_") || !strings.HasPrefix(id, "t_") {
		t.Fatalf("create printed %s", out)
	}
	code, out, _ = runCLI(t, "", env, "tokens", "list", "cli1", "--url", info.URL)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "studio") || strings.Contains(out, tok) {
		t.Fatalf("list: %d\n%s", code, out)
	}
	if c, _ := call(info.URL+"/api/shows/cli1", tok, "GET", nil, nil); c != 200 {
		t.Fatalf("new token: %d", c)
	}
	if code, _, errOut := runCLI(t, "", env, "tokens", "revoke", "cli1", id, "--url", info.URL); code != 0 {
		t.Fatalf("revoke: %d %s", code, errOut)
	}
	if c, _ := call(info.URL+"/api/shows/cli1", tok, "GET", nil, nil); c != 401 {
		t.Fatalf("revoked token: %d, want 401", c)
	}
	if code, _, errOut := runCLI(t, "", env, "tokens", "revoke", "cli1", id, "--url", info.URL); code != 1 || !strings.Contains(errOut, "404") {
		t.Fatalf("revoke an unknown id: %d %s", code, errOut)
	}
	if code, _, _ := runCLI(t, "", nil, "tokens", "list", "cli1", "--url", info.URL); code != 2 {
		t.Fatalf("without an admin token: exit %d, want 2", code)
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return s
}

// TestDemoReusesItsTokens: a restarted demo with the same admin token prints the same tokens, so
// open pages keep working, and it keeps no other demo tokens alive.
func TestDemoReusesItsTokens(t *testing.T) {
	data := t.TempDir()
	first, _, stop := serveInProcess(t, "--data", data, "--catalog", catalogFile, "--demo", "--demo-rate", "1")
	stop()
	second, _, stop2 := serveInProcess(t, "--data", data, "--catalog", catalogFile, "--demo", "--demo-rate", "1")
	defer stop2()
	for _, role := range []string{"moderator", "host", "ingest", "overlay"} {
		if first.Tokens[role] == "" || first.Tokens[role] != second.Tokens[role] {
			t.Fatalf("%s token changed across a restart: %q → %q", role, first.Tokens[role], second.Tokens[role])
		}
	}
	var list struct {
		Tokens []struct {
			Label string `json:"label"`
		} `json:"tokens"`
	}
	if code, err := call(second.URL+"/api/shows/demo/tokens", storeAdmin, "GET", nil, &list); code != 200 {
		t.Fatalf("list: %d %v", code, err)
	}
	if len(list.Tokens) != 4 {
		t.Fatalf("the demo show has %d tokens after a restart, want 4: %+v", len(list.Tokens), list.Tokens)
	}
	if c, _ := call(second.URL+"/api/shows/demo/state", second.Tokens["moderator"], "GET", nil, nil); c != 200 {
		t.Fatalf("the reused moderator token: %d", c)
	}
}
