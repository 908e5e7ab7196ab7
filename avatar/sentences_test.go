package avatar

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSentences(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"こんにちは。今日はリップです！", []string{"こんにちは。", "今日はリップです！"}},
		{"税込1,580円（セール中。通常1,980円）です！！次へ", []string{"税込1,580円（セール中。通常1,980円）です！！", "次へ"}},
		{"It is ¥1,580. Only 3.5 g? Yes", []string{"It is ¥1,580.", "Only 3.5 g?", "Yes"}},
		{"一行目\n二行目", []string{"一行目", "二行目"}},
		{"  ", nil},
		{"「消えます。」と言う", []string{"「消えます。」と言う"}},
	} {
		got := Sentences(tc.in)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Sentences(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzSentences(f *testing.F) {
	f.Add("こんにちは。（括弧。）です！x. y")
	f.Add("）））「「。")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		got := Sentences(s)
		// Nothing but white space is lost or added.
		if strings.Join(strings.Fields(strings.Join(got, "")), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("Sentences(%q) = %q loses or adds text", s, got)
		}
		for _, x := range got {
			if strings.TrimSpace(x) == "" {
				t.Fatalf("empty sentence in %q", got)
			}
		}
	})
}

func TestClauses(t *testing.T) {
	for _, tc := range []struct {
		in, lang string
		want     []string
	}{
		{"こんにちは。", "ja", []string{"こんにちは。"}},
		{"気になるお値段は、税込1,580円（セール中・通常1,980円）です。", "ja", []string{"気になるお値段は、", "税込1,580円（セール中・通常1,980円）です。"}},
		{"軽いつけ心地で、乾燥しにくく、色もちがよい、毎日使いやすいリップです。", "ja", []string{"軽いつけ心地で、", "乾燥しにくく、", "色もちがよい、", "毎日使いやすい", "リップです。"}},
		{"唇の体温でじゅわっと発色する水ツヤ系リップティント。", "ja", []string{"唇の体温でじゅわっと", "発色する", "水ツヤ系リップティント。"}},
		{"「ああ、いい、そう、これです、これ」と言う方が多い商品なんですよ。", "ja", []string{"「ああ、いい、そう、これです、これ」と", "言う方が多い", "商品なんですよ。"}},
		{"It is ¥1,580, and it stays on for hours, even through lunch and coffee.", "en", []string{"It is ¥1,580, and it stays on for hours,", "even through lunch and coffee."}},
		{"うるツヤ リップティント 03 ローズピンクは、税込1,580円です。", "ja", []string{"うるツヤ リップティント", "03 ローズピンクは、", "税込1,580円です。"}},
		{"保湿成分ヒアルロン酸Na配合で、色もちが良く、", "ja", []string{"保湿成分ヒアルロン酸", "Na配合で、", "色もちが良く、"}},
		{"ヒアルロン酸ナトリウム配合のリップ", "ja", []string{"ヒアルロン酸", "ナトリウム配合のリップ"}},
		{"  ", "ja", nil},
	} {
		got := Clauses(tc.in, tc.lang)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Clauses(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzClauses(f *testing.F) {
	f.Add("軽いつけ心地で、乾燥しにくく、色もちがよい、毎日使いやすいリップです。", "ja")
	f.Add("It is ¥1,580, and it stays on for hours, even through lunch and coffee.", "en")
	f.Add("（、、、）、、", "ja")
	f.Fuzz(func(t *testing.T, s, lang string) {
		if !utf8.ValidString(s) {
			return
		}
		got := Clauses(s, lang)
		if strings.Join(strings.Fields(strings.Join(got, "")), "") != strings.Join(strings.Fields(s), "") {
			t.Fatalf("Clauses(%q) = %q loses or adds text", s, got)
		}
		for _, x := range got {
			if strings.TrimSpace(x) == "" {
				t.Fatalf("empty clause in %q", got)
			}
		}
	})
}
