package moderation

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
	ahocorasick "github.com/petar-dambovaliev/aho-corasick"

	"github.com/livehost/livehost/textnorm"
)

// readingFunc returns the kana reading of a term ("" when it has none).
type readingFunc func(s string) string

// The IPA dictionary is large (about 100 MB in memory once loaded) and slow to load, so it is
// loaded once per process and only when some list entry asks for reading matches.
var (
	kagomeOnce sync.Once
	kagomeTok  *tokenizer.Tokenizer
	kagomeErr  error
)

func kagomeTokenizer() (*tokenizer.Tokenizer, error) {
	kagomeOnce.Do(func() {
		kagomeTok, kagomeErr = tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
		if kagomeErr != nil {
			kagomeErr = fmt.Errorf("load kagome IPA dictionary: %w", kagomeErr)
		}
	})
	return kagomeTok, kagomeErr
}

// tokenReading is a token's katakana reading, or its surface when the dictionary has none.
func tokenReading(t tokenizer.Token) string {
	if r, ok := t.Reading(); ok && r != "" && r != "*" {
		return r
	}
	return t.Surface
}

func kagomeReading(tok *tokenizer.Tokenizer) readingFunc {
	return func(s string) string {
		var sb strings.Builder
		for _, t := range tok.Tokenize(s) {
			sb.WriteString(tokenReading(t))
		}
		return sb.String()
	}
}

type readingTerm struct {
	entry int32
	text  string // folded reading
	kind  refKind
}

// readingIndex matches term readings against the reading of a message, for messages written in
// kanji where the list has the term in kana (氏ね, 市ね read しね).
type readingIndex struct {
	ac    ahocorasick.AhoCorasick
	pats  [][]int32 // pattern → terms
	terms []readingTerm
}

func newReadingIndex(terms []readingTerm) *readingIndex {
	ri := &readingIndex{terms: terms}
	index := map[string]int{}
	var patterns []string
	for i, t := range terms {
		if t.text == "" {
			continue
		}
		id, ok := index[t.text]
		if !ok {
			id = len(patterns)
			index[t.text] = id
			patterns = append(patterns, t.text)
			ri.pats = append(ri.pats, nil)
		}
		ri.pats[id] = append(ri.pats[id], int32(i))
	}
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.LeftMostLongestMatch, DFA: true})
	ri.ac = b.Build(patterns)
	return ri
}

// readingHit is a reading match mapped to the original text.
type readingHit struct {
	entry      int32
	kind       refKind
	start, end int
}

// match tokenizes text, joins the token readings and reports the terms whose reading covers
// whole tokens, at least one of them written in kanji (kana spellings are the folded pass's job).
func (ri *readingIndex) match(tok *tokenizer.Tokenizer, text string) []readingHit {
	tokens := tok.Tokenize(text)
	if len(tokens) == 0 {
		return nil
	}
	var sb strings.Builder
	starts := make([]int, len(tokens)+1) // rune offset of each token's reading in the joined text
	coreEnds := make([]int, len(tokens)) // the same, ignoring trailing long-vowel marks
	n := 0
	for i, t := range tokens {
		rd := tokenReading(t)
		starts[i] = n
		sb.WriteString(rd)
		n += utf8.RuneCountInString(rd)
		coreEnds[i] = n - (utf8.RuneCountInString(rd) - utf8.RuneCountInString(strings.TrimRight(rd, "ーｰ〜")))
	}
	starts[len(tokens)] = n
	rf := textnorm.Normalize(sb.String())
	orig := []rune(text)
	var hits []readingHit
	it := ri.ac.IterByte(rf.Bytes())
	for m := it.Next(); m != nil; m = it.Next() {
		cs, ce := rf.Span(m.Start(), m.End())
		k1 := sort.SearchInts(starts, cs)
		if k1 >= len(tokens) || starts[k1] != cs {
			continue // starts inside a word: 私ね is わたし|ね, not しね
		}
		k2 := sort.SearchInts(starts, ce) - 1
		if k2 < k1 || k2 >= len(tokens) || (starts[k2+1] != ce && coreEnds[k2] != ce) {
			continue
		}
		s, e := tokens[k1].Start, tokens[k2].End
		if s < 0 || e > len(orig) || s >= e || !hasKanji(orig[s:e]) {
			continue
		}
		for _, ti := range ri.pats[m.Pattern()] {
			t := ri.terms[ti]
			hits = append(hits, readingHit{entry: t.entry, kind: t.kind, start: s, end: e})
		}
	}
	return hits
}

func hasKanji(rs []rune) bool {
	for _, r := range rs {
		if textnorm.IsKanji(r) {
			return true
		}
	}
	return false
}

// hasKanjiBytes is the cheap gate in front of tokenization.
func hasKanjiBytes(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < 0xE3 { // kanji start at U+3400 (0xE3 0x90 0x80)
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if textnorm.IsKanji(r) {
			return true
		}
		i += n
	}
	return false
}
