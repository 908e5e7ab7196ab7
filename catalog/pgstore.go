package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/livehost/livehost/textnorm"
)

// DefaultEfSearch is the HNSW candidate list size used by VectorSearch unless configured otherwise
// (PostgresOptions.EfSearch or LIVEHOST_PG_EF_SEARCH). On 100k clustered 256-dim vectors 200 already
// gives recall@10 ≈ 0.98, but text from the offline embedder holds many near-duplicate vectors:
// over 100k synthetic products with the index's m 32 / ef_construction 128, 200 gives 0.905 and
// 800 gives 0.977 at p50 ≈ 11 ms (docs/BENCHMARKS.md, "pgvector on text"). A small catalog can lower
// it: at 20k products 200 already gives 0.98.
const DefaultEfSearch = 800

// HNSW build parameters. Text from the offline embedder makes many near-duplicate vectors (a
// catalog's variants differ in a word or two), which a sparse graph navigates badly: m 32 and
// ef_construction 128 instead of pgvector's 16 and 64 lift recall@10 on text queries at the same
// ef_search (docs/BENCHMARKS.md, "pgvector on text"). The cost is a slower, larger index build.
const (
	pgHNSWM              = 32
	pgHNSWEfConstruction = 128
)

// pgHNSWIndexSQL builds the vector index; SetEmbedding and the migration that rebuilds old indexes
// use it.
var pgHNSWIndexSQL = `CREATE INDEX catalog_products_embedding_hnsw ON catalog_products USING hnsw (embedding vector_cosine_ops) WITH (m = ` +
	strconv.Itoa(pgHNSWM) + `, ef_construction = ` + strconv.Itoa(pgHNSWEfConstruction) + `)`

// pgLockKey is the advisory lock that serializes schema migrations and embedding changes across
// every process sharing the database ("livehost" in ASCII, as an int64).
const pgLockKey int64 = 0x6c697665686f7374

// pgUpsertChunk bounds how many rows one INSERT statement carries.
const pgUpsertChunk = 500

// PostgresOptions tunes the PostgreSQL store.
type PostgresOptions struct {
	// EfSearch is hnsw.ef_search for each search (raised to k when k is larger); 0 means
	// DefaultEfSearch.
	EfSearch int
}

// pgMigrations are applied in order, each once, inside a transaction; the version is the index + 1.
// Never edit an applied migration: append a new one.
var pgMigrations = []string{
	// 1: products with the filterable fields in columns, the product itself as JSON, and the vector.
	// The vector column starts without a dimension; SetEmbedding fixes it and builds the HNSW index.
	// json (not jsonb) keeps any text the product carries, including U+0000.
	`CREATE TABLE catalog_meta (
		key   text PRIMARY KEY,
		value text NOT NULL
	);
	CREATE TABLE catalog_products (
		sku             text PRIMARY KEY,
		category_folded text NOT NULL DEFAULT '',
		effective_price double precision NOT NULL,
		stock           integer,
		product         json NOT NULL,
		text_hash       text NOT NULL DEFAULT '',
		embedding       vector NOT NULL,
		updated_at      timestamptz NOT NULL DEFAULT now()
	);
	CREATE INDEX catalog_products_category ON catalog_products (category_folded);
	CREATE INDEX catalog_products_price ON catalog_products (effective_price);`,
	// 2: rebuild an existing HNSW index with m 32 and ef_construction 128 (pgHNSWIndexSQL), which
	// finds near-duplicate text vectors that the defaults (16, 64) miss. It takes as long as a
	// bulk build of the index (about 1 min at 100k products on 2 cores), once.
	`DO $$
	BEGIN
		IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'catalog_products_embedding_hnsw' AND relkind = 'i') THEN
			DROP INDEX catalog_products_embedding_hnsw;
			CREATE INDEX catalog_products_embedding_hnsw ON catalog_products USING hnsw (embedding vector_cosine_ops) WITH (m = 32, ef_construction = 128);
		END IF;
	END $$;`,
}

// pgStore is the catalog in PostgreSQL with pgvector.
type pgStore struct {
	pool      *pgxpool.Pool
	efSearch  int
	iterative bool // pgvector >= 0.8: hnsw.iterative_scan keeps filtered searches at k rows

	// exactRetries counts searches answered again by a sequential scan because the index gave
	// fewer than k rows; tests read it to see that iterative scans do their job.
	exactRetries atomic.Int64
}

