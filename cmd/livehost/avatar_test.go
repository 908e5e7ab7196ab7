package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestAvatarCommand: the avatar subcommand speaks the server's avatar API with the token.
func TestAvatarCommand(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/pause") {
			w.WriteHeader(http.StatusConflict)
			_, _ = io.WriteString(w, `{"error":"the avatar of show s1 is idle, not running"}`)
			return
		}
		_, _ = io.WriteString(w, `{"seq":3,"state":"running"}`)
	}))
	defer srv.Close()
	env := map[string]string{"LIVEHOST_ADMIN_TOKEN": "tok"}
	plan := `{"segments":[{"sku":"LH-COS-001","seconds":300}]}`
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"", []string{"avatar", "--url", srv.URL, "s1", "plan"}, 0, "GET /api/shows/s1/avatar/plan Bearer tok "},
		{plan, []string{"avatar", "--url", srv.URL, "s1", "plan", "-"}, 0, "PUT /api/shows/s1/avatar/plan Bearer tok " + plan},
		{"", []string{"avatar", "--url", srv.URL, "s1", "start"}, 0, "POST /api/shows/s1/avatar/start Bearer tok "},
		{"", []string{"avatar", "--url", srv.URL, "s1", "say", "ようこそ", "みなさん"}, 0, `POST /api/shows/s1/avatar/say Bearer tok {"text":"ようこそ みなさん"}`},
		{"", []string{"avatar", "--url", srv.URL, "s1", "pause"}, 1, "POST /api/shows/s1/avatar/pause"},
	} {
		mu.Lock()
		got = nil
		mu.Unlock()
		code, stdout, stderr := runCLI(t, tc.stdin, env, tc.args...)
		mu.Lock()
		req := strings.Join(got, "\n")
		mu.Unlock()
		if code != tc.code || !strings.HasPrefix(req, tc.want) {
			t.Errorf("%v: exit %d (want %d), request %q (want %q); stdout %q stderr %q", tc.args, code, tc.code, req, tc.want, stdout, stderr)
		}
		if tc.code == 1 && !strings.Contains(stderr, "not running") {
			t.Errorf("%v: the server's reason is not shown: %q", tc.args, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "", env, "avatar", "s1"); code != 2 || !strings.Contains(stderr, "livehost avatar SHOW plan") {
		t.Errorf("no verb: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "not json", env, "avatar", "--url", srv.URL, "s1", "plan", "-"); code != 2 || !strings.Contains(stderr, "not JSON") {
		t.Errorf("bad plan: exit %d, %q", code, stderr)
	}
}
