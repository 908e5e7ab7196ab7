package catalog

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// VectorReader is implemented by stores that can hand back stored vectors (normalized), so that an
// import can update a product whose embedded text did not change (a new price or URL) without
// embedding it again, and Nearest can start from a product's own vector.
type VectorReader interface {
	Vectors(ctx context.Context, skus []string) (map[string][]float32, error)
}

// MemoryStore is a Store that lives only in memory: the index behind NewMemorySearcher, and the
// in-memory half of the embedded store.
type MemoryStore struct {
	mu     sync.RWMutex
	closed bool
	name   string
	dim    int
	ix     *vecIndex
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{ix: newVecIndex(0, 0)} }

var _ Store = (*MemoryStore)(nil)
var _ VectorReader = (*MemoryStore)(nil)

func (s *MemoryStore) Embedding(ctx context.Context) (string, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.name, s.dim, s.openErr()
}

func (s *MemoryStore) SetEmbedding(ctx context.Context, name string, dim int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkEmbeddingLocked(name, dim); err != nil {
		return err
	}
	s.setEmbeddingLocked(name, dim)
	return nil
}

func (s *MemoryStore) checkEmbeddingLocked(name string, dim int) error {
	if s.closed {
		return errClosed
	}
	if strings.TrimSpace(name) == "" {
		return errors.New("catalog: the embedder needs a name")
	}
	if dim <= 0 {
		return fmt.Errorf("catalog: embedding dimension must be positive, got %d", dim)
	}
	if s.ix.len() == 0 {
		return nil
	}
	if dim != s.dim || (s.name != "" && name != s.name) {
		return mismatchError(s.name, s.dim, name, dim)
	}
	return nil
}

func (s *MemoryStore) setEmbeddingLocked(name string, dim int) {
	if dim != s.dim {
		s.ix = newVecIndex(dim, 0) // only when empty: checked by the caller
	}
	s.name, s.dim = name, dim
}

// mismatchError says what the store holds and what was offered.
func mismatchError(haveName string, haveDim int, name string, dim int) error {
	if haveName == "" {
		haveName = "an unnamed embedder"
	}
	return fmt.Errorf("%w: the store holds %d-dimension vectors from %s, but the embedder is %s with %d dimensions; "+
		"use the same embedder, or import into an empty store (a new --data directory or database)",
		ErrDimensionMismatch, haveDim, haveName, name, dim)
}

// checkItemsLocked validates a batch before anything is written: all or none.
func (s *MemoryStore) checkItemsLocked(items []Item) error {
	if s.closed {
		return errClosed
	}
	if s.dim == 0 {
		return fmt.Errorf("%w: the store has no embedder recorded; call SetEmbedding before Upsert", ErrDimensionMismatch)
	}
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		if err := checkItem(it, s.dim); err != nil {
			return fmt.Errorf("catalog: item %d: %w", i, err)
		}
		if seen[it.Product.SKU] {
			return fmt.Errorf("catalog: sku %s appears twice in one upsert", it.Product.SKU)
		}
		seen[it.Product.SKU] = true
	}
	return nil
}

// checkItem is what every stored item must be: a SKU, sane numbers, and a finite, non-zero vector
// of the store's dimension.
func checkItem(it Item, dim int) error {
	p := &it.Product
	if strings.TrimSpace(p.SKU) == "" || !utf8.ValidString(p.SKU) {
		return fmt.Errorf("bad sku %q", p.SKU)
	}
	if len(it.Vector) != dim {
		return fmt.Errorf("%w: product %s has a %d-dimension vector, the store holds %d",
			ErrDimensionMismatch, p.SKU, len(it.Vector), dim)
	}
	nonZero := false
	for _, x := range it.Vector {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("product %s has a non-finite vector entry", p.SKU)
		}
		nonZero = nonZero || x != 0
	}
	if !nonZero {
		return fmt.Errorf("product %s has a zero vector", p.SKU)
	}
	if !finiteNonNegative(p.Price) {
		return fmt.Errorf("product %s has a bad price %v", p.SKU, p.Price)
	}
	if p.SalePrice != nil && !finiteNonNegative(*p.SalePrice) {
		return fmt.Errorf("product %s has a bad sale price %v", p.SKU, *p.SalePrice)
	}
	if p.Stock != nil && *p.Stock < 0 {
		return fmt.Errorf("product %s has a bad stock %d", p.SKU, *p.Stock)
	}
	return nil
}

func finiteNonNegative(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0 }

// checkQuery validates a vector search.
func checkQuery(vec []float32, k, dim, n int) error {
	if k <= 0 {
		return fmt.Errorf("catalog: k must be positive, got %d", k)
	}
	for _, x := range vec {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return errors.New("catalog: the query vector has a non-finite entry")
		}
	}
	if n > 0 && len(vec) != dim {
		return fmt.Errorf("%w: the query vector has %d dimensions, the store holds %d", ErrDimensionMismatch, len(vec), dim)
	}
	return nil
}

var errClosed = errors.New("catalog: store is closed")

