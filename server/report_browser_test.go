package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/show"
)

// pastShow writes a finished show of about 90 minutes into the event log, as the runtime would
// have logged it: three products on air in turn, chat with questions (some asked again in other
// words), drafts approved, edited and rejected, held and blocked messages, compliance flags and
// imported orders. The runtime loads it from the log on first use.
func pastShow(t *testing.T, st *show.Store, id, title string, seed uint64, busy float64) {
	t.Helper()
	ctx := context.Background()
	skus := []string{"LH-COS-001", "LH-COS-002", "LH-COS-003"}
	if _, err := st.CreateShow(ctx, show.Show{ID: id, Title: title, Lineup: skus}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	t0 := time.Now().Add(-3 * time.Hour).UTC().Truncate(time.Minute)
	var evs []show.NewEvent
	next := int64(2)
	add := func(at time.Time, typ string, p any) int64 {
		ne := show.MustEncode(typ, p)
		ne.At = at
		evs = append(evs, ne)
		next++
		return next - 1
	}
	questions := []struct{ text, intent string }{
		{"いくらですか？", "price"}, {"いくら？", "price"}, {"在庫ありますか", "stock"}, {"敏感肌でも使えますか？", "skin_type"},
		{"素材は何ですか？", "material"}, {"サイズは？", "size"}, {"色は何色ありますか", "color"}, {"送料はいくら？", "shipping"},
	}
	chat := []string{"かわいい！", "888", "こんばんは〜", "初見です", "それ欲しい", "色きれい", "草", "待ってました！"}
	add(t0, show.TypeShowStarted, show.ShowStarted{By: "host-1"})
	draft := 0
	for m := 0; m < 90; m++ {
		at := t0.Add(time.Duration(m) * time.Minute)
		if m%30 == 0 {
			add(at, show.TypeProductOnAir, show.ProductOnAir{SKU: skus[m/30], By: "host-1"})
			add(at, show.TypeCrossSellSuggested, show.CrossSellSuggested{SKU: skus[m/30], Suggestions: []string{skus[(m/30+1)%3]}})
		}
		if m%5 == 0 { // YouTube's concurrentViewers, as its connector logs it
			add(at, show.TypeConnectorViewers, show.ConnectorViewers{Name: "yt", Platform: "youtube", Viewers: int(busy*300) + 10*(m%30)})
		}
		// Busier when a product goes on air, quieter at the end of a segment.
		n := int(busy * float64(8+rng.IntN(10)+12*max(0, 10-m%30)/10))
		for i := 0; i < n; i++ {
			mat := at.Add(time.Duration(rng.IntN(60)) * time.Second)
			user := fmt.Sprintf("viewer%d", rng.IntN(150))
			text := chat[rng.IntN(len(chat))]
			q := rng.IntN(4) == 0
			var qi int
			if q {
				qi = rng.IntN(len(questions))
				text = questions[qi].text
			}
			seq := add(mat, show.TypeChatReceived, show.ChatReceived{Platform: []string{"youtube", "tiktok", "instagram"}[rng.IntN(3)], User: user, Text: text})
			switch x := rng.IntN(40); {
			case x == 0:
				add(mat, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: seq, Action: "block", Categories: []string{"harassment"}})
				continue
			case x == 1:
				add(mat, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: seq, Action: "hold", Categories: []string{"link"}})
				add(mat, show.TypeChatHeld, show.ChatHeld{ChatSeq: seq, User: user, Text: text})
				typ := show.TypeChatAllowed
				if rng.IntN(2) == 0 {
					typ = show.TypeChatDenied
				}
				add(mat.Add(time.Duration(5+rng.IntN(40))*time.Second), typ, show.ChatDecision{ChatSeq: seq, By: "mod-" + fmt.Sprint(1+rng.IntN(2))})
				continue
			default:
				add(mat, show.TypeChatVerdict, show.ChatVerdict{ChatSeq: seq, Action: "allow"})
			}
			if !q {
				continue
			}
			dat := mat.Add(2 * time.Second)
			sku := skus[m/30]
			add(dat, show.TypeQuestionDetected, show.QuestionDetected{ChatSeq: seq, Intent: questions[qi].intent, SKU: sku, Lang: "ja"})
			draft++
			id := fmt.Sprintf("%s-d%d", id, draft)
			d := show.DraftCreated{DraftID: id, ChatSeq: seq, Question: text, User: user, Text: "1,980円です！", SKU: sku, Intent: questions[qi].intent,
				Facts: []show.Fact{{Field: "price", Value: "1980"}}}
			if questions[qi].intent == "material" || questions[qi].intent == "size" {
				d.Text, d.Facts, d.NeedsReview = "確認してお答えしますね。少々お待ちください！", nil, true
			}
			add(dat, show.TypeDraftCreated, d)
			by := "mod-" + fmt.Sprint(1+rng.IntN(2))
			decided := dat.Add(time.Duration(5+rng.IntN(60)) * time.Second)
			switch x := rng.IntN(10); {
			case x < 6:
				add(decided, show.TypeDraftApproved, show.DraftAction{DraftID: id, By: by, Text: d.Text})
				add(decided, show.TypeDraftPublished, show.DraftPublished{DraftID: id, Text: d.Text, By: by, To: []string{"chat", "host"}})
			case x < 8:
				add(decided, show.TypeDraftEdited, show.DraftAction{DraftID: id, By: by, Text: "税込" + d.Text})
				add(decided, show.TypeDraftPublished, show.DraftPublished{DraftID: id, Text: "税込" + d.Text, By: by, To: []string{"chat", "host"}})
			default:
				add(decided, show.TypeDraftRejected, show.DraftAction{DraftID: id, By: by})
			}
		}
		if rng.IntN(15) == 0 {
			tseq := add(at.Add(30*time.Second), show.TypeTranscriptSegment, show.TranscriptSegment{Text: "このクリームでシミが消えます", Final: true})
			add(at.Add(30*time.Second), show.TypeHostCompliance, show.HostCompliance{TranscriptSeq: tseq, Text: "このクリームでシミが消えます",
				Matches: []show.Match{{Term: "シミが消える", Category: "yakkiho"}}})
		}
	}
	end := t0.Add(90 * time.Minute)
	add(end, show.TypeShowStopped, show.ShowStopped{By: "host-1"})
	for i := 0; i < int(120*busy); i++ {
		at := t0.Add(time.Duration(rng.Int64N(int64(100 * time.Minute))))
		add(end.Add(time.Hour), show.TypeOrderImported, show.OrderImported{OrderID: fmt.Sprintf("#%d", 1000+i), SKU: skus[rng.IntN(3)], Quantity: 1 + rng.IntN(2),
			Price: []float64{1980, 2400, 980}[rng.IntN(3)], Currency: "JPY", OrderedAt: at, Source: "shopify"})
	}
	for len(evs) > 0 {
		n := min(len(evs), show.MaxAppend)
		if _, err := st.Append(ctx, id, evs[:n]...); err != nil {
			t.Fatal(err)
		}
		evs = evs[n:]
	}
}

