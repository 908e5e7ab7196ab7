package catalog

import (
	"container/heap"
	"sync"
	"sync/atomic"

	"github.com/livehost/livehost/textnorm"
)

// vecIndex is the exact in-memory cosine index: products and their L2-normalized vectors, stored
// column-major (one []float32 of all rows per dimension). A query multiplies only the columns where
// the query vector is non-zero, so a short query from the hashed n-gram embedder (a few dozen
// non-zero dimensions of 256) touches a fraction of the memory; a dense query touches it all. The
// result is the same exact cosine either way. It is not safe for concurrent use: its owner locks.
type vecIndex struct {
	// version changes with every change to the index (a value from one counter shared by all
	// indexes, so a reloaded index never repeats an old one's version).
	version int64
	dim     int
	cols    [][]float32 // cols[j][row]
	rows    []indexRow
	pos     map[string]int // sku → row
}

type indexRow struct {
	p     *Product
	facts facts  // what the filters read, kept inline so a scan does not follow p
	hash  string // text hash
}

var indexVersions atomic.Int64

func (ix *vecIndex) changed() { ix.version = indexVersions.Add(1) }

func newVecIndex(dim, capacity int) *vecIndex {
	ix := &vecIndex{version: indexVersions.Add(1), dim: dim, cols: make([][]float32, dim), pos: make(map[string]int, capacity)}
	for j := range ix.cols {
		ix.cols[j] = make([]float32, 0, capacity)
	}
	ix.rows = make([]indexRow, 0, capacity)
	return ix
}

func (ix *vecIndex) len() int { return len(ix.rows) }

// put inserts or replaces a product; vec must have ix.dim entries and is normalized on the way in.
// A nil vec keeps the stored one (only for an existing row). It reports whether the row is new.
func (ix *vecIndex) put(p *Product, vec []float32, hash string) bool {
	ix.changed()
	row := indexRow{p: p, facts: factsOf(p), hash: hash}
	if i, ok := ix.pos[p.SKU]; ok {
		ix.rows[i] = row
		if vec != nil {
			inv := invNorm(vec)
			for j := range ix.cols {
				ix.cols[j][i] = vec[j] * inv
			}
		}
		return false
	}
	inv := invNorm(vec)
	for j := range ix.cols {
		ix.cols[j] = append(ix.cols[j], vec[j]*inv)
	}
	ix.pos[p.SKU] = len(ix.rows)
	ix.rows = append(ix.rows, row)
	return true
}

// setProduct replaces the product of an existing row, keeping its vector and hash.
func (ix *vecIndex) setProduct(p *Product) bool {
	i, ok := ix.pos[p.SKU]
	if !ok {
		return false
	}
	ix.changed()
	ix.rows[i].p = p
	ix.rows[i].facts = factsOf(p)
	return true
}

// remove deletes a row by moving the last row into its place.
func (ix *vecIndex) remove(sku string) bool {
	i, ok := ix.pos[sku]
	if !ok {
		return false
	}
	ix.changed()
	last := len(ix.rows) - 1
	if i != last {
		ix.rows[i] = ix.rows[last]
		ix.pos[ix.rows[i].p.SKU] = i
		for j := range ix.cols {
			ix.cols[j][i] = ix.cols[j][last]
		}
	}
	ix.rows[last] = indexRow{}
	ix.rows = ix.rows[:last]
	for j := range ix.cols {
		ix.cols[j] = ix.cols[j][:last]
	}
	delete(ix.pos, sku)
	return true
}

func (ix *vecIndex) get(sku string) (*Product, bool) {
	i, ok := ix.pos[sku]
	if !ok {
		return nil, false
	}
	return ix.rows[i].p, true
}

// vector returns the stored (normalized) vector of a sku.
func (ix *vecIndex) vector(sku string) ([]float32, bool) {
	i, ok := ix.pos[sku]
	if !ok {
		return nil, false
	}
	v := make([]float32, ix.dim)
	for j := range ix.cols {
		v[j] = ix.cols[j][i]
	}
	return v, true
}

var scorePool = sync.Pool{New: func() any { return new([]float32) }}

// search returns the k rows with the highest cosine to q that pass the filter, best first (ties by
// SKU). q need not be normalized.
func (ix *vecIndex) search(q []float32, k int, f Filter) []Hit {
	n := len(ix.rows)
	if k <= 0 || n == 0 || len(q) != ix.dim {
		return nil
	}
	inv := invNorm(q)
	if inv == 0 {
		return nil // a zero query is near nothing
	}
	sp := scorePool.Get().(*[]float32)
	if cap(*sp) < n {
		*sp = make([]float32, n)
	}
	scores := (*sp)[:n]
	clear(scores)
	// Gather the non-zero query dimensions and add their columns four at a time, so the scores are
	// read and written once per four columns.
	var ws [4]float32
	var xs [4][]float32
	n4 := 0
	for j, qj := range q {
		if qj == 0 {
			continue
		}
		ws[n4], xs[n4] = qj*inv, ix.cols[j]
		n4++
		if n4 == 4 {
			axpy4(scores, ws, xs)
			n4 = 0
		}
	}
	for i := 0; i < n4; i++ {
		axpy(scores, ws[i], xs[i])
	}
	m := newMatcher(f)
	var excluded map[int]bool
	if len(f.ExcludeSKUs) > 0 {
		excluded = make(map[int]bool, len(f.ExcludeSKUs))
		for _, sku := range f.ExcludeSKUs {
			if i, ok := ix.pos[sku]; ok {
				excluded[i] = true
			}
		}
	}
	h := make(hitHeap, 0, k)
	consider := func(i int, s float32) {
		// Compare the score first: reading a row's SKU for each of 100k rows costs a cache miss each.
		if len(h) == k && (s < h[0].score || (s == h[0].score && !h.better(s, ix.rows[i].p.SKU, h[0]))) {
			return
		}
		if excluded[i] || !m.matchFacts(&ix.rows[i].facts) {
			return
		}
		c := scored{score: s, row: i, sku: ix.rows[i].p.SKU}
		if len(h) < k {
			heap.Push(&h, c)
		} else {
			h[0] = c
			heap.Fix(&h, 0)
		}
	}
	// Rows with a positive score first; the others only when fewer than k rows pass the filter
	// (a narrow filter would otherwise test every row that shares nothing with the query).
	for i, s := range scores {
		if s > 0 {
			consider(i, s)
		}
	}
	if len(h) < k {
		for i, s := range scores {
			if s <= 0 {
				consider(i, s)
			}
		}
	}
	scorePool.Put(sp)
	out := make([]Hit, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		c := heap.Pop(&h).(scored)
		out[i] = Hit{Product: cloneProduct(ix.rows[c.row].p), Score: min(max(float64(c.score), 0), 1)}
	}
	return out
}

