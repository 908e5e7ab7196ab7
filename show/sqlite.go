package show

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqliteLog keeps the log in one SQLite file in WAL mode with synchronous=FULL: a commit returns
// after the WAL is fsynced, which is what lets Append promise durability. Times are stored as
// Unix microseconds.
//
// Checkpoints (copying the WAL into the database file, with its own fsyncs) run in a background
// goroutine instead of inside whichever commit crosses the WAL size limit, so they do not stall
// appends.
type sqliteLog struct {
	db *sql.DB

	stmtMu sync.Mutex
	stmts  map[int]*sql.Stmt // multi-row inserts by row count

	quit chan struct{}
	done chan struct{}
}

// sqliteCheckpointEvery is how often the background checkpoint runs.
const sqliteCheckpointEvery = time.Second

func (b *sqliteLog) checkpointer() {
	defer close(b.done)
	t := time.NewTicker(sqliteCheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-b.quit:
			return
		case <-t.C:
			// PASSIVE never blocks the writer; whatever it cannot copy now waits for the next tick.
			if _, err := b.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
				slog.Warn("show store: WAL checkpoint failed", "err", err)
			}
		}
	}
}

// sqliteMigrations are applied in order; PRAGMA user_version counts the ones applied.
var sqliteMigrations = []string{
	`CREATE TABLE show_shows (
		id TEXT PRIMARY KEY,
		title TEXT NOT NULL,
		lineup TEXT NOT NULL,
		mode TEXT NOT NULL,
		status TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		last_seq INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE show_events (
		show_id TEXT NOT NULL,
		seq INTEGER NOT NULL,
		type TEXT NOT NULL,
		at INTEGER NOT NULL,
		v INTEGER NOT NULL,
		data TEXT NOT NULL CHECK (json_valid(data)),
		PRIMARY KEY (show_id, seq)
	) WITHOUT ROWID;
	CREATE TABLE show_tokens (
		hash TEXT PRIMARY KEY,
		role TEXT NOT NULL,
		show_id TEXT NOT NULL,
		label TEXT NOT NULL,
		created_at INTEGER NOT NULL
	);`,
	// 2: tokens expire.
	`ALTER TABLE show_tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;`,
}

// OpenSQLite opens (creating if needed) the SQLite show store at path.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open show store: create %s: %w", dir, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "wal_autocheckpoint(0)") // see checkpointer
	q.Add("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open show store %s: %w", path, err)
	}
	// One writer goroutine plus readers; WAL lets readers run beside the writer.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxLifetime(0)
	if err := migrateSQLite(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open show store %s: %w", path, err)
	}
	b := &sqliteLog{db: db, quit: make(chan struct{}), done: make(chan struct{})}
	go b.checkpointer()
	return newStore(b, "sqlite"), nil
}

