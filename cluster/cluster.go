// Package cluster lets several livehost nodes share shows: PostgreSQL is the store of record (the
// show log, and the leases that say which node owns each show), NATS carries the events between
// nodes, the forwarded requests, and the node registry (a JetStream key-value bucket) that places
// new shows by load. A single process needs none of it.
//
// Each show has one owner: the node holding the show's PostgreSQL advisory lock. The owner appends
// to the show's log and runs its agents (the answer worker, the avatar runner, the connectors);
// every node folds every show from the log and serves reads and streams itself. A write that
// reaches another node is forwarded to the owner over NATS (request/reply); when the owner dies its
// session ends, PostgreSQL frees the lock, and the least loaded live node takes the show within a
// lease period.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/livehost/livehost/show"
)

// Shows is the show runtime as the cluster drives it (live.Runtime).
type Shows interface {
	ListShows(ctx context.Context) ([]show.Show, error)
	Adopt(ctx context.Context, showID string) error
	Release(ctx context.Context, showID string)
	Owns(showID string) bool
}

// Worker runs something of a show on its owner only: the avatar runner, the connectors. Adopt is
// called after the runtime adopts the show, Release before the runtime releases it.
type Worker interface {
	Adopt(ctx context.Context, showID string) error
	Release(ctx context.Context, showID string)
}

// Options configure a Node. NATSURL, DatabaseURL, Store and Shows are required.
type Options struct {
	NodeID      string // default: the host name and a random suffix
	NATSURL     string // one or more, comma-separated, tried in this order
	DatabaseURL string // the PostgreSQL of the show log: the leases live there
	Store       *show.Store
	Shows       Shows
	Workers     []Worker
	// LeaseEvery is how often the node checks its leases and looks for shows without an owner
	// (default 1 s). A dead node's shows move within about two of these.
	LeaseEvery time.Duration
	// Grace is how long a show may stay without an owner before any node takes it, whatever the
	// placement by load says (default 3 s): the chosen node may be slow or gone.
	Grace time.Duration
	// ForwardTimeout bounds one forwarded request (default 10 s).
	ForwardTimeout time.Duration
	Logger         *slog.Logger
}

// Node is this process's membership in the cluster. Start it, give it the HTTP handler with
// SetHandler, Drain it on SIGTERM and Close it.
type Node struct {
	opt Options
	id  string
	log *slog.Logger
	nc  *nats.Conn
	kv  jetstream.KeyValue // node registry; nil while NATS has no JetStream
	js  jetstream.JetStream
	lk  *locker
	m   *metrics

	handler atomic.Pointer[http.Handler]
	passMu  sync.Mutex // one lease pass or drain at a time

	mu        sync.Mutex
	owned     map[string]bool
	unowned   map[string]time.Time // show → when it was first seen without an owner
	owners    map[string]string    // show → owner node, a cache for forwarding
	settled   bool                 // a lease pass has completed since start
	draining  bool
	lastPass  error
	kvErrLogs time.Time

	subs    []*nats.Subscription
	trigger chan struct{}
	fwdSem  chan struct{}
	quit    chan struct{}
	wg      sync.WaitGroup
	closed  sync.Once
}

