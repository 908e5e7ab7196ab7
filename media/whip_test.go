package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	pmedia "github.com/pion/webrtc/v4/pkg/media"
	"go.uber.org/goleak"

	"github.com/livehost/livehost/internal/opustest"
	"github.com/livehost/livehost/internal/wav"
	"github.com/livehost/livehost/openaitest"
	"github.com/livehost/livehost/speech"
	"github.com/livehost/livehost/speech/speechtest"
)

// rig is a WHIP endpoint behind an httptest server, transcribing through openaitest.
type rig struct {
	t    *testing.T
	stt  *openaitest.Server
	whip *WHIP
	http *httptest.Server

	mu       sync.Mutex
	got      []speech.Transcript
	sessions []string // "resource state" lines from OnSession
	arrived  chan struct{}
}

func newRig(t *testing.T, cfg WHIPConfig) *rig {
	t.Helper()
	r := &rig{t: t, stt: openaitest.New(), arrived: make(chan struct{}, 100)}
	cfg.IPs = []string{"127.0.0.1"}
	if cfg.Speech == nil {
		cfg.Speech = func(ctx context.Context, showID string) (speech.PipelineConfig, error) {
			tr, err := speech.NewOpenAITranscriber(speech.OpenAIConfig{BaseURL: r.stt.URL, Model: "whisper-1", HTTPClient: r.stt.HTTPClient()})
			if err != nil {
				return speech.PipelineConfig{}, err
			}
			lang := "en"
			if strings.HasPrefix(t.Name(), "TestWHIPLoopbackEspeak/ja") {
				lang = "ja"
			}
			return speech.PipelineConfig{Transcriber: tr, Language: lang, Prompt: "Lumina lip tint"}, nil
		}
	}
	cfg.OnTranscript = func(ctx context.Context, showID string, tr speech.Transcript) {
		if showID != "show-1" {
			t.Errorf("transcript for show %q", showID)
		}
		r.mu.Lock()
		r.got = append(r.got, tr)
		r.mu.Unlock()
		r.arrived <- struct{}{}
	}
	cfg.OnSession = func(showID, id, state string) {
		r.mu.Lock()
		r.sessions = append(r.sessions, state)
		r.mu.Unlock()
	}
	w, err := NewWHIP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.whip = w
	r.http = httptest.NewServer(w)
	return r
}

func (r *rig) close() {
	r.http.Close()
	if err := r.whip.Close(); err != nil {
		r.t.Error(err)
	}
	r.stt.Close()
}

func (r *rig) transcripts(n int, within time.Duration) []speech.Transcript {
	r.t.Helper()
	deadline := time.After(within)
	for {
		r.mu.Lock()
		if len(r.got) >= n {
			out := append([]speech.Transcript(nil), r.got...)
			r.mu.Unlock()
			return out
		}
		r.mu.Unlock()
		select {
		case <-r.arrived:
		case <-deadline:
			r.t.Fatalf("waited %v for %d transcripts, got %d", within, n, len(r.got))
		}
	}
}

func (r *rig) post(t *testing.T, showID, contentType, body string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.http.URL+"/whip/"+showID, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// publisher is a real pion peer that sends Opus audio, like OBS or a browser.
type publisher struct {
	pc        *webrtc.PeerConnection
	track     *webrtc.TrackLocalStaticSample
	connected chan struct{}
	mux       ice.UDPMux
	conn      *cutConn
}

// cutConn is the publisher's UDP socket; cut makes it vanish without a word (no DTLS close, no ICE).
type cutConn struct {
	net.PacketConn
	cut atomic.Bool
}

func (c *cutConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.cut.Load() {
		return len(b), nil
	}
	return c.PacketConn.WriteTo(b, addr)
}

func (c *cutConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, a, err := c.PacketConn.ReadFrom(b)
		if err != nil || !c.cut.Load() {
			return n, a, err
		}
	}
}

