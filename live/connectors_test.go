package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"go.uber.org/goleak"

	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// reopen closes the rig's runtime and starts another over the same log, as a restart of serve.
func (r *rig) reopen(t *testing.T) {
	t.Helper()
	r.rt.Close()
	s, err := exampleCatalog()
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ag, err := wire.Build(context.Background(), config.FromEnv(func(string) string { return "" }), wire.Deps{Catalog: s, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ag.Close)
	rt, err := live.New(context.Background(), live.Options{Store: r.store, Agents: ag.Live(), Policy: &ag.Policy, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	r.rt = rt
}

func countChat(t *testing.T, r *rig, showID string) map[string]int {
	t.Helper()
	evs, err := r.rt.Events(context.Background(), showID, 0, show.ReadLimit)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, ev := range evs {
		if ev.Type == show.TypeChatReceived {
			var p show.ChatReceived
			if err := ev.Decode(&p); err != nil {
				t.Fatal(err)
			}
			n[p.Platform+"/"+p.PlatformID]++
		}
	}
	return n
}

// TestPlatformIDsLoggedOnce: a message is logged once per (platform, platform_id): twice in one
// batch, again in a later batch, and again after a restart; the same id on another platform is
// another message.
func TestPlatformIDsLoggedOnce(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	r := newRig(t, nil)
	ctx := context.Background()
	if _, err := r.rt.CreateShow(ctx, show.Show{ID: "d1", Title: "dedup"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.rt.ConfigureConnector(ctx, "d1", show.ConnectorConfigured{Name: "yt", Platform: "youtube"}); err != nil {
		t.Fatal(err)
	}
	msg := func(platform, id, text string) live.ChatIn {
		return live.ChatIn{Platform: platform, ID: id, User: "u-" + id, Text: text}
	}
	res, err := r.rt.IngestConnector(ctx, "d1", live.ConnectorBatch{Connector: "yt", Cursor: "page-2", Messages: []live.ChatIn{
		msg("youtube", "a", "こんにちは"), msg("youtube", "a", "こんにちは"), msg("youtube", "b", "送料は？"), msg("twitch", "a", "hi"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Duplicate || !res[1].Duplicate || res[1].Seq != res[0].Seq || res[2].Duplicate || res[3].Duplicate {
		t.Fatalf("results: %+v", res)
	}
	again, err := r.rt.IngestConnector(ctx, "d1", live.ConnectorBatch{Connector: "yt", Messages: []live.ChatIn{msg("youtube", "b", "送料は？"), msg("youtube", "c", "new")}})
	if err != nil {
		t.Fatal(err)
	}
	if !again[0].Duplicate || again[0].Seq != res[2].Seq || again[1].Duplicate {
		t.Fatalf("second batch: %+v", again)
	}
	// The chat API deduplicates by the id it is given, too.
	if out, err := r.rt.IngestChat(ctx, "d1", []live.ChatIn{msg("youtube", "c", "new")}); err != nil || !out[0].Duplicate {
		t.Fatalf("chat API repeat: %+v %v", out, err)
	}
	r.reopen(t)
	after, err := r.rt.IngestConnector(ctx, "d1", live.ConnectorBatch{Connector: "yt", Messages: []live.ChatIn{msg("youtube", "a", "こんにちは"), msg("youtube", "d", "x")}})
	if err != nil {
		t.Fatal(err)
	}
	if !after[0].Duplicate || after[0].Seq != res[0].Seq || after[1].Duplicate {
		t.Fatalf("after restart: %+v", after)
	}
	want := map[string]int{"youtube/a": 1, "youtube/b": 1, "youtube/c": 1, "youtube/d": 1, "twitch/a": 1}
	if got := countChat(t, r, "d1"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("chat.received per platform id: %v, want %v", got, want)
	}
	cs, err := r.rt.Connectors(ctx, "d1")
	if err != nil || len(cs) != 1 || cs[0].Cursor != "page-2" || cs[0].Messages != 5 {
		t.Fatalf("connectors after restart: %+v %v", cs, err)
	}
}

// TestConnectorLifecycle: configuration, health changes logged only when they change, a stale
// runner's report ignored, removal, and a reply posted at most once.
func TestConnectorLifecycle(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	r := newRig(t, nil)
	ctx := context.Background()
	if _, err := r.rt.CreateShow(ctx, show.Show{ID: "c1", Title: "connectors"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.rt.ConfigureConnector(ctx, "c1", show.ConnectorConfigured{Name: "Bad Name", Platform: "youtube"}); !errors.Is(err, live.ErrInvalid) {
		t.Fatalf("bad name: %v", err)
	}
	c, err := r.rt.ConfigureConnector(ctx, "c1", show.ConnectorConfigured{Name: "yt", Platform: "youtube", Settings: []byte(`{"live_chat_id":"abc"}`), By: "admin"})
	if err != nil || c.State != show.ConnectorConnecting || c.ConfigSeq == 0 {
		t.Fatalf("configure: %+v %v", c, err)
	}
	st := show.ConnectorState{Name: "yt", Platform: "youtube", State: show.ConnectorLive}
	for i, want := range []bool{true, false} {
		if logged, err := r.rt.SetConnectorState(ctx, "c1", c.ConfigSeq, st); err != nil || logged != want {
			t.Fatalf("state %d: logged %v %v, want %v", i, logged, err, want)
		}
	}
	if logged, _ := r.rt.SetConnectorState(ctx, "c1", c.ConfigSeq-1, show.ConnectorState{Name: "yt", State: show.ConnectorStopped}); logged {
		t.Fatal("a stale runner's state was logged")
	}
	if _, err := r.rt.RecordReply(ctx, "c1", &show.ReplySending{DraftID: "d_1", Connector: "yt", Platform: "youtube"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.rt.RecordReply(ctx, "c1", &show.ReplySending{DraftID: "d_1", Connector: "yt", Platform: "youtube"}); !errors.Is(err, live.ErrConflict) {
		t.Fatalf("second reply.sending: %v, want ErrConflict", err)
	}
	if _, err := r.rt.RecordReply(ctx, "c1", &show.ReplySent{DraftID: "d_1", Connector: "yt", Platform: "youtube", PlatformID: "m1"}); err != nil {
		t.Fatal(err)
	}
	snap, err := r.rt.State(ctx, "c1")
	if err != nil || len(snap.Replies) != 1 || snap.Replies[0].Status != "sent" || snap.Replies[0].PlatformID != "m1" ||
		len(snap.Connectors) != 1 || snap.Connectors[0].State != show.ConnectorLive || snap.Connectors[0].Replies != 1 {
		t.Fatalf("snapshot: %+v %+v %v", snap.Connectors, snap.Replies, err)
	}
	if err := r.rt.RemoveConnector(ctx, "c1", "yt", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := r.rt.RemoveConnector(ctx, "c1", "yt", "admin"); !errors.Is(err, live.ErrNotFound) {
		t.Fatalf("remove twice: %v", err)
	}
	if cs, _ := r.rt.Connectors(ctx, "c1"); len(cs) != 0 {
		t.Fatalf("after remove: %+v", cs)
	}
}
