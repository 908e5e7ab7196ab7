package show

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgLog keeps the log in PostgreSQL, in tables prefixed show_. Payloads are stored as json (not
// jsonb) so that they read back byte for byte.
type pgLog struct {
	pool *pgxpool.Pool
}

// pgMigrations are applied in order under an advisory lock; show_migrations records each.
var pgMigrations = []string{
	`CREATE TABLE show_shows (
		id text PRIMARY KEY,
		title text NOT NULL,
		lineup text[] NOT NULL,
		mode text NOT NULL,
		status text NOT NULL,
		created_at timestamptz NOT NULL,
		last_seq bigint NOT NULL DEFAULT 0
	);
	CREATE TABLE show_events (
		show_id text NOT NULL REFERENCES show_shows (id),
		seq bigint NOT NULL,
		type text NOT NULL,
		at timestamptz NOT NULL,
		v integer NOT NULL,
		data json NOT NULL,
		PRIMARY KEY (show_id, seq)
	);
	CREATE TABLE show_tokens (
		hash text PRIMARY KEY,
		role text NOT NULL,
		show_id text NOT NULL,
		label text NOT NULL,
		created_at timestamptz NOT NULL
	);`,
	// 2: tokens expire.
	`ALTER TABLE show_tokens ADD COLUMN expires_at timestamptz;`,
	// 3: with several nodes, which node writes each show (see Claim).
	`CREATE TABLE show_owners (
		show_id text PRIMARY KEY REFERENCES show_shows (id),
		node text NOT NULL,
		epoch bigint NOT NULL,
		since timestamptz NOT NULL DEFAULT now()
	);`,
}

// pgMigrationLock is the advisory lock key that serializes migrations across processes.
const pgMigrationLock = 0x73686f77 // "show"

// OpenPostgres opens the PostgreSQL show store at url and applies its migrations.
func OpenPostgres(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open show store: parse database URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open show store: %w", err)
	}
	if err := migratePG(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open show store: %w", err)
	}
	return newStore(&pgLog{pool: pool}, "postgres"), nil
}

func migratePG(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pgMigrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS show_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var version int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM show_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if version > len(pgMigrations) {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", version, len(pgMigrations))
	}
	for i := version; i < len(pgMigrations); i++ {
		if _, err := tx.Exec(ctx, pgMigrations[i]); err != nil {
			return fmt.Errorf("migrate to version %d: %w", i+1, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO show_migrations (version) VALUES ($1)`, i+1); err != nil {
			return fmt.Errorf("migrate to version %d: %w", i+1, err)
		}
	}
	return tx.Commit(ctx)
}

func (b *pgLog) ping(ctx context.Context) error { return b.pool.Ping(ctx) }

func (b *pgLog) close() error {
	b.pool.Close()
	return nil
}

const pgShowColumns = `id, title, lineup, mode, status, created_at, last_seq`

func scanPGShow(row pgx.Row) (Show, error) {
	var sh Show
	err := row.Scan(&sh.ID, &sh.Title, &sh.Lineup, &sh.Mode, &sh.Status, &sh.CreatedAt, &sh.LastSeq)
	if errors.Is(err, pgx.ErrNoRows) {
		return Show{}, ErrNotFound
	}
	if err != nil {
		return Show{}, err
	}
	if sh.Lineup == nil {
		sh.Lineup = []string{}
	}
	sh.CreatedAt = sh.CreatedAt.UTC()
	return sh, nil
}

func (b *pgLog) commit(ctx context.Context, reqs []*request) error {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := applyBatch(ctx, pgTx{tx}, reqs); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type pgTx struct{ tx pgx.Tx }

func (w pgTx) insertShow(ctx context.Context, sh *Show) (bool, error) {
	tag, err := w.tx.Exec(ctx, `INSERT INTO show_shows (id, title, lineup, mode, status, created_at, last_seq)
		VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT (id) DO NOTHING`,
		sh.ID, sh.Title, sh.Lineup, sh.Mode, sh.Status, sh.CreatedAt)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

func (w pgTx) updateShow(ctx context.Context, sh *Show) error {
	_, err := w.tx.Exec(ctx, `UPDATE show_shows SET title = $1, lineup = $2, mode = $3 WHERE id = $4`,
		sh.Title, sh.Lineup, sh.Mode, sh.ID)
	return err
}

func (w pgTx) advance(ctx context.Context, showID string, n int, status string, c *Claim) (Show, error) {
	// The row lock taken here serializes appends to one show, also across processes.
	if c == nil {
		return scanPGShow(w.tx.QueryRow(ctx, `UPDATE show_shows SET last_seq = last_seq + $1,
			status = CASE WHEN $2 = '' THEN status ELSE $2 END
		WHERE id = $3 RETURNING `+pgShowColumns, n, status, showID))
	}
	// A claimed show: append only while the claim is still this node's (Claim takes the same
	// row lock, so a new claim and an append never interleave).
	sh, err := scanPGShow(w.tx.QueryRow(ctx, `UPDATE show_shows SET last_seq = last_seq + $1,
			status = CASE WHEN $2 = '' THEN status ELSE $2 END
		WHERE id = $3 AND EXISTS (SELECT 1 FROM show_owners o WHERE o.show_id = $3 AND o.node = $4 AND o.epoch = $5)
		RETURNING `+pgShowColumns, n, status, showID, c.Node, c.Epoch))
	if errors.Is(err, ErrNotFound) {
		var one int
		if w.tx.QueryRow(ctx, `SELECT 1 FROM show_shows WHERE id = $1`, showID).Scan(&one) == nil {
			return Show{}, ErrFenced
		}
	}
	return sh, err
}

func (w pgTx) insertEvents(ctx context.Context, evs []Event) error {
	n := len(evs)
	shows, seqs, types, ats, vs, datas := make([]string, n), make([]int64, n), make([]string, n), make([]time.Time, n), make([]int32, n), make([]string, n)
	for i, ev := range evs {
		shows[i], seqs[i], types[i], ats[i], vs[i], datas[i] = ev.Show, ev.Seq, ev.Type, ev.At, int32(ev.V), string(ev.Data)
	}
	// One statement however many events: arrays in, unnest in the server.
	_, err := w.tx.Exec(ctx, `INSERT INTO show_events (show_id, seq, type, at, v, data)
		SELECT sh, s, t, a, v, d::json FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], $5::int[], $6::text[]) AS u(sh, s, t, a, v, d)`,
		shows, seqs, types, ats, vs, datas)
	return err
}

func (b *pgLog) read(ctx context.Context, showID string, after int64, limit int) ([]Event, error) {
	rows, err := b.pool.Query(ctx, `SELECT seq, type, at, v, data::text FROM show_events
		WHERE show_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, showID, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		ev := Event{Show: showID}
		var data string
		var v int32
		if err := rows.Scan(&ev.Seq, &ev.Type, &ev.At, &v, &data); err != nil {
			return nil, err
		}
		ev.V = int(v)
		ev.At = ev.At.UTC()
		ev.Data = []byte(data)
		out = append(out, ev)
	}
	return out, rows.Err()
}

