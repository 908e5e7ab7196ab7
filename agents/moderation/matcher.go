package moderation

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/ikawaha/kagome/v2/tokenizer"
	ahocorasick "github.com/petar-dambovaliev/aho-corasick"

	"github.com/livehost/livehost/textnorm"
)

// wildcardSpan is how many characters a '*' inside a term may stand for.
const wildcardSpan = 12

type refKind uint8

const (
	refTerm refKind = iota
	refException
	refAnchor // a literal piece of a wildcard or regex entry: run that entry's regexp
	refLeft   // a term of a pair entry's left side (シミ in シミ + 消える~)
	refRight  // a term of its right side
)

// ref ties one automaton pattern to the entry it came from.
type ref struct {
	entry     int32
	kind      refKind
	masked    bool    // a variant with a letter replaced by the mask: a guess, at most hold
	runs      []uint8 // per folded rune: how many repeats the term itself has (kill → l needs 2)
	wordStart bool    // the term starts a Latin word: the text must not continue a word before it
	wordEnd   bool
}

// patRef is a ref reached through a pattern: n is the length in bytes of the ref's own pattern,
// which is a prefix of the matched one when the automaton preferred a longer pattern at the same
// start (leftmost-longest would otherwise hide 絶対 behind 絶対に).
type patRef struct {
	ref int32
	n   int32
}

// matcher is the compiled form of a list set: immutable, shared by all goroutines.
type matcher struct {
	lists    *listSet
	entries  []entry
	ac       ahocorasick.AhoCorasick
	hasAC    bool
	pats     [][]patRef // automaton pattern → refs, including those of its prefixes
	refs     []ref
	regexps  []*regexp.Regexp // per entry (nil unless wildcard or regex); wildcards run on the folded text, regexps on the plain view
	always   []int32          // regex entries without a literal anchor: run on every text
	reading  *readingIndex
	patterns int
	// masks holds the terms with a letter masked (自*, f*ck), looked up only around a mask in the
	// text: masks are rare, and keeping them out of the automaton keeps it small.
	masks   map[string][]int32
	maskMax int // longest key of masks, in bytes
	// hints are automaton patterns that only say "run this rule" (hintSNS: line, いんすた …).
	hintPats map[int32]uint8
}

// Hint bits for the spam and safety rules.
const (
	hintSNS uint8 = 1 << iota
)

var snsHintWords = []string{"line", "ライン", "insta", "インスタ", "twitter", "ツイッター", "tiktok", "ティックトック",
	"discord", "ディスコード", "kakao", "wechat", "telegram", "snapchat", "skype", "whatsapp", "id"}

