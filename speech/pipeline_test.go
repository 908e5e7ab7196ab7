package speech

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livehost/livehost/openaitest"
)

type collector struct {
	mu  sync.Mutex
	got []Transcript
	ch  chan struct{}
}

func newCollector() *collector { return &collector{ch: make(chan struct{}, 1000)} }

func (c *collector) on(_ context.Context, t Transcript) {
	c.mu.Lock()
	c.got = append(c.got, t)
	c.mu.Unlock()
	c.ch <- struct{}{}
}

func (c *collector) wait(t *testing.T, n int) []Transcript {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		if len(c.got) >= n {
			out := append([]Transcript(nil), c.got...)
			c.mu.Unlock()
			return out
		}
		c.mu.Unlock()
		select {
		case <-c.ch:
		case <-deadline:
			t.Fatalf("waited for %d transcripts, got %d", n, len(c.got))
		}
	}
}

// bursts is n 600 ms voiced bursts separated by 1 s of silence.
func bursts(n int) []float32 {
	pcm := make([]float32, SampleRate/2)
	for range n {
		pcm = append(pcm, tone(600*time.Millisecond, 0.3)...)
		pcm = append(pcm, make([]float32, SampleRate)...)
	}
	return pcm
}

func newTestPipeline(t *testing.T, srv *openaitest.Server, c *collector, cfg PipelineConfig) *Pipeline {
	t.Helper()
	tr, err := NewOpenAITranscriber(OpenAIConfig{BaseURL: srv.URL, APIKey: "k", Model: "whisper-1", HTTPClient: srv.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Transcriber = tr
	cfg.OnTranscript = c.on
	if cfg.RetryBase == 0 {
		cfg.RetryBase = 10 * time.Millisecond
	}
	p, err := NewPipeline(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func checkOrder(t *testing.T, got []Transcript) {
	t.Helper()
	for i, tr := range got {
		if tr.Seq != i {
			t.Fatalf("transcript %d has seq %d: %+v", i, tr.Seq, got)
		}
		if i > 0 && tr.StartMS <= got[i-1].StartMS {
			t.Fatalf("transcript %d starts at %d ms, before %d ms", i, tr.StartMS, got[i-1].StartMS)
		}
	}
}

func TestPipelineOrderRetriesPrompt(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	var calls atomic.Int32
	srv.SetTranscribe(func(audio []byte, model, language, prompt string) (string, error) {
		if calls.Add(1) == 1 {
			time.Sleep(300 * time.Millisecond) // the first utterance answers last
		}
		return openaitest.DefaultTranscript(audio), nil
	})
	srv.FailNext(2, http.StatusTooManyRequests)
	srv.SetRetryAfter(10 * time.Millisecond)

	c := newCollector()
	p := newTestPipeline(t, srv, c, PipelineConfig{Prompt: "リップティント、ルミナ", Concurrency: 3})
	if err := p.Write(bursts(4)); err != nil {
		t.Fatal(err)
	}
	got := c.wait(t, 4)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkOrder(t, got)
	for i, tr := range got {
		if tr.Dropped || !tr.Final || tr.Source != SourceSTT || tr.Lang != "ja" {
			t.Errorf("transcript %d: %+v", i, tr)
		}
		// The text is the server's measure of the WAV it received: the utterance's own length.
		want := fmt.Sprintf("%.2f seconds of audio", float64(tr.EndMS-tr.StartMS)/1000)
		if tr.Text != want {
			t.Errorf("transcript %d text %q, want %q", i, tr.Text, want)
		}
		if d := tr.EndMS - tr.StartMS; d < 600 || d > 1000 {
			t.Errorf("transcript %d spans %d ms for 600 ms of sound", i, d)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 6 { // 2 refused with 429, then 4 transcribed
		t.Errorf("%d requests reached the server, want 6", len(reqs))
	}
	for _, r := range reqs {
		if r.Status != http.StatusOK {
			continue // refused before the form was read
		}
		if r.Form["language"][0] != "ja" || r.Form["prompt"][0] != "リップティント、ルミナ" || r.Form["model"][0] != "whisper-1" {
			t.Errorf("request form %v", r.Form)
		}
	}
}

func TestPipelineSTTDownDropsWithNotice(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	srv.FailNext(1_000_000, http.StatusInternalServerError)

	c := newCollector()
	p := newTestPipeline(t, srv, c, PipelineConfig{
		Concurrency: 1, QueueSize: 2, GiveUpAfter: 200 * time.Millisecond, RetryBase: 20 * time.Millisecond,
	})
	if err := p.Write(bursts(6)); err != nil {
		t.Fatal(err)
	}
	got := c.wait(t, 6)
	checkOrder(t, got)
	backlog := 0
	for i, tr := range got {
		if !tr.Dropped || tr.Text != "" || tr.Reason == "" {
			t.Errorf("transcript %d is not a dropped notice: %+v", i, tr)
		}
		if strings.Contains(tr.Reason, "backlog") {
			backlog++
		}
	}
	if backlog == 0 {
		t.Errorf("no utterance was dropped for a full backlog: %+v", got)
	}

	// The server comes back: the next utterance is transcribed.
	srv.Reset()
	if err := p.Write(bursts(1)); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got = c.wait(t, 7)
	if last := got[6]; last.Dropped || !strings.HasSuffix(last.Text, "seconds of audio") || last.Seq != 6 {
		t.Errorf("after recovery: %+v", last)
	}
}

func TestPipelineBadRequestIsNotRetried(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	srv.FailNext(1, http.StatusBadRequest)
	c := newCollector()
	p := newTestPipeline(t, srv, c, PipelineConfig{})
	if err := p.Write(bursts(1)); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := c.wait(t, 1)
	if !got[0].Dropped || !strings.Contains(got[0].Reason, "400") {
		t.Errorf("got %+v", got[0])
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests for a 400, want 1", n)
	}
}

func TestPipelineCloseAbandonsAfterDeadline(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	srv.SetDelay(10 * time.Second)
	c := newCollector()
	p := newTestPipeline(t, srv, c, PipelineConfig{})
	if err := p.Write(bursts(2)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := p.Close(ctx); err == nil {
		t.Fatal("close met its deadline with the server stalled")
	}
	got := c.wait(t, 2)
	for _, tr := range got {
		if !tr.Dropped || !strings.Contains(tr.Reason, "session ended") {
			t.Errorf("got %+v", tr)
		}
	}
	if err := p.Write(bursts(1)); err != ErrClosed {
		t.Errorf("write after close: %v", err)
	}
}

func TestPipelineConfigErrors(t *testing.T) {
	if _, err := NewPipeline(PipelineConfig{OnTranscript: func(context.Context, Transcript) {}}); err == nil {
		t.Error("pipeline without transcriber accepted")
	}
	tr, _ := NewOpenAITranscriber(OpenAIConfig{BaseURL: "http://127.0.0.1:1/v1"})
	if _, err := NewPipeline(PipelineConfig{Transcriber: tr}); err == nil {
		t.Error("pipeline without callback accepted")
	}
	if _, err := NewOpenAITranscriber(OpenAIConfig{}); !errors.Is(err, ErrNoSTT) {
		t.Errorf("transcriber without base URL: %v", err)
	}
}
