package catalog

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

// EmbeddedDBFile is the embedded store's file inside the data directory.
const EmbeddedDBFile = "catalog.db"

const embeddedSchemaVersion = 1

// keepChanges is how many change-log rows the store keeps for other processes to catch up with.
const keepChanges = 100000

// EmbeddedStore is the default store: a SQLite database (pure Go) in the data directory holding each
// product as JSON, its vector as float32s and the hash of its embedded text, plus the embedder's
// name and dimension; and an exact in-memory cosine index loaded at open, so a restart never
// re-embeds. Every write is one SQLite transaction, applied to memory only after it commits.
//
// Several processes may open the same directory (a running server and `livehost catalog offer`):
// each write also appends the changed SKUs to a change log, and before each read a store checks
// SQLite's data_version and reloads just the rows other processes changed.
type EmbeddedStore struct {
	db   *sql.DB
	path string
	mem  *MemoryStore

	mu          sync.Mutex // serializes writes and catching up with other processes
	dataVersion int64
	lastSeq     int64
}

var _ Store = (*EmbeddedStore)(nil)
var _ VectorReader = (*EmbeddedStore)(nil)

// EmbeddedExists reports whether dir holds an embedded store.
func EmbeddedExists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, EmbeddedDBFile))
	return err == nil
}

// OpenEmbedded opens (creating when needed) the embedded store in dir and loads its index.
func OpenEmbedded(ctx context.Context, dir string) (*EmbeddedStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("catalog: data directory: %w", err)
	}
	abs, err := filepath.Abs(filepath.Join(dir, EmbeddedDBFile))
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("catalog: open %s: %w", abs, err)
	}
	// One connection: SQLite serializes writers anyway, reads are served from memory, and
	// data_version is per connection.
	db.SetMaxOpenConns(1)
	s := &EmbeddedStore{db: db, path: abs, mem: NewMemoryStore()}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.load(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file.
func (s *EmbeddedStore) Path() string { return s.path }

func (s *EmbeddedStore) migrate(ctx context.Context) error {
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS products (
			sku TEXT PRIMARY KEY,
			product TEXT NOT NULL,
			vector BLOB NOT NULL,
			text_hash TEXT NOT NULL,
			updated_at TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, sku TEXT NOT NULL)`,
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog: %s: %w", s.path, err)
	}
	defer tx.Rollback()
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("catalog: migrate %s: %w", s.path, err)
		}
	}
	var v string
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('schema_version', ?)`, strconv.Itoa(embeddedSchemaVersion)); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("catalog: %s: %w", s.path, err)
	default:
		if n, _ := strconv.Atoi(v); n > embeddedSchemaVersion {
			return fmt.Errorf("catalog: %s has schema version %s, newer than this livehost understands (%d)", s.path, v, embeddedSchemaVersion)
		}
	}
	return tx.Commit()
}

// load reads the whole store into a fresh in-memory index.
func (s *EmbeddedStore) load(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	name, dim, err := readMeta(ctx, tx)
	if err != nil {
		return err
	}
	var count int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM products`).Scan(&count); err != nil {
		return err
	}
	var seq sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM changes`).Scan(&seq); err != nil {
		return err
	}
	ix := newVecIndex(dim, count)
	rows, err := tx.QueryContext(ctx, `SELECT sku, product, vector, text_hash FROM products`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		p, vec, hash, err := scanProduct(rows, dim)
		if err != nil {
			return err
		}
		ix.put(p, vec, hash)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	dv, err := readDataVersion(ctx, tx)
	if err != nil {
		return err
	}
	s.mem.mu.Lock()
	s.mem.name, s.mem.dim, s.mem.ix = name, dim, ix
	s.mem.mu.Unlock()
	s.lastSeq, s.dataVersion = seq.Int64, dv
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanProduct(r scanner, dim int) (*Product, []float32, string, error) {
	var sku, js, hash string
	var blob []byte
	if err := r.Scan(&sku, &js, &blob, &hash); err != nil {
		return nil, nil, "", err
	}
	var p Product
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		return nil, nil, "", fmt.Errorf("catalog: product %s: %w", sku, err)
	}
	p.SKU = sku
	if len(blob) != 4*dim {
		return nil, nil, "", fmt.Errorf("%w: product %s has a %d-dimension vector, the store's embedder has %d",
			ErrDimensionMismatch, sku, len(blob)/4, dim)
	}
	return &p, decodeVector(blob), hash, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func readMeta(ctx context.Context, q querier) (name string, dim int, err error) {
	var dimText string
	err = q.QueryRowContext(ctx, `SELECT coalesce((SELECT value FROM meta WHERE key = 'embedder_name'), ''),
		coalesce((SELECT value FROM meta WHERE key = 'embedder_dim'), '0')`).Scan(&name, &dimText)
	if err != nil {
		return "", 0, err
	}
	dim, err = strconv.Atoi(dimText)
	if err != nil {
		return "", 0, fmt.Errorf("catalog: bad embedder_dim %q in the store", dimText)
	}
	return name, dim, nil
}

// readDataVersion reads SQLite's data_version, which moves when another connection commits.
func readDataVersion(ctx context.Context, q querier) (int64, error) {
	var dv int64
	err := q.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&dv)
	return dv, err
}

