package manager

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	messages   *prometheus.CounterVec
	duplicates *prometheus.CounterVec
	states     *prometheus.CounterVec
	running    *prometheus.GaugeVec
	replies    *prometheus.CounterVec
}

func newMetrics() *metrics {
	return &metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livehost_connector_messages_total", Help: "Chat messages connectors delivered and the log took, by platform."}, []string{"platform"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livehost_connector_duplicates_total", Help: "Messages connectors delivered again (reconnects, redeliveries) that the log already had."}, []string{"platform"}),
		states: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livehost_connector_state_changes_total", Help: "Connector health changes by platform and new state (connecting, live, backoff, stopped)."}, []string{"platform", "state"}),
		running: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "livehost_connectors_running", Help: "Connectors running, by platform."}, []string{"platform"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "livehost_replies_total", Help: "Approved replies posted to platforms, by platform and outcome (sent, failed, retried)."}, []string{"platform", "outcome"}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.messages, m.duplicates, m.states, m.running, m.replies}
}
