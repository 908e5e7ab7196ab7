package catalog

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
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
	mu   sync.RWMutex
	name string
	dim  int
	ix   *vecIndex
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{ix: newVecIndex(0, 0)} }

var _ Store = (*MemoryStore)(nil)
var _ VectorReader = (*MemoryStore)(nil)

func (s *MemoryStore) Embedding(ctx context.Context) (string, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.name, s.dim, nil
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

// checkItemsLocked validates a batch before anything is written.
func (s *MemoryStore) checkItemsLocked(items []Item) (dim int, err error) {
	dim = s.dim
	for i, it := range items {
		if it.Product.SKU == "" {
			return 0, fmt.Errorf("catalog: item %d has no sku", i)
		}
		if dim == 0 {
			dim = len(it.Vector)
		}
		if dim == 0 || len(it.Vector) != dim {
			return 0, fmt.Errorf("%w: product %s has a %d-dimension vector, the store holds %d",
				ErrDimensionMismatch, it.Product.SKU, len(it.Vector), dim)
		}
		for _, x := range it.Vector {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return 0, fmt.Errorf("catalog: product %s has a non-finite vector entry", it.Product.SKU)
			}
		}
	}
	return dim, nil
}

func (s *MemoryStore) Upsert(ctx context.Context, items []Item) (UpsertResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dim, err := s.checkItemsLocked(items)
	if err != nil {
		return UpsertResult{}, err
	}
	return s.applyUpsertLocked(items, dim), nil
}

func (s *MemoryStore) applyUpsertLocked(items []Item, dim int) UpsertResult {
	if s.dim == 0 && dim > 0 {
		s.setEmbeddingLocked(s.name, dim)
	}
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
	p, ok := s.ix.get(sku)
	if !ok {
		return Product{}, false, nil
	}
	return cloneProduct(p), true, nil
}

func (s *MemoryStore) List(ctx context.Context) ([]Product, error) {
	s.mu.RLock()
	out := make([]Product, 0, s.ix.len())
	for _, r := range s.ix.rows {
		out = append(out, cloneProduct(r.p))
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out, nil
}

func (s *MemoryStore) TextHashes(ctx context.Context) (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := make(map[string]string, s.ix.len())
	for _, r := range s.ix.rows {
		m[r.p.SKU] = r.hash
	}
	return m, nil
}

func (s *MemoryStore) VectorSearch(ctx context.Context, vec []float32, k int, f Filter) ([]Hit, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ix.len() > 0 && len(vec) != s.dim {
		return nil, fmt.Errorf("%w: query vector has %d dimensions, the store holds %d", ErrDimensionMismatch, len(vec), s.dim)
	}
	return s.ix.search(vec, k, f), nil
}

func (s *MemoryStore) Vectors(ctx context.Context, skus []string) (map[string][]float32, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string][]float32, len(skus))
	for _, sku := range skus {
		if v, ok := s.ix.vector(sku); ok {
			out[sku] = v
		}
	}
	return out, nil
}

func (s *MemoryStore) Close() error { return nil }

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
