package catalog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/livehost/livehost/examples"
	"github.com/livehost/livehost/internal/pgtest"
)

// pgTextSet is a PostgreSQL store loaded with hashed-embedder vectors of real product text, with
// the same vectors kept in memory for exact search.
type pgTextSet struct {
	url     string
	store   Store
	skus    []string
	data    [][]float32
	queries []string
	qvecs   [][]float32
	kth     []float64 // exact k-th score of each query, computed once
}

// pgTextRecallLoad loads products into a fresh PostgreSQL store through Upsert, embedding each
// product's text and each query with the offline embedder.
// With bulk, the HNSW index is dropped for the load and built over the loaded table afterwards
// (as a REINDEX would), which is minutes faster at 100k than maintaining it on every insert.
func pgTextRecallLoad(t testing.TB, products []Product, queries []string, bulk bool) *pgTextSet {
	t.Helper()
	ctx := context.Background()
	emb := NewHashEmbedder(0)
	s := &pgTextSet{url: pgIndexOnly(t, pgtest.URL(t), len(products)), queries: queries}
	s.store = pgOpenT(t, s.url)
	if err := s.store.SetEmbedding(ctx, emb.Name(), emb.Dim()); err != nil {
		t.Fatal(err)
	}
	if bulk {
		pgExecT(t, s.url, `DROP INDEX catalog_products_embedding_hnsw`)
		defer func() {
			start := time.Now()
			pgExecT(t, s.url, `SET maintenance_work_mem = '512MB'; `+pgHNSWIndexSQL)
			t.Logf("HNSW bulk build over %d products: %v", len(products), time.Since(start).Round(time.Millisecond))
		}()
	}
	items := make([]Item, 0, 1000)
	for i := range products {
		v := emb.EmbedOne(products[i].EmbedText())
		s.skus = append(s.skus, products[i].SKU)
		s.data = append(s.data, v)
		items = append(items, Item{Product: products[i], Vector: v, TextHash: "h"})
		if len(items) == cap(items) || i == len(products)-1 {
			if _, err := s.store.Upsert(ctx, items); err != nil {
				t.Fatal(err)
			}
			items = items[:0]
		}
	}
	for _, q := range queries {
		s.qvecs = append(s.qvecs, emb.EmbedOne(q))
	}
	return s
}

// pgExecT runs SQL straight against the database.
func pgExecT(t testing.TB, url, sql string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// recall searches every query with st and returns recall@k against exact search over the same
// vectors, and the latency of each search. A hit counts when its exact score reaches the exact
// k-th score: products tied at the boundary are equally right, and the hashed embedder makes
// such ties common (many products share no feature with a short query).
func (s *pgTextSet) recall(t testing.TB, st Store, k int) (float64, []time.Duration) {
	t.Helper()
	ctx := context.Background()
	index := make(map[string]int, len(s.skus))
	for i, sku := range s.skus {
		index[sku] = i
	}
	var found, total int
	lat := make([]time.Duration, 0, len(s.qvecs))
	if s.kth == nil {
		for _, q := range s.qvecs {
			exact := contractExactTopK(q, s.data, k, nil)
			s.kth = append(s.kth, contractCosine(q, s.data[exact[len(exact)-1]]))
		}
	}
	want := min(k, len(s.data))
	for qi, q := range s.qvecs {
		if !pgFiniteNonZero(q) {
			continue // nothing is near a zero vector, in either store
		}
		kth := s.kth[qi]
		start := time.Now()
		hits, err := st.VectorSearch(ctx, q, k, Filter{})
		lat = append(lat, time.Since(start))
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, h := range hits {
			i, ok := index[h.Product.SKU]
			if !ok || seen[h.Product.SKU] {
				continue
			}
			seen[h.Product.SKU] = true
			if contractCosine(q, s.data[i]) >= kth-1e-6 {
				found++
			}
		}
		total += want
	}
	if total == 0 {
		t.Fatal("no query had a non-zero vector: this measures nothing")
	}
	return float64(found) / float64(total), lat
}

// recallExampleProducts is examples/catalog.jsonl and examples/catalog2.jsonl.
func recallExampleProducts(t testing.TB) []Product {
	t.Helper()
	var out []Product
	for _, c := range []struct {
		name string
		data []byte
	}{{examples.CatalogPath, examples.Catalog}, {examples.Catalog2Path, examples.Catalog2}} {
		r, err := Read(bytes.NewReader(c.data), c.name, FormatJSONL)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Rejects) > 0 {
			t.Fatalf("%s: %v", c.name, r.Rejects)
		}
		out = append(out, r.Products...)
	}
	return out
}

