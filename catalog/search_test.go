package catalog

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

var (
	exampleOnce     sync.Once
	exampleProducts []Product
)

func exampleCatalog(t testing.TB) []Product {
	t.Helper()
	exampleOnce.Do(func() {
		res, err := ReadFile("../examples/catalog.jsonl", FormatJSONL)
		if err != nil {
			t.Fatal(err)
		}
		exampleProducts = res.Products
	})
	return exampleProducts
}

func exampleSearcher(t testing.TB) *Searcher {
	t.Helper()
	s, err := NewMemorySearcher(context.Background(), exampleCatalog(t), NewHashEmbedder(0))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hitSKUs(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Product.SKU
	}
	return out
}

func TestSearchMixedScriptsFindLipProducts(t *testing.T) {
	s := exampleSearcher(t)
	lips := []string{"LH-COS-001", "LH-COS-002", "LH-COS-003", "LH-COS-004", "LH-COS-005"}
	var first []string
	for _, q := range []string{"ﾘｯﾌﾟ", "りっぷ", "リップ", " リップ "} {
		hits, err := s.Search(context.Background(), Query{Text: q, K: 10})
		if err != nil {
			t.Fatal(err)
		}
		got := hitSKUs(hits)
		if len(got) < len(lips) {
			t.Fatalf("%s: %v, want the %d lip products", q, got, len(lips))
		}
		top := slices.Clone(got[:len(lips)])
		slices.Sort(top)
		if !slices.Equal(top, lips) {
			t.Errorf("%s: top %d = %v, want the lip products %v", q, len(lips), got[:len(lips)], lips)
		}
		if first == nil {
			first = got
		} else if !slices.Equal(first, got) {
			t.Errorf("%s ranks %v, ﾘｯﾌﾟ ranks %v: folding should make them one query", q, got, first)
		}
		for i, h := range hits {
			if h.Score <= 0 || h.Score > 1 || (i > 0 && h.Score > hits[i-1].Score) {
				t.Errorf("%s: scores not in (0,1] best first: %v", q, hits)
			}
		}
	}
}

