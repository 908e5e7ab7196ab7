// Package media owns livehost's WebRTC ingest: a WHIP endpoint (RFC 9725) on pion/webrtc that takes
// a host's Opus audio from OBS or the host mic page, puts packets back in order, decodes them with
// the pure-Go Opus decoder, converts to 16 kHz mono and hands the audio to a speech pipeline.
package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/livehost/livehost/speech"
)

// Offer errors; the HTTP handler answers each with 400 and the message.
var (
	ErrBadOffer  = errors.New("offer is not a valid SDP")
	ErrNoAudio   = errors.New("offer has no audio section")
	ErrNoOpus    = errors.New("offer's audio does not offer Opus")
	ErrNoSession = errors.New("no such WHIP session")
	ErrTooMany   = errors.New("too many WHIP sessions")
	// ErrShowFull: the show has all the sessions it may have; other shows still get theirs.
	ErrShowFull    = errors.New("too many WHIP sessions for this show")
	ErrClosed      = errors.New("WHIP endpoint closed")
	ErrBadShowID   = errors.New("bad show ID")
	ErrUnsupported = errors.New("unsupported")
)

// WHIPConfig configures the WHIP endpoint. Zero values take the defaults shown.
type WHIPConfig struct {
	// Authorize checks a request for a show (the server's bearer tokens); nil allows every request.
	Authorize AuthorizeFunc
	// Speech returns the speech settings of a new session for a show: transcriber, prompt (from the
	// show's lineup), language. OnTranscript in it is ignored; the one below is used. Required.
	Speech func(ctx context.Context, showID string) (speech.PipelineConfig, error)
	// OnTranscript receives each transcript and dropped-segment notice of a session, in order.
	OnTranscript func(ctx context.Context, showID string, t speech.Transcript)
	// OnSession is told when a session starts ("started") and ends (the reason); optional. It must
	// not call back into the endpoint.
	OnSession func(showID, resourceID, state string)

	PathPrefix  string // "/whip/": POST {prefix}{showID}, DELETE {prefix}{showID}/{resourceID}
	MaxSessions int    // 64, over every show
	// MaxPerShow bounds one show's sessions (default 4: a host, a backup, a guest), so that
	// publishers of one show that never connect cannot take every other show's voice.
	MaxPerShow int

	ICEDisconnectedTimeout time.Duration // 5 s without traffic: disconnected
	ICEFailedTimeout       time.Duration // 25 s: failed, and the session is cleaned up
	ICEKeepalive           time.Duration // 2 s
	DrainTimeout           time.Duration // 10 s for STT to finish the last utterances after the end

	// Candidate addresses. By default every interface's addresses are offered; IPs restricts them
	// (tests use 127.0.0.1), PublicIPs advertises a NAT's public address instead.
	IPs       []string
	PublicIPs []string
	// UDPPortMin/Max bound the ports used for media, for a firewall; zero leaves them to the OS.
	UDPPortMin, UDPPortMax uint16

	JitterDepth int           // 5 packets waited for behind a gap …
	JitterWait  time.Duration // … or 100 ms, whichever comes first (a sender may go quiet after a loss)
	Logger      *slog.Logger
}

