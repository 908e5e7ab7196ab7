package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/livehost/livehost/textnorm"
	"golang.org/x/text/unicode/norm"
)

func TestParseLexicon(t *testing.T) {
	if len(loanwords) < 50 {
		t.Fatalf("embedded lexicon has %d entries", len(loanwords))
	}
	for i := 1; i < len(loanwords); i++ {
		if len(loanwords[i].en) > len(loanwords[i-1].en) {
			t.Fatalf("lexicon not longest first at %d", i)
		}
	}
	bad := []struct{ in, want string }{
		{"tumbler タンブラー\n", "line 1: want an English phrase"},
		{"# c\n\ntumbler\t\n", "line 3: no Japanese word"},
		{"\t\tタンブラー\n", "line 1: no English word"},
		{"ok\tオーケー\n- \tタ\n", "line 2: no English word"},
	}
	for _, b := range bad {
		if _, err := parseLexicon(strings.NewReader(b.in)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("parseLexicon(%q) = %v, want %q", b.in, err, b.want)
		}
	}
	lex, err := parseLexicon(strings.NewReader("hair iron\tヘアアイロン\n# x\nTowel\t タオル , バスタオル \n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lex) != 2 || strings.Join(lex[0].en, " ") != "hair iron" || strings.Join(lex[1].ja, ",") != "たおる,ばすたおる" {
		t.Fatalf("parsed %+v", lex)
	}
}

func TestTranslate(t *testing.T) {
	tests := []struct{ text, want string }{
		{"how much is the tumbler?", "たんぶらー"},
		{"do the Towels come in white?", "たおる"},
		{"does the hair iron work abroad", "へああいろん"}, // not also an "iron"
		{"is the T-shirt in stock", "tしゃつ"},          // not also a "shirt"
		{"any cutting boards?", "まな板"},
		{"jeans in W30?", "でにむ,じーんず"},
		{"green tea or rooibos tea?", "煎茶,緑茶,てぃー,煎茶,るいぼす"},
		{"how much is it?", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, tr := range translate(strings.ToLower(tt.text)) {
			got = append(got, tr.ja)
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("translate(%q) = %q, want %q", tt.text, strings.Join(got, ","), tt.want)
		}
	}
}

// TestEnglishNamesJapaneseProduct checks that English questions find products whose names are only
// in Japanese, and keep asking about the on-air product when the English noun is its own.
func TestEnglishNamesJapaneseProduct(t *testing.T) {
	eng := NewOffline(searcherFor(t, exampleCatalog), nil)
	tests := []struct {
		onAir, text, sku, intent, contains string
	}{
		{"LH-COS-001", "how much is the tumbler?", "LH-HOM-004", IntentPrice, "¥1,580"},
		{"LH-COS-001", "does the hair iron work abroad?", "LH-ELE-005", IntentCompatibility, "AC100〜240V"},
		{"LH-COS-001", "how big is the towel?", "LH-HOM-001", IntentSize, "60×120cm"},
		{"LH-COS-001", "what is the capacity of the tumbler?", "LH-HOM-004", IntentAttribute, "420mL"},
		{"LH-COS-001", "is the t-shirt in stock?", "LH-APP-005", IntentStock, "in stock"},
		{"LH-COS-001", "how much is the cutting board?", "LH-HOM-003", IntentPrice, "¥2,480"},
		{"LH-COS-001", "how much is the rooibos tea?", "LH-FOD-004", IntentPrice, "¥1,480"},
		{"LH-COS-001", "is the lip liner in stock?", "LH-COS-002", IntentStock, "in stock"},
		{"LH-COS-001", "how much is the power bank?", "LH-ELE-002", IntentPrice, "¥3,980"},
		{"LH-COS-001", "does the sunscreen have SPF?", "LH-SKN-001", IntentAttribute, "SPF50+"},
		{"LH-COS-001", "what's the warranty on the earbuds?", "LH-ELE-001", IntentAttribute, "1年"},
		{"LH-COS-001", "how long does the earphones battery last?", "LH-ELE-001", "", "本体8時間"},
		{"LH-COS-001", "what colors does the tumbler come in?", "LH-HOM-004", IntentColor, "マットブラック"},
		{"LH-COS-001", "how much is the diffuser?", "LH-HOM-002", IntentPrice, "¥"},
		{"LH-COS-001", "what is the mascara's price?", "LH-COS-008", IntentPrice, "¥1,650"},
		// The noun is the on-air product's own, or a cue for one of its attributes.
		{"LH-HOM-004", "how much is the tumbler?", "LH-HOM-004", IntentPrice, "¥1,580"},
		{"LH-ELE-001", "how long does the battery last?", "LH-ELE-001", "", "本体8時間"},
		{"LH-COS-005", "how much is this lipstick?", "LH-COS-005", IntentPrice, "¥1,936"},
	}
	for _, tt := range tests {
		res, err := eng.Answer(context.Background(), Request{Text: tt.text, OnAir: tt.onAir})
		if err != nil {
			t.Fatalf("%q: %v", tt.text, err)
		}
		if res.SKU != tt.sku || (tt.intent != "" && res.Intent != tt.intent) || !strings.Contains(res.Answer, tt.contains) {
			t.Errorf("%q on air %s: sku %q intent %q answer %q; want %s, %q, containing %q", tt.text, tt.onAir, res.SKU, res.Intent, res.Answer, tt.sku, tt.intent, tt.contains)
		}
	}
}

// TestEnglishColorNames checks that an English color name finds the Japanese attribute value and
// that color words never name another product.
func TestEnglishColorNames(t *testing.T) {
	if len(colorWords) < 20 {
		t.Fatalf("embedded color lexicon has %d entries", len(colorWords))
	}
	eng := NewOffline(searcherFor(t, exampleCatalog), nil)
	tests := []struct{ onAir, text, sku, intent, contains string }{
		{"LH-APP-008", "do you have it in khaki?", "LH-APP-008", IntentColor, "Yes, 撥水 マウンテンパーカー ネイビー comes in カーキ"},
		{"LH-APP-005", "do you have it in gray?", "LH-APP-005", IntentColor, "comes in グレー"},
		{"LH-ELE-001", "is there a white one?", "LH-ELE-001", IntentColor, "comes in ホワイト"},
		{"LH-APP-008", "do you have it in black?", "LH-APP-008", IntentColor, "navy, khaki (ネイビー・カーキ)."},
		{"LH-APP-008", "do you have it in pink?", "LH-APP-008", IntentColor, "navy, khaki (ネイビー・カーキ)."},
	}
	for _, tt := range tests {
		res, err := eng.Answer(context.Background(), Request{Text: tt.text, OnAir: tt.onAir})
		if err != nil {
			t.Fatal(err)
		}
		if res.SKU != tt.sku || res.Intent != tt.intent || !strings.Contains(res.Answer, tt.contains) {
			t.Errorf("%q on air %s: sku %q intent %q answer %q; want %s %s containing %q", tt.text, tt.onAir, res.SKU, res.Intent, res.Answer, tt.sku, tt.intent, tt.contains)
		}
	}
	if got := withColorWords("ネイビーある?"); got != "ネイビーある?" {
		t.Errorf("withColorWords changed Japanese text: %q", got)
	}
}

func FuzzParseLexicon(f *testing.F) {
	f.Add(loanwordsTSV)
	f.Add("a\tア\n#\n\t\n")
	f.Add("t-shirt\tTシャツ,,\n")
	f.Fuzz(func(t *testing.T, s string) {
		lex, err := parseLexicon(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, lw := range lex {
			if len(lw.en) == 0 || len(lw.ja) == 0 {
				t.Fatalf("entry without words: %+v", lw)
			}
		}
	})
}

// FuzzNameWords runs the name normalizers of product resolution (cutting a named product out of a
// message, hiragana words, English loanwords) on any text; none may panic or grow the message.
func FuzzNameWords(f *testing.F) {
	s := searcherFor(f, exampleCatalog)
	p, _, err := s.Get(context.Background(), "LH-ELE-002")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{"モバイルバッテリーの保証は？", "もこもこのやつある？", "ごみ箱ありますか", "how much is the T-shirt?", "ﾓﾊﾞｲﾙﾊﾞｯﾃﾘｰ", "\xff\xfe", "ｶﾞｷﾞｸﾞ"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		out := withoutName(text, &p)
		nf := norm.NFKC.String(text)
		if n, m := len([]rune(out)), max(len([]rune(nf)), len([]rune(textnorm.Fold(nf)))); n > m {
			t.Fatalf("withoutName(%q) = %q grew", text, out)
		}
		for _, w := range hiraganaWords(text) {
			if w.text == "" {
				t.Fatalf("hiraganaWords(%q): empty word", text)
			}
		}
		translate(text)
		withColorWords(text)
	})
}
