package speech

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/livehost/livehost/openaitest"
	"github.com/livehost/livehost/speech/speechtest"
)

// BenchmarkVAD measures the energy VAD and segmenter on espeak-ng speech (x_realtime: seconds of
// audio per second of CPU).
func BenchmarkVAD(b *testing.B) {
	a := speechtest.Sentences(b, "en", SampleRate, 500*time.Millisecond, time.Second,
		"Welcome to the show.", "Today we have a new lip tint in five colors.", "It is two thousand yen until midnight.")
	v, _ := NewEnergyVAD(EnergyVADConfig{})
	n := 0
	s, _ := NewSegmenter(SegmenterConfig{}, v, func(Utterance) { n++ })
	b.SetBytes(int64(len(a.Samples) * 4))
	b.ResetTimer()
	for b.Loop() {
		s.Write(a.Samples)
		s.Flush()
	}
	b.ReportMetric(a.Duration().Seconds()*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}

// timedTranscriber measures the time spent in STT (the HTTP round trip to the server).
type timedTranscriber struct {
	Transcriber
	mu  sync.Mutex
	stt map[int]time.Duration
	seq int
}

func (t *timedTranscriber) Transcribe(ctx context.Context, req Request) (string, error) {
	start := time.Now()
	text, err := t.Transcriber.Transcribe(ctx, req)
	t.mu.Lock()
	t.stt[t.seq] = time.Since(start)
	t.seq++
	t.mu.Unlock()
	return text, err
}

// BenchmarkUtteranceToTranscript measures, per utterance, the time from the segmenter closing it
// (the VAD's hangover already over) to OnTranscript, against the OpenAI-compatible test server
// on loopback: total_ms includes the HTTP round trip, own_ms excludes the time inside the STT call.
func BenchmarkUtteranceToTranscript(b *testing.B) {
	srv := openaitest.New()
	defer srv.Close()
	tr, err := NewOpenAITranscriber(OpenAIConfig{BaseURL: srv.URL, HTTPClient: srv.HTTPClient()})
	if err != nil {
		b.Fatal(err)
	}
	timed := &timedTranscriber{Transcriber: tr, stt: map[int]time.Duration{}}
	var mu sync.Mutex
	var totals, owns []time.Duration
	done := make(chan struct{}, 1)
	p, err := NewPipeline(PipelineConfig{Transcriber: timed, Concurrency: 1, OnTranscript: func(_ context.Context, t Transcript) {
		lat := time.Since(t.closed)
		mu.Lock()
		timed.mu.Lock()
		totals = append(totals, lat)
		owns = append(owns, lat-timed.stt[t.Seq])
		timed.mu.Unlock()
		mu.Unlock()
		done <- struct{}{}
	}})
	if err != nil {
		b.Fatal(err)
	}
	utterance := cat(tone(time.Second, 0.3), make([]float32, SampleRate/2))
	b.ResetTimer()
	for b.Loop() {
		// Real-time-sized writes (20 ms), as the media side delivers them.
		for i := 0; i < len(utterance); i += 320 {
			_ = p.Write(utterance[i:min(i+320, len(utterance))])
		}
		<-done
	}
	b.StopTimer()
	_ = p.Close(context.Background())
	pct := func(d []time.Duration, q float64) float64 {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(totals, 0.5), "total_p50_ms")
	b.ReportMetric(pct(totals, 0.99), "total_p99_ms")
	b.ReportMetric(pct(owns, 0.5), "own_p50_ms")
	b.ReportMetric(pct(owns, 0.99), "own_p99_ms")
}
