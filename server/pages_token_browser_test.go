package server_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// TestPagesKeepTokensOutOfLinks opens every page with ?token= as `livehost serve --demo` links
// do: the token leaves the address bar and appears in no link, nowhere in the page; a link
// followed in the same tab works with the token the tab kept; a page opened without a token, or
// with one the server refuses, asks for one instead of failing silently.
func TestPagesKeepTokensOutOfLinks(t *testing.T) {
	e := newEnv(t)
	const id = "tok1"
	tok := e.newShow(id)
	e.do("POST", "/api/shows/"+id+"/start", tok["host"], map[string]any{}, nil)
	ctx := sizedBrowser(t, 1280, 720)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	type pageInfo struct {
		Href  string   `json:"href"`
		Links []string `json:"links"`
		Has   bool     `json:"has"`
	}
	// inspect reads the address, every link and whether the token is anywhere in the page.
	inspect := func(ctx context.Context, token string) pageInfo {
		t.Helper()
		return eval[pageInfo](t, ctx, `({ href: location.href,
			links: [...document.querySelectorAll("a[href], [src], form[action]")].map(a => a.href || a.src || a.action),
			has: document.documentElement.outerHTML.includes(`+jsString(token)+`) })`)
	}
	check := func(what string, p pageInfo, token string) {
		t.Helper()
		if strings.Contains(p.Href, token) || strings.Contains(p.Href, "token=") {
			t.Errorf("%s: the address still has the token: %s", what, p.Href)
		}
		for _, l := range p.Links {
			if strings.Contains(l, token) || strings.Contains(l, "token=") {
				t.Errorf("%s: a link carries the token: %s", what, l)
			}
		}
		if p.Has {
			t.Errorf("%s: the token is in the page's HTML", what)
		}
	}
	pages := []struct{ path, token, ready string }{
		{"/control?show=" + id, tok["moderator"], `.item[data-sku]`},
		{"/console?show=" + id, tok["moderator"], `.pill.conn-live`},
		{"/teleprompter?show=" + id, tok["host"], `.pill.conn-live`},
		{"/?show=" + id, tok["moderator"], `#links a`},
		{"/mic?show=" + id, tok["host"], `#start`},
		{"/report?show=" + id, tok["moderator"], `#kpis > *`},
		{"/reports?x=1", testAdmin, `body[data-ready="1"] #shows a`},
	}
	for _, pg := range pages {
		began := time.Now()
		tab, closeTab := chromedp.NewContext(ctx)
		if err := chromedp.Do(tab, chromedp.Navigate(e.URL+pg.path+"&token="+pg.token), chromedp.WaitVisible(pg.ready)); err != nil {
			t.Fatalf("%s: %v", pg.path, err)
		}
		p := inspect(tab, pg.token)
		if len(p.Links) == 0 && (pg.path[:2] == "/?" || strings.HasPrefix(pg.path, "/control") || strings.HasPrefix(pg.path, "/reports")) {
			t.Errorf("%s: no links found", pg.path)
		}
		check(pg.path, p, pg.token)
		closeTab()
		t.Logf("%s: %s", pg.path, time.Since(began))
	}

	// Show control: follow its teleprompter link in the same tab; the teleprompter works.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/control?show="+id+"&token="+tok["moderator"]), chromedp.WaitVisible(`#links a`)); err != nil {
		t.Fatalf("control: %v", err)
	}
	check("control", inspect(ctx, tok["moderator"]), tok["moderator"])
	href := eval[string](t, ctx, `[...document.querySelectorAll("#links a")].find(a => a.pathname === "/teleprompter").href`)
	if err := chromedp.Do(ctx, chromedp.Navigate(href), chromedp.WaitVisible(`.pill.conn-live`), chromedp.WaitVisible(`.pname`)); err != nil {
		t.Fatalf("teleprompter from control's link %s: %v", href, err)
	}
	if name := eval[string](t, ctx, `document.querySelector(".pname").textContent`); !strings.Contains(name, "リップ") {
		t.Fatalf("teleprompter opened from control shows %q", name)
	}
	check("teleprompter from control", inspect(ctx, tok["moderator"]), tok["moderator"])

	// Its console link opens a new tab (rel=opener), which gets a copy of the tab's token.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/control?show="+id), chromedp.WaitVisible(`#links a`)); err != nil {
		t.Fatalf("control again, without ?token=: %v", err)
	}
	opened := chromedp.WaitNewTarget(ctx, func(i *target.Info) bool { return strings.Contains(i.URL, "/console") })
	if err := chromedp.Do(ctx, chromedp.Click(`#links a[href^="/console"]`)); err != nil {
		t.Fatalf("click the console link: %v", err)
	}
	tabCtx, closeNew := chromedp.NewContext(ctx, chromedp.WithTargetID(<-opened))
	defer closeNew()
	if err := chromedp.Do(tabCtx, chromedp.WaitVisible(`.pill.conn-live`)); err != nil {
		t.Fatalf("console in a new tab from control: %v", err)
	}
	check("console in a new tab", inspect(tabCtx, tok["moderator"]), tok["moderator"])

	// Reports list → a show's report, in the same tab.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/reports?token="+testAdmin), chromedp.WaitVisible(`#shows a`)); err != nil {
		t.Fatalf("reports: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`#shows a`), chromedp.WaitVisible(`#kpis > *`)); err != nil {
		t.Fatalf("report from the reports list: %v", err)
	}

	// A new tab has no token: the page asks for one, and works once it is given.
	fresh, closeFresh := chromedp.NewContext(ctx)
	defer closeFresh()
	if err := chromedp.Do(fresh,
		chromedp.Navigate(e.URL+"/console?show="+id),
		chromedp.WaitVisible(`#ask-form`),
		chromedp.SetValue(`#ask-token`, tok["moderator"]),
		chromedp.Click(`#ask-form button[type="submit"]`),
		chromedp.WaitVisible(`.pill.conn-live`),
	); err != nil {
		t.Fatalf("console without a token: %v", err)
	}
	check("console after the token form", inspect(fresh, tok["moderator"]), tok["moderator"])
	shot(t, fresh, artifacts(t), "console-token-given.png")

	// A token the server refuses asks again, saying so.
	bad, closeBad := chromedp.NewContext(ctx)
	defer closeBad()
	if err := chromedp.Do(bad,
		chromedp.Navigate(e.URL+"/teleprompter?show="+id+"&token=lh_not_a_token"),
		chromedp.WaitVisible(`#ask-form`),
	); err != nil {
		t.Fatalf("teleprompter with a refused token: %v", err)
	}
	if why := eval[string](t, bad, `document.querySelector(".missing .why").textContent`); !strings.Contains(why, "受け付けられませんでした") {
		t.Fatalf("refused token: the page says %q", why)
	}
	shot(t, bad, artifacts(t), "teleprompter-token-refused.png")

	// No page script opens a window with an address of its own making.
	files, _ := filepath.Glob(filepath.Join("..", "web", "static", "*.js"))
	open := regexp.MustCompile(`window\.open\(`)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, loc := range open.FindAllIndex(src, -1) {
			if !strings.HasPrefix(string(src[loc[1]:]), "LH.link(") {
				t.Errorf("%s: window.open( not with LH.link: %.60s", f, src[loc[0]:])
			}
		}
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
