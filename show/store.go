package show

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// backend is the durable storage behind a Store: SQLite (sqlite.go) or PostgreSQL (postgres.go).
// Both pass the same contract test.
type backend interface {
	// commit applies the requests in one transaction. A request that cannot apply (unknown show,
	// existing show) gets its own err and writes nothing; an error returned fails them all.
	commit(ctx context.Context, reqs []*request) error
	read(ctx context.Context, showID string, after int64, limit int) ([]Event, error)
	getShow(ctx context.Context, id string) (Show, error)
	listShows(ctx context.Context) ([]Show, error)
	putToken(ctx context.Context, t Token) error
	lookupToken(ctx context.Context, hash string) (Token, bool, error)
	listTokens(ctx context.Context) ([]Token, error)
	deleteToken(ctx context.Context, hash string) (bool, error)
	ping(ctx context.Context) error
	close() error
}

// request is one call of Append, CreateShow or UpdateShow waiting for the writer.
type request struct {
	ctx    context.Context
	showID string
	create *Show // CreateShow: insert this show (its show.created event is in evs)
	update *Show // UpdateShow: new title, lineup, mode, status (its show.updated event is in evs)
	evs    []NewEvent
	claim  *Claim // the show's claim when this store appends under one

	// filled by the backend's commit
	out  []Event
	show Show // the row after create/update
	err  error
	done chan struct{}
}

// Store is a show event store: the durable log, show rows, tokens, and the bus.
// It is safe for concurrent use.
type Store struct {
	db      backend
	kind    string // "sqlite" or "postgres"
	bus     *bus
	metrics *metrics

	reqs    chan *request
	quit    chan struct{}
	stopped chan struct{}

	claimMu sync.Mutex
	claims  map[string]Claim // shows this store appends to under a claim (several nodes)

	mu        sync.RWMutex // held for reading while a request is queued; Close takes it to stop new ones
	closed    bool
	closeOnce sync.Once
	closeErr  error
}

// Group commit limits: the writer coalesces up to this many queued calls into one transaction.
const (
	maxBatchRequests = 512
	maxBatchEvents   = 8192
	// MaxAppend is the most events one Append call may carry.
	MaxAppend = 4096
)

// ReadLimit is the default and the largest page Read returns.
const ReadLimit = 1000

// OpenStore opens the show store: PostgreSQL when dbURL is set, else SQLite at dataDir/events.db.
func OpenStore(ctx context.Context, dataDir, dbURL string) (*Store, error) {
	if dbURL != "" {
		return OpenPostgres(ctx, dbURL)
	}
	if dataDir == "" {
		return nil, errors.New("open show store: neither a data directory nor a database URL is set")
	}
	return OpenSQLite(ctx, filepath.Join(dataDir, "events.db"))
}

func newStore(db backend, kind string) *Store {
	s := &Store{
		db:      db,
		kind:    kind,
		bus:     newBus(),
		metrics: newMetrics(),
		reqs:    make(chan *request, 1024),
		claims:  map[string]Claim{},
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go s.writer()
	return s
}

// Ping checks that the database answers (for a health check).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.ping(ctx); err != nil {
		return fmt.Errorf("show store (%s): %w", s.kind, err)
	}
	return nil
}

// Backend names the storage: "sqlite" or "postgres".
func (s *Store) Backend() string { return s.kind }

// Close stops the writer (queued calls fail with ErrClosed), ends every subscription and closes
// the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.quit)
		<-s.stopped
		s.bus.closeAll()
		s.closeErr = s.db.close()
	})
	return s.closeErr
}

// Append adds events to a show's log and returns them with their sequence numbers, which are
// consecutive. It returns only after the events are durable. Concurrent calls are committed
// together (group commit). An unknown show gives ErrNotFound. If ctx ends while the call waits,
// Append returns ctx.Err() and the events may or may not have been appended.
func (s *Store) Append(ctx context.Context, showID string, evs ...NewEvent) ([]Event, error) {
	if err := ValidShowID(showID); err != nil {
		return nil, fmt.Errorf("append: %w", err)
	}
	if len(evs) == 0 {
		return nil, nil
	}
	if len(evs) > MaxAppend {
		return nil, fmt.Errorf("append to show %s: %d events in one call, more than %d", showID, len(evs), MaxAppend)
	}
	norm := make([]NewEvent, len(evs))
	for i, ne := range evs {
		if err := ne.normalize(); err != nil {
			return nil, fmt.Errorf("append to show %s: event %d: %w", showID, i, err)
		}
		if ne.Type == TypeStreamResync || ne.Type == TypeShowCreated || ne.Type == TypeShowUpdated {
			return nil, fmt.Errorf("append to show %s: event %d: type %s is written by the store itself", showID, i, ne.Type)
		}
		norm[i] = ne
	}
	r, err := s.do(ctx, &request{showID: showID, evs: norm, claim: s.claimOf(showID)})
	if err != nil {
		return nil, fmt.Errorf("append to show %s: %w", showID, err)
	}
	return r.out, nil
}

