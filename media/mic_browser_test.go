package media

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/openaitest"
	"github.com/livehost/livehost/speech/speechtest"
	"github.com/livehost/livehost/web"
)

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LIVEHOST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium found (install Debian's chromium: scripts/install-deps.sh)")
	}
	t.Skip("no Chromium found; set LIVEHOST_CHROMIUM or install chromium")
	return ""
}

// TestMicPageInChromium opens the host mic page in headless Chromium whose fake microphone plays
// espeak-ng speech; the page publishes it over WHIP and the transcripts come back; Stop sends DELETE.
func TestMicPageInChromium(t *testing.T) {
	a := speechtest.Sentences(t, "en", 48000, time.Second, 1500*time.Millisecond,
		"Welcome to the show.", "Today we have a new lip tint in five lovely colors, and it lasts all day long.")
	wav := filepath.Join(t.TempDir(), "mic.wav")
	a.WriteWAV(t, wav)

	r := newRig(t, WHIPConfig{Authorize: authorize})
	r.stt.SetTranscribe(func(audio []byte, model, language, prompt string) (string, error) {
		info, err := openaitest.ParseWAV(audio)
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

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", wav),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
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
