// Package textnorm folds Japanese and English text into one comparable form: NFKC (full-width and
// half-width forms), lower case, and katakana to hiragana, so that 「ﾘｯﾌﾟ」「りっぷ」「リップ」 compare
// equal. Search and embedding use Fold. Normalize is the moderation view: it goes further (see
// Folded) and keeps a map from the folded text back to rune offsets in the original.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns the folded form of s. Invalid UTF-8 bytes are dropped first, so that they
// cannot separate a letter from a combining mark that NFKC would join (Fold is idempotent).
func Fold(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == unicode.ReplacementChar {
			continue
		}
		b.WriteRune(FoldRune(r))
	}
	return b.String()
}

// FoldRune folds one rune that is already NFKC: lower case and katakana → hiragana.
func FoldRune(r rune) rune {
	switch {
	case r >= 'A' && r <= 'Z':
		return r + ('a' - 'A')
	case r < 0x80:
		return r
	case r >= 0x30A1 && r <= 0x30F6: // katakana ァ..ヶ → hiragana ぁ..ゖ
		return r - 0x60
	case r == 0x30FD || r == 0x30FE: // ヽヾ → ゝゞ
		return r - 0x60
	}
	return unicode.ToLower(r)
}