// refresh catches up with writes by other processes. The caller holds s.mu.
func (s *EmbeddedStore) refreshLocked(ctx context.Context) error {
	dv, err := readDataVersion(ctx, s.db)
	if err != nil {
		return err
	}
	if dv == s.dataVersion {
		return nil
	}
	var minSeq sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT min(seq) FROM changes`).Scan(&minSeq); err != nil {
		return err
	}
	if minSeq.Valid && minSeq.Int64 > s.lastSeq+1 {
		return s.load(ctx) // too far behind: the log was trimmed
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, sku FROM changes WHERE seq > ? ORDER BY seq`, s.lastSeq)
	if err != nil {
		return err
	}
	changed := map[string]bool{}
	last := s.lastSeq
	for rows.Next() {
		var seq int64
		var sku string
		if err := rows.Scan(&seq, &sku); err != nil {
			rows.Close()
			return err
		}
		changed[sku], last = true, seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if changed[""] {
		return s.load(ctx) // the embedder changed
	}
	s.mem.mu.Lock()
	defer s.mem.mu.Unlock()
	for sku := range changed {
		row := s.db.QueryRowContext(ctx, `SELECT sku, product, vector, text_hash FROM products WHERE sku = ?`, sku)
		p, vec, hash, err := scanProduct(row, s.mem.dim)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			s.mem.ix.remove(sku)
		case err != nil:
			return err
		default:
			s.mem.ix.put(p, vec, hash)
		}
	}
	s.lastSeq, s.dataVersion = last, dv
	return nil
}

func (s *EmbeddedStore) refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshLocked(ctx)
}

// write runs fn in one transaction, logs the changed SKUs and commits.
func (s *EmbeddedStore) write(ctx context.Context, changed []string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	var last int64
	for _, sku := range changed {
		res, err := tx.ExecContext(ctx, `INSERT INTO changes (sku) VALUES (?)`, sku)
		if err != nil {
			return err
		}
		last, _ = res.LastInsertId()
	}
	if last > keepChanges && last%1000 == 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM changes WHERE seq <= ?`, last-keepChanges); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if last > 0 {
		s.lastSeq = last
	}
	// Our own commit does not move data_version; reading it keeps it current.
	if dv, err := readDataVersion(ctx, s.db); err == nil {
		s.dataVersion = dv
	}
	return nil
}

func (s *EmbeddedStore) Embedding(ctx context.Context) (string, int, error) {
	if err := s.refresh(ctx); err != nil {
		return "", 0, err
	}
	return s.mem.Embedding(ctx)
}

func (s *EmbeddedStore) SetEmbedding(ctx context.Context, name string, dim int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refreshLocked(ctx); err != nil {
		return err
	}
	s.mem.mu.RLock()
	err := s.mem.checkEmbeddingLocked(name, dim)
	same := s.mem.name == name && s.mem.dim == dim
	s.mem.mu.RUnlock()
	if err != nil || same {
		return err
	}
	err = s.write(ctx, []string{""}, func(tx *sql.Tx) error {
		return writeMeta(ctx, tx, name, dim)
	})
	if err != nil {
		return err
	}
	s.mem.mu.Lock()
	s.mem.setEmbeddingLocked(name, dim)
	s.mem.mu.Unlock()
	return nil
}

func writeMeta(ctx context.Context, tx *sql.Tx, name string, dim int) error {
	for k, v := range map[string]string{"embedder_name": name, "embedder_dim": strconv.Itoa(dim)} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (s *EmbeddedStore) Upsert(ctx context.Context, items []Item) (UpsertResult, error) {
	if len(items) == 0 {
		return UpsertResult{}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refreshLocked(ctx); err != nil {
		return UpsertResult{}, err
	}
	s.mem.mu.RLock()
	err := s.mem.checkItemsLocked(items)
	s.mem.mu.RUnlock()
	if err != nil {
		return UpsertResult{}, err
	}
	skus := make([]string, len(items))
	for i, it := range items {
		skus[i] = it.Product.SKU
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	err = s.write(ctx, skus, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO products (sku, product, vector, text_hash, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (sku) DO UPDATE SET product = excluded.product, vector = excluded.vector,
				text_hash = excluded.text_hash, updated_at = excluded.updated_at`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, it := range items {
			js, err := json.Marshal(&it.Product)
			if err != nil {
				return fmt.Errorf("catalog: product %s: %w", it.Product.SKU, err)
			}
			if _, err := st.ExecContext(ctx, it.Product.SKU, string(js), encodeVector(it.Vector), it.TextHash, now); err != nil {
				return fmt.Errorf("catalog: upsert %s: %w", it.Product.SKU, err)
			}
		}
		return nil
	})
	if err != nil {
		return UpsertResult{}, err
	}
	s.mem.mu.Lock()
	defer s.mem.mu.Unlock()
	return s.mem.applyUpsertLocked(items), nil
}

