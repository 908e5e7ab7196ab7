package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the edge's Prometheus series (the runtime has its own). Each Server has its own, so
// that tests can run several servers in one process.
type metrics struct {
	subscribers   prometheus.Gauge
	streamMsgs    prometheus.Counter
	streamEvents  prometheus.Counter
	rateLimited   prometheus.Counter
	streamRefused prometheus.Counter
	streamsCut    prometheus.Counter
	httpSecs      *prometheus.HistogramVec
}

func newMetrics() *metrics {
	return &metrics{
		subscribers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "livehost_stream_subscribers", Help: "Open WebSocket event streams."}),
		streamMsgs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_stream_messages_total", Help: "WebSocket messages written to event streams (each carries one or more events)."}),
		streamEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_stream_events_total", Help: "Events written to event streams."}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_ingest_rate_limited_total", Help: "Ingest requests refused with 429."}),
		streamRefused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_stream_refused_total", Help: "Event streams refused: the show or the token had the most it may have open."}),
		streamsCut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_stream_cut_total", Help: "Event streams cut because the client stopped answering pings."}),
		httpSecs: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "livehost_http_request_seconds", Help: "HTTP request latency by route and status.",
			Buckets: prometheus.DefBuckets}, []string{"method", "route", "code"}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.subscribers, m.streamMsgs, m.streamEvents, m.rateLimited, m.streamRefused, m.streamsCut, m.httpSecs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})}
}
