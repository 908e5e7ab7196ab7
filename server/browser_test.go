package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/internal/browsertest"

	"github.com/livehost/livehost/show"
)

// browser starts headless Chromium (Debian's chromium) with a fresh profile. Without CI it skips
// when no Chromium is installed; with CI=true a missing browser fails the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	ctx, _ := browsertest.Start(t, chromedp.Flag("lang", "ja-JP"), chromedp.WindowSize(1600, 900))
	return ctx
}

// artifacts is where screenshots go: $LIVEHOST_TEST_ARTIFACTS, else the test's temp dir.
func artifacts(t *testing.T) string {
	dir := os.Getenv("LIVEHOST_TEST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	// Quality 100 gives a PNG; anything less a JPEG.
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// TestBrowserApproveReachesTeleprompter opens the moderator console and the teleprompter in a real
// browser, approves a drafted answer in the console and sees it on the teleprompter; a held
// message is allowed from the console and a risky claim by the host shows as a red warning.
func TestBrowserApproveReachesTeleprompter(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("live1")
	dir := artifacts(t)
	ctx := browser(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	e.do("POST", "/api/shows/live1/start", tok["host"], map[string]any{}, nil)
	// A realistic moment of chat: reactions, a held message, a blocked one, questions.
	e.do("POST", "/api/shows/live1/chat", tok["ingest"], []map[string]string{
		{"platform": "youtube", "user": "さくら", "text": "こんばんは〜 初見です"},
		{"platform": "tiktok", "user": "yuki_0312", "text": "リップティントっていくらですか？"},
		{"platform": "youtube", "user": "troll", "text": "しね"},
		{"platform": "line", "user": "ken", "text": "ブスは黙れ"},
		{"platform": "instagram", "user": "Emily", "text": "so cute!!"},
		{"platform": "youtube", "user": "みぃ", "text": "リップティントの成分は何ですか？"},
		{"platform": "tiktok", "user": "aoi.cosme", "text": "リップティントの成分は何ですか？"},
	}, nil)
	pending := e.waitDrafts("live1", tok["moderator"], "pending", func(d []draft) bool { return len(d) == 1 && d[0].Count == 2 })
	d := pending[0]

	// Console in one tab, teleprompter in another.
	consoleCtx := ctx
	base := fmt.Sprintf("%s/%%s?show=live1&token=%%s", e.URL)
	if err := chromedp.Do(consoleCtx,
		chromedp.Navigate(fmt.Sprintf(base, "console", tok["moderator"])),
		chromedp.WaitVisible(`.draft.pending[data-id="`+d.DraftID+`"]`),
		chromedp.WaitVisible(`.held[data-seq]`),
		chromedp.WaitVisible(`.msg.block mark.hl`),
		chromedp.WaitVisible(`.pill.conn-live`),
	); err != nil {
		t.Fatalf("console: %v", err)
	}
	shot(t, consoleCtx, dir, "console-before.png")

	tpCtx, tpCancel := chromedp.NewContext(ctx)
	defer tpCancel()
	if err := chromedp.Do(tpCtx,
		chromedp.Navigate(fmt.Sprintf(base, "teleprompter", tok["host"])),
		chromedp.WaitVisible(`.qa.pending`),
		chromedp.WaitVisible(`.pill.conn-live`),
	); err != nil {
		t.Fatalf("teleprompter: %v", err)
	}

	// Approve with the keyboard shortcut (the pending draft is selected): a.
	if err := chromedp.Do(consoleCtx,
		chromedp.WaitVisible(`.draft.sel[data-id="`+d.DraftID+`"]`),
		chromedp.KeyEvent("a"),
		chromedp.WaitVisible(`.draft.published[data-id="`+d.DraftID+`"]`),
	); err != nil {
		t.Fatalf("approve in console: %v", err)
	}
	if err := chromedp.Do(tpCtx, chromedp.WaitVisible(`.qa.published`)); err != nil {
		t.Fatalf("teleprompter after approval: %v", err)
	}
	tpText, err := chromedp.Run(tpCtx, chromedp.Text(`#questions`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tpText, "ヒアルロン酸") || !strings.Contains(tpText, "成分") {
		t.Fatalf("teleprompter questions %q do not show the approved answer", tpText)
	}

	// Allow the held message with its button.
	if err := chromedp.Do(consoleCtx,
		chromedp.Click(`.held button.ok`),
		chromedp.WaitNotPresent(`.held[data-seq]`),
	); err != nil {
		t.Fatalf("allow held: %v", err)
	}
	var st struct {
		Held []any `json:"held"`
	}
	e.do("GET", "/api/shows/live1/state", tok["moderator"], nil, &st)
	if len(st.Held) != 0 {
		t.Fatalf("held after allow: %v", st.Held)
	}
	// Edit another draft with the keyboard: e, change the text, Ctrl+Enter.
	e.do("POST", "/api/shows/live1/chat", tok["ingest"], map[string]string{"platform": "youtube", "user": "hana", "text": "リップティントの容量はどれくらい？"}, nil)
	next := e.waitDrafts("live1", tok["moderator"], "pending", func(d []draft) bool { return len(d) == 1 })[0]
	edited := "4gです。毎日使っても約2か月もちます！"
	if err := chromedp.Do(consoleCtx,
		chromedp.WaitVisible(`.draft.sel[data-id="`+next.DraftID+`"]`),
		chromedp.KeyEvent("e"),
		chromedp.WaitVisible(`#edit-box`),
		// Set the text as typing would (an input event): the console re-renders on every event.
		chromedp.Evaluate[chromedp.Void](`(() => { const b = document.getElementById("edit-box"); b.value = "`+edited+`"; b.dispatchEvent(new Event("input")); })()`),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.WaitVisible(`.draft.published[data-id="`+next.DraftID+`"]`),
	); err != nil {
		t.Fatalf("edit in console: %v", err)
	}
	if _, err := chromedp.Run(tpCtx, chromedp.Poll[bool](`document.getElementById("questions").textContent.includes("約2か月")`)); err != nil {
		t.Fatalf("edited answer on the teleprompter: %v", err)
	}
	shot(t, consoleCtx, dir, "console-after.png")

	// The host says something risky: the teleprompter shows a red warning with the better wording.
	e.do("POST", "/api/shows/live1/transcript", tok["host"], map[string]any{"text": "このクリームを使えばシミが消えるんです", "final": true}, nil)
	if err := chromedp.Do(tpCtx, chromedp.WaitVisible(`#alert:not(.hidden)`)); err != nil {
		t.Fatalf("compliance warning: %v", err)
	}
	alert, err := chromedp.Run(tpCtx, chromedp.Text(`#alert`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(alert, "シミが消え") || !strings.Contains(alert, "防ぐ") {
		t.Fatalf("warning %q lacks the flagged words or the suggestion", alert)
	}
	shot(t, tpCtx, dir, "teleprompter.png")

	// Show control lists the lineup and moves a product on air.
	ctlCtx, ctlCancel := chromedp.NewContext(ctx)
	defer ctlCancel()
	if err := chromedp.Do(ctlCtx,
		chromedp.Navigate(fmt.Sprintf(base, "control", tok["moderator"])),
		chromedp.WaitVisible(`.item.onair[data-sku="LH-COS-001"]`),
		chromedp.Click(`.item[data-sku="LH-COS-002"] button`),
		chromedp.WaitVisible(`.item.onair[data-sku="LH-COS-002"]`),
	); err != nil {
		t.Fatalf("show control: %v", err)
	}
	shot(t, ctlCtx, dir, "control.png")
	name, err := chromedp.Run(tpCtx, chromedp.Text(`.pname`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(name, "リップライナー") {
		t.Fatalf("teleprompter product after on-air change: %q", name)
	}

	// A host script saved on show control appears on the teleprompter, and the line the host is
	// speaking (a skipped first line, an ad-lib) is highlighted.
	script := "皆さんこんばんは、春の新作コスメをご紹介します。\nまずはうるツヤリップティントから見ていきましょう。\n落ちにくいのに唇がしっとりするのが特長です。"
	if err := chromedp.Do(ctlCtx,
		chromedp.SetValue(`#script`, script),
		chromedp.Click(`#save-script`),
		chromedp.WaitVisible(`#script-result`),
	); err != nil {
		t.Fatalf("save the script: %v", err)
	}
	if err := chromedp.Do(tpCtx, chromedp.WaitVisible(`#script p[data-line="2"]`)); err != nil {
		t.Fatalf("script on the teleprompter: %v", err)
	}
	e.do("POST", "/api/shows/live1/transcript", tok["host"], map[string]any{"text": "はい、まずはこちらうるツヤリップティントから見ていきましょう", "final": true}, nil)
	if err := chromedp.Do(tpCtx, chromedp.WaitVisible(`#script p.cur[data-line="1"]`)); err != nil {
		t.Fatalf("spoken line highlighted: %v", err)
	}

	// Speech-to-text down: the teleprompter says how much of the host's speech went unchecked.
	for i := range 2 {
		if _, err := e.RT.LogDropped(context.Background(), "live1", show.TranscriptDropped{StartMS: int64(i) * 3000, EndMS: int64(i)*3000 + 2000, Reason: "transcription failed: 503", Source: "whip"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(tpCtx, chromedp.WaitVisible(`#dropped:not(.hidden)`)); err != nil {
		t.Fatalf("dropped-speech notice: %v", err)
	}
	// The notice shows as soon as the first drop arrives; the second follows a moment later.
	var notice string
	for deadline := time.Now().Add(10 * time.Second); ; {
		notice, err = chromedp.Run(tpCtx, chromedp.Text(`#dropped`))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(notice, "音声認識が停止中：2件の発話を処理できませんでした") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dropped-speech notice %q", notice)
		}
		time.Sleep(50 * time.Millisecond)
	}
	shot(t, tpCtx, dir, "teleprompter-script.png")
	// Speech-to-text back: the next transcript clears the notice.
	e.do("POST", "/api/shows/live1/transcript", tok["host"], map[string]any{"text": "落ちにくいのに唇がしっとりするのが特長です", "final": true}, nil)
	if err := chromedp.Do(tpCtx, chromedp.WaitNotVisible(`#dropped`), chromedp.WaitVisible(`#script p.cur[data-line="2"]`)); err != nil {
		t.Fatalf("after speech-to-text is back: %v", err)
	}
	// A tap on a line puts the place there.
	if err := chromedp.Do(tpCtx, chromedp.Click(`#script p[data-line="0"]`), chromedp.WaitVisible(`#script p.cur[data-line="0"]`)); err != nil {
		t.Fatalf("tap on line 1: %v", err)
	}
}
