package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/examples"
	"github.com/livehost/livehost/server"
)

// agentSet is the real agents behind the server: moderation, the offline answerer over the catalog,
// cross-sell and the auto-approve policy.
type agentSet struct {
	moderator    server.Moderator
	answerer     server.Answerer
	crossSell    server.CrossSeller
	products     server.Products
	count        int
	demoProducts []demoProduct
}

// openAgents loads the catalog from path (no catalog when empty: questions are then answered as
// "unknown" and flagged for review) and builds the agents.
func openAgents(ctx context.Context, path string, log *slog.Logger) (*agentSet, error) {
	var products []catalog.Product
	if path != "" {
		res, err := catalog.ReadFile(path, "")
		if errors.Is(err, fs.ErrNotExist) && path == examples.CatalogPath {
			// Outside the repository the demo uses the copy built into the binary.
			res, err = catalog.Read(bytes.NewReader(examples.Catalog), path, "")
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
	mod, err := moderation.NewDefault()
	if err != nil {
		return nil, fmt.Errorf("load moderation lists: %w", err)
	}
	ag := &agentSet{
		moderator: server.ModerationAgent(mod),
		answerer:  server.AnswerAgent(answer.NewOffline(searcher, nil)),
		crossSell: server.CatalogCrossSell(searcher),
		products:  server.CatalogProducts(searcher),
		count:     len(products),
	}
	// The demo's lineup: products of the catalog's first category, as a themed show would have.
	for _, p := range products {
		if p.Category == products[0].Category {
			ag.demoProducts = append(ag.demoProducts, demoProduct{SKU: p.SKU, Name: p.Name})
		}
	}
	return ag, nil
}
