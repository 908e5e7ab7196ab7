package avatar

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	utterances   *prometheus.CounterVec
	gate         *prometheus.CounterVec
	tts          *prometheus.HistogramVec
	captionsOnly prometheus.Counter
	playback     *prometheus.CounterVec
	// writerFallback counts the LLM writer's failures (the offline writer took over).
	writerFallback prometheus.Counter
	cuts           *prometheus.CounterVec
}

func newMetrics() *metrics {
	return &metrics{
		utterances: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livehost_avatar_utterances_total",
			Help: "Sentences the avatar spoke, by kind (talk, answer, say, scheduled, idle)."}, []string{"kind"}),
		gate: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livehost_avatar_gate_total",
			Help: "Sentences through the avatar's gate, by outcome (passed, replaced, dropped)."}, []string{"outcome"}),
		tts: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "livehost_avatar_tts_seconds",
			Help: "Time to synthesize one sentence, by engine.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 12)}, []string{"engine"}),
		captionsOnly: prometheus.NewCounter(prometheus.CounterOpts{Name: "livehost_avatar_captions_only_total",
			Help: "Sentences no TTS engine could speak (shown as captions only)."}),
		playback: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livehost_avatar_playback_reports_total",
			Help: "Playback reports from avatar pages, by phase."}, []string{"phase"}),
		writerFallback: prometheus.NewCounter(prometheus.CounterOpts{Name: "livehost_avatar_writer_fallbacks_total",
			Help: "Times the LLM writer failed (down, late, cut off) and the offline writer talked instead."}),
		cuts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "livehost_avatar_cuts_total",
			Help: "Talk utterances cut short at a phrase break, by reason (answer, say, pause, skip)."}, []string{"reason"}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.utterances, m.gate, m.tts, m.captionsOnly, m.playback, m.writerFallback, m.cuts}
}