func migrateSQLite(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if version > len(sqliteMigrations) {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", version, len(sqliteMigrations))
	}
	for i := version; i < len(sqliteMigrations); i++ {
		if _, err := tx.ExecContext(ctx, sqliteMigrations[i]); err != nil {
			return fmt.Errorf("migrate to version %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(sqliteMigrations))); err != nil {
		return fmt.Errorf("migrate: set version: %w", err)
	}
	return tx.Commit()
}

func (b *sqliteLog) ping(ctx context.Context) error { return b.db.PingContext(ctx) }

func (b *sqliteLog) close() error {
	close(b.quit)
	<-b.done
	b.stmtMu.Lock()
	for _, st := range b.stmts {
		st.Close()
	}
	b.stmtMu.Unlock()
	return b.db.Close()
}

func (b *sqliteLog) commit(ctx context.Context, reqs []*request) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := applyBatch(ctx, sqliteTx{b, tx}, reqs); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type sqliteTx struct {
	b  *sqliteLog
	tx *sql.Tx
}

func (w sqliteTx) insertShow(ctx context.Context, sh *Show) (bool, error) {
	lineup, _ := json.Marshal(sh.Lineup)
	res, err := w.tx.ExecContext(ctx, `INSERT INTO show_shows (id, title, lineup, mode, status, created_at, last_seq)
		VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (id) DO NOTHING`,
		sh.ID, sh.Title, string(lineup), sh.Mode, sh.Status, sh.CreatedAt.UnixMicro())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (w sqliteTx) updateShow(ctx context.Context, sh *Show) error {
	lineup, _ := json.Marshal(sh.Lineup)
	_, err := w.tx.ExecContext(ctx, `UPDATE show_shows SET title = ?, lineup = ?, mode = ? WHERE id = ?`,
		sh.Title, string(lineup), sh.Mode, sh.ID)
	return err
}

func (w sqliteTx) advance(ctx context.Context, showID string, n int, status string, _ *Claim) (Show, error) {
	// One process owns an SQLite log: there are no claims to check.
	return scanSQLiteShow(w.tx.QueryRowContext(ctx, `UPDATE show_shows SET last_seq = last_seq + ?,
			status = CASE WHEN ? = '' THEN status ELSE ? END
		WHERE id = ? RETURNING id, title, lineup, mode, status, created_at, last_seq`,
		n, status, status, showID))
}

// sqliteInsertSizes are the row counts of the multi-row INSERT statements, prepared once: a call
// is written with the largest that fit (100 events = 64 + 16 + 16 + 4). Fewer statements is what
// makes batches fast; preparing them once saves parsing a long statement on every commit.
var sqliteInsertSizes = [...]int{64, 16, 4, 1}

func (b *sqliteLog) insertStmt(ctx context.Context, size int) (*sql.Stmt, error) {
	b.stmtMu.Lock()
	defer b.stmtMu.Unlock()
	if st := b.stmts[size]; st != nil {
		return st, nil
	}
	q := `INSERT INTO show_events (show_id, seq, type, at, v, data) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?),", size), ",")
	st, err := b.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if b.stmts == nil {
		b.stmts = map[int]*sql.Stmt{}
	}
	b.stmts[size] = st
	return st, nil
}

func (w sqliteTx) insertEvents(ctx context.Context, evs []Event) error {
	args := make([]any, 0, 6*sqliteInsertSizes[0])
	for len(evs) > 0 {
		size := 1
		for _, n := range sqliteInsertSizes {
			if n <= len(evs) {
				size = n
				break
			}
		}
		st, err := w.b.insertStmt(ctx, size)
		if err != nil {
			return err
		}
		args = args[:0]
		for _, ev := range evs[:size] {
			args = append(args, ev.Show, ev.Seq, ev.Type, ev.At.UnixMicro(), ev.V, string(ev.Data))
		}
		if _, err := w.tx.StmtContext(ctx, st).ExecContext(ctx, args...); err != nil {
			return err
		}
		evs = evs[size:]
	}
	return nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanSQLiteShow(row rowScanner) (Show, error) {
	var sh Show
	var lineup string
	var created int64
	err := row.Scan(&sh.ID, &sh.Title, &lineup, &sh.Mode, &sh.Status, &created, &sh.LastSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return Show{}, ErrNotFound
	}
	if err != nil {
		return Show{}, err
	}
	if err := json.Unmarshal([]byte(lineup), &sh.Lineup); err != nil {
		return Show{}, fmt.Errorf("show %s lineup: %w", sh.ID, err)
	}
	sh.CreatedAt = time.UnixMicro(created).UTC()
	return sh, nil
}

func (b *sqliteLog) read(ctx context.Context, showID string, after int64, limit int) ([]Event, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT seq, type, at, v, data FROM show_events
		WHERE show_id = ? AND seq > ? ORDER BY seq LIMIT ?`, showID, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		ev := Event{Show: showID}
		var at int64
		var data string
		if err := rows.Scan(&ev.Seq, &ev.Type, &at, &ev.V, &data); err != nil {
			return nil, err
		}
		ev.At = time.UnixMicro(at).UTC()
		ev.Data = json.RawMessage(data)
		out = append(out, ev)
	}
	return out, rows.Err()
}

func (b *sqliteLog) getShow(ctx context.Context, id string) (Show, error) {
	row := b.db.QueryRowContext(ctx, `SELECT id, title, lineup, mode, status, created_at, last_seq FROM show_shows WHERE id = ?`, id)
	return scanSQLiteShow(row)
}

func (b *sqliteLog) listShows(ctx context.Context) ([]Show, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT id, title, lineup, mode, status, created_at, last_seq FROM show_shows ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Show{}
	for rows.Next() {
		sh, err := scanSQLiteShow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

func (b *sqliteLog) putToken(ctx context.Context, t Token) error {
	_, err := b.db.ExecContext(ctx, `INSERT INTO show_tokens (hash, role, show_id, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET role = excluded.role, show_id = excluded.show_id, label = excluded.label,
			created_at = excluded.created_at, expires_at = excluded.expires_at`,
		t.Hash, t.Role, t.ShowID, t.Label, t.CreatedAt.UnixMicro(), unixMicroOrZero(t.ExpiresAt))
	return err
}

func (b *sqliteLog) lookupToken(ctx context.Context, hash string) (Token, bool, error) {
	t := Token{Hash: hash}
	var created, expires int64
	err := b.db.QueryRowContext(ctx, `SELECT role, show_id, label, created_at, expires_at FROM show_tokens WHERE hash = ?`, hash).
		Scan(&t.Role, &t.ShowID, &t.Label, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, false, nil
	}
	if err != nil {
		return Token{}, false, err
	}
	t.CreatedAt = time.UnixMicro(created).UTC()
	t.ExpiresAt = timeOrZero(expires)
	return t, true, nil
}

func (b *sqliteLog) listTokens(ctx context.Context) ([]Token, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT hash, role, show_id, label, created_at, expires_at FROM show_tokens ORDER BY created_at, hash`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var created, expires int64
		if err := rows.Scan(&t.Hash, &t.Role, &t.ShowID, &t.Label, &created, &expires); err != nil {
			return nil, err
		}
		t.CreatedAt = time.UnixMicro(created).UTC()
		t.ExpiresAt = timeOrZero(expires)
		out = append(out, t)
	}
	return out, rows.Err()
}

func (b *sqliteLog) deleteToken(ctx context.Context, hash string) (bool, error) {
	res, err := b.db.ExecContext(ctx, `DELETE FROM show_tokens WHERE hash = ?`, hash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// unixMicroOrZero stores "never" as 0.
func unixMicroOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func timeOrZero(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