// Start joins the cluster: it connects to NATS and PostgreSQL, starts carrying events, serving
// forwarded requests and taking leases.
func Start(ctx context.Context, opt Options) (*Node, error) {
	if opt.NATSURL == "" || opt.DatabaseURL == "" || opt.Store == nil || opt.Shows == nil {
		return nil, errors.New("cluster: NATSURL, DatabaseURL, Store and Shows are required (several nodes need --nats and --db)")
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.LeaseEvery <= 0 {
		opt.LeaseEvery = time.Second
	}
	if opt.Grace <= 0 {
		opt.Grace = 3 * time.Second
	}
	if opt.ForwardTimeout <= 0 {
		opt.ForwardTimeout = 10 * time.Second
	}
	if opt.NodeID == "" {
		opt.NodeID = defaultNodeID()
	}
	if err := validNodeID(opt.NodeID); err != nil {
		return nil, err
	}
	n := &Node{
		opt: opt, id: opt.NodeID, log: opt.Logger.With("node", opt.NodeID), m: newMetrics(),
		owned: map[string]bool{}, unowned: map[string]time.Time{}, owners: map[string]string{},
		trigger: make(chan struct{}, 1), fwdSem: make(chan struct{}, 256), quit: make(chan struct{}),
	}
	if opt.Store.Backend() != "postgres" {
		return nil, errors.New("cluster: several nodes share the PostgreSQL store (--db)")
	}
	n.lk = newLocker(opt.DatabaseURL, n.id)
	if err := n.lk.connect(ctx); err != nil {
		return nil, err
	}
	var err error
	n.nc, err = nats.Connect(opt.NATSURL,
		nats.Name("livehost "+n.id),
		nats.NoEcho(), // this node's own events and hints are already here
		// In the order given: the NATS server on this node's own machine first, the others
		// when it goes.
		nats.DontRandomize(),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.ReconnectBufSize(64<<20),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			select {
			case <-n.quit:
				return // leaving on purpose
			default:
			}
			n.log.Warn("bus between nodes lost; events from other nodes are read from the log meanwhile", "err", err)
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			n.log.Info("bus between nodes back")
			n.kick()
		}),
	)
	if err != nil {
		n.lk.close()
		return nil, fmt.Errorf("cluster: connect to NATS at %s: %w", opt.NATSURL, err)
	}
	if n.js, err = jetstream.New(n.nc); err == nil {
		n.kv = n.registry(ctx)
	}
	if err := n.carry(); err != nil {
		n.Close()
		return nil, err
	}
	n.wg.Add(2)
	go n.leaseLoop()
	go n.catchUpLoop()
	n.log.Info("joined the cluster", "nats", opt.NATSURL)
	return n, nil
}

// ID is this node's name.
func (n *Node) ID() string { return n.id }

// SetHandler gives the node the HTTP handler that serves requests forwarded to it.
func (n *Node) SetHandler(h http.Handler) { n.handler.Store(&h) }

// Collectors are the node's Prometheus series.
func (n *Node) Collectors() []prometheus.Collector { return n.m.collectors() }

// Ready says whether the node may take traffic: PostgreSQL and NATS answer, its leases have
// settled, and it is not draining.
func (n *Node) Ready(ctx context.Context) error {
	n.mu.Lock()
	settled, draining, last := n.settled, n.draining, n.lastPass
	n.mu.Unlock()
	switch {
	case draining:
		return errors.New("draining: handing its shows to other nodes")
	case !n.nc.IsConnected():
		return fmt.Errorf("bus between nodes (NATS) not connected: %s", n.nc.Status())
	case !settled:
		if last != nil {
			return fmt.Errorf("leases not settled: %w", last)
		}
		return errors.New("leases not settled yet")
	}
	if err := n.opt.Store.Ping(ctx); err != nil {
		return fmt.Errorf("PostgreSQL: %w", err)
	}
	return nil
}

// kick runs a lease pass soon.
func (n *Node) kick() {
	select {
	case n.trigger <- struct{}{}:
	default:
	}
}

// Close leaves the cluster at once, without handing shows over (Drain does that): the leases end
// with the session, and other nodes take the shows within a lease period.
func (n *Node) Close() error {
	n.closed.Do(func() {
		close(n.quit)
		n.wg.Wait()
		for _, s := range n.subs {
			_ = s.Unsubscribe()
		}
		n.nc.Close()
		n.lk.close()
	})
	return nil
}

func defaultNodeID() string {
	h, err := os.Hostname()
	if err != nil || validNodeID(h) != nil {
		h = "node"
	}
	return fmt.Sprintf("%s-%d", h, os.Getpid())
}

// validNodeID keeps node IDs usable as NATS subject tokens and key-value keys.
func validNodeID(id string) error {
	// 48: the lease session's application_name (63 bytes at most) carries it after a prefix.
	if id == "" || len(id) > 48 {
		return fmt.Errorf("node id %q: want 1 to 48 characters", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("node id %q: byte %d (%q) is not one of A-Z a-z 0-9 _ -", id, i, c)
		}
	}
	return nil
}
