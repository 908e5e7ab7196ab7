package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/livehost/livehost/catalog"
)

func TestCrossSell(t *testing.T) {
	s := searcherFor(t, exampleCatalog)
	ctx := context.Background()
	for _, sku := range []string{"LH-COS-001", "LH-APP-005", "LH-FOD-003", "LH-ELE-004"} {
		src, _, _ := s.Get(ctx, sku)
		got := CrossSell(ctx, s, sku, 3)
		if len(got) < 1 || len(got) > 3 {
			t.Errorf("%s: %d suggestions, want 1–3", sku, len(got))
		}
		seen := map[string]bool{}
		for i, sg := range got {
			p, ok, _ := s.Get(ctx, sg.SKU)
			switch {
			case !ok:
				t.Errorf("%s: suggestion %s not in the catalog", sku, sg.SKU)
			case sg.SKU == sku || seen[sg.SKU]:
				t.Errorf("%s: suggestion %s repeated or itself", sku, sg.SKU)
			case !p.InStock():
				t.Errorf("%s: suggestion %s is sold out", sku, sg.SKU)
			case !strings.Contains(sg.Prompt, p.Name) || !strings.Contains(sg.PromptEN, p.Name):
				t.Errorf("%s: prompt %q does not name %s", sku, sg.Prompt, p.Name)
			}
			seen[sg.SKU] = true
			// Related products come first, in the catalog's order, skipping sold-out ones.
			if i == 0 && len(src.Related) > 0 {
				var firstInStock string
				for _, r := range src.Related {
					if rp, ok, _ := s.Get(ctx, r); ok && rp.InStock() {
						firstInStock = r
						break
					}
				}
				if firstInStock != "" && (sg.SKU != firstInStock || sg.Reason != "related") {
					t.Errorf("%s: first suggestion %s (%s), want related %s", sku, sg.SKU, sg.Reason, firstInStock)
				}
			}
		}
	}
	// LH-COS-001 lists LH-COS-003 as related, which is sold out: it must be skipped.
	for _, sg := range CrossSell(ctx, s, "LH-COS-001", 3) {
		if sg.SKU == "LH-COS-003" {
			t.Errorf("sold-out related product suggested")
		}
	}
	if got := CrossSell(ctx, s, "NO-SUCH", 3); got != nil {
		t.Errorf("unknown SKU: %v", got)
	}
	if got := CrossSell(ctx, s, "LH-COS-001", 10); len(got) > 3 {
		t.Errorf("n is clamped to 3, got %d", len(got))
	}
}

func TestCrossSellPrefersOtherCategories(t *testing.T) {
	// A product with no related list: neighbours from another category come before its own.
	stock := 5
	products := []catalog.Product{
		{SKU: "L1", Name: "リップティント ピンク", Category: "リップ", Price: 1000, Stock: &stock},
		{SKU: "L2", Name: "リップティント レッド", Category: "リップ", Price: 1000, Stock: &stock},
		{SKU: "L3", Name: "リップティント コーラル", Category: "リップ", Price: 1000, Stock: &stock},
		{SKU: "P1", Name: "リップティント用 ブラシ", Category: "ツール", Price: 500, Stock: &stock},
	}
	s, err := catalog.NewMemorySearcher(context.Background(), products, catalog.NewHashEmbedder(256))
	if err != nil {
		t.Fatal(err)
	}
	got := CrossSell(context.Background(), s, "L1", 2)
	if len(got) != 2 || got[0].SKU != "P1" || got[0].Reason != "similar" {
		t.Errorf("suggestions = %+v, want the tool first", got)
	}
}
