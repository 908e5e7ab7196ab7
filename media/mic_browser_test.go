package media

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/internal/browsertest"
	"github.com/livehost/livehost/internal/wav"

	"github.com/livehost/livehost/speech/speechtest"
	"github.com/livehost/livehost/web"
)

// TestMicPageInChromium opens the host mic page in headless Chromium whose fake microphone plays
// espeak-ng speech; the page publishes it over WHIP and the transcripts come back; Stop sends DELETE.
func TestMicPageInChromium(t *testing.T) {
	a := speechtest.Sentences(t, "en", 48000, time.Second, 1500*time.Millisecond,
		"Welcome to the show.", "Today we have a new lip tint in five lovely colors, and it lasts all day long.")
	micFile := filepath.Join(t.TempDir(), "mic.wav")
	a.WriteWAV(t, micFile)

	r := newRig(t, WHIPConfig{Authorize: authorize})
	r.stt.SetTranscribe(func(audio []byte, model, language, prompt string) (string, error) {
		info, err := wav.Parse(audio)
		if err != nil {
			return "", err
		}
		best, bestDiff := "", math.Inf(1)
		for _, sp := range a.Spans {
			if d := math.Abs((sp.End - sp.Start - info.Duration).Seconds()); d < bestDiff {
				best, bestDiff = sp.Text, d
			}
		}
		return best, nil
	})
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServerFS(web.FS())))
	mux.Handle("/whip/", r.whip)
	site := httptest.NewServer(mux)

	bctx, stop := browsertest.Start(t, browsertest.FakeMicrophone(micFile)...)
	ctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	defer func() {
		cancelTimeout()
		stop()
		site.Close()
		r.close()
	}()

	page := site.URL + "/static/mic.html?show=show-1&token=good"
	if err := chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitEnabled("#start"),
		chromedp.Click("#start"),
		chromedp.WaitVisible(".pill.live"),
	); err != nil {
		t.Fatalf("mic page: %v", err)
	}
	got := r.transcripts(2, 60*time.Second)
	for i, tr := range got[:2] {
		if tr.Dropped || (tr.Text != a.Spans[0].Text && tr.Text != a.Spans[1].Text) {
			t.Errorf("transcript %d: %+v", i, tr)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click("#stop"), chromedp.WaitEnabled("#start")); err != nil {
		t.Fatalf("stop: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for r.whip.Sessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("session still alive after Stop")
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.mu.Lock()
	states := strings.Join(r.sessions, ",")
	r.mu.Unlock()
	if states != "started,deleted" {
		t.Errorf("session states %q, want started,deleted", states)
	}
}
