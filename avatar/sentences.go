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
