package catalog

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/livehost/livehost/internal/pgtest"
)

// pgNoLeaks fails the test if goroutines it started (the pool's health checks, for one) outlive it.
// Call it first, so its check runs after every other cleanup.
func pgNoLeaks(t testing.TB) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

func pgOpenT(t testing.TB, url string) Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := OpenPostgres(ctx, url)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pgQueryInt runs a one-number query straight against the database, to see what the store wrote.
func pgQueryInt(t testing.TB, url, q string, args ...any) int {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestPostgresStoreContract(t *testing.T) {
	pgNoLeaks(t)
	testStoreContract(t, func(t *testing.T) Store { return pgOpenT(t, pgtest.URL(t)) })
}

func TestPostgresMigrationsIdempotent(t *testing.T) {
	pgNoLeaks(t)
	url := pgtest.URL(t)
	for i := 0; i < 3; i++ {
		s := pgOpenT(t, url)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := pgQueryInt(t, url, `SELECT count(*) FROM catalog_schema_migrations`); n != len(pgMigrations) {
		t.Errorf("%d migrations recorded after three opens, want %d", n, len(pgMigrations))
	}
	if n := pgQueryInt(t, url, `SELECT count(*) FROM pg_tables WHERE tablename LIKE 'catalog\_%'`); n != 3 {
		t.Errorf("%d catalog_ tables, want 3 (meta, products, schema_migrations)", n)
	}
}

func TestPostgresConcurrentOpen(t *testing.T) {
	pgNoLeaks(t)
	url := pgtest.URL(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]Store, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = OpenPostgres(context.Background(), url)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
			continue
		}
		stores[i].Close()
	}
	if got := pgQueryInt(t, url, `SELECT count(*) FROM catalog_schema_migrations`); got != len(pgMigrations) {
		t.Errorf("%d migrations recorded after concurrent opens, want %d", got, len(pgMigrations))
	}
}

// TestPostgresConcurrentUpserts writes overlapping batches in different orders from several
// goroutines: none may fail (a deadlock between them would abort one) and the counts must add up.
func TestPostgresConcurrentUpserts(t *testing.T) {
	pgNoLeaks(t)
	s := pgOpenT(t, pgtest.URL(t))
	ctx := context.Background()
	if err := s.SetEmbedding(ctx, "contract-test", contractDim); err != nil {
		t.Fatal(err)
	}
	const workers, n = 4, 200
	var wg sync.WaitGroup
	results := make([]UpsertResult, workers)
	errs := make([]error, workers)
	for w := range workers {
		items := make([]Item, n)
		for i := range items {
			j := i
			if w%2 == 1 {
				j = n - 1 - i // the reverse order
			}
			items[i] = Item{Product: Product{SKU: contractSKU(j), Name: "p", Price: float64(w)}, Vector: []float32{1, float32(j), 0, 1}, TextHash: "h"}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[w], errs[w] = s.Upsert(ctx, items)
		}()
	}
	wg.Wait()
	var ins, upd int
	for w := range workers {
		if errs[w] != nil {
			t.Errorf("worker %d: %v", w, errs[w])
		}
		ins += results[w].Inserted
		upd += results[w].Updated
	}
	if ins != n || upd != (workers-1)*n {
		t.Errorf("inserted %d, updated %d; want %d and %d", ins, upd, n, (workers-1)*n)
	}
}

// TestPostgresUpsertAtomicAcrossChunks makes the database itself refuse a row in the last of three
// INSERT statements of one Upsert: the rows of the earlier statements must not stay, nor the updates.
func TestPostgresUpsertAtomicAcrossChunks(t *testing.T) {
	pgNoLeaks(t)
	url := pgtest.URL(t)
	s := pgOpenT(t, url)
	ctx := context.Background()
	contractLoad(t, s)
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, `CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.sku = 'zz-boom' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON catalog_products FOR EACH ROW EXECUTE FUNCTION refuse_boom();`); err != nil {
		t.Fatal(err)
	}
	items := contractFixture()
	items[0].Product.Name = "renamed"
	for i := range 2*pgUpsertChunk + 10 {
		items = append(items, Item{Product: Product{SKU: contractSKU(i), Name: "n", Price: 1}, Vector: []float32{1, 1, float32(i), 0}, TextHash: "h"})
	}
	// Rows are written in SKU order, so "zz-boom" lands in the last statement.
	items = append(items, Item{Product: Product{SKU: "zz-boom", Name: "n", Price: 1}, Vector: []float32{1, 0, 0, 1}})
	_, err = s.Upsert(ctx, items)
	if err == nil || !strings.Contains(err.Error(), "refused by the test trigger") {
		t.Fatalf("Upsert = %v; want the trigger's error", err)
	}
	if n := pgQueryInt(t, url, `SELECT count(*) FROM catalog_products`); n != len(contractFixture()) {
		t.Errorf("%d products after a failed Upsert, want the %d from before", n, len(contractFixture()))
	}
	if p, _, _ := s.Get(ctx, "c-01"); p.Name != "モイストリップ" {
		t.Errorf("a failed Upsert renamed c-01 to %q", p.Name)
	}
}

