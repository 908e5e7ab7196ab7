package avatar

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/tts"
)

// Kinds of lines.
const (
	KindTalk      = "talk"
	KindAnswer    = "answer"
	KindSay       = "say"
	KindScheduled = "scheduled"
	KindIdle      = "idle"
)

// runner is one avatar show: its state folded from the log, and while running the loop that
// speaks.
type runner struct {
	m  *Manager
	id string

	ctl sync.Mutex // one control request at a time

	mu            sync.Mutex
	lastSeq       int64
	mode          string
	lineup        []string
	onAir         string
	plan          show.AvatarPlan
	hasPlan       bool
	state         string
	seg, loop     int
	segStarted    bool
	segStart      time.Time
	skip          bool
	beats         []beat
	beatIdx       int
	idleIdx       int
	vari          *variety // sentences spoken lately
	refused       *variety // sentences the gate refused lately
	drafts        map[string]*draftInfo
	draftOrder    []string
	queue         []*question
	answered      map[int64]bool
	answeredOrder []int64
	says          []string
	lastSched     map[int]time.Time
	speaking      string    // the utterance ID being played
	playStart     time.Time // when the page reported it started; zero until it does
	lastReport    time.Time
	lastPlayback  Playback
	ended         map[string]chan struct{}
	prefetched    int64 // the question whose answer's first sentence was synthesized ahead
	mem           *memory
	llmRetryAt    time.Time   // the LLM writer failed: the offline writer speaks until then
	talk          *talkStream // the LLM writer's stream; run goroutine only

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// Playback is the page's last report.
type Playback struct {
	Utterance string    `json:"utterance"`
	Phase     string    `json:"phase"`
	At        time.Time `json:"at"`
}

func newRunner(m *Manager, id string) *runner {
	return &runner{m: m, id: id, state: StateIdle, vari: newVariety(m.opt.Window), refused: newVariety(m.opt.Window), drafts: map[string]*draftInfo{},
		answered: map[int64]bool{}, lastSched: map[int]time.Time{}, ended: map[string]chan struct{}{}, wake: make(chan struct{}, 1),
		mem: newMemory(m.opt.Memory)}
}

// load folds the show's log.
func (r *runner) load(ctx context.Context) error {
	for {
		evs, err := r.m.rt.Events(ctx, r.id, r.lastSeq, show.ReadLimit)
		if err != nil {
			return err
		}
		r.mu.Lock()
		for _, ev := range evs {
			r.apply(ev, false)
		}
		r.mu.Unlock()
		if len(evs) < show.ReadLimit {
			return nil
		}
	}
}

func (r *runner) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// launch starts the loop and the follower of the show's events; call with ctl held.
func (r *runner) launch() {
	if r.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(r.m.ctx)
	r.cancel, r.done = cancel, make(chan struct{})
	r.mu.Lock()
	after := r.lastSeq
	r.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.follow(ctx, after) }()
	go func() { defer wg.Done(); r.run(ctx) }()
	r.m.wg.Add(1)
	go func() {
		defer r.m.wg.Done()
		wg.Wait()
		close(r.done)
	}()
}

// halt stops the loop; call with ctl held.
func (r *runner) halt() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel, r.done = nil, nil
}

// follow folds the show's new events as they are logged.
func (r *runner) follow(ctx context.Context, after int64) {
	sub, err := r.m.rt.Subscribe(ctx, r.id, after)
	if err != nil {
		r.m.log.Error("avatar: follow show", "show", r.id, "err", err)
		return
	}
	defer sub.Close()
	for {
		evs, err := sub.Next(ctx)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, live.ErrClosed) {
				r.m.log.Error("avatar: follow show", "show", r.id, "err", err)
			}
			return
		}
		r.mu.Lock()
		for _, ev := range evs {
			if ev.Type != show.TypeStreamResync {
				r.apply(ev, true)
			}
		}
		r.mu.Unlock()
		r.poke()
	}
}

// item is a line to speak.
type item struct {
	kind     string
	text     string
	sku      string
	q        *question
	variants []string // other wordings of the same beat, for a sentence the gate refuses
	writer   string   // WriterLLM when the LLM writer wrote it; "" for the offline writer
}