// textRecallQueries are the project's own text queries: the questions of the answer evals, each
// product's name, and "name attribute value" and "attribute value" for every attribute value.
func textRecallQueries(t testing.TB, products []Product) []string {
	t.Helper()
	var qs []string
	for _, f := range []string{"qa.jsonl", "qa_blind.jsonl"} {
		b, err := os.ReadFile(filepath.Join("..", "evals", "data", f))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			var row struct {
				Question string `json:"question"`
			}
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if row.Question != "" {
				qs = append(qs, row.Question)
			}
		}
	}
	for _, p := range products {
		qs = append(qs, p.Name)
		keys := make([]string, 0, len(p.Attributes))
		for k := range p.Attributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range p.Attributes[k] {
				qs = append(qs, k+" "+v, p.Name+" "+v)
			}
		}
	}
	slices.Sort(qs)
	return slices.Compact(qs)
}

// TestPostgresTextRecall checks that the PostgreSQL store finds what exact search finds on the
// project's own text queries (issue 12: recall@10 ≥ 0.97). The example catalogs alone are too few
// products for the index to be approximate, so 5,000 synthetic products share the table, and the
// index is built over the loaded table with the store's own definition.
func TestPostgresTextRecall(t *testing.T) {
	products := recallExampleProducts(t)
	queries := textRecallQueries(t, products)
	synth := syntheticProducts(5000, 7)
	for i := 0; i < 100; i++ {
		p := synth[i*50]
		queries = append(queries, p.Name, p.Tags[0]+" "+p.Attributes["color"][0])
	}
	if len(queries) < 300 {
		t.Fatalf("only %d text queries, want a few hundred", len(queries))
	}
	s := pgTextRecallLoad(t, append(products, synth...), queries, true)
	pgExecT(t, s.url, `ANALYZE catalog_products`)
	if plan := pgExplain(t, s.url, s.qvecs[0], ""); !strings.Contains(plan, "catalog_products_embedding_hnsw") {
		t.Fatalf("the search does not use the HNSW index, so this measures nothing:\n%s", plan)
	}
	recall, lat := s.recall(t, s.store, pgBenchK)
	t.Logf("%d products, %d queries: recall@%d %.4f, p50 %v, p95 %v", len(s.skus), len(queries), pgBenchK, recall,
		pgPercentile(lat, 0.5), pgPercentile(lat, 0.95))
	if recall < 0.97 {
		t.Errorf("recall@%d = %.4f on the project's text queries, want ≥ 0.97", pgBenchK, recall)
	}
}

