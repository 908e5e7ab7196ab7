package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/tts"
)

// TestConsoleAvatarPolicy: the console of an avatar show (moderator token, headless Chromium)
// shows the show's voice-answer policy and offers every intent the answer engine drafts; a
// change saved there is what GET /avatar/policy reads; a value the server refuses shows the
// server's error next to the form and changes nothing; a change made elsewhere refreshes the form,
// unless the moderator is editing it, who is told instead. The panel fits and its Save button is
// clickable at 1920×1080, 1280×720 and 1080×1920; a show without an avatar has no panel.
func TestConsoleAvatarPolicy(t *testing.T) {
	e := newEnv(t, withAvatar(t, &tts.Tone{}))
	id, toks := e.newAvatarShow("LH-COS-001")
	plain := e.newShow("plain")
	path := "/api/shows/" + id + "/avatar/policy"
	dir := artifacts(t)
	ctx := sizedBrowser(t, 1920, 1080)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	checked := func(box string) []string {
		t.Helper()
		return eval[[]string](t, ctx, `[...document.querySelectorAll("#`+box+` input:checked")].map(i => i.value)`)
	}
	status := func() string { return eval[string](t, ctx, `document.getElementById("policy-status").textContent`) }
	readPolicy := func() live.AnswerPolicy {
		t.Helper()
		var p live.AnswerPolicy
		if code, _ := e.do("GET", path, toks["moderator"], nil, &p); code != 200 {
			t.Fatalf("GET policy: %d", code)
		}
		return p
	}
	typeMin := func(v string) {
		t.Helper()
		do("type min_confidence "+v, chromedp.SetValue(`#policy-min`, ""), chromedp.SendKeys(`#policy-min`, v))
	}

	do("open the console",
		chromedp.Navigate(e.URL+"/console?show="+id+"&token="+toks["moderator"]),
		chromedp.WaitVisible(`.pill.conn-live`),
		chromedp.WaitVisible(`#policy summary`),
	)
	poll(t, ctx, `document.getElementById("policy-min").value !== ""`, "the policy loaded")
	if sum := eval[string](t, ctx, `document.getElementById("policy-sum").textContent`); !strings.Contains(sum, "offline") || !strings.Contains(sum, "価格・在庫") || !strings.Contains(sum, "0.80") {
		t.Errorf("summary %q, want the default policy (offline, 価格・在庫, 0.80)", sum)
	}
	do("open the policy", chromedp.Click(`#policy summary`), chromedp.WaitVisible(`#policy-save`))

	// The form offers what the server accepts and the answer engine drafts, showing the default.
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#policy-intents input")].map(i => i.value)`); !slices.Equal(got, answer.Intents) {
		t.Errorf("intents offered %q, want answer.Intents %q", got, answer.Intents)
	}
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#policy-engines input")].map(i => i.value)`); !slices.Equal(got, live.PolicyEngines) {
		t.Errorf("engines offered %q, want %q", got, live.PolicyEngines)
	}
	if !eval[bool](t, ctx, `document.getElementById("policy-enabled").checked`) || !slices.Equal(checked("policy-engines"), []string{"offline"}) ||
		!slices.Equal(checked("policy-intents"), []string{"price", "stock"}) || eval[string](t, ctx, `document.getElementById("policy-min").value`) != "0.8" {
		t.Fatalf("the form does not show the default policy: engines %q, intents %q", checked("policy-engines"), checked("policy-intents"))
	}

	// Save: color joins, 0.9 is the bar.
	do("add color", chromedp.Click(`#policy-intents input[value="color"]`))
	typeMin("0.9")
	do("save", chromedp.Click(`#policy-save`), chromedp.WaitVisible(`#policy-status.ok`))
	if p := readPolicy(); !p.Enabled || p.MinConfidence != 0.9 || !slices.Equal(p.Intents, []string{"price", "stock", "color"}) || !slices.Equal(p.Engines, []string{"offline"}) {
		t.Fatalf("after saving, the policy is %+v", p)
	}
	shot(t, ctx, dir, "console-policy-saved.png")

	// A confidence of 2 is the server's to refuse: its error shows by the form, nothing changes.
	typeMin("2")
	do("save 2", chromedp.Click(`#policy-save`), chromedp.WaitVisible(`#policy-status.error`))
	if s := status(); !strings.Contains(s, "min_confidence 2: want 0 to 1") {
		t.Errorf("error shown %q, want the server's (min_confidence 2: want 0 to 1)", s)
	}
	if !eval[bool](t, ctx, `(() => { const s = document.getElementById("policy-status").getBoundingClientRect(), f = document.getElementById("policy-form").getBoundingClientRect();
		return s.width > 0 && s.top >= f.top && s.bottom <= f.bottom; })()`) {
		t.Error("the error is not shown within the form")
	}
	if eval[string](t, ctx, `document.getElementById("policy-min").getAttribute("aria-invalid")`) != "true" {
		t.Error("the refused input is not marked")
	}
	if p := readPolicy(); p.MinConfidence != 0.9 || len(p.Intents) != 3 {
		t.Fatalf("a refused save changed the policy: %+v", p)
	}
	shot(t, ctx, dir, "console-policy-error.png")

	// Changed elsewhere while the moderator edits (the 2 is still there): the form keeps the edit
	// and says so; Reload takes the new policy.
	put := func(p live.AnswerPolicy) {
		t.Helper()
		if code, _ := e.do("PUT", path, toks["moderator"], p, nil); code != 200 {
			t.Fatalf("PUT policy: %d", code)
		}
	}
	put(live.AnswerPolicy{Enabled: true, Engines: []string{"offline", "llm"}, Intents: []string{"price"}, MinConfidence: 0.85})
	poll(t, ctx, `document.getElementById("policy-status").textContent.includes("編集中に")`, "the note of a change made during the edit")
	if v := eval[string](t, ctx, `document.getElementById("policy-min").value`); v != "2" {
		t.Errorf("a change elsewhere replaced the moderator's edit: min %q", v)
	}
	do("reload", chromedp.Click(`#policy-status button`))
	if !slices.Equal(checked("policy-engines"), []string{"offline", "llm"}) || !slices.Equal(checked("policy-intents"), []string{"price"}) ||
		eval[string](t, ctx, `document.getElementById("policy-min").value`) != "0.85" {
		t.Fatalf("after Reload the form shows engines %q, intents %q", checked("policy-engines"), checked("policy-intents"))
	}
	// With no edit, a change elsewhere shows at once.
	put(live.AnswerPolicy{Enabled: false, Engines: []string{"offline"}, Intents: []string{"price", "stock"}, MinConfidence: 0.8})
	poll(t, ctx, `!document.getElementById("policy-enabled").checked && document.getElementById("policy-sum").textContent.includes("every answer waits")`, "the form following a change elsewhere")

	// Layout: the open panel lies within the viewport, Save is the element at its own centre, and
	// the draft queue below keeps a third of its column.
	for _, size := range []struct{ w, h int64 }{{1920, 1080}, {1280, 720}, {1080, 1920}} {
		do(fmt.Sprintf("viewport %dx%d", size.w, size.h), chromedp.EmulateViewport(size.w, size.h))
		box := eval[struct {
			Left, Right, Top, Bottom float64
			W, H, ScrollW            float64
			Drafts, Column           float64
			Clickable                bool
		}](t, ctx, `(() => {
			const p = document.getElementById("policy").getBoundingClientRect(), s = document.getElementById("policy-save").getBoundingClientRect();
			const hit = document.elementFromPoint(s.left + s.width / 2, s.top + s.height / 2);
			return { Left: Math.min(p.left, s.left), Right: Math.max(p.right, s.right), Top: Math.min(p.top, s.top), Bottom: Math.max(p.bottom, s.bottom),
				W: innerWidth, H: innerHeight, ScrollW: document.documentElement.scrollWidth,
				Clickable: !!hit && hit.closest("#policy-save") !== null,
				Drafts: document.getElementById("drafts").clientHeight, Column: document.getElementById("draft-panel").clientHeight };
		})()`)
		if box.Left < 0 || box.Right > box.W || box.Top < 0 || box.Bottom > box.H || box.ScrollW > box.W {
			t.Errorf("%dx%d: the panel spans x %.0f–%.0f, y %.0f–%.0f (page %.0f wide) in a %.0f×%.0f viewport", size.w, size.h,
				box.Left, box.Right, box.Top, box.Bottom, box.ScrollW, box.W, box.H)
		}
		if !box.Clickable {
			t.Errorf("%dx%d: something covers the Save button", size.w, size.h)
		}
		if box.Drafts < box.Column/3 {
			t.Errorf("%dx%d: the draft queue has %.0f px of its column's %.0f", size.w, size.h, box.Drafts, box.Column)
		}
		shot(t, ctx, dir, fmt.Sprintf("console-policy-%dx%d.png", size.w, size.h))
	}
	// Save is clickable in the portrait layout: it saves there too.
	do("enable and save in portrait", chromedp.Click(`#policy-enabled`), chromedp.Click(`#policy-save`), chromedp.WaitVisible(`#policy-status.ok`))
	if p := readPolicy(); !p.Enabled {
		t.Fatalf("saved in portrait, the policy is %+v", p)
	}

	// A show without an avatar: no panel.
	do("open a plain show's console",
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(e.URL+"/console?show=plain&token="+plain["moderator"]),
		chromedp.WaitVisible(`.pill.conn-live`),
	)
	poll(t, ctx, `document.getElementById("title").textContent !== "…"`, "the plain show rendered")
	if !eval[bool](t, ctx, `(() => { const p = document.getElementById("policy"); return p.hidden && p.getBoundingClientRect().height === 0; })()`) {
		t.Error("the policy panel shows for a show without an avatar")
	}
}
