package server_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/internal/browsertest"
)

// sizedBrowser starts headless Chromium with a viewport of w×h CSS pixels.
func sizedBrowser(t *testing.T, w, h int) context.Context {
	t.Helper()
	ctx, _ := browsertest.Start(t, chromedp.Flag("lang", "ja-JP"), chromedp.WindowSize(w, h))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("viewport %dx%d: %v", w, h, err)
	}
	return ctx
}

// eval runs a JavaScript expression in the page and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %.80q: %v", js, err)
	}
	return v
}

// poll waits until a JavaScript expression is true in the page.
func poll(t *testing.T, ctx context.Context, js, what string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil {
		t.Fatalf("%s (%s): %v", what, js, err)
	}
}

// measureKeys installs a probe that times each key press from the keydown event to the animation
// frame after the console's handler (which draws in the next frame), inside the page.
const measureKeys = `(() => {
  window.__keyMS = [];
  window.__long = [];
  new PerformanceObserver(l => { for (const e of l.getEntries()) window.__long.push(Math.round(e.startTime) + ":" + Math.round(e.duration)); }).observe({ type: "longtask" });
  window.addEventListener("keydown", ev => {
    const t0 = ev.timeStamp;
    requestAnimationFrame(() => window.__keyMS.push(performance.now() - t0));
  });
})()`

