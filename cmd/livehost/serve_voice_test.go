package main

import (
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/livehost/livehost/openaitest"
)

// audioOffer is a real pion peer's SDP offer with one Opus audio track, every candidate gathered.
func audioOffer(t *testing.T) string {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return pc.LocalDescription().SDP
}

func sdpRequest(t *testing.T, method, url, token, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// TestServeVoice runs the real binary: WHIP is mounted on `livehost serve`, refuses offers with a
// clear 503 until an STT server is configured, takes them once one is, and a shutdown ends the
// live sessions before the server stops.
func TestServeVoice(t *testing.T) {
	bin := buildBinary(t)
	offer := audioOffer(t)
	newShow := func(p *proc) string {
		if code, err := call(p.url+"/api/shows", killAdmin, "POST", map[string]any{"id": "v1", "title": "voice", "lineup": []string{"LH-COS-001"}}, nil); err != nil || code != 201 {
			t.Fatalf("create show: %d %v", code, err)
		}
		var tok struct {
			Token string `json:"token"`
		}
		if code, err := call(p.url+"/api/shows/v1/tokens", killAdmin, "POST", map[string]string{"role": "host"}, &tok); err != nil || code != 201 {
			t.Fatalf("host token: %d %v", code, err)
		}
		return tok.Token
	}

	t.Run("no STT", func(t *testing.T) {
		for _, k := range []string{"LIVEHOST_STT_BASE_URL", "OPENAI_BASE_URL"} {
			t.Setenv(k, "")
		}
		p := startServe(t, bin, t.TempDir())
		host := newShow(p)
		code, body, _ := sdpRequest(t, "POST", p.url+"/whip/v1", host, offer)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "LIVEHOST_STT_BASE_URL") {
			t.Fatalf("offer without STT: %d %s", code, body)
		}
	})

	t.Run("STT", func(t *testing.T) {
		stt := openaitest.New()
		defer stt.Close()
		t.Setenv("LIVEHOST_STT_BASE_URL", stt.URL)
		p := startServe(t, bin, t.TempDir(), "--log-level", "info")
		host := newShow(p)
		if code, body, _ := sdpRequest(t, "POST", p.url+"/whip/v1", host, "not sdp"); code != http.StatusBadRequest {
			t.Fatalf("garbage offer: %d %s", code, body)
		}
		code, body, h := sdpRequest(t, "POST", p.url+"/whip/v1", host, offer)
		if code != http.StatusCreated || !strings.HasPrefix(body, "v=0") || !strings.HasPrefix(h.Get("Location"), "/whip/v1/") {
			t.Fatalf("offer: %d %q Location %q", code, body, h.Get("Location"))
		}
		metrics := func() string {
			res, err := testClient.Get(p.url + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return string(b)
		}
		if m := metrics(); !strings.Contains(m, "livehost_voice_sessions 1") {
			t.Fatalf("metrics after the offer lack livehost_voice_sessions 1")
		}
		// A shutdown with the session live ends it first.
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve exit: %v\n%s", err, p.stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("serve did not stop\n%s", p.stderr.String())
		}
		if log := p.stderr.String(); !strings.Contains(log, `msg="whip session ended"`) || !strings.Contains(log, `reason="endpoint closed"`) {
			t.Fatalf("shutdown did not end the WHIP session:\n%s", log)
		}
	})
}

// TestServeScript: in a real `serve --demo` process the demo show carries the host lines as its
// script, and a final transcript of a line (in kana, as STT may write it) moves the teleprompter's
// place to it.
func TestServeScript(t *testing.T) {
	bin := buildBinary(t)
	p := startServe(t, bin, t.TempDir(), "--demo", "--demo-rate", "0.1")
	var st struct {
		Script struct {
			Text string `json:"text"`
			Line int    `json:"line"`
		} `json:"script"`
	}
	if code, err := call(p.url+"/api/shows/demo/state", killAdmin, "GET", nil, &st); err != nil || code != 200 {
		t.Fatalf("state: %d %v", code, err)
	}
	if st.Script.Text != strings.Join(hostLines, "\n") || st.Script.Line != -1 {
		t.Fatalf("demo script: %+v", st.Script)
	}
	var out struct {
		Script *struct {
			Line int `json:"line"`
		} `json:"script"`
	}
	// hostLines[2] is 「日やけによるシミ・そばかすを防ぐ処方になっています」.
	code, err := call(p.url+"/api/shows/demo/transcript", killAdmin, "POST", map[string]any{"text": "ひやけによるしみそばかすをふせぐしょほうになっています", "final": true}, &out)
	if err != nil || code != 202 || out.Script == nil || out.Script.Line != 2 {
		t.Fatalf("transcript of line 3: %d %v %+v", code, err, out.Script)
	}
}
