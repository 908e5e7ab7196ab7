// Package hostscript follows what the host says: it finds lineup products mentioned in a transcript
// and keeps the teleprompter's place in the script as it is spoken, tolerating skipped lines,
// ad-libs and the spelling differences between a script and speech-to-text output.
package hostscript

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/livehost/livehost/textnorm"
)

// unit is one comparable piece of text: a Latin or digit word, or a single kana or kanji.
type unit struct {
	s          string
	start, end int // rune offsets in the original text
}

// units splits text into folded units (NFKC, lower case, katakana → hiragana), dropping spaces,
// punctuation and long-vowel marks, which speech-to-text output and scripts use inconsistently.
func units(text string) []unit {
	var out []unit
	var word []rune
	wordStart, wordEnd := 0, 0
	flush := func() {
		if len(word) > 0 {
			out = append(out, unit{s: string(word), start: wordStart, end: wordEnd})
			word = word[:0]
		}
	}
	// NFKC over the whole text (not rune by rune), so half-width ｸﾞ composes into グ; each
	// normalized segment maps back to the original runes it came from.
	var it norm.Iter
	it.InitString(norm.NFKC, text)
	total := utf8.RuneCountInString(text)
	runes, pos := 0, 0
	for !it.Done() {
		seg := it.Next()
		a := runes
		runes += utf8.RuneCountInString(text[pos:it.Pos()])
		pos = it.Pos()
		b := runes
		if a == b {
			// A long expansion (㍻ → 平成) can come out in pieces; pin each to a rune of the original.
			if b < total {
				b = a + 1
			} else if a > 0 {
				a = b - 1
			}
		}
		for _, r := range string(seg) {
			r = textnorm.FoldRune(r)
			switch {
			case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
				if len(word) == 0 {
					wordStart = a
				}
				word = append(word, r)
				wordEnd = b
			case r == 'ー' || r == '〜' || r == '~':
				// Long-vowel marks carry no identity of their own.
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				flush()
				out = append(out, unit{s: string(r), start: a, end: b})
			default:
				flush()
			}
		}
	}
	flush()
	return out
}

// Word is a word of a text with its reading, as a Japanese tokenizer gives it.
type Word struct {
	Start, End int    // rune offsets in the text
	Reading    string // kana reading; "" to compare the word as written
}

// Reader splits text into words with readings (for example kagome with the IPA dictionary), so that
// 「唇」 in a script and 「くちびる」 from speech-to-text compare equal.
type Reader func(text string) []Word

// readUnits is units over readings: each word's reading is split into units that all point back to
// the word's span in the original text. Text between words is compared as written.
func readUnits(text string, read Reader) []unit {
	if read == nil {
		return units(text)
	}
	runes := []rune(text)
	var out []unit
	at := 0
	shifted := func(from, to int) {
		for _, u := range units(string(runes[from:to])) {
			u.start += from
			u.end += from
			out = append(out, u)
		}
	}
	for _, w := range read(text) {
		if w.Start < at || w.End > len(runes) || w.Start >= w.End {
			continue // overlapping or out of range: keep what was read so far
		}
		shifted(at, w.Start)
		if w.Reading == "" {
			shifted(w.Start, w.End)
		} else {
			for _, u := range units(w.Reading) {
				u.start, u.end = w.Start, w.End
				out = append(out, u)
			}
		}
		at = w.End
	}
	shifted(at, len(runes))
	return out
}