func newPublisher(t *testing.T, codec webrtc.RTPCodecCapability, kind webrtc.RTPCodecType) *publisher {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: codec, PayloadType: 111}, kind); err != nil {
		t.Fatal(err)
	}
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &publisher{connected: make(chan struct{}), conn: &cutConn{PacketConn: udp}}
	p.mux = ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: p.conn})
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEUDPMux(p.mux)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	p.pc = pc
	track, err := webrtc.NewTrackLocalStaticSample(codec, "audio", "host")
	if err != nil {
		t.Fatal(err)
	}
	p.track = track
	if _, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(p.connected) })
		}
	})
	return p
}

func (p *publisher) offer(t *testing.T) string {
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
	return p.pc.LocalDescription().SDP
}

// publish negotiates over WHIP and returns the session's Location.
func (p *publisher) publish(t *testing.T, r *rig) string {
	t.Helper()
	resp := r.post(t, "show-1", "application/sdp", p.offer(t), "Authorization", "Bearer good")
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST offer: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/sdp" {
		t.Fatalf("answer content type %q", ct)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/whip/show-1/") {
		t.Fatalf("Location %q", loc)
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(body)}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.connected:
	case <-time.After(10 * time.Second):
		t.Fatal("publisher did not connect over loopback")
	}
	return loc
}

// send encodes 48 kHz PCM with opusenc into 20 ms packets and sends them at speed× real time.
func (p *publisher) send(t *testing.T, pcm []float32, speed float64) {
	t.Helper()
	p.sendDropping(t, pcm, speed, -1)
}

