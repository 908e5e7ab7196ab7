package catalog

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// testStoreContract is what every Store must do, whatever keeps the data. open returns a fresh,
// empty store; the contract closes it.
func testStoreContract(t *testing.T, open func(t *testing.T) Store) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"empty store", contractEmpty},
		{"embedding meta and mismatch", contractEmbedding},
		{"embedding change on a store without vectors", contractEmbeddingChange},
		{"upsert before the embedding is recorded", contractUpsertWithoutEmbedding},
		{"upsert counts inserted and updated", contractUpsertCounts},
		{"upsert is all or none", contractUpsertAtomic},
		{"update offer keeps vectors and hashes", contractUpdateOffer},
		{"delete", contractDelete},
		{"get and list", contractGetList},
		{"text hashes", contractTextHashes},
		{"vector search ranking", contractSearchRanking},
		{"vector search filters", contractSearchFilters},
		{"filtered vector search still returns k", contractSearchFilteredK},
		{"close", contractClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tt.run(t, s)
		})
	}
}

const contractDim = 4

func contractF(v float64) *float64 { return &v }
func contractI(v int) *int         { return &v }

// contractFixture is six products whose cosine similarities to the query [1,0,0,0] are all
// different: c-01 1, c-02 0.994, c-03 0.707, c-06 0.700, c-05 0.196, c-04 0.0995.
func contractFixture() []Item {
	return []Item{
		{Product: Product{SKU: "c-01", Name: "モイストリップ", Brand: "Hana", Category: "コスメ", Price: 1000, Currency: "JPY", Stock: contractI(5),
			Attributes: map[string][]string{"色": {"レッド", "ピンク"}}, Tags: []string{"新作"}, Related: []string{"c-02"}, URL: "https://example.com/c-01", Image: "https://example.com/c-01.jpg",
			Description: "うるおいが続くリップ"}, Vector: []float32{1, 0, 0, 0}, TextHash: "h1"},
		{Product: Product{SKU: "c-02", Name: "リップライナー", Category: "ｺｽﾒ", Price: 2000, SalePrice: contractF(1500), Stock: contractI(0)},
			Vector: []float32{0.9, 0.1, 0, 0}, TextHash: "h2"},
		{Product: Product{SKU: "c-03", Name: "Black denim", Category: "Fashion", Price: 3000},
			Vector: []float32{0.7, 0.7, 0, 0}, TextHash: "h3"},
		{Product: Product{SKU: "c-04", Name: "T-shirt", Category: "fashion", Price: 500, Stock: contractI(2)},
			Vector: []float32{0.1, 1, 0, 0}, TextHash: "h4"},
		{Product: Product{SKU: "c-05", Name: "抹茶クッキー", Category: "Food", Price: 800, Stock: contractI(10)},
			Vector: []float32{0.2, 0, 1, 0}, TextHash: "h5"},
		{Product: Product{SKU: "c-06", Name: "ハンドクリーム", Category: "コスメ", Price: 1200, SalePrice: contractF(900), Stock: contractI(1)},
			Vector: []float32{0.5, 0, 0.5, 0.1}, TextHash: "h6"},
	}
}

// contractLoad records the test embedder and stores the fixture.
func contractLoad(t *testing.T, s Store) []Item {
	t.Helper()
	ctx := context.Background()
	if err := s.SetEmbedding(ctx, "contract-test", contractDim); err != nil {
		t.Fatalf("SetEmbedding: %v", err)
	}
	items := contractFixture()
	res, err := s.Upsert(ctx, items)
	if err != nil {
		t.Fatalf("Upsert fixture: %v", err)
	}
	if res != (UpsertResult{Inserted: len(items)}) {
		t.Fatalf("Upsert fixture = %+v, want %d inserted", res, len(items))
	}
	return items
}

func contractSKUs(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Product.SKU
	}
	return out
}

func contractListSKUs(t *testing.T, s Store) []string {
	t.Helper()
	ps, err := s.List(context.Background())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.SKU
	}
	return out
}

func contractCosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func contractEmpty(t *testing.T, s Store) {
	ctx := context.Background()
	name, dim, err := s.Embedding(ctx)
	if err != nil || name != "" || dim != 0 {
		t.Errorf("Embedding of an empty store = %q, %d, %v; want \"\", 0, nil", name, dim, err)
	}
	if ps, err := s.List(ctx); err != nil || len(ps) != 0 {
		t.Errorf("List = %d products, %v; want none", len(ps), err)
	}
	if hs, err := s.TextHashes(ctx); err != nil || len(hs) != 0 {
		t.Errorf("TextHashes = %v, %v; want empty", hs, err)
	}
	if _, ok, err := s.Get(ctx, "nope"); ok || err != nil {
		t.Errorf("Get(nope) = %v, %v; want false, nil", ok, err)
	}
	if n, err := s.Delete(ctx, []string{"nope"}); n != 0 || err != nil {
		t.Errorf("Delete(nope) = %d, %v; want 0, nil", n, err)
	}
	if hits, err := s.VectorSearch(ctx, []float32{1, 0, 0, 0}, 5, Filter{}); err != nil || len(hits) != 0 {
		t.Errorf("VectorSearch on an empty store = %v, %v; want no hits", hits, err)
	}
	if res, err := s.Upsert(ctx, nil); err != nil || res != (UpsertResult{}) {
		t.Errorf("Upsert(nil) = %+v, %v; want zero", res, err)
	}
}

func contractEmbedding(t *testing.T, s Store) {
	ctx := context.Background()
	for _, bad := range []struct {
		name string
		dim  int
	}{{"", 4}, {"x", 0}, {"x", -3}} {
		if err := s.SetEmbedding(ctx, bad.name, bad.dim); err == nil {
			t.Errorf("SetEmbedding(%q, %d) succeeded; want an error", bad.name, bad.dim)
		}
	}
	contractLoad(t, s)
	name, dim, err := s.Embedding(ctx)
	if err != nil || name != "contract-test" || dim != contractDim {
		t.Fatalf("Embedding = %q, %d, %v; want contract-test, %d", name, dim, err, contractDim)
	}
	if err := s.SetEmbedding(ctx, "contract-test", contractDim); err != nil {
		t.Errorf("SetEmbedding with the same embedder again: %v", err)
	}
	for _, tc := range []struct {
		name  string
		dim   int
		words []string // the message names both sides
	}{
		{"contract-test", 8, []string{"contract-test", "4", "8"}},
		{"other-model", contractDim, []string{"contract-test", "other-model"}},
	} {
		err := s.SetEmbedding(ctx, tc.name, tc.dim)
		if !errors.Is(err, ErrDimensionMismatch) {
			t.Errorf("SetEmbedding(%q, %d) on a store with vectors = %v; want ErrDimensionMismatch", tc.name, tc.dim, err)
			continue
		}
		for _, w := range tc.words {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("mismatch error %q does not name %q", err, w)
			}
		}
	}
	if name, dim, _ := s.Embedding(ctx); name != "contract-test" || dim != contractDim {
		t.Errorf("a refused SetEmbedding changed the embedding to %q, %d", name, dim)
	}
	// Vectors of another dimension never mix in.
	bad := Item{Product: Product{SKU: "x-1", Name: "x", Price: 1}, Vector: make([]float32, 8), TextHash: "x"}
	bad.Vector[0] = 1
	if _, err := s.Upsert(ctx, []Item{bad}); !errors.Is(err, ErrDimensionMismatch) {
		t.Errorf("Upsert of an 8-dim vector into a 4-dim store = %v; want ErrDimensionMismatch", err)
	}
	if _, err := s.VectorSearch(ctx, make([]float32, 8), 3, Filter{}); !errors.Is(err, ErrDimensionMismatch) {
		t.Errorf("VectorSearch with an 8-dim query on a 4-dim store = %v; want ErrDimensionMismatch", err)
	}
}