// OpenPostgres connects to url, installs the vector extension and migrates the catalog schema.
// hnsw.ef_search is DefaultEfSearch (OpenPostgresOptions sets another). The URL may carry pgxpool
// settings such as pool_max_conns (default: 4 or the number of CPUs, whichever is more).
func OpenPostgres(ctx context.Context, url string) (Store, error) {
	return OpenPostgresOptions(ctx, url, PostgresOptions{})
}

// OpenPostgresOptions is OpenPostgres with explicit options.
func OpenPostgresOptions(ctx context.Context, url string, opts PostgresOptions) (Store, error) {
	if opts.EfSearch < 0 || opts.EfSearch > 1000 {
		return nil, fmt.Errorf("open postgres catalog: ef_search %d out of range 1..1000", opts.EfSearch)
	}
	if opts.EfSearch == 0 {
		opts.EfSearch = DefaultEfSearch
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx masks the password in its message.
		return nil, fmt.Errorf("open postgres catalog: parse database URL: %w", err)
	}
	// The extension and its type must exist before the codec can be registered, so bootstrap with a
	// single connection first, then open the pool whose connections know the vector type.
	if err := pgMigrate(ctx, cfg.ConnConfig); err != nil {
		return nil, err
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		return pgxvec.RegisterTypes(ctx, c)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres catalog: %w", err)
	}
	s := &pgStore{pool: pool, efSearch: opts.EfSearch}
	var version string
	if err := pool.QueryRow(ctx, `SELECT extversion FROM pg_extension WHERE extname = 'vector'`).Scan(&version); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres catalog: read pgvector version: %w", err)
	}
	s.iterative = pgVersionAtLeast(version, 0, 8)
	return s, nil
}

// pgMigrate installs the vector extension and applies pending migrations under a session advisory
// lock, so processes starting at once migrate one after the other and the later ones find nothing
// to do.
func pgMigrate(ctx context.Context, cc *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return fmt.Errorf("open postgres catalog: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, pgLockKey); err != nil {
		return fmt.Errorf("open postgres catalog: take migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, pgLockKey) //nolint:errcheck // closing the connection releases it too

	var have bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')`).Scan(&have); err != nil {
		return fmt.Errorf("open postgres catalog: look for the vector extension: %w", err)
	}
	if !have {
		if _, err := conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector`); err != nil {
			return fmt.Errorf("open postgres catalog: create extension vector (is pgvector installed, and may this role create extensions?): %w", err)
		}
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS catalog_schema_migrations (
		version    integer PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("open postgres catalog: create migrations table: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM catalog_schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("open postgres catalog: read schema version: %w", err)
	}
	if current > len(pgMigrations) {
		return fmt.Errorf("open postgres catalog: database schema version %d is newer than this build knows (%d); upgrade livehost", current, len(pgMigrations))
	}
	for v := current + 1; v <= len(pgMigrations); v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, pgMigrations[v-1]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO catalog_schema_migrations (version) VALUES ($1)`, v)
			return err
		})
		if err != nil {
			return fmt.Errorf("open postgres catalog: migration %d: %w", v, err)
		}
	}
	return nil
}

func (s *pgStore) Embedding(ctx context.Context) (string, int, error) {
	name, dim, err := pgReadEmbedding(ctx, s.pool)
	if err != nil {
		return "", 0, fmt.Errorf("read catalog embedding: %w", err)
	}
	return name, dim, nil
}

type pgQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func pgReadEmbedding(ctx context.Context, q pgQuerier) (string, int, error) {
	rows, err := q.Query(ctx, `SELECT key, value FROM catalog_meta WHERE key IN ('embedder_name', 'embedder_dim')`)
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	var name string
	var dim int
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return "", 0, err
		}
		switch k {
		case "embedder_name":
			name = v
		case "embedder_dim":
			if dim, err = strconv.Atoi(v); err != nil {
				return "", 0, fmt.Errorf("catalog_meta embedder_dim %q is not a number", v)
			}
		}
	}
	return name, dim, rows.Err()
}

