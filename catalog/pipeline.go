package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// TextHash is the hash of the text a product is embedded from; an import re-embeds a product only
// when it changes.
func TextHash(p *Product) string {
	sum := sha256.Sum256([]byte(p.EmbedText()))
	return hex.EncodeToString(sum[:16])
}

// ImportOptions tunes Import.
type ImportOptions struct {
	// BatchSize is how many products are embedded and upserted together (64 when 0). Each batch is
	// one transaction: an embedding failure leaves every earlier batch in place and no part of its own.
	BatchSize int
	// Prune deletes the store's products that are not in this import (a full re-import). SKUs of
	// rejected rows are kept: a typo in one row never deletes the product.
	Prune bool
	// Rejects are the rows the reader refused; Import carries them into the summary and keeps their
	// SKUs from pruning.
	Rejects []Reject
	// Progress, when set, is called after each batch with the products handled so far.
	Progress func(done, total int)
}

// ImportSummary says what an import did.
type ImportSummary struct {
	Imported  int      `json:"imported"`  // new products
	Updated   int      `json:"updated"`   // existing products that changed
	Unchanged int      `json:"unchanged"` // existing products with nothing new
	Embedded  int      `json:"embedded"`  // products whose text was embedded
	Pruned    int      `json:"pruned"`    // products deleted by Prune
	Rejected  []Reject `json:"rejected"`
	Embedder  string   `json:"embedder"`
	Dim       int      `json:"dim"`
}

// Import embeds and upserts products into store in batches. A product whose embedded text did not
// change keeps its vector (its other fields are still updated); one that did not change at all is
// skipped, so a re-run after a failure resumes where it stopped. On error the summary counts the
// batches that were stored.
func Import(ctx context.Context, store Store, emb Embedder, products []Product, opt ImportOptions) (ImportSummary, error) {
	sum := ImportSummary{Rejected: opt.Rejects, Embedder: emb.Name(), Dim: emb.Dim()}
	if sum.Rejected == nil {
		sum.Rejected = []Reject{}
	}
	batchSize := opt.BatchSize
	if batchSize <= 0 {
		batchSize = 64
	}
	if err := store.SetEmbedding(ctx, emb.Name(), emb.Dim()); err != nil {
		return sum, err
	}
	hashes, err := store.TextHashes(ctx)
	if err != nil {
		return sum, err
	}

	// Work out what each product needs.
	type job struct {
		p     Product
		hash  string
		embed bool // the text changed or the product is new
		isNew bool
	}
	var jobs []job
	inFile := make(map[string]bool, len(products))
	var keepVector []string
	for _, p := range products {
		if inFile[p.SKU] {
			continue // readers reject duplicates; a caller's slice may still have them
		}
		inFile[p.SKU] = true
		h := TextHash(&p)
		old, exists := hashes[p.SKU]
		switch {
		case !exists:
			jobs = append(jobs, job{p: p, hash: h, embed: true, isNew: true})
		case old != h:
			jobs = append(jobs, job{p: p, hash: h, embed: true})
		default:
			cur, ok, err := store.Get(ctx, p.SKU)
			if err != nil {
				return sum, err
			}
			if ok && sameProduct(&cur, &p) {
				sum.Unchanged++
				continue
			}
			jobs = append(jobs, job{p: p, hash: h})
			keepVector = append(keepVector, p.SKU)
		}
	}
	var kept map[string][]float32
	if vr, ok := store.(VectorReader); ok && len(keepVector) > 0 {
		if kept, err = vr.Vectors(ctx, keepVector); err != nil {
			return sum, err
		}
	}
	for i := range jobs {
		if !jobs[i].embed && kept[jobs[i].p.SKU] == nil {
			jobs[i].embed = true // the store cannot hand back its vector: embed again
		}
	}

	total := len(jobs)
	done := 0
	report := func() {
		if opt.Progress != nil {
			opt.Progress(done+sum.Unchanged, total+sum.Unchanged)
		}
	}
	report()
	for start := 0; start < len(jobs); start += batchSize {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		batch := jobs[start:min(start+batchSize, len(jobs))]
		var texts []string
		var idx []int
		for i, j := range batch {
			if j.embed {
				texts = append(texts, j.p.EmbedText())
				idx = append(idx, i)
			}
		}
		var vecs [][]float32
		if len(texts) > 0 {
			vecs, err = emb.Embed(ctx, texts)
			if err != nil {
				return sum, fmt.Errorf("embed products %d–%d: %w", start+1, start+len(batch), err)
			}
			if len(vecs) != len(texts) {
				return sum, fmt.Errorf("embedder %s returned %d vectors for %d texts", emb.Name(), len(vecs), len(texts))
			}
		}
		items := make([]Item, len(batch))
		for i, j := range batch {
			items[i] = Item{Product: j.p, TextHash: j.hash, Vector: kept[j.p.SKU]}
		}
		for n, i := range idx {
			if err := checkDim(emb.Name(), emb.Dim(), vecs[n]); err != nil {
				return sum, err
			}
			items[i].Vector = vecs[n]
		}
		if _, err := store.Upsert(ctx, items); err != nil {
			return sum, err
		}
		for _, j := range batch {
			if j.isNew {
				sum.Imported++
			} else {
				sum.Updated++
			}
		}
		sum.Embedded += len(texts)
		done += len(batch)
		report()
	}

	if opt.Prune {
		for _, r := range opt.Rejects {
			if r.SKU != "" {
				inFile[r.SKU] = true
			}
		}
		var gone []string
		for sku := range hashes {
			if !inFile[sku] {
				gone = append(gone, sku)
			}
		}
		sort.Strings(gone)
		if len(gone) > 0 {
			n, err := store.Delete(ctx, gone)
			if err != nil {
				return sum, err
			}
			sum.Pruned = n
		}
	}
	return sum, nil
}

// sameProduct compares two products as they would be stored.
func sameProduct(a, b *Product) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}