// do hands a request to the writer and waits for it.
func (s *Store) do(ctx context.Context, r *request) (*request, error) {
	r.ctx = ctx
	r.done = make(chan struct{})
	now := time.Now().UTC().Truncate(time.Microsecond)
	for i := range r.evs {
		if r.evs[i].At.IsZero() {
			r.evs[i].At = now
		}
	}
	if err := s.enqueue(ctx, r); err != nil {
		return nil, err
	}
	select {
	case <-r.done:
		return r, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Store) enqueue(ctx context.Context, r *request) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	select {
	case s.reqs <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writer is the single goroutine that commits: it takes whatever calls are queued (group commit),
// writes them in one transaction, then publishes the events in sequence order and answers.
func (s *Store) writer() {
	defer close(s.stopped)
	batch := make([]*request, 0, maxBatchRequests)
	for {
		batch = batch[:0]
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
		case <-s.quit:
			s.failQueued()
			return
		}
		n := len(batch[0].evs)
	coalesce:
		for len(batch) < maxBatchRequests && n < maxBatchEvents {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
				n += len(r.evs)
			default:
				break coalesce
			}
		}
		live := batch[:0:0]
		for _, r := range batch {
			if err := r.ctx.Err(); err != nil {
				r.err = err
				close(r.done)
				continue
			}
			live = append(live, r)
		}
		if len(live) == 0 {
			continue
		}
		s.commit(live)
	}
}

func (s *Store) commit(batch []*request) {
	err := s.commitTx(batch)
	if err != nil && len(batch) > 1 {
		// One call must not fail the others that shared its transaction: write each on its own.
		for _, r := range batch {
			r.out, r.err, r.show = nil, nil, Show{}
			if err := s.commitTx([]*request{r}); err != nil {
				r.err = err
			}
		}
		err = nil
	}
	for _, r := range batch {
		if err != nil {
			r.err = err
		}
		if r.err != nil {
			r.out = nil
			s.metrics.appendErrors.Inc()
		} else {
			for _, ev := range r.out {
				s.metrics.appended.WithLabelValues(ev.Type).Inc()
			}
			s.bus.publish(r.showID, r.out)
		}
		close(r.done)
	}
}

func (s *Store) commitTx(batch []*request) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	err := s.db.commit(ctx, batch)
	s.metrics.commitSeconds.Observe(time.Since(start).Seconds())
	s.metrics.commits.Inc()
	return err
}

func (s *Store) failQueued() {
	for {
		select {
		case r := <-s.reqs:
			r.err = ErrClosed
			close(r.done)
		default:
			return
		}
	}
}

// Read returns up to limit events of a show with seq > after, in order. limit <= 0 or above
// ReadLimit means ReadLimit. An unknown show has no events.
func (s *Store) Read(ctx context.Context, showID string, after int64, limit int) ([]Event, error) {
	if err := ValidShowID(showID); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if after < 0 {
		return nil, fmt.Errorf("read show %s: negative after %d", showID, after)
	}
	if limit <= 0 || limit > ReadLimit {
		limit = ReadLimit
	}
	evs, err := s.db.read(ctx, showID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read show %s after %d: %w", showID, after, err)
	}
	return evs, nil
}

// LastSeq is the sequence number of a show's newest event.
func (s *Store) LastSeq(ctx context.Context, showID string) (int64, error) {
	sh, err := s.GetShow(ctx, showID)
	if err != nil {
		return 0, err
	}
	return sh.LastSeq, nil
}

// NewShowID returns a random show ID ("sh_" and 16 hex digits).
func NewShowID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "sh_" + hex.EncodeToString(b[:])
}

