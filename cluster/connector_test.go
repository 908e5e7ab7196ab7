package cluster_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/livehost/livehost/connector/youtube/youtubetest"
	"github.com/livehost/livehost/internal/pgtest"
	"github.com/livehost/livehost/show"
)

// TestConnectorAcrossFailover: a YouTube connector (against the in-repo fake of the Data API)
// runs on its show's owner only. The owner is killed with SIGKILL while chat keeps coming, then
// the next owner is drained with SIGTERM: each new owner resumes from the cursor in the log, no
// two nodes poll in the same span of time (each connector instance has its own access token, so
// the fake tells them apart), and no chat message is logged twice or lost.
func TestConnectorAcrossFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three server processes")
	}
	fake := youtubetest.New(youtubetest.Options{Interval: 20 * time.Millisecond, FirstPage: 100})
	defer fake.Close()
	// The nodes read their credentials from the environment, as in production.
	t.Setenv("LIVEHOST_YOUTUBE_CLIENT_ID", "client-1")
	t.Setenv("LIVEHOST_YOUTUBE_CLIENT_SECRET", "secret-1")
	t.Setenv("LIVEHOST_YOUTUBE_REFRESH_TOKEN", "refresh-1")
	dbURL := pgtest.URL(t)
	ns := startNATS(t)
	nodes := startNodes(t, dbURL, ns.url(), "c1", "c2", "c3")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var sh show.Show
	if _, err := do(ctx, http.MethodPost, nodes[0].url+"/api/shows", map[string]any{"title": "connector failover"}, &sh); err != nil {
		t.Fatal(err)
	}
	owner := waitOwner(t, dbURL, sh.ID, "", 15*time.Second)
	victim, survivors := split(nodes, owner)
	// Configured through a node that does not own the show: the request is forwarded.
	settings := map[string]any{"live_chat_id": fake.LiveChatID(), "api_base": fake.APIBase(), "token_url": fake.TokenURL(), "quota_per_day": 100000000}
	if _, err := do(ctx, http.MethodPut, survivors[0].url+"/api/shows/"+sh.ID+"/connectors/yt", map[string]any{"platform": "youtube", "settings": settings}, nil); err != nil {
		t.Fatal(err)
	}
	sent := 0
	post := func(n int) {
		for range n {
			fake.Post(youtubetest.Message{ID: fmt.Sprintf("yt-%04d", sent), DisplayName: "視聴者", Text: fmt.Sprintf("コメント %d", sent)})
			sent++
		}
	}
	logged := func() map[string]int {
		got := map[string]int{}
		for _, ev := range allEvents(t, survivors[0].url, sh.ID) {
			var p show.ChatReceived
			if ev.Type == show.TypeChatReceived && ev.Decode(&p) == nil && p.Platform == "youtube" {
				got[p.PlatformID]++
			}
		}
		return got
	}
	waitFor := func(want int) map[string]int {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got := logged()
			if len(got) >= want {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d distinct chat messages logged, want %d", len(got), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for range 10 {
		post(5)
		time.Sleep(20 * time.Millisecond)
	}
	waitFor(sent)
	post(20) // on their way while the owner dies
	killedAt := time.Now()
	victim.kill(t)
	for range 20 { // and more while the show has no owner and after it moves
		post(3)
		time.Sleep(50 * time.Millisecond)
	}
	newOwner := waitOwner(t, dbURL, sh.ID, victim.id, 15*time.Second)
	waitFor(sent)
	// Then the new owner drains (SIGTERM): the connector moves to the last node, again never
	// polled by two nodes at once.
	drained, _ := split(survivors, newOwner)
	post(10)
	termAt := time.Now()
	if err := drained.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	post(10)
	select {
	case <-drained.done:
	case <-time.After(30 * time.Second):
		_ = drained.cmd.Process.Signal(syscall.SIGQUIT) // its goroutines, in the log below
		time.Sleep(2 * time.Second)
		t.Fatal("the drained node did not exit")
	}
	if code := drained.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("the drained node exited %d", code)
	}
	last := waitOwner(t, dbURL, sh.ID, drained.id, 15*time.Second)
	survivors = []*node{nodes[0], nodes[1], nodes[2]}
	_, survivors = split(survivors, victim.id)
	_, survivors = split(survivors, drained.id)
	post(10)
	got := waitFor(sent)
	// A few more polls on the new owner, so that a second poller would show.
	polls := len(fake.Polls())
	for len(fake.Polls()) < polls+10 && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	got = logged()
	if len(got) != sent {
		t.Fatalf("%d distinct messages logged, %d posted", len(got), sent)
	}
	for id, n := range got {
		if n != 1 {
			t.Fatalf("message %s logged %d times", id, n)
		}
	}
	t.Logf("SIGTERM at %s", termAt.Sub(killedAt).Round(time.Millisecond))
	checkPollers(t, fake.Polls(), killedAt)
	t.Logf("%d messages; connector moved from %s to %s (killed), then to %s (drained); %d polls", sent, victim.id, newOwner, last, len(fake.Polls()))
}

// checkPollers: the polls of each access token (one connector instance) span a stretch of time
// that overlaps no other's, and every instance that took over asked first from a page token
// (the cursor in the log), not from the top of the chat.
func checkPollers(t *testing.T, polls []youtubetest.Poll, killedAt time.Time) {
	t.Helper()
	type span struct {
		token       string
		first, last time.Time
		firstPage   string
	}
	spans := map[string]*span{}
	for _, p := range polls {
		s := spans[p.Token]
		if s == nil {
			s = &span{token: p.Token, first: p.At, firstPage: p.PageToken}
			spans[p.Token] = s
		}
		s.last = p.At
	}
	var order []*span
	for _, s := range spans {
		order = append(order, s)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].first.Before(order[j].first) })
	if len(order) < 3 {
		t.Fatalf("%d pollers: the connector did not resume after the kill", len(order))
	}
	for _, s := range order {
		t.Logf("token %s polled from %s to %s (from page %q)", s.token, s.first.Sub(killedAt).Round(time.Millisecond), s.last.Sub(killedAt).Round(time.Millisecond), s.firstPage)
	}
	for i := 1; i < len(order); i++ {
		if order[i].first.Before(order[i-1].last) {
			t.Fatalf("two connectors polled at once: token %s from %s to %s, token %s from %s",
				order[i-1].token, order[i-1].first.Format(time.StampMicro), order[i-1].last.Format(time.StampMicro),
				order[i].token, order[i].first.Format(time.StampMicro))
		}
	}
	for _, s := range order[1:] {
		if s.firstPage == "" {
			t.Fatalf("connector %s polled from the top of the chat, not from the cursor in the log", s.token)
		}
	}
	if !order[len(order)-1].first.After(killedAt) {
		t.Fatal("no connector polled after the kill")
	}
}
