package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Searcher is hybrid search over a Store: the store's vector search and an in-memory BM25 index
// (lexical.go) each rank candidates that pass the filter, and the two rankings are fused by
// reciprocal rank fusion. The lexical index and the product snapshot behind it are built at
// NewSearcher and rebuilt by Reload; UpdateOffer changes a price or stock in the store and the
// snapshot at once. Vector hits always carry the store's current product.
type Searcher struct {
	store Store
	emb   Embedder

	// MinVectorScore drops vector hits below this cosine from the fusion, so that products that
	// match neither by meaning nor by words do not fill up the results. NewSearcher sets it from
	// the embedder (DefaultMinVectorScore).
	MinVectorScore float64
	// RelativeCut drops, from each ranking, the hits that score under this fraction of that
	// ranking's best hit (a bigram that a description shares by chance, a hashed bucket that
	// collides), so the results end where the matches end instead of always filling k.
	RelativeCut float64
	// VectorWeight weighs the vector ranking against the lexical one in the fusion (the lexical
	// ranking weighs 1). NewSearcher sets it from the embedder (DefaultVectorWeight).
	VectorWeight float64

	mu    sync.RWMutex
	docs  []*Product // SKU order
	facts []facts    // what the filters read, by doc
	bySKU map[string]int
	lex   *lexIndex
	// version is the store's version the snapshot was taken at (stores that share their products).
	version int64
}

// Query is one search.
type Query struct {
	Text   string
	K      int // results wanted; 10 when 0
	Filter Filter
}

// rrfK is the constant of reciprocal rank fusion: score = Σ 1/(rrfK + rank).
const rrfK = 60

// DefaultMinVectorScore is the cosine under which a vector hit is noise for this embedder: for the
// hashed n-gram embedder, unrelated texts still share a few hashed buckets.
func DefaultMinVectorScore(e Embedder) float64 {
	if e != nil && e.Name() == HashEmbedderName {
		return 0.12
	}
	return 0
}

// DefaultVectorWeight is how much the vector ranking counts against the lexical one: less for the
// hashed n-gram embedder, whose vectors see the same characters as the lexical index plus the
// noise of hash collisions, than for a real embedding model, which adds meaning.
func DefaultVectorWeight(e Embedder) float64 {
	if e != nil && e.Name() == HashEmbedderName {
		return 0.8
	}
	return 1
}

// NewSearcher builds hybrid search over store, whose vectors must come from emb.
func NewSearcher(ctx context.Context, store Store, emb Embedder) (*Searcher, error) {
	name, dim, err := store.Embedding(ctx)
	if err != nil {
		return nil, err
	}
	if dim != 0 && (dim != emb.Dim() || (name != "" && name != emb.Name())) {
		return nil, mismatchError(name, dim, emb.Name(), emb.Dim())
	}
	s := &Searcher{store: store, emb: emb, MinVectorScore: DefaultMinVectorScore(emb), RelativeCut: 0.5, VectorWeight: DefaultVectorWeight(emb)}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// NewMemorySearcher embeds products into an in-memory store and searches them: `--catalog FILE`
// with no store.
func NewMemorySearcher(ctx context.Context, products []Product, emb Embedder) (*Searcher, error) {
	st := NewMemoryStore()
	if err := st.SetEmbedding(ctx, emb.Name(), emb.Dim()); err != nil {
		return nil, err
	}
	const batch = 256
	for i := 0; i < len(products); i += batch {
		part := products[i:min(i+batch, len(products))]
		texts := make([]string, len(part))
		for j := range part {
			texts[j] = part[j].EmbedText()
		}
		vecs, err := emb.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("catalog: embed: %w", err)
		}
		if len(vecs) != len(part) {
			return nil, fmt.Errorf("catalog: embedder %s returned %d vectors for %d texts", emb.Name(), len(vecs), len(part))
		}
		items := make([]Item, len(part))
		for j := range part {
			items[j] = Item{Product: part[j], Vector: vecs[j], TextHash: TextHash(&part[j])}
		}
		if _, err := st.Upsert(ctx, items); err != nil {
			return nil, err
		}
	}
	return NewSearcher(ctx, st, emb)
}

// Store is the store behind the searcher.
func (s *Searcher) Store() Store { return s.store }

// Embedder is the embedder the searcher embeds queries with.
func (s *Searcher) Embedder() Embedder { return s.emb }

// Reload rebuilds the lexical index and the product snapshot from the store (after an import or
// changes made by another process).
func (s *Searcher) Reload(ctx context.Context) error {
	var docs []*Product
	var version int64
	if ps, ok := s.store.(productSharer); ok {
		shared, v, err := ps.sharedProducts(ctx)
		if err != nil {
			return err
		}
		docs, version = shared, v
	} else {
		products, err := s.store.List(ctx)
		if err != nil {
			return err
		}
		docs = make([]*Product, len(products))
		for i := range products {
			docs[i] = &products[i]
		}
	}
	fs := make([]facts, len(docs))
	bySKU := make(map[string]int, len(docs))
	for i, p := range docs {
		fs[i] = factsOf(p)
		bySKU[p.SKU] = i
	}
	lex := buildLexIndex(docs)
	s.mu.Lock()
	s.docs, s.facts, s.bySKU, s.lex, s.version = docs, fs, bySKU, lex, version
	s.mu.Unlock()
	return nil
}

// Len is the number of products the searcher knows.
func (s *Searcher) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.docs)
}