func (c WHIPConfig) withDefaults() WHIPConfig {
	if c.PathPrefix == "" {
		c.PathPrefix = "/whip/"
	}
	if !strings.HasSuffix(c.PathPrefix, "/") {
		c.PathPrefix += "/"
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = 64
	}
	if c.MaxPerShow <= 0 {
		c.MaxPerShow = 4
	}
	if c.ICEDisconnectedTimeout <= 0 {
		c.ICEDisconnectedTimeout = 5 * time.Second
	}
	if c.ICEFailedTimeout <= 0 {
		c.ICEFailedTimeout = 25 * time.Second
	}
	if c.ICEKeepalive <= 0 {
		c.ICEKeepalive = 2 * time.Second
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 10 * time.Second
	}
	if c.JitterDepth <= 0 {
		c.JitterDepth = 5
	}
	if c.JitterWait <= 0 {
		c.JitterWait = 100 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// WHIP is the ingest endpoint: one WebRTC session per publisher, each feeding a speech pipeline.
type WHIP struct {
	cfg WHIPConfig
	api *webrtc.API
	log *slog.Logger

	mu       sync.Mutex
	sessions map[string]*session
	closed   bool
	wg       sync.WaitGroup // session teardowns started from pion callbacks
}

// NewWHIP builds the endpoint. It accepts only Opus audio.
func NewWHIP(cfg WHIPConfig) (*WHIP, error) {
	cfg = cfg.withDefaults()
	if cfg.Speech == nil {
		return nil, fmt.Errorf("whip: no Speech settings function")
	}
	if cfg.OnTranscript == nil {
		return nil, fmt.Errorf("whip: no OnTranscript callback")
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: opusClock, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: 111,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("whip: register opus: %w", err)
	}
	// OBS publishes video with the audio; video is accepted so the offer negotiates, then discarded.
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 102},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032"}, PayloadType: 112},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, PayloadType: 96},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeAV1, ClockRate: 90000}, PayloadType: 45},
	} {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("whip: register %s: %w", c.MimeType, err)
		}
	}
	reg := &interceptor.Registry{}
	// RTCP receiver reports and NACKs keep OBS and browsers informed of loss.
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, fmt.Errorf("whip: interceptors: %w", err)
	}

	var se webrtc.SettingEngine
	se.SetICETimeouts(cfg.ICEDisconnectedTimeout, cfg.ICEFailedTimeout, cfg.ICEKeepalive)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	if len(cfg.IPs) > 0 {
		allow := map[string]bool{}
		for _, s := range cfg.IPs {
			ip := net.ParseIP(s)
			if ip == nil {
				return nil, fmt.Errorf("whip: candidate IP %q is not an IP address", s)
			}
			allow[ip.String()] = true
			if ip.IsLoopback() {
				se.SetIncludeLoopbackCandidate(true)
			}
		}
		se.SetIPFilter(func(ip net.IP) bool { return allow[ip.String()] })
	}
	if len(cfg.PublicIPs) > 0 {
		se.SetNAT1To1IPs(cfg.PublicIPs, webrtc.ICECandidateTypeHost)
	}
	if cfg.UDPPortMin != 0 || cfg.UDPPortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(cfg.UDPPortMin, cfg.UDPPortMax); err != nil {
			return nil, fmt.Errorf("whip: UDP port range %d-%d: %w", cfg.UDPPortMin, cfg.UDPPortMax, err)
		}
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	return &WHIP{cfg: cfg, api: api, log: cfg.Logger, sessions: map[string]*session{}}, nil
}

// CheckOffer parses an SDP offer and reports why it cannot be accepted: not SDP, no audio, or audio
// without Opus.
func CheckOffer(offer []byte) error {
	var sd sdp.SessionDescription
	if len(strings.TrimSpace(string(offer))) == 0 {
		return fmt.Errorf("%w: empty body", ErrBadOffer)
	}
	if err := sd.UnmarshalString(string(offer)); err != nil {
		return fmt.Errorf("%w: %v", ErrBadOffer, err)
	}
	audio := false
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		audio = true
		for _, a := range md.Attributes {
			if a.Key == "rtpmap" && strings.Contains(strings.ToLower(a.Value), " opus/48000") {
				return nil
			}
		}
	}
	if !audio {
		return ErrNoAudio
	}
	return fmt.Errorf("%w (offer OPUS/48000 on the audio section)", ErrNoOpus)
}

