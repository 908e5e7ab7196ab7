package avatar

import (
	"strings"
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
// Japanese at about 7 characters a second, espeak-ng English at about 15). A longer sentence is
// spoken in clauses, so that an answer waiting for the current utterance waits little.
const (
	utteranceRunesJA = 18
	utteranceRunesEN = 40
)

// Clauses splits one sentence into the utterances it is spoken in: whole when it is short, at
// 、，,；; (outside brackets) otherwise, adjacent clauses joined while they fit the budget. A clause
// longer than the budget stays whole: never mid-clause.
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
	var out []string
	cur := ""
	for _, p := range parts {
		if cur != "" && utf8.RuneCountInString(cur)+utf8.RuneCountInString(p) > budget {
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
