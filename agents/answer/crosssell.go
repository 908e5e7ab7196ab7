package answer

import (
	"context"
	"sync"

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
	return crossSell(ctx, s, sku, n, nil)
}

// neighbourCache keeps each product's nearest neighbours (SKUs, best first). Similarity depends on
// the embedded text only, which a show never changes, so entries stay valid; stock is read fresh
// on every call. It is bounded: when full it starts over.
type neighbourCache struct {
	mu sync.Mutex
	m  map[string][]neighbour
}

type neighbour struct {
	sku   string
	score float64
}

const neighbourCacheMax = 4096

func (c *neighbourCache) get(sku string) ([]neighbour, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[sku]
	return v, ok
}

func (c *neighbourCache) put(sku string, v []neighbour) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= neighbourCacheMax {
		c.m = map[string][]neighbour{}
	}
	c.m[sku] = v
}

func crossSell(ctx context.Context, s Searcher, sku string, n int, cache *neighbourCache) []Suggestion {
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
	var near []neighbour
	cached := false
	if cache != nil {
		near, cached = cache.get(sku)
	}
	if !cached {
		// Ask for more than needed: some neighbours share the category or sell out during the show.
		hits, err := s.Nearest(ctx, sku, 12, catalog.Filter{ExcludeSKUs: []string{sku}})
		if err != nil {
			// Suggestions are a bonus; the related products already found still stand.
			return out
		}
		for _, h := range hits {
			near = append(near, neighbour{h.Product.SKU, h.Score})
		}
		if cache != nil {
			cache.put(sku, near)
		}
	}
	cat := textnorm.Fold(src.Category)
	var sameCat []catalog.Product
	var sameScore []float64
	for _, nb := range near {
		if len(out) >= n {
			break
		}
		p, ok, err := s.Get(ctx, nb.sku)
		if err != nil || !ok {
			continue
		}
		if cat != "" && textnorm.Fold(p.Category) == cat {
			sameCat, sameScore = append(sameCat, p), append(sameScore, nb.score)
			continue
		}
		add(p, "similar", nb.score)
	}
	for i, p := range sameCat {
		add(p, "similar", sameScore[i])
	}
	return out
}
