package server_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/internal/browsertest"
	"github.com/livehost/livehost/internal/wav"

	"github.com/livehost/livehost/openaitest"
	"github.com/livehost/livehost/speech/speechtest"
)

// TestMicPageToTeleprompter is the host's voice in a browser: headless Chromium's mic page, fed
// espeak-ng speech as its fake microphone, publishes over WHIP to a real server; STT goes to the
// in-repo OpenAI-compatible server; the teleprompter in another tab shows the red warning with the
// suggested wording, and Stop ends the session.
func TestMicPageToTeleprompter(t *testing.T) {
	stt := openaitest.New()
	t.Cleanup(stt.Close)
	e, voice := newVoiceEnv(t, stt)
	tok := e.newShow("s1")

	sentences := []string{"この くりーむで しみが きえます。", "きょうは はるの しんさくを ごしょうかいします。ぜひ さいごまで ごらんください。"}
	heard := map[string]string{sentences[0]: "このクリームでシミが消えます", sentences[1]: "今日は春の新作をご紹介します。ぜひ最後までご覧ください"}
	a := speechtest.Sentences(t, "ja", 48000, time.Second, 1500*time.Millisecond, sentences...)
	micFile := filepath.Join(t.TempDir(), "mic.wav")
	a.WriteWAV(t, micFile)
	stt.SetTranscribe(func(audio []byte, model, language, prompt string) (string, error) {
		info, err := wav.Parse(audio)
		if err != nil {
			return "", err
		}
		best, bestDiff := "", math.Inf(1)
		for _, sp := range a.Spans {
			if d := math.Abs((sp.End - sp.Start - info.Duration).Seconds()); d < bestDiff {
				best, bestDiff = heard[sp.Text], d
			}
		}
		return best, nil
	})

	bctx, stop := browsertest.Start(t, append(browsertest.FakeMicrophone(micFile), chromedp.WindowSize(1600, 900))...)
	ctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	defer func() { cancelTimeout(); stop() }()

	base := fmt.Sprintf("%s/%%s?show=s1&token=%s", e.URL, tok["host"])
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf(base, "mic")),
		chromedp.WaitEnabled("#start"),
		chromedp.Click("#start"),
		chromedp.WaitVisible(".pill.live"),
	); err != nil {
		t.Fatalf("mic page: %v", err)
	}
	tpCtx, tpCancel := chromedp.NewContext(ctx)
	defer tpCancel()
	if err := chromedp.Do(tpCtx,
		chromedp.Navigate(fmt.Sprintf(base, "teleprompter")),
		chromedp.WaitVisible(`.pill.conn-live`),
		chromedp.WaitVisible(`#alert:not(.hidden)`),
	); err != nil {
		t.Fatalf("teleprompter warning: %v", err)
	}
	alert, err := chromedp.Run(tpCtx, chromedp.Text(`#alert`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(alert, "シミが消え") || !strings.Contains(alert, "言い換え") {
		t.Fatalf("warning %q lacks the flagged words or the suggestion", alert)
	}
	shot(t, tpCtx, artifacts(t), "teleprompter-voice.png")

	if err := chromedp.Do(ctx, chromedp.Click("#stop"), chromedp.WaitEnabled("#start")); err != nil {
		t.Fatalf("stop: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for voice.Sessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("WHIP session still alive after Stop")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
