package textnorm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"しね", "しね"},
		{"シネ", "しね"},
		{"ｼﾈ", "しね"},
		{"し ね", "しね"},
		{"し\u200bね", "しね"},
		{"し・ね", "しね"},
		{"しーーね", "しね"},
		{"し〜ね", "しね"},
		{"しねぇぇぇ", "しねえ"},
		{"ばーーか", "ばか"},
		{"ｶﾞｰﾄﾞ", "がど"},
		{"自○", "自*"},
		{"自〇", "自*"},
		{"4ね", "しね"},
		{"9そ", "くそ"},
		{"あと4個", "あと4個"},
		{"k1ll", "kil"},
		{"sh!t", "shit"},
		{"$hit", "shit"},
		{"f u c k", "fuck"},
		{"f.u.c.k", "fuck"},
		{"fuuuuck", "fuck"},
		{"kill you", "kil you"},
		{"ＳＥＸ", "sex"},
		{"ѕех", "sex"}, // Cyrillic
		{"Fück", "fuck"},
		{"夕ヒね", "たひね"},
		{"口コミ", "ろこみ"},
		{"可愛いし、ねえ", "可愛いし ねえ"},
		{"iPhone 15", "iphone 15"},
		{"price: 3000円", "price 30円"},
		{"\u202eしね\u202c", "しね"},
		{"", ""},
		{"   ", ""},
		{"\xff\xfeしね", "しね"},
		{"か\u3099", "が"},
	}
	for _, tt := range tests {
		f := Normalize(tt.in)
		if got := f.Text(); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeSpans(t *testing.T) {
	tests := []struct {
		in, find string
		start    int
		end      int
	}{
		{"お前し ね", "しね", 2, 5},
		{"ｼﾈよ", "しね", 0, 2},
		{"あいうｶﾞｰﾄﾞ", "がど", 3, 8},
		{"x\xffし\u200bね", "しね", 2, 5},
		{"ok fuuuuck", "fuck", 3, 10},
		{"F U C K off", "fuck", 0, 7},
		{"今日は自○したい", "自*", 3, 5},
	}
	for _, tt := range tests {
		f := Normalize(tt.in)
		i := strings.Index(f.Text(), tt.find)
		if i < 0 {
			t.Errorf("%q: folded %q lacks %q", tt.in, f.Text(), tt.find)
			continue
		}
		s, e := f.Span(i, i+len(tt.find))
		if s != tt.start || e != tt.end {
			t.Errorf("%q: span of %q = [%d,%d), want [%d,%d)", tt.in, tt.find, s, e, tt.start, tt.end)
		}
	}
}

func TestNormalizeRunsAndFlags(t *testing.T) {
	f := Normalize("kiiilll")
	if f.Text() != "kil" || f.Run(1) != 3 || f.Run(2) != 3 {
		t.Errorf("runs of %q: %d %d", f.Text(), f.Run(1), f.Run(2))
	}
	f.Reset("4ね")
	if f.Flags(0, len(f.Bytes()))&FlagPun == 0 {
		t.Errorf("4ね: pun flag not set")
	}
	f.Reset("自○")
	if f.Flags(0, len(f.Bytes()))&FlagMask == 0 {
		t.Errorf("自○: mask flag not set")
	}
	f.Reset("ｈｔｔｐ：／／ｅｘａｍｐｌｅ．ｃｏｍ")
	if got := string(f.PlainBytes()); got != "http://example.com" {
		t.Errorf("plain = %q", got)
	}
	s, e := f.PlainSpan(7, 14)
	if s != 7 || e != 14 {
		t.Errorf("plain span [%d,%d)", s, e)
	}
}

func TestNormalizeReuseDoesNotAllocate(t *testing.T) {
	var f Folded
	msg := "今日のリップめっちゃ可愛い！ｼﾈとか言う人いる？ k1ll"
	f.Reset(msg)
	allocs := testing.AllocsPerRun(100, func() { f.Reset(msg) })
	if allocs != 0 {
		t.Errorf("Reset allocates %.1f times per call", allocs)
	}
}

func checkFolded(t *testing.T, s string, f *Folded) {
	t.Helper()
	n := utf8.RuneCountInString(s)
	if f.Runes() != n {
		t.Fatalf("%q: Runes() = %d, want %d", s, f.Runes(), n)
	}
	b := f.Bytes()
	if !utf8.Valid(b) {
		t.Fatalf("%q: folded text is not valid UTF-8: %q", s, b)
	}
	for i := range b {
		st, en := f.Span(i, i+1)
		if st < 0 || en > n || st >= en {
			t.Fatalf("%q: byte %d maps to bad span [%d,%d) of %d runes", s, i, st, en, n)
		}
		if i > 0 {
			if ps, _ := f.Span(i-1, i); ps > st {
				t.Fatalf("%q: spans go backwards at byte %d", s, i)
			}
		}
	}
	for i := range f.PlainBytes() {
		st, en := f.PlainSpan(i, i+1)
		if st < 0 || en > n || st >= en {
			t.Fatalf("%q: plain byte %d maps to bad span [%d,%d)", s, i, st, en)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"ｼﾈ", "し\u200bね", "自○", "4ね", "k1ll", "\xff\xfe", "ｶﾞｰﾄﾞ", "f u c k", "か\u3099\u3099", "\u202e"} {
		f.Add(s)
	}
	var fo Folded
	f.Fuzz(func(t *testing.T, s string) {
		fo.Reset(s)
		checkFolded(t, s, &fo)
	})
}

func BenchmarkNormalize(b *testing.B) {
	msgs := []string{
		"このリップの色味、ブルベでも似合いますか？教えてください！",
		"Does this come in a smaller size? I'm usually an XS",
		"ｼﾈｼﾈ、こんなの誰が買うんだよバカ",
	}
	var f Folded
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.Reset(msgs[i%len(msgs)])
	}
}
