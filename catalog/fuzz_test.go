package catalog

import (
	"math"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkRead is what every importer promises for any input: no panic, valid products, and
// rejections that say where and why in valid UTF-8.
func checkRead(t *testing.T, format Format, data string) {
	res, err := Read(strings.NewReader(data), "fuzz", format)
	if err != nil {
		return // an unreadable header is an error, not a panic
	}
	seen := map[string]bool{}
	for _, p := range res.Products {
		if strings.TrimSpace(p.SKU) == "" || p.Name == "" || !utf8.ValidString(p.SKU) || !utf8.ValidString(p.Name) || !utf8.ValidString(p.Description) {
			t.Fatalf("invalid product %+v", p)
		}
		if seen[p.SKU] {
			t.Fatalf("duplicate sku %q in products", p.SKU)
		}
		seen[p.SKU] = true
		if p.Price < 0 || math.IsNaN(p.Price) || math.IsInf(p.Price, 0) {
			t.Fatalf("bad price in %+v", p)
		}
		if p.SalePrice != nil && (*p.SalePrice <= 0 || math.IsNaN(*p.SalePrice)) {
			t.Fatalf("bad sale price in %+v", p)
		}
		if p.Stock != nil && *p.Stock < 0 {
			t.Fatalf("bad stock in %+v", p)
		}
		if p.Currency == "" {
			t.Fatalf("no currency in %+v", p)
		}
	}
	for _, r := range res.Rejects {
		if r.Line <= 0 || r.Reason == "" || !utf8.ValidString(r.String()) {
			t.Fatalf("bad reject %#v", r)
		}
	}
}

func seedFile(f *testing.F, path string) {
	if b, err := os.ReadFile(path); err == nil {
		f.Add(string(b))
	}
}

func FuzzReadJSONL(f *testing.F) {
	seedFile(f, "../examples/catalog.jsonl")
	f.Add(`{"sku":"a","name":"b","price":"1,980","attributes":{"色":["赤",1,null]},"x":[true]}`)
	f.Add("{\"sku\":\"\xff\"}\n\n{")
	f.Fuzz(func(t *testing.T, data string) { checkRead(t, FormatJSONL, data) })
}

func FuzzReadCSV(f *testing.F) {
	seedFile(f, "../examples/catalog.csv")
	f.Add("sku,name,price,attr:色\na,\"b\"\"c\",1|2,赤|青\n")
	f.Add("\ufeffsku,name,price\n\"a,b\n")
	f.Fuzz(func(t *testing.T, data string) { checkRead(t, FormatCSV, data) })
}

func FuzzReadShopify(f *testing.F) {
	seedFile(f, "../examples/shopify.csv")
	f.Add("Handle,Title,Variant Price,Variant Compare At Price,Variant Inventory Qty,Option1 Name,Option1 Value,Body (HTML)\na,A,100,200,-5,Size,S,<p>x<script>\n")
	f.Fuzz(func(t *testing.T, data string) { checkRead(t, FormatShopify, data) })
}

func FuzzHashEmbedder(f *testing.F) {
	for _, s := range []string{"ﾘｯﾌﾟ", "黒いデニム", "", "★", "SPF50+ PA++++", "化粧水\nlotion"} {
		f.Add(s)
	}
	e := NewHashEmbedder(64)
	f.Fuzz(func(t *testing.T, s string) {
		v := e.EmbedOne(s)
		var n float64
		for _, x := range v {
			if math.IsNaN(float64(x)) {
				t.Fatalf("NaN in the embedding of %q", s)
			}
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-3 {
			t.Fatalf("embedding of %q has norm² %v, want 1", s, n)
		}
	})
}