// compile builds the matcher. readings, when not nil, gives kagome readings of terms.
func compile(ls *listSet, readings readingFunc, tok *tokenizer.Tokenizer) (*matcher, error) {
	m := &matcher{lists: ls, entries: ls.entries, regexps: make([]*regexp.Regexp, len(ls.entries)),
		masks: map[string][]int32{}, hintPats: map[int32]uint8{}}
	index := map[string]int32{}
	var patterns []string
	add := func(pat string, r ref) {
		if pat == "" {
			return
		}
		id, ok := index[pat]
		if !ok {
			id = int32(len(patterns))
			index[pat] = id
			patterns = append(patterns, pat)
			m.pats = append(m.pats, nil)
		}
		m.pats[id] = append(m.pats[id], patRef{int32(len(m.refs)), int32(len(pat))})
		m.refs = append(m.refs, r)
	}
	var f textnorm.Folded
	var readingTerms []readingTerm
	for i := range ls.entries {
		e := &ls.entries[i]
		kind := e.Kind
		pattern := e.Pattern
		openStart, openEnd := false, false
		if kind == kindWildcard && !strings.Contains(strings.Trim(pattern, "*"), "*") {
			// word* or *word: a literal whose Latin word may continue on the starred side.
			openStart, openEnd = strings.HasPrefix(pattern, "*"), strings.HasSuffix(pattern, "*")
			kind, pattern = kindLiteral, strings.Trim(pattern, "*")
		}
		switch kind {
		case kindPair:
			for side, terms := range [][]string{e.Left, e.Right} {
				rk := refLeft
				if side == 1 {
					rk = refRight
				}
				for _, t := range terms {
					f.Reset(t)
					if len(f.Bytes()) == 0 {
						return nil, fmt.Errorf("list %s line %d: pair term %q folds to nothing", e.File, e.Line, t)
					}
					add(string(f.Bytes()), newRef(int32(i), rk, &f))
				}
			}
		case kindLiteral, kindException:
			forms := e.Forms
			if forms == nil {
				forms = []string{pattern}
			}
			for k, pattern := range forms {
				f.Reset(pattern)
				folded := string(f.Bytes())
				if folded == "" {
					return nil, fmt.Errorf("list %s line %d: %q folds to nothing", e.File, e.Line, e.Pattern)
				}
				rk := refTerm
				if kind == kindException {
					rk = refException
				}
				base := newRef(int32(i), rk, &f)
				base.wordStart = base.wordStart && !openStart
				base.wordEnd = base.wordEnd && !openEnd
				add(folded, base)
				if rk == refTerm && k == 0 {
					for _, v := range maskedVariants(&f) {
						r := base
						r.masked = true
						r.runs = v.runs
						m.masks[v.text] = append(m.masks[v.text], int32(len(m.refs)))
						m.refs = append(m.refs, r)
						m.maskMax = max(m.maskMax, len(v.text))
					}
				}
				if readings != nil && (e.Reading || kind == kindException) {
					rd := readings(pattern)
					if rd != "" {
						var rf textnorm.Folded
						rf.Reset(rd)
						// Short readings (じい for 自慰) would hit ordinary kana words; those terms
						// keep only the message-reading pass.
						if rt := string(rf.Bytes()); rt != folded && utf8.RuneCountInString(rt) >= 3 {
							add(rt, newRef(int32(i), rk, &rf))
						}
						if k == 0 {
							readingTerms = append(readingTerms, readingTerm{entry: int32(i), text: string(rf.Bytes()), kind: rk})
						}
					}
				}
			}
		case kindWildcard, kindRegex:
			re, anchor, err := compilePattern(e)
			if err != nil {
				return nil, fmt.Errorf("list %s line %d: %w", e.File, e.Line, err)
			}
			m.regexps[i] = re
			if anchor == "" {
				m.always = append(m.always, int32(i))
			} else {
				add(anchor, ref{entry: int32(i), kind: refAnchor})
			}
		}
	}
	for _, w := range snsHintWords {
		f.Reset(w)
		h := string(f.Bytes())
		id, ok := index[h]
		if !ok {
			id = int32(len(patterns))
			index[h] = id
			patterns = append(patterns, h)
			m.pats = append(m.pats, nil)
		}
		m.hintPats[id] |= hintSNS
	}
	// Give each pattern the refs of the patterns that are its prefixes.
	own := make([]int, len(patterns))
	for id := range patterns {
		own[id] = len(m.pats[id])
	}
	for id, p := range patterns {
		for i := range p {
			if i == 0 || !utf8.RuneStart(p[i]) {
				continue
			}
			if pid, ok := index[p[:i]]; ok {
				m.pats[id] = append(m.pats[id], m.pats[pid][:own[pid]]...)
			}
		}
	}
	m.patterns = len(patterns)
	if len(patterns) > 0 {
		b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.LeftMostLongestMatch, DFA: false})
		m.ac = b.Build(patterns)
		m.hasAC = true
	}
	if len(readingTerms) > 0 {
		m.reading = newReadingIndex(readingTerms, tok)
	}
	return m, nil
}

func newRef(entry int32, kind refKind, f *textnorm.Folded) ref {
	b := f.Bytes()
	r := ref{entry: entry, kind: kind}
	for i := 0; i < len(b); {
		_, n := utf8.DecodeRune(b[i:])
		r.runs = append(r.runs, uint8(f.Run(i)))
		i += n
	}
	r.wordStart = len(b) > 0 && isWordByte(b[0])
	r.wordEnd = len(b) > 0 && isWordByte(b[len(b)-1])
	return r
}

func isWordByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

type variant struct {
	text string
	runs []uint8
}

