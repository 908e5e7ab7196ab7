package hostscript

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzFollower: any script and any speech (a host script comes from a text box) keep the place
// inside the script, on the line its offset is in, and never move it without a match.
func FuzzFollower(f *testing.F) {
	f.Add("皆さんこんばんは。\n唇の体温で発色して、艶が長持ちします。", "みなさん こんばんは", 0)
	f.Add("a\n\nb c d e f g", "b c d e f g h", 3)
	f.Add("", "anything", 0)
	f.Add("㍻の\r\nｸﾞﾛｽ", "平成のグロス", 1)
	f.Fuzz(func(t *testing.T, script, spoken string, seek int) {
		fl := NewFollower(script, nil)
		n := utf8.RuneCountInString(script)
		lines := strings.Count(script, "\n") + 1
		fl.Seek(seek)
		for _, s := range []string{spoken, spoken + spoken, ""} {
			before := fl.Position()
			p := fl.Advance(s)
			if p.Offset < 0 || p.Offset > n || p.Line < 0 || p.Line >= lines {
				t.Fatalf("place %+v outside a script of %d runes, %d lines", p, n, lines)
			}
			if p.Line != strings.Count(string([]rune(script)[:p.Offset]), "\n") {
				t.Fatalf("line %d is not the line of offset %d", p.Line, p.Offset)
			}
			if !p.Moved && p.Offset != before.Offset {
				t.Fatalf("place moved from %d to %d without a match", before.Offset, p.Offset)
			}
			if p.Score < 0 || p.Score > 1 {
				t.Fatalf("score %v", p.Score)
			}
		}
	})
}
