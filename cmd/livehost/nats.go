package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/livehost/livehost/cluster"
	"github.com/livehost/livehost/internal/config"
)

func init() {
	register(command{name: "nats", summary: "run the bus between livehost nodes: a NATS server with JetStream", run: runNATS})
}

func runNATS(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "nats", "livehost nats [--addr 127.0.0.1:4222] [--store DIR] [--name N --cluster HOST:PORT --routes nats://HOST:PORT,…]",
		`Runs a NATS server with JetStream, built into livehost, for several "livehost serve --nats URL"
nodes: it carries the shows' events between nodes, the requests a node forwards to a show's
owner, and the node registry that places new shows by load. One is enough on one machine; three,
each with --name, --cluster and --routes to the other two, make a NATS cluster that keeps running
when one machine is lost. Any NATS 2.10+ server with JetStream works as well.

It runs until interrupted (SIGINT/SIGTERM).`)
	cfg := env.config()
	addr := fs.String("addr", "127.0.0.1:4222", "client address the livehost nodes connect to")
	store := fs.String("store", filepath.Join(cfg.Data, "nats"), "JetStream storage directory")
	name := fs.String("name", "", "server name, unique in a NATS cluster")
	clusterAddr := fs.String("cluster", "", "address for routes from the other NATS servers (host:port); empty: a single server")
	routes := fs.String("routes", "", "comma-separated nats://host:port of the other servers' --cluster addresses")
	jsonOut := fs.Bool("json", false, "print {\"url\":…} as one JSON line once the server takes connections")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := cluster.StartBus(cluster.BusOptions{Addr: *addr, StoreDir: *store, Name: *name, ClusterAddr: *clusterAddr,
		Routes: config.List(*routes)})
	if err != nil {
		return &exitError{2, err}
	}
	url := s.ClientURL()
	if *jsonOut {
		b, _ := json.Marshal(map[string]string{"url": url})
		fmt.Fprintln(env.stdout, string(b))
	} else {
		fmt.Fprintf(env.stdout, "NATS is listening on %s (JetStream store %s)\n", url, *store)
	}
	<-ctx.Done()
	s.Shutdown()
	s.WaitForShutdown()
	return nil
}