func (s *pgStore) SetEmbedding(ctx context.Context, name string, dim int) error {
	if name == "" {
		return errors.New("set catalog embedding: embedder name is empty")
	}
	// pgvector's HNSW index takes at most 2000 dimensions.
	if dim <= 0 || dim > 2000 {
		return fmt.Errorf("set catalog embedding %q: dimension %d out of range 1..2000", name, dim)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pgLockKey); err != nil {
			return err
		}
		curName, curDim, err := pgReadEmbedding(ctx, tx)
		if err != nil {
			return err
		}
		if curName == name && curDim == dim {
			return nil
		}
		if curDim != 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM catalog_products`).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%w: the store holds %d vectors of %q (dim %d), the embedder is %q (dim %d); import into a new store or delete the products first",
					ErrDimensionMismatch, n, curName, curDim, name, dim)
			}
		}
		// The store holds no vectors: (re)fix the column's dimension and build the index on it.
		for _, q := range []string{
			`DROP INDEX IF EXISTS catalog_products_embedding_hnsw`,
			`ALTER TABLE catalog_products ALTER COLUMN embedding TYPE vector(` + strconv.Itoa(dim) + `)`,
			pgHNSWIndexSQL,
		} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO catalog_meta (key, value) VALUES ('embedder_name', $1), ('embedder_dim', $2)
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, name, strconv.Itoa(dim))
		return err
	})
	if err != nil {
		if errors.Is(err, ErrDimensionMismatch) {
			return err
		}
		return fmt.Errorf("set catalog embedding %q dim %d: %w", name, dim, err)
	}
	return nil
}

// pgRow is one product as stored, computed from an Item.
type pgRow struct {
	sku      string
	category string
	price    float64
	stock    *int32
	product  []byte
	hash     string
	vec      pgvector.Vector
}

func (s *pgStore) Upsert(ctx context.Context, items []Item) (UpsertResult, error) {
	var res UpsertResult
	if len(items) == 0 {
		return res, nil
	}
	// Validate everything before writing anything: a bad item fails the whole batch.
	rows := make([]pgRow, len(items))
	seen := make(map[string]int, len(items))
	for i, it := range items {
		if err := pgCheckProduct(&it.Product); err != nil {
			return res, fmt.Errorf("upsert item %d (sku %q): %w", i, it.Product.SKU, err)
		}
		if j, dup := seen[it.Product.SKU]; dup {
			return res, fmt.Errorf("upsert item %d: sku %q repeats item %d", i, it.Product.SKU, j)
		}
		seen[it.Product.SKU] = i
		if err := pgCheckVector(it.Vector); err != nil {
			return res, fmt.Errorf("upsert item %d (sku %q): %w", i, it.Product.SKU, err)
		}
		if !utf8.ValidString(it.TextHash) || strings.ContainsRune(it.TextHash, 0) {
			return res, fmt.Errorf("upsert item %d (sku %q): text hash is not valid text", i, it.Product.SKU)
		}
		js, err := json.Marshal(it.Product)
		if err != nil {
			return res, fmt.Errorf("upsert item %d (sku %q): encode product: %w", i, it.Product.SKU, err)
		}
		r := pgRow{
			sku:      it.Product.SKU,
			category: pgFoldCategory(it.Product.Category),
			price:    it.Product.EffectivePrice(),
			product:  js,
			hash:     it.TextHash,
			vec:      pgvector.NewVector(it.Vector),
		}
		if it.Product.Stock != nil {
			v := int32(*it.Product.Stock)
			r.stock = &v
		}
		rows[i] = r
	}
	// Rows are locked in SKU order, so concurrent upserts of overlapping batches cannot deadlock.
	slices.SortFunc(rows, func(a, b pgRow) int { return strings.Compare(a.sku, b.sku) })

	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Shared: many upserts may run together, but not while SetEmbedding changes the dimension.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, pgLockKey); err != nil {
			return err
		}
		name, dim, err := pgReadEmbedding(ctx, tx)
		if err != nil {
			return err
		}
		if dim == 0 {
			return fmt.Errorf("%w: the store has no embedder recorded; call SetEmbedding before Upsert", ErrDimensionMismatch)
		}
		for i, it := range items {
			if len(it.Vector) != dim {
				return fmt.Errorf("%w: item %d (sku %q) has a %d-dim vector, the store holds %q vectors of dim %d",
					ErrDimensionMismatch, i, it.Product.SKU, len(it.Vector), name, dim)
			}
		}
		res = UpsertResult{}
		for start := 0; start < len(rows); start += pgUpsertChunk {
			chunk := rows[start:min(start+pgUpsertChunk, len(rows))]
			ins, err := pgUpsertChunkTx(ctx, tx, chunk)
			if err != nil {
				return err
			}
			res.Inserted += ins
			res.Updated += len(chunk) - ins
		}
		return nil
	})
	if err != nil {
		return UpsertResult{}, fmt.Errorf("upsert %d products: %w", len(items), err)
	}
	return res, nil
}

// pgUpsertChunkTx writes rows with one statement and returns how many were new. xmax is 0 exactly
// for rows this statement inserted; a row taken over by ON CONFLICT carries our transaction id.
func pgUpsertChunkTx(ctx context.Context, tx pgx.Tx, rows []pgRow) (int, error) {
	skus := make([]string, len(rows))
	cats := make([]string, len(rows))
	prices := make([]float64, len(rows))
	stocks := make([]*int32, len(rows))
	products := make([]string, len(rows))
	hashes := make([]string, len(rows))
	vecs := make([]pgvector.Vector, len(rows))
	for i, r := range rows {
		skus[i], cats[i], prices[i], stocks[i] = r.sku, r.category, r.price, r.stock
		products[i], hashes[i], vecs[i] = string(r.product), r.hash, r.vec
	}
	var inserted int
	err := tx.QueryRow(ctx, `WITH up AS (
		INSERT INTO catalog_products AS p (sku, category_folded, effective_price, stock, product, text_hash, embedding)
		SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::int4[], $5::json[], $6::text[], $7::vector[])
		ON CONFLICT (sku) DO UPDATE SET
			category_folded = EXCLUDED.category_folded,
			effective_price = EXCLUDED.effective_price,
			stock = EXCLUDED.stock,
			product = EXCLUDED.product,
			text_hash = EXCLUDED.text_hash,
			embedding = EXCLUDED.embedding,
			updated_at = now()
		RETURNING (p.xmax = 0) AS inserted
	) SELECT count(*) FILTER (WHERE inserted) FROM up`,
		skus, cats, prices, stocks, products, hashes, vecs).Scan(&inserted)
	return inserted, err
}

func (s *pgStore) UpdateOffer(ctx context.Context, sku string, o Offer) error {
	if err := pgCheckOffer(o); err != nil {
		return fmt.Errorf("update offer of %q: %w", sku, err)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var js []byte
		err := tx.QueryRow(ctx, `SELECT product::text FROM catalog_products WHERE sku = $1 FOR UPDATE`, pgSafeKey(sku)).Scan(&js)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var p Product
		if err := json.Unmarshal(js, &p); err != nil {
			return fmt.Errorf("decode stored product: %w", err)
		}
		if p, err = applyOffer(&p, o); err != nil {
			return err
		}
		if js, err = json.Marshal(p); err != nil {
			return err
		}
		var stock *int32
		if p.Stock != nil {
			v := int32(*p.Stock)
			stock = &v
		}
		_, err = tx.Exec(ctx, `UPDATE catalog_products SET product = $2::json, effective_price = $3, stock = $4, updated_at = now() WHERE sku = $1`,
			sku, string(js), p.EffectivePrice(), stock)
		return err
	})
	if err != nil {
		return fmt.Errorf("update offer of %q: %w", sku, err)
	}
	return nil
}

func (s *pgStore) Delete(ctx context.Context, skus []string) (int, error) {
	if len(skus) == 0 {
		return 0, nil
	}
	keys := make([]string, len(skus))
	for i, k := range skus {
		keys[i] = pgSafeKey(k)
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM catalog_products WHERE sku = ANY($1::text[])`, keys)
	if err != nil {
		return 0, fmt.Errorf("delete %d products: %w", len(skus), err)
	}
	return int(tag.RowsAffected()), nil
}