func (b *pgLog) getShow(ctx context.Context, id string) (Show, error) {
	return scanPGShow(b.pool.QueryRow(ctx, `SELECT `+pgShowColumns+` FROM show_shows WHERE id = $1`, id))
}

func (b *pgLog) listShows(ctx context.Context) ([]Show, error) {
	rows, err := b.pool.Query(ctx, `SELECT `+pgShowColumns+` FROM show_shows ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Show{}
	for rows.Next() {
		sh, err := scanPGShow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

func (b *pgLog) putToken(ctx context.Context, t Token) error {
	var expires *time.Time
	if !t.ExpiresAt.IsZero() {
		expires = &t.ExpiresAt
	}
	_, err := b.pool.Exec(ctx, `INSERT INTO show_tokens (hash, role, show_id, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (hash) DO UPDATE SET role = excluded.role, show_id = excluded.show_id, label = excluded.label,
			created_at = excluded.created_at, expires_at = excluded.expires_at`,
		t.Hash, t.Role, t.ShowID, t.Label, t.CreatedAt, expires)
	return err
}

func (b *pgLog) lookupToken(ctx context.Context, hash string) (Token, bool, error) {
	t := Token{Hash: hash}
	var expires *time.Time
	err := b.pool.QueryRow(ctx, `SELECT role, show_id, label, created_at, expires_at FROM show_tokens WHERE hash = $1`, hash).
		Scan(&t.Role, &t.ShowID, &t.Label, &t.CreatedAt, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, false, nil
	}
	if err != nil {
		return Token{}, false, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	if expires != nil {
		t.ExpiresAt = expires.UTC()
	}
	return t, true, nil
}

func (b *pgLog) listTokens(ctx context.Context) ([]Token, error) {
	rows, err := b.pool.Query(ctx, `SELECT hash, role, show_id, label, created_at, expires_at FROM show_tokens ORDER BY created_at, hash`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var expires *time.Time
		if err := rows.Scan(&t.Hash, &t.Role, &t.ShowID, &t.Label, &t.CreatedAt, &expires); err != nil {
			return nil, err
		}
		t.CreatedAt = t.CreatedAt.UTC()
		if expires != nil {
			t.ExpiresAt = expires.UTC()
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (b *pgLog) deleteToken(ctx context.Context, hash string) (bool, error) {
	tag, err := b.pool.Exec(ctx, `DELETE FROM show_tokens WHERE hash = $1`, hash)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

func (b *pgLog) claim(ctx context.Context, showID, node string) (int64, error) {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	// The show row's lock: an append of the previous owner is either committed before this claim
	// (and the new owner reads it) or sees the new claim and is refused.
	var one int
	if err := tx.QueryRow(ctx, `SELECT 1 FROM show_shows WHERE id = $1 FOR UPDATE`, showID).Scan(&one); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, ErrNotFound
		}
		return 0, err
	}
	var epoch int64
	if err := tx.QueryRow(ctx, `INSERT INTO show_owners (show_id, node, epoch) VALUES ($1, $2, 1)
		ON CONFLICT (show_id) DO UPDATE SET node = $2, epoch = show_owners.epoch + 1, since = now()
		RETURNING epoch`, showID, node).Scan(&epoch); err != nil {
		return 0, err
	}
	return epoch, tx.Commit(ctx)
}

func (b *pgLog) owner(ctx context.Context, showID string) (string, error) {
	var node string
	err := b.pool.QueryRow(ctx, `SELECT node FROM show_owners WHERE show_id = $1`, showID).Scan(&node)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return node, err
}
