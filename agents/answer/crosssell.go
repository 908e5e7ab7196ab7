package answer

import (
	"context"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/textnorm"
)

// Suggestion is one product to mention next, with a line for the host.
type Suggestion struct {
	SKU    string `json:"sku"`
	Name   string `json:"name"`
	Reason string `json:"reason"` // "related" (the catalog says so) or "similar" (nearest neighbour)
	Prompt string `json:"prompt"` // for the host, Japanese
	// PromptEN is the same line in English.
	PromptEN string  `json:"prompt_en"`
	Score    float64 `json:"score"`
}

// CrossSell suggests up to n in-stock products to mention with sku: the catalog's related products
// first, then nearest neighbours from other categories (a liner for a lipstick, not a second
// lipstick), then same-category neighbours if there is still room. n is clamped to 1–3.
func CrossSell(ctx context.Context, s Searcher, sku string, n int) []Suggestion {
	n = max(1, min(n, 3))
	src, ok, err := s.Get(ctx, sku)
	if err != nil || !ok {
		return nil
	}
	seen := map[string]bool{sku: true}
	var out []Suggestion
	add := func(p catalog.Product, reason string, score float64) {
		if len(out) >= n || seen[p.SKU] || !p.InStock() {
			return
		}
		seen[p.SKU] = true
		out = append(out, Suggestion{
			SKU: p.SKU, Name: p.Name, Reason: reason, Score: score,
			Prompt:   "合わせて" + p.Name + "も紹介しましょう",
			PromptEN: "Mention " + p.Name + " with it",
		})
	}
	for _, r := range src.Related {
		if p, ok, err := s.Get(ctx, r); err == nil && ok {
			add(p, "related", 1)
		}
	}
	if len(out) >= n {
		return out
	}
	hits, err := s.Nearest(ctx, sku, 4*n+len(src.Related), catalog.Filter{InStockOnly: true, ExcludeSKUs: []string{sku}})
	if err != nil {
		// Suggestions are a bonus; the related products already found still stand.
		return out
	}
	cat := textnorm.Fold(src.Category)
	for _, h := range hits {
		if cat == "" || textnorm.Fold(h.Product.Category) != cat {
			add(h.Product, "similar", h.Score)
		}
	}
	for _, h := range hits {
		add(h.Product, "similar", h.Score)
	}
	return out
}