// sendDropping is send with the packet at index drop lost on the way (its sequence number and
// timestamp are skipped).
func (p *publisher) sendDropping(t *testing.T, pcm []float32, speed float64, drop int) {
	t.Helper()
	pkts := opustest.Encode(t, pcm, 48000, 1, opustest.VoIP())
	tick := time.NewTicker(time.Duration(float64(20*time.Millisecond) / speed))
	defer tick.Stop()
	for i, pkt := range pkts {
		if i == drop {
			continue
		}
		sample := pmedia.Sample{Data: pkt, Duration: 20 * time.Millisecond}
		if drop >= 0 && i == drop+1 {
			sample.PrevDroppedPackets = 1
		}
		if err := p.track.WriteSample(sample); err != nil {
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

func (r *rig) delete(t *testing.T, loc string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, r.http.URL+loc, nil)
	req.Header.Set("Authorization", "Bearer good")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var opusCodec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}

func authorize(r *http.Request, showID string) error {
	if r.Header.Get("Authorization") != "Bearer good" {
		return errors.New("missing or wrong bearer token")
	}
	return nil
}

// TestWHIPLoopbackEspeak is the whole path with real parts: espeak-ng speech, opusenc encoding, a pion
// publisher on loopback, WHIP negotiation over HTTP, decoding, VAD, segmentation, STT over the
// OpenAI wire format, and transcripts in order; then DELETE leaves nothing running.
func TestWHIPLoopbackEspeak(t *testing.T) {
	tests := []struct {
		voice     string
		sentences []string
	}{
		{"en", []string{
			"Welcome to the show.",
			"Today we have a new lip tint in five colors.",
			"It is two thousand yen until midnight tonight, every order ships free of charge tomorrow morning, and the first hundred buyers get a mirror.",
		}},
		{"ja", []string{
			// Kana: espeak-ng's Japanese voice reads kanji one by one, far slower than speech.
			"こんばんは。",
			"きょうは あたらしい リップを しょうかいします。",
			"こんや じゅうにじまでの セールかかくで、せんちゃく ひゃくめいさまには ミラーも おつけしますので、ぜひ ごらんください。",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.voice, func(t *testing.T) { loopback(t, tt.voice, tt.sentences) })
	}
}

func loopback(t *testing.T, voice string, sentences []string) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a := speechtest.Sentences(t, voice, 48000, 500*time.Millisecond, time.Second, sentences...)
	t.Logf("speech at %+v", a.Spans)

	r := newRig(t, WHIPConfig{Authorize: authorize})
	defer r.close()
	// The test server answers with the sentence whose length matches the audio it was sent.
	r.stt.SetTranscribe(func(audio []byte, model, language, prompt string) (string, error) {
		info, err := wav.Parse(audio)
		if err != nil {
			return "", err
		}
		if info.SampleRate != speech.SampleRate || info.Channels != 1 {
			return "", fmt.Errorf("got %d Hz × %d", info.SampleRate, info.Channels)
		}
		best, bestDiff := "", math.Inf(1)
		for _, sp := range a.Spans {
			if d := math.Abs((sp.End - sp.Start - info.Duration).Seconds()); d < bestDiff {
				best, bestDiff = sp.Text, d
			}
		}
		return best, nil
	})

	pub := newPublisher(t, opusCodec, webrtc.RTPCodecTypeAudio)
	loc := pub.publish(t, r)
	if r.whip.Sessions() != 1 {
		t.Fatalf("%d sessions after POST", r.whip.Sessions())
	}
	pub.send(t, a.Samples, 4)

	got := r.transcripts(3, 30*time.Second)
	if code := r.delete(t, loc); code != http.StatusOK {
		t.Fatalf("DELETE: %d", code)
	}
	pub.close(t)

	if len(got) != 3 {
		t.Fatalf("got %d transcripts, want 3: %+v", len(got), got)
	}
	for i, tr := range got {
		sp := a.Spans[i]
		if tr.Seq != i || tr.Dropped || tr.Text != sp.Text {
			t.Errorf("transcript %d: %+v, want %q", i, tr, sp.Text)
		}
		start, end := time.Duration(tr.StartMS)*time.Millisecond, time.Duration(tr.EndMS)*time.Millisecond
		if start < sp.Start-350*time.Millisecond || start > sp.Start+150*time.Millisecond ||
			end < sp.End-200*time.Millisecond || end > sp.End+300*time.Millisecond {
			t.Errorf("transcript %d spans %v–%v, speech is at %v–%v", i, start, end, sp.Start, sp.End)
		}
	}
	if n := r.whip.Sessions(); n != 0 {
		t.Errorf("%d sessions after DELETE", n)
	}
	r.mu.Lock()
	states := strings.Join(r.sessions, ",")
	r.mu.Unlock()
	if states != "started,deleted" {
		t.Errorf("session states %q", states)
	}
	reqs := r.stt.Requests()
	if len(reqs) != 3 || reqs[0].Form["language"][0] != voice || reqs[0].Form["prompt"][0] != "Lumina lip tint" {
		t.Errorf("STT requests: %d, first form %v", len(reqs), reqs[0].Form)
	}
	if code := r.delete(t, loc); code != http.StatusNotFound {
		t.Errorf("second DELETE: %d, want 404", code)
	}
}

// TestWHIPPublisherVanishes: a publisher that disappears without DELETE is cleaned up when ICE fails.
func TestWHIPPublisherVanishes(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, WHIPConfig{
		ICEDisconnectedTimeout: 300 * time.Millisecond, ICEFailedTimeout: 800 * time.Millisecond, ICEKeepalive: 100 * time.Millisecond,
	})
	defer r.close()
	pub := newPublisher(t, opusCodec, webrtc.RTPCodecTypeAudio)
	pub.publish(t, r)
	a := speechtest.Sentences(t, "en", 48000, 200*time.Millisecond, 0, "Hello there.")
	pub.send(t, a.Samples, 4)
	pub.conn.cut.Store(true)

	deadline := time.Now().Add(15 * time.Second)
	for r.whip.Sessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("session still alive 15 s after its publisher vanished")
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := r.transcripts(1, 10*time.Second)
	if got[0].Dropped || got[0].Text == "" {
		t.Errorf("what was said before vanishing: %+v", got[0])
	}
	r.mu.Lock()
	states := strings.Join(r.sessions, ",")
	r.mu.Unlock()
	if !strings.HasPrefix(states, "started,connection ") {
		t.Errorf("session states %q", states)
	}
	pub.close(t)
}

func TestWHIPRefusesBadOffers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, WHIPConfig{Authorize: authorize})
	defer r.close()

	videoOnly := newPublisher(t, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, webrtc.RTPCodecTypeVideo)
	defer videoOnly.close(t)
	pcmu := newPublisher(t, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000}, webrtc.RTPCodecTypeAudio)
	defer pcmu.close(t)

	bearer := []string{"Authorization", "Bearer good"}
	tests := []struct {
		name, show, contentType, body string
		header                        []string
		status                        int
		reason                        string
	}{
		{"garbage SDP", "show-1", "application/sdp", "hello, this is not SDP", bearer, 400, "not a valid SDP"},
		{"empty body", "show-1", "application/sdp", "", bearer, 400, "empty body"},
		{"no audio", "show-1", "application/sdp", videoOnly.offer(t), bearer, 400, "no audio"},
		{"no opus", "show-1", "application/sdp", pcmu.offer(t), bearer, 400, "does not offer Opus"},
		{"wrong content type", "show-1", "application/json", "{}", bearer, 415, "application/sdp"},
		{"no token", "show-1", "application/sdp", "v=0", nil, 401, "bearer token"},
		{"bad show id", "a%20b", "application/sdp", "v=0", bearer, 404, "bad show ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := r.post(t, tt.show, tt.contentType, tt.body, tt.header...)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.reason) {
				t.Errorf("got %d %q, want %d with %q", resp.StatusCode, body, tt.status, tt.reason)
			}
		})
	}
	if n := r.whip.Sessions(); n != 0 {
		t.Errorf("%d sessions left by refused offers", n)
	}
	// Direct calls report the same errors for the server to map.
	if _, _, err := r.whip.HandleOffer(context.Background(), "show-1", []byte("junk")); !errors.Is(err, ErrBadOffer) || StatusOf(err) != 400 {
		t.Errorf("HandleOffer(junk): %v", err)
	}
	if StatusOf(fmt.Errorf("speech settings: %w", speech.ErrNoSTT)) != http.StatusServiceUnavailable {
		t.Error("no STT server is not a 503")
	}
	if err := r.whip.Delete("nope"); !errors.Is(err, ErrNoSession) {
		t.Errorf("Delete(nope): %v", err)
	}
}