func (s *pgStore) Get(ctx context.Context, sku string) (Product, bool, error) {
	var js []byte
	err := s.pool.QueryRow(ctx, `SELECT product::text FROM catalog_products WHERE sku = $1`, pgSafeKey(sku)).Scan(&js)
	if errors.Is(err, pgx.ErrNoRows) {
		return Product{}, false, nil
	}
	if err != nil {
		return Product{}, false, fmt.Errorf("get product %q: %w", sku, err)
	}
	var p Product
	if err := json.Unmarshal(js, &p); err != nil {
		return Product{}, false, fmt.Errorf("get product %q: decode stored product: %w", sku, err)
	}
	return p, true, nil
}

func (s *pgStore) List(ctx context.Context) ([]Product, error) {
	// COLLATE "C" orders by bytes, as Go's sort.Strings does, whatever the database's locale.
	rows, err := s.pool.Query(ctx, `SELECT sku, product::text FROM catalog_products ORDER BY sku COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		var sku string
		var js []byte
		if err := rows.Scan(&sku, &js); err != nil {
			return nil, fmt.Errorf("list products: %w", err)
		}
		var p Product
		if err := json.Unmarshal(js, &p); err != nil {
			return nil, fmt.Errorf("list products: decode %q: %w", sku, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return out, nil
}

func (s *pgStore) TextHashes(ctx context.Context) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT sku, text_hash FROM catalog_products`)
	if err != nil {
		return nil, fmt.Errorf("read text hashes: %w", err)
	}
	defer rows.Close()
	out := make(map[string]string)
	for rows.Next() {
		var sku, h string
		if err := rows.Scan(&sku, &h); err != nil {
			return nil, fmt.Errorf("read text hashes: %w", err)
		}
		out[sku] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read text hashes: %w", err)
	}
	return out, nil
}