func TestPostgresDataSurvivesReopen(t *testing.T) {
	pgNoLeaks(t)
	url := pgtest.URL(t)
	ctx := context.Background()
	s := pgOpenT(t, url)
	items := contractLoad(t, s)
	if err := s.UpdateOffer(ctx, "c-03", Offer{Stock: contractI(0)}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = pgOpenT(t, url)
	name, dim, err := s.Embedding(ctx)
	if err != nil || name != "contract-test" || dim != contractDim {
		t.Fatalf("Embedding after reopen = %q, %d, %v", name, dim, err)
	}
	ps, err := s.List(ctx)
	if err != nil || len(ps) != len(items) {
		t.Fatalf("List after reopen = %d, %v", len(ps), err)
	}
	if p, _, _ := s.Get(ctx, "c-03"); p.Stock == nil || *p.Stock != 0 {
		t.Errorf("offer lost on reopen: %+v", p)
	}
	hits, err := s.VectorSearch(ctx, []float32{1, 0, 0, 0}, 2, Filter{})
	if err != nil || len(hits) != 2 || hits[0].Product.SKU != "c-01" {
		t.Errorf("search after reopen = %v, %v", contractSKUs(hits), err)
	}
	// A new embedder must not overwrite what is there.
	res, err := s.Upsert(ctx, items[:2])
	if err != nil || res != (UpsertResult{Updated: 2}) {
		t.Errorf("re-upsert after reopen = %+v, %v; want 2 updated", res, err)
	}
}

func TestPostgresDimensionMismatchOnReopen(t *testing.T) {
	pgNoLeaks(t)
	url := pgtest.URL(t)
	ctx := context.Background()
	s := pgOpenT(t, url)
	if err := s.SetEmbedding(ctx, "hash-ngram-256", 256); err != nil {
		t.Fatal(err)
	}
	v := make([]float32, 256)
	v[3] = 1
	if _, err := s.Upsert(ctx, []Item{{Product: Product{SKU: "a", Name: "a", Price: 1}, Vector: v, TextHash: "x"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = pgOpenT(t, url)
	err := s.SetEmbedding(ctx, "text-embedding-3-small", 1536)
	if !errors.Is(err, ErrDimensionMismatch) {
		t.Fatalf("SetEmbedding with another embedder after reopen = %v; want ErrDimensionMismatch", err)
	}
	for _, w := range []string{"hash-ngram-256", "256", "text-embedding-3-small", "1536"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
	big := make([]float32, 1536)
	big[0] = 1
	if _, err := s.Upsert(ctx, []Item{{Product: Product{SKU: "b", Name: "b", Price: 1}, Vector: big}}); !errors.Is(err, ErrDimensionMismatch) {
		t.Errorf("Upsert of 1536-dim vectors = %v; want ErrDimensionMismatch", err)
	}
	if _, err := s.VectorSearch(ctx, big, 5, Filter{}); !errors.Is(err, ErrDimensionMismatch) {
		t.Errorf("VectorSearch with a 1536-dim query = %v; want ErrDimensionMismatch", err)
	}
	if n := pgQueryInt(t, url, `SELECT count(*) FROM catalog_products`); n != 1 {
		t.Errorf("%d products after refused writes, want 1", n)
	}
}

func TestPostgresSchema(t *testing.T) {
	pgNoLeaks(t)
	url := pgtest.URL(t)
	s := pgOpenT(t, url)
	if err := s.SetEmbedding(context.Background(), "hash-ngram-256", 256); err != nil {
		t.Fatal(err)
	}
	if n := pgQueryInt(t, url, `SELECT count(*) FROM pg_attribute
		WHERE attrelid = 'catalog_products'::regclass AND attname = 'embedding'
		AND format_type(atttypid, atttypmod) = 'vector(256)'`); n != 1 {
		t.Error("embedding column is not vector(256) after SetEmbedding")
	}
	if n := pgQueryInt(t, url, `SELECT count(*) FROM pg_indexes WHERE tablename = 'catalog_products'
		AND indexdef LIKE '%USING hnsw (embedding vector_cosine_ops)%'`); n != 1 {
		t.Error("no HNSW cosine index on catalog_products.embedding")
	}
}

func TestPostgresNewerSchemaRefused(t *testing.T) {
	pgNoLeaks(t)
	url := pgtest.URL(t)
	pgOpenT(t, url).Close()
	pgQueryInt(t, url, `WITH i AS (INSERT INTO catalog_schema_migrations (version) VALUES (999) RETURNING version) SELECT count(*) FROM i`)
	_, err := OpenPostgres(context.Background(), url)
	if err == nil || !strings.Contains(err.Error(), "999") {
		t.Errorf("open of a newer schema = %v; want an error naming version 999", err)
	}
}

func TestPostgresOpenErrors(t *testing.T) {
	pgNoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tests := []struct {
		name, url string
		opts      PostgresOptions
		want      string
	}{
		{"unparsable URL", "postgres://u:hunter2@[::1", PostgresOptions{}, "parse database URL"},
		{"nothing listening", "postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=5", PostgresOptions{}, "connect"},
		{"ef_search out of range", "postgres://127.0.0.1/x", PostgresOptions{EfSearch: 5000}, "ef_search"},
	}
	for _, tc := range tests {
		s, err := OpenPostgresOptions(ctx, tc.url, tc.opts)
		if err == nil {
			s.Close()
			t.Errorf("%s: open succeeded", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not say %q", tc.name, err, tc.want)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error %q shows the password", tc.name, err)
		}
	}
}

func TestPgVersionAtLeast(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{"0.8.0", true}, {"0.8", true}, {"0.10.1", true}, {"1.0.0", true},
		{"0.7.4", false}, {"0.5.1", false}, {"", false}, {"x.y", false},
	}
	for _, tc := range tests {
		if got := pgVersionAtLeast(tc.v, 0, 8); got != tc.want {
			t.Errorf("pgVersionAtLeast(%q, 0, 8) = %v, want %v", tc.v, got, tc.want)
		}
	}
}
