package live

import "github.com/prometheus/client_golang/prometheus"

// metrics are the runtime's Prometheus series; each Runtime has its own, so that tests can run
// several in one process. Collectors hands them to the caller's registry.
type metrics struct {
	chatIngested  prometheus.Counter
	verdicts      *prometheus.CounterVec
	verdictSecs   prometheus.Histogram
	draftSecs     prometheus.Histogram
	drafts        *prometheus.CounterVec
	queueDepth    *prometheus.GaugeVec
	owned         prometheus.Gauge
	resyncs       prometheus.Counter
	compliance    prometheus.Counter
	pipelineDrops *prometheus.CounterVec
	heldDecided   *prometheus.CounterVec

	chatDuplicates prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		chatIngested: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_chat_ingested_total", Help: "Chat messages durably logged."}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livehost_verdicts_total", Help: "Moderation verdicts by action."}, []string{"action"}),
		verdictSecs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "livehost_verdict_seconds", Help: "Time to moderate one chat message.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1}}),
		draftSecs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "livehost_draft_seconds", Help: "From a chat message being logged to its answer draft being logged.",
			Buckets: prometheus.ExponentialBuckets(.0005, 2.5, 12)}),
		drafts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livehost_drafts_total", Help: "Answer drafts by outcome."}, []string{"status"}),
		owned: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "livehost_shows_owned",
			Help: "Shows this node writes and runs the agents of (with several nodes; one process owns all and leaves this 0).",
		}),
		queueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "livehost_queue_depth", Help: "Items waiting: pending drafts, held messages, chat waiting for the answer agent."},
			[]string{"queue"}),
		resyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_stream_resyncs_total", Help: "Subscribers that fell behind and were resynced from the log."}),
		compliance: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_host_compliance_flags_total", Help: "Compliance flags raised on the host's speech."}),
		heldDecided: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livehost_held_decided_total", Help: "Held messages that left the queue in bulk: denied by user, rule or age, or expired."},
			[]string{"how"}),
		pipelineDrops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livehost_answer_queue_dropped_total", Help: "Questions shed by the answer agent under overload: its queue was full, or the question waited too long."},
			[]string{"reason"}),
		chatDuplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "livehost_chat_duplicates_total", Help: "Chat messages not logged because the show already has their (platform, id)."}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.chatIngested, m.verdicts, m.verdictSecs, m.draftSecs, m.drafts, m.queueDepth, m.owned,
		m.resyncs, m.compliance, m.pipelineDrops, m.heldDecided, m.chatDuplicates}
}
