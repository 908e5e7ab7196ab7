package moderation

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Verb entries: a term whose last word is a Japanese verb in dictionary form, marked with a
// trailing "~" (class guessed) or "~1" (ichidan: 消える), "~5" (godan: 治る, 消す), "~s" (suru:
// 解消する). At load time the entry becomes the affirmative forms a host says — polite, past,
// te-form (so 消えてく, 消えてる), ちゃう, potential, passive, conditional — all literals of the
// automaton, so matching stays one pass. Negative forms (消えない, 治りません) are left out on
// purpose: 「シミが消えるわけではありません」-style disclaimers must stay allowed.

// verbClass is a conjugation class.
type verbClass byte

const (
	verbIchidan verbClass = '1'
	verbGodan   verbClass = '5'
	verbSuru    verbClass = 's'
)

// splitVerbMarker strips a trailing "~", "~1", "~5" or "~s" from a pattern.
func splitVerbMarker(pat string) (string, verbClass, bool, error) {
	i := strings.LastIndex(pat, "~")
	if i < 0 {
		return pat, 0, false, nil
	}
	base, mark := strings.TrimSpace(pat[:i]), pat[i+1:]
	if strings.Contains(base, "~") {
		return "", 0, false, fmt.Errorf("verb term %q: only one ~ marker, at the end", pat)
	}
	if base == "" {
		return "", 0, false, fmt.Errorf("verb term %q: nothing before ~", pat)
	}
	switch mark {
	case "":
		c, err := guessVerbClass(base)
		return base, c, true, err
	case "1", "5", "s":
		return base, verbClass(mark[0]), true, nil
	}
	return "", 0, false, fmt.Errorf("verb term %q: unknown class ~%s (want ~, ~1, ~5 or ~s)", pat, mark)
}

// guessVerbClass: する → suru; る after an e- or i-row kana → ichidan (消える, 生きる); any other
// u-row ending → godan (治る after a kanji, 消す, 効く). 見る-type verbs need ~1, 切る-type ~5.
func guessVerbClass(v string) (verbClass, error) {
	if strings.HasSuffix(v, "する") {
		return verbSuru, nil
	}
	last, n := utf8.DecodeLastRuneInString(v)
	if _, ok := godanRows[last]; !ok {
		return 0, fmt.Errorf("verb term %q does not end in a dictionary-form verb (う, く, ぐ, す, つ, ぬ, ぶ, む, る, する)", v)
	}
	if last == 'る' {
		prev, _ := utf8.DecodeLastRuneInString(v[:len(v)-n])
		if strings.ContainsRune("えけげせぜてでねへべぺめれいきぎしじちぢにひびぴみり", prev) {
			return verbIchidan, nil
		}
	}
	return verbGodan, nil
}

// godanRows gives, per dictionary ending, the i-row, e-row and te/ta (音便) stems; voiced is
// whether て/た/ちゃ become で/だ/じゃ.
var godanRows = map[rune]struct {
	i, e, te string
	voiced   bool
}{
	'う': {"い", "え", "っ", false},
	'く': {"き", "け", "い", false},
	'ぐ': {"ぎ", "げ", "い", true},
	'す': {"し", "せ", "し", false},
	'つ': {"ち", "て", "っ", false},
	'ぬ': {"に", "ね", "ん", true},
	'ぶ': {"び", "べ", "ん", true},
	'む': {"み", "め", "ん", true},
	'る': {"り", "れ", "っ", false},
}

// conjugate returns the dictionary form first, then the other affirmative forms.
func conjugate(v string, c verbClass) ([]string, error) {
	switch c {
	case verbIchidan:
		stem, ok := strings.CutSuffix(v, "る")
		if !ok || stem == "" {
			return nil, fmt.Errorf("ichidan verb %q must end in る", v)
		}
		out := withStem(stem, "る", "ます", "ました", "ましょう", "られる", "られます", "られた", "れる", "れます", "れた", "よう", "そう", "れば")
		return append(out, teForms(stem, false)...), nil
	case verbSuru:
		stem, ok := strings.CutSuffix(v, "する")
		if !ok || stem == "" {
			return nil, fmt.Errorf("suru verb %q must end in する", v)
		}
		out := withStem(stem, "する", "します", "しました", "しましょう", "しそう", "できる", "できます", "できました", "できそう",
			"される", "されます", "された", "すれば")
		out = append(out, teForms(stem+"し", false)...)
		return append(out, teForms(stem+"でき", false)...), nil
	case verbGodan:
		last, n := utf8.DecodeLastRuneInString(v)
		row, ok := godanRows[last]
		stem := v[:len(v)-n]
		if !ok || stem == "" {
			return nil, fmt.Errorf("godan verb %q must end in う, く, ぐ, す, つ, ぬ, ぶ, む or る", v)
		}
		out := []string{v}
		out = append(out, withStem(stem+row.i, "ます", "ました", "ましょう", "そう")...)
		out = append(out, withStem(stem+row.e, "る", "ます", "ました", "た", "て", "ば")...)
		return append(out, teForms(stem+row.te, row.voiced)...), nil
	}
	return nil, fmt.Errorf("verb %q: unknown class %q", v, c)
}

// teForms are the past and te-forms with what speech hangs on them: 消えてる, 消えてく,
// 消えちゃう, 消えちゃった. The short forms (て, ちゃ) stay as a catch-all; the automaton prefers the
// longest, so the span covers the whole verb when it can.
func teForms(stem string, voiced bool) []string {
	te, ta, cha := "て", "た", "ちゃ"
	if voiced {
		te, ta, cha = "で", "だ", "じゃ"
	}
	return []string{stem + ta, stem + te, stem + te + "る", stem + te + "く", stem + te + "いく", stem + te + "ます",
		stem + cha, stem + cha + "う", stem + cha + "った", stem + cha + "います", stem + cha + "って"}
}

func withStem(stem string, endings ...string) []string {
	out := make([]string, len(endings))
	for i, e := range endings {
		out[i] = stem + e
	}
	return out
}

// expandTerm returns the literal forms of one list term: itself, or its conjugations when it
// carries a verb marker.
func expandTerm(t string) ([]string, error) {
	base, c, ok, err := splitVerbMarker(t)
	if err != nil {
		return nil, err
	}
	if !ok {
		return []string{t}, nil
	}
	return conjugate(base, c)
}