func TestSearchBlackDenimFindsBlackJeans(t *testing.T) {
	s := exampleSearcher(t)
	hits, err := s.Search(context.Background(), Query{Text: "黒いデニム", K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].Product.SKU != "LH-APP-001" {
		t.Fatalf("黒いデニム → %v, want the black jeans LH-APP-001 first", hitSKUs(hits))
	}
	if len(hits) < 2 || hits[1].Product.SKU != "LH-APP-004" {
		t.Errorf("黒いデニム → %v, want the other black jeans LH-APP-004 second, above the blue ones", hitSKUs(hits))
	}
	// Readings and synonyms: kana and katakana spellings of 黒 and ジーンズ reach the same products.
	for q, want := range map[string]string{"くろ ジーンズ": "LH-APP-001", "ブラック デニム": "LH-APP-001", "けしょうすい": "LH-SKN-003", "日焼け止め": "LH-SKN-001", "イヤホン": "LH-ELE-001", "earphones": "LH-ELE-001"} {
		hits, err := s.Search(context.Background(), Query{Text: q, K: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 || !slices.Contains(hitSKUs(hits)[:min(2, len(hits))], want) {
			t.Errorf("%s → %v, want %s in the top 2", q, hitSKUs(hits), want)
		}
	}
}

func TestSearchFilters(t *testing.T) {
	s := exampleSearcher(t)
	ctx := context.Background()
	f500, f1500 := 500.0, 1500.0
	for _, tc := range []struct {
		name string
		f    Filter
		ok   func(p Product) bool
	}{
		{"in stock", Filter{InStockOnly: true}, func(p Product) bool { return p.InStock() }},
		{"category folded", Filter{Category: "ｺｽﾒ"}, func(p Product) bool { return p.Category == "コスメ" }},
		{"price range on the effective price", Filter{MinPrice: &f500, MaxPrice: &f1500}, func(p Product) bool {
			return p.EffectivePrice() >= 500 && p.EffectivePrice() <= 1500
		}},
		{"exclude", Filter{ExcludeSKUs: []string{"LH-COS-005"}}, func(p Product) bool { return p.SKU != "LH-COS-005" }},
	} {
		hits, err := s.Search(ctx, Query{Text: "リップ", K: 10, Filter: tc.f})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			t.Errorf("%s: no hits", tc.name)
		}
		for _, h := range hits {
			if !tc.ok(h.Product) {
				t.Errorf("%s: %s does not pass the filter", tc.name, h.Product.SKU)
			}
		}
	}
	// LH-COS-003 (lip balm) is sold out.
	hits, _ := s.Search(ctx, Query{Text: "リップバーム", K: 10, Filter: Filter{InStockOnly: true}})
	if slices.Contains(hitSKUs(hits), "LH-COS-003") {
		t.Errorf("sold-out lip balm found with --in-stock: %v", hitSKUs(hits))
	}
}

func TestSearchUpdateOfferIsSeenWithoutReembedding(t *testing.T) {
	s := exampleSearcher(t)
	ctx := context.Background()
	zero := 0
	if err := s.UpdateOffer(ctx, "LH-COS-005", Offer{Stock: &zero}); err != nil {
		t.Fatal(err)
	}
	hits, _ := s.Search(ctx, Query{Text: "リップスティック", K: 10, Filter: Filter{InStockOnly: true}})
	if slices.Contains(hitSKUs(hits), "LH-COS-005") {
		t.Errorf("sold-out lipstick still found in stock: %v", hitSKUs(hits))
	}
	if err := s.UpdateOffer(ctx, "nope", Offer{Stock: &zero}); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateOffer(nope) = %v", err)
	}
}

func TestNearestForCrossSell(t *testing.T) {
	s := exampleSearcher(t)
	hits, err := s.Nearest(context.Background(), "LH-COS-001", 3, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 3 || slices.Contains(hitSKUs(hits), "LH-COS-001") {
		t.Fatalf("Nearest = %v", hitSKUs(hits))
	}
	for _, h := range hits {
		if h.Product.Category != "コスメ" && h.Product.Category != "スキンケア" {
			t.Errorf("Nearest(lip tint) gave %s %s", h.Product.SKU, h.Product.Name)
		}
	}
	if _, err := s.Nearest(context.Background(), "nope", 3, Filter{}); err == nil {
		t.Error("Nearest(nope) succeeded")
	}
}

func TestSearchEmptyQueryAndMismatch(t *testing.T) {
	s := exampleSearcher(t)
	if _, err := s.Search(context.Background(), Query{Text: "  "}); err == nil {
		t.Error("empty query succeeded")
	}
	if _, err := NewSearcher(context.Background(), s.Store(), NewHashEmbedder(128)); !errors.Is(err, ErrDimensionMismatch) {
		t.Errorf("searcher with a 128-dim embedder over 256-dim vectors: %v", err)
	} else if !strings.Contains(err.Error(), "256") || !strings.Contains(err.Error(), "128") {
		t.Errorf("mismatch error does not name both dimensions: %v", err)
	}
}

func TestHashEmbedderFolding(t *testing.T) {
	e := NewHashEmbedder(0)
	a, b, c := e.EmbedOne("ﾘｯﾌﾟ"), e.EmbedOne("りっぷ"), e.EmbedOne("リップ")
	if !slices.Equal(a, b) || !slices.Equal(b, c) {
		t.Error("ﾘｯﾌﾟ, りっぷ and リップ embed differently")
	}
	if e.Dim() != 256 || len(a) != 256 {
		t.Errorf("dim %d", len(a))
	}
	cos := func(x, y []float32) float64 {
		var d float64
		for i := range x {
			d += float64(x[i]) * float64(y[i])
		}
		return d
	}
	if cos(e.EmbedOne("黒いデニム"), e.EmbedOne("くろ でにむ")) < 0.2 {
		t.Error("kanji and its kana reading are far apart")
	}
	if cos(e.EmbedOne("jeans"), e.EmbedOne("jean")) < cos(e.EmbedOne("jeans"), e.EmbedOne("lipstick"))+0.05 {
		t.Error("jean and jeans are far apart")
	}
}

func TestSearcherCatchesUpWithAnotherProcess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := openTestStore(t, dir)
	if _, err := Import(ctx, a, NewHashEmbedder(0), exampleCatalog(t), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := NewSearcher(ctx, a, NewHashEmbedder(0))
	if err != nil {
		t.Fatal(err)
	}
	inStock := func() []string {
		hits, err := s.Search(ctx, Query{Text: "リップバーム", K: 10, Filter: Filter{InStockOnly: true}})
		if err != nil {
			t.Fatal(err)
		}
		return hitSKUs(hits)
	}
	if slices.Contains(inStock(), "LH-COS-003") {
		t.Fatal("the sold-out lip balm is found in stock")
	}
	// Another process (its own store on the same directory) restocks it and adds a product.
	b := openTestStore(t, dir)
	n := 30
	if err := b.UpdateOffer(ctx, "LH-COS-003", Offer{Stock: &n}); err != nil {
		t.Fatal(err)
	}
	if got := inStock(); len(got) == 0 || got[0] != "LH-COS-003" {
		t.Errorf("after the restock: %v, want the lip balm first", got)
	}
	newP := Product{SKU: "LH-NEW-001", Name: "ミントリップバーム 新発売", Category: "コスメ", Price: 880, Currency: "JPY"}
	if _, err := Import(ctx, b, NewHashEmbedder(0), []Product{newP}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := inStock(); !slices.Contains(got, "LH-NEW-001") {
		t.Errorf("a product imported by another process is not found: %v", got)
	}
}
