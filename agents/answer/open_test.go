package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/livehost/livehost/catalog"
)

// TestOpenAnswer: any attribute name and any description sentence answers; yes/no only from what
// the value says; nothing when the page does not say.
func TestOpenAnswer(t *testing.T) {
	p := catalog.Product{SKU: "P1", Name: "三層ステンレス 両手鍋 20cm",
		Description: "三層構造で熱が均一に伝わる両手鍋。ガラス蓋付きで中の様子が見えます。",
		Attributes: map[string][]string{"容量": {"3.2L"}, "対応熱源": {"IH", "ガス火"}, "オーブン使用": {"可"}, "食洗機": {"不可"},
			"耐荷重": {"100kg"}, "重さ": {"1.4kg"}}}
	for _, tc := range []struct {
		q, field, value string
		polarity        int
		ok              bool
	}{
		{"耐荷重は何キロ？", "耐荷重", "100kg", 0, true},
		{"何リットル入る？", "容量", "3.2L", 0, true},
		{"IHで使えますか？", "対応熱源", "IH・ガス火", 1, true},
		{"オーブンで使えますか？", "オーブン使用", "可", 1, true},
		{"食洗機で洗える？", "食洗機", "不可", -1, true},
		{"蓋はガラスですか？", "description", "ガラス蓋付きで中の様子が見えます。", 0, true},
		{"Can I use it in the oven?", "オーブン使用", "可", 1, true},
		{"焦げ付きにくい加工ですか？", "", "", 0, false},
		{"カゴは付けられますか？", "", "", 0, false},
	} {
		lang := detectLang(tc.q)
		got, ok := openAnswer(tc.q, &p, lang)
		if ok != tc.ok || (ok && (got.field != tc.field || got.value != tc.value || got.polarity != tc.polarity)) {
			t.Errorf("%q: got %q=%q polarity %d ok %v; want %q=%q polarity %d ok %v", tc.q, got.field, got.value, got.polarity, ok, tc.field, tc.value, tc.polarity, tc.ok)
		}
	}
}

// TestEnglishValue: a value the glossary knows reads in English with the catalog's words after it.
func TestEnglishValue(t *testing.T) {
	for in, want := range map[string]string{
		"マットブラック・オリーブ": "matte black, olive (マットブラック・オリーブ)",
		"不可":           "no (不可)",
		"IH・ガス火":       "IH, gas (IH・ガス火)", // IH is not in the glossary: that item stays as written
		"ステンレス":        "stainless steel (ステンレス)",
	} {
		if got := englishValue(in); got != want {
			t.Errorf("englishValue(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpenAnswerEngine: the engine answers an unmapped attribute with intent attribute and a fact
// naming the field, and a yes/no from the value.
func TestOpenAnswerEngine(t *testing.T) {
	ctx := context.Background()
	ps := []catalog.Product{{SKU: "B1", Name: "シティクロス 700C クロスバイク", Price: 39800, Currency: "JPY",
		Description: "前後に泥よけを装着できるダボ穴付き。",
		Attributes:  map[string][]string{"耐荷重": {"100kg"}, "付属品": {"LEDライト", "ベル"}}},
		{SKU: "F1", Name: "リキッドファンデーション ライトベージュ", Price: 3300, Currency: "JPY"}}
	s, err := catalog.NewMemorySearcher(ctx, ps, catalog.NewHashEmbedder(64))
	if err != nil {
		t.Fatal(err)
	}
	eng := NewOffline(s, nil)
	for _, tc := range []struct{ q, intent, field, contains string }{
		{"耐荷重は？", IntentAttribute, "耐荷重", "100kg"},
		{"ライトは付いてますか？", IntentAttribute, "付属品", "はい"},
		{"泥よけは付けられますか？", IntentAttribute, "description", "ダボ穴"},
	} {
		res, err := eng.Answer(ctx, Request{Text: tc.q, OnAir: "B1"})
		if err != nil {
			t.Fatal(err)
		}
		if res.SKU != "B1" || res.Intent != tc.intent || len(res.Facts) == 0 || res.Facts[0].Field != tc.field || !strings.Contains(res.Answer, tc.contains) {
			t.Errorf("%q: %+v; want B1, %s, fact %s, containing %q", tc.q, res, tc.intent, tc.field, tc.contains)
		}
	}
}

// TestRelatedNounResolves: 「替えの刃」「交換用のフィルター」 name the related part, not the product on air.
func TestRelatedNounResolves(t *testing.T) {
	ctx := context.Background()
	ps := []catalog.Product{
		{SKU: "S1", Name: "電動シェーバー スムースZ", Price: 15800, Currency: "JPY", Related: []string{"S2"},
			Attributes: map[string][]string{"替え刃": {"別売（スムースZ 替え刃セット）"}}},
		{SKU: "S2", Name: "スムースZ 替え刃セット", Price: 2980, Currency: "JPY", Related: []string{"S1"}},
		{SKU: "C1", Name: "ハンディクリーナー HC-5", Price: 12800, Currency: "JPY", Related: []string{"C2"}},
		{SKU: "C2", Name: "HC-5用 交換フィルター", Price: 1200, Currency: "JPY", Related: []string{"C1"}},
	}
	s, err := catalog.NewMemorySearcher(ctx, ps, catalog.NewHashEmbedder(64))
	if err != nil {
		t.Fatal(err)
	}
	eng := NewOffline(s, nil)
	for _, tc := range []struct{ onAir, q, sku, contains string }{
		{"S1", "替えの刃はいくら？", "S2", "2,980"},
		{"S1", "替え刃はいくら？", "S2", "2,980"},
		{"C1", "交換用のフィルターっていくら？", "C2", "1,200"},
		{"S1", "いくらですか？", "S1", "15,800"},
	} {
		res, err := eng.Answer(ctx, Request{Text: tc.q, OnAir: tc.onAir})
		if err != nil {
			t.Fatal(err)
		}
		if res.SKU != tc.sku || !strings.Contains(res.Answer, tc.contains) {
			t.Errorf("%q on %s: %s %q; want %s containing %q", tc.q, tc.onAir, res.SKU, res.Answer, tc.sku, tc.contains)
		}
	}
}
