package answer

import (
	"context"
	"strings"
	"testing"
)

// TestOtherProductField checks that a question naming a product other than the one on air and
// asking for one of its fields is answered with that field of the named product, not its price,
// and that catalog attributes without an intent of their own (shelf_life, storage, origin, …) are
// found by their Japanese and English cue words.
func TestOtherProductField(t *testing.T) {
	eng := NewOffline(searcherFor(t, exampleCatalog), nil)
	tests := []struct {
		onAir, text string
		sku, field  string
		contains    string
	}{
		// Another product named, a field asked.
		{"LH-COS-001", "北海道ミルクバターサンドの賞味期限は？", "LH-FOD-001", "shelf_life", "製造から60日"},
		{"LH-COS-001", "明太子の賞味期限は？", "LH-FOD-005", "shelf_life", "冷凍で90日"},
		{"LH-COS-001", "明太子の消費期限って？", "LH-FOD-005", "shelf_life", "冷凍で90日"},
		{"LH-COS-001", "タンブラーの容量どのくらい？", "LH-HOM-004", "capacity", "420mL"},
		{"LH-COS-001", "ディフューザーの内容量は？", "LH-HOM-002", "capacity", "300mL"},
		{"LH-COS-001", "モバイルバッテリーの保証は？", "LH-ELE-002", "warranty", "1年"},
		{"LH-COS-001", "イヤホンのバッテリーはどのくらい持つ？", "LH-ELE-001", "battery", "本体8時間"},
		{"LH-COS-001", "ハンディファンは何時間使える？", "LH-ELE-004", "battery", "最大8時間"},
		{"LH-COS-001", "日焼け止めミルクのSPFは？", "LH-SKN-001", "spf", "SPF50+"},
		{"LH-COS-001", "ニットカーディガンのお手入れ方法は？", "LH-APP-006", "care", "手洗い可"},
		{"LH-COS-001", "明太子の保存方法は？", "LH-FOD-005", "storage", "要冷凍"},
		{"LH-COS-001", "煎茶の産地は？", "LH-FOD-002", "origin", "静岡県"},
		{"LH-COS-001", "ルイボスティーの原産国は？", "LH-FOD-004", "origin", "南アフリカ"},
		{"LH-COS-001", "ディフューザーの重さは？", "LH-HOM-002", "weight", "420g"},
		{"LH-COS-001", "まな板の素材は？", "LH-HOM-003", "material", "竹"},
		{"LH-COS-001", "ストレートデニムのシルエットは？", "LH-APP-002", "fit", "ストレート"},
		{"LH-COS-001", "はちみつリップバームの香りは？", "LH-COS-003", "scent", "無香料"},
		{"LH-COS-001", "美容液の肌質は？", "LH-SKN-004", "skin_type", "敏感肌"},
		// The named product's own words are not cues: バッテリー in モバイルバッテリー, 保存 in 保存容器.
		{"LH-COS-001", "モバイルバッテリーの重さは？", "LH-ELE-002", "weight", "180g"},
		{"LH-COS-001", "保存容器の素材は？", "LH-HOM-006", "material", "耐熱ガラス"},
		// Naming a product and asking nothing more is still its price.
		{"LH-COS-001", "リップライナーは？", "LH-COS-002", "price", "1,320円"},
		{"LH-COS-001", "マスカラいくら？", "LH-COS-008", "price", "1,650円"},
		// On air, by cue word.
		{"LH-FOD-001", "保存方法は？", "LH-FOD-001", "storage", "直射日光"},
		{"LH-FOD-002", "産地はどこ？", "LH-FOD-002", "origin", "静岡県"},
		{"LH-APP-001", "洗濯できますか", "LH-APP-001", "care", "洗濯機可"},
		{"LH-ELE-005", "保証期間は？", "LH-ELE-005", "warranty", "1年"},
		{"LH-SKN-002", "SPFいくつ？", "LH-SKN-002", "spf", "SPF50+"},
		{"LH-SKN-003", "どんな肌質向け？", "LH-SKN-003", "skin_type", "乾燥肌"},
		{"LH-FOD-005", "how should I store it?", "LH-FOD-005", "storage", "要冷凍"},
		{"LH-FOD-001", "what is the shelf life?", "LH-FOD-001", "shelf_life", "製造から60日"},
		{"LH-ELE-001", "how long does the battery last?", "LH-ELE-001", "battery", "本体8時間"},
		{"LH-ELE-002", "what's the warranty?", "LH-ELE-002", "warranty", "1年"},
		{"LH-HOM-004", "what is the capacity?", "LH-HOM-004", "capacity", "420mL"},
	}
	for _, tt := range tests {
		res, err := eng.Answer(context.Background(), Request{Text: tt.text, OnAir: tt.onAir})
		if err != nil {
			t.Fatalf("%q: %v", tt.text, err)
		}
		if res.SKU != tt.sku {
			t.Errorf("%q on air %s: sku %q, want %q (%s)", tt.text, tt.onAir, res.SKU, tt.sku, res.Answer)
			continue
		}
		found := false
		for _, f := range res.Facts {
			found = found || f.Field == tt.field
		}
		if !found {
			t.Errorf("%q: facts %v lack %s (%s)", tt.text, res.Facts, tt.field, res.Answer)
		}
		if !strings.Contains(res.Answer, tt.contains) {
			t.Errorf("%q: answer %q lacks %q", tt.text, res.Answer, tt.contains)
		}
	}
}

func TestWithoutName(t *testing.T) {
	s := searcherFor(t, exampleCatalog)
	tests := []struct{ sku, text, want string }{
		{"LH-ELE-002", "モバイルバッテリーの保証は？", " の保証は?"},
		{"LH-COS-008", "マスカラいくら？", " いくら?"},
		{"LH-HOM-006", "保存容器の保存方法は？", " の保存方法は?"},
		{"LH-FOD-002", "煎茶の産地は？", " の産地は?"},
		// English words whose Japanese translation is in the name named it.
		{"LH-HOM-004", "what is the capacity of the tumbler?", "what is the capacity of the  ?"},
		{"LH-FOD-002", "Where is the Green Tea from?", "Where is the     from?"},
		{"LH-HOM-004", "does it come in green?", "does it come in green?"},
	}
	for _, tt := range tests {
		p, ok, err := s.Get(context.Background(), tt.sku)
		if err != nil || !ok {
			t.Fatalf("get %s: %v %v", tt.sku, ok, err)
		}
		if got := withoutName(tt.text, &p); got != tt.want {
			t.Errorf("withoutName(%q, %s) = %q, want %q", tt.text, tt.sku, got, tt.want)
		}
	}
}
