package server_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/tts"
)

// countingTone is the tone engine counting its syntheses.
type countingTone struct {
	tts.Tone
	n *atomic.Int64
}

func (c *countingTone) Synthesize(ctx context.Context, req tts.Request) (tts.Speech, error) {
	c.n.Add(1)
	return c.Tone.Synthesize(ctx, req)
}

// TestAvatarAudioSurvivesRestart: with the speech cache in the data directory, the audio URL of a
// sentence said before a restart of serve still plays after it, without a new synthesis.
func TestAvatarAudioSurvivesRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tts-cache")
	var syntheses atomic.Int64
	withDisk := func() envOpt {
		return withAvatarTuned(t, func(o *avatar.Options) {
			d, err := tts.OpenDiskCache(dir, 64<<20)
			if err != nil {
				t.Fatal(err)
			}
			o.Speech = &tts.Chain{Engines: []tts.Engine{&countingTone{n: &syntheses}}, Disk: d}
		}, &tts.Tone{})
	}
	e := newEnv(t, withDisk())
	id, toks := e.newAvatarShow("LH-COS-001")
	if code, _ := e.do("POST", "/api/shows/"+id+"/avatar/start", toks["host"], nil, nil); code != 200 {
		t.Fatalf("start: %d", code)
	}
	u := utterances(e.avatarEvents(id, testAdmin, func(evs []avatarEvent) bool { return len(utterances(evs)) >= 1 }))[0]
	if code, _ := e.do("POST", "/api/shows/"+id+"/avatar/stop", toks["host"], nil, nil); code != 200 {
		t.Fatalf("stop: %d", code)
	}
	before := syntheses.Load()
	e.restart(withDisk())
	res, err := http.Get(e.URL + u.Audio + "?token=" + toks["overlay"])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "audio/wav" || !strings.HasPrefix(string(b), "RIFF") {
		t.Fatalf("audio after restart: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if syntheses.Load() != before {
		t.Fatalf("%d syntheses to serve audio after the restart, want none", syntheses.Load()-before)
	}
}
