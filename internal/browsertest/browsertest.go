// Package browsertest starts headless Chromium (Debian's chromium) for the page tests, with the
// flags this kind of machine needs: no sandbox (tests run as root), no GPU, and no QUIC, background
// networking, component updates or sync, whose connections a closed network refuses.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path finds Chromium: $LIVEHOST_CHROMIUM, else chromium on the PATH. Without CI a missing browser
// skips the test; with CI=true it fails it, so the page tests can never silently not run there.
func Path(t testing.TB) string {
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

// Start launches Chromium with a fresh profile, the common flags and extra ones (a window size,
// a fake microphone), and returns its context and a stop function. stop may be called early, to
// close the browser before the servers it talks to; it also runs when the test ends.
func Start(t testing.TB, extra ...chromedp.ExecAllocatorOption) (context.Context, func()) {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(Path(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	stop := sync.OnceFunc(func() { cancelCtx(); cancelAlloc() })
	t.Cleanup(stop)
	if err := chromedp.Do(ctx); err != nil {
		stop()
		t.Fatalf("start chromium: %v", err)
	}
	return ctx, stop
}

// FakeMicrophone makes the page's microphone play a WAV file and grants media access without a
// prompt; WebRTC then offers plain host candidates, as the loopback tests need.
func FakeMicrophone(wav string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", wav),
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	}
}
