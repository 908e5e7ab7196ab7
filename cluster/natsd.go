package cluster

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// BusOptions configure the NATS server that `livehost nats` runs: the bus between livehost nodes,
// with JetStream for the node registry. Three of them with Routes pointing at each other make a
// NATS cluster that survives the loss of one.
type BusOptions struct {
	Addr        string   // client address, host:port
	StoreDir    string   // JetStream storage
	Name        string   // server name, unique in the NATS cluster
	ClusterAddr string   // host:port for routes from the other servers; "" for a single server
	ClusterName string   // default "livehost"
	Routes      []string // nats://host:port of the other servers' ClusterAddr
	MaxPayload  int32    // default 8 MiB: forwarded requests carry whole bodies
}

// StartBus starts the NATS server and waits until it takes connections.
func StartBus(opt BusOptions) (*natsserver.Server, error) {
	host, portS, err := net.SplitHostPort(opt.Addr)
	if err != nil {
		return nil, fmt.Errorf("nats: address %q: %w", opt.Addr, err)
	}
	port, err := strconv.Atoi(portS)
	if err != nil {
		return nil, fmt.Errorf("nats: address %q: bad port", opt.Addr)
	}
	if opt.StoreDir == "" {
		return nil, errors.New("nats: a store directory is required (JetStream keeps the node registry there)")
	}
	if opt.MaxPayload <= 0 {
		opt.MaxPayload = 8 << 20
	}
	o := &natsserver.Options{ServerName: opt.Name, Host: host, Port: port, JetStream: true, StoreDir: opt.StoreDir,
		MaxPayload: opt.MaxPayload, NoSigs: true}
	if opt.ClusterAddr != "" {
		ch, cp, err := net.SplitHostPort(opt.ClusterAddr)
		if err != nil {
			return nil, fmt.Errorf("nats: cluster address %q: %w", opt.ClusterAddr, err)
		}
		o.Cluster.Host = ch
		if o.Cluster.Port, err = strconv.Atoi(cp); err != nil {
			return nil, fmt.Errorf("nats: cluster address %q: bad port", opt.ClusterAddr)
		}
		o.Cluster.Name = opt.ClusterName
		if o.Cluster.Name == "" {
			o.Cluster.Name = "livehost"
		}
		if opt.Name == "" {
			return nil, errors.New("nats: a clustered server needs a name")
		}
		for _, r := range opt.Routes {
			u, err := url.Parse(r)
			if err != nil || u.Host == "" {
				return nil, fmt.Errorf("nats: route %q: want nats://host:port", r)
			}
			o.Routes = append(o.Routes, u)
		}
	}
	s, err := natsserver.NewServer(o)
	if err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("nats: not ready to take connections on %s within 30 s", opt.Addr)
	}
	return s, nil
}
