package moderation

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/dict"
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
	kagomeDict *dict.Dict
	kagomeErr  error
)

func kagomeTokenizer() (*tokenizer.Tokenizer, error) {
	kagomeOnce.Do(func() {
		kagomeDict = ipa.Dict()
		kagomeTok, kagomeErr = tokenizer.New(kagomeDict, tokenizer.OmitBosEos())
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

// trigger is the gate in front of tokenization. A reading match needs a dictionary word written
// in kanji whose reading contains a term's reading (死ね シネ, 馬鹿 バカ), or a kanji word whose
// reading is part of a term, in the place of that part (氏ね: 氏 read シ before ね). The gate
// checks for those words with that context, so that ordinary kanji text skips tokenization.
type trigger struct {
	words map[rune][]trigWord // first kanji → words starting with it
}

type trigWord struct {
	key        string // the word's leading kanji
	prev, next rune   // the kana that must come before / after it (0: anything)
}

// triggers caches gates by term set: building one walks the whole dictionary (about a second),
// and a process builds engines with the same lists many times (reloads, tests, several shows).
var (
	triggersMu sync.Mutex
	triggers   = map[string]*trigger{}
)

func cachedTrigger(terms []string) *trigger {
	key := strings.Join(slices.Sorted(slices.Values(terms)), "\x00")
	triggersMu.Lock()
	defer triggersMu.Unlock()
	if tr, ok := triggers[key]; ok {
		return tr
	}
	tr := newTrigger(terms)
	triggers[key] = tr
	return tr
}

func newTrigger(terms []string) *trigger {
	d := kagomeDict
	bi, ok1 := d.ContentsMeta[dict.BaseFormIndex]
	ri, ok2 := d.ContentsMeta[dict.ReadingIndex]
	if !ok1 || !ok2 {
		return nil // unknown layout: every kanji triggers
	}
	// The part of speech lives in a separate table; the stored features start after it.
	if ph, ok := d.ContentsMeta[dict.POSHierarchy]; ok && len(d.Contents) > 0 && len(d.Contents[0]) <= int(ri) {
		bi, ri = bi-ph, ri-ph
	}
	type place struct{ prev, next rune }
	parts := map[string][]place{} // every proper substring of every term → where it sits
	for _, t := range terms {
		r := []rune(t)
		for i := range r {
			for j := i + 1; j <= len(r); j++ {
				if i == 0 && j == len(r) {
					continue
				}
				pl := place{}
				if i > 0 {
					pl.prev = r[i-1]
				}
				if j < len(r) {
					pl.next = r[j]
				}
				parts[string(r[i:j])] = append(parts[string(r[i:j])], pl)
			}
		}
	}
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.LeftMostLongestMatch})
	ac := b.Build(terms)
	tr := &trigger{words: map[rune][]trigWord{}}
	seen := map[trigWord]bool{}
	addWord := func(w trigWord) {
		if seen[w] {
			return
		}
		seen[w] = true
		k, _ := utf8.DecodeRuneInString(w.key)
		tr.words[k] = append(tr.words[k], w)
	}
	var f textnorm.Folded
	for _, feats := range d.Contents {
		if len(feats) <= int(ri) || len(feats) <= int(bi) {
			continue
		}
		base := feats[bi]
		key := leadingKanji(base)
		if feats[0] == "*" && hasKanjiBytes([]byte(base)) {
			key = base // not inflected: the word is written as its base form
		}
		if key == "" {
			continue
		}
		f.Reset(feats[ri])
		rd := f.Bytes()
		if len(rd) == 0 {
			continue
		}
		if ac.IterByte(rd).Next() != nil {
			addWord(trigWord{key: key})
			continue
		}
		if key != base {
			continue // an inflected word: its reading includes kana the key does not cover
		}
		for _, pl := range parts[string(rd)] {
			addWord(trigWord{key: key, prev: pl.prev, next: pl.next})
		}
	}
	return tr
}

// leadingKanji returns the run of kanji at the start of s (the stem of an inflected word).
func leadingKanji(s string) string {
	for i, r := range s {
		if !textnorm.IsKanji(r) {
			return s[:i]
		}
	}
	return s
}

// fires reports whether the plain view p can hold a reading match.
func (tr *trigger) fires(p []byte) bool {
	prev := rune(0)
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRune(p[i:])
		if ws, ok := tr.words[r]; ok {
			for _, w := range ws {
				if !bytes.HasPrefix(p[i:], []byte(w.key)) || (w.prev != 0 && w.prev != prev) {
					continue
				}
				if w.next != 0 {
					if nx, _ := utf8.DecodeRune(p[i+len(w.key):]); nx != w.next {
						continue
					}
				}
				return true
			}
		}
		prev = r
		i += n
	}
	return false
}

// readingIndex matches term readings against the reading of a message, for messages written in
// kanji where the list has the term in kana (氏ね, 市ね read しね).
type readingIndex struct {
	trigger *trigger // nil: any kanji triggers
	ac      ahocorasick.AhoCorasick
	pats    [][]int32 // pattern → terms
	terms   []readingTerm
}

func newReadingIndex(terms []readingTerm, tok *tokenizer.Tokenizer) *readingIndex {
	ri := &readingIndex{terms: terms}
	if tok != nil {
		var ts []string
		for _, t := range terms {
			if t.kind == refTerm && t.text != "" {
				ts = append(ts, t.text)
			}
		}
		ri.trigger = cachedTrigger(ts)
	}
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
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.LeftMostLongestMatch, DFA: false})
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

// triggered is the cheap gate in front of tokenization: does b hold a kanji that can take part
// in a reading match?
func (ri *readingIndex) triggered(b []byte) bool {
	if ri.trigger == nil {
		return hasKanjiBytes(b)
	}
	return ri.trigger.fires(b)
}

// hasKanjiBytes reports whether b holds a kanji.
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
