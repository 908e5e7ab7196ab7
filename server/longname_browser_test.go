package server_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/internal/wire"
)

// offScreen lists the elements whose visible part (their box, cut by every ancestor that clips
// overflow) reaches past the left or right edge of the viewport, and says whether the page
// scrolls sideways.
const offScreen = `(() => {
  const out = [];
  const W = innerWidth;
  for (const e of document.body.getElementsByTagName("*")) {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || !e.getClientRects().length) continue;
    let left = r.left, right = r.right;
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const st = getComputedStyle(a);
      if (st.overflowX !== "visible") {
        const ar = a.getBoundingClientRect();
        left = Math.max(left, ar.left); right = Math.min(right, ar.right);
      }
    }
    if (right <= left) continue; // clipped away entirely
    if (left < -1 || right > W + 1) out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : "") + " " + Math.round(left) + "…" + Math.round(right));
  }
  return { over: out.slice(0, 10), count: out.length, scrollW: document.documentElement.scrollWidth, W };
})()`

// TestPagesFitLongProductNames puts products with 300-character names (the catalog's cap), one
// of them a single unbroken word, in a show's lineup and on air, and opens show control, the
// console, the teleprompter and the report at 1280×720: no element reaches past the screen's
// edge and no page scrolls sideways.
func TestPagesFitLongProductNames(t *testing.T) {
	res, err := catalog.ReadFile(filepath.Join("..", "examples", "catalog.jsonl"), "")
	if err != nil {
		t.Fatal(err)
	}
	unbroken := strings.Repeat("Superhydratinglongwearlipstick", 10) // 300 letters, no space
	japanese := string([]rune(strings.Repeat("うるツヤ長時間キープ高保湿リップティント限定色ローズピンク", 20))[:300])
	if utf8.RuneCountInString(unbroken) != 300 {
		t.Fatalf("the unbroken name is %d runes", utf8.RuneCountInString(unbroken))
	}
	for i, p := range res.Products {
		switch p.SKU {
		case "LH-COS-001":
			res.Products[i].Name = unbroken
		case "LH-COS-002":
			res.Products[i].Name = japanese
		}
	}
	searcher, err := catalog.NewMemorySearcher(context.Background(), res.Products, catalog.NewHashEmbedder(256))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *envConfig) {
		c.live.Agents.Answerer = wire.AnswerAgent(answer.NewOffline(searcher, nil))
		c.live.Agents.CrossSell = wire.CatalogCrossSell(searcher)
		c.live.Agents.Products = wire.CatalogProducts(searcher)
	})
	const id = "long1"
	tok := e.newShow(id) // LH-COS-001 on air
	e.do("POST", "/api/shows/"+id+"/start", tok["host"], map[string]any{}, nil)
	e.do("POST", "/api/shows/"+id+"/chat", tok["ingest"], []map[string]string{
		{"platform": "youtube", "user": strings.Repeat("とても長いユーザー名", 4), "text": "リップティントの成分は何ですか？"},
		{"platform": "youtube", "user": "b", "text": "リップライナーは何色がありますか？"},
	}, nil)
	e.waitDrafts(id, tok["moderator"], "", func(ds []draft) bool { return len(ds) >= 1 })

	ctx := sizedBrowser(t, 1280, 720)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	dir := artifacts(t)
	pages := []struct{ name, path, token, ready string }{
		{"control", "/control", tok["moderator"], `.item[data-sku="LH-COS-001"] .name`},
		{"console", "/console", tok["moderator"], `.draft .tag`},
		{"teleprompter", "/teleprompter", tok["host"], `.pname`},
		{"report", "/report", tok["moderator"], `#kpis > *`},
	}
	for _, pg := range pages {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(fmt.Sprintf("%s%s?show=%s&token=%s", e.URL, pg.path, id, pg.token)),
			chromedp.WaitVisible(pg.ready),
		); err != nil {
			t.Fatalf("%s: %v", pg.name, err)
		}
		if pg.name == "control" || pg.name == "teleprompter" {
			poll(t, ctx, `document.body.textContent.includes("Superhydrating")`, pg.name+": the long name")
		}
		time.Sleep(300 * time.Millisecond)
		type result struct {
			Over    []string `json:"over"`
			Count   int      `json:"count"`
			ScrollW float64  `json:"scrollW"`
			W       float64  `json:"W"`
		}
		r := eval[result](t, ctx, offScreen)
		if r.Count > 0 {
			t.Errorf("%s: %d elements reach past the screen (%v px wide): %v", pg.name, r.Count, r.W, r.Over)
		}
		if r.ScrollW > r.W+1 {
			t.Errorf("%s: the page is %v px wide on a %v px screen", pg.name, r.ScrollW, r.W)
		}
		shot(t, ctx, dir, "longname-"+pg.name+".png")
	}
}