// CreateShow stores a new show and appends its show.created event (seq 1) in the same
// transaction. An empty ID gets a random one; an empty Mode means host. It returns the stored show.
func (s *Store) CreateShow(ctx context.Context, sh Show) (Show, error) {
	if sh.ID == "" {
		sh.ID = NewShowID()
	}
	sh.Status = StatusCreated
	if err := sh.validate(); err != nil {
		return Show{}, fmt.Errorf("create show: %w: %w", ErrInvalid, err)
	}
	sh.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	ne, err := Encode(TypeShowCreated, ShowCreated{Title: sh.Title, Lineup: sh.Lineup, Mode: sh.Mode})
	if err != nil {
		return Show{}, fmt.Errorf("create show %s: %w", sh.ID, err)
	}
	ne.At = sh.CreatedAt
	r, err := s.do(ctx, &request{showID: sh.ID, create: &sh, evs: []NewEvent{ne}})
	if err != nil {
		return Show{}, fmt.Errorf("create show %s: %w", sh.ID, err)
	}
	return r.show, nil
}

// UpdateShow changes a show's title, lineup, mode and status (an empty Mode or Status keeps the
// current one) and appends a show.updated event with the new values in the same transaction.
func (s *Store) UpdateShow(ctx context.Context, sh Show) (Show, error) {
	cur, err := s.GetShow(ctx, sh.ID)
	if err != nil {
		return Show{}, fmt.Errorf("update show: %w", err)
	}
	// An empty Status keeps whatever the status is when the update commits (a show.started
	// committed just before must not be undone), so it is left empty down to the writer.
	status := sh.Status
	if sh.Mode == "" {
		sh.Mode = cur.Mode
	}
	if err := sh.validate(); err != nil {
		return Show{}, fmt.Errorf("update show: %w: %w", ErrInvalid, err)
	}
	sh.Status = status
	ne, err := Encode(TypeShowUpdated, ShowUpdated{Title: sh.Title, Lineup: sh.Lineup, Mode: sh.Mode, Status: status})
	if err != nil {
		return Show{}, fmt.Errorf("update show %s: %w", sh.ID, err)
	}
	r, err := s.do(ctx, &request{showID: sh.ID, update: &sh, evs: []NewEvent{ne}})
	if err != nil {
		return Show{}, fmt.Errorf("update show %s: %w", sh.ID, err)
	}
	return r.show, nil
}

// GetShow returns a show; ErrNotFound if there is none with that ID.
func (s *Store) GetShow(ctx context.Context, id string) (Show, error) {
	if err := ValidShowID(id); err != nil {
		return Show{}, fmt.Errorf("get show: %w: %w", ErrNotFound, err)
	}
	sh, err := s.db.getShow(ctx, id)
	if err != nil {
		return Show{}, fmt.Errorf("get show %s: %w", id, err)
	}
	return sh, nil
}

// ListShows returns every show, newest first.
func (s *Store) ListShows(ctx context.Context) ([]Show, error) {
	shows, err := s.db.listShows(ctx)
	if err != nil {
		return nil, fmt.Errorf("list shows: %w", err)
	}
	return shows, nil
}

// PutToken stores (or replaces) a token by its hash. A zero CreatedAt means now.
func (s *Store) PutToken(ctx context.Context, t Token) error {
	if err := t.validate(); err != nil {
		return fmt.Errorf("put token: %w", err)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt = t.CreatedAt.UTC().Truncate(time.Microsecond)
	if !t.ExpiresAt.IsZero() {
		t.ExpiresAt = t.ExpiresAt.UTC().Truncate(time.Microsecond)
	}
	if err := s.db.putToken(ctx, t); err != nil {
		return fmt.Errorf("put token %q: %w", t.Label, err)
	}
	return nil
}

// LookupToken finds a token by its hash.
func (s *Store) LookupToken(ctx context.Context, hash string) (Token, bool, error) {
	t, ok, err := s.db.lookupToken(ctx, hash)
	if err != nil {
		return Token{}, false, fmt.Errorf("lookup token: %w", err)
	}
	return t, ok, nil
}

// ListTokens returns every token, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	ts, err := s.db.listTokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

// DeleteToken removes a token; ErrNotFound if there was none.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	ok, err := s.db.deleteToken(ctx, hash)
	if err != nil {
		return fmt.Errorf("delete token: %w", err)
	}
	if !ok {
		return fmt.Errorf("delete token: %w", ErrNotFound)
	}
	return nil
}

// statusAfter is the status a show has after a call: the status an update sets, then show.started
// → live, show.stopped → stopped; "" when the call does not change it.
func statusAfter(r *request) string {
	st := ""
	if r.update != nil {
		st = r.update.Status
	}
	evs := r.evs
	for _, ne := range evs {
		switch ne.Type {
		case TypeShowStarted:
			st = StatusLive
		case TypeShowStopped:
			st = StatusStopped
		}
	}
	return st
}
