package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/examples"
)

// servedCatalog is the catalog a show service answers from: a searcher over the catalog store or a
// file, and the demo's lineup.
type servedCatalog struct {
	count        int
	demoProducts []demoProduct
	searcher     *catalog.Searcher
	// store is the catalog store served from (nil for a catalog file); Close closes it.
	store       catalog.Store
	stopRefresh func()
}

// Close stops the catalog refresh and releases the catalog store, if any.
func (a *servedCatalog) Close() error {
	if a.stopRefresh != nil {
		a.stopRefresh()
	}
	if a.store == nil {
		return nil
	}
	return a.store.Close()
}

// refreshEvery rebuilds the searcher's word index from the store every interval, for a store that
// does not tell the searcher about other processes' imports (PostgreSQL). Prices, stock and vector
// hits are read live anyway; the index only matters for products added or renamed meanwhile.
func (a *servedCatalog) refreshEvery(every time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := a.searcher.Reload(ctx); err != nil && ctx.Err() == nil {
					log.Warn("refresh the catalog", "err", err)
				}
			}
		}
	}()
	a.stopRefresh = func() { cancel(); <-done }
}

// openFileCatalog loads the catalog from path into memory (no catalog when empty: questions are
// then answered as "unknown" and flagged for review).
func openFileCatalog(ctx context.Context, path string, log *slog.Logger) (*servedCatalog, error) {
	var products []catalog.Product
	if path != "" {
		res, err := catalog.ReadFile(path, "")
		if errors.Is(err, fs.ErrNotExist) && path == examples.CatalogPath {
			// Outside the repository the demo uses the copy built into the binary.
			res, err = readExampleCatalog()
		}
		if err != nil {
			return nil, fmt.Errorf("read catalog %s: %w", path, err)
		}
		for _, r := range res.Rejects {
			log.Warn("catalog row rejected", "row", r.String())
		}
		products = res.Products
	}
	searcher, err := catalog.NewMemorySearcher(ctx, products, catalog.NewHashEmbedder(256))
	if err != nil {
		return nil, fmt.Errorf("index catalog: %w", err)
	}
	return newServedCatalog(searcher, products), nil
}

func readExampleCatalog() (*catalog.ReadResult, error) {
	return catalog.Read(bytes.NewReader(examples.Catalog), examples.CatalogPath, "")
}

// openStoreCatalog serves the configured catalog store (the embedded one in the data directory, or
// PostgreSQL), searched with the embedder the store was built with. Reads go to the store, so
// `livehost catalog offer` and imports by other processes reach the running show. With demo, the
// example catalog's products the store lacks are imported first.
func openStoreCatalog(ctx context.Context, cfg serveConfig, log *slog.Logger) (*servedCatalog, error) {
	sf := storeFlags{data: cfg.Data, db: cfg.DatabaseURL, embedder: cfg.embedder}
	st, where, err := sf.open(ctx, cfg.Config, false)
	if err != nil {
		return nil, fmt.Errorf("open catalog store: %w", err)
	}
	ag, err := storeCatalog(ctx, st, where, cfg, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	ag.store = st
	if cfg.DatabaseURL != "" && cfg.catalogRefresh > 0 {
		ag.refreshEvery(cfg.catalogRefresh, log)
	}
	return ag, nil
}

func storeCatalog(ctx context.Context, st catalog.Store, where string, cfg serveConfig, log *slog.Logger) (*servedCatalog, error) {
	s, err := openSearcher(ctx, cfg.Config, st, cfg.embedder)
	if err != nil {
		return nil, fmt.Errorf("catalog store %s: %w", where, err)
	}
	var lineupFrom []catalog.Product
	if cfg.demo {
		res, err := readExampleCatalog()
		if err != nil {
			return nil, fmt.Errorf("read the example catalog: %w", err)
		}
		if err := importMissing(ctx, st, s, res.Products, where, log); err != nil {
			return nil, err
		}
		lineupFrom = res.Products
	}
	if s.Len() == 0 {
		log.Warn(fmt.Sprintf("the catalog store is empty, so there are no product cards and answers: import a catalog with "+
			"`livehost catalog import FILE %s` (a running server picks it up), serve a file with --catalog FILE, or try --demo", storeArgs(cfg)),
			"store", where)
	}
	log.Info("serving the catalog store", "store", where, "products", s.Len(), "embedder", s.Embedder().Name())
	return newServedCatalog(s, lineupFrom), nil
}

// storeArgs are the flags that name the store of cfg, for the hints serve logs.
func storeArgs(cfg serveConfig) string {
	if cfg.DatabaseURL != "" {
		return "--db URL"
	}
	return "--data " + cfg.Data
}

// importMissing imports the products the store does not have yet. Products already there are left
// alone, so a restarted demo keeps the prices and stock changed during the show.
func importMissing(ctx context.Context, st catalog.Store, s *catalog.Searcher, products []catalog.Product, where string, log *slog.Logger) error {
	have, err := st.TextHashes(ctx)
	if err != nil {
		return fmt.Errorf("catalog store %s: %w", where, err)
	}
	var missing []catalog.Product
	for _, p := range products {
		if _, ok := have[p.SKU]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sum, err := catalog.Import(ctx, st, s.Embedder(), missing, catalog.ImportOptions{})
	if err != nil {
		return fmt.Errorf("import the example catalog into %s: %w", where, err)
	}
	log.Info("imported the example catalog", "store", where, "imported", sum.Imported, "updated", sum.Updated)
	// The embedded store's searcher would catch up at its next search; PostgreSQL's needs telling.
	if err := s.Reload(ctx); err != nil {
		return fmt.Errorf("catalog store %s: %w", where, err)
	}
	return nil
}

// newServedCatalog serves searcher; the demo's lineup comes from lineupFrom.
func newServedCatalog(searcher *catalog.Searcher, lineupFrom []catalog.Product) *servedCatalog {
	sc := &servedCatalog{count: searcher.Len(), searcher: searcher}
	// The demo's lineup: products of the catalog's first category, as a themed show would have.
	for _, p := range lineupFrom {
		if p.Category == lineupFrom[0].Category {
			sc.demoProducts = append(sc.demoProducts, demoProduct{SKU: p.SKU, Name: p.Name})
		}
	}
	return sc
}
