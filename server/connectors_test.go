package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/connector/manager"
	"github.com/livehost/livehost/connector/meta"
	"github.com/livehost/livehost/connector/webhook"
	"github.com/livehost/livehost/connector/youtube"
	"github.com/livehost/livehost/connector/youtube/youtubetest"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

const (
	testWebhookSecret = "whsec-test-0123456789abcdef"
	testMetaSecret    = "meta-app-secret-test"
	testMetaVerify    = "meta-verify-token-test"
)

// withConnectors runs the connector manager over the runtime with YouTube pointed at the fake's
// credentials and the webhook secret; *got receives the manager. Drafts wait for a moderator (no
// auto-approval), so the reply goes out only once one approves it.
func withConnectors(fake *youtubetest.Server, got **manager.Manager) envOpt {
	return func(c *envConfig) {
		c.live.Policy = &approval.Policy{}
		c.connectors = func(rt *live.Runtime) *manager.Manager {
			m, err := manager.New(manager.Options{Runtime: rt, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Platforms: []connector.Platform{
					youtube.Platform(youtube.Credentials{ClientID: "client-1", ClientSecret: "secret-1", RefreshToken: "refresh-1"}),
					webhook.Platform(testWebhookSecret),
					meta.Instagram(meta.Credentials{AppSecret: testMetaSecret, VerifyToken: testMetaVerify}),
				},
				RetryMin: 10 * time.Millisecond, RestartMin: 10 * time.Millisecond})
			if err != nil {
				panic(err)
			}
			*got = m
			return m
		}
	}
}

func youtubeSettings(fake *youtubetest.Server) map[string]any {
	// A generous quota: the budget must not space the test's polls by seconds.
	return map[string]any{"live_chat_id": fake.LiveChatID(), "api_base": fake.APIBase(), "token_url": fake.TokenURL(), "reply": true,
		"quota_per_day": 100_000_000}
}

