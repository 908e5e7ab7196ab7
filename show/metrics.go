package show

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	appended      *prometheus.CounterVec
	appendErrors  prometheus.Counter
	commits       prometheus.Counter
	commitSeconds prometheus.Histogram
	subscribers   prometheus.Gauge
	resyncs       prometheus.Counter
	caughtUp      prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		appended: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livehost_show_events_appended_total",
			Help: "Events durably appended to show logs, by event type.",
		}, []string{"type"}),
		appendErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_show_append_errors_total",
			Help: "Append, CreateShow and UpdateShow calls that failed in the writer.",
		}),
		commits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_show_commits_total",
			Help: "Transactions committed by the log writer (each may carry many coalesced calls).",
		}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "livehost_show_commit_seconds",
			Help:    "Time to durably commit one group of appends.",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14),
		}),
		subscribers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "livehost_show_subscribers",
			Help: "Open event subscriptions across all shows.",
		}),
		caughtUp: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_show_caught_up_events_total",
			Help: "Events appended by another node that were read from the log because the bus between nodes had not brought them.",
		}),
		resyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_show_subscriber_resyncs_total",
			Help: "Times a slow subscriber overflowed its buffer and resumed from the log.",
		}),
	}
}

// Collectors returns the store's Prometheus collectors (for a caller that registers them itself).
func (s *Store) Collectors() []prometheus.Collector {
	m := s.metrics
	return []prometheus.Collector{m.appended, m.appendErrors, m.commits, m.commitSeconds, m.subscribers, m.resyncs, m.caughtUp}
}

// RegisterMetrics registers the store's metrics on reg.
func (s *Store) RegisterMetrics(reg prometheus.Registerer) error {
	var errs []error
	for _, c := range s.Collectors() {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("register show metrics: %w", err)
	}
	return nil
}
