package manager_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/connector/manager"
	"github.com/livehost/livehost/connector/webhook"
	"github.com/livehost/livehost/connector/youtube"
	"github.com/livehost/livehost/connector/youtube/youtubetest"
	"github.com/livehost/livehost/show"
)

func benchRig(b *testing.B, platforms ...connector.Platform) (*rig, *manager.Manager) {
	r := &rig{}
	st, err := show.OpenStore(context.Background(), b.TempDir(), "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	r.store = st
	s, err := exampleCatalog()
	if err != nil {
		b.Fatal(err)
	}
	r.rt = newRuntime(b, st, s)
	if _, err := r.rt.CreateShow(context.Background(), show.Show{ID: "s1", Title: "bench", Lineup: []string{"LH-COS-001"}}); err != nil {
		b.Fatal(err)
	}
	m, err := manager.New(manager.Options{Runtime: r.rt, Logger: quiet, Platforms: platforms})
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return r, m
}

func logged(b *testing.B, r *rig) int {
	cs, err := r.rt.Connectors(context.Background(), "s1")
	if err != nil || len(cs) == 0 {
		b.Fatal(cs, err)
	}
	return cs[0].Messages
}

// BenchmarkYouTubeIngest: messages from the fake YouTube chat to the log (poll, map, moderate,
// deduplicate, append with the cursor), 2,000 a round, as a burst in a busy show.
func BenchmarkYouTubeIngest(b *testing.B) {
	fake := youtubetest.New(youtubetest.Options{Interval: time.Millisecond, FirstPage: 1})
	b.Cleanup(fake.Close)
	r, m := benchRig(b, youtube.Platform(youtube.Credentials{ClientID: "client-1", ClientSecret: "secret-1", RefreshToken: "refresh-1"}))
	set, _ := json.Marshal(map[string]any{"live_chat_id": fake.LiveChatID(), "api_base": fake.APIBase(), "token_url": fake.TokenURL(), "quota_per_day": 1 << 40})
	if _, err := m.Put(context.Background(), "s1", "yt", "youtube", set, "bench"); err != nil {
		b.Fatal(err)
	}
	// The first poll must be done before the burst: a chat's first page holds only the most
	// recent message.
	for {
		if items, _ := m.List(context.Background(), "s1"); len(items) == 1 && items[0].State == show.ConnectorLive {
			break
		}
		time.Sleep(time.Millisecond)
	}
	const burst = 2000
	msgs := make([]youtubetest.Message, burst)
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		for j := range msgs {
			msgs[j] = youtubetest.Message{ID: fmt.Sprintf("m-%d-%d", i, j), DisplayName: "viewer" + strconv.Itoa(j%300), Text: fmt.Sprintf("この色かわいい %d", j)}
		}
		fake.Post(msgs...)
		n += burst
		for logged(b, r) < n {
			time.Sleep(200 * time.Microsecond)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkWebhookIngest: signed requests of 100 messages checked and logged (no HTTP: the
// manager's Webhook, as the edge calls it), a tenth of them redeliveries of the round before.
func BenchmarkWebhookIngest(b *testing.B) {
	secret := "bench-secret-0123456789"
	_, m := benchRig(b, webhook.Platform(secret))
	if _, err := m.Put(context.Background(), "s1", "wh", "webhook", nil, "bench"); err != nil {
		b.Fatal(err)
	}
	for {
		if items, _ := m.List(context.Background(), "s1"); len(items) == 1 && items[0].Running {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		type msg struct {
			ID   string `json:"id"`
			User string `json:"user"`
			Text string `json:"text"`
		}
		body := struct {
			Messages []msg `json:"messages"`
		}{}
		for j := range 100 {
			id := fmt.Sprintf("w-%d-%d", i, j)
			if j < 10 && i > 0 {
				id = fmt.Sprintf("w-%d-%d", i-1, j)
			}
			body.Messages = append(body.Messages, msg{ID: id, User: "viewer" + strconv.Itoa(j), Text: fmt.Sprintf("送料はいくら %d", j)})
		}
		raw, _ := json.Marshal(body)
		ts := time.Now().Unix()
		h := http.Header{}
		h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts, 10))
		h.Set(webhook.HeaderSignature, webhook.Sign([]byte(secret), ts, raw))
		if _, err := m.Webhook(context.Background(), "s1", "wh", h, raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "msgs/s")
}
