package textnorm

import (
	"strings"
	"unicode"
)

// Names and labels that people see (a viewer's name, a product name) must show what they are:
// a right-to-left override turns "\u202Enimda" into "admin" on screen, and control characters
// break layouts and logs. CleanLine and CleanText drop those characters; they keep everything
// that is text, including the zero-width joiner of emoji sequences.

// isBidiOrInvisible reports the bidirectional controls and invisible format characters that can
// change how text around them is shown.
func isBidiOrInvisible(r rune) bool {
	switch {
	case r == '\u061C', r == '\u200B', r == '\u200E', r == '\u200F', r == '\u2060', r == '\uFEFF':
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// CleanLine returns s without control characters (line breaks and tabs included) and without
// bidirectional controls or invisible format characters, trimmed: for one-line names.
func CleanLine(s string) string {
	if !needsClean(s, false) {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidiOrInvisible(r) {
			return -1
		}
		return r
	}, s))
}

// CleanText is CleanLine for text that may span lines: it keeps line breaks and tabs.
func CleanText(s string) string {
	if !needsClean(s, true) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if (unicode.IsControl(r) && r != '\n' && r != '\t') || isBidiOrInvisible(r) {
			return -1
		}
		return r
	}, s)
}

// needsClean is the fast path: most text has nothing to drop.
func needsClean(s string, keepLines bool) bool {
	for _, r := range s {
		if keepLines && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || isBidiOrInvisible(r) {
			return true
		}
	}
	return false
}

// FirstControl returns the rune index of the first control character in s other than a line
// break or tab, and the character; -1 when there is none.
func FirstControl(s string) (int, rune) {
	i := 0
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return i, r
		}
		i++
	}
	return -1, 0
}
