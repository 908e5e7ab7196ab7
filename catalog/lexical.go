package catalog

import (
	"container/heap"
	"math"
	"sort"
	"strings"
	"sync"
)

// lexIndex is a BM25 index over folded character bigrams (single kanji as unigrams, since a kanji
// alone is a word), whole Latin words and the kana readings of kanji words. Name and brand terms
// count more than the rest of the text (a simple BM25F): a query that names the product ranks it
// above products that only mention the word in a description.
type lexIndex struct {
	terms    map[string]int32
	postings [][]posting
	docLen   []float32
	avgLen   float32
	// docNorm is BM25's length normalisation per document, k1·(1 − b + b·len/avg), computed once.
	docNorm []float32
}

type posting struct {
	doc int32
	tf  float32
}

const (
	bm25K1       = 1.2
	bm25B        = 0.75
	boostName    = 3.0
	boostBrand   = 2.0
	lexReadingWt = 0.6
)

// lexTerms calls add for every term of text with its weight.
func lexTerms(text string, add func(term string, w float32)) {
	for _, s := range segments(text, true) {
		w := float32(1)
		if s.reading {
			w = lexReadingWt
		}
		r := s.runes
		if s.latin || len(r) == 1 {
			add(string(r), w)
			continue
		}
		for i := range r {
			if !s.reading && isHan(r[i]) {
				add(string(r[i:i+1]), w)
			}
			if i+2 <= len(r) {
				add(string(r[i:i+2]), w)
			}
		}
	}
}

// lexFields is the text of a product the lexical index reads, by field.
func lexFields(p *Product) (name, brand, body string) {
	var b strings.Builder
	b.WriteString(p.Category)
	for _, t := range p.Tags {
		b.WriteString("\n")
		b.WriteString(t)
	}
	b.WriteString("\n")
	b.WriteString(p.Description)
	keys := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range p.Attributes[k] {
			b.WriteString("\n")
			b.WriteString(v)
		}
	}
	return p.Name, p.Brand, b.String()
}

func buildLexIndex(docs []*Product) *lexIndex {
	ix := &lexIndex{terms: map[string]int32{}, docLen: make([]float32, len(docs))}
	tf := map[string]float32{}
	var total float64
	for d, p := range docs {
		clear(tf)
		name, brand, body := lexFields(p)
		var length float32
		for _, f := range []struct {
			text  string
			boost float32
		}{{name, boostName}, {brand, boostBrand}, {body, 1}} {
			lexTerms(f.text, func(t string, w float32) {
				tf[t] += w * f.boost
				length += w * f.boost
			})
		}
		ix.docLen[d] = length
		total += float64(length)
		for t, v := range tf {
			id, ok := ix.terms[t]
			if !ok {
				id = int32(len(ix.postings))
				ix.terms[t] = id
				ix.postings = append(ix.postings, nil)
			}
			ix.postings[id] = append(ix.postings[id], posting{doc: int32(d), tf: v})
		}
	}
	if len(docs) > 0 {
		ix.avgLen = float32(total / float64(len(docs)))
	}
	if ix.avgLen == 0 {
		ix.avgLen = 1
	}
	ix.docNorm = make([]float32, len(docs))
	for d, l := range ix.docLen {
		ix.docNorm[d] = bm25K1 * (1 - bm25B + bm25B*l/ix.avgLen)
	}
	return ix
}

var matchPool = sync.Pool{New: func() any { return new([]uint8) }}

type lexHit struct {
	doc   int
	score float32
}

// search returns up to k documents that pass keep, by BM25 score, best first (ties by document
// order, which is SKU order).
func (ix *lexIndex) search(query string, k int, keep func(doc int) bool) []lexHit {
	qterms := map[string]float32{}
	lexTerms(query, func(t string, w float32) {
		if w > qterms[t] {
			qterms[t] = w
		}
	})
	n := len(ix.docLen)
	if n == 0 || len(qterms) == 0 || k <= 0 {
		return nil
	}
	sp := scorePool.Get().(*[]float32)
	if cap(*sp) < n {
		*sp = make([]float32, n)
	}
	scores := (*sp)[:n]
	clear(scores)
	// A document must contain at least two of the query's terms (or its only one): a single bigram
	// shared by chance (いや in 「においや色」 for イヤホン) is not a match.
	minMatch := min(2, len(qterms))
	mp := matchPool.Get().(*[]uint8)
	if cap(*mp) < n {
		*mp = make([]uint8, n)
	}
	matched := (*mp)[:n]
	clear(matched)
	var touched []int32
	for t, qw := range qterms {
		id, ok := ix.terms[t]
		if !ok {
			continue
		}
		ps := ix.postings[id]
		idf := float32(math.Log(1 + (float64(n)-float64(len(ps))+0.5)/(float64(len(ps))+0.5)))
		w := qw * idf * (bm25K1 + 1)
		for _, p := range ps {
			if matched[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			if matched[p.doc] < 255 {
				matched[p.doc]++
			}
			scores[p.doc] += w * p.tf / (p.tf + ix.docNorm[p.doc])
		}
	}
	h := make(lexHeap, 0, k)
	for _, d := range touched {
		c := lexHit{doc: int(d), score: scores[d]}
		if int(matched[d]) < minMatch || c.score <= 0 || (len(h) == k && !c.better(h[0])) {
			continue
		}
		if keep != nil && !keep(c.doc) {
			continue
		}
		if len(h) < k {
			heap.Push(&h, c)
		} else {
			h[0] = c
			heap.Fix(&h, 0)
		}
	}
	scorePool.Put(sp)
	matchPool.Put(mp)
	out := make([]lexHit, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(lexHit)
	}
	return out
}

func (a lexHit) better(b lexHit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.doc < b.doc
}

// lexHeap is a min-heap: the worst kept hit is at the top.
type lexHeap []lexHit

func (h lexHeap) Len() int           { return len(h) }
func (h lexHeap) Less(i, j int) bool { return h[j].better(h[i]) }
func (h lexHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *lexHeap) Push(x any)        { *h = append(*h, x.(lexHit)) }
func (h *lexHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
