package server_test

import (
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"
	"go.uber.org/goleak"

	"github.com/livehost/livehost/internal/opustest"
	"github.com/livehost/livehost/internal/wav"
	"github.com/livehost/livehost/media"
	"github.com/livehost/livehost/openaitest"
	"github.com/livehost/livehost/server"
	"github.com/livehost/livehost/speech"
	"github.com/livehost/livehost/speech/speechtest"
)

// newVoiceEnv is a real server with WHIP voice ingest mounted; stt nil means none configured.
func newVoiceEnv(t *testing.T, stt *openaitest.Server) (*env, *server.Voice) {
	t.Helper()
	cfg := server.VoiceConfig{WHIP: media.WHIPConfig{IPs: []string{"127.0.0.1"}}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if stt != nil {
		tr, err := speech.NewOpenAITranscriber(speech.OpenAIConfig{BaseURL: stt.URL, Model: "whisper-1", HTTPClient: stt.HTTPClient()})
		if err != nil {
			t.Fatal(err)
		}
		cfg.STT = tr
	}
	e := newEnv(t, func(c *envConfig) { c.voice = &cfg })
	return e, e.Voice
}

// publisher is a WHIP client on loopback: a pion peer sending Opus audio encoded by opusenc.
type publisher struct {
	pc        *webrtc.PeerConnection
	mux       ice.UDPMux
	track     *webrtc.TrackLocalStaticSample
	connected chan struct{}
}

func newPublisher(t *testing.T) *publisher {
	t.Helper()
	codec := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: codec, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &publisher{connected: make(chan struct{}), mux: ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: udp})}
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEUDPMux(p.mux)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	if p.pc, err = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{}); err != nil {
		t.Fatal(err)
	}
	if p.track, err = webrtc.NewTrackLocalStaticSample(codec, "audio", "host"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.pc.AddTransceiverFromTrack(p.track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	p.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(p.connected) })
		}
	})
	return p
}

// publish posts the offer to url and returns the session's Location once connected.
func (p *publisher) publish(t *testing.T, url, token string) string {
	t.Helper()
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	code, body, h := whipDo(t, http.MethodPost, url, token, p.pc.LocalDescription().SDP)
	if code != http.StatusCreated {
		t.Fatalf("POST offer: %d %s", code, body)
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.connected:
	case <-time.After(10 * time.Second):
		t.Fatal("publisher did not connect over loopback")
	}
	return h.Get("Location")
}