func (s *EmbeddedStore) UpdateOffer(ctx context.Context, sku string, o Offer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refreshLocked(ctx); err != nil {
		return err
	}
	s.mem.mu.RLock()
	p, ok := s.mem.ix.get(sku)
	var np Product
	var err error
	if ok {
		np, err = applyOffer(p, o)
	}
	s.mem.mu.RUnlock()
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, sku)
	}
	if err != nil {
		return err
	}
	js, err := json.Marshal(&np)
	if err != nil {
		return err
	}
	err = s.write(ctx, []string{sku}, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE products SET product = ?, updated_at = ? WHERE sku = ?`,
			string(js), time.Now().UTC().Format(time.RFC3339Nano), sku)
		return err
	})
	if err != nil {
		return err
	}
	s.mem.mu.Lock()
	s.mem.ix.setProduct(&np)
	s.mem.mu.Unlock()
	return nil
}

func (s *EmbeddedStore) Delete(ctx context.Context, skus []string) (int, error) {
	if len(skus) == 0 {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refreshLocked(ctx); err != nil {
		return 0, err
	}
	err := s.write(ctx, skus, func(tx *sql.Tx) error {
		for _, sku := range skus {
			if _, err := tx.ExecContext(ctx, `DELETE FROM products WHERE sku = ?`, sku); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return s.mem.Delete(ctx, skus)
}

func (s *EmbeddedStore) Get(ctx context.Context, sku string) (Product, bool, error) {
	if err := s.refresh(ctx); err != nil {
		return Product{}, false, err
	}
	return s.mem.Get(ctx, sku)
}

func (s *EmbeddedStore) List(ctx context.Context) ([]Product, error) {
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	return s.mem.List(ctx)
}

func (s *EmbeddedStore) sharedProducts(ctx context.Context) ([]*Product, int64, error) {
	if err := s.refresh(ctx); err != nil {
		return nil, 0, err
	}
	return s.mem.sharedProducts(ctx)
}

func (s *EmbeddedStore) snapshotVersion() int64 { return s.mem.snapshotVersion() }

func (s *EmbeddedStore) TextHashes(ctx context.Context) (map[string]string, error) {
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	return s.mem.TextHashes(ctx)
}

func (s *EmbeddedStore) VectorSearch(ctx context.Context, vec []float32, k int, f Filter) ([]Hit, error) {
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	return s.mem.VectorSearch(ctx, vec, k, f)
}

func (s *EmbeddedStore) Vectors(ctx context.Context, skus []string) (map[string][]float32, error) {
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	return s.mem.Vectors(ctx, skus)
}

// Len is the number of products.
func (s *EmbeddedStore) Len() int {
	s.mem.mu.RLock()
	defer s.mem.mu.RUnlock()
	return s.mem.ix.len()
}

func (s *EmbeddedStore) Close() error {
	s.mem.Close()
	return s.db.Close()
}

func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func decodeVector(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}
