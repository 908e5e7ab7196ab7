package script

import (
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

var (
	kagomeOnce sync.Once
	kagome     *tokenizer.Tokenizer
)

// kagomeReader is the Reader a server builds on its shared tokenizer.
func kagomeReader(t *testing.T) Reader {
	t.Helper()
	kagomeOnce.Do(func() {
		tok, err := tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
		if err != nil {
			t.Fatal(err)
		}
		kagome = tok
	})
	return func(text string) []Word {
		var out []Word
		for _, tk := range kagome.Tokenize(text) {
			start := utf8.RuneCountInString(text[:tk.Position])
			w := Word{Start: start, End: start + utf8.RuneCountInString(tk.Surface)}
			if r, ok := tk.Reading(); ok && r != "*" {
				w.Reading = r
			}
			out = append(out, w)
		}
		return out
	}
}

// TestFollowerReadings: speech-to-text writes in kana what the script has in kanji (and the other
// way round); with readings the place still moves.
func TestFollowerReadings(t *testing.T) {
	script := "皆さんこんばんは。\n唇の体温で発色して、艶が長持ちします。\n今夜十二時までなので、お見逃しなく。"
	spoken := []struct {
		text string
		line int
	}{
		{"みなさんこんばんは", 0},
		{"くちびるのたいおんではっしょくしてつやがながもちします", 1},
		{"今夜12時までなのでお見のがしなく", 2},
	}
	plain := NewFollower(script, nil)
	if p := plain.Advance(spoken[1].text); p.Moved {
		t.Fatalf("kana speech matched a kanji script without readings: %+v", p)
	}
	f := NewFollower(script, kagomeReader(t))
	for i, s := range spoken {
		p := f.Advance(s.text)
		if !p.Moved || p.Line != s.line {
			t.Fatalf("step %d %q: %+v, want line %d", i, s.text, p, s.line)
		}
	}
}