// TestConsoleUnderRaid floods a show with 20,000 held messages and opens the moderator console
// at 1920×1080: the page stays under 2,000 DOM nodes, every held message is reachable by
// scrolling (paged from GET /held), key presses move through the held queue and open the bulk
// action (their times in the page are logged for docs/BENCHMARKS.md), and a bulk deny of one user,
// confirmed with its count, takes that user's rows away.
func TestConsoleUnderRaid(t *testing.T) {
	if testing.Short() {
		t.Skip("floods a show with 20,000 messages")
	}
	e := newEnv(t, func(c *envConfig) { c.srv.IngestRate = -1 })
	const id = "raid1"
	tok := e.newShow(id)
	e.do("POST", "/api/shows/"+id+"/start", tok["host"], map[string]any{}, nil)

	const total, batch, raiderMsgs = 20000, 1000, 10
	start := time.Now()
	for b := 0; b < total/batch; b++ {
		msgs := make([]map[string]string, batch)
		for i := range msgs {
			n := b*batch + i
			user := fmt.Sprintf("viewer%05d", n)
			if n < raiderMsgs {
				user = "raider"
			}
			msgs[i] = map[string]string{"platform": "youtube", "user": user, "text": fmt.Sprintf("電話して 090-%04d-%04d", 1234+n/10000, n%10000)}
		}
		var res struct {
			Results []chatResult `json:"results"`
		}
		if code, _ := e.do("POST", "/api/shows/"+id+"/chat", tok["ingest"], msgs, &res); code != 202 || len(res.Results) != batch {
			t.Fatalf("batch %d: %d, %d results", b, code, len(res.Results))
		}
		for i, r := range res.Results {
			if r.Verdict.Action != "hold" {
				t.Fatalf("message %d: %s %v, want hold", b*batch+i, r.Verdict.Action, r.Verdict.Rules)
			}
		}
	}
	t.Logf("ingested %d held messages in %s", total, time.Since(start).Round(time.Millisecond))
	var page struct {
		Total int `json:"total"`
		Held  []struct {
			ChatSeq int64 `json:"chat_seq"`
		} `json:"held"`
	}
	e.do("GET", "/api/shows/"+id+"/held?limit=1&after=0", tok["moderator"], nil, &page)
	if page.Total != total {
		t.Fatalf("held total %d, want %d", page.Total, total)
	}

	dir := artifacts(t)
	ctx := sizedBrowser(t, 1920, 1080)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	loadStart := time.Now()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/console?show="+id+"&token="+tok["moderator"]),
		chromedp.WaitVisible(`.held[data-seq]`),
		chromedp.WaitVisible(`.pill.conn-live`),
	); err != nil {
		t.Fatalf("open the console: %v", err)
	}
	loaded := time.Since(loadStart)
	nodes := func(when string) int {
		t.Helper()
		n := eval[int](t, ctx, `document.getElementsByTagName('*').length`)
		if n >= 2000 {
			t.Errorf("%s: %d DOM nodes, want under 2,000", when, n)
		}
		return n
	}
	nodesOpen := nodes("opened")
	count := eval[string](t, ctx, `document.getElementById("held-count").textContent`)
	if !strings.Contains(count, "20,000") {
		t.Errorf("held count %q, want 20,000", count)
	}
	shot(t, ctx, dir, "console-raid.png")

	// The newest held message is reachable: scrolling to the end pages the rest in from GET /held.
	newest := fmt.Sprintf(`.held[data-seq="%d"]`, newestHeld(t, e, id, tok["moderator"]))
	scrollStart := time.Now()
	for {
		found := eval[bool](t, ctx, `(() => { const b = document.getElementById("held"); b.scrollTop = b.scrollHeight; return !!document.querySelector('`+newest+`'); })()`)
		if found {
			break
		}
		if time.Since(scrollStart) > time.Minute {
			t.Fatalf("the newest held message %s never appeared at the end of the list", newest)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("all %d held messages paged in %s", total, time.Since(scrollStart).Round(time.Millisecond))
	nodesEnd := nodes("scrolled to the end")

	// Key presses: Tab to the held queue, j/k through it, b opens the bulk action, Esc closes it.
	eval[chromedp.Void](t, ctx, `(() => { document.getElementById("held").scrollTop = 0; })()`)
	time.Sleep(100 * time.Millisecond)
	eval[chromedp.Void](t, ctx, measureKeys)
	press := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			if err := chromedp.Do(ctx, chromedp.KeyEvent(k)); err != nil {
				t.Fatalf("key %q: %v", k, err)
			}
			time.Sleep(60 * time.Millisecond)
		}
	}
	// round presses Tab into the held queue, j and k through it, and b to open the bulk action
	// (Esc closes it), and returns each press's time in ms.
	round := func() []float64 {
		t.Helper()
		eval[chromedp.Void](t, ctx, `window.__keyMS = []; window.__long = []`)
		press("\t")
		for range 10 {
			press("j")
		}
		for range 8 {
			press("k")
		}
		press("b")
		if err := chromedp.Do(ctx, chromedp.WaitVisible(`#bulk`)); err != nil {
			t.Fatalf("bulk dialog: %v", err)
		}
		press("\x1b", "b", "\x1b", "\t")
		ms := eval[[]float64](t, ctx, `window.__keyMS`)
		if len(ms) < 20 {
			t.Fatalf("%d key presses measured, want at least 20", len(ms))
		}
		t.Logf("key presses (ms): %.1f; the page's long tasks (start:ms): %v; load average %s", ms, eval[[]string](t, ctx, `window.__long`), loadAvg())
		return ms
	}
	// The key presses' times are a figure (docs/BENCHMARKS.md), logged, not asserted: they are
	// wall-clock time inside a browser on a machine other builds share. What is asserted is that
	// the keys did their work: ten j and eight k leave the third held message selected.
	ms := round()
	worst, sum := 0.0, 0.0
	for _, v := range ms {
		worst = max(worst, v)
		sum += v
	}
	var first struct {
		Held []struct {
			ChatSeq int64 `json:"chat_seq"`
		} `json:"held"`
	}
	e.do("GET", "/api/shows/"+id+"/held?limit=3&after=0", tok["moderator"], nil, &first)
	if len(first.Held) != 3 {
		t.Fatalf("held page %+v", first)
	}
	if sel := eval[string](t, ctx, `(() => { const s = document.querySelector(".held.sel"); return s ? s.dataset.seq : ""; })()`); sel != fmt.Sprint(first.Held[2].ChatSeq) {
		t.Errorf("after Tab, 10 × j and 8 × k the selected held message is %q, want the third, %d", sel, first.Held[2].ChatSeq)
	}
	nodesKeys := nodes("after the key presses")
	t.Logf("console with %d held: opened in %s, %d DOM nodes (%d at the end of the list, %d after keys); %d key presses, max %.1f ms, mean %.1f ms",
		total, loaded.Round(time.Millisecond), nodesOpen, nodesEnd, nodesKeys, len(ms), worst, sum/float64(len(ms)))

	// Bulk deny of one user from its row: the dialog says how many before anything is denied.
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`.held[data-user="raider"] .bulk-open`),
		chromedp.Click(`.held[data-user="raider"] .bulk-open`),
		chromedp.WaitVisible(`#bulk`),
	); err != nil {
		t.Fatalf("bulk dialog for raider: %v", err)
	}
	poll(t, ctx, `document.getElementById("bulk-go").textContent.includes("10 件を拒否") && !document.getElementById("bulk-go").disabled`, "the count of raider's held messages")
	user := eval[string](t, ctx, `document.getElementById("bulk-user").value`)
	if user != "raider" {
		t.Fatalf("bulk dialog user %q, want raider", user)
	}
	shot(t, ctx, dir, "console-raid-bulk.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(`#bulk-go`),
		chromedp.WaitNotVisible(`#bulk`),
		chromedp.WaitNotPresent(`.held[data-user="raider"]`),
		chromedp.WaitVisible(`.held[data-user="viewer00010"]`),
	); err != nil {
		t.Fatalf("bulk deny of raider: %v", err)
	}
	poll(t, ctx, `document.getElementById("held-count").textContent.includes("19,990")`, "held count after the bulk deny")
	e.do("GET", "/api/shows/"+id+"/held?limit=1&user=raider", tok["moderator"], nil, &page)
	if page.Total != 0 {
		t.Fatalf("raider still has %d held messages", page.Total)
	}
	// The dialog counts by age too, as the server would deny.
	if err := chromedp.Do(ctx,
		chromedp.Click(`#bulk-all-open`),
		chromedp.WaitVisible(`#bulk`),
		chromedp.Click(`input[name="bulk-kind"][value="older"]`),
		chromedp.SetValue(`#bulk-min`, "0"),
	); err != nil {
		t.Fatalf("bulk count by age: %v", err)
	}
	eval[chromedp.Void](t, ctx, `document.getElementById("bulk-min").dispatchEvent(new Event("input", {bubbles: true}))`)
	poll(t, ctx, `document.getElementById("bulk-count").textContent.includes("19,990")`, "the count of messages held longer than 0 minutes")
	if err := chromedp.Do(ctx, chromedp.Click(`#bulk-cancel`), chromedp.WaitNotVisible(`#bulk`)); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	nodes("after the bulk deny")
	shot(t, ctx, dir, "console-raid-after.png")
}