// TestBrowserReport opens the report page of a finished show in Chromium at 1920×1080 and
// 1280×720, checks that every chart drew (Chart.js made it, and its canvas has painted pixels)
// and that the tables filled, prints it to PDF, and opens /reports comparing two shows.
func TestBrowserReport(t *testing.T) {
	e := newEnv(t)
	pastShow(t, e.Store, "autumn", "秋の新作コスメ LIVE", 1, 1)
	pastShow(t, e.Store, "winter", "冬のスキンケア特集", 2, 0.6)
	var tok struct {
		Token string `json:"token"`
	}
	if code, _ := e.do("POST", "/api/shows/autumn/tokens", testAdmin, map[string]string{"role": "moderator", "label": "mod-1"}, &tok); code != 201 {
		t.Fatalf("token: %d", code)
	}
	dir := artifacts(t)
	ctx, _ := browserAt(t, 1920, 1080)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	url := e.URL + "/report?show=autumn&token=" + tok.Token
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(`body[data-ready="1"]`)); err != nil {
		t.Fatalf("open the report: %v", err)
	}
	checkCharts(t, ctx, []string{"chart-minutes", "chart-moderation", "chart-segments"})
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ Segments, Questions, Gaps, Moderators int }](`({Segments: document.querySelectorAll("#segments tbody tr").length,
		Questions: document.querySelectorAll("#questions tbody tr").length, Gaps: document.querySelectorAll("#gaps tbody tr").length,
		Moderators: document.querySelectorAll("#moderators tbody tr").length})`))
	if err != nil {
		t.Fatal(err)
	}
	if rows.Segments != 3 || rows.Questions < 4 || rows.Gaps != 6 || rows.Moderators != 2 {
		t.Errorf("tables: %+v, want 3 segments, some questions, 6 gaps (material and size of 3 products), 2 moderators", rows)
	}
	// Viewers: the peak tile, and each segment's average / peak (300 + 10 × minute of the segment,
	// sampled every 5 minutes: the peak is 550).
	aud, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ Peak, Cell string }](`({Peak: [...document.querySelectorAll("#kpis .kpi")].find(k => k.textContent.includes("peak viewers"))?.querySelector("b").textContent || "",
		Cell: [...document.querySelectorAll("#segments tbody tr:first-child td")][3]?.textContent || ""})`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aud.Peak, "550") || !strings.HasSuffix(aud.Cell, "/ 550") {
		t.Errorf("viewers on the page: peak tile %q, first segment %q; want a peak of 550", aud.Peak, aud.Cell)
	}
	shot(t, ctx, dir, "report-1920x1080.png")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	checkCharts(t, ctx, []string{"chart-minutes", "chart-moderation", "chart-segments"})
	shot(t, ctx, dir, "report-1280x720.png")

	// Print to PDF: the print stylesheet hides the tools and keeps the charts.
	media := func(m string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return chromedp.Void{}, err
		}
	}
	if err := chromedp.Do(ctx, media("print"), chromedp.EmulateViewport(1123, 794), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, dir, "report-print.png") // A4 landscape at 96 dpi, as the print stylesheet lays it out
	toolsShown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector(".rp-head .tools")).display !== "none"`))
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFLandscape(), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, media("")); err != nil {
		t.Fatal(err)
	}
	if toolsShown {
		t.Error("the print stylesheet shows the page's buttons")
	}
	if len(pdf) < 20_000 || string(pdf[:5]) != "%PDF-" {
		t.Errorf("PDF of %d bytes", len(pdf))
	}
	if err := os.WriteFile(filepath.Join(dir, "report.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}

	// Across shows: the list, sorted by clicking a heading, two shows side by side.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(e.URL+"/reports?token="+testAdmin+"&compare=autumn&compare=winter"),
		chromedp.WaitVisible(`body[data-ready="1"]`), chromedp.WaitVisible(`#compare-card`)); err != nil {
		t.Fatalf("open /reports: %v", err)
	}
	checkCharts(t, ctx, []string{"chart-compare"})
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//table[@id="shows"]//th[contains(., "コメント者")]`))); err != nil {
		t.Fatal(err)
	}
	order, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#shows tbody tr")].map(r => r.dataset.show)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != "autumn" {
		t.Errorf("sorted by chatters: %v, want the busier autumn show first", order)
	}
	compareRows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#compare tbody tr").length`))
	if err != nil || compareRows < 10 {
		t.Errorf("comparison rows %d %v", compareRows, err)
	}
	shot(t, ctx, dir, "reports-1920x1080.png")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, dir, "reports-1280x720.png")
}

// browserAt starts Chromium with a window of w×h.
func browserAt(t *testing.T, w, h int) (context.Context, func()) {
	t.Helper()
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatal(err)
	}
	return ctx, func() {}
}

// checkCharts asserts that each canvas holds a Chart.js chart with data and painted pixels.
func checkCharts(t *testing.T, ctx context.Context, ids []string) {
	t.Helper()
	for _, id := range ids {
		js := fmt.Sprintf(`(() => {
			const c = document.getElementById(%q);
			const ch = c && Chart.getChart(c);
			const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
			let painted = 0;
			for (let i = 3; i < px.length; i += 16) if (px[i] > 0) painted++;
			return {Chart: !!ch, Points: ch ? ch.data.datasets.reduce((n, d) => n + d.data.filter(v => v).length, 0) : 0, Painted: painted, Width: c.width};
		})()`, id)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
			Chart                  bool
			Points, Painted, Width int
		}](js))
		if err != nil {
			t.Fatalf("chart %s: %v", id, err)
		}
		if !got.Chart || got.Points == 0 || got.Painted < 500 || got.Width < 100 {
			t.Errorf("chart %s did not draw: %+v", id, got)
		}
	}
}