// send encodes 48 kHz mono PCM with opusenc into 20 ms Opus packets and sends them at speed× real time.
func (p *publisher) send(t *testing.T, pcm []float32, speed float64) {
	t.Helper()
	pkts := opustest.Encode(t, pcm, 48000, 1, opustest.VoIP())
	tick := time.NewTicker(time.Duration(float64(20*time.Millisecond) / speed))
	defer tick.Stop()
	for _, pkt := range pkts {
		if err := p.track.WriteSample(pmedia.Sample{Data: pkt, Duration: 20 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		<-tick.C
	}
}

func (p *publisher) close(t *testing.T) {
	t.Helper()
	if err := p.pc.Close(); err != nil {
		t.Error(err)
	}
	if err := p.mux.Close(); err != nil {
		t.Error(err)
	}
}

func whipDo(t *testing.T, method, url, token, sdp string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(sdp))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/sdp")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// logEvent is the fields of the show's events this test looks at.
type logEvent struct {
	Seq           int64  `json:"seq"`
	Type          string `json:"type"`
	Text          string `json:"text"`
	Final         bool   `json:"final"`
	Source        string `json:"source"`
	StartMS       int64  `json:"start_ms"`
	EndMS         int64  `json:"end_ms"`
	TranscriptSeq int64  `json:"transcript_seq"`
	SKU           string `json:"sku"`
	Reason        string `json:"reason"`
	Matches       []struct {
		Term, Category, Suggestion string
	} `json:"matches"`
}

// TestVoiceWHIPToShowLog is the host's voice end to end with real parts: espeak-ng speech encoded with
// opusenc, a pion peer publishing over WHIP to the mounted route of a real server (SQLite log), STT
// over the OpenAI wire format, and transcript, compliance and product-mention events in the show's
// log; after DELETE no session or goroutine is left.
func TestVoiceWHIPToShowLog(t *testing.T) {
	stt := openaitest.New()
	t.Cleanup(stt.Close)
	e, voice := newVoiceEnv(t, stt)
	tok := e.newShow("s1") // LH-COS-001 on air

	// Kana: espeak-ng's Japanese voice reads kanji one by one, far slower than speech.
	sentences := []string{"この くりーむで しみが きえます。", "つぎは まっと りっぷすてぃっくの ぶりっく れっどを しょうかいします。"}
	heard := map[string]string{
		sentences[0]: "このクリームでシミが消えます",
		sentences[1]: "次はマットリップスティックのブリックレッドをご紹介します",
	}
	a := speechtest.Sentences(t, "ja", 48000, 500*time.Millisecond, time.Second, sentences...)
	// The test server answers with the sentence whose length matches the audio it was sent.
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

	leaks := goleak.IgnoreCurrent()
	pub := newPublisher(t)
	loc := pub.publish(t, e.URL+"/whip/s1", tok["host"])
	if !strings.HasPrefix(loc, "/whip/s1/") {
		t.Fatalf("Location %q", loc)
	}
	if n := voice.Sessions(); n != 1 {
		t.Fatalf("%d sessions after POST", n)
	}
	pub.send(t, a.Samples, 4)

	var evs []logEvent
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out struct {
			Events []logEvent `json:"events"`
		}
		e.do("GET", "/api/shows/s1/events?after=0", tok["host"], nil, &out)
		evs = out.Events
		if count(evs, "transcript.segment") >= 2 && count(evs, "product.mentioned") >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("transcript events never arrived: %+v", evs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body, _ := whipDo(t, http.MethodDelete, e.URL+loc, tok["host"], ""); code != http.StatusOK {
		t.Fatalf("DELETE: %d %s", code, body)
	}
	pub.close(t)
	if n := voice.Sessions(); n != 0 {
		t.Errorf("%d sessions after DELETE", n)
	}
	goleak.VerifyNone(t, leaks,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))

	var segs []logEvent
	bySeq := map[int64]logEvent{}
	for _, ev := range evs {
		if ev.Type == "transcript.segment" {
			segs = append(segs, ev)
			bySeq[ev.Seq] = ev
		}
	}
	if len(segs) != 2 {
		t.Fatalf("%d transcript segments, want 2: %+v", len(segs), segs)
	}
	for i, sg := range segs {
		sp := a.Spans[i]
		if sg.Text != heard[sp.Text] || !sg.Final || sg.Source != "whip" {
			t.Errorf("segment %d: %+v, want %q from whip", i, sg, heard[sp.Text])
		}
		start, end := time.Duration(sg.StartMS)*time.Millisecond, time.Duration(sg.EndMS)*time.Millisecond
		if start < sp.Start-350*time.Millisecond || start > sp.Start+150*time.Millisecond || end < sp.End-200*time.Millisecond || end > sp.End+300*time.Millisecond {
			t.Errorf("segment %d spans %v–%v, speech is at %v–%v", i, start, end, sp.Start, sp.End)
		}
	}
	var flagged, mentioned bool
	for _, ev := range evs {
		switch ev.Type {
		case "host.compliance":
			if ev.TranscriptSeq != segs[0].Seq {
				t.Errorf("compliance flag on segment %d, want %d", ev.TranscriptSeq, segs[0].Seq)
			}
			for _, m := range ev.Matches {
				if strings.Contains(m.Term, "シミ") && m.Category == "yakkiho" && m.Suggestion != "" {
					flagged = true
				}
			}
		case "product.mentioned":
			if ev.SKU != "LH-COS-005" || ev.TranscriptSeq != segs[1].Seq {
				t.Errorf("product mention %+v, want LH-COS-005 in segment %d", ev, segs[1].Seq)
			}
			mentioned = true
		}
	}
	if !flagged {
		t.Errorf("シミが消える was not flagged with a suggestion: %+v", evs)
	}
	if !mentioned {
		t.Errorf("the product off air was not mentioned: %+v", evs)
	}
	reqs := stt.Requests()
	if len(reqs) != 2 || reqs[0].Form["language"][0] != "ja" || !strings.Contains(reqs[0].Form["prompt"][0], "うるツヤ リップティント") {
		t.Errorf("STT requests: %d, first form %v", len(reqs), reqs[0].Form)
	}
	res, err := http.Get(e.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"livehost_voice_sessions_started_total 1", "livehost_voice_sessions 0", `livehost_voice_sessions_ended_total{reason="deleted"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code, _, _ := whipDo(t, http.MethodDelete, e.URL+loc, tok["host"], ""); code != http.StatusNotFound {
		t.Errorf("second DELETE: %d, want 404", code)
	}
}

// TestVoiceSTTDownDropNotice: with the transcription server down, each utterance is retried and
// then dropped, and the show's log says so (transcript.dropped with the utterance's span), which is
// what the teleprompter's notice is built from.
func TestVoiceSTTDownDropNotice(t *testing.T) {
	stt := openaitest.New()
	t.Cleanup(stt.Close)
	e, _ := newVoiceEnv(t, stt)
	tok := e.newShow("s1")
	stt.SetTranscribe(func(audio []byte, model, language, prompt string) (string, error) {
		return "", errors.New("model server is down")
	})
	sentences := []string{"この くりーむで しみが きえます。", "つぎは まっと りっぷすてぃっくを しょうかいします。"}
	a := speechtest.Sentences(t, "ja", 48000, 500*time.Millisecond, time.Second, sentences...)

	pub := newPublisher(t)
	loc := pub.publish(t, e.URL+"/whip/s1", tok["host"])
	pub.send(t, a.Samples, 4)

	var drops []logEvent
	var evs []logEvent
	deadline := time.Now().Add(60 * time.Second) // each utterance is retried for about 8 s first
	for {
		var out struct {
			Events []logEvent `json:"events"`
		}
		e.do("GET", "/api/shows/s1/events?after=0", tok["host"], nil, &out)
		evs = out.Events
		drops = drops[:0]
		for _, ev := range evs {
			if ev.Type == "transcript.dropped" {
				drops = append(drops, ev)
			}
		}
		if len(drops) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d drop events, want 2: %+v", len(drops), evs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	whipDo(t, http.MethodDelete, e.URL+loc, tok["host"], "")
	pub.close(t)

	if n := count(evs, "transcript.segment"); n != 0 {
		t.Errorf("%d transcript segments with STT down", n)
	}
	for i, d := range drops {
		sp := a.Spans[i]
		start, end := time.Duration(d.StartMS)*time.Millisecond, time.Duration(d.EndMS)*time.Millisecond
		if start < sp.Start-350*time.Millisecond || start > sp.Start+150*time.Millisecond || end < sp.End-200*time.Millisecond || end > sp.End+300*time.Millisecond {
			t.Errorf("drop %d spans %v–%v, speech is at %v–%v", i, start, end, sp.Start, sp.End)
		}
		if d.Source != "whip" || !strings.Contains(d.Reason, "transcription failed") || !strings.Contains(d.Reason, "model server is down") {
			t.Errorf("drop %d: %+v", i, d)
		}
	}
	var st struct {
		Dropped  []logEvent `json:"dropped"`
		Counters struct {
			Dropped int `json:"dropped"`
		} `json:"counters"`
	}
	e.do("GET", "/api/shows/s1/state", tok["host"], nil, &st)
	if st.Counters.Dropped != 2 || len(st.Dropped) != 2 || st.Dropped[1].EndMS != drops[1].EndMS {
		t.Errorf("state after the drops: %+v", st)
	}
	res, err := http.Get(e.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(metrics), "livehost_voice_segments_dropped_total 2") {
		t.Errorf("/metrics lacks the two drops")
	}
}

func count(evs []logEvent, typ string) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// TestVoiceRoute checks the mounted route's refusals: tokens and roles as in the API, unknown
// shows, bad offers, and a clear 503 when no STT server is configured.
func TestVoiceRoute(t *testing.T) {
	stt := openaitest.New()
	t.Cleanup(stt.Close)
	e, voice := newVoiceEnv(t, stt)
	tok := e.newShow("s1")
	offer := newPublisher(t)
	defer offer.close(t)
	sdp := func() string {
		o, err := offer.pc.CreateOffer(nil)
		if err != nil {
			t.Fatal(err)
		}
		return o.SDP
	}()
	tests := []struct {
		name, method, path, token, body string
		code                            int
		want                            string
	}{
		{"no token", "POST", "/whip/s1", "", sdp, 401, ""},
		{"moderator", "POST", "/whip/s1", tok["moderator"], sdp, 403, ""},
		{"overlay", "POST", "/whip/s1", tok["overlay"], sdp, 403, ""},
		{"unknown show", "POST", "/whip/nope", testAdmin, sdp, 404, "nope"},
		{"garbage SDP", "POST", "/whip/s1", tok["host"], "hello, this is not SDP", 400, "not a valid SDP"},
		{"empty offer", "POST", "/whip/s1", tok["ingest"], "", 400, "empty body"},
		{"unknown session", "DELETE", "/whip/s1/abc", tok["host"], "", 404, "no such WHIP session"},
		{"moderator delete", "DELETE", "/whip/s1/abc", tok["moderator"], "", 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, _ := whipDo(t, tt.method, e.URL+tt.path, tt.token, tt.body)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("%s %s: %d %q, want %d with %q", tt.method, tt.path, code, body, tt.code, tt.want)
			}
		})
	}
	if n := voice.Sessions(); n != 0 {
		t.Errorf("%d sessions after refused offers", n)
	}

	t.Run("no STT", func(t *testing.T) {
		e, voice := newVoiceEnv(t, nil)
		tok := e.newShow("s2")
		code, body, _ := whipDo(t, "POST", e.URL+"/whip/s2", tok["host"], sdp)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "LIVEHOST_STT_BASE_URL") || !strings.Contains(body, "browser speech recognition") {
			t.Errorf("offer without STT: %d %s", code, body)
		}
		if n := voice.Sessions(); n != 0 {
			t.Errorf("%d sessions", n)
		}
	})
}
