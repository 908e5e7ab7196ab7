package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/connector/manager"
	"github.com/livehost/livehost/connector/youtube/youtubetest"
)

// TestBrowserConsoleShowsConnectors: the moderator console shows the YouTube connector live and,
// once a moderator approves in the console, the reply's delivery to YouTube; a connector backing
// off shows why.
func TestBrowserConsoleShowsConnectors(t *testing.T) {
	fake := youtubetest.New(youtubetest.Options{Interval: 20 * time.Millisecond})
	t.Cleanup(fake.Close)
	var conns *manager.Manager
	e := newEnv(t, withConnectors(fake, &conns))
	tok := e.newShow("cb1")
	if code, _ := e.do("PUT", "/api/shows/cb1/connectors/main", testAdmin, map[string]any{"platform": "youtube", "settings": youtubeSettings(fake)}, nil); code != 200 {
		t.Fatalf("put connector: %d", code)
	}
	fake.Post(youtubetest.Message{DisplayName: "さくら", Text: "このリップいくらですか？"})
	d := e.waitDrafts("cb1", tok["moderator"], "pending", func(d []draft) bool { return len(d) == 1 })[0]

	ctx := browser(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/console?show=cb1&token=%s", e.URL, tok["moderator"])),
		chromedp.WaitVisible(`.pill.connector.live[data-name="main"]`),
		chromedp.WaitVisible(`.draft.sel[data-id="`+d.DraftID+`"]`),
		chromedp.KeyEvent("a"),
		chromedp.WaitVisible(`.draft.published[data-id="`+d.DraftID+`"] .tag.reply.sent`),
	); err != nil {
		t.Fatalf("console: %v", err)
	}
	if n := len(fake.Inserted()); n != 1 {
		t.Fatalf("%d replies at YouTube", n)
	}
	fake.Fail(youtubetest.List, youtubetest.Fault{Status: 403, Reason: "quotaExceeded"})
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`.pill.connector.backoff[data-name="main"]`)); err != nil {
		t.Fatalf("backoff pill: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(`#connectors`))
	if err != nil || !strings.Contains(text, "quotaExceeded") {
		t.Fatalf("connectors bar %q %v", text, err)
	}
	shot(t, ctx, artifacts(t), "console-connectors.png")
}
