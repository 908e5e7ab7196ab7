package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/connector/youtube/youtubetest"
	"github.com/livehost/livehost/show"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var creds = Credentials{ClientID: "client-1", ClientSecret: "secret-1", RefreshToken: "refresh-1"}

// sink records what a connector delivers and reports; fail makes the next Deliver calls fail.
type sink struct {
	mu      sync.Mutex
	msgs    []connector.Message
	ids     map[string]int
	states  []string
	cursor  string
	fail    int
	viewers []int
}

func (s *sink) Deliver(ctx context.Context, cursor string, msgs []connector.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return errors.New("event log unavailable")
	}
	if s.ids == nil {
		s.ids = map[string]int{}
	}
	for _, m := range msgs {
		s.ids[m.ID]++
		s.msgs = append(s.msgs, m)
	}
	s.cursor = cursor
	return nil
}

func (s *sink) State(state, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.states = append(s.states, state+":"+reason)
}

func (s *sink) Viewers(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.viewers = append(s.viewers, n)
}

func (s *sink) snapshot() (map[string]int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := map[string]int{}
	for k, v := range s.ids {
		ids[k] = v
	}
	return ids, append([]string(nil), s.states...)
}

func settings(fake *youtubetest.Server, extra map[string]any) json.RawMessage {
	m := map[string]any{"live_chat_id": fake.LiveChatID(), "api_base": fake.APIBase(), "token_url": fake.TokenURL(), "reply": true, "quota_per_day": 100_000_000}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return b
}

