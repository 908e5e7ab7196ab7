package catalog

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
	"golang.org/x/text/unicode/norm"

	"github.com/livehost/livehost/textnorm"
)

// This file turns text into the units that the offline embedder and the lexical index share:
// segments of folded text (textnorm.Fold: NFKC, lower case, katakana → hiragana) split at spaces and
// punctuation and at the border between Latin/digits and other scripts, plus the kana readings of
// words written in kanji (黒い → くろい), so that kanji and kana spellings of a word meet.

// segment is a run of folded runes of one kind.
type segment struct {
	runes []rune
	latin bool // a word of ASCII letters and digits
	// reading marks a segment made of kana readings of kanji words; those features weigh less than
	// the text itself.
	reading bool
}

// Script classes of a segment: a change of script is a word boundary in Japanese text (黒い|デニム,
// 高保湿|ローション), so n-grams never straddle one.
const (
	scriptOther = iota
	scriptLatin
	scriptKatakana
	scriptKanjiKana // kanji with the hiragana around them (黒い, 日焼け止め)
)

func scriptOf(r rune, prev int) int {
	switch {
	case isLatinRune(r):
		return scriptLatin
	case r == 'ー' || r == 'ｰ': // a long vowel mark belongs to the word before it
		if prev != scriptOther {
			return prev
		}
		return scriptKatakana
	case unicode.Is(unicode.Katakana, r):
		return scriptKatakana
	case unicode.Is(unicode.Hiragana, r) || isHan(r):
		return scriptKanjiKana
	}
	return scriptOther
}

// segments splits text into folded segments at spaces, punctuation and changes of script;
// withReadings adds the kana readings of kanji words and the synonym segments.
func segments(text string, withReadings bool) []segment {
	nfkc := norm.NFKC.String(text)
	var folded strings.Builder
	folded.Grow(len(nfkc))
	var out []segment
	var cur []rune
	curScript := scriptOther
	flush := func() {
		if len(cur) > 0 {
			out = append(out, segment{runes: cur, latin: curScript == scriptLatin})
			cur = nil
		}
	}
	for _, r := range nfkc {
		if r == unicode.ReplacementChar {
			continue
		}
		f := textnorm.FoldRune(r)
		folded.WriteRune(f)
		if !isWordRune(f) {
			flush()
			curScript = scriptOther
			continue
		}
		sc := scriptOf(r, curScript)
		if len(cur) > 0 && sc != curScript {
			flush()
		}
		curScript = sc
		cur = append(cur, f)
	}
	flush()
	if withReadings {
		for _, rd := range readings(text) {
			out = append(out, segment{runes: []rune(rd), reading: true})
		}
		out = append(out, synonymSegments(folded.String(), out)...)
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == 'ー' || r == '々'
}

func isLatinRune(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z')
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) || r == '々' }

func hasHan(s string) bool {
	for _, r := range s {
		if isHan(r) {
			return true
		}
	}
	return false
}

var (
	kagomeOnce sync.Once
	kagomeTok  *tokenizer.Tokenizer
)

// japaneseTokenizer loads the IPA dictionary once (about 0.7 s), only when some text has kanji.
func japaneseTokenizer() *tokenizer.Tokenizer {
	kagomeOnce.Do(func() {
		t, err := tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
		if err == nil {
			kagomeTok = t
		}
	})
	return kagomeTok
}

// readings returns the folded kana readings of the kanji words in text, consecutive kanji words
// joined into one run (化粧水 → けしょうすい). Text without kanji has no readings. Only the chunks of
// text that hold kanji (with the hiragana around them: 黒い, 日焼け止め) are tokenized, and each
// chunk's readings are cached, so a catalog's repeated words are analysed once.
func readings(text string) []string {
	if !hasHan(text) {
		return nil
	}
	var out []string
	for _, chunk := range kanjiChunks(norm.NFKC.String(text)) {
		out = append(out, chunkReadings(chunk)...)
	}
	return out
}

// kanjiChunks returns the maximal runs of kanji and hiragana that hold at least one kanji.
func kanjiChunks(s string) []string {
	var out []string
	start, han := -1, false
	flush := func(end int) {
		if start >= 0 && han {
			out = append(out, s[start:end])
		}
		start, han = -1, false
	}
	for i, r := range s {
		h := isHan(r)
		if h || unicode.Is(unicode.Hiragana, r) {
			if start < 0 {
				start = i
			}
			han = han || h
			continue
		}
		flush(i)
	}
	flush(len(s))
	return out
}

const readingCacheMax = 200_000

var (
	readingMu    sync.RWMutex
	readingCache = map[string][]string{}
)

func chunkReadings(chunk string) []string {
	readingMu.RLock()
	rs, ok := readingCache[chunk]
	readingMu.RUnlock()
	if ok {
		return rs
	}
	rs = tokenizeReadings(chunk)
	readingMu.Lock()
	if len(readingCache) >= readingCacheMax {
		clear(readingCache) // a crude bound: start over rather than grow without end
	}
	readingCache[chunk] = rs
	readingMu.Unlock()
	return rs
}

func tokenizeReadings(chunk string) []string {
	tk := japaneseTokenizer()
	if tk == nil {
		return nil
	}
	var out []string
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			out = append(out, run.String())
			run.Reset()
		}
	}
	for _, tok := range tk.Tokenize(chunk) {
		if !hasHan(tok.Surface) {
			flush()
			continue
		}
		r, ok := tok.Reading()
		if !ok || r == "" || r == "*" {
			flush()
			continue
		}
		run.WriteString(textnorm.Fold(r))
	}
	flush()
	return out
}

// synonymGroups are the few words that Japanese shops write in two unrelated ways — a colour in
// katakana or kanji (ブラック / 黒), a loanword or a native word (ジーンズ / デニム). Text that has
// one form gets the group's first form as an extra segment (weighted like a reading), so either
// spelling finds the other. Forms are folded (hiragana, lower case); Latin forms match whole words.
var synonymGroups = [][]string{
	{"黒", "ぶらっく", "black"},
	{"白", "ほわいと", "white"},
	{"青", "ぶるー", "いんでぃご", "ねいびー", "blue", "navy", "indigo"},
	{"赤", "れっど", "red"},
	{"緑", "ぐりーん", "かーき", "green", "khaki"},
	{"でにむ", "じーんず", "じーぱん", "denim", "jeans"},
	{"日焼け止め", "日やけ止め", "さんすくりーん", "sunscreen"},
	{"りっぷ", "口紅", "lip", "lipstick"},
	{"いやほん", "いやふぉん", "earphones", "earbuds"},
	{"化粧水", "ろーしょん", "lotion", "toner"},
}

// synonymSegments returns the extra segments for the synonym groups that text touches but whose
// first form it does not contain.
func synonymSegments(folded string, segs []segment) []segment {
	var out []segment
	for _, g := range synonymGroups {
		if strings.Contains(folded, g[0]) {
			continue
		}
		hit := false
		for _, form := range g[1:] {
			if isLatinWord(form) {
				for _, s := range segs {
					if s.latin && string(s.runes) == form {
						hit = true
						break
					}
				}
			} else if strings.Contains(folded, form) {
				hit = true
			}
			if hit {
				break
			}
		}
		if hit {
			out = append(out, segment{runes: []rune(g[0]), reading: true})
		}
	}
	return out
}

func isLatinWord(s string) bool {
	for _, r := range s {
		if !isLatinRune(r) {
			return false
		}
	}
	return true
}
