package manager_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/connector/manager"
	"github.com/livehost/livehost/connector/youtube"
	"github.com/livehost/livehost/connector/youtube/youtubetest"
	"github.com/livehost/livehost/show"
)

// TestYouTubeQuotaAndViewersLogged: the YouTube connector's spend of the day's quota goes into the
// show's log — with its messages, while the chat is quiet, and when it stops — so that a new
// manager over the same log starts from it rather than from a whole day's quota; its viewer
// samples are logged when they change.
func TestYouTubeQuotaAndViewersLogged(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{Interval: 5 * time.Millisecond})
	defer fake.Close()
	r := newRig(t, manager.Options{QuotaEvery: 10 * time.Millisecond})
	r.extra = []connector.Platform{youtube.Platform(youtube.Credentials{ClientID: "client-1", ClientSecret: "secret-1", RefreshToken: "refresh-1"})}
	r.startManager()
	ctx := context.Background()
	settings, _ := json.Marshal(map[string]any{"video_id": fake.VideoID(), "api_base": fake.APIBase(), "token_url": fake.TokenURL(),
		"quota_per_day": 1_000_000, "viewers_every_s": 1})
	if _, err := r.m.Put(ctx, "s1", "yt", "youtube", settings, "admin"); err != nil {
		t.Fatal(err)
	}
	fake.Post(youtubetest.Message{ID: "m1", DisplayName: "a", Text: "こんにちは"})
	waitFor(t, "m1", func() bool { return len(r.events(show.TypeChatReceived)) == 1 })
	// The message's cursor carries the spend up to its poll.
	cur := r.events(show.TypeConnectorCursor)
	var first show.ConnectorCursor
	if len(cur) == 0 || cur[0].Decode(&first) != nil || first.QuotaUsed < youtubetest.ListCost || first.QuotaResetsAt.IsZero() || first.Cursor == "" {
		t.Fatalf("the message's connector.cursor: %+v", first)
	}
	// Quiet polls spend too: the spend is logged while nothing comes.
	waitFor(t, "the quiet polls' spend logged", func() bool {
		evs := r.events(show.TypeConnectorCursor)
		var last show.ConnectorCursor
		return len(evs) > 1 && evs[len(evs)-1].Decode(&last) == nil && last.QuotaUsed > first.QuotaUsed && last.Cursor == first.Cursor
	})
	fake.SetViewers(140)
	waitFor(t, "140 viewers logged", func() bool {
		evs := r.events(show.TypeConnectorViewers)
		var v show.ConnectorViewers
		return len(evs) > 0 && evs[len(evs)-1].Decode(&v) == nil && v.Viewers == 140
	})
	if err := r.m.Close(); err != nil {
		t.Fatal(err)
	}
	// Logged once per change: 120 when the chat was found, then 140.
	var counts []int
	for _, ev := range r.events(show.TypeConnectorViewers) {
		var v show.ConnectorViewers
		if err := ev.Decode(&v); err != nil || v.Name != "yt" || v.Platform != "youtube" {
			t.Fatalf("connector.viewers %s: %v", ev.Data, err)
		}
		counts = append(counts, v.Viewers)
	}
	if len(counts) != 2 || counts[0] != 120 || counts[1] != 140 {
		t.Fatalf("viewers logged %v, want [120 140]", counts)
	}
	// Stopping logs the last polls' spend: what YouTube counted (less a poll the stop cut short).
	items, err := r.rt.Connectors(ctx, "s1")
	if err != nil || len(items) != 1 {
		t.Fatalf("connectors %+v %v", items, err)
	}
	logged := items[0].QuotaUsed
	if logged > fake.Used() || logged < fake.Used()-youtubetest.ListCost {
		t.Fatalf("logged spend %d, YouTube counted %d", logged, fake.Used())
	}

	// A new manager over the same log: the connector starts from the logged spend.
	r.startManager()
	waitFor(t, "the connector running again", func() bool {
		items, _ := r.m.List(ctx, "s1")
		return len(items) == 1 && items[0].Running && items[0].Status != nil
	})
	items2, _ := r.m.List(ctx, "s1")
	q := items2[0].Status.(youtube.Status).Quota
	if q.Used < logged {
		t.Fatalf("after the restart the budget counts %d used, want at least the %d logged", q.Used, logged)
	}
	if want := (q.PerDay - q.Used - q.Reserved) / 5; q.PollsLeft != want {
		t.Fatalf("polls left %d, want %d", q.PollsLeft, want)
	}
}

// TestYouTubeQuotaKeptAcrossNewSettings: new settings replace the running connector; the new one
// starts once the old one has logged its last spend, so the polls it made since the last save
// (here: all of them, the periodic save being an hour away) still count against the day's quota.
func TestYouTubeQuotaKeptAcrossNewSettings(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{Interval: 5 * time.Millisecond})
	defer fake.Close()
	r := newRig(t, manager.Options{QuotaEvery: time.Hour})
	r.extra = []connector.Platform{youtube.Platform(youtube.Credentials{ClientID: "client-1", ClientSecret: "secret-1", RefreshToken: "refresh-1"})}
	r.startManager()
	ctx := context.Background()
	put := func(viewersEvery int) int64 {
		t.Helper()
		settings, _ := json.Marshal(map[string]any{"video_id": fake.VideoID(), "api_base": fake.APIBase(), "token_url": fake.TokenURL(),
			"quota_per_day": 1_000_000, "viewers_every_s": viewersEvery})
		item, err := r.m.Put(ctx, "s1", "yt", "youtube", settings, "admin")
		if err != nil {
			t.Fatal(err)
		}
		return item.ConfigSeq
	}
	put(60)
	waitFor(t, "ten polls", func() bool { return fake.Used() >= 10*youtubetest.ListCost })
	seq := put(30)
	var q youtube.Estimate
	waitFor(t, "the new settings running", func() bool {
		items, _ := r.m.List(ctx, "s1")
		if len(items) != 1 || !items[0].Running || items[0].ConfigSeq != seq || items[0].Status == nil {
			return false
		}
		q = items[0].Status.(youtube.Status).Quota
		return q.Used > 0 // resumed (after the old connector stopped) and polling
	})
	// The new connector has polled a little itself by now, so YouTube's count is a few polls ahead.
	if used := fake.Used(); q.Used < 10*youtubetest.ListCost || q.Used > used {
		t.Fatalf("the new connector counts %d units used; YouTube counted %d, at least %d before the change", q.Used, used, 10*youtubetest.ListCost)
	}
}
