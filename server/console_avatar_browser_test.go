package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/tts"
)

// TestConsoleAvatarFeed: the console of an avatar show (moderator token, headless Chromium) has an
// On air strip: the lines said before it opened are there (read back from the log), the current
// line changes as the avatar talks, a viewer's price question answered in voice shows with the
// question and the asker, a 薬機法 claim sent with /say shows as refused with the gate's reason (as
// text: its markup is not markup), and a cut marks its line. The strip lies within the viewport at
// 1920×1080, 1280×720 and 1080×1920 and the held and draft lists keep their space; a show
// without an avatar has no strip.
func TestConsoleAvatarFeed(t *testing.T) {
	e := newEnv(t, withAvatar(t, &tts.Tone{}))
	id, toks := e.newAvatarShow("LH-COS-001")
	plain := e.newShow("plain")
	dir := artifacts(t)
	ctx := sizedBrowser(t, 1920, 1080)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	type line struct {
		Seq      int64
		Class    string
		Text     string
		Q        string
		Reason   string
		Replaced string
		Cut      bool
	}
	lines := func() []line {
		t.Helper()
		return eval[[]line](t, ctx, `[...document.querySelectorAll("#avatar-lines > li")].map(li => {
			const q = s => { const x = li.querySelector(s); return x ? x.textContent : ""; };
			return { Seq: Number(li.dataset.seq), Class: li.className, Text: q(".af-text"), Q: q(".af-q"), Reason: q(".reason"),
				Replaced: q(".replacement"), Cut: !!li.querySelector(".tag.cut") };
		})`)
	}

	// The avatar talks before the console opens.
	if code, _ := e.do("POST", "/api/shows/"+id+"/avatar/start", toks["host"], nil, nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	first := utterances(e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool { return len(utterances(evs)) >= 1 }))[0]

	do("open the console",
		chromedp.Navigate(e.URL+"/console?show="+id+"&token="+toks["moderator"]),
		chromedp.WaitVisible(`.pill.conn-live`),
		chromedp.WaitVisible(`#avatar-feed`),
	)
	poll(t, ctx, `document.getElementById("avatar-state").dataset.state === "running"`, "the runner's state")
	poll(t, ctx, `[...document.querySelectorAll("#avatar-lines .af-text")].some(x => x.textContent.startsWith(`+jsString(first.Text)+`))`,
		"the line said before the console opened")

	// The current line follows the avatar.
	now := func() (int64, string) {
		t.Helper()
		v := eval[struct {
			Seq  int64
			Text string
		}](t, ctx, `(() => { const x = document.querySelector("#avatar-now .af-text"); return x ? { Seq: Number(x.dataset.seq), Text: x.textContent } : { Seq: 0, Text: "" }; })()`)
		return v.Seq, v.Text
	}
	poll(t, ctx, `!!document.querySelector("#avatar-now .af-text")`, "a current line")
	seq0, text0 := now()
	poll(t, ctx, `Number(document.querySelector("#avatar-now .af-text").dataset.seq) > `+fmt.Sprint(seq0), "the current line changing")
	seq1, text1 := now()
	said := utterances(e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool { return len(utterances(evs)) >= 2 }))
	for _, got := range []string{text0, text1} {
		if !slices.ContainsFunc(said, func(u show.AvatarUtterance) bool { return u.Text == got }) {
			t.Errorf("current line %q is no utterance of the log", got)
		}
	}
	if seq1 <= seq0 || text1 == "" {
		t.Fatalf("current line %d %q after %d %q", seq1, text1, seq0, text0)
	}

	// A price question, answered in voice by itself.
	const question = "このリップはいくらですか？"
	var chat chatResult
	if code, _ := e.do("POST", "/api/shows/"+id+"/chat", toks["admin"], map[string]string{"user": "さくら", "text": question}, &chat); code != 202 {
		t.Fatalf("chat: %d", code)
	}
	var answer show.AvatarUtterance
	e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool {
		i := slices.IndexFunc(utterances(evs), func(u show.AvatarUtterance) bool { return u.ChatSeq == chat.Seq })
		if i >= 0 {
			answer = utterances(evs)[i]
		}
		return i >= 0
	})
	poll(t, ctx, `[...document.querySelectorAll("#avatar-lines > li.answer .af-q")].some(q => q.textContent.includes(`+jsString(question)+`))`, "the answer with its question")
	ans := lines()[slices.IndexFunc(lines(), func(l line) bool { return strings.Contains(l.Class, "answer") })]
	if !strings.HasPrefix(ans.Text, answer.Text) || !strings.Contains(ans.Text, "1,580円") || !strings.Contains(ans.Q, "さくら") || !strings.Contains(ans.Q, question) {
		t.Errorf("answer line %+v, want %q for さくら's %q", ans, answer.Text, question)
	}

	// A 薬機法 claim, refused by the gate; its markup stays text.
	claim := `<img src=x onerror="window.__pwned=1">このクリームでシミが消えます。`
	if code, _ := e.do("POST", "/api/shows/"+id+"/avatar/say", toks["moderator"], map[string]string{"text": claim + "ぜひ見てくださいね。"}, nil); code != 202 {
		t.Fatalf("say: %d", code)
	}
	var skipped show.AvatarSkipped
	e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool {
		for _, ev := range evs {
			if ev.Type == show.TypeAvatarSkipped && strings.Contains(string(ev.Data), "消えます") {
				return json.Unmarshal(ev.Data, &skipped) == nil
			}
		}
		return false
	})
	poll(t, ctx, `[...document.querySelectorAll("#avatar-lines > li.refused")].some(li => li.textContent.includes("消えます"))`, "the refused claim")
	ref := lines()[slices.IndexFunc(lines(), func(l line) bool { return strings.Contains(l.Class, "refused") })]
	if ref.Text != skipped.Text || ref.Reason != skipped.Reason || ref.Reason == "" || ref.Replaced != skipped.Replacement || !strings.Contains(ref.Class, skipped.Action) {
		t.Errorf("refused line %+v, want the log's %+v", ref, skipped)
	}
	if eval[bool](t, ctx, `!!window.__pwned || !!document.querySelector("#avatar-feed img")`) {
		t.Error("the refused text was inserted as markup")
	}

	// A cut names the answer's utterance: its line is marked.
	if _, err := e.RT.AppendAvatar(context.Background(), id, nil, live.AvatarEvent(show.TypeAvatarCut, show.AvatarCut{Utterance: answer.ID, AtMS: 100, Reason: "pause"})); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, `[...document.querySelectorAll("#avatar-lines > li.answer")].some(li => li.classList.contains("cut") && li.querySelector(".tag.cut"))`, "the cut answer marked")

	// Newest first, at most 20.
	got := lines()
	if len(got) == 0 || len(got) > 20 || !slices.IsSortedFunc(got, func(a, b line) int { return int(b.Seq - a.Seq) }) {
		t.Errorf("lines %d, seqs not newest first: %+v", len(got), got)
	}

	// Layout, beside the plain show's console at the same sizes.
	type layout struct {
		Left, Right, Top, Bottom, W, H float64
		Feed, Chat, ChatPanel          float64
		Held, Drafts                   float64
	}
	measure := `(() => {
		const f = document.getElementById("avatar-feed"), r = f.getBoundingClientRect(), h = id => document.getElementById(id).clientHeight;
		return { Left: r.left, Right: r.right, Top: r.top, Bottom: r.bottom, W: innerWidth, H: innerHeight,
			Feed: f.hidden ? 0 : r.height, Chat: h("chat"), ChatPanel: h("chat-panel"), Held: h("held"), Drafts: h("drafts") };
	})()`
	sizes := []struct{ w, h int64 }{{1920, 1080}, {1280, 720}, {1080, 1920}}
	withFeed := map[int64]layout{}
	for _, size := range sizes {
		do(fmt.Sprintf("viewport %dx%d", size.w, size.h), chromedp.EmulateViewport(size.w, size.h))
		withFeed[size.w] = eval[layout](t, ctx, measure)
		shot(t, ctx, dir, fmt.Sprintf("console-avatar-%dx%d.png", size.w, size.h))
	}
	do("open a plain show's console",
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(e.URL+"/console?show=plain&token="+plain["moderator"]),
		chromedp.WaitVisible(`.pill.conn-live`),
	)
	poll(t, ctx, `document.getElementById("title").textContent !== "…"`, "the plain show rendered")
	if !eval[bool](t, ctx, `(() => { const f = document.getElementById("avatar-feed"); return f.hidden && f.getBoundingClientRect().height === 0; })()`) {
		t.Error("the On air strip shows for a show without an avatar")
	}
	for _, size := range sizes {
		do(fmt.Sprintf("plain viewport %dx%d", size.w, size.h), chromedp.EmulateViewport(size.w, size.h))
		p, a := eval[layout](t, ctx, measure), withFeed[size.w]
		if a.Feed == 0 || a.Left < 0 || a.Right > a.W || a.Top < 0 || a.Bottom > a.H {
			t.Errorf("%dx%d: the strip spans x %.0f–%.0f, y %.0f–%.0f in a %.0f×%.0f viewport", size.w, size.h, a.Left, a.Right, a.Top, a.Bottom, a.W, a.H)
		}
		// The held list is as tall as without the strip; the drafts lose only the policy's line.
		if a.Held < p.Held*0.95 || a.Drafts < p.Drafts*0.85 {
			t.Errorf("%dx%d: held %.0f px (%.0f without an avatar), drafts %.0f px (%.0f)", size.w, size.h, a.Held, p.Held, a.Drafts, p.Drafts)
		}
		if a.Feed > a.ChatPanel*0.4 || a.Chat < a.ChatPanel/2 {
			t.Errorf("%dx%d: the strip is %.0f px and the chat %.0f px of a %.0f px column", size.w, size.h, a.Feed, a.Chat, a.ChatPanel)
		}
	}
}