// maskedVariants returns the term with one letter masked (自殺 → 自*, fuck → f*ck) where what
// is left still says enough: a kanji, or at least two letters; Latin terms also lose two inner
// letters to one mask (f**k squeezes to f*k), or one of a doubled letter (nig*er).
func maskedVariants(f *textnorm.Folded) []variant {
	b := f.Bytes()
	runes := []rune(string(b))
	n := len(runes)
	if n < 2 || n > 12 {
		return nil
	}
	latin := isWordByte(b[0])
	var runs []uint8
	for i := 0; i < len(b); {
		_, w := utf8.DecodeRune(b[i:])
		runs = append(runs, uint8(f.Run(i)))
		i += w
	}
	var out []variant
	mk := func(from, to int) { // mask runes[from:to]
		var sb strings.Builder
		r := make([]uint8, 0, n)
		for i, c := range runes[:from] {
			sb.WriteRune(c)
			r = append(r, runs[i])
		}
		sb.WriteRune(textnorm.Mask)
		r = append(r, 1)
		for i, c := range runes[to:] {
			sb.WriteRune(c)
			r = append(r, runs[to+i])
		}
		out = append(out, variant{sb.String(), r})
	}
	if latin {
		if n < 3 {
			return nil
		}
		for i := 1; i < n-1; i++ {
			if runes[i] == ' ' {
				continue
			}
			mk(i, i+1)
			if i+2 < n && n >= 4 && runes[i+1] != ' ' {
				mk(i, i+2)
			}
		}
		// One of a doubled letter masked: nigger → nig*er and ni*ger (the term is squeezed, the
		// text is not, since the mask separates the pair).
		for k := 0; k < n; k++ {
			if runs[k] < 2 || runes[k] == ' ' {
				continue
			}
			for _, after := range []bool{true, false} {
				var sb strings.Builder
				r := make([]uint8, 0, n+1)
				for i, c := range runes {
					if i == k && !after {
						sb.WriteRune(textnorm.Mask)
						r = append(r, 1)
					}
					sb.WriteRune(c)
					if i == k {
						r = append(r, 1)
					} else {
						r = append(r, runs[i])
					}
					if i == k && after {
						sb.WriteRune(textnorm.Mask)
						r = append(r, 1)
					}
				}
				out = append(out, variant{sb.String(), r})
			}
		}
		return out
	}
	for i := 0; i < n; i++ {
		if runes[i] == ' ' || runes[i] == textnorm.Mask {
			continue
		}
		kept := 0
		kanji := false
		for j, c := range runes {
			if j != i && c != ' ' {
				kept++
				kanji = kanji || textnorm.IsKanji(c)
			}
		}
		if kanji || kept >= 2 {
			mk(i, i+1)
		}
	}
	return out
}

// compilePattern turns a wildcard or regex entry into a regexp over the folded text and the
// longest literal the text must contain for the regexp to match (its anchor).
func compilePattern(e *entry) (*regexp.Regexp, string, error) {
	if e.Kind == kindWildcard {
		pieces := strings.Split(e.Pattern, "*")
		var sb strings.Builder
		longest := ""
		var f textnorm.Folded
		for i, p := range pieces {
			f.Reset(p)
			fp := string(f.Bytes())
			latin := fp != "" && isWordByte(fp[0])
			if i == 0 && fp != "" && latin {
				sb.WriteString(`\b`)
			}
			if i > 0 {
				prev := pieces[i-1]
				switch {
				case i == len(pieces)-1 && p == "" && prev != "":
					sb.WriteString(`[a-z0-9]*`) // trailing *: any ending of the word
				case i == 1 && prev == "":
					sb.WriteString(`[a-z0-9]*`) // leading *
				default:
					fmt.Fprintf(&sb, `.{0,%d}?`, wildcardSpan)
				}
			}
			sb.WriteString(regexp.QuoteMeta(fp))
			if i == len(pieces)-1 && fp != "" && isWordByte(fp[len(fp)-1]) {
				sb.WriteString(`\b`)
			}
			if len(fp) > len(longest) {
				longest = fp
			}
		}
		re, err := regexp.Compile(sb.String())
		if err != nil {
			return nil, "", fmt.Errorf("wildcard %q: %w", e.Pattern, err)
		}
		return re, longest, nil
	}
	re, err := regexp.Compile(e.Pattern)
	if err != nil {
		return nil, "", fmt.Errorf("regexp %q: %w", e.Pattern, err)
	}
	// The regexp runs on the plain view; its anchor is looked for in the folded text.
	anchor := regexAnchor(e.Pattern)
	if anchor != "" && textnorm.Fold(anchor) != anchor {
		return nil, "", fmt.Errorf("regexp %q: literal %q is not in plain form (write %q: NFKC, lower case, hiragana)", e.Pattern, anchor, textnorm.Fold(anchor))
	}
	return re, textnorm.Normalize(anchor).Text(), nil
}

// regexAnchor returns the longest literal every match of the regexp contains, or "".
func regexAnchor(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	re = re.Simplify()
	best := ""
	consider := func(r *syntax.Regexp) {
		if r.Op == syntax.OpLiteral && r.Flags&syntax.FoldCase == 0 {
			if s := string(r.Rune); len(s) > len(best) {
				best = s
			}
		}
	}
	switch re.Op {
	case syntax.OpLiteral:
		consider(re)
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			consider(sub)
		}
	case syntax.OpCapture:
		if len(re.Sub) == 1 {
			return regexAnchor(re.Sub[0].String())
		}
	}
	return best
}
