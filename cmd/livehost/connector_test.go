package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/livehost/livehost/connector/youtube/youtubetest"
	"github.com/livehost/livehost/show"
)

// TestConnectorAcrossServeRestarts runs the real binary with YouTube credentials pointed at the
// fake: a connector set with `livehost connector set` reads the chat; serve is killed (SIGKILL) and
// started again on the same data directory while messages keep coming; every message is one
// chat.received with its platform_id, none twice, and `livehost connector list` shows it live.
func TestConnectorAcrossServeRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	fake := youtubetest.New(youtubetest.Options{Interval: 20 * time.Millisecond, FirstPage: 100})
	defer fake.Close()
	t.Setenv("LIVEHOST_YOUTUBE_CLIENT_ID", "client-1")
	t.Setenv("LIVEHOST_YOUTUBE_CLIENT_SECRET", "secret-1")
	t.Setenv("LIVEHOST_YOUTUBE_REFRESH_TOKEN", "refresh-1")
	bin := buildBinary(t)
	data := t.TempDir()
	p := startServe(t, bin, data)
	if code, err := call(p.url+"/api/shows", killAdmin, "POST", map[string]any{"id": "cr1", "title": "restart"}, nil); code != 201 {
		t.Fatalf("create show: %d %v", code, err)
	}
	env := map[string]string{"LIVEHOST_ADMIN_TOKEN": killAdmin}
	settings := fmt.Sprintf(`{"live_chat_id":%q,"api_base":%q,"token_url":%q,"quota_per_day":100000000}`, fake.LiveChatID(), fake.APIBase(), fake.TokenURL())
	if code, out, errs := runCLI(t, "", env, "connector", "set", "cr1", "yt", "--platform", "youtube", "--settings", settings, "--url", p.url); code != 0 {
		t.Fatalf("connector set: %d %s %s", code, out, errs)
	}
	post := func(from, n int) {
		for i := from; i < from+n; i++ {
			fake.Post(youtubetest.Message{ID: fmt.Sprintf("m-%03d", i), DisplayName: "v", Text: fmt.Sprintf("コメント %d", i)})
		}
	}
	logged := func(url string) map[string]int {
		var out struct {
			Events []struct {
				Type       string `json:"type"`
				Platform   string `json:"platform"`
				PlatformID string `json:"platform_id"`
			} `json:"events"`
		}
		call(url+"/api/shows/cr1/events?after=0&limit=1000", killAdmin, "GET", nil, &out)
		n := map[string]int{}
		for _, ev := range out.Events {
			if ev.Type == show.TypeChatReceived {
				n[ev.Platform+"/"+ev.PlatformID]++
			}
		}
		return n
	}
	wait := func(url string, want int) map[string]int {
		deadline := time.Now().Add(30 * time.Second)
		for {
			n := logged(url)
			if len(n) >= want {
				return n
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d messages logged, want %d", len(n), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	post(0, 30)
	wait(p.url, 30)
	// SIGKILL while messages keep arriving: no graceful stop, no state logged on the way down.
	post(30, 10)
	if err := p.cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	post(40, 10)
	p2 := startServe(t, bin, data)
	post(50, 10)
	n := wait(p2.url, 60)
	polls := fake.Requests(youtubetest.List)
	for fake.Requests(youtubetest.List) < polls+5 {
		time.Sleep(20 * time.Millisecond)
	}
	n = logged(p2.url)
	if len(n) != 60 {
		t.Fatalf("%d distinct messages logged, want 60", len(n))
	}
	for k, c := range n {
		if c != 1 {
			t.Fatalf("%s logged %d times", k, c)
		}
	}
	code, out, errs := runCLI(t, "", env, "connector", "list", "cr1", "--url", p2.url)
	if code != 0 || !strings.Contains(out, "yt") || !strings.Contains(out, "live") || !strings.Contains(out, "60") {
		t.Fatalf("connector list: %d\n%s%s", code, out, errs)
	}
	if strings.Contains(p2.stderr.String(), "secret-1") || strings.Contains(p2.stderr.String(), "refresh-1") {
		t.Fatal("serve logged a credential")
	}
	// SIGTERM with the connector running: serve stops it and exits 0.
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p2.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v\n%s", err, p2.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit within 30 s of SIGTERM with a connector running")
	}
	// Nor is one in the data directory (the event log, tokens).
	err := filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range []string{"secret-1", "refresh-1", "ya29."} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q", path, secret)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
