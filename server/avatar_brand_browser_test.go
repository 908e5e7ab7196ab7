package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/internal/browsertest"
	"github.com/livehost/livehost/tts"
)

// brandCharacter writes a brand folder whose avatar has a closed mouth, two open shapes and a
// blink layer, each a PNG of its own colour, and loads it.
func brandCharacter(t *testing.T) *avatar.Character {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "avatar"), 0o755); err != nil {
		t.Fatal(err)
	}
	colours := map[string]color.RGBA{"mouth-n": {200, 40, 40, 255}, "mouth-a": {40, 200, 40, 255}, "mouth-o": {40, 40, 200, 255}, "blink": {0, 0, 0, 255}}
	for name, c := range colours {
		img := image.NewRGBA(image.Rect(0, 0, 90, 120))
		for y := 0; y < 120; y++ {
			for x := 0; x < 90; x++ {
				if name != "blink" || y > 30 && y < 40 {
					img.Set(x, y, c)
				}
			}
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "avatar", name+".png"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ch, err := avatar.LoadCharacter(dir)
	if err != nil || ch == nil {
		t.Fatalf("load the brand's character: %v", err)
	}
	return ch
}

// TestAvatarBrandCharacterInBrowser: with a brand's character in its folder, the avatar page
// (headless Chromium) shows the brand's images instead of the default SVG character: the frame
// changes between the brand's mouth images while an utterance plays, and the blink layer shows.
func TestAvatarBrandCharacterInBrowser(t *testing.T) {
	ch := brandCharacter(t)
	e := newEnv(t, withAvatarTuned(t, func(o *avatar.Options) { o.Character = ch }, &tts.Tone{}))
	id, toks := e.newAvatarShow("LH-COS-001")

	// The API: the frames by part, each image served with its type; a missing shape shows mouth-a.
	var list struct {
		Frames map[string]string `json:"frames"`
	}
	if code, _ := e.do("GET", "/api/shows/"+id+"/avatar/character?token="+toks["overlay"], "", nil, &list); code != 200 ||
		!strings.HasSuffix(list.Frames["n"], "/mouth-n.png") || !strings.HasSuffix(list.Frames["i"], "/mouth-a.png") || !strings.HasSuffix(list.Frames["blink"], "/blink.png") {
		t.Fatalf("character: %d %+v", code, list)
	}
	res, err := http.Get(e.URL + list.Frames["o"] + "?token=" + toks["overlay"])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Fatalf("image: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if code, _ := e.do("GET", "/api/shows/"+id+"/avatar/character/nope.png?token="+toks["overlay"], "", nil, nil); code != 404 {
		t.Fatalf("unknown image: %d", code)
	}

	ctx, _ := browsertest.Start(t, chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.WindowSize(1920, 1080))
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/avatar?show=%s&token=%s", e.URL, id, toks["overlay"])),
		chromedp.Poll[chromedp.Void](`document.body.dataset.conn === "live" && window.avatarState.brand`, chromedp.WithPollingTimeout(20*time.Second)),
	); err != nil {
		t.Fatalf("avatar page: %v", err)
	}
	if code, _ := e.do("POST", "/api/shows/"+id+"/avatar/start", toks["host"], nil, nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`window.avatarState.played >= 2 && window.avatarState.blinks >= 1`,
		chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("the page played nothing: %v", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({state: window.avatarState,
		svg: getComputedStyle(document.getElementById("character")).display,
		frame: document.getElementById("brand-frame").src, blink: document.getElementById("brand-blink").src})`))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		State struct {
			Frames map[string]int `json:"frames"`
			Played int            `json:"played"`
		} `json:"state"`
		SVG, Frame, Blink string
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, artifacts(t), "avatar-brand.png")
	seen := map[string]int{}
	for u, n := range got.State.Frames {
		for _, name := range []string{"mouth-n", "mouth-a", "mouth-o"} {
			if strings.Contains(u, "/"+name+".png") {
				seen[name] += n
			}
		}
	}
	if seen["mouth-n"] == 0 || seen["mouth-a"] == 0 || seen["mouth-o"] == 0 {
		t.Fatalf("frames shown %v: want the brand's closed and open mouths", got.State.Frames)
	}
	if got.SVG != "none" || !strings.Contains(got.Frame, "/avatar/character/mouth-") || !strings.Contains(got.Blink, "/avatar/character/blink.png") {
		t.Fatalf("the default character shows (%s) or the brand's does not: frame %q blink %q", got.SVG, got.Frame, got.Blink)
	}
}
