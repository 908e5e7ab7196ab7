package hostscript

import (
	"testing"
)

// kagomeReader is the Reader a server builds.
func kagomeReader(t *testing.T) Reader {
	t.Helper()
	r, err := NewKagomeReader()
	if err != nil {
		t.Fatal(err)
	}
	return r
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
