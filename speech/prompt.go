package speech

import (
	"strings"

	"github.com/livehost/livehost/catalog"
)

// maxPromptRunes keeps the vocabulary hint inside Whisper's prompt window (224 tokens; a Japanese
// character can be a token of its own).
const maxPromptRunes = 200

// Prompt builds the STT vocabulary hint from the show's lineup (product names, then brands) and the
// brand's own words, without duplicates, cut to what the model reads.
func Prompt(lineup []catalog.Product, brandWords []string) string {
	var terms []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			return
		}
		seen[s] = true
		terms = append(terms, s)
	}
	for _, w := range brandWords {
		add(w)
	}
	for _, p := range lineup {
		add(p.Name)
	}
	for _, p := range lineup {
		add(p.Brand)
	}
	var b strings.Builder
	n := 0
	for _, t := range terms {
		r := len([]rune(t)) + 1
		if n+r > maxPromptRunes {
			break
		}
		if b.Len() > 0 {
			b.WriteString("、")
		}
		b.WriteString(t)
		n += r
	}
	return b.String()
}
