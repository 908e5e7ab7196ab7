package avatar

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentences splits text into the sentences spoken one at a time: after 。！？!? and a full stop
// followed by a space, and at line breaks. Brackets stay with their sentence.
func Sentences(text string) []string {
	var out []string
	var b strings.Builder
	depth := 0
	flush := func() {
		if s := strings.TrimSpace(b.String()); s != "" {
			out = append(out, s)
		}
		b.Reset()
	}
	for i, r := range text {
		switch r {
		case '（', '(', '「', '『':
			depth++
		case '）', ')', '」', '』':
			if depth > 0 {
				depth--
			}
		}
		if r == '\n' {
			flush()
			continue
		}
		b.WriteRune(r)
		if depth > 0 {
			continue
		}
		switch r {
		case '。', '！', '？', '!', '?':
			// Keep a run of terminators together (「！！」).
			if next, _ := utf8.DecodeRuneInString(text[i+utf8.RuneLen(r):]); !strings.ContainsRune("。！？!?", next) {
				flush()
			}
		case '.':
			rest := text[i+1:]
			if rest == "" || rest[0] == ' ' {
				flush()
			}
		}
	}
	flush()
	return out
}

// lang guesses the language of a sentence: Japanese when it has any kana or kanji.
func lang(s string) string {
	for _, r := range s {
		if r >= 0x3040 && r <= 0x30ff || r >= 0x4e00 && r <= 0x9fff || r >= 0xff00 && r <= 0xffef {
			return "ja"
		}
	}
	return "en"
}

// Utterance budgets: the most runes one utterance holds, about 2.5 s of speech (Open JTalk reads
// the catalog's Japanese at about 5 characters a second, espeak-ng English at about 15). A longer
// sentence is spoken in clauses, so that an answer waiting for the current utterance waits little.
const (
	utteranceRunesJA = 12
	utteranceRunesEN = 40
)

// Clauses splits one sentence into the utterances it is spoken in: whole when it is short, at
// 、，,；; (outside brackets) otherwise, adjacent clauses joined while they fit the budget. A
// Japanese clause longer than the budget is cut again between phrases (where kana gives way to
// kanji or katakana: 「唇の|体温でじゅわっと|発色する|…」, or after a space), never inside a word or
// brackets.
func Clauses(sentence, lang string) []string {
	budget := utteranceRunesJA
	if lang == "en" {
		budget = utteranceRunesEN
	}
	if utf8.RuneCountInString(sentence) <= budget {
		if s := strings.TrimSpace(sentence); s != "" {
			return []string{s}
		}
		return nil
	}
	var parts []string
	var b strings.Builder
	depth := 0
	for i, r := range sentence {
		switch r {
		case '（', '(', '「', '『':
			depth++
		case '）', ')', '」', '』':
			if depth > 0 {
				depth--
			}
		}
		b.WriteRune(r)
		if depth > 0 {
			continue
		}
		cut := false
		switch r {
		case '、', '，', '；':
			cut = true
		case ',', ';':
			// "1,580": a comma between digits is no clause mark.
			rest := sentence[i+1:]
			cut = rest == "" || rest[0] == ' '
		}
		if cut {
			parts = append(parts, b.String())
			b.Reset()
		}
	}
	if b.Len() > 0 {
		parts = append(parts, b.String())
	}
	if lang != "en" {
		var cut []string
		for _, p := range parts {
			cut = append(cut, phrases(p, budget)...)
		}
		parts = cut
	}
	var out []string
	cur := ""
	for _, p := range parts {
		if cur != "" && utf8.RuneCountInString(strings.TrimSpace(cur+p)) > budget {
			if s := strings.TrimSpace(cur); s != "" {
				out = append(out, s)
			}
			cur = ""
		}
		cur += p
	}
	if s := strings.TrimSpace(cur); s != "" {
		out = append(out, s)
	}
	return out
}

// phrases cuts a Japanese clause longer than budget at the phrase boundary nearest its middle,
// again until every piece fits or has no boundary left.
func phrases(clause string, budget int) []string {
	rs := []rune(clause)
	if utf8.RuneCountInString(strings.TrimSpace(clause)) <= budget {
		return []string{clause}
	}
	best := boundaryNearMiddle(rs, func(a, b rune) bool {
		// After a space too: a long product name (「うるツヤ リップティント 03 ローズピンク」) is
		// read in two breaths, as a presenter would.
		return hiragana(a) && (kanji(b) || katakana(b)) || a == ' ' && b != ' '
	})
	if best < 0 {
		// A compound noun with no kana between its words (「保湿成分ヒアルロン酸Na配合で」) is one
		// accent phrase, with no break inside to stop at for an answer: cut it between words where
		// the script changes, but not before a kanji that ends a katakana word (ヒアルロン|酸).
		best = boundaryNearMiddle(rs, func(a, b rune) bool {
			return kanji(a) && katakana(b) || !latin(a) && (kanji(a) || katakana(a)) && latin(b) || latin(a) && (kanji(b) || katakana(b))
		})
	}
	if best < 0 {
		return []string{clause}
	}
	return append(phrases(string(rs[:best]), budget), phrases(string(rs[best:]), budget)...)
}

// boundaryNearMiddle is the index of the rune nearest the middle of rs that starts a piece, cut
// where cut(previous, this) says, outside brackets and with at least 4 runes on either side (no
// one-word utterances); -1 when there is none.
func boundaryNearMiddle(rs []rune, cut func(a, b rune) bool) int {
	best, depth := -1, 0
	for i := 1; i < len(rs); i++ {
		switch rs[i-1] {
		case '（', '(', '「', '『':
			depth++
		case '）', ')', '」', '』':
			if depth > 0 {
				depth--
			}
		}
		if depth > 0 || i < 4 || len(rs)-i < 4 || !cut(rs[i-1], rs[i]) {
			continue
		}
		if best < 0 || abs(i-len(rs)/2) < abs(best-len(rs)/2) {
			best = i
		}
	}
	return best
}

func latin(r rune) bool    { return r < 0x80 && unicode.IsLetter(r) } // not digits: 「1,580円」 is one word
func hiragana(r rune) bool { return r >= 0x3041 && r <= 0x309f }
func katakana(r rune) bool { return r >= 0x30a1 && r <= 0x30ff }
func kanji(r rune) bool    { return r >= 0x4e00 && r <= 0x9fff }

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