// TestPostgresTextRecall100k measures recall@10 on text queries over 100k synthetic products for
// docs/BENCHMARKS.md ("pgvector"); it runs with LIVEHOST_BENCH_PG=1.
func TestPostgresTextRecall100k(t *testing.T) {
	if os.Getenv(pgEnvBench) != "1" {
		t.Skip("set " + pgEnvBench + "=1 to measure 100k synthetic products")
	}
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv(pgEnvBench + "_N")); err == nil && v > 0 {
		n = v // a smaller run while tuning
	}
	products := syntheticProducts(n, 1)
	queries := append(slices.Clone(benchQueries), textRecallQueries(t, recallExampleProducts(t))...)
	for i := 0; i < 200; i++ {
		p := products[i*(n/200)]
		queries = append(queries, p.Name, p.Tags[0]+" "+p.Attributes["color"][0])
	}
	start := time.Now()
	s := pgTextRecallLoad(t, products, queries, true)
	if plan := pgExplain(t, s.url, s.qvecs[0], ""); !strings.Contains(plan, "catalog_products_embedding_hnsw") {
		t.Fatalf("the search does not use the HNSW index, so this measures nothing:\n%s", plan)
	}
	t.Logf("loaded %d products in %v", len(products), time.Since(start).Round(time.Second))
	ctx := context.Background()
	// Index builds to compare, "m/ef_construction" each; the first is the one loaded above.
	builds := []string{fmt.Sprintf("%d/%d", pgHNSWM, pgHNSWEfConstruction)}
	if v := os.Getenv(pgEnvBench + "_BUILDS"); v != "" {
		builds = strings.Split(v, ",")
	}
	for bi, b := range builds {
		var m, efc int
		if _, err := fmt.Sscanf(b, "%d/%d", &m, &efc); err != nil {
			t.Fatalf("%s_BUILDS: %q is not m/ef_construction", pgEnvBench, b)
		}
		if bi > 0 || b != fmt.Sprintf("%d/%d", pgHNSWM, pgHNSWEfConstruction) { // else the index loaded above
			start := time.Now()
			pgExecT(t, s.url, fmt.Sprintf(`SET maintenance_work_mem = '512MB'; DROP INDEX catalog_products_embedding_hnsw;
				CREATE INDEX catalog_products_embedding_hnsw ON catalog_products USING hnsw (embedding vector_cosine_ops) WITH (m = %d, ef_construction = %d)`, m, efc))
			t.Logf("HNSW build m=%d ef_construction=%d over %d products: %v", m, efc, n, time.Since(start).Round(time.Millisecond))
		}
		for _, ef := range []int{100, 200, 400, 800} {
			st, err := OpenPostgresOptions(ctx, s.url, PostgresOptions{EfSearch: ef})
			if err != nil {
				t.Fatal(err)
			}
			r, l := s.recall(t, st, pgBenchK)
			st.Close()
			t.Logf("| %d | %d | %d | %d | %.4f | %.2f | %.2f |", m, efc, ef, len(queries), r,
				float64(pgPercentile(l, 0.5).Microseconds())/1000, float64(pgPercentile(l, 0.95).Microseconds())/1000)
		}
	}
}

// TestPostgresHNSWRebuildMigration checks that an index built with pgvector's defaults by an
// earlier version is rebuilt with the store's m and ef_construction when the store opens.
func TestPostgresHNSWRebuildMigration(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s := pgOpenT(t, url)
	if err := s.SetEmbedding(ctx, "bench-256", 4); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upsert(ctx, []Item{{Product: Product{SKU: "A", Name: "a"}, Vector: []float32{1, 0, 0, 0}, TextHash: "h"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// As an earlier version left it: the index with the defaults, schema version 1.
	pgExecT(t, url, `DROP INDEX catalog_products_embedding_hnsw;
		CREATE INDEX catalog_products_embedding_hnsw ON catalog_products USING hnsw (embedding vector_cosine_ops);
		DELETE FROM catalog_schema_migrations WHERE version >= 2`)
	s = pgOpenT(t, url)
	def := pgQueryText(t, url, `SELECT indexdef FROM pg_indexes WHERE indexname = 'catalog_products_embedding_hnsw'`)
	if want := fmt.Sprintf("m='%d', ef_construction='%d'", pgHNSWM, pgHNSWEfConstruction); !strings.Contains(def, want) {
		t.Fatalf("index after reopening: %s, want it built with %s", def, want)
	}
	hits, err := s.VectorSearch(ctx, []float32{1, 0, 0, 0}, 1, Filter{})
	if err != nil || len(hits) != 1 || hits[0].Product.SKU != "A" {
		t.Fatalf("search after the rebuild: %v, %v", hits, err)
	}
}

func pgQueryText(t testing.TB, url, sql string) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var out string
	if err := c.QueryRow(ctx, sql).Scan(&out); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}
