package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus series. Each Server has its own registry so that tests can
// run several servers in one process.
type metrics struct {
	reg *prometheus.Registry

	chatIngested  prometheus.Counter
	verdicts      *prometheus.CounterVec
	verdictSecs   prometheus.Histogram
	draftSecs     prometheus.Histogram
	drafts        *prometheus.CounterVec
	queueDepth    *prometheus.GaugeVec
	subscribers   prometheus.Gauge
	resyncs       prometheus.Counter
	streamMsgs    prometheus.Counter
	streamEvents  prometheus.Counter
	compliance    prometheus.Counter
	rateLimited   prometheus.Counter
	pipelineDrops prometheus.Counter
	httpSecs      *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.chatIngested = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livehost_chat_ingested_total", Help: "Chat messages durably logged."})
	m.verdicts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "livehost_verdicts_total", Help: "Moderation verdicts by action."}, []string{"action"})
	m.verdictSecs = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "livehost_verdict_seconds", Help: "Time to moderate one chat message.",
		Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1}})
	m.draftSecs = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "livehost_draft_seconds", Help: "From a chat message being logged to its answer draft being logged.",
		Buckets: prometheus.ExponentialBuckets(.0005, 2.5, 12)})
	m.drafts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "livehost_drafts_total", Help: "Answer drafts by outcome."}, []string{"status"})
	m.queueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "livehost_queue_depth", Help: "Items waiting: pending drafts, held messages, chat waiting for the answer agent."},
		[]string{"queue"})
	m.subscribers = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "livehost_stream_subscribers", Help: "Open WebSocket event streams."})
	m.resyncs = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livehost_stream_resyncs_total", Help: "Stream clients that fell behind and were resynced from the log."})
	m.streamMsgs = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livehost_stream_messages_total", Help: "WebSocket messages written to event streams (each carries one or more events)."})
	m.streamEvents = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livehost_stream_events_total", Help: "Events written to event streams."})
	m.compliance = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livehost_host_compliance_flags_total", Help: "Compliance flags raised on the host's speech."})
	m.rateLimited = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livehost_ingest_rate_limited_total", Help: "Ingest requests refused with 429."})
	m.pipelineDrops = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "livehost_answer_queue_dropped_total", Help: "Chat messages not offered to the answer agent because its queue was full."})
	m.httpSecs = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "livehost_http_request_seconds", Help: "HTTP request latency by route and status.",
		Buckets: prometheus.DefBuckets}, []string{"method", "route", "code"})
	m.reg.MustRegister(m.chatIngested, m.verdicts, m.verdictSecs, m.draftSecs, m.drafts, m.queueDepth,
		m.subscribers, m.resyncs, m.streamMsgs, m.streamEvents, m.compliance, m.rateLimited, m.pipelineDrops, m.httpSecs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
