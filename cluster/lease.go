package cluster

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Leases are PostgreSQL session advisory locks, one per show, held on one connection per node.
// They live where the log lives: a node that cannot reach PostgreSQL cannot append anyway, and
// when its process dies the server ends the session and frees the locks at once (a vanished
// machine is noticed by the TCP keepalives set below). A NATS outage moves no show.

// leaseKey is a show's advisory lock key: 63 bits of FNV-1a, so shows do not share a lock.
func leaseKey(showID string) int64 {
	h := fnv.New64a()
	h.Write([]byte("livehost/show/"))
	h.Write([]byte(showID))
	return int64(h.Sum64() & 0x7fff_ffff_ffff_ffff)
}

// locker is the connection that holds this node's leases.
type locker struct {
	url  string
	node string
	mu   sync.Mutex
	conn *pgx.Conn
}

// leaseApp prefixes the application_name of every node's lease session, so that a node can see
// which others are alive by PostgreSQL's own account (pg_stat_activity).
const leaseApp = "livehost-lease:"

func newLocker(url, node string) *locker { return &locker{url: url, node: node} }

func (l *locker) connect(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(l.url)
	if err != nil {
		return fmt.Errorf("cluster: lease connection: %w", err)
	}
	// A machine that vanishes without closing its connection is noticed within about 6 s.
	cfg.RuntimeParams["tcp_keepalives_idle"] = "3"
	cfg.RuntimeParams["tcp_keepalives_interval"] = "1"
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	cfg.RuntimeParams["application_name"] = leaseApp + l.node
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("cluster: lease connection: %w", err)
	}
	l.mu.Lock()
	l.conn = conn
	l.mu.Unlock()
	return nil
}

func (l *locker) connected() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conn != nil
}

func (l *locker) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		_ = l.conn.Close(context.Background())
		l.conn = nil
	}
}

// errLeasesLost: the lease connection broke, and with it every lease this node held.
var errLeasesLost = errors.New("the lease connection to PostgreSQL broke")

func (l *locker) query(ctx context.Context, f func(*pgx.Conn) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return errLeasesLost
	}
	if err := f(l.conn); err != nil {
		if l.conn.IsClosed() || pgConnBroken(err) {
			_ = l.conn.Close(context.Background())
			l.conn = nil
			return fmt.Errorf("%w: %v", errLeasesLost, err)
		}
		return err
	}
	return nil
}

// pgConnBroken reports whether err left the connection unusable (a server error does not).
func pgConnBroken(err error) bool {
	var pgErr interface{ SQLState() string }
	return !errors.As(err, &pgErr)
}

func (l *locker) tryLock(ctx context.Context, showID string) (bool, error) {
	var ok bool
	err := l.query(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, leaseKey(showID)).Scan(&ok)
	})
	return ok, err
}

func (l *locker) unlock(ctx context.Context, showID string) error {
	return l.query(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `SELECT pg_advisory_unlock($1)`, leaseKey(showID))
		return err
	})
}

