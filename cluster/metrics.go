package cluster

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	owned         prometheus.Gauge
	adopted       prometheus.Counter
	leaseErrors   prometheus.Counter
	received      prometheus.Counter
	badMessages   prometheus.Counter
	publishErrors prometheus.Counter
	forwarded     prometheus.Histogram
	forwardErrors prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		owned: prometheus.NewGauge(prometheus.GaugeOpts{Name: "livehost_cluster_shows_owned",
			Help: "Shows whose lease this node holds."}),
		adopted: prometheus.NewCounter(prometheus.CounterOpts{Name: "livehost_cluster_shows_adopted_total",
			Help: "Shows this node took: new ones placed here, and those of a dead or draining node."}),
		leaseErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "livehost_cluster_lease_errors_total",
			Help: "Lease passes that failed (PostgreSQL unreachable, the lease connection broken)."}),
		received: prometheus.NewCounter(prometheus.CounterOpts{Name: "livehost_cluster_events_received_total",
			Help: "Events other nodes committed, received over the bus."}),
		badMessages: prometheus.NewCounter(prometheus.CounterOpts{Name: "livehost_cluster_bad_messages_total",
			Help: "Messages on the bus that did not decode or were out of order (dropped; the log fills in)."}),
		publishErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "livehost_cluster_publish_errors_total",
			Help: "Event batches that could not be put on the bus (the other nodes read them from the log)."}),
		forwarded: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "livehost_cluster_forward_seconds",
			Help: "Round trip of a request forwarded to the show's owner.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		forwardErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "livehost_cluster_forward_errors_total",
			Help: "Requests that could not be forwarded to the show's owner (answered 503)."}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.owned, m.adopted, m.leaseErrors, m.received, m.badMessages, m.publishErrors, m.forwarded, m.forwardErrors}
}