func build(t *testing.T, fake *youtubetest.Server, extra map[string]any, c Credentials) *conn {
	t.Helper()
	k, err := Platform(c).New(settings(fake, extra), connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return k.(*conn)
}

// run runs the connector until stop is called; it returns Run's error.
func run(t *testing.T, k *conn, s *sink) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx, "", s) }()
	return func() error {
		cancel()
		return <-done
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSettings(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{})
	defer fake.Close()
	for _, tt := range []struct {
		name  string
		extra map[string]any
		c     Credentials
		want  string
	}{
		{"a secret in settings", map[string]any{"client_secret": "x"}, creds, `unknown field "client_secret"`},
		{"no chat", map[string]any{"live_chat_id": nil}, creds, "live_chat_id or video_id is required"},
		{"bad api_base", map[string]any{"api_base": "ftp://x"}, creds, "api_base"},
		{"bad duration", map[string]any{"duration": "forever"}, creds, "duration"},
		{"negative quota", map[string]any{"quota_per_day": -1}, creds, "must not be negative"},
		{"no credentials", nil, Credentials{}, "LIVEHOST_YOUTUBE_CLIENT_ID"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Platform(tt.c).New(settings(fake, tt.extra), connector.Env{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %q", err, tt.want)
			}
		})
	}
	// Defaults: the real API and token endpoint.
	k, err := Platform(creds).New(json.RawMessage(`{"live_chat_id":"abc"}`), connector.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if s := k.(*conn).s; s.APIBase != DefaultAPIBase || s.TokenURL != DefaultTokenURL || s.QuotaPerDay != DefaultQuota || s.Reply {
		t.Fatalf("defaults: %+v", s)
	}
}

// TestPollsPagesAndMapsMessages: the connector follows nextPageToken, maps text, Super Chats and
// badges, and does not read back its own replies.
func TestPollsPagesAndMapsMessages(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{Interval: 5 * time.Millisecond, FirstPage: 2})
	defer fake.Close()
	fake.Post(youtubetest.Message{ID: "old-1", DisplayName: "a", Text: "old"}, youtubetest.Message{ID: "old-2", DisplayName: "b", Text: "recent 1"},
		youtubetest.Message{ID: "old-3", DisplayName: "c", Text: "recent 2", Moderator: true, Member: true})
	k := build(t, fake, nil, creds)
	s := &sink{}
	stop := run(t, k, s)
	waitFor(t, "the first page", func() bool { ids, _ := s.snapshot(); return len(ids) == 2 })
	fake.Post(youtubetest.Message{ID: "sc-1", DisplayName: "リッチ", Text: "応援してます", AmountMicros: 1_000_000_000, Currency: "JPY"})
	id, err := k.Reply(context.Background(), connector.Reply{DraftID: "d1", Text: "ありがとうございます"})
	if err != nil {
		t.Fatal(err)
	}
	fake.Post(youtubetest.Message{ID: "after", DisplayName: "d", Text: "after the reply"})
	waitFor(t, "the later messages", func() bool { ids, _ := s.snapshot(); return ids["after"] == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	ids, states := s.snapshot()
	if ids["old-1"] != 0 || ids[id] != 0 || len(ids) != 4 {
		t.Fatalf("delivered %v (the first page holds the 2 most recent; the reply %s is ours)", ids, id)
	}
	var sc, mod connector.Message
	for _, m := range s.msgs {
		switch m.ID {
		case "sc-1":
			sc = m
		case "old-3":
			mod = m
		}
	}
	if sc.Kind != "superchat" || sc.AmountMicros != 1_000_000_000 || sc.Currency != "JPY" || sc.Text != "応援してます" || sc.User != "リッチ" || sc.UserID != "UCリッチ" || sc.At.IsZero() {
		t.Fatalf("super chat: %+v", sc)
	}
	if fmt.Sprint(mod.Badges) != "[moderator member]" {
		t.Fatalf("badges %v", mod.Badges)
	}
	if states[0] != show.ConnectorConnecting+":" || !strings.HasPrefix(states[len(states)-1], show.ConnectorLive) {
		t.Fatalf("states %v", states)
	}
	if s.cursor == "" || fake.LastQuery()["pageToken"] == "" {
		t.Fatalf("cursor %q, query %v", s.cursor, fake.LastQuery())
	}
	// The stop may cut off a poll the fake has already counted (the API would charge it too):
	// the budget may be one list call short, never more.
	est := k.Status().(Status).Quota
	if est.Used != fake.Used() && est.Used+listCost != fake.Used() {
		t.Fatalf("the budget counts %d units, the fake %d", est.Used, fake.Used())
	}
}

// TestFaults: a 401 refreshes the token once and carries on; 5xx, a dropped connection and a
// refused delivery back off and recover; a page delivered twice is delivered twice (the log
// drops it); quotaExceeded backs off with the reason; liveChatEnded stops.
func TestFaults(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{Interval: 5 * time.Millisecond})
	defer fake.Close()
	k := build(t, fake, nil, creds)
	s := &sink{}
	stop := run(t, k, s)
	fake.Post(youtubetest.Message{ID: "m1", DisplayName: "a", Text: "one"})
	waitFor(t, "m1", func() bool { ids, _ := s.snapshot(); return ids["m1"] == 1 })

	tokens := fake.Requests(youtubetest.Token)
	fake.ExpireTokens()
	fake.Post(youtubetest.Message{ID: "m2", DisplayName: "a", Text: "two"})
	waitFor(t, "m2 after a 401", func() bool { ids, _ := s.snapshot(); return ids["m2"] == 1 })
	if n := fake.Requests(youtubetest.Token) - tokens; n != 1 {
		t.Fatalf("%d token refreshes after a 401, want 1", n)
	}

	fake.Fail(youtubetest.List, youtubetest.Fault{Status: 503, Reason: "backendError"}, youtubetest.Fault{Drop: true})
	fake.Post(youtubetest.Message{ID: "m3", DisplayName: "a", Text: "three"})
	waitFor(t, "m3 after a 503 and a dropped connection", func() bool { ids, _ := s.snapshot(); return ids["m3"] == 1 })

	s.mu.Lock()
	s.fail = 1
	s.mu.Unlock()
	fake.Post(youtubetest.Message{ID: "m4", DisplayName: "a", Text: "four"})
	waitFor(t, "m4 after the log refused it once", func() bool { ids, _ := s.snapshot(); return ids["m4"] >= 1 })

	fake.Fail(youtubetest.List, youtubetest.Fault{Repeat: true})
	fake.Post(youtubetest.Message{ID: "m5", DisplayName: "a", Text: "five"})
	waitFor(t, "m5", func() bool { ids, _ := s.snapshot(); return ids["m5"] == 1 })

	fake.Fail(youtubetest.List, youtubetest.Fault{Status: 403, Reason: "quotaExceeded"})
	waitFor(t, "the quota backoff", func() bool {
		_, st := s.snapshot()
		return strings.HasPrefix(st[len(st)-1], show.ConnectorBackoff+":quotaExceeded (403)")
	})
	if q := k.Status().(Status).Quota; q.Left != 0 || q.PollsLeft != 0 {
		t.Fatalf("after quotaExceeded the budget shows %+v", q)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, states := s.snapshot()
	joined := strings.Join(states, "\n")
	for _, want := range []string{"backoff:backendError (503)", "backoff:logging messages: event log unavailable"} {
		if !strings.Contains(joined, want) {
			t.Errorf("states lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "secret-1") || strings.Contains(joined, "ya29") {
		t.Fatalf("a state names a secret:\n%s", joined)
	}

	// liveChatEnded ends Run.
	k2 := build(t, fake, nil, creds)
	fake.End()
	err := k2.Run(context.Background(), "", &sink{})
	if !errors.Is(err, connector.ErrEnded) {
		t.Fatalf("after liveChatEnded Run returned %v", err)
	}
}

// TestRevokedRefreshToken: a token endpoint that refuses the refresh token backs off with
// Google's error code, not the token.
func TestRevokedRefreshToken(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{})
	defer fake.Close()
	k := build(t, fake, nil, Credentials{ClientID: "client-1", ClientSecret: "secret-1", RefreshToken: "revoked-refresh"})
	s := &sink{}
	stop := run(t, k, s)
	waitFor(t, "a backoff", func() bool { _, st := s.snapshot(); return len(st) > 1 })
	stop()
	_, st := s.snapshot()
	if !strings.Contains(st[1], "invalid_grant") || strings.Contains(st[1], "revoked-refresh") {
		t.Fatalf("state %q", st[1])
	}
}

// TestBurst: 2,000 messages posted at once all arrive, each once, across pages.
func TestBurst(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{Interval: time.Millisecond, FirstPage: 1})
	defer fake.Close()
	k := build(t, fake, nil, creds)
	s := &sink{}
	stop := run(t, k, s)
	fake.Post(youtubetest.Message{ID: "first", DisplayName: "a", Text: "x"})
	waitFor(t, "first", func() bool { ids, _ := s.snapshot(); return ids["first"] == 1 })
	burst := make([]youtubetest.Message, 2000)
	for i := range burst {
		burst[i] = youtubetest.Message{ID: fmt.Sprintf("b-%d", i), DisplayName: fmt.Sprintf("v%d", i%50), Text: fmt.Sprintf("コメント%d", i)}
	}
	fake.Post(burst...)
	waitFor(t, "2,001 messages", func() bool { ids, _ := s.snapshot(); return len(ids) == 2001 })
	stop()
	ids, _ := s.snapshot()
	for id, n := range ids {
		if n != 1 {
			t.Fatalf("%s delivered %d times", id, n)
		}
	}
}

// TestVideoIDAndViewers: the live chat is found from the video id, and concurrentViewers sampled.
func TestVideoIDAndViewers(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{Interval: 5 * time.Millisecond})
	defer fake.Close()
	k := build(t, fake, map[string]any{"live_chat_id": nil, "video_id": fake.VideoID(), "viewers_every_s": 1}, creds)
	s := &sink{}
	stop := run(t, k, s)
	fake.Post(youtubetest.Message{ID: "v1", DisplayName: "a", Text: "hello"})
	waitFor(t, "v1", func() bool { ids, _ := s.snapshot(); return ids["v1"] == 1 })
	// Each sample is reported to the sink (which logs it when it changed).
	fake.SetViewers(150)
	waitFor(t, "150 viewers reported", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.viewers) > 0 && s.viewers[len(s.viewers)-1] == 150
	})
	stop()
	if s.viewers[0] != 120 {
		t.Fatalf("viewers reported %v, want 120 first (when the chat was found)", s.viewers)
	}
	st := k.Status().(Status)
	if st.LiveChatID != fake.LiveChatID() || st.Viewers != 150 || st.ViewersAt.IsZero() {
		t.Fatalf("status %+v", st)
	}
	// An unknown video backs off, naming it.
	k2 := build(t, fake, map[string]any{"live_chat_id": nil, "video_id": "nope"}, creds)
	s2 := &sink{}
	stop2 := run(t, k2, s2)
	waitFor(t, "a backoff", func() bool { _, st := s2.snapshot(); return len(st) > 1 })
	stop2()
	if _, st := s2.snapshot(); !strings.Contains(st[1], `no video "nope"`) {
		t.Fatalf("states %v", st)
	}
}