// alive is the nodes whose lease session is open: a node whose process died is gone from it at
// once, long before its registry entry goes stale.
func (l *locker) alive(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	err := l.query(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT substr(application_name, $1) FROM pg_stat_activity
			WHERE datname = current_database() AND starts_with(application_name, $2)`, len(leaseApp)+1, leaseApp)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out[id] = true
		}
		return rows.Err()
	})
	return out, err
}

// held is every show lease held by any node, as keys.
func (l *locker) held(ctx context.Context) (map[int64]bool, error) {
	out := map[int64]bool{}
	err := l.query(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks
			WHERE locktype = 'advisory' AND objsubid = 1 AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k int64
			if err := rows.Scan(&k); err != nil {
				return err
			}
			out[k] = true
		}
		return rows.Err()
	})
	return out, err
}

func (n *Node) leaseLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.opt.LeaseEvery)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*n.opt.LeaseEvery+5*time.Second)
		err := n.leasePass(ctx)
		cancel()
		n.mu.Lock()
		n.lastPass = err
		if err == nil {
			n.settled = true
		}
		n.mu.Unlock()
		if err != nil {
			n.m.leaseErrors.Inc()
			n.log.Warn("lease pass", "err", err)
		}
		select {
		case <-n.quit:
			return
		case <-t.C:
		case <-n.trigger:
		}
	}
}

// leasePass checks this node's leases and takes the shows without an owner that placement gives
// it.
func (n *Node) leasePass(ctx context.Context) error {
	n.passMu.Lock() // a drain waits for the pass, so that no show is taken behind its back
	defer n.passMu.Unlock()
	if !n.lk.connected() {
		if err := n.lk.connect(ctx); err != nil {
			return err
		}
	}
	held, err := n.lk.held(ctx)
	if errors.Is(err, errLeasesLost) {
		n.lostAll(ctx)
		return err
	}
	if err != nil {
		return fmt.Errorf("list leases: %w", err)
	}
	n.mu.Lock()
	draining := n.draining
	n.mu.Unlock()
	shows, err := n.opt.Shows.ListShows(ctx)
	if err != nil {
		return fmt.Errorf("list shows: %w", err)
	}
	now := time.Now()
	var free []string
	n.mu.Lock()
	seen := map[string]bool{}
	for _, sh := range shows {
		seen[sh.ID] = true
		if n.owned[sh.ID] || held[leaseKey(sh.ID)] {
			delete(n.unowned, sh.ID)
			continue
		}
		if _, ok := n.unowned[sh.ID]; !ok {
			n.unowned[sh.ID] = now
		}
		free = append(free, sh.ID)
	}
	for id := range n.unowned {
		if !seen[id] {
			delete(n.unowned, id)
		}
	}
	n.mu.Unlock()
	n.register(ctx, draining)
	if draining || len(free) == 0 {
		return nil
	}
	mine := n.placement(ctx, free)
	for _, id := range free {
		n.mu.Lock()
		overdue := now.Sub(n.unowned[id]) >= n.opt.Grace
		n.mu.Unlock()
		if !mine[id] && !overdue {
			continue
		}
		if err := n.take(ctx, id); err != nil {
			if errors.Is(err, errLeasesLost) {
				n.lostAll(ctx)
				return err
			}
			// One show that cannot be adopted must neither keep the others without an owner nor
			// make the node unready; it is tried again next pass.
			n.m.leaseErrors.Inc()
			n.log.Error("take show", "show", id, "err", err)
		}
	}
	return nil
}

// placement picks, among the free shows, those this node should take (see place).
func (n *Node) placement(ctx context.Context, free []string) map[string]bool {
	nodes := n.liveNodes(ctx)
	if len(nodes) == 0 {
		return map[string]bool{} // no registry: only the grace period places shows
	}
	alive, err := n.lk.alive(ctx)
	if err != nil {
		return map[string]bool{}
	}
	load := map[string]int{}
	for _, st := range nodes {
		if !st.Draining && alive[st.ID] {
			load[st.ID] = st.Owned
		}
	}
	n.mu.Lock()
	load[n.id] = len(n.owned) // this node's own count is fresher than its entry
	n.mu.Unlock()
	return place(free, load, n.id)
}

// place gives each free show, in order, to the node owning the fewest shows (ties by node ID),
// counting the shows placed before it, and returns those that fall to self. Every node computes
// the same answer from the same registry, so a new show is taken once, by the least loaded node.
func place(free []string, load map[string]int, self string) map[string]bool {
	ids := make([]string, 0, len(load))
	for id := range load {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	free = append([]string(nil), free...)
	sort.Strings(free)
	load = maps.Clone(load)
	mine := map[string]bool{}
	for _, show := range free {
		best := ids[0]
		for _, id := range ids[1:] {
			if load[id] < load[best] {
				best = id
			}
		}
		load[best]++
		if best == self {
			mine[show] = true
		}
	}
	return mine
}

// take acquires a show's lease and adopts it.
func (n *Node) take(ctx context.Context, showID string) error {
	n.mu.Lock()
	draining := n.draining
	n.mu.Unlock()
	if draining {
		return nil // a drain began during this pass
	}
	ok, err := n.lk.tryLock(ctx, showID)
	if err != nil || !ok {
		return err
	}
	// The claim fences the previous owner's appends (if it has not noticed it lost the lease)
	// and tells the other nodes where to forward.
	claim, err := n.opt.Store.Claim(ctx, showID, n.id)
	if err == nil {
		err = n.opt.Shows.Adopt(ctx, showID)
	}
	if err == nil {
		for i, w := range n.opt.Workers {
			if err = w.Adopt(ctx, showID); err != nil {
				for _, done := range n.opt.Workers[:i] {
					done.Release(ctx, showID)
				}
				n.opt.Shows.Release(ctx, showID)
				break
			}
		}
	}
	if err != nil {
		n.opt.Store.Unclaim(showID)
		_ = n.lk.unlock(ctx, showID)
		return fmt.Errorf("adopt show %s: %w", showID, err)
	}
	n.mu.Lock()
	n.owned[showID] = true
	delete(n.unowned, showID)
	n.owners[showID] = n.id
	count := len(n.owned)
	n.mu.Unlock()
	n.m.owned.Set(float64(count))
	n.m.adopted.Inc()
	n.announce(showID)
	n.log.Info("took show", "show", showID, "epoch", claim.Epoch)
	return nil
}

// give hands a show back: its workers stop, its appends finish, its lease ends.
func (n *Node) give(ctx context.Context, showID string) {
	for i := len(n.opt.Workers) - 1; i >= 0; i-- {
		n.opt.Workers[i].Release(ctx, showID)
	}
	n.opt.Shows.Release(ctx, showID)
	n.opt.Store.Unclaim(showID)
	if err := n.lk.unlock(ctx, showID); err != nil {
		n.log.Warn("release lease", "show", showID, "err", err)
	}
	n.mu.Lock()
	delete(n.owned, showID)
	delete(n.owners, showID)
	count := len(n.owned)
	n.mu.Unlock()
	n.m.owned.Set(float64(count))
	n.announce(showID)
}

// lostAll stops running every show at once: the leases went with the connection, and another
// node may already be taking them.
func (n *Node) lostAll(ctx context.Context) {
	n.mu.Lock()
	shows := make([]string, 0, len(n.owned))
	for id := range n.owned {
		shows = append(shows, id)
	}
	n.owned = map[string]bool{}
	n.owners = map[string]string{}
	n.mu.Unlock()
	for _, id := range shows {
		for i := len(n.opt.Workers) - 1; i >= 0; i-- {
			n.opt.Workers[i].Release(ctx, id)
		}
		n.opt.Shows.Release(ctx, id)
		n.opt.Store.Unclaim(id)
	}
	n.m.owned.Set(0)
	if len(shows) > 0 {
		n.log.Error("lost the lease connection: stopped running its shows", "shows", len(shows))
	}
}

// Drain hands every show to other nodes and stops taking new ones: for SIGTERM. Requests for
// those shows keep working through the new owners; the caller then finishes in-flight requests.
func (n *Node) Drain(ctx context.Context) {
	n.passMu.Lock()
	defer n.passMu.Unlock()
	n.mu.Lock()
	n.draining = true
	shows := make([]string, 0, len(n.owned))
	for id := range n.owned {
		shows = append(shows, id)
	}
	n.mu.Unlock()
	n.register(ctx, true)
	for _, id := range shows {
		n.give(ctx, id)
	}
	n.hint()
	n.log.Info("drained", "shows", len(shows))
}

// Owns reports whether this node holds the show's lease.
func (n *Node) Owns(showID string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.owned[showID]
}