func (s *pgStore) VectorSearch(ctx context.Context, vec []float32, k int, f Filter) ([]Hit, error) {
	if k <= 0 {
		return nil, fmt.Errorf("vector search: k must be positive, got %d", k)
	}
	if err := pgCheckFilter(f); err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	if len(vec) == 0 {
		return nil, errors.New("vector search: query vector is empty")
	}
	for i, x := range vec {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("vector search: query vector component %d is %v", i, x)
		}
	}
	ef := min(max(s.efSearch, k), 1000)
	// Settings and the embedding check share one round trip. Filters are applied after the index
	// scan; relaxed iterative scans (pgvector >= 0.8) keep fetching candidates until k rows pass.
	// Those rows come back nearly ordered; they are sorted below.
	setup := `SELECT set_config('hnsw.ef_search', $1, true),
		COALESCE((SELECT value FROM catalog_meta WHERE key = 'embedder_name'), ''),
		COALESCE((SELECT value FROM catalog_meta WHERE key = 'embedder_dim'), '0')`
	if s.iterative {
		setup += `, set_config('hnsw.iterative_scan', 'relaxed_order', true)`
	}
	var hits []Hit
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var ignored, name, dimText string
		dest := []any{&ignored, &name, &dimText}
		if s.iterative {
			dest = append(dest, &ignored)
		}
		if err := tx.QueryRow(ctx, setup, strconv.Itoa(ef)).Scan(dest...); err != nil {
			return err
		}
		dim, err := strconv.Atoi(dimText)
		if err != nil {
			return fmt.Errorf("catalog_meta embedder_dim %q is not a number", dimText)
		}
		if dim == 0 {
			return nil // nothing was ever stored
		}
		if len(vec) != dim {
			return fmt.Errorf("%w: the query vector has dim %d, the store holds %q vectors of dim %d", ErrDimensionMismatch, len(vec), name, dim)
		}
		if !pgFiniteNonZero(vec) {
			return nil // cosine similarity is undefined for a zero vector: nothing is near it
		}
		where, args := pgFilterSQL(f, pgvector.NewVector(vec), k)
		q := `SELECT product::text, embedding <=> $1 AS distance FROM catalog_products` + where + ` ORDER BY embedding <=> $1 LIMIT $2`
		hits, err = pgCollectHits(ctx, tx, q, args)
		if err != nil {
			return err
		}
		if len(hits) < k {
			// The index gave fewer than k rows (an old pgvector without iterative scans, or a filter
			// so narrow that the scan limit was reached): answer exactly from a sequential scan.
			s.exactRetries.Add(1)
			if _, err := tx.Exec(ctx, `SELECT set_config('enable_indexscan', 'off', true)`); err != nil {
				return err
			}
			hits, err = pgCollectHits(ctx, tx, q, args)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("vector search (k=%d): %w", k, err)
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].Product.SKU < hits[j].Product.SKU
	})
	return hits, nil
}