// TestReply: the reply is cut to 200 characters; a 5xx is worth retrying, a 400 is not, and a
// reply with no quota left is not tried.
func TestReply(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{})
	defer fake.Close()
	k := build(t, fake, nil, creds)
	long := strings.Repeat("あ", 250)
	if _, err := k.Reply(context.Background(), connector.Reply{Text: long}); err != nil {
		t.Fatal(err)
	}
	got := fake.Inserted()[0]["snippet"].(map[string]any)["textMessageDetails"].(map[string]any)["messageText"].(string)
	if n := len([]rune(got)); n != 200 || !strings.HasSuffix(got, "…") {
		t.Fatalf("posted %d characters", n)
	}
	fake.Fail(youtubetest.Insert, youtubetest.Fault{Status: 500, Reason: "backendError"}, youtubetest.Fault{Status: 400, Reason: "invalidValue"})
	if _, err := k.Reply(context.Background(), connector.Reply{Text: "x"}); err == nil || connector.IsPermanent(err) {
		t.Fatalf("500: %v, want a retryable error", err)
	}
	if _, err := k.Reply(context.Background(), connector.Reply{Text: "x"}); !connector.IsPermanent(err) {
		t.Fatalf("400: %v, want a permanent error", err)
	}
	tight := build(t, fake, map[string]any{"quota_per_day": 30}, creds)
	if _, err := tight.Reply(context.Background(), connector.Reply{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tight.Reply(context.Background(), connector.Reply{Text: "y"}); !connector.IsPermanent(err) || !strings.Contains(err.Error(), "quota") {
		t.Fatalf("a reply beyond the quota: %v", err)
	}
}

// TestBudget spreads the quota over what is left of the show or the day.
func TestBudget(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, pacific) // 14 h before the reset
	clock := func() time.Time { return now }
	for _, tt := range []struct {
		name    string
		perDay  int
		reserve int
		end     time.Time
		used    int
		want    time.Duration
	}{
		{"a whole day's quota until the reset", 10_000, 0, time.Time{}, 0, 14 * time.Hour / 2000},
		{"replies reserved", 10_000, 100, time.Time{}, 0, 14 * time.Hour / 1600},
		{"a two-hour show", 10_000, 0, now.Add(2 * time.Hour), 0, 2 * time.Hour / 2000},
		{"half used", 10_000, 0, now.Add(2 * time.Hour), 5_000, 2 * time.Hour / 1000},
		{"nothing left waits for the reset", 10_000, 0, time.Time{}, 10_000, 14 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBudget(tt.perDay, tt.reserve, tt.end, clock)
			b.spend(tt.used)
			if got := b.interval(); got != tt.want {
				t.Fatalf("interval %v, want %v", got, tt.want)
			}
		})
	}
	b := newBudget(10_000, 0, time.Time{}, clock)
	b.spend(9_000)
	now = now.Add(15 * time.Hour) // past midnight Pacific
	if e := b.estimate(); e.Used != 0 || e.Left != 10_000 {
		t.Fatalf("after the reset: %+v", e)
	}
}