// newestHeld pages through GET /held to the newest held message's chat seq.
func newestHeld(t *testing.T, e *env, id, token string) int64 {
	t.Helper()
	var after int64
	for {
		var p struct {
			Next int64 `json:"next"`
			More bool  `json:"more"`
		}
		e.do("GET", fmt.Sprintf("/api/shows/%s/held?limit=1000&after=%d", id, after), token, nil, &p)
		after = p.Next
		if !p.More {
			return after
		}
	}
}

// loadAvg is the machine's 1-minute load average, as /proc/loadavg has it ("?" elsewhere).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// TestConsoleExpiredHeldIsNotDenied: a held message nobody decided expires, and the console says
// so (期限切れ) rather than showing it as denied by a moderator; one a moderator denied says that.
func TestConsoleExpiredHeldIsNotDenied(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.live.HeldTTL = 2 * time.Second })
	const id = "exp1"
	tok := e.newShow(id)
	ctx := sizedBrowser(t, 1920, 1080)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/console?show="+id+"&token="+tok["moderator"]),
		chromedp.WaitVisible(`.pill.conn-live`),
	); err != nil {
		t.Fatalf("open the console: %v", err)
	}
	var res struct {
		Results []chatResult `json:"results"`
	}
	e.do("POST", "/api/shows/"+id+"/chat", tok["ingest"], []map[string]string{
		{"platform": "youtube", "user": "a", "text": "電話して 090-1111-2222"},
		{"platform": "youtube", "user": "b", "text": "電話して 090-3333-4444"},
	}, &res)
	if len(res.Results) != 2 || res.Results[0].Verdict.Action != "hold" || res.Results[1].Verdict.Action != "hold" {
		t.Fatalf("chat: %+v", res.Results)
	}
	denied, expired := res.Results[0].Seq, res.Results[1].Seq
	if code, _ := e.do("POST", fmt.Sprintf("/api/shows/%s/held/%d/deny", id, denied), tok["moderator"], nil, nil); code != 200 {
		t.Fatalf("deny: %d", code)
	}
	row := func(seq int64) string { return fmt.Sprintf(`.msg[data-seq="%d"] .decision`, seq) }
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(row(denied)),
		chromedp.WaitVisible(row(expired)),
		chromedp.WaitNotPresent(`.held[data-seq]`),
	); err != nil {
		t.Fatalf("decisions in the chat: %v", err)
	}
	labels := eval[[]string](t, ctx, fmt.Sprintf(`[%d, %d].map(s => document.querySelector('.msg[data-seq="' + s + '"] .decision').textContent)`, denied, expired))
	if !strings.Contains(labels[0], "モデレーターが拒否") {
		t.Errorf("denied message labelled %q", labels[0])
	}
	if !strings.Contains(labels[1], "期限切れ") || strings.Contains(labels[1], "モデレーター") {
		t.Errorf("expired message labelled %q, want 期限切れ and no moderator", labels[1])
	}
	shot(t, ctx, artifacts(t), "console-expired.png")
}
