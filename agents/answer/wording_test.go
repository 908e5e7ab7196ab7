package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/livehost/livehost/catalog"
)

// TestAnswersReadNaturally renders every offline template through real questions of every intent
// about every product of the example catalog, in both languages, and checks the joins a template
// can get wrong when a value is already a sentence (「…してください。です！」) or empty.
func TestAnswersReadNaturally(t *testing.T) {
	rr, err := catalog.ReadFile(exampleCatalog, "")
	if err != nil {
		t.Fatal(err)
	}
	eng := NewOffline(searcherFor(t, exampleCatalog), nil)
	questions := map[string][]string{
		"ja": {"いくら？", "在庫ある？", "サイズは？", "何色ありますか？", "素材は？", "重さは？", "使い方は？", "成分は？", "iPhoneで使える？",
			"容量は？", "賞味期限は？", "保存方法は？", "産地は？", "保証は？", "香りは？", "お手入れは？", "肌質は？", "SPFは？",
			"バッテリーは何時間？", "ピンクありますか", "XLありますか", "送料は？", "返品できる？", "リップライナーと比べてどう？", "次の配信はいつ？"},
		"en": {"how much is it?", "is it in stock?", "what sizes?", "what colors does it come in?", "what is it made of?",
			"how heavy is it?", "how do I use it?", "what are the ingredients?", "does it work with iPhone?", "what is the capacity?",
			"what is the shelf life?", "how should I store it?", "what's the warranty?", "how long does the battery last?",
			"do you have it in pink?", "how much is shipping?", "can I return it?", "how does it compare to the lip liner?"},
	}
	bad := map[string][]string{
		"ja": {"。です", "！です", "ですです", "ます。です", "。。", "！！", "は。", "のは、。", "「」", "の。", "はです", "<no value>", "  "},
		"en": {"..", "。.", " .", ": .", "of :", "<no value>", "  ", "The  "},
	}
	n := 0
	for _, p := range rr.Products {
		for lang, qs := range questions {
			for _, q := range qs {
				res, err := eng.Answer(context.Background(), Request{Text: q, OnAir: p.SKU})
				if err != nil {
					t.Fatalf("%s %q: %v", p.SKU, q, err)
				}
				if !res.IsQuestion {
					continue
				}
				n++
				a := res.Answer
				if a == "" {
					t.Errorf("%s %q: empty answer", p.SKU, q)
					continue
				}
				for _, b := range bad[lang] {
					if strings.Contains(a, b) {
						t.Errorf("%s %q: answer %q contains %q", p.SKU, q, a, b)
					}
				}
				last := []rune(a)[len([]rune(a))-1]
				if !strings.ContainsRune("！。）」!.)", last) {
					t.Errorf("%s %q: answer %q ends with %q", p.SKU, q, a, last)
				}
			}
		}
	}
	if n < len(rr.Products)*30 {
		t.Fatalf("only %d answers rendered", n)
	}
}
