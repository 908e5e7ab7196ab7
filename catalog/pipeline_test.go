package catalog

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/livehost/livehost/openaitest"
)

// countingEmbedder counts embedded texts and fails after a number of calls when told to.
type countingEmbedder struct {
	*HashEmbedder
	texts     int
	calls     int
	failAfter int // fail every call after this many; 0 never
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.calls++
	if c.failAfter > 0 && c.calls > c.failAfter {
		return nil, errors.New("embedding service down")
	}
	c.texts += len(texts)
	return c.HashEmbedder.Embed(ctx, texts)
}

func openTestStore(t *testing.T, dir string) *EmbeddedStore {
	t.Helper()
	s, err := OpenEmbedded(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestImportResumesAndUpserts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	products := exampleCatalog(t)
	st := openTestStore(t, dir)

	// The embedding service fails on the third batch: two batches are stored, consistently.
	emb := &countingEmbedder{HashEmbedder: NewHashEmbedder(0), failAfter: 2}
	sum, err := Import(ctx, st, emb, products, ImportOptions{BatchSize: 10})
	if err == nil || !strings.Contains(err.Error(), "embedding service down") {
		t.Fatalf("Import = %v; want the embedding failure", err)
	}
	if sum.Imported != 20 || st.Len() != 20 {
		t.Fatalf("after the failure: summary %+v, store has %d; want 20", sum, st.Len())
	}

	// A re-run (after a restart) resumes: only the rest is embedded.
	st.Close()
	st = openTestStore(t, dir)
	emb = &countingEmbedder{HashEmbedder: NewHashEmbedder(0)}
	var progress []int
	sum, err = Import(ctx, st, emb, products, ImportOptions{BatchSize: 10, Progress: func(done, total int) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	rest := len(products) - 20
	if sum.Imported != rest || sum.Unchanged != 20 || emb.texts != rest || sum.Embedded != rest {
		t.Errorf("resume: %+v, embedded %d texts; want %d new and 20 unchanged", sum, emb.texts, rest)
	}
	if len(progress) == 0 || progress[len(progress)-1] != len(products) {
		t.Errorf("progress %v does not reach %d", progress, len(products))
	}

	// Re-import with a price change and a text change: one re-embedded, one updated in place.
	changed := slices.Clone(products)
	changed[0].Price = 99999         // offer only
	changed[1].Description += " 新処方" // text
	emb = &countingEmbedder{HashEmbedder: NewHashEmbedder(0)}
	sum, err = Import(ctx, st, emb, changed, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Updated != 2 || sum.Imported != 0 || sum.Unchanged != len(products)-2 || emb.texts != 1 {
		t.Errorf("re-import: %+v, embedded %d texts; want 2 updated with 1 embedding", sum, emb.texts)
	}
	if p, _, _ := st.Get(ctx, changed[0].SKU); p.Price != 99999 {
		t.Errorf("price not updated: %v", p.Price)
	}

	// --prune: a full re-import without two SKUs removes them; a rejected row's SKU is kept.
	sum, err = Import(ctx, st, NewHashEmbedder(0), changed[2:], ImportOptions{Prune: true,
		Rejects: []Reject{{File: "x", Line: 2, SKU: changed[1].SKU, Reason: "bad price"}}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Pruned != 1 || st.Len() != len(products)-1 {
		t.Errorf("prune: %+v, store has %d", sum, st.Len())
	}
	if _, ok, _ := st.Get(ctx, changed[1].SKU); !ok {
		t.Error("the SKU of a rejected row was pruned")
	}
}

func TestEmbeddedStoreSurvivesRestartWithoutReembedding(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openTestStore(t, dir)
	if _, err := Import(ctx, st, NewHashEmbedder(0), exampleCatalog(t), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st = openTestStore(t, dir)
	emb := &countingEmbedder{HashEmbedder: NewHashEmbedder(0)}
	s, err := NewSearcher(ctx, st, emb)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := s.Search(ctx, Query{Text: "リップ", K: 5})
	if err != nil || len(hits) == 0 || !strings.Contains(hits[0].Product.Name, "リップ") {
		t.Fatalf("search after restart = %v, %v", hitSKUs(hits), err)
	}
	if emb.texts != 1 {
		t.Errorf("%d texts embedded after a restart; want only the query", emb.texts)
	}
	// Another embedder is refused with a clear error.
	if _, err := Import(ctx, st, NewHashEmbedder(64), exampleCatalog(t), ImportOptions{}); !errors.Is(err, ErrDimensionMismatch) {
		t.Errorf("import with a 64-dim embedder = %v", err)
	}
	srv := openaitest.New()
	defer srv.Close()
	oe, err := NewOpenAIEmbedder(ctx, OpenAIConfig{BaseURL: srv.URL, HTTPClient: srv.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSearcher(ctx, st, oe); !errors.Is(err, ErrDimensionMismatch) || !strings.Contains(err.Error(), HashEmbedderName) {
		t.Errorf("OpenAI searcher over a hash-embedded store = %v", err)
	}
}

func TestEmbeddedStoreSeesOtherProcessWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := openTestStore(t, dir)
	if _, err := Import(ctx, a, NewHashEmbedder(0), exampleCatalog(t)[:5], ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	// b is another process's view of the same directory (its own connection and index).
	b := openTestStore(t, dir)
	sku := exampleCatalog(t)[0].SKU
	seven := 7
	if err := b.UpdateOffer(ctx, sku, Offer{Stock: &seven}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Delete(ctx, []string{exampleCatalog(t)[1].SKU}); err != nil {
		t.Fatal(err)
	}
	if p, _, err := a.Get(ctx, sku); err != nil || p.Stock == nil || *p.Stock != 7 {
		t.Errorf("a does not see b's stock change: %+v, %v", p.Stock, err)
	}
	if a.Len() != 4 {
		t.Errorf("a has %d products after b deleted one; want 4", a.Len())
	}
	if _, err := filepath.Abs(a.Path()); err != nil {
		t.Error(err)
	}
}
