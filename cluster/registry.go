package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The node registry is a JetStream key-value bucket: each node puts its load there every lease
// period, and an entry not renewed for registryStale is a dead node. Placement reads it; nothing
// depends on it for correctness (the leases are in PostgreSQL), so without it a free show is
// still taken after the grace period.

const (
	registryBucket = "livehost_nodes"
	registryTTL    = 30 * time.Second
	registryStale  = 5 * time.Second
)

// NodeStatus is one node's entry in the registry.
type NodeStatus struct {
	ID       string    `json:"id"`
	Owned    int       `json:"owned"`
	Draining bool      `json:"draining"`
	At       time.Time `json:"at"`
}

func (n *Node) registry(ctx context.Context) jetstream.KeyValue {
	cfg := jetstream.KeyValueConfig{
		Bucket: registryBucket, TTL: registryTTL, Storage: jetstream.MemoryStorage, History: 1,
		Description: "livehost nodes and their load, for placing new shows", Replicas: 3,
	}
	// Three replicas on a NATS cluster, so that the registry outlives one server; a single
	// server refuses them and keeps one.
	kv, err := n.js.CreateOrUpdateKeyValue(ctx, cfg)
	if err != nil {
		cfg.Replicas = 1
		kv, err = n.js.CreateOrUpdateKeyValue(ctx, cfg)
	}
	if err != nil {
		n.logKV("open the node registry", err)
		return nil
	}
	return kv
}

// register puts this node's load in the registry.
func (n *Node) register(ctx context.Context, draining bool) {
	n.mu.Lock()
	st := NodeStatus{ID: n.id, Owned: len(n.owned), Draining: draining, At: time.Now().UTC()}
	kv := n.kv
	n.mu.Unlock()
	if n.js == nil || !n.nc.IsConnected() {
		return
	}
	if kv == nil {
		if kv = n.registry(ctx); kv == nil {
			return
		}
		n.mu.Lock()
		n.kv = kv
		n.mu.Unlock()
	}
	b, _ := json.Marshal(st)
	// The registry only places new shows: never let it hold up a lease pass or a drain.
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := kv.Put(ctx, n.id, b); err != nil {
		n.logKV("register in the node registry", err)
		if errors.Is(err, jetstream.ErrBucketNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrNoStreamResponse) {
			n.mu.Lock()
			n.kv = nil // NATS lost it (a restart with memory storage): open it again next time
			n.mu.Unlock()
		}
	}
}

// liveNodes is the registry's fresh entries.
func (n *Node) liveNodes(ctx context.Context) []NodeStatus {
	n.mu.Lock()
	kv := n.kv
	n.mu.Unlock()
	if kv == nil || !n.nc.IsConnected() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		n.logKV("read the node registry", err)
		return nil
	}
	defer lister.Stop()
	var out []NodeStatus
	for key := range lister.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			continue
		}
		var st NodeStatus
		if json.Unmarshal(e.Value(), &st) != nil || time.Since(st.At) > registryStale {
			continue
		}
		out = append(out, st)
	}
	return out
}

// logKV logs registry trouble at most every 10 s: during a NATS outage it fails every pass.
func (n *Node) logKV(doing string, err error) {
	n.mu.Lock()
	quiet := time.Since(n.kvErrLogs) < 10*time.Second
	if !quiet {
		n.kvErrLogs = time.Now()
	}
	n.mu.Unlock()
	if !quiet {
		n.log.Warn("node registry: "+doing, "err", err)
	}
}
