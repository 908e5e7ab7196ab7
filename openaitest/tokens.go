package openaitest

import (
	"unicode"
	"unicode/utf8"
)

// Tokens splits text into the tokens this server streams and counts for usage: a run of Latin
// letters, digits and apostrophes together with one leading space; every other rune on its own
// (each kana, kanji, punctuation mark, spare space). Joining the tokens gives back the text,
// byte for byte, even for invalid UTF-8.
func Tokens(text string) []string {
	var out []string
	for i := 0; i < len(text); {
		start := i
		r, w := utf8.DecodeRuneInString(text[i:])
		if r == ' ' {
			if n, nw := utf8.DecodeRuneInString(text[i+w:]); i+w < len(text) && isWordRune(n) {
				i += w + nw
				i = scanWord(text, i)
				out = append(out, text[start:i])
				continue
			}
		}
		i += w
		if isWordRune(r) {
			i = scanWord(text, i)
		}
		out = append(out, text[start:i])
	}
	return out
}

// CountTokens is len(Tokens(text)) without building the slice.
func CountTokens(text string) int {
	n := 0
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		if r == ' ' {
			if nr, nw := utf8.DecodeRuneInString(text[i+w:]); i+w < len(text) && isWordRune(nr) {
				i = scanWord(text, i+w+nw)
				n++
				continue
			}
		}
		i += w
		if isWordRune(r) {
			i = scanWord(text, i)
		}
		n++
	}
	return n
}

func scanWord(text string, i int) int {
	for i < len(text) {
		r, w := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			break
		}
		i += w
	}
	return i
}

// isWordRune is true for runes that group into words: Japanese and Chinese script is one token
// per character, as real tokenizers mostly do.
func isWordRune(r rune) bool {
	if r == utf8.RuneError {
		return false
	}
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '\''
	}
	if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