func (r *runner) run(ctx context.Context) {
	defer r.stopTalk()
	for ctx.Err() == nil {
		it, err := r.next(ctx)
		if err != nil {
			r.m.log.Warn("avatar: next line", "show", r.id, "err", err)
		}
		if it == nil {
			r.mu.Lock()
			running := r.state == StateRunning
			r.mu.Unlock()
			var tick <-chan time.Time
			if running {
				// Nothing to say: let a second pass (and segments and schedules move on). A paused
				// runner waits for a control instead, so virtual time stands still then.
				tick = r.m.clock.After(time.Second)
			}
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
			case <-tick:
			}
			continue
		}
		r.speak(ctx, it)
	}
}

// next picks what to say: a moderator's line, then answers, then scheduled lines, then the
// plan's talk, then idle talk. Nil when paused or there is nothing to say.
func (r *runner) next(ctx context.Context) (*item, error) {
	r.mu.Lock()
	if r.state != StateRunning {
		r.mu.Unlock()
		return nil, nil
	}
	if len(r.says) > 0 {
		t := r.says[0]
		r.says = r.says[1:]
		r.mu.Unlock()
		return &item{kind: KindSay, text: t, sku: r.onAirNow()}, nil
	}
	q, stale := r.takeQuestion()
	if len(stale) > 0 {
		r.mu.Unlock()
		for _, s := range stale {
			r.logSkippedNow(ctx, s)
		}
		r.mu.Lock()
	}
	if q != nil {
		r.mu.Unlock()
		return &item{kind: KindAnswer, text: q.text, sku: q.sku, q: q}, nil
	}
	if t := r.scheduledDue(); t != "" {
		r.mu.Unlock()
		return &item{kind: KindScheduled, text: t, sku: r.onAirNow()}, nil
	}
	segs := r.segments()
	now := r.m.clock.Now()
	advance := !r.segStarted || r.skip
	if r.segStarted && len(segs) > 0 && now.Sub(r.segStart) >= time.Duration(segs[r.seg%len(segs)].Seconds)*time.Second {
		advance = true
	}
	r.mu.Unlock()
	if advance && len(segs) > 0 {
		if err := r.beginSegment(ctx, segs); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	if sku := r.segmentSKU(); r.m.opt.Talker != nil && sku != "" {
		// The LLM writer talks about the product; the segment's offline beats are its replacements.
		var alt []string
		if len(r.beats) > 0 {
			alt = r.beats[r.beatIdx%len(r.beats)].variants
			r.beatIdx++
		}
		r.mu.Unlock()
		it, offline := r.llmTalk(ctx, sku, alt)
		if it != nil || !offline {
			return it, nil
		}
		r.mu.Lock()
	}
	defer r.mu.Unlock()
	for range len(r.beats) {
		b := r.beats[r.beatIdx%len(r.beats)]
		r.beatIdx++
		if t, ok := r.vari.pick(b, r.refused); ok {
			return &item{kind: KindTalk, text: t, sku: r.onAir, variants: b.variants}, nil
		}
	}
	idle := r.m.writer.Idle(r.lang(), r.plan.Idle)
	for range len(idle) {
		b := idle[r.idleIdx%len(idle)]
		r.idleIdx++
		if t, ok := r.vari.pick(b, r.refused); ok {
			return &item{kind: KindIdle, text: t, sku: r.onAir}, nil
		}
	}
	return nil, nil
}

func (r *runner) onAirNow() string { return r.onAir }

// segmentSKU is the product of the current segment, "" for free talk or before the first. Call
// with mu held.
func (r *runner) segmentSKU() string {
	segs := r.segments()
	if !r.segStarted || len(segs) == 0 {
		return ""
	}
	return segs[r.seg%len(segs)].SKU
}

func (r *runner) lang() string {
	if r.plan.Lang == "en" {
		return "en"
	}
	return "ja"
}

// segments is the plan's segments, or one per lineup product when no plan was set.
func (r *runner) segments() []show.AvatarPlanSegment {
	if r.hasPlan && len(r.plan.Segments) > 0 {
		return r.plan.Segments
	}
	var segs []show.AvatarPlanSegment
	for _, sku := range r.lineup {
		segs = append(segs, show.AvatarPlanSegment{SKU: sku, Seconds: DefaultSegmentSeconds})
	}
	return segs
}

// DefaultSegmentSeconds is each lineup product's time when no plan was set.
const DefaultSegmentSeconds = 180

// beginSegment moves to the next segment (or starts the current one after a start or restart),
// logs it and puts its product on air.
func (r *runner) beginSegment(ctx context.Context, segs []show.AvatarPlanSegment) error {
	r.mu.Lock()
	idx, loop := r.seg, r.loop
	by := ""
	if r.segStarted || r.skip {
		idx++
		if idx >= len(segs) {
			idx, loop = 0, loop+1
		}
	}
	if r.skip {
		by = "skip"
	}
	idx %= len(segs)
	seg := segs[idx]
	r.skip = false
	r.mu.Unlock()

	var beats []beat
	if seg.SKU != "" {
		p, ok, err := r.m.opt.Products.Get(ctx, seg.SKU)
		if err != nil {
			return fmt.Errorf("segment %d: product %s: %w", idx, seg.SKU, err)
		}
		if ok {
			beats = r.m.writer.Product(r.lang(), p, r.related(ctx, p))
		}
	}
	for _, t := range seg.Text {
		beats = append(beats, beat{KindTalk, []string{t}})
	}
	if _, err := r.m.rt.AppendAvatar(ctx, r.id, nil, live.AvatarEvent(show.TypeAvatarSegment, show.AvatarSegment{Index: idx, Loop: loop, SKU: seg.SKU, By: by})); err != nil {
		return err
	}
	if seg.SKU != "" {
		if _, err := r.m.rt.SetOnAir(ctx, r.id, seg.SKU, "avatar"); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.seg, r.loop, r.segStarted, r.segStart = idx, loop, true, r.m.clock.Now()
	r.beats, r.beatIdx = beats, 0
	if seg.SKU != "" {
		r.onAir = seg.SKU
	}
	r.mu.Unlock()
	return nil
}

func (r *runner) related(ctx context.Context, p catalog.Product) []catalog.Product {
	var out []catalog.Product
	for _, sku := range p.Related {
		if len(out) == 2 {
			break
		}
		if rp, ok, err := r.m.opt.Products.Get(ctx, sku); err == nil && ok && rp.InStock() {
			out = append(out, rp)
		}
	}
	return out
}

// takeQuestion picks the answer to speak next: the on-air product's first, then the most asked,
// then the oldest; stale ones are dropped (returned for the log). Call with mu held.
func (r *runner) takeQuestion() (*question, []show.AvatarSkipped) {
	now := r.m.clock.Now()
	live := r.queue[:0]
	var stale []*question
	for _, q := range r.queue {
		switch {
		case r.answered[q.chatSeq]:
		case now.Sub(q.seen) > r.m.opt.StaleAfter:
			stale = append(stale, q)
		default:
			live = append(live, q)
		}
	}
	r.queue = live
	var skipped []show.AvatarSkipped
	for _, q := range stale {
		r.markAnswered(q.chatSeq)
		skipped = append(skipped, show.AvatarSkipped{Action: "stale", Text: q.question, Kind: KindAnswer, ChatSeq: q.chatSeq,
			Reason: fmt.Sprintf("asked %s ago, older than %s", now.Sub(q.seen).Round(time.Second), r.m.opt.StaleAfter)})
	}
	if len(r.queue) == 0 {
		return nil, skipped
	}
	sort.SliceStable(r.queue, func(i, j int) bool {
		a, b := r.queue[i], r.queue[j]
		if (a.sku == r.onAir) != (b.sku == r.onAir) {
			return a.sku == r.onAir
		}
		if a.askers != b.askers {
			return a.askers > b.askers
		}
		return a.chatSeq < b.chatSeq
	})
	q := r.queue[0]
	r.queue = r.queue[1:]
	r.markAnswered(q.chatSeq)
	return q, skipped
}

// scheduledDue returns a scheduled line that is due, and marks it said. Call with mu held.
func (r *runner) scheduledDue() string {
	now := r.m.clock.Now()
	for i, s := range r.plan.Scheduled {
		last, said := r.lastSched[i]
		switch {
		case s.EveryMinutes > 0:
			if !said {
				r.lastSched[i] = now // the first one after a full interval
				continue
			}
			if now.Sub(last) >= time.Duration(s.EveryMinutes)*time.Minute {
				r.lastSched[i] = now
				return s.Text
			}
		case s.AtMinute != nil:
			if now.Minute() == *s.AtMinute && (!said || now.Sub(last) > 59*time.Minute) {
				r.lastSched[i] = now
				return s.Text
			}
		}
	}
	return ""
}

// interrupted says the rest of a talk line should wait: an answer or a moderator's line is
// waiting, or the runner was paused, stopped or skipped.
func (r *runner) interrupted(kind string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != StateRunning || r.skip {
		return true
	}
	if kind == KindAnswer || kind == KindSay {
		return false
	}
	return len(r.says) > 0 || len(r.queue) > 0
}

// speak says an item sentence by sentence: each passes the gate, is synthesized and logged, and
// lasts its audio's length (or until the page reports its end).
func (r *runner) speak(ctx context.Context, it *item) {
	products := r.gateProducts(ctx, it.sku)
	lang := r.lang()
	spoken := false
sentences:
	for i, s := range Sentences(it.text) {
		if i > 0 && r.interrupted(it.kind) {
			break
		}
		text, verdict, ok := r.gate(ctx, it, s, products)
		if !ok {
			if windowed(it.kind) {
				// Not offered again within the window: a refused line must not be retried at once.
				r.mu.Lock()
				r.refused.add(s)
				r.mu.Unlock()
			}
			continue
		}
		parts := []string{text}
		if split(it.kind) {
			parts = Clauses(text, sentenceLang(text, lang))
		}
		for j, p := range parts {
			// An answer waits for the current clause of a long talk sentence, not its end.
			if j > 0 && r.interrupted(it.kind) {
				break sentences
			}
			if it.kind == KindAnswer && !spoken {
				p = withAddress(r.address(askedIn(it.q.question, lang), it.q.user), p)
			}
			part := utterancePart{}
			if len(parts) > 1 {
				part = utterancePart{sentence: text, index: j}
			}
			logged, yielded := r.say(ctx, it, p, verdict, lang, part)
			if yielded {
				spoken = true // nothing refused: the answer goes now
				break sentences
			}
			if logged && j == 0 && windowed(it.kind) {
				r.mu.Lock()
				r.vari.add(text)
				r.mu.Unlock()
			}
			spoken = true
		}
	}
	if !spoken {
		// Everything was refused: let a moment pass so that a show of refused lines cannot spin.
		select {
		case <-ctx.Done():
		case <-r.m.clock.After(r.m.opt.Gap):
		}
	}
}

// gateProducts are the products a sentence may state facts of: the item's product and those it is
// sold with.
func (r *runner) gateProducts(ctx context.Context, sku string) []catalog.Product {
	if sku == "" {
		return nil
	}
	p, ok, err := r.m.opt.Products.Get(ctx, sku)
	if err != nil || !ok {
		return nil
	}
	return append([]catalog.Product{p}, r.related(ctx, p)...)
}

// gate checks one sentence; one that fails is replaced by another offline wording of the same
// beat that passes, or dropped, and the log says which and why.
func (r *runner) gate(ctx context.Context, it *item, s string, products []catalog.Product) (string, string, bool) {
	ok, reason := r.m.opt.Gate.Check(s, products)
	if ok {
		r.m.m.gate.WithLabelValues("passed").Inc()
		return s, "passed", true
	}
	for _, v := range it.variants {
		if v == it.text || utf8.RuneCountInString(v) == 0 {
			continue
		}
		r.mu.Lock()
		recent := r.vari.recent(v)
		r.mu.Unlock()
		if alt := Sentences(v); len(alt) == 1 && !recent {
			if ok2, _ := r.m.opt.Gate.Check(alt[0], products); ok2 {
				r.m.m.gate.WithLabelValues("replaced").Inc()
				r.logSkippedNow(ctx, show.AvatarSkipped{Action: "replaced", Text: s, Reason: reason, Replacement: alt[0], Kind: it.kind, ChatSeq: chatSeq(it)})
				return alt[0], "replaced", true
			}
		}
	}
	r.m.m.gate.WithLabelValues("dropped").Inc()
	r.logSkippedNow(ctx, show.AvatarSkipped{Action: "dropped", Text: s, Reason: reason, Kind: it.kind, ChatSeq: chatSeq(it)})
	return "", "", false
}

func chatSeq(it *item) int64 {
	if it.q != nil {
		return it.q.chatSeq
	}
	return 0
}

func (r *runner) logSkippedNow(ctx context.Context, s show.AvatarSkipped) {
	if _, err := r.m.rt.AppendAvatar(ctx, r.id, nil, live.AvatarEvent(show.TypeAvatarSkipped, s)); err != nil && ctx.Err() == nil {
		r.m.log.Warn("avatar: log skipped", "show", r.id, "err", err)
	}
}

// askedIn is the language a viewer asked in, which the answer addresses them in ("v, " to "how
// much is this?" in a Japanese show); the plan's when the question is not known.
func askedIn(question, planLang string) string {
	if strings.TrimSpace(question) == "" {
		return planLang
	}
	return lang(question)
}

// withAddress puts the address before an answer's first sentence, with a space after English
// ("emma, " / "Thanks for your question. "), none after Japanese (「ゆかさん、」).
func withAddress(addr, sentence string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return sentence
	}
	if r, _ := utf8.DecodeLastRuneInString(addr); r < 0x80 {
		return addr + " " + sentence
	}
	return addr + sentence
}

// address is how an answer begins: the asker's name only when moderation finds it clean.
func (r *runner) address(lang, user string) string {
	if user != "" && (r.m.opt.NameOK == nil || !r.m.opt.NameOK(user)) {
		user = ""
	}
	return r.m.writer.Address(lang, user)
}

// utterancePart is where a clause sits in the sentence it is part of; zero for a whole sentence.
type utterancePart struct {
	sentence string
	index    int
}

// say synthesizes one gated sentence (or clause of one), logs it and waits for it to be spoken;
// logged is false when it could not be logged. Talk yields instead, unlogged, when an answer came
// to wait during its synthesis: it goes first.
func (r *runner) say(ctx context.Context, it *item, text, verdict, lang string, part utterancePart) (logged, yielded bool) {
	start := time.Now()
	sp, id, fbs, err := r.m.opt.Speech.Speak(ctx, tts.Request{Text: text, Lang: sentenceLang(text, lang)})
	if ctx.Err() != nil {
		return false, false
	}
	if r.cutReason(it.kind) != "" {
		if len(fbs) > 0 {
			// The engines that failed on the way failed all the same: the console hears of it.
			evs := make([]show.NewEvent, 0, len(fbs))
			for _, fb := range fbs {
				evs = append(evs, live.AvatarEvent(show.TypeAvatarFallback, show.AvatarFallback{Engine: fb.Engine, Next: fb.Next, Reason: fb.Reason}))
			}
			if _, err := r.m.rt.AppendAvatar(ctx, r.id, nil, evs...); err != nil && ctx.Err() == nil {
				r.m.log.Warn("avatar: log fallback", "show", r.id, "err", err)
			}
		}
		return false, true
	}
	u := show.AvatarUtterance{Text: text, SKU: it.sku, Lang: sentenceLang(text, lang), Kind: it.kind, Gate: verdict,
		Sentence: part.sentence, Part: part.index, Writer: it.writer}
	if it.q != nil {
		u.ChatSeq, u.Question, u.Askers = it.q.chatSeq, it.q.question, it.q.askers
		if r.m.opt.NameOK != nil && r.m.opt.NameOK(it.q.user) {
			u.User = it.q.user
		}
	}
	dur := captionTime(text)
	if err == nil {
		u.ID, u.Engine, u.Voice = id, sp.Engine, sp.Voice
		u.Audio = "/api/shows/" + url.PathEscape(r.id) + "/avatar/audio/" + id
		u.DurationMS = sp.Duration.Milliseconds()
		for _, mk := range sp.Marks {
			u.Marks = append(u.Marks, show.MouthMark{T: mk.MS, V: mk.Shape})
		}
		if windowed(it.kind) {
			u.Breaks = sp.Breaks // only talk is cut short for an answer
		}
		dur = sp.Duration
		r.m.m.tts.WithLabelValues(sp.Engine).Observe(time.Since(start).Seconds())
	} else {
		u.Engine = "captions"
		u.DurationMS = dur.Milliseconds()
		r.m.m.captionsOnly.Inc()
	}
	evs := make([]show.NewEvent, 0, len(fbs)+1)
	for _, fb := range fbs {
		evs = append(evs, live.AvatarEvent(show.TypeAvatarFallback, show.AvatarFallback{Engine: fb.Engine, Next: fb.Next, Reason: fb.Reason}))
	}
	evs = append(evs, live.AvatarEvent(show.TypeAvatarUtterance, u))
	// Speaking from before it is logged: a page quick to report its start is not missed.
	r.mu.Lock()
	r.speaking, r.playStart = id, time.Time{}
	r.mu.Unlock()
	if _, err := r.m.rt.AppendAvatar(ctx, r.id, nil, evs...); err != nil {
		if ctx.Err() == nil {
			r.m.log.Warn("avatar: log utterance", "show", r.id, "err", err)
		}
		r.mu.Lock()
		r.speaking = ""
		r.mu.Unlock()
		return false, false
	}
	r.m.m.utterances.WithLabelValues(it.kind).Inc()
	r.wait(ctx, id, dur, u.Breaks, it.kind)
	return true, false
}

// sentenceLang is the language to speak a sentence in: the plan's, unless the sentence has no
// Japanese at all (a product name in English in an English plan; an English viewer's answer).
func sentenceLang(text, planLang string) string {
	if lang(text) == "ja" || planLang == "ja" && !hasLetters(text) {
		return "ja"
	}
	return "en"
}

func hasLetters(s string) bool {
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return true
		}
	}
	return false
}