func (s *MemoryStore) Upsert(ctx context.Context, items []Item) (UpsertResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(items) == 0 {
		return UpsertResult{}, s.openErr()
	}
	if err := s.checkItemsLocked(items); err != nil {
		return UpsertResult{}, err
	}
	return s.applyUpsertLocked(items), nil
}

func (s *MemoryStore) applyUpsertLocked(items []Item) UpsertResult {
	var res UpsertResult
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		p := cloneProduct(&it.Product)
		_, existed := s.ix.pos[p.SKU]
		s.ix.put(&p, it.Vector, it.TextHash)
		if seen[p.SKU] {
			continue
		}
		seen[p.SKU] = true
		if existed {
			res.Updated++
		} else {
			res.Inserted++
		}
	}
	return res
}

// applyOffer returns a copy of p with the offer applied.
func applyOffer(p *Product, o Offer) (Product, error) {
	c := cloneProduct(p)
	if o.Price != nil {
		if math.IsNaN(*o.Price) || math.IsInf(*o.Price, 0) || *o.Price < 0 {
			return c, fmt.Errorf("catalog: bad price %v", *o.Price)
		}
		c.Price = *o.Price
	}
	if o.SalePrice != nil {
		sp := *o.SalePrice
		if math.IsNaN(sp) || math.IsInf(sp, 0) || sp < 0 {
			return c, fmt.Errorf("catalog: bad sale price %v", sp)
		}
		if sp == 0 {
			c.SalePrice = nil
		} else {
			c.SalePrice = &sp
		}
	}
	if o.Stock != nil {
		if *o.Stock < 0 {
			return c, fmt.Errorf("catalog: bad stock %d", *o.Stock)
		}
		st := *o.Stock
		c.Stock = &st
	}
	return c, nil
}

func (s *MemoryStore) UpdateOffer(ctx context.Context, sku string, o Offer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openErr(); err != nil {
		return err
	}
	p, ok := s.ix.get(sku)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, sku)
	}
	np, err := applyOffer(p, o)
	if err != nil {
		return err
	}
	s.ix.setProduct(&np)
	return nil
}

func (s *MemoryStore) Delete(ctx context.Context, skus []string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openErr(); err != nil {
		return 0, err
	}
	n := 0
	for _, sku := range skus {
		if s.ix.remove(sku) {
			n++
		}
	}
	return n, nil
}

func (s *MemoryStore) Get(ctx context.Context, sku string) (Product, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.openErr(); err != nil {
		return Product{}, false, err
	}
	p, ok := s.ix.get(sku)
	if !ok {
		return Product{}, false, nil
	}
	return cloneProduct(p), true, nil
}

func (s *MemoryStore) List(ctx context.Context) ([]Product, error) {
	s.mu.RLock()
	if err := s.openErr(); err != nil {
		s.mu.RUnlock()
		return nil, err
	}
	out := make([]Product, 0, s.ix.len())
	for _, r := range s.ix.rows {
		out = append(out, cloneProduct(r.p))
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out, nil
}

// sharedProducts returns the store's own products, sorted by SKU, for a Searcher's snapshot without a
// copy of each, and the index version they are of. A stored product is never changed in place (an
// update stores a new one), so the pointers stay valid and read-only.
func (s *MemoryStore) sharedProducts(ctx context.Context) ([]*Product, int64, error) {
	s.mu.RLock()
	if err := s.openErr(); err != nil {
		s.mu.RUnlock()
		return nil, 0, err
	}
	out := make([]*Product, 0, s.ix.len())
	for _, r := range s.ix.rows {
		out = append(out, r.p)
	}
	v := s.ix.version
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out, v, nil
}

// snapshotVersion is the version of the products as last read (no refresh).
func (s *MemoryStore) snapshotVersion() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ix.version
}

// productSharer is a store whose products a Searcher can share instead of copying, and whose
// changes it can notice.
type productSharer interface {
	sharedProducts(ctx context.Context) ([]*Product, int64, error)
	snapshotVersion() int64
}

func (s *MemoryStore) TextHashes(ctx context.Context) (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.openErr(); err != nil {
		return nil, err
	}
	m := make(map[string]string, s.ix.len())
	for _, r := range s.ix.rows {
		m[r.p.SKU] = r.hash
	}
	return m, nil
}

func (s *MemoryStore) VectorSearch(ctx context.Context, vec []float32, k int, f Filter) ([]Hit, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.openErr(); err != nil {
		return nil, err
	}
	if err := checkQuery(vec, k, s.dim, s.ix.len()); err != nil {
		return nil, err
	}
	return s.ix.search(vec, k, f), nil
}

func (s *MemoryStore) Vectors(ctx context.Context, skus []string) (map[string][]float32, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.openErr(); err != nil {
		return nil, err
	}
	out := make(map[string][]float32, len(skus))
	for _, sku := range skus {
		if v, ok := s.ix.vector(sku); ok {
			out[sku] = v
		}
	}
	return out, nil
}

func (s *MemoryStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// openErr is errClosed after Close. The caller holds s.mu.
func (s *MemoryStore) openErr() error {
	if s.closed {
		return errClosed
	}
	return nil
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