func FuzzCheckOffer(f *testing.F) {
	f.Add("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n")
	f.Add("v=0\r\nm=video 9 RTP/AVP 96\r\n")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckOffer([]byte(s))
		if err != nil && !errors.Is(err, ErrBadOffer) && !errors.Is(err, ErrNoAudio) && !errors.Is(err, ErrNoOpus) {
			t.Fatalf("unclassified error %v", err)
		}
	})
}

// TestWHIPPublisherNeverConnects: an offer is answered but the publisher never completes ICE; the
// session must not linger.
func TestWHIPPublisherNeverConnects(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, WHIPConfig{
		ICEDisconnectedTimeout: 300 * time.Millisecond, ICEFailedTimeout: 800 * time.Millisecond, ICEKeepalive: 100 * time.Millisecond,
	})
	defer r.close()
	pub := newPublisher(t, opusCodec, webrtc.RTPCodecTypeAudio)
	defer pub.close(t)
	pub.conn.cut.Store(true) // gone before the first ICE check
	resp := r.post(t, "show-1", "application/sdp", pub.offer(t))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(40 * time.Second)
	for r.whip.Sessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("session of a publisher that never connected still alive after 40 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.mu.Lock()
	states := strings.Join(r.sessions, ",")
	r.mu.Unlock()
	if states != "started,connection failed" {
		t.Errorf("session states %q", states)
	}
}