// chatByPlatformID counts a show's chat.received events per platform/platform_id.
func (e *env) chatByPlatformID(showID string) (map[string]int, []show.ChatReceived) {
	e.t.Helper()
	n := map[string]int{}
	var all []show.ChatReceived
	var after int64
	for {
		evs, err := e.RT.Events(context.Background(), showID, after, show.ReadLimit)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, ev := range evs {
			after = ev.Seq
			if ev.Type == show.TypeChatReceived {
				var p show.ChatReceived
				if err := ev.Decode(&p); err != nil {
					e.t.Fatal(err)
				}
				n[p.Platform+"/"+p.PlatformID]++
				all = append(all, p)
			}
		}
		if len(evs) < show.ReadLimit {
			return n, all
		}
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *env) eventsOf(showID, typ string) []show.Event {
	e.t.Helper()
	evs, err := e.RT.Events(context.Background(), showID, 0, show.ReadLimit)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []show.Event
	for _, ev := range evs {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// TestYouTubeQuestionToApprovedReply takes a viewer's question from the fake YouTube chat to a
// draft, has a moderator approve it through the API, and checks the reply arriving at the fake's
// liveChatMessages.insert: one chat.received with platform and platform_id, reply.sent with the
// platform's message id, the connector live on the list with no secret in it.
func TestYouTubeQuestionToApprovedReply(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	fake := youtubetest.New(youtubetest.Options{Interval: 20 * time.Millisecond})
	t.Cleanup(fake.Close)
	var conns *manager.Manager
	e := newEnv(t, withConnectors(fake, &conns))
	toks := e.newShow("yt1")

	var item struct {
		Name     string          `json:"name"`
		Platform string          `json:"platform"`
		State    string          `json:"state"`
		Settings json.RawMessage `json:"settings"`
	}
	if code, _ := e.do("PUT", "/api/shows/yt1/connectors/main", testAdmin, map[string]any{"platform": "youtube", "settings": youtubeSettings(fake)}, &item); code != 200 || item.Platform != "youtube" {
		t.Fatalf("put connector: %d %+v", code, item)
	}
	ids := fake.Post(youtubetest.Message{DisplayName: "さくら", Text: "このリップいくらですか？"})
	drafts := e.waitDrafts("yt1", toks["moderator"], "pending", func(d []draft) bool { return len(d) == 1 })
	if code, _ := e.do("POST", "/api/drafts/"+drafts[0].DraftID+"/approve", toks["moderator"], map[string]any{}, nil); code != 200 {
		t.Fatalf("approve: %d", code)
	}
	waitUntil(t, "the reply at the fake's insert endpoint", func() bool { return len(fake.Inserted()) == 1 })
	ins := fake.Inserted()[0]
	text := ins["snippet"].(map[string]any)["textMessageDetails"].(map[string]any)["messageText"]
	if text != drafts[0].Text {
		t.Fatalf("posted %q, want the approved text %q", text, drafts[0].Text)
	}
	waitUntil(t, "reply.sent", func() bool { return len(e.eventsOf("yt1", show.TypeReplySent)) == 1 })
	var sent show.ReplySent
	e.eventsOf("yt1", show.TypeReplySent)[0].Decode(&sent)
	if sent.PlatformID != ins["id"] || sent.Connector != "main" || sent.Platform != "youtube" || sent.DraftID != drafts[0].DraftID {
		t.Fatalf("reply.sent %+v, inserted id %v", sent, ins["id"])
	}
	// The posted reply comes back in the chat listing as the shop's own message: it is not
	// logged as viewer chat. Wait for a few more polls to be sure.
	polls := fake.Requests(youtubetest.List)
	waitUntil(t, "more polls", func() bool { return fake.Requests(youtubetest.List) > polls+3 })
	counts, chats := e.chatByPlatformID("yt1")
	if len(chats) != 1 || counts["youtube/"+ids[0]] != 1 || chats[0].Connector != "main" || chats[0].User != "さくら" || chats[0].UserID == "" {
		t.Fatalf("chat.received: %v %+v", counts, chats)
	}
	if q := fake.LastQuery(); q["liveChatId"] != fake.LiveChatID() || !strings.Contains(q["part"], "snippet") || q["pageToken"] == "" {
		t.Fatalf("list query: %v", q)
	}
	// The list shows the connector live, its quota estimate and deliveries; no secret anywhere.
	req, _ := http.NewRequest("GET", e.URL+"/api/shows/yt1/connectors", nil)
	req.Header.Set("Authorization", "Bearer "+toks["moderator"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, secret := range []string{"secret-1", "refresh-1", "ya29."} {
		if bytes.Contains(body, []byte(secret)) {
			t.Fatalf("connectors list leaks %q: %s", secret, body)
		}
	}
	var list struct {
		Connectors []struct {
			Name     string `json:"name"`
			State    string `json:"state"`
			Running  bool   `json:"running"`
			Messages int    `json:"messages"`
			Replies  int    `json:"replies_sent"`
			Status   struct {
				Quota struct {
					PerDay     int   `json:"per_day"`
					Used       int   `json:"used"`
					IntervalMS int64 `json:"interval_ms"`
				} `json:"quota"`
			} `json:"status"`
		} `json:"connectors"`
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list.Connectors) != 1 {
		t.Fatalf("list: %s %v", body, err)
	}
	c := list.Connectors[0]
	if c.State != show.ConnectorLive || !c.Running || c.Messages != 1 || c.Replies != 1 || c.Status.Quota.PerDay != 100_000_000 || c.Status.Quota.Used < 5+20 {
		t.Fatalf("connector on the list: %+v", c)
	}
	// Only an admin configures connectors.
	if code, _ := e.do("PUT", "/api/shows/yt1/connectors/x", toks["moderator"], map[string]any{"platform": "youtube", "settings": youtubeSettings(fake)}, nil); code != 403 {
		t.Fatalf("moderator PUT: %d, want 403", code)
	}
	// The metrics count what happened.
	res, err = http.Get(e.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`livehost_connector_messages_total{platform="youtube"} 1`, `livehost_replies_total{outcome="sent",platform="youtube"} 1`,
		`livehost_connector_state_changes_total{platform="youtube",state="live"} 1`, `livehost_connectors_running{platform="youtube"} 1`} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// DELETE stops it.
	if code, _ := e.do("DELETE", "/api/shows/yt1/connectors/main", testAdmin, nil, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	waitUntil(t, "the connector to stop", func() bool {
		items, _ := conns.List(context.Background(), "yt1")
		return len(items) == 0 && len(e.eventsOf("yt1", show.TypeConnectorRemoved)) == 1
	})
	if code, _ := e.do("DELETE", "/api/shows/yt1/connectors/main", testAdmin, nil, nil); code != 404 {
		t.Fatalf("delete twice: %d", code)
	}
}

// TestYouTubeRestartLogsEachMessageOnce restarts serve (runtime, server, connectors) in the
// middle of a chat whose messages keep arriving, with the cursor made invalid so that the
// connector reads the recent messages again, a page delivered twice and a dropped connection:
// every message is logged exactly once.
func TestYouTubeRestartLogsEachMessageOnce(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	fake := youtubetest.New(youtubetest.Options{Interval: 10 * time.Millisecond, FirstPage: 50})
	t.Cleanup(fake.Close)
	var conns *manager.Manager
	e := newEnv(t, withConnectors(fake, &conns))
	e.newShow("yt2")
	if code, _ := e.do("PUT", "/api/shows/yt2/connectors/main", testAdmin, map[string]any{"platform": "youtube", "settings": youtubeSettings(fake)}, nil); code != 200 {
		t.Fatalf("put connector: %d", code)
	}
	post := func(from, n int) {
		for i := from; i < from+n; i++ {
			fake.Post(youtubetest.Message{ID: fmt.Sprintf("m-%04d", i), DisplayName: "viewer" + strconv.Itoa(i%7), Text: fmt.Sprintf("コメント %d", i)})
		}
	}
	logged := func() int { n, _ := e.chatByPlatformID("yt2"); return len(n) }
	post(0, 40)
	fake.Fail(youtubetest.List, youtubetest.Fault{Repeat: true}, youtubetest.Fault{Drop: true}, youtubetest.Fault{Status: 503, Reason: "backendError"})
	waitUntil(t, "40 messages", func() bool { return logged() == 40 })
	conns.Close()
	post(40, 30)
	// The stored cursor is refused after the restart: the connector starts over from the recent
	// messages, which the log already has.
	fake.Fail(youtubetest.List, youtubetest.Fault{Status: 400, Reason: "pageTokenInvalid"})
	e.restart(withConnectors(fake, &conns))
	// The first page after a refused cursor holds the 50 most recent messages (as YouTube's
	// does): the 30 posted while down are among them.
	waitUntil(t, "70 messages", func() bool { return logged() == 70 })
	post(70, 30)
	waitUntil(t, "100 messages", func() bool { return logged() == 100 })
	polls := fake.Requests(youtubetest.List)
	waitUntil(t, "more polls", func() bool { return fake.Requests(youtubetest.List) > polls+3 })
	counts, chats := e.chatByPlatformID("yt2")
	if len(chats) != 100 {
		t.Fatalf("%d chat.received for 100 messages", len(chats))
	}
	for k, n := range counts {
		if n != 1 {
			t.Fatalf("%s logged %d times", k, n)
		}
	}
	if d := e.eventsOf("yt2", show.TypeConnectorCursor); len(d) == 0 {
		t.Fatal("no connector.cursor logged")
	}
}
