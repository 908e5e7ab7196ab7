package catalog

import (
	"context"
	"fmt"
	neturl "net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/livehost/livehost/internal/pgtest"
)

// EnvBenchPG turns the 100k-vector pgvector measurement on (docs/BENCHMARKS.md, "pgvector").
const pgEnvBench = "LIVEHOST_BENCH_PG"

// pgBenchSet is a loaded store with its vectors, queries and exact answers.
type pgBenchSet struct {
	url     string
	store   Store
	data    [][]float32
	queries [][]float32
	cats    []string
	load    time.Duration
}

const (
	pgBenchDim        = 256 // as the offline embedder
	pgBenchK          = 10
	pgBenchCategories = 20 // one category is 5% of the products
)

func pgBenchLoad(t testing.TB, n, clusters, queries int) *pgBenchSet {
	t.Helper()
	ctx := context.Background()
	b := &pgBenchSet{url: pgIndexOnly(t, pgtest.URL(t), n)}
	b.store = pgOpenT(t, b.url)
	if err := b.store.SetEmbedding(ctx, "bench-256", pgBenchDim); err != nil {
		t.Fatal(err)
	}
	b.data = contractClustered(n, pgBenchDim, clusters, 42)
	b.queries = contractClustered(queries, pgBenchDim, clusters, 4242)
	b.cats = make([]string, n)
	items := make([]Item, 0, 1000)
	start := time.Now()
	for i := range b.data {
		b.cats[i] = fmt.Sprintf("cat-%02d", i%pgBenchCategories)
		items = append(items, Item{
			Product:  Product{SKU: contractSKU(i), Name: contractSKU(i), Category: b.cats[i], Price: float64(100 + i%5000), Stock: contractI(pgBenchStock(i))},
			Vector:   b.data[i],
			TextHash: "h",
		})
		if len(items) == cap(items) || i == n-1 {
			if _, err := b.store.Upsert(ctx, items); err != nil {
				t.Fatal(err)
			}
			items = items[:0]
		}
	}
	b.load = time.Since(start)
	// Fresh statistics, so that the plan does not depend on whether autovacuum has run yet.
	pgExecT(t, b.url, `ANALYZE catalog_products`)
	return b
}