func contractEmbeddingChange(t *testing.T, s Store) {
	ctx := context.Background()
	if err := s.SetEmbedding(ctx, "first", 4); err != nil {
		t.Fatal(err)
	}
	// No vectors yet: another embedder may take the store over.
	if err := s.SetEmbedding(ctx, "second", 3); err != nil {
		t.Fatalf("SetEmbedding on a store without vectors: %v", err)
	}
	if name, dim, err := s.Embedding(ctx); err != nil || name != "second" || dim != 3 {
		t.Fatalf("Embedding = %q, %d, %v; want second, 3", name, dim, err)
	}
	it := Item{Product: Product{SKU: "a", Name: "a", Price: 1}, Vector: []float32{0, 1, 0}, TextHash: "a"}
	if _, err := s.Upsert(ctx, []Item{it}); err != nil {
		t.Fatalf("Upsert 3-dim after the change: %v", err)
	}
	if err := s.SetEmbedding(ctx, "third", 5); !errors.Is(err, ErrDimensionMismatch) {
		t.Fatalf("SetEmbedding with vectors stored = %v; want ErrDimensionMismatch", err)
	}
	// Once every product is deleted the store holds no vectors again.
	if _, err := s.Delete(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEmbedding(ctx, "third", 5); err != nil {
		t.Fatalf("SetEmbedding after deleting every product: %v", err)
	}
	it.Vector = []float32{0, 0, 0, 0, 1}
	if _, err := s.Upsert(ctx, []Item{it}); err != nil {
		t.Fatalf("Upsert 5-dim after the change: %v", err)
	}
}

func contractUpsertWithoutEmbedding(t *testing.T, s Store) {
	ctx := context.Background()
	_, err := s.Upsert(ctx, contractFixture())
	if !errors.Is(err, ErrDimensionMismatch) {
		t.Errorf("Upsert before SetEmbedding = %v; want ErrDimensionMismatch", err)
	}
	if skus := contractListSKUs(t, s); len(skus) != 0 {
		t.Errorf("a refused Upsert stored %v", skus)
	}
}

func contractUpsertCounts(t *testing.T, s Store) {
	ctx := context.Background()
	items := contractLoad(t, s)
	a, b := items[0], items[1]
	a.Product.Name = "モイストリップ 改"
	a.TextHash = "h1-new"
	b.Vector = []float32{0, 0, 0, 1}
	newItem := Item{Product: Product{SKU: "c-07", Name: "新商品", Price: 700}, Vector: []float32{0, 0, 1, 1}, TextHash: "h7"}
	res, err := s.Upsert(ctx, []Item{a, newItem, b})
	if err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	if res != (UpsertResult{Inserted: 1, Updated: 2}) {
		t.Errorf("Upsert = %+v; want 1 inserted, 2 updated", res)
	}
	if skus := contractListSKUs(t, s); len(skus) != 7 {
		t.Errorf("List has %d products, want 7: %v", len(skus), skus)
	}
	got, ok, err := s.Get(ctx, "c-01")
	if err != nil || !ok || got.Name != "モイストリップ 改" {
		t.Errorf("Get(c-01) after update = %q, %v, %v", got.Name, ok, err)
	}
	if h, _ := s.TextHashes(ctx); h["c-01"] != "h1-new" || h["c-07"] != "h7" {
		t.Errorf("TextHashes after update = %v", h)
	}
	// The replaced vector is the one searched.
	hits, err := s.VectorSearch(ctx, []float32{0, 0, 0, 1}, 1, Filter{})
	if err != nil || len(hits) != 1 || hits[0].Product.SKU != "c-02" {
		t.Errorf("search for c-02's new vector = %v, %v; want c-02 first", contractSKUs(hits), err)
	}
}

func contractUpsertAtomic(t *testing.T, s Store) {
	ctx := context.Background()
	contractLoad(t, s)
	valid := func(sku string) Item {
		return Item{Product: Product{SKU: sku, Name: "ok " + sku, Price: 100}, Vector: []float32{0, 1, 1, 0}, TextHash: "ok"}
	}
	update := valid("c-01") // would rename an existing product if the batch went through
	tests := []struct {
		name     string
		bad      Item
		mismatch bool
	}{
		{"wrong dimension", Item{Product: Product{SKU: "z-1", Name: "z", Price: 1}, Vector: []float32{1, 0, 0}}, true},
		{"empty sku", Item{Product: Product{SKU: " ", Name: "z", Price: 1}, Vector: []float32{1, 0, 0, 0}}, false},
		{"duplicate sku in the batch", valid("z-new"), false},
		{"NaN in the vector", Item{Product: Product{SKU: "z-2", Name: "z", Price: 1}, Vector: []float32{float32(math.NaN()), 0, 0, 0}}, false},
		{"zero vector", Item{Product: Product{SKU: "z-3", Name: "z", Price: 1}, Vector: []float32{0, 0, 0, 0}}, false},
		{"no vector", Item{Product: Product{SKU: "z-4", Name: "z", Price: 1}}, false},
		{"negative price", Item{Product: Product{SKU: "z-5", Name: "z", Price: -1}, Vector: []float32{1, 0, 0, 0}}, false},
		{"NaN sale price", Item{Product: Product{SKU: "z-6", Name: "z", Price: 1, SalePrice: contractF(math.NaN())}, Vector: []float32{1, 0, 0, 0}}, false},
		{"negative stock", Item{Product: Product{SKU: "z-7", Name: "z", Price: 1, Stock: contractI(-1)}, Vector: []float32{1, 0, 0, 0}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			batch := []Item{valid("z-new"), update, tc.bad}
			_, err := s.Upsert(ctx, batch)
			if err == nil {
				t.Fatal("Upsert with an invalid item succeeded")
			}
			if tc.mismatch && !errors.Is(err, ErrDimensionMismatch) {
				t.Errorf("error %v; want ErrDimensionMismatch", err)
			}
			if skus := contractListSKUs(t, s); !slices.Equal(skus, []string{"c-01", "c-02", "c-03", "c-04", "c-05", "c-06"}) {
				t.Errorf("after a failed Upsert the store holds %v", skus)
			}
			if p, _, _ := s.Get(ctx, "c-01"); p.Name != "モイストリップ" {
				t.Errorf("a failed Upsert renamed c-01 to %q", p.Name)
			}
		})
	}
}

func contractUpdateOffer(t *testing.T, s Store) {
	ctx := context.Background()
	contractLoad(t, s)
	q := []float32{1, 0, 0, 0}
	before, err := s.VectorSearch(ctx, q, 6, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	hashes, _ := s.TextHashes(ctx)

	tests := []struct {
		name  string
		sku   string
		offer Offer
		check func(p Product) bool
	}{
		{"price only", "c-01", Offer{Price: contractF(1100)}, func(p Product) bool {
			return p.Price == 1100 && p.SalePrice == nil && *p.Stock == 5
		}},
		{"sale and stock", "c-01", Offer{SalePrice: contractF(990), Stock: contractI(0)}, func(p Product) bool {
			return p.Price == 1100 && *p.SalePrice == 990 && *p.Stock == 0 && p.EffectivePrice() == 990
		}},
		{"sale 0 clears the sale", "c-02", Offer{SalePrice: contractF(0)}, func(p Product) bool {
			return p.SalePrice == nil && p.EffectivePrice() == 2000
		}},
		{"stock on a product with unknown stock", "c-03", Offer{Stock: contractI(3)}, func(p Product) bool {
			return *p.Stock == 3 && p.Price == 3000
		}},
		{"empty offer changes nothing", "c-04", Offer{}, func(p Product) bool {
			return p.Price == 500 && *p.Stock == 2
		}},
	}
	for _, tc := range tests {
		if err := s.UpdateOffer(ctx, tc.sku, tc.offer); err != nil {
			t.Errorf("%s: UpdateOffer: %v", tc.name, err)
			continue
		}
		p, ok, err := s.Get(ctx, tc.sku)
		if err != nil || !ok || !tc.check(p) {
			t.Errorf("%s: product after UpdateOffer = %+v (%v, %v)", tc.name, p, ok, err)
		}
	}
	if p, _, _ := s.Get(ctx, "c-01"); p.Name != "モイストリップ" || len(p.Attributes["色"]) != 2 {
		t.Errorf("UpdateOffer changed other fields: %+v", p)
	}

	// The vectors and hashes are untouched; the filters see the new offer.
	after, err := s.VectorSearch(ctx, q, 6, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(contractSKUs(before), contractSKUs(after)) {
		t.Errorf("ranking changed after UpdateOffer: %v → %v", contractSKUs(before), contractSKUs(after))
	}
	for i := range before {
		if math.Abs(before[i].Score-after[i].Score) > 1e-9 {
			t.Errorf("score of %s changed after UpdateOffer: %v → %v", before[i].Product.SKU, before[i].Score, after[i].Score)
		}
	}
	if h, _ := s.TextHashes(ctx); !reflect.DeepEqual(h, hashes) {
		t.Errorf("TextHashes changed after UpdateOffer: %v → %v", hashes, h)
	}
	inStock, err := s.VectorSearch(ctx, q, 6, Filter{InStockOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	// c-01 and c-02 are sold out now; c-03 got stock.
	if want := []string{"c-03", "c-06", "c-05", "c-04"}; !slices.Equal(contractSKUs(inStock), want) {
		t.Errorf("in-stock search after UpdateOffer = %v, want %v", contractSKUs(inStock), want)
	}
	cheap, err := s.VectorSearch(ctx, q, 6, Filter{MaxPrice: contractF(1000)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"c-01", "c-06", "c-05", "c-04"}; !slices.Equal(contractSKUs(cheap), want) {
		t.Errorf("max-price search after UpdateOffer = %v, want %v (c-01 is on sale at 990, c-02 back at 2000)", contractSKUs(cheap), want)
	}

	if err := s.UpdateOffer(ctx, "nope", Offer{Stock: contractI(1)}); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateOffer of an unknown SKU = %v; want ErrNotFound", err)
	}
	for _, bad := range []Offer{{Price: contractF(-5)}, {SalePrice: contractF(math.Inf(1))}, {Stock: contractI(-2)}} {
		if err := s.UpdateOffer(ctx, "c-04", bad); err == nil {
			t.Errorf("UpdateOffer(%+v) succeeded; want an error", bad)
		}
	}
	if p, _, _ := s.Get(ctx, "c-04"); p.Price != 500 || *p.Stock != 2 {
		t.Errorf("a refused UpdateOffer changed c-04: %+v", p)
	}
}

func contractDelete(t *testing.T, s Store) {
	ctx := context.Background()
	contractLoad(t, s)
	n, err := s.Delete(ctx, []string{"c-01", "nope", "c-01", "c-05"})
	if err != nil || n != 2 {
		t.Fatalf("Delete = %d, %v; want 2", n, err)
	}
	if _, ok, err := s.Get(ctx, "c-01"); ok || err != nil {
		t.Errorf("Get(c-01) after Delete = %v, %v", ok, err)
	}
	if skus := contractListSKUs(t, s); !slices.Equal(skus, []string{"c-02", "c-03", "c-04", "c-06"}) {
		t.Errorf("List after Delete = %v", skus)
	}
	if h, _ := s.TextHashes(ctx); len(h) != 4 || h["c-01"] != "" {
		t.Errorf("TextHashes after Delete = %v", h)
	}
	hits, err := s.VectorSearch(ctx, []float32{1, 0, 0, 0}, 10, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"c-02", "c-03", "c-06", "c-04"}; !slices.Equal(contractSKUs(hits), want) {
		t.Errorf("search after Delete = %v, want %v", contractSKUs(hits), want)
	}
	if n, err := s.Delete(ctx, nil); n != 0 || err != nil {
		t.Errorf("Delete(nil) = %d, %v", n, err)
	}
}

func contractGetList(t *testing.T, s Store) {
	ctx := context.Background()
	items := contractLoad(t, s)
	got, ok, err := s.Get(ctx, "c-01")
	if err != nil || !ok {
		t.Fatalf("Get(c-01) = %v, %v", ok, err)
	}
	if !reflect.DeepEqual(got, items[0].Product) {
		t.Errorf("Get(c-01) =\n%+v\nwant\n%+v", got, items[0].Product)
	}
	// Byte order of SKUs, whatever the database's collation.
	extra := []Item{
		{Product: Product{SKU: "b-1", Name: "b", Price: 1}, Vector: []float32{1, 1, 0, 0}},
		{Product: Product{SKU: "B-2", Name: "B", Price: 1}, Vector: []float32{1, 1, 1, 0}},
		{Product: Product{SKU: "あ-1", Name: "あ", Price: 1}, Vector: []float32{0, 1, 1, 0}},
		{Product: Product{SKU: "a-1", Name: "a", Price: 1}, Vector: []float32{0, 1, 1, 1}},
	}
	if _, err := s.Upsert(ctx, extra); err != nil {
		t.Fatal(err)
	}
	want := []string{"B-2", "a-1", "b-1", "c-01", "c-02", "c-03", "c-04", "c-05", "c-06", "あ-1"}
	if skus := contractListSKUs(t, s); !slices.Equal(skus, want) {
		t.Errorf("List order = %v, want %v", skus, want)
	}
	ps, _ := s.List(ctx)
	for i, it := range items {
		if !reflect.DeepEqual(ps[i+3], it.Product) {
			t.Errorf("List[%d] = %+v, want %+v", i+3, ps[i+3], it.Product)
		}
	}
	for _, sku := range []string{"C-01", "c-01 ", "", "c\x00", "\xff"} {
		if _, ok, err := s.Get(ctx, sku); ok || err != nil {
			t.Errorf("Get(%q) = %v, %v; want false, nil", sku, ok, err)
		}
	}
}

func contractTextHashes(t *testing.T, s Store) {
	ctx := context.Background()
	items := contractLoad(t, s)
	want := map[string]string{}
	for _, it := range items {
		want[it.Product.SKU] = it.TextHash
	}
	got, err := s.TextHashes(ctx)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("TextHashes = %v, %v; want %v", got, err, want)
	}
}

func contractSearchRanking(t *testing.T, s Store) {
	ctx := context.Background()
	items := contractLoad(t, s)
	vecs := map[string][]float32{}
	for _, it := range items {
		vecs[it.Product.SKU] = it.Vector
	}
	all := []string{"c-01", "c-02", "c-03", "c-06", "c-05", "c-04"}
	tests := []struct {
		name string
		q    []float32
		k    int
		want []string
	}{
		{"top 3", []float32{1, 0, 0, 0}, 3, all[:3]},
		{"top 1", []float32{1, 0, 0, 0}, 1, all[:1]},
		{"k larger than the store", []float32{1, 0, 0, 0}, 100, all},
		{"scale does not matter", []float32{7, 0, 0, 0}, 6, all},
		{"another direction", []float32{0, 0, 1, 0}, 2, []string{"c-05", "c-06"}},
	}
	for _, tc := range tests {
		hits, err := s.VectorSearch(ctx, tc.q, tc.k, Filter{})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(contractSKUs(hits), tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, contractSKUs(hits), tc.want)
		}
		for i, h := range hits {
			want := max(contractCosine(tc.q, vecs[h.Product.SKU]), 0)
			if math.Abs(h.Score-want) > 1e-4 || h.Score < 0 || h.Score > 1 {
				t.Errorf("%s: score of %s = %v, want cosine %v", tc.name, h.Product.SKU, h.Score, want)
			}
			if i > 0 && h.Score > hits[i-1].Score {
				t.Errorf("%s: hits not best first: %v", tc.name, hits)
			}
		}
	}
	if hits, err := s.VectorSearch(ctx, []float32{0, 0, 0, 0}, 3, Filter{}); err != nil || len(hits) != 0 {
		t.Errorf("search with a zero vector = %v, %v; want no hits and no error", contractSKUs(hits), err)
	}
	for _, k := range []int{0, -1} {
		if _, err := s.VectorSearch(ctx, []float32{1, 0, 0, 0}, k, Filter{}); err == nil {
			t.Errorf("VectorSearch with k=%d succeeded; want an error", k)
		}
	}
	if _, err := s.VectorSearch(ctx, []float32{1, float32(math.NaN()), 0, 0}, 3, Filter{}); err == nil {
		t.Error("VectorSearch with NaN in the query succeeded; want an error")
	}
}

func contractSearchFilters(t *testing.T, s Store) {
	ctx := context.Background()
	contractLoad(t, s)
	// Unfiltered order for the query: c-01 c-02 c-03 c-06 c-05 c-04.
	// Effective prices: c-01 1000, c-02 1500 (sale), c-03 3000, c-04 500, c-05 800, c-06 900 (sale).
	// Stock: c-02 sold out, c-03 unknown (counts as in stock).
	tests := []struct {
		name string
		f    Filter
		k    int
		want []string
	}{
		{"in stock", Filter{InStockOnly: true}, 10, []string{"c-01", "c-03", "c-06", "c-05", "c-04"}},
		{"category, folded", Filter{Category: "コスメ"}, 10, []string{"c-01", "c-02", "c-06"}},
		{"category in half-width kana", Filter{Category: "ｺｽﾒ"}, 10, []string{"c-01", "c-02", "c-06"}},
		{"category in another case", Filter{Category: "FASHION"}, 10, []string{"c-03", "c-04"}},
		{"unknown category", Filter{Category: "garden"}, 10, nil},
		{"min price on the effective price", Filter{MinPrice: contractF(1000)}, 10, []string{"c-01", "c-02", "c-03"}},
		{"max price on the effective price", Filter{MaxPrice: contractF(1500)}, 10, []string{"c-01", "c-02", "c-06", "c-05", "c-04"}},
		{"price range", Filter{MinPrice: contractF(800), MaxPrice: contractF(1000)}, 10, []string{"c-01", "c-06", "c-05"}},
		{"exclude skus", Filter{ExcludeSKUs: []string{"c-01", "c-06", "nope"}}, 10, []string{"c-02", "c-03", "c-05", "c-04"}},
		{"everything at once", Filter{InStockOnly: true, Category: "こすめ", MaxPrice: contractF(2000), ExcludeSKUs: []string{"c-01"}}, 10, []string{"c-06"}},
		{"k smaller than the matches", Filter{InStockOnly: true}, 2, []string{"c-01", "c-03"}},
	}
	for _, tc := range tests {
		hits, err := s.VectorSearch(ctx, []float32{1, 0, 0, 0}, tc.k, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := contractSKUs(hits); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// contractSearchFilteredK stores enough products that an approximate index may be used and checks
// that a narrow filter still yields k hits, the same ones an exact scan finds.
func contractSearchFilteredK(t *testing.T, s Store) {
	ctx := context.Background()
	const n, dim, k = 2000, 16, 10
	if err := s.SetEmbedding(ctx, "contract-test", dim); err != nil {
		t.Fatal(err)
	}
	data := contractClustered(n, dim, 20, 7)
	items := make([]Item, n)
	for i := range items {
		cat := "common"
		if i%50 == 0 { // 2% of the products
			cat = "rare"
		}
		items[i] = Item{Product: Product{SKU: contractSKU(i), Name: contractSKU(i), Category: cat, Price: float64(100 + i%900)}, Vector: data[i], TextHash: "h"}
	}
	if _, err := s.Upsert(ctx, items); err != nil {
		t.Fatal(err)
	}
	q := contractClustered(1, dim, 20, 99)[0]
	for _, f := range []Filter{{Category: "rare"}, {Category: "rare", MinPrice: contractF(300)}} {
		hits, err := s.VectorSearch(ctx, q, k, f)
		if err != nil {
			t.Fatal(err)
		}
		want := contractExactTopK(q, data, k, func(i int) bool {
			return items[i].Product.Category == "rare" && (f.MinPrice == nil || items[i].Product.Price >= *f.MinPrice)
		})
		if len(hits) != k {
			t.Errorf("filter %+v: %d hits, want %d", f, len(hits), k)
		}
		var wantSKUs []string
		for _, i := range want {
			wantSKUs = append(wantSKUs, contractSKU(i))
		}
		// The rare set is small: an exact answer is expected, not just a good recall.
		if !slices.Equal(contractSKUs(hits), wantSKUs) {
			t.Errorf("filter %+v: got %v, want %v", f, contractSKUs(hits), wantSKUs)
		}
	}
}

func contractClose(t *testing.T, s Store) {
	contractLoad(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := s.List(context.Background()); err == nil {
		t.Error("List after Close succeeded; want an error")
	}
	_ = s.Close() // a second Close must not panic
}

// contractClustered makes n unit vectors around clusters centres, deterministic per seed. The
// centres are themselves grouped (a tenth as many groups), as product embeddings are: lip liners sit
// near lipsticks, which sit nearer cosmetics than food. Such data is harder for an approximate index
// than uniform noise, where every neighbour is equally far, and its ranking past the nearest
// cluster still means something.
func contractClustered(n, dim, clusters int, seed uint64) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	// The centres come from a fixed seed so that data and queries made with different seeds share them.
	crng := rand.New(rand.NewPCG(1, 0xce47e))
	sigma := 1 / math.Sqrt(float64(dim)) // noise of about unit length
	around := func(r *rand.Rand, c []float64, scale float64) []float64 {
		v := make([]float64, dim)
		for d := range v {
			if c != nil {
				v[d] = c[d]
			}
			v[d] += scale * sigma * r.NormFloat64()
		}
		contractNormalize64(v)
		return v
	}
	groups := make([][]float64, max(1, clusters/10))
	for g := range groups {
		groups[g] = around(crng, nil, 1)
	}
	centres := make([][]float64, clusters)
	for c := range centres {
		// A cluster centre sits at cosine ≈ 0.8 from its group's.
		centres[c] = around(crng, groups[c%len(groups)], 0.75)
	}
	out := make([][]float32, n)
	for i := range out {
		// A point sits at cosine ≈ 0.7 from its cluster centre.
		v := around(rng, centres[rng.IntN(clusters)], 1)
		out[i] = make([]float32, dim)
		for d := range v {
			out[i][d] = float32(v[d])
		}
	}
	return out
}

func contractNormalize64(v []float64) {
	var s float64
	for _, x := range v {
		s += x * x
	}
	s = math.Sqrt(s)
	for i := range v {
		v[i] /= s
	}
}

func contractSKU(i int) string { return fmt.Sprintf("syn-%06d", i) }

// contractExactTopK is the brute-force answer: indexes of the k vectors nearest to q by cosine
// among those keep accepts, best first.
func contractExactTopK(q []float32, data [][]float32, k int, keep func(i int) bool) []int {
	type scored struct {
		i int
		s float64
	}
	var all []scored
	for i, v := range data {
		if keep != nil && !keep(i) {
			continue
		}
		all = append(all, scored{i, contractCosine(q, v)})
	}
	slices.SortFunc(all, func(a, b scored) int {
		if a.s != b.s {
			if a.s > b.s {
				return -1
			}
			return 1
		}
		return a.i - b.i
	})
	out := make([]int, 0, k)
	for _, s := range all[:min(k, len(all))] {
		out = append(out, s.i)
	}
	return out
}