// withClock runs k's budget on clock: the quota day is the clock's.
func withClock(k *conn, clock func() time.Time) {
	k.now = clock
	k.b = newBudget(k.s.QuotaPerDay, k.s.ReplyReserve, time.Time{}, clock)
}

// TestQuotaRestored: the spend a connector reports is what YouTube counted; a connector built
// again (a restart) and given it back polls as sparingly as the first would have, and goes on
// from it; a spend of a day that is over counts for nothing.
func TestQuotaRestored(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{Interval: time.Millisecond})
	defer fake.Close()
	// One second before midnight Pacific, so that the budget spaces polls by well under the
	// fake's interval and the test polls quickly.
	now := time.Date(2026, 12, 6, 23, 59, 59, 0, pacific)
	clock := func() time.Time { return now }
	extra := map[string]any{"quota_per_day": 10_000, "reply_reserve": 50}
	first := build(t, fake, extra, creds)
	withClock(first, clock)
	s := &sink{}
	stop := run(t, first, s)
	fake.Post(youtubetest.Message{ID: "q1", DisplayName: "a", Text: "hello"})
	waitFor(t, "q1 and quiet polls", func() bool { ids, _ := s.snapshot(); return ids["q1"] == 1 && fake.Requests(youtubetest.List) >= 5 })
	stop()
	spent := first.Quota()
	midnight := time.Date(2026, 12, 7, 0, 0, 0, 0, pacific)
	// A poll cut short by the stop may have been counted by YouTube and not seen by the connector.
	if spent.Used > fake.Used() || spent.Used < fake.Used()-youtubetest.ListCost || spent.Used < 5*youtubetest.ListCost || !spent.ResetsAt.Equal(midnight) {
		t.Fatalf("spent %+v, YouTube counted %d units; want that, until %v", spent, fake.Used(), midnight)
	}

	for _, tt := range []struct {
		name string
		at   time.Time
		want int
	}{
		{"the same Pacific day", now, spent.Used},
		{"an hour earlier the same day", now.Add(-time.Hour), spent.Used},
		{"the next Pacific day", midnight.Add(time.Second), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at
			k := build(t, fake, extra, creds)
			withClock(k, func() time.Time { return at })
			k.RestoreQuota(spent)
			e := k.Status().(Status).Quota
			if e.Used != tt.want {
				t.Fatalf("used %d after the restore, want %d", e.Used, tt.want)
			}
			// The poll spacing is the time to the reset shared by what is left after the spend.
			left := 10_000 - tt.want - 50*insertCost
			want := nextReset(at).Sub(at) / time.Duration(left/listCost)
			if got := k.b.interval(); got != want {
				t.Fatalf("interval %v, want %v", got, want)
			}
		})
	}

	// The restarted connector counts on from the spend.
	again := build(t, fake, extra, creds)
	withClock(again, clock)
	again.RestoreQuota(spent)
	before, polls := fake.Used(), fake.Requests(youtubetest.List)
	s2 := &sink{}
	stop = run(t, again, s2)
	waitFor(t, "polls after the restart", func() bool { return fake.Requests(youtubetest.List) >= polls+3 })
	stop()
	if got, more := again.Quota().Used, fake.Used()-before; got > spent.Used+more || got < spent.Used+more-youtubetest.ListCost || more == 0 {
		t.Fatalf("used %d after the restart, want %d + %d", got, spent.Used, more)
	}
}