// pgIndexOnly turns sequential scans off for the sessions of a small test table. With m 32 and
// ef_search 800 the planner answers a table of a few thousand rows by an exact sequential scan
// (cheap at that size), which would leave the HNSW graph unmeasured; from about 100k rows it
// walks the index by itself.
func pgIndexOnly(t testing.TB, url string, n int) string {
	t.Helper()
	if n >= 50_000 {
		return url
	}
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("enable_seqscan", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

// pgBenchStock puts 5% of the products in stock. No B-tree index serves the stock filter, so the
// planner keeps the HNSW scan and the filter runs on its candidates: the case iterative scans exist for.
func pgBenchStock(i int) int {
	if i%20 == 3 {
		return 4
	}
	return 0
}

// pgBenchRun searches every query with s and returns recall@k against the exact answer and the
// latency of each search.
func (b *pgBenchSet) run(t testing.TB, s Store, f Filter, truth [][]int) (float64, []time.Duration) {
	t.Helper()
	ctx := context.Background()
	var found, total int
	lat := make([]time.Duration, 0, len(b.queries))
	for qi, q := range b.queries {
		start := time.Now()
		hits, err := s.VectorSearch(ctx, q, pgBenchK, f)
		lat = append(lat, time.Since(start))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, i := range truth[qi] {
			want[contractSKU(i)] = true
		}
		for _, h := range hits {
			if want[h.Product.SKU] {
				found++
			}
		}
		total += len(truth[qi])
	}
	return float64(found) / float64(total), lat
}

func (b *pgBenchSet) truth(keep func(i int) bool) [][]int {
	out := make([][]int, len(b.queries))
	for qi, q := range b.queries {
		out[qi] = contractExactTopK(q, b.data, pgBenchK, keep)
	}
	return out
}

func pgPercentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// pgExplain returns the plan of the store's search query, to check that the HNSW index serves it.
func pgExplain(t testing.TB, url string, q []float32, where string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := pgxvec.RegisterTypes(ctx, c); err != nil {
		t.Fatal(err)
	}
	// As the store searches: the planner's cost of an index walk grows with ef_search.
	if _, err := c.Exec(ctx, `SET hnsw.ef_search = `+strconv.Itoa(DefaultEfSearch)); err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(ctx, `EXPLAIN SELECT product::text, embedding <=> $1 FROM catalog_products `+where+` ORDER BY embedding <=> $1 LIMIT 10`,
		append([]any{pgvector.NewVector(q)}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestPostgresHNSWRecall checks on every run that the HNSW index answers nearly as exact search
// does, on 5k clustered 256-dim vectors, unfiltered and with a 5% category filter. With
// LIVEHOST_BENCH_PG=1 it measures 100k vectors instead and logs the figures of docs/BENCHMARKS.md.
func TestPostgresHNSWRecall(t *testing.T) {
	n, queries := 5000, 100
	full := os.Getenv(pgEnvBench) == "1"
	if full {
		n, queries = 100_000, 200
		if v, err := strconv.Atoi(os.Getenv(pgEnvBench + "_N")); err == nil && v > 0 {
			n = v // a smaller run while tuning
		}
	}
	clusters := max(10, n/200) // about 200 products a cluster
	b := pgBenchLoad(t, n, clusters, queries)
	t.Logf("loaded %d vectors of dim %d through Upsert (HNSW index maintained on insert) in %v (%.0f/s)",
		n, pgBenchDim, b.load.Round(time.Millisecond), float64(n)/b.load.Seconds())

	if plan := pgExplain(t, b.url, b.queries[0], ""); !strings.Contains(plan, "catalog_products_embedding_hnsw") {
		t.Fatalf("the search does not use the HNSW index, so this measures nothing:\n%s", plan)
	}

	truthAll := b.truth(nil)
	truthCat := b.truth(func(i int) bool { return b.cats[i] == "cat-07" })
	truthStock := b.truth(func(i int) bool { return pgBenchStock(i) > 0 })
	recall, lat := b.run(t, b.store, Filter{}, truthAll)
	t.Logf("ef_search=%d unfiltered: recall@%d %.4f, p50 %v, p95 %v", DefaultEfSearch, pgBenchK, recall, pgPercentile(lat, 0.5), pgPercentile(lat, 0.95))
	if recall < 0.95 {
		t.Errorf("recall@%d = %.4f with ef_search %d, want ≥ 0.95", pgBenchK, recall, DefaultEfSearch)
	}
	recallCat, latCat := b.run(t, b.store, Filter{Category: "cat-07"}, truthCat)
	t.Logf("ef_search=%d category filter (5%%): recall@%d %.4f, p50 %v, p95 %v", DefaultEfSearch, pgBenchK, recallCat, pgPercentile(latCat, 0.5), pgPercentile(latCat, 0.95))
	if recallCat < 0.95 {
		t.Errorf("filtered recall@%d = %.4f with ef_search %d, want ≥ 0.95", pgBenchK, recallCat, DefaultEfSearch)
	}
	if plan := pgExplain(t, b.url, b.queries[0], "WHERE (stock IS NULL OR stock > 0)"); !strings.Contains(plan, "catalog_products_embedding_hnsw") {
		t.Fatalf("the in-stock search does not use the HNSW index:\n%s", plan)
	}
	retries := b.store.(*pgStore).exactRetries.Load()
	recallStock, latStock := b.run(t, b.store, Filter{InStockOnly: true}, truthStock)
	t.Logf("ef_search=%d in-stock filter (5%%, on HNSW candidates): recall@%d %.4f, p50 %v, p95 %v", DefaultEfSearch, pgBenchK, recallStock, pgPercentile(latStock, 0.5), pgPercentile(latStock, 0.95))
	if recallStock < 0.95 {
		t.Errorf("in-stock recall@%d = %.4f with ef_search %d, want ≥ 0.95", pgBenchK, recallStock, DefaultEfSearch)
	}
	if got := b.store.(*pgStore).exactRetries.Load() - retries; got != 0 {
		t.Errorf("%d of %d filtered searches fell back to a sequential scan: the iterative index scan returned fewer than k rows", got, len(b.queries))
	}
	if !full {
		return
	}

	ctx := context.Background()
	for _, ef := range []int{40, 100, 200, 400} {
		s, err := OpenPostgresOptions(ctx, b.url, PostgresOptions{EfSearch: ef})
		if err != nil {
			t.Fatal(err)
		}
		r, l := b.run(t, s, Filter{}, truthAll)
		rc, lc := b.run(t, s, Filter{Category: "cat-07"}, truthCat)
		rs, ls := b.run(t, s, Filter{InStockOnly: true}, truthStock)
		s.Close()
		ms := func(d []time.Duration, p float64) string {
			return fmt.Sprintf("%.2f", float64(pgPercentile(d, p).Microseconds())/1000)
		}
		t.Logf("| %d | %.4f | %s | %s | %.4f | %s | %s | %.4f | %s | %s |", ef,
			r, ms(l, 0.5), ms(l, 0.95), rc, ms(lc, 0.5), ms(lc, 0.95), rs, ms(ls, 0.5), ms(ls, 0.95))
	}

	// Exact search in PostgreSQL: the same query with index scans off (a sequential scan and a sort).
	conn, err := pgx.Connect(ctx, b.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SET enable_indexscan = off`); err != nil {
		t.Fatal(err)
	}
	var exact []time.Duration
	for _, q := range b.queries[:50] {
		start := time.Now()
		rows, err := conn.Query(ctx, `SELECT sku FROM catalog_products ORDER BY embedding <=> $1 LIMIT 10`, pgvector.NewVector(q))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			t.Fatal(err)
		}
		exact = append(exact, time.Since(start))
	}
	t.Logf("exact search (sequential scan) over %d: p50 %v, p95 %v", n, pgPercentile(exact, 0.5), pgPercentile(exact, 0.95))

	// A bulk build of the index over the loaded table.
	start := time.Now()
	if _, err := conn.Exec(ctx, `REINDEX INDEX catalog_products_embedding_hnsw`); err != nil {
		t.Fatal(err)
	}
	t.Logf("HNSW bulk build (REINDEX, m=%d, ef_construction=%d) over %d vectors: %v", pgHNSWM, pgHNSWEfConstruction, n, time.Since(start).Round(time.Millisecond))
	var size string
	if err := conn.QueryRow(ctx, `SELECT pg_size_pretty(pg_relation_size('catalog_products_embedding_hnsw'))`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	t.Logf("HNSW index size: %s", size)
	recall, lat = b.run(t, b.store, Filter{}, truthAll)
	t.Logf("after the bulk build, ef_search=%d unfiltered: recall@%d %.4f, p50 %v, p95 %v", DefaultEfSearch, pgBenchK, recall, pgPercentile(lat, 0.5), pgPercentile(lat, 0.95))
}

// BenchmarkPostgresVectorSearch measures one VectorSearch (k=10) over 10k clustered 256-dim vectors.
func BenchmarkPostgresVectorSearch(b *testing.B) {
	set := pgBenchLoad(b, 10_000, 100, 100)
	for _, bc := range []struct {
		name string
		f    Filter
	}{
		{"unfiltered", Filter{}},
		{"category-5pct", Filter{Category: "cat-07"}},
		{"in-stock+price", Filter{InStockOnly: true, MaxPrice: func() *float64 { v := 2500.0; return &v }()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			i := 0
			for b.Loop() {
				if _, err := set.store.VectorSearch(ctx, set.queries[i%len(set.queries)], pgBenchK, bc.f); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
