package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/livehost/livehost/catalog"
)

func TestHiraganaWords(t *testing.T) {
	tests := []struct{ text, want string }{
		{"もこもこの色は？", "もこもこ"},
		{"もこもこはいくら？", "もこもこ"},
		{"はちみつのやつ在庫ある？", "はちみつ"},
		{"とろけるやついくら？", "とろける"},
		{"これはいくら", ""},
		{"かわいいのはどれ？", ""},
		{"おすすめの使い方は？", ""},
		{"まだありますか", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, w := range hiraganaWords(tt.text) {
			got = append(got, w.text)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("hiraganaWords(%q) = %q, want %q", tt.text, strings.Join(got, " "), tt.want)
		}
	}
}

// TestHiraganaNames checks that products whose names are (partly) hiragana are recognized when a
// viewer names them, in the example catalog and in one with hiragana-only names.
func TestHiraganaNames(t *testing.T) {
	stock := func(n int) *int { return &n }
	own := []catalog.Product{
		{SKU: "GOMI-1", Name: "ふた付き ごみ箱 45L", Category: "日用品", Price: 2980, Currency: "JPY", Stock: stock(5),
			Attributes: map[string][]string{"capacity": {"45L"}, "material": {"ポリプロピレン"}}},
		{SKU: "ONI-1", Name: "おにぎりケース 2個入", Category: "キッチン", Price: 880, Currency: "JPY", Stock: stock(9),
			Attributes: map[string][]string{"material": {"ポリエチレン"}}},
		{SKU: "TINT-1", Name: "ジューシーリップティント", Category: "コスメ", Price: 1980, Currency: "JPY", Stock: stock(3),
			Attributes: map[string][]string{"color": {"ピンク"}}},
	}
	ownS, err := catalog.NewMemorySearcher(context.Background(), own, catalog.NewHashEmbedder(256))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		s                 Searcher
		onAir, text       string
		sku, wantInAnswer string
	}{
		{searcherFor(t, exampleCatalog), "LH-COS-001", "もこもこはいくら？", "LH-HOM-005", "1,290円"},
		{searcherFor(t, exampleCatalog), "LH-APP-001", "もこもこの色は？", "LH-HOM-005", "アイボリー"},
		{searcherFor(t, exampleCatalog), "LH-COS-001", "はちみつのやつ在庫ある？", "LH-COS-003", "在庫切れ"},
		{searcherFor(t, exampleCatalog), "LH-COS-001", "とろけるやついくら？", "LH-SKN-007", "2,200円"},
		{searcherFor(t, exampleCatalog), "LH-COS-001", "これはいくら？", "LH-COS-001", "1,580円"},
		{ownS, "TINT-1", "ごみ箱ありますか", "GOMI-1", "在庫"},
		{ownS, "TINT-1", "ごみ箱の容量は？", "GOMI-1", "45L"},
		{ownS, "TINT-1", "おにぎりケースの素材は？", "ONI-1", "ポリエチレン"},
		{ownS, "TINT-1", "おにぎりのやついくら？", "ONI-1", "880円"},
		{ownS, "TINT-1", "ピンクありますか", "TINT-1", "ピンク"},
	}
	for _, tt := range tests {
		res, err := NewOffline(tt.s, nil).Answer(context.Background(), Request{Text: tt.text, OnAir: tt.onAir})
		if err != nil {
			t.Fatal(err)
		}
		if res.SKU != tt.sku || !strings.Contains(res.Answer, tt.wantInAnswer) {
			t.Errorf("%q on air %s: sku %q answer %q; want %s containing %q", tt.text, tt.onAir, res.SKU, res.Answer, tt.sku, tt.wantInAnswer)
		}
	}
}
