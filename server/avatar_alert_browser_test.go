package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// TestConsoleAlertsTTSFallback: when the avatar's TTS falls back (avatar.fallback in the show's
// log), the moderator console shows an alert saying from which engine to which and why, to
// captions only when no engine is left; dismissed, it stays away until the next fallback.
func TestConsoleAlertsTTSFallback(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("ttsalert")
	ctx := browser(t)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	fallback := func(engine, next, reason string) {
		t.Helper()
		if _, err := e.RT.AppendAvatar(context.Background(), "ttsalert", nil,
			live.AvatarEvent(show.TypeAvatarFallback, show.AvatarFallback{Engine: engine, Next: next, Reason: reason})); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/console?show=ttsalert&token=%s", e.URL, tok["moderator"])),
		chromedp.WaitVisible(`#conn.conn-live`),
	); err != nil {
		t.Fatalf("console: %v", err)
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("tts-alert").hidden`))
	if err != nil {
		t.Fatal(err)
	}
	if !hidden {
		t.Fatal("the TTS alert shows before any fallback")
	}
	fallback("openjtalk", "espeak-ng", "open_jtalk: exit status 1")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#tts-alert[data-next="espeak-ng"]`)); err != nil {
		t.Fatalf("alert: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(`#tts-alert`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "openjtalk → espeak-ng") || !strings.Contains(text, "exit status 1") {
		t.Fatalf("alert %q", text)
	}
	shot(t, ctx, artifacts(t), "console-tts-alert.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(`#tts-alert button`),
		chromedp.WaitNotVisible(`#tts-alert`),
	); err != nil {
		t.Fatalf("dismiss: %v", err)
	}
	fallback("espeak-ng", "", "espeak-ng: not installed")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#tts-alert[data-next="captions"]`)); err != nil {
		t.Fatalf("second alert: %v", err)
	}
	if text, err = chromedp.Run(ctx, chromedp.Text(`#tts-alert`)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "captions only") || strings.Contains(text, "回") {
		t.Fatalf("second alert %q: want captions only, counting only the fallbacks since the dismissal", text)
	}
}
