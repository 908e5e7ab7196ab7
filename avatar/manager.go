// Package avatar runs the unmanned 24/7 avatar show: a run-of-show loop over the lineup, talk
// written offline from the catalog and the brand's templates, every sentence checked by the gate
// (host-compliance lists, fact guard) before TTS speaks it, viewer questions answered in voice,
// and pacing by the avatar page's playback reports (or the clock when no page is connected).
// It is a consumer of the show runtime: it follows a show's events and logs its own (avatar.*).
package avatar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/prompts"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/tts"
)

// Speaker synthesizes sentences (a tts.Chain) and keeps their audio for the page.
type Speaker interface {
	Speak(ctx context.Context, req tts.Request) (tts.Speech, string, []tts.Fallback, error)
	Audio(id string) (tts.Speech, bool)
}

// Options configure a Manager. Runtime, Products, Speech, Gate and Prompts are required.
type Options struct {
	Runtime  *live.Runtime
	Products live.Products
	Speech   Speaker
	Gate     *Gate
	Prompts  *prompts.Set
	// NameOK says whether a viewer's name may be read aloud (moderation finds it clean).
	NameOK func(name string) bool
	Clock  Clock
	// StaleAfter drops questions older than this (default 3 min).
	StaleAfter time.Duration
	// Window is the variety window: no talk sentence repeats within this many sentences (default 60).
	Window int
	// Gap is the pause between sentences (default 300 ms).
	Gap time.Duration
	// PageTimeout: a page that has not reported playback for this long is gone, and the clock
	// paces the show (default 15 s).
	PageTimeout time.Duration
	Logger      *slog.Logger
	// Talker, when set, writes the talk of product segments (the LLM writer); the offline writer
	// speaks when it fails, and its wording replaces a sentence the gate refuses.
	Talker Talker
	// TalkBudget is how long the Talker may take for a sentence before the offline writer speaks
	// (default 4 s); TalkRetry how long the offline writer then speaks before the Talker is tried
	// again (default 1 min); Memory the lines it remembers word for word (default 20).
	TalkBudget time.Duration
	TalkRetry  time.Duration
	Memory     int
	// Character is the brand's own avatar images (LoadCharacter); nil draws the default character.
	Character *Character
}

