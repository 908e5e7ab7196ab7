package catalog

import (
	"context"
	"errors"
)

// Embedder turns texts into vectors. Name and Dim are recorded in a store, so a store built by one
// embedder is never silently searched with another's vectors.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Name() string
	Dim() int
}

// Item is a product with its embedding and the hash of the text that was embedded, so an import can
// skip re-embedding products whose text did not change.
type Item struct {
	Product  Product
	Vector   []float32
	TextHash string
}

// Filter restricts a search.
type Filter struct {
	InStockOnly bool
	Category    string   // exact match on the folded category; empty: any
	MinPrice    *float64 // on the effective price
	MaxPrice    *float64
	ExcludeSKUs []string
}

// Hit is one search result, best first; Score is in [0,1] for vector hits (cosine similarity).
type Hit struct {
	Product Product `json:"product"`
	Score   float64 `json:"score"`
}

// UpsertResult counts what an upsert did.
type UpsertResult struct {
	Inserted int
	Updated  int
}

// Store is where the catalog lives: the embedded store in a data directory, or PostgreSQL + pgvector.
// Both implementations pass the same contract tests (storetest.go).
type Store interface {
	// Embedding returns the embedder name and dimension the store was built with ("" and 0 when empty).
	Embedding(ctx context.Context) (name string, dim int, err error)
	// SetEmbedding records the embedder; it fails with ErrDimensionMismatch when the store already
	// holds vectors of another name or dimension.
	SetEmbedding(ctx context.Context, name string, dim int) error
	// Upsert inserts or replaces items by SKU, atomically: all or none.
	Upsert(ctx context.Context, items []Item) (UpsertResult, error)
	// UpdateOffer changes price, sale price or stock without touching the embedding.
	UpdateOffer(ctx context.Context, sku string, o Offer) error
	// Delete removes products by SKU; unknown SKUs are ignored.
	Delete(ctx context.Context, skus []string) (int, error)
	Get(ctx context.Context, sku string) (Product, bool, error)
	// List returns every product, ordered by SKU.
	List(ctx context.Context) ([]Product, error)
	// TextHashes maps each SKU to the hash of its embedded text.
	TextHashes(ctx context.Context) (map[string]string, error)
	// VectorSearch returns the k nearest products by cosine similarity that pass the filter.
	VectorSearch(ctx context.Context, vec []float32, k int, f Filter) ([]Hit, error)
	Close() error
}

var (
	// ErrNotFound is returned for an unknown SKU.
	ErrNotFound = errors.New("catalog: product not found")
	// ErrDimensionMismatch is returned when vectors of another embedder or dimension meet a store.
	ErrDimensionMismatch = errors.New("catalog: embedding dimension or model does not match the store")
)