// HandleOffer answers a publisher's SDP offer for a show and starts its session. The answer carries
// all ICE candidates (no trickle), as WHIP clients such as OBS expect.
func (w *WHIP) HandleOffer(ctx context.Context, showID string, offer []byte) (answer []byte, resourceID string, err error) {
	if err := checkShowID(showID); err != nil {
		return nil, "", err
	}
	if err := CheckOffer(offer); err != nil {
		return nil, "", err
	}
	w.mu.Lock()
	err = w.roomFor(showID)
	w.mu.Unlock()
	if err != nil {
		return nil, "", err
	}
	pcfg, err := w.cfg.Speech(ctx, showID)
	if err != nil {
		return nil, "", fmt.Errorf("speech settings for show %s: %w", showID, err)
	}
	s, err := w.newSession(showID, pcfg)
	if err != nil {
		return nil, "", err
	}
	// Listed before negotiation, so an ICE failure at any moment finds it and ends it.
	w.mu.Lock()
	if err := w.roomFor(showID); err != nil {
		w.mu.Unlock()
		s.close(err.Error())
		return nil, "", err
	}
	w.sessions[s.id] = s
	w.mu.Unlock()

	answer, err = s.negotiate(ctx, offer)
	if err != nil {
		w.end(s, "negotiation failed")
		return nil, "", err
	}
	// Reported under the session's lock, so its end (reported by close, which takes the lock)
	// can never come before its start.
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		w.end(s, "ended during negotiation")
		return nil, "", fmt.Errorf("session for show %s ended during negotiation", showID)
	}
	s.started = true
	w.log.Info("whip session started", "show", showID, "resource", s.id)
	if w.cfg.OnSession != nil {
		w.cfg.OnSession(showID, s.id, "started")
	}
	s.mu.Unlock()
	return answer, s.id, nil
}

// Delete ends a session as its publisher asked, after its last utterances are transcribed (bounded
// by DrainTimeout). The session stays listed until it is fully closed.
func (w *WHIP) Delete(resourceID string) error {
	w.mu.Lock()
	s, ok := w.sessions[resourceID]
	w.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoSession, resourceID)
	}
	w.end(s, "deleted")
	return nil
}

// end closes a session (concurrent callers wait for the first) and then forgets it.
func (w *WHIP) end(s *session, reason string) {
	s.close(reason)
	w.mu.Lock()
	if w.sessions[s.id] == s {
		delete(w.sessions, s.id)
	}
	w.mu.Unlock()
}

// Session reports the show a live session belongs to.
func (w *WHIP) Session(resourceID string) (showID string, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.sessions[resourceID]
	if !ok {
		return "", false
	}
	return s.showID, true
}

// roomFor says whether a show may open another session; call with w.mu held.
func (w *WHIP) roomFor(showID string) error {
	if w.closed {
		return ErrClosed
	}
	if len(w.sessions) >= w.cfg.MaxSessions {
		return fmt.Errorf("%w (limit %d)", ErrTooMany, w.cfg.MaxSessions)
	}
	n := 0
	for _, s := range w.sessions {
		if s.showID == showID {
			n++
		}
	}
	if n >= w.cfg.MaxPerShow {
		return fmt.Errorf("%w: show %s has %d (limit %d per show); end one with DELETE on its Location, or wait for an unconnected one to time out",
			ErrShowFull, showID, n, w.cfg.MaxPerShow)
	}
	return nil
}

// Sessions is the number of live sessions.
func (w *WHIP) Sessions() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.sessions)
}

// Close ends every session and waits for their goroutines.
func (w *WHIP) Close() error {
	w.mu.Lock()
	w.closed = true
	all := make([]*session, 0, len(w.sessions))
	for _, s := range w.sessions {
		all = append(all, s)
	}
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range all {
		wg.Add(1)
		go func() { defer wg.Done(); w.end(s, "endpoint closed") }()
	}
	wg.Wait()
	w.wg.Wait()
	return nil
}

// expire ends a session whose ICE failed or that closed without a DELETE.
func (w *WHIP) expire(s *session, reason string) {
	w.mu.Lock()
	_, ok := w.sessions[s.id]
	w.mu.Unlock()
	if ok {
		w.end(s, reason)
	}
}

func checkShowID(id string) error {
	if id == "" || len(id) > 128 {
		return fmt.Errorf("%w: %q (1 to 128 characters)", ErrBadShowID, id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("%w: %q (letters, digits, '-', '_', '.')", ErrBadShowID, id)
		}
	}
	return nil
}

func newResourceID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