// captionTime is how long a caption with no audio stays up.
func captionTime(text string) time.Duration {
	return time.Duration(utf8.RuneCountInString(text)) * 150 * time.Millisecond
}

// wait lasts while the sentence is spoken: until the page reports its end when a page is
// connected (with a limit), by the clock otherwise, so that a show never stalls. Talk with breaks
// is cut at the next one when an answer or a moderator's line comes to wait (or the show is paused
// or skipped), so that it waits for the end of a phrase rather than of the clause.
func (r *runner) wait(ctx context.Context, id string, dur time.Duration, breaks []int64, kind string) {
	r.mu.Lock()
	connected := !r.lastReport.IsZero() && r.m.clock.Now().Sub(r.lastReport) < r.m.opt.PageTimeout
	var ended chan struct{}
	if connected && id != "" {
		ended = make(chan struct{})
		r.ended[id] = ended
	}
	r.speaking = id // say set it, with playStart, before the utterance was logged
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.ended, id)
		r.speaking = ""
		r.mu.Unlock()
	}()
	logged := r.m.clock.Now()
	limit := dur + r.m.opt.Gap
	if ended != nil {
		limit = dur + 3*time.Second // the page starts late; never longer than this
	}
	timer := r.m.clock.After(limit)
	cut := false
	tryCut := func() {
		if cut || len(breaks) == 0 || id == "" {
			return
		}
		reason := r.cutReason(kind)
		if reason == "" {
			return
		}
		r.mu.Lock()
		start := logged
		if !r.playStart.IsZero() {
			start = r.playStart // the page's own start is the audio's clock
		}
		r.mu.Unlock()
		elapsed := r.m.clock.Now().Sub(start)
		at, ok := nextBreak(breaks, elapsed+cutLead, dur-cutTail)
		if !ok {
			return // the utterance ends soon enough by itself
		}
		if _, err := r.m.rt.AppendAvatar(ctx, r.id, nil, live.AvatarEvent(show.TypeAvatarCut, show.AvatarCut{Utterance: id, AtMS: at.Milliseconds(), Reason: reason})); err != nil {
			if ctx.Err() == nil {
				r.m.log.Warn("avatar: log cut", "show", r.id, "err", err)
			}
			return
		}
		cut = true
		r.m.m.cuts.WithLabelValues(reason).Inc()
		if ended == nil {
			timer = r.m.clock.After(at - elapsed + r.m.opt.Gap)
		} // a page stops the audio at the break and reports the end
	}
	// While this sentence plays, the next answer's first sentence is synthesized, so that it starts
	// the moment this one ends: now, and again whenever new events (a question just published) come.
	tryCut()
	r.prefetch(ctx)
	woke := false
	defer func() {
		if woke {
			r.poke() // the loop looks at what woke it once this sentence is over
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
			woke = true
			tryCut() // first: the answer is synthesized while the phrase ends
			r.prefetch(ctx)
			continue
		case <-ended:
			select {
			case <-ctx.Done():
			case <-r.m.clock.After(r.m.opt.Gap):
			}
		case <-timer:
		}
		return
	}
}

