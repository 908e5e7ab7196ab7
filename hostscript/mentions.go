package hostscript

import (
	"sort"
	"strings"
	"unicode"

	"github.com/livehost/livehost/catalog"
)

// Mention is a lineup product the host spoke about.
type Mention struct {
	SKU   string  `json:"sku"`
	Name  string  `json:"name"`
	Term  string  `json:"term"`  // the part of the product's name (or alias) that was heard
	Start int     `json:"start"` // rune offsets in the transcript
	End   int     `json:"end"`
	Score float64 `json:"score"` // 1 for the whole name or an alias; the share of the name heard otherwise
}

// Matcher finds lineup products in transcripts. A product is mentioned when its full name or an
// alias is heard, when one of its distinctive words (no other product in the lineup shares it) is
// heard whole, or when enough of its name is: 「ローズピンクのティント」 finds
// うるツヤ リップティント 03 ローズピンク. Japanese compounds earn partial credit for a part of
// three or more characters (ティント of リップティント); Latin words only count whole.
type Matcher struct {
	products []matchProduct
	// MinScore is the share of a name's weight that must be heard (default 0.4).
	MinScore float64
}

type matchProduct struct {
	sku, name string
	whole     []term // the full name and aliases
	words     []term
}

type term struct {
	text, folded string
	weight       float64
	distinct     bool
}

// NewMatcher prepares the lineup. aliases may add names per SKU (a nickname, a shade spoken in full).
func NewMatcher(lineup []catalog.Product, aliases map[string][]string) *Matcher {
	m := &Matcher{MinScore: 0.4}
	count := map[string]int{} // products whose name has the word
	split := make([][]term, len(lineup))
	for i, p := range lineup {
		seen := map[string]bool{}
		for _, w := range strings.FieldsFunc(p.Name, func(r rune) bool {
			return unicode.IsSpace(r) || strings.ContainsRune("・/／|｜()（）[]【】「」、,.。", r)
		}) {
			f := joined(units(w))
			if f == "" || seen[f] {
				continue
			}
			seen[f] = true
			count[f]++
			split[i] = append(split[i], term{text: w, folded: f})
		}
	}
	for i, p := range lineup {
		mp := matchProduct{sku: p.SKU, name: p.Name}
		for _, a := range append([]string{p.Name}, aliases[p.SKU]...) {
			if f := joined(units(a)); f != "" {
				mp.whole = append(mp.whole, term{text: a, folded: f})
			}
		}
		for _, w := range split[i] {
			n := len([]rune(w.folded))
			w.weight = float64(n)
			w.distinct = count[w.folded] == 1
			if w.distinct {
				w.weight *= 2
			}
			mp.words = append(mp.words, w)
		}
		m.products = append(m.products, mp)
	}
	return m
}

// joined concatenates units; Latin words keep a space between them so "lip tint" ≠ "lipt int".
func joined(us []unit) string {
	var b strings.Builder
	for i, u := range us {
		if i > 0 && isLatin(us[i-1].s) && isLatin(u.s) {
			b.WriteByte(' ')
		}
		b.WriteString(u.s)
	}
	return b.String()
}

func isLatin(s string) bool { return s != "" && s[0] < 0x80 }

func isAlnumByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }

// find returns the byte offset of t in hay where it does not cut a Latin word, or -1.
func find(hay, t string) int {
	for from := 0; from <= len(hay)-len(t); {
		i := strings.Index(hay[from:], t)
		if i < 0 {
			return -1
		}
		i += from
		okStart := !isAlnumByte(t[0]) || i == 0 || !isAlnumByte(hay[i-1])
		j := i + len(t)
		okEnd := !isAlnumByte(t[len(t)-1]) || j == len(hay) || !isAlnumByte(hay[j])
		if okStart && okEnd {
			return i
		}
		from = i + 1
	}
	return -1
}

// longestCommon returns the longest common run of runes of a and b (at least minLen), as the
// byte offset in b and the runes matched.
func longestCommon(a, b []rune, minLen int) (at, n int) {
	at = -1
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				if cur[j] > n {
					n, at = cur[j], j-cur[j]
				}
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	if n < minLen {
		return -1, 0
	}
	return len(string(b[:at])), n
}

// Match returns the products mentioned in text, best first.
func (m *Matcher) Match(text string) []Mention {
	us := units(text)
	hay := joined(us)
	hayRunes := []rune(hay)
	// Byte offset in hay → rune span in text.
	type span struct{ at, start, end int }
	spans := make([]span, 0, len(us))
	off := 0
	for i, u := range us {
		if i > 0 && isLatin(us[i-1].s) && isLatin(u.s) {
			off++
		}
		spans = append(spans, span{off, u.start, u.end})
		off += len(u.s)
	}
	locate := func(b, e int) (int, int) {
		s, en := 0, 0
		for _, sp := range spans {
			if sp.at <= b {
				s = sp.start
			}
			if sp.at < e {
				en = sp.end
			}
		}
		return s, en
	}
	var out []Mention
	for _, p := range m.products {
		best := Mention{SKU: p.sku, Name: p.name}
		found := false
		for _, t := range p.whole {
			if i := find(hay, t.folded); i >= 0 {
				best.Term, best.Score = t.text, 1
				best.Start, best.End = locate(i, i+len(t.folded))
				found = true
				break
			}
		}
		if !found {
			var total, heard float64
			strong := false // a distinctive word of 3+ characters heard whole
			first, firstLen := -1, 0
			var firstTerm term
			for _, w := range p.words {
				total += w.weight
				i, n := find(hay, w.folded), len([]rune(w.folded))
				got := n
				if i < 0 {
					if isLatin(w.folded) {
						continue
					}
					var bytes int
					i, got = longestCommon([]rune(w.folded), hayRunes, 3)
					if i < 0 {
						continue
					}
					bytes = len(string(hayRunes[len([]rune(hay[:i])):][:got]))
					n = -bytes // partial: remember the byte length heard
				}
				heard += w.weight * float64(got) / float64(len([]rune(w.folded)))
				if w.distinct && got == len([]rune(w.folded)) && got >= 3 {
					strong = true
				}
				if first < 0 || i < first {
					first, firstTerm = i, w
					firstLen = len(w.folded)
					if n < 0 {
						firstLen = -n
					}
				}
			}
			if total == 0 || first < 0 || (!strong && heard/total < m.MinScore) {
				continue
			}
			best.Score = heard / total
			best.Term = firstTerm.text
			best.Start, best.End = locate(first, first+firstLen)
		}
		out = append(out, best)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Start < out[j].Start
	})
	return out
}
