package server_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/internal/wire"
)

// TestBrowserStockChangeReachesTeleprompter: a stock change during the show (as `livehost catalog
// offer` makes it, with no event) reaches an open teleprompter without a reload.
func TestBrowserStockChangeReachesTeleprompter(t *testing.T) {
	ctx0 := context.Background()
	res, err := catalog.ReadFile(filepath.Join("..", "examples", "catalog.jsonl"), "")
	if err != nil {
		t.Fatal(err)
	}
	// Its own searcher: the shared one must not see this test's offer.
	searcher, err := catalog.NewMemorySearcher(ctx0, res.Products, catalog.NewHashEmbedder(256))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *envConfig) { c.live.Agents.Products = wire.CatalogProducts(searcher) })
	tok := e.newShow("offer1")
	ctx := browser(t)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	url := fmt.Sprintf("%s/teleprompter?show=offer1&token=%s&refresh=300", e.URL, tok["host"])
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(`.stock`)); err != nil {
		t.Fatalf("teleprompter: %v", err)
	}
	before, err := chromedp.Run(ctx, chromedp.Text(`.stock`))
	if err != nil {
		t.Fatal(err)
	}
	zero := 0
	if err := searcher.UpdateOffer(ctx0, "LH-COS-001", catalog.Offer{Stock: &zero}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(`.stock.out`)); err != nil {
		t.Fatalf("stock was %q; the sold-out card never appeared: %v", before, err)
	}
	shot(t, ctx, artifacts(t), "teleprompter-sold-out.png")
}