// Search runs a hybrid search. Hit.Score is the fused score scaled to [0,1]: 1 for a product ranked
// first by both the vector and the lexical search.
func (s *Searcher) Search(ctx context.Context, q Query) ([]Hit, error) {
	text := strings.TrimSpace(q.Text)
	if text == "" {
		return nil, errors.New("catalog: empty query")
	}
	k := q.K
	if k <= 0 {
		k = 10
	}
	cand := max(4*k, 50)
	vecs, err := s.emb.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("catalog: embed query: %w", err)
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("catalog: embedder %s returned %d vectors for 1 text", s.emb.Name(), len(vecs))
	}
	vhits, err := s.store.VectorSearch(ctx, vecs[0], cand, q.Filter)
	if err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}

	type fused struct {
		p     *Product
		rrf   float64
		vec   float64
		fresh bool // p came from the store just now (a vector hit)
	}
	all := map[string]*fused{}
	rank := 0
	for _, h := range vhits {
		if h.Score < s.MinVectorScore || h.Score < s.RelativeCut*vhits[0].Score {
			continue
		}
		rank++
		p := h.Product
		all[p.SKU] = &fused{p: &p, rrf: s.VectorWeight / float64(rrfK+rank), vec: h.Score, fresh: true}
	}

	m := newMatcher(q.Filter)
	s.mu.RLock()
	lhits := s.lex.search(text, cand, func(d int) bool {
		return m.matchFacts(&s.facts[d]) && (m.exclude == nil || !m.exclude[s.docs[d].SKU])
	})
	for i, lh := range lhits {
		if float64(lh.score) < s.RelativeCut*float64(lhits[0].score) {
			break
		}
		p := s.docs[lh.doc]
		f := all[p.SKU]
		if f == nil {
			f = &fused{p: p}
			all[p.SKU] = f
		}
		f.rrf += 1 / float64(rrfK+i+1)
	}
	s.mu.RUnlock()

	out := make([]*fused, 0, len(all))
	for _, f := range all {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.rrf != b.rrf {
			return a.rrf > b.rrf
		}
		if a.vec != b.vec {
			return a.vec > b.vec
		}
		return a.p.SKU < b.p.SKU
	})
	best := (1 + s.VectorWeight) / float64(rrfK+1)
	hits := make([]Hit, 0, k)
	for _, f := range out {
		if len(hits) == k {
			break
		}
		p := *f.p // a vector hit's product is already the caller's copy
		if !f.fresh {
			// A lexical-only hit comes from the snapshot: take the store's current offer.
			cur, ok, err := s.store.Get(ctx, f.p.SKU)
			if err != nil {
				return nil, err
			}
			if !ok || !m.matchProduct(&cur) {
				continue
			}
			p = cur
		}
		hits = append(hits, Hit{Product: p, Score: f.rrf / best})
	}
	return hits, nil
}

// catchUp brings the snapshot up to date when the store changed behind the searcher (another
// process's `catalog offer` or import on the same embedded store, a direct Store call): when the
// same SKUs are still there, the products and filter facts are swapped in place (cheap: a price or
// stock change); otherwise the whole snapshot and lexical index are rebuilt.
func (s *Searcher) catchUp(ctx context.Context) error {
	ps, ok := s.store.(productSharer)
	if !ok {
		return nil
	}
	s.mu.RLock()
	current := ps.snapshotVersion() == s.version
	s.mu.RUnlock()
	if current {
		return nil
	}
	shared, v, err := ps.sharedProducts(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	same := len(shared) == len(s.docs)
	for i := 0; same && i < len(shared); i++ {
		p := shared[i]
		if p == s.docs[i] {
			continue // the store hands out the same pointer until a product changes
		}
		if p.SKU != s.docs[i].SKU || p.EmbedText() != s.docs[i].EmbedText() {
			same = false // added, removed or rewritten products: the lexical index is stale
			break
		}
		s.docs[i], s.facts[i] = p, factsOf(p)
	}
	if same {
		s.version = v
	}
	s.mu.Unlock()
	if same {
		return nil
	}
	return s.Reload(ctx)
}

// Nearest returns the k products most similar to sku (the product itself excluded), for
// cross-selling: "mention the matching lip liner". Scores are cosine similarities.
func (s *Searcher) Nearest(ctx context.Context, sku string, k int, f Filter) ([]Hit, error) {
	if k <= 0 {
		k = 5
	}
	var vec []float32
	if vr, ok := s.store.(VectorReader); ok {
		vs, err := vr.Vectors(ctx, []string{sku})
		if err != nil {
			return nil, err
		}
		vec = vs[sku]
	}
	if vec == nil {
		p, ok, err := s.store.Get(ctx, sku)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, sku)
		}
		vs, err := s.emb.Embed(ctx, []string{p.EmbedText()})
		if err != nil {
			return nil, fmt.Errorf("catalog: embed: %w", err)
		}
		vec = vs[0]
	}
	f.ExcludeSKUs = append(append([]string(nil), f.ExcludeSKUs...), sku)
	return s.store.VectorSearch(ctx, vec, k, f)
}

// Get returns a product from the store.
func (s *Searcher) Get(ctx context.Context, sku string) (Product, bool, error) {
	return s.store.Get(ctx, sku)
}

// UpdateOffer changes a product's price, sale price or stock in the store and in the searcher's
// snapshot, without re-embedding.
func (s *Searcher) UpdateOffer(ctx context.Context, sku string, o Offer) error {
	if err := s.store.UpdateOffer(ctx, sku, o); err != nil {
		return err
	}
	p, ok, err := s.store.Get(ctx, sku)
	if err != nil || !ok {
		return err
	}
	s.mu.Lock()
	if i, ok := s.bySKU[sku]; ok {
		s.docs[i], s.facts[i] = &p, factsOf(&p)
	}
	s.mu.Unlock()
	return nil
}
