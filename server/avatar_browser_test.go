package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/internal/browsertest"
)

// TestAvatarPageInBrowser: the avatar page (headless Chromium, overlay token) plays the avatar's
// utterances: the mouth changes shape while one plays, the caption is the utterance's text, and the
// page reports playback, which the runner then paces by.
func TestAvatarPageInBrowser(t *testing.T) {
	e := newEnv(t, withAvatar(t))
	id, toks := e.newAvatarShow("LH-COS-001")
	ctx := openAvatarPage(t, e, id, toks["overlay"], "&bg=%2300b140", 1920, 1080)
	if code, _ := e.do("POST", "/api/shows/"+id+"/avatar/start", toks["host"], nil, nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	var state struct {
		Played    int            `json:"played"`
		WithAudio int            `json:"withAudio"`
		Captions  []string       `json:"captions"`
		Shapes    map[string]int `json:"shapes"`
		Reported  []struct {
			ID    string `json:"id"`
			Phase string `json:"phase"`
		} `json:"reported"`
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`window.avatarState.played >= 2`, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("the page played nothing: %v", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.avatarState)`))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(raw), &state); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, artifacts(t), "avatar.png")
	open := 0
	for s, n := range state.Shapes {
		if s != "n" && n > 0 {
			open++
		}
	}
	if open < 2 {
		t.Fatalf("the mouth took %v while speaking: want at least two open shapes", state.Shapes)
	}
	evs := e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool { return len(utterances(evs)) >= 2 })
	var texts []string
	for _, u := range utterances(evs) {
		texts = append(texts, u.Text)
	}
	for _, c := range state.Captions[:2] {
		if !slices.Contains(texts, c) {
			t.Fatalf("caption %q is no utterance's text (%q)", c, texts)
		}
	}
	if state.WithAudio == 0 {
		t.Fatalf("no utterance played its audio: %+v", state)
	}
	if len(state.Reported) < 4 || state.Reported[0].Phase != "start" || state.Reported[1].Phase != "end" || state.Reported[0].ID != utterances(evs)[0].ID {
		t.Fatalf("playback reports %+v", state.Reported)
	}
	var st struct {
		PageConnected bool `json:"page_connected"`
		Playback      *struct {
			Utterance string `json:"utterance"`
			Phase     string `json:"phase"`
		} `json:"playback"`
	}
	e.do("GET", "/api/shows/"+id+"/avatar/plan", toks["host"], nil, &st)
	if !st.PageConnected || st.Playback == nil || st.Playback.Utterance == "" {
		t.Fatalf("the runner did not hear the page: %+v", st)
	}
}

// openAvatarPage opens the avatar page of show id (with extra query, e.g. "&bg=…") in headless
// Chromium at width × height, audio allowed to play by itself as in OBS, and waits for its stream.
func openAvatarPage(t *testing.T, e *env, id, overlayToken, query string, width, height int) context.Context {
	t.Helper()
	ctx, _ := browsertest.Start(t, chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.WindowSize(width, height))
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/avatar?show=%s&token=%s%s", e.URL, id, overlayToken, query)),
		chromedp.WaitReady(`#stage`),
		chromedp.Poll[chromedp.Void](`document.body.dataset.conn === "live"`, chromedp.WithPollingTimeout(20*time.Second)),
	); err != nil {
		t.Fatalf("avatar page: %v", err)
	}
	return ctx
}