func pgCollectHits(ctx context.Context, tx pgx.Tx, q string, args []any) ([]Hit, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []Hit
	for rows.Next() {
		var js []byte
		var dist float64
		if err := rows.Scan(&js, &dist); err != nil {
			return nil, err
		}
		var h Hit
		if err := json.Unmarshal(js, &h.Product); err != nil {
			return nil, fmt.Errorf("decode stored product: %w", err)
		}
		// Cosine similarity, clamped to [0,1]: vectors pointing away from the query are unrelated.
		h.Score = min(max(1-dist, 0), 1)
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// pgFilterSQL renders the filter as a WHERE clause; $1 is the query vector and $2 the limit.
func pgFilterSQL(f Filter, vec pgvector.Vector, k int) (string, []any) {
	args := []any{vec, k}
	var conds []string
	if f.InStockOnly {
		conds = append(conds, `(stock IS NULL OR stock > 0)`)
	}
	if f.Category != "" {
		args = append(args, pgFoldCategory(f.Category))
		conds = append(conds, `category_folded = $`+strconv.Itoa(len(args)))
	}
	if f.MinPrice != nil {
		args = append(args, *f.MinPrice)
		conds = append(conds, `effective_price >= $`+strconv.Itoa(len(args)))
	}
	if f.MaxPrice != nil {
		args = append(args, *f.MaxPrice)
		conds = append(conds, `effective_price <= $`+strconv.Itoa(len(args)))
	}
	if len(f.ExcludeSKUs) > 0 {
		keys := make([]string, len(f.ExcludeSKUs))
		for i, k := range f.ExcludeSKUs {
			keys[i] = pgSafeKey(k)
		}
		args = append(args, keys)
		conds = append(conds, `sku <> ALL($`+strconv.Itoa(len(args))+`::text[])`)
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func (s *pgStore) Close() error {
	s.pool.Close()
	return nil
}

func pgFoldCategory(c string) string {
	return strings.ReplaceAll(strings.TrimSpace(textnorm.Fold(c)), "\x00", "")
}

// pgSafeKey makes a lookup key storable as PostgreSQL text. A stored SKU never holds U+0000 or
// invalid UTF-8 (Upsert refuses them), so the altered key matches nothing, as it should.
func pgSafeKey(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD")
}

func pgCheckProduct(p *Product) error {
	switch {
	case strings.TrimSpace(p.SKU) == "":
		return errors.New("sku is empty")
	case !utf8.ValidString(p.SKU):
		return errors.New("sku is not valid UTF-8")
	case strings.ContainsRune(p.SKU, 0):
		return errors.New("sku contains U+0000")
	}
	if err := pgCheckPrice("price", &p.Price); err != nil {
		return err
	}
	if err := pgCheckPrice("sale price", p.SalePrice); err != nil {
		return err
	}
	return pgCheckStock(p.Stock)
}

func pgCheckOffer(o Offer) error {
	if err := pgCheckPrice("price", o.Price); err != nil {
		return err
	}
	if err := pgCheckPrice("sale price", o.SalePrice); err != nil {
		return err
	}
	return pgCheckStock(o.Stock)
}

func pgCheckPrice(what string, v *float64) error {
	if v == nil {
		return nil
	}
	if math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0 {
		return fmt.Errorf("%s %v is not a non-negative number", what, *v)
	}
	return nil
}

func pgCheckStock(v *int) error {
	if v == nil {
		return nil
	}
	if *v < 0 || *v > math.MaxInt32 {
		return fmt.Errorf("stock %d out of range 0..%d", *v, math.MaxInt32)
	}
	return nil
}

func pgCheckFilter(f Filter) error {
	if err := pgCheckPriceBound("min price", f.MinPrice); err != nil {
		return err
	}
	return pgCheckPriceBound("max price", f.MaxPrice)
}

func pgCheckPriceBound(what string, v *float64) error {
	if v != nil && math.IsNaN(*v) {
		return fmt.Errorf("%s is NaN", what)
	}
	return nil
}

func pgCheckVector(v []float32) error {
	if len(v) == 0 {
		return errors.New("vector is empty")
	}
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("vector component %d is %v", i, x)
		}
	}
	if !pgFiniteNonZero(v) {
		return errors.New("vector is all zeros (no direction to compare by cosine)")
	}
	return nil
}

func pgFiniteNonZero(v []float32) bool {
	nonzero := false
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
		if x != 0 {
			nonzero = true
		}
	}
	return nonzero
}

// pgVersionAtLeast compares a "major.minor[.patch]" extension version.
func pgVersionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