// axpy4 adds w[0]·x[0] + … + w[3]·x[3] to y.
func axpy4(y []float32, w [4]float32, x [4][]float32) {
	n := len(y)
	x0, x1, x2, x3 := x[0][:n], x[1][:n], x[2][:n], x[3][:n]
	w0, w1, w2, w3 := w[0], w[1], w[2], w[3]
	for i := range y {
		y[i] += w0*x0[i] + w1*x1[i] + w2*x2[i] + w3*x3[i]
	}
}

// axpy adds a*x to y; unrolled by four.
func axpy(y []float32, a float32, x []float32) {
	x = x[:len(y)]
	i := 0
	for ; i+4 <= len(y); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(y); i++ {
		y[i] += a * x[i]
	}
}

func invNorm(v []float32) float32 {
	var s float32
	for _, x := range v {
		s += x * x
	}
	if s == 0 {
		return 0
	}
	return 1 / sqrt32(s)
}

type scored struct {
	score float32
	row   int
	sku   string
}

// hitHeap is a min-heap: the worst kept hit is at the top.
type hitHeap []scored

func (h hitHeap) Len() int           { return len(h) }
func (h hitHeap) Less(i, j int) bool { return h.better(h[j].score, h[j].sku, h[i]) }
func (h hitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *hitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// better reports whether (score, sku) ranks above c: higher score, then smaller SKU.
func (hitHeap) better(score float32, sku string, c scored) bool {
	if score != c.score {
		return score > c.score
	}
	return sku < c.sku
}

// facts are what the filters read of a product.
type facts struct {
	category int32   // interned folded category
	price    float64 // effective price
	inStock  bool
}

func factsOf(p *Product) facts {
	return facts{category: internCategory(textnorm.Fold(p.Category)), price: p.EffectivePrice(), inStock: p.InStock()}
}

// Categories are interned, so a filter compares numbers rather than strings on every row. A
// catalog has a handful of categories; the table only grows with new ones.
var (
	categoryMu  sync.RWMutex
	categoryIDs = map[string]int32{}
)

func internCategory(folded string) int32 {
	categoryMu.RLock()
	id, ok := categoryIDs[folded]
	categoryMu.RUnlock()
	if ok {
		return id
	}
	categoryMu.Lock()
	defer categoryMu.Unlock()
	if id, ok := categoryIDs[folded]; ok {
		return id
	}
	id = int32(len(categoryIDs))
	categoryIDs[folded] = id
	return id
}

// matcher applies a Filter; excluded SKUs are the caller's to check.
type matcher struct {
	f        Filter
	category int32 // -1: any category
	exclude  map[string]bool
}

func newMatcher(f Filter) *matcher {
	m := &matcher{f: f, category: -1}
	if c := textnorm.Fold(f.Category); c != "" {
		m.category = internCategory(c)
	}
	if len(f.ExcludeSKUs) > 0 {
		m.exclude = make(map[string]bool, len(f.ExcludeSKUs))
		for _, s := range f.ExcludeSKUs {
			m.exclude[s] = true
		}
	}
	return m
}

func (m *matcher) matchFacts(x *facts) bool {
	if m.f.InStockOnly && !x.inStock {
		return false
	}
	if m.category >= 0 && x.category != m.category {
		return false
	}
	if m.f.MinPrice != nil && x.price < *m.f.MinPrice {
		return false
	}
	if m.f.MaxPrice != nil && x.price > *m.f.MaxPrice {
		return false
	}
	return true
}

// matchProduct applies the whole filter, exclusions included, to a product.
func (m *matcher) matchProduct(p *Product) bool {
	if m.exclude[p.SKU] {
		return false
	}
	x := factsOf(p)
	return m.matchFacts(&x)
}

// cloneProduct copies a product deeply enough that the caller cannot change the store's copy.
func cloneProduct(p *Product) Product {
	c := *p
	if p.SalePrice != nil {
		v := *p.SalePrice
		c.SalePrice = &v
	}
	if p.Stock != nil {
		v := *p.Stock
		c.Stock = &v
	}
	if p.Attributes != nil {
		c.Attributes = make(map[string][]string, len(p.Attributes))
		for k, vs := range p.Attributes {
			c.Attributes[k] = append([]string(nil), vs...)
		}
	}
	c.Tags = append([]string(nil), p.Tags...)
	c.Related = append([]string(nil), p.Related...)
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	if len(c.Related) == 0 {
		c.Related = nil
	}
	return c
}
