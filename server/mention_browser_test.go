package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestMentionSwitchInBrowser: the host names a lineup product that is not on air; the teleprompter
// (headless Chromium) offers to switch, the S key puts it on air, and the offer goes away.
func TestMentionSwitchInBrowser(t *testing.T) {
	e := newEnv(t)
	tok := e.newShow("m1") // LH-COS-001 on air
	ctx := browser(t)
	dir := artifacts(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/teleprompter?show=m1&token=%s", e.URL, tok["host"])),
		chromedp.WaitVisible(`.pill.conn-live`),
	); err != nil {
		t.Fatalf("teleprompter: %v", err)
	}
	var res struct {
		Mentions []struct{ SKU string } `json:"mentions"`
	}
	e.do("POST", "/api/shows/m1/transcript", tok["host"], map[string]any{"text": "次はマットリップスティックのブリックレッドをご紹介します", "final": true}, &res)
	if len(res.Mentions) != 1 || res.Mentions[0].SKU != "LH-COS-005" {
		t.Fatalf("mentions %+v, want LH-COS-005", res.Mentions)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`#mention:not(.hidden) button`)); err != nil {
		t.Fatalf("switch prompt: %v", err)
	}
	prompt, err := chromedp.Run(ctx, chromedp.Text(`#mention`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(prompt, "マットリップスティック") {
		t.Fatalf("prompt %q does not name the product", prompt)
	}
	shot(t, ctx, dir, "teleprompter-mention.png")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("s")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector(".pname").textContent.includes("マットリップスティック")`)); err != nil {
		t.Fatalf("product on the teleprompter after S: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitNotVisible(`#mention`)); err != nil {
		t.Fatalf("switch prompt after S: %v", err)
	}
	var sh struct {
		OnAir string `json:"on_air"`
	}
	e.do("GET", "/api/shows/m1", tok["host"], nil, &sh)
	if sh.OnAir != "LH-COS-005" {
		t.Fatalf("on air %q after S, want LH-COS-005", sh.OnAir)
	}
}
