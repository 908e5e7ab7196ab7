package answer

import (
	"context"
	"testing"
)

// TestResolveTieBySearchRank: products a message names equally well by name runs (every denim
// for 「デニム」) are told apart by the hybrid search of the whole message, which weighs the
// words the residue drops, such as a color adjective.
func TestResolveTieBySearchRank(t *testing.T) {
	s := searcherFor(t, exampleCatalog)
	tests := []struct{ text, onAir, want string }{
		{"黒いデニムの値段は？", "LH-COS-001", "LH-APP-001"},
		{"黒いデニムある？", "LH-COS-001", "LH-APP-001"},
		{"インディゴのデニムはいくら？", "LH-COS-001", "LH-APP-002"},
		{"イヤホンのバッテリーはどのくらい持つ？", "LH-COS-001", "LH-ELE-001"},
	}
	o := NewOffline(s, nil)
	for _, tt := range tests {
		res, err := o.Answer(context.Background(), Request{Text: tt.text, OnAir: tt.onAir})
		if err != nil {
			t.Fatal(err)
		}
		if res.SKU != tt.want {
			t.Errorf("%q on air %s: sku %q, want %q (%s)", tt.text, tt.onAir, res.SKU, tt.want, res.Answer)
		}
	}
}