// TestWHIPLossThenQuiet: a packet is lost and the sender then sends only four more before going
// quiet (as a muted source or DTX does). The packets behind the gap must not wait for packets that
// never come: after JitterWait they are released, the VAD sees the silence, and the utterance is
// transcribed without waiting for the end of the session.
func TestWHIPLossThenQuiet(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, WHIPConfig{})
	defer r.close()
	pub := newPublisher(t, opusCodec, webrtc.RTPCodecTypeAudio)
	defer pub.close(t)
	loc := pub.publish(t, r)
	a := speechtest.Sentences(t, "en", 48000, 300*time.Millisecond, 0, "Hello there, welcome.")
	// Speech, then 260 ms of silence, a lost packet, and 4 packets (80 ms): 360 ms of silence in all,
	// more than the 300 ms hangover only if the 4 packets behind the gap are released.
	speechEnd := int(a.Spans[0].End.Seconds()*48000) / 960 * 960
	pcm := append(a.Samples[:speechEnd:speechEnd], make([]float32, 18*960)...)
	pub.sendDropping(t, pcm, 4, speechEnd/960+13)
	got := r.transcripts(1, 5*time.Second) // no DELETE yet
	if got[0].Dropped || got[0].Text == "" {
		t.Errorf("transcript %+v", got[0])
	}
	if code := r.delete(t, loc); code != http.StatusOK {
		t.Errorf("DELETE: %d", code)
	}
}

// TestWHIPAcceptsVideoAlongside: OBS offers H.264 video with the Opus audio; the offer is accepted
// (video is received and discarded) rather than refused.
func TestWHIPAcceptsVideoAlongside(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, WHIPConfig{})
	defer r.close()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			t.Fatal(err)
		}
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
	resp := r.post(t, "show-1", "application/sdp", pc.LocalDescription().SDP)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("audio+video offer: %d %s", resp.StatusCode, body)
	}
	answer := string(body)
	if !strings.Contains(answer, "m=video 9") || !strings.Contains(strings.ToLower(answer), "h264/90000") ||
		!strings.Contains(strings.ToLower(answer), "opus/48000") {
		t.Errorf("answer does not accept both sections:\n%s", answer)
	}
	if code := r.delete(t, resp.Header.Get("Location")); code != http.StatusOK {
		t.Errorf("DELETE: %d", code)
	}
}

func TestWHIPSessionLimit(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, WHIPConfig{MaxSessions: 1})
	defer r.close()
	first, second := newPublisher(t, opusCodec, webrtc.RTPCodecTypeAudio), newPublisher(t, opusCodec, webrtc.RTPCodecTypeAudio)
	defer first.close(t)
	defer second.close(t)
	resp := r.post(t, "show-1", "application/sdp", first.offer(t))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("first: %d", resp.StatusCode)
	}
	resp = r.post(t, "show-1", "application/sdp", second.offer(t))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "too many") {
		t.Errorf("second: %d %s", resp.StatusCode, body)
	}
	if n := r.whip.Sessions(); n != 1 {
		t.Errorf("%d sessions", n)
	}
}

// TestWHIPPerShowLimit: publishers of one show that never connect use up that show's sessions,
// not every show's: another show still gets voice.
func TestWHIPPerShowLimit(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	r := newRig(t, WHIPConfig{MaxSessions: 4, MaxPerShow: 2})
	defer r.close()
	for i := range 2 {
		p := newPublisher(t, opusCodec, webrtc.RTPCodecTypeAudio)
		defer p.close(t)
		resp := r.post(t, "show-a", "application/sdp", p.offer(t))
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("show-a session %d: %d", i, resp.StatusCode)
		}
	}
	p := newPublisher(t, opusCodec, webrtc.RTPCodecTypeAudio)
	defer p.close(t)
	resp := r.post(t, "show-a", "application/sdp", p.offer(t))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), `"error":`) || !strings.Contains(string(body), "per show") {
		t.Fatalf("third session of show-a: %d %s", resp.StatusCode, body)
	}
	q := newPublisher(t, opusCodec, webrtc.RTPCodecTypeAudio)
	defer q.close(t)
	resp = r.post(t, "show-b", "application/sdp", q.offer(t))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("show-b while show-a is full: %d", resp.StatusCode)
	}
}
