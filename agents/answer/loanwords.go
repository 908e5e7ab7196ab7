package answer

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	"github.com/livehost/livehost/textnorm"
)

//go:embed loanwords.tsv
var loanwordsTSV string

//go:embed colorwords.tsv
var colorwordsTSV string

// loanword is one lexicon entry: an English phrase as stemmed, folded words and the folded
// Japanese words it stands for.
type loanword struct {
	en []string
	ja []string
}

// loanwords is the embedded lexicon of product nouns, colorWords that of color names; longest
// phrases first, parsed once.
var (
	loanwords  = mustLexicon(loanwordsTSV)
	colorWords = mustLexicon(colorwordsTSV)
)

func mustLexicon(s string) []loanword {
	lex, err := parseLexicon(strings.NewReader(s))
	if err != nil {
		// The file is embedded and parsed by a test, so this is a build mistake, not input.
		panic(fmt.Sprintf("answer: embedded loanwords.tsv: %v", err))
	}
	return lex
}

// parseLexicon reads lines of "english<TAB>日本語[,日本語…]"; blank lines and lines starting with
// # are skipped.
func parseLexicon(r io.Reader) ([]loanword, error) {
	var out []loanword
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), " \r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		en, ja, ok := strings.Cut(text, "\t")
		if !ok {
			return nil, fmt.Errorf("line %d: want an English phrase, a tab and Japanese words, got %q", line, text)
		}
		lw := loanword{en: enWords(textnorm.Fold(en))}
		if len(lw.en) == 0 {
			return nil, fmt.Errorf("line %d: no English word in %q", line, en)
		}
		for _, j := range strings.Split(ja, ",") {
			if j = strings.TrimSpace(j); j != "" {
				lw.ja = append(lw.ja, textnorm.Fold(j))
			}
		}
		if len(lw.ja) == 0 {
			return nil, fmt.Errorf("line %d: no Japanese word for %q", line, en)
		}
		out = append(out, lw)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read lexicon: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].en) > len(out[j].en) })
	return out, nil
}

// enWords splits folded English into stemmed words; "t-shirt" is "t", "shirt".
func enWords(folded string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		out = append(out, stem(w))
	}
	return out
}

// translated is a Japanese word found for an English phrase of a message.
type translated struct {
	ja    string
	words []string // the stemmed English words it replaces
}

// translate finds the lexicon's phrases in a folded English message, longest first, each word used
// once: "the hair iron" gives ヘアアイロン, not also an iron.
func translate(folded string) []translated { return translateWith(loanwords, folded) }

// withColorWords appends to a folded English question the Japanese spellings of the colors it
// names, for matching attribute values; other text is returned as it is.
func withColorWords(folded string) string {
	if detectLang(folded) != "en" {
		return folded
	}
	var b strings.Builder
	b.WriteString(folded)
	for _, t := range translateWith(colorWords, folded) {
		b.WriteString(" ")
		b.WriteString(t.ja)
	}
	return b.String()
}

func translateWith(lexicon []loanword, folded string) []translated {
	ws := enWords(folded)
	used := make([]bool, len(ws))
	var out []translated
	for _, lw := range lexicon {
		n := len(lw.en)
	scan:
		for i := 0; i+n <= len(ws); i++ {
			for k := 0; k < n; k++ {
				if used[i+k] || ws[i+k] != lw.en[k] {
					continue scan
				}
			}
			for k := 0; k < n; k++ {
				used[i+k] = true
			}
			for _, ja := range lw.ja {
				out = append(out, translated{ja: ja, words: ws[i : i+n]})
			}
		}
	}
	return out
}