// A cut falls on a break at least cutLead ahead, time for the page to hear of it, and not within
// cutTail of the end, where the utterance may as well finish.
const (
	cutLead = 150 * time.Millisecond
	cutTail = 400 * time.Millisecond
)

// nextBreak is the first break (ms) at or after from and before until.
func nextBreak(breaks []int64, from, until time.Duration) (time.Duration, bool) {
	for _, b := range breaks {
		at := time.Duration(b) * time.Millisecond
		if at >= from {
			return at, at < until
		}
	}
	return 0, false
}

// cutReason says why talk (talk or idle) should stop at its next break: an answer or a moderator's
// line waits, or the show was paused or skipped; "" when it should play on.
func (r *runner) cutReason(kind string) string {
	if !windowed(kind) {
		return "" // a scheduled line is said whole: it would not come again for a while
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.state == StatePaused:
		return "pause"
	case r.state != StateRunning:
		return ""
	case r.skip:
		return "skip"
	case len(r.says) > 0:
		return "say"
	}
	now := r.m.clock.Now()
	for _, q := range r.queue {
		if !r.answered[q.chatSeq] && now.Sub(q.seen) <= r.m.opt.StaleAfter {
			return "answer" // not one takeQuestion would drop as stale
		}
	}
	return ""
}

// prefetch synthesizes (into the TTS cache) the first sentence of the answer that will be spoken
// next, as it will be spoken. A failure is not logged here: the sentence is synthesized again,
// with its fallbacks logged, when it is spoken.
func (r *runner) prefetch(ctx context.Context) {
	r.mu.Lock()
	var best *question
	for _, q := range r.queue {
		if r.answered[q.chatSeq] {
			continue
		}
		if best == nil || (q.sku == r.onAir) != (best.sku == r.onAir) && q.sku == r.onAir ||
			(q.sku == r.onAir) == (best.sku == r.onAir) && (q.askers > best.askers || q.askers == best.askers && q.chatSeq < best.chatSeq) {
			best = q
		}
	}
	var user, text, sku, asked string
	if best != nil {
		user, text, sku, asked = best.user, best.text, best.sku, best.question
	}
	lang := r.lang()
	if best != nil && best.chatSeq == r.prefetched {
		best = nil // already in the cache
	} else if best != nil {
		r.prefetched = best.chatSeq
	}
	r.mu.Unlock()
	if best == nil {
		return
	}
	ss := Sentences(text)
	if len(ss) == 0 {
		return
	}
	if ok, _ := r.m.opt.Gate.Check(ss[0], r.gateProducts(ctx, sku)); !ok {
		return
	}
	spoken := withAddress(r.address(askedIn(asked, lang), user), ss[0])
	_, _, _, _ = r.m.opt.Speech.Speak(ctx, tts.Request{Text: spoken, Lang: sentenceLang(spoken, lang)})
}

// playback records the page's report on an utterance.
func (r *runner) playback(utt, phase string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastReport = r.m.clock.Now()
	r.lastPlayback = Playback{Utterance: utt, Phase: phase, At: time.Now().UTC()}
	if phase == "start" && utt == r.speaking {
		r.playStart = r.m.clock.Now()
	}
	if phase == "end" {
		if ch, ok := r.ended[utt]; ok {
			close(ch)
			delete(r.ended, utt)
		}
	}
}