// Manager runs the avatar shows of one runtime. Create it with New, call Boot to resume the shows
// that were running, and Close it before the runtime.
type Manager struct {
	opt    Options
	rt     *live.Runtime
	log    *slog.Logger
	clock  Clock
	writer *Writer
	m      *metrics

	mu      sync.Mutex
	runners map[string]*runner

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds a Manager.
func New(opt Options) (*Manager, error) {
	if opt.Runtime == nil || opt.Products == nil || opt.Speech == nil || opt.Gate == nil || opt.Prompts == nil {
		return nil, errors.New("avatar: Runtime, Products, Speech, Gate and Prompts are required")
	}
	if opt.Clock == nil {
		opt.Clock = realClock{}
	}
	if opt.StaleAfter <= 0 {
		opt.StaleAfter = 3 * time.Minute
	}
	if opt.Window <= 0 {
		opt.Window = 60
	}
	if opt.Gap <= 0 {
		opt.Gap = 300 * time.Millisecond
	}
	if opt.PageTimeout <= 0 {
		opt.PageTimeout = 15 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.TalkBudget <= 0 {
		opt.TalkBudget = 4 * time.Second
	}
	if opt.TalkRetry <= 0 {
		opt.TalkRetry = time.Minute
	}
	if opt.Memory <= 0 {
		opt.Memory = 20
	}
	m := &Manager{opt: opt, rt: opt.Runtime, log: opt.Logger, clock: opt.Clock, writer: &Writer{Prompts: opt.Prompts},
		m: newMetrics(), runners: map[string]*runner{}}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// Collectors are the Manager's Prometheus series.
func (m *Manager) Collectors() []prometheus.Collector { return m.m.collectors() }

// Boot resumes every avatar show whose log says it was running.
func (m *Manager) Boot(ctx context.Context) error {
	shows, err := m.rt.ListShows(ctx)
	if err != nil {
		return err
	}
	for _, sh := range shows {
		if sh.Mode != show.ModeAvatar {
			continue
		}
		r, err := m.runner(ctx, sh.ID)
		if err != nil {
			return fmt.Errorf("avatar: resume show %s: %w", sh.ID, err)
		}
		r.ctl.Lock()
		r.mu.Lock()
		running := r.state == StateRunning || r.state == StatePaused
		r.mu.Unlock()
		if running {
			r.launch()
		}
		r.ctl.Unlock()
	}
	return nil
}

// Close stops every runner.
func (m *Manager) Close() {
	m.cancel()
	m.wg.Wait()
}

func (m *Manager) runner(ctx context.Context, id string) (*runner, error) {
	m.mu.Lock()
	r := m.runners[id]
	m.mu.Unlock()
	if r != nil {
		return r, nil
	}
	if _, err := m.rt.Show(ctx, id); err != nil {
		return nil, err
	}
	r = newRunner(m, id)
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.runners[id]; cur != nil {
		return cur, nil
	}
	m.runners[id] = r
	return r, nil
}

// Status is an avatar show's plan and where it is.
type Status struct {
	Plan          show.AvatarPlan `json:"plan"`
	Default       bool            `json:"default"` // no plan was set: one segment per lineup product
	State         string          `json:"state"`
	Segment       int             `json:"segment"`
	Loop          int             `json:"loop"`
	OnAir         string          `json:"on_air"`
	Queue         int             `json:"queue"`
	PageConnected bool            `json:"page_connected"`
	Playback      *Playback       `json:"playback,omitempty"`
	LastSeq       int64           `json:"last_seq"`
}

// Status returns a show's plan and position.
func (m *Manager) Status(ctx context.Context, id string) (Status, error) {
	r, err := m.runner(ctx, id)
	if err != nil {
		return Status{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st := Status{Plan: r.plan, Default: !r.hasPlan, State: r.state, Segment: r.seg, Loop: r.loop, OnAir: r.onAir,
		Queue: len(r.queue), LastSeq: r.lastSeq}
	if !r.hasPlan {
		st.Plan.Segments = r.segments()
	}
	if st.Plan.Segments == nil {
		st.Plan.Segments = []show.AvatarPlanSegment{}
	}
	st.PageConnected = !r.lastReport.IsZero() && m.clock.Now().Sub(r.lastReport) < m.opt.PageTimeout
	if r.lastPlayback.Utterance != "" {
		p := r.lastPlayback
		st.Playback = &p
	}
	return st, nil
}

func avatarMode(sh show.Show) error {
	if sh.Mode != show.ModeAvatar {
		return fmt.Errorf("show %s is not an avatar show (mode %q)", sh.ID, sh.Mode)
	}
	return nil
}

// Plan limits.
const (
	MaxSegments  = 200
	MaxLineRunes = 500
)

// CheckPlan says what is wrong with a plan, naming where.
func (m *Manager) CheckPlan(ctx context.Context, p *show.AvatarPlan) error {
	if len(p.Segments) == 0 {
		return errors.New("plan: segments: at least one is needed")
	}
	if len(p.Segments) > MaxSegments {
		return fmt.Errorf("plan: segments: %d, at most %d", len(p.Segments), MaxSegments)
	}
	if p.Lang != "" && p.Lang != "ja" && p.Lang != "en" {
		return fmt.Errorf("plan: lang %q: want ja or en", p.Lang)
	}
	checkLine := func(where, t string) error {
		if strings.TrimSpace(t) == "" || !utf8.ValidString(t) || utf8.RuneCountInString(t) > MaxLineRunes {
			return fmt.Errorf("plan: %s: a line must be non-empty valid UTF-8 of at most %d characters", where, MaxLineRunes)
		}
		return nil
	}
	for i := range p.Segments {
		s := &p.Segments[i]
		s.SKU = strings.TrimSpace(s.SKU)
		if s.Seconds == 0 {
			s.Seconds = DefaultSegmentSeconds
		}
		if s.Seconds < 10 || s.Seconds > 86400 {
			return fmt.Errorf("plan: segments[%d].seconds %d: want 10 to 86400", i, s.Seconds)
		}
		if s.SKU == "" && len(s.Text) == 0 {
			return fmt.Errorf("plan: segments[%d]: a product sku or free-talk text is needed", i)
		}
		for j, t := range s.Text {
			if err := checkLine(fmt.Sprintf("segments[%d].text[%d]", i, j), t); err != nil {
				return err
			}
		}
		if s.SKU != "" {
			_, ok, err := m.opt.Products.Get(ctx, s.SKU)
			if err != nil {
				return fmt.Errorf("%w: catalog: checking SKU %s: %v", ErrUnavailable, s.SKU, err)
			}
			if !ok {
				return fmt.Errorf("plan: segments[%d].sku %q is not in the catalog", i, s.SKU)
			}
		}
	}
	for i, s := range p.Scheduled {
		if err := checkLine(fmt.Sprintf("scheduled[%d].text", i), s.Text); err != nil {
			return err
		}
		switch {
		case s.EveryMinutes < 0 || s.EveryMinutes > 1440:
			return fmt.Errorf("plan: scheduled[%d].every_minutes %d: want 1 to 1440", i, s.EveryMinutes)
		case s.AtMinute != nil && (*s.AtMinute < 0 || *s.AtMinute > 59):
			return fmt.Errorf("plan: scheduled[%d].at_minute %d: want 0 to 59", i, *s.AtMinute)
		case (s.EveryMinutes > 0) == (s.AtMinute != nil):
			return fmt.Errorf("plan: scheduled[%d]: give either every_minutes or at_minute", i)
		}
	}
	if len(p.Idle) > 100 {
		return fmt.Errorf("plan: idle: %d lines, at most 100", len(p.Idle))
	}
	for i, t := range p.Idle {
		if err := checkLine(fmt.Sprintf("idle[%d]", i), t); err != nil {
			return err
		}
	}
	return nil
}

// ErrUnavailable marks a dependency (the catalog) that could not be read.
var ErrUnavailable = errors.New("unavailable")

// ErrInvalid marks a request the Manager refuses as malformed.
var ErrInvalid = errors.New("invalid")

// SetPlan checks and logs a show's plan; the runner starts it from its first segment.
func (m *Manager) SetPlan(ctx context.Context, id string, p show.AvatarPlan, by string) (int64, error) {
	r, err := m.runner(ctx, id)
	if err != nil {
		return 0, err
	}
	if err := m.CheckPlan(ctx, &p); err != nil {
		if errors.Is(err, ErrUnavailable) {
			return 0, err
		}
		return 0, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	p.By = by
	out, err := m.rt.AppendAvatar(ctx, id, avatarMode, live.AvatarEvent(show.TypeAvatarPlan, p))
	if err != nil {
		return 0, err
	}
	r.mu.Lock()
	r.apply(out[0], true)
	r.mu.Unlock()
	r.poke()
	return out[0].Seq, nil
}

// ErrState is a control request that does not fit the runner's state (pause when not running).
var ErrState = errors.New("avatar state")

// Control changes a show's runner: "start", "pause", "resume", "stop" or "skip". It returns the
// event's seq.
func (m *Manager) Control(ctx context.Context, id, action, by string) (int64, error) {
	r, err := m.runner(ctx, id)
	if err != nil {
		return 0, err
	}
	r.ctl.Lock()
	defer r.ctl.Unlock()
	r.mu.Lock()
	state := r.state
	r.mu.Unlock()
	var ev show.NewEvent
	switch action {
	case "start":
		if state == StateRunning || state == StatePaused {
			return 0, fmt.Errorf("%w: the avatar of show %s is already %s", ErrState, id, state)
		}
		ev = live.AvatarEvent(show.TypeAvatarState, show.AvatarState{State: StateRunning, By: by, Reason: "start"})
	case "pause":
		if state != StateRunning {
			return 0, fmt.Errorf("%w: the avatar of show %s is %s, not running", ErrState, id, state)
		}
		ev = live.AvatarEvent(show.TypeAvatarState, show.AvatarState{State: StatePaused, By: by, Reason: "pause"})
	case "resume":
		if state != StatePaused {
			return 0, fmt.Errorf("%w: the avatar of show %s is %s, not paused", ErrState, id, state)
		}
		ev = live.AvatarEvent(show.TypeAvatarState, show.AvatarState{State: StateRunning, By: by, Reason: "resume"})
	case "stop":
		if state != StateRunning && state != StatePaused {
			return 0, fmt.Errorf("%w: the avatar of show %s is %s", ErrState, id, state)
		}
		ev = live.AvatarEvent(show.TypeAvatarState, show.AvatarState{State: StateStopped, By: by, Reason: "stop"})
	case "skip":
		if state != StateRunning && state != StatePaused {
			return 0, fmt.Errorf("%w: the avatar of show %s is %s", ErrState, id, state)
		}
		r.mu.Lock()
		r.skip = true
		r.mu.Unlock()
		r.poke()
		// The runner logs avatar.segment (by "skip") when it moves on.
		return r.lastSeqNow(), nil
	default:
		return 0, fmt.Errorf("%w: unknown action %q", ErrInvalid, action)
	}
	out, err := m.rt.AppendAvatar(ctx, id, avatarMode, ev)
	if err != nil {
		return 0, err
	}
	r.mu.Lock()
	r.apply(out[0], true)
	r.mu.Unlock()
	switch action {
	case "start":
		if _, err := m.rt.Start(ctx, id, by); err != nil && !errors.Is(err, live.ErrConflict) {
			m.log.Warn("avatar: start show", "show", id, "err", err)
		}
		r.launch()
	case "stop":
		r.halt()
	}
	r.poke()
	return out[0].Seq, nil
}

func (r *runner) lastSeqNow() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastSeq
}

// SayResult is what became of a moderator's line: the sentences queued to be spoken and those
// the gate refused, with why.
type SayResult struct {
	Queued  []string  `json:"queued"`
	Refused []Refusal `json:"refused"`
}

// Refusal is a sentence the gate refused.
type Refusal struct {
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

// Say queues a moderator's line; each sentence passes the same gate as the avatar's own talk
// (checked now, for the answer, and again when spoken).
func (m *Manager) Say(ctx context.Context, id, text, by string) (SayResult, error) {
	text = strings.TrimSpace(text)
	if text == "" || !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxLineRunes {
		return SayResult{}, fmt.Errorf("%w: text must be non-empty valid UTF-8 of at most %d characters", ErrInvalid, MaxLineRunes)
	}
	r, err := m.runner(ctx, id)
	if err != nil {
		return SayResult{}, err
	}
	if _, err := m.rt.Show(ctx, id); err != nil {
		return SayResult{}, err
	}
	r.mu.Lock()
	mode, sku := r.mode, r.onAir
	r.mu.Unlock()
	if mode != show.ModeAvatar {
		return SayResult{}, fmt.Errorf("%w: show %s is not an avatar show", ErrState, id)
	}
	products := r.gateProducts(ctx, sku)
	res := SayResult{Queued: []string{}, Refused: []Refusal{}}
	var skipped []show.NewEvent
	for _, s := range Sentences(text) {
		if ok, reason := m.opt.Gate.Check(s, products); !ok {
			res.Refused = append(res.Refused, Refusal{Text: s, Reason: reason})
			skipped = append(skipped, live.AvatarEvent(show.TypeAvatarSkipped, show.AvatarSkipped{Action: "dropped", Text: s, Reason: reason, Kind: KindSay}))
			m.m.gate.WithLabelValues("dropped").Inc()
			continue
		}
		res.Queued = append(res.Queued, s)
	}
	if len(skipped) > 0 {
		if _, err := m.rt.AppendAvatar(ctx, id, nil, skipped...); err != nil {
			return SayResult{}, err
		}
	}
	if len(res.Queued) > 0 {
		r.mu.Lock()
		r.says = append(r.says, strings.Join(res.Queued, ""))
		if len(r.says) > 50 {
			r.says = r.says[1:]
		}
		r.mu.Unlock()
		r.poke()
	}
	return res, nil
}

// Playback records the avatar page's report that an utterance started or ended playing.
func (m *Manager) Playback(ctx context.Context, id, utterance, phase string) error {
	if phase != "start" && phase != "end" {
		return fmt.Errorf("%w: phase %q: want start or end", ErrInvalid, phase)
	}
	if utterance == "" || len(utterance) > 100 {
		return fmt.Errorf("%w: utterance must be an utterance id", ErrInvalid)
	}
	r, err := m.runner(ctx, id)
	if err != nil {
		return err
	}
	r.playback(utterance, phase)
	m.m.playback.WithLabelValues(phase).Inc()
	return nil
}

// Audio is an utterance's audio by its ID.
func (m *Manager) Audio(id string) (tts.Speech, bool) { return m.opt.Speech.Audio(id) }

// AnswerPolicy is the show's policy for voice answers: which go out by themselves (are spoken at
// once) and which wait for a moderator's approval in the console. The runner speaks only
// published answers, so the approval queue's auto-approve policy is what it honours.
func (m *Manager) AnswerPolicy(ctx context.Context, id string) (live.AnswerPolicy, error) {
	return m.rt.AnswerPolicy(ctx, id)
}

// SetAnswerPolicy sets an avatar show's policy for voice answers from now on.
func (m *Manager) SetAnswerPolicy(ctx context.Context, id string, p live.AnswerPolicy, by string) (int64, error) {
	sh, err := m.rt.Show(ctx, id)
	if err != nil {
		return 0, err
	}
	if err := avatarMode(sh.Show); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrState, err)
	}
	return m.rt.SetAnswerPolicy(ctx, id, p, by)
}

// Character is the brand's avatar images, nil for the default character.
func (m *Manager) Character() *Character { return m.opt.Character }
