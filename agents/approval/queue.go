package approval

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config sets a queue's clock, time limits and default policy.
type Config struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ClaimTTL is how long a claim holds; 60 s when 0.
	ClaimTTL time.Duration
	// PendingTTL is how long after its creation a pending draft expires (see ExpireDue); 10 min when 0.
	PendingTTL time.Duration
	// DedupWindow is how long after a draft's creation a repeat of its question is counted on it
	// instead of drafted anew; 5 min when 0.
	DedupWindow time.Duration
	// Policy is the auto-approve policy of shows that have none of their own (SetPolicy). The zero
	// Policy approves nothing automatically; DefaultConfig uses StandardPolicy.
	Policy Policy
	// NewID makes draft IDs; "d<n>" (base 36, skipping IDs in use) when nil.
	NewID func() string
	// MaxQuestions bounds the questions a draft keeps (Draft.Questions); later repeats only add to
	// Count, so that a question asked thousands of times costs no more to copy. 100 when 0.
	MaxQuestions int
}

// DefaultConfig is the configuration a show starts with: the default time limits and
// StandardPolicy.
func DefaultConfig() Config {
	return Config{ClaimTTL: 60 * time.Second, PendingTTL: 10 * time.Minute, DedupWindow: 5 * time.Minute, MaxQuestions: 100, Policy: StandardPolicy()}
}

// Queue holds the drafts of any number of shows. It is safe for concurrent use.
type Queue struct {
	cfg Config

	mu      sync.Mutex
	drafts  map[string]*Draft
	order   []string          // draft IDs in creation order
	pending map[string]string // Key → newest pending draft with it
	// answeredKey maps a Key to the newest approved or edited draft with it: the same question
	// asked again soon after it was answered counts on that draft instead of being answered twice.
	answeredKey map[string]string
	answered    map[string]string // show + message seq → draft answering it
	policies    map[string]Policy
	n           int
}

// New returns an empty queue.
func New(cfg Config) *Queue {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ClaimTTL <= 0 {
		cfg.ClaimTTL = 60 * time.Second
	}
	if cfg.PendingTTL <= 0 {
		cfg.PendingTTL = 10 * time.Minute
	}
	if cfg.DedupWindow <= 0 {
		cfg.DedupWindow = 5 * time.Minute
	}
	if cfg.MaxQuestions <= 0 {
		cfg.MaxQuestions = 100
	}
	return &Queue{
		cfg:         cfg,
		drafts:      map[string]*Draft{},
		pending:     map[string]string{},
		answered:    map[string]string{},
		answeredKey: map[string]string{},
		policies:    map[string]Policy{},
	}
}

// Replay builds a queue from logged changes, oldest first. It fails at the first change that does
// not apply, saying which.
func Replay(cfg Config, changes []Change) (*Queue, error) {
	q := New(cfg)
	for i, c := range changes {
		if err := q.Apply(c); err != nil {
			return nil, fmt.Errorf("replay change %d: %w", i, err)
		}
	}
	return q, nil
}

// now is the clock without its monotonic reading, so that changes compare equal after a JSON
// round trip through the log.
func (q *Queue) now() time.Time { return q.cfg.Now().Round(0) }

// Apply applies a recorded change, checking it as the methods do (at the change's own time).
// On error the queue is unchanged.
func (q *Queue) Apply(c Change) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.apply(c)
}

// Submit adds a drafted reply. When a pending draft of the same show has the same Key and was
// created within the dedup window, the question is counted on it (one KindAsked change);
// otherwise a new draft is created (KindCreated), and approved at once (KindApproved by ByAuto)
// when the show's policy allows it. A message (show and Question.Seq) that was already submitted
// changes nothing: the draft answering it is returned with no changes.
func (q *Queue) Submit(p Proposal) (Draft, []Change, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	if err := p.validate(); err != nil {
		return Draft{}, nil, fmt.Errorf("submit draft: %w", err)
	}
	if p.Question.At.IsZero() {
		p.Question.At = now
	}
	if p.Question.Seq != 0 {
		if id, ok := q.answered[seqKey(p.Show, p.Question.Seq)]; ok {
			return q.copyOf(q.drafts[id], now), nil, nil
		}
	}
	key := Key(p.Show, p.Question.Text, p.SKU, p.Intent)
	id, ok := q.pending[key]
	ok = ok && now.Sub(q.drafts[id].CreatedAt) <= q.cfg.DedupWindow
	if !ok {
		id, ok = q.answeredKey[key]
		ok = ok && now.Sub(q.drafts[id].DecidedAt) <= q.cfg.DedupWindow
	}
	if ok {
		question := p.Question
		c := Change{Kind: KindAsked, Show: p.Show, Draft: id, By: question.User, At: now, Question: &question}
		if err := q.apply(c); err != nil {
			return Draft{}, nil, fmt.Errorf("submit draft: %w", err)
		}
		return q.copyOf(q.drafts[id], now), []Change{c}, nil
	}

	prop := p
	prop.Facts = slices.Clone(p.Facts)
	c := Change{Kind: KindCreated, Show: p.Show, Draft: q.newID(), By: p.Engine, At: now, Proposal: &prop}
	if err := q.apply(c); err != nil {
		return Draft{}, nil, fmt.Errorf("submit draft: %w", err)
	}
	changes := []Change{c}
	if q.policyOf(p.Show).Allows(p) {
		a := Change{Kind: KindApproved, Show: p.Show, Draft: c.Draft, By: ByAuto, At: now, Text: p.Text}
		if err := q.apply(a); err != nil {
			return Draft{}, nil, fmt.Errorf("auto-approve draft %s: %w", c.Draft, err)
		}
		changes = append(changes, a)
	}
	return q.copyOf(q.drafts[c.Draft], now), changes, nil
}

// Claim gives moderator by a hold on a pending draft for the claim TTL. The holder may claim again
// to extend it; anyone else gets a *ClaimedError until it ends.
func (q *Queue) Claim(id, by string) (Change, error) {
	return q.act(Change{Kind: KindClaimed, Draft: id, By: by}, func(c *Change) { c.Until = c.At.Add(q.cfg.ClaimTTL) })
}

// Release gives a claim up; only its holder may.
func (q *Queue) Release(id, by string) (Change, error) {
	return q.act(Change{Kind: KindReleased, Draft: id, By: by}, nil)
}

// Approve approves the draft's text as it is.
func (q *Queue) Approve(id, by string) (Change, error) {
	return q.act(Change{Kind: KindApproved, Draft: id, By: by}, func(c *Change) { c.Text = q.drafts[id].Text })
}

// Edit approves the moderator's text instead of the draft's.
func (q *Queue) Edit(id, by, text string) (Change, error) {
	return q.act(Change{Kind: KindEdited, Draft: id, By: by, Text: text}, nil)
}

// Reject rejects the draft; reason may be empty.
func (q *Queue) Reject(id, by, reason string) (Change, error) {
	return q.act(Change{Kind: KindRejected, Draft: id, By: by, Reason: reason}, nil)
}

// act fills in the show and time of a moderator's change and applies it.
func (q *Queue) act(c Change, fill func(*Change)) (Change, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c.At = q.now()
	d, ok := q.drafts[c.Draft]
	if !ok {
		return Change{}, fmt.Errorf("%s draft %q: %w", verb(c.Kind), c.Draft, ErrNotFound)
	}
	c.Show = d.Show
	if fill != nil {
		fill(&c)
	}
	if err := q.apply(c); err != nil {
		return Change{}, err
	}
	return c, nil
}

// ExpireDue expires the pending drafts created at least the pending TTL ago, except those a
// moderator holds a claim on (they are being worked on), and returns the changes, oldest first.
func (q *Queue) ExpireDue() []Change {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	var out []Change
	for _, id := range q.order {
		d := q.drafts[id]
		if d.Status != StatusPending || now.Sub(d.CreatedAt) < q.cfg.PendingTTL || activeClaim(d, now) != nil {
			continue
		}
		c := Change{Kind: KindExpired, Show: d.Show, Draft: id, By: BySystem, At: now}
		if q.apply(c) == nil {
			out = append(out, c)
		}
	}
	return out
}

// SetPolicy sets a show's auto-approve policy; show "" sets the default for shows without one.
func (q *Queue) SetPolicy(show string, p Policy) (Change, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	p.Engines, p.Intents = slices.Clone(p.Engines), slices.Clone(p.Intents)
	c := Change{Kind: KindPolicy, Show: show, At: q.now(), Policy: &p}
	if err := q.apply(c); err != nil {
		return Change{}, err
	}
	return c, nil
}

// Policy returns the auto-approve policy in force for a show.
func (q *Queue) Policy(show string) Policy {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.policyOf(show)
	p.Engines, p.Intents = slices.Clone(p.Engines), slices.Clone(p.Intents)
	return p
}

// Get returns a copy of a draft.
func (q *Queue) Get(id string) (Draft, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	d, ok := q.drafts[id]
	if !ok {
		return Draft{}, false
	}
	return q.copyOf(d, q.now()), true
}

// List returns copies of a show's drafts (every show's when show is ""), with one of the given
// statuses (any when none), oldest first.
func (q *Queue) List(show string, statuses ...Status) []Draft {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	var out []Draft
	for _, id := range q.order {
		d := q.drafts[id]
		if (show == "" || d.Show == show) && (len(statuses) == 0 || slices.Contains(statuses, d.Status)) {
			out = append(out, q.copyOf(d, now))
		}
	}
	return out
}

func (q *Queue) policyOf(show string) Policy {
	if p, ok := q.policies[show]; ok {
		return p
	}
	if p, ok := q.policies[""]; ok {
		return p
	}
	return q.cfg.Policy
}

func (q *Queue) newID() string {
	for {
		var id string
		if q.cfg.NewID != nil {
			id = q.cfg.NewID()
		} else {
			q.n++
			id = "d" + strconv.FormatInt(int64(q.n), 36)
		}
		if _, used := q.drafts[id]; !used && id != "" {
			return id
		}
	}
}

func seqKey(show string, seq int64) string { return show + "\x1f" + strconv.FormatInt(seq, 10) }

func activeClaim(d *Draft, at time.Time) *Claim {
	if d.Claim != nil && at.Before(d.Claim.Until) {
		return d.Claim
	}
	return nil
}

func (q *Queue) copyOf(d *Draft, now time.Time) Draft {
	c := *d
	c.Questions = slices.Clone(d.Questions)
	c.Facts = slices.Clone(d.Facts)
	c.History = slices.Clone(d.History)
	c.Claim = nil
	if cl := activeClaim(d, now); cl != nil {
		cp := *cl
		c.Claim = &cp
	}
	return c
}

// whatOf names an action on a draft for error messages.
type whatOf struct {
	kind Kind
	id   string
}

func (w whatOf) String() string { return verb(w.kind) + " draft " + w.id }

func verb(k Kind) string {
	switch k {
	case KindClaimed:
		return "claim"
	case KindReleased:
		return "release"
	case KindApproved:
		return "approve"
	case KindEdited:
		return "edit"
	case KindRejected:
		return "reject"
	case KindExpired:
		return "expire"
	case KindAsked:
		return "count question on"
	}
	return string(k)
}

func (p Proposal) validate() error {
	switch {
	case strings.TrimSpace(p.Show) == "":
		return fmt.Errorf("%w: proposal has no show", ErrInvalid)
	case strings.TrimSpace(p.Question.Text) == "":
		return fmt.Errorf("%w: proposal has no question text", ErrInvalid)
	case strings.TrimSpace(p.Text) == "":
		return fmt.Errorf("%w: proposal has no draft text", ErrInvalid)
	case math.IsNaN(p.Confidence) || p.Confidence < 0 || p.Confidence > 1:
		return fmt.Errorf("%w: proposal confidence %v is outside 0–1", ErrInvalid, p.Confidence)
	case p.Question.Seq < 0:
		return fmt.Errorf("%w: proposal question seq %d is negative", ErrInvalid, p.Question.Seq)
	}
	return nil
}

// apply checks c against the current state and then, only if it passes, changes the state.
// Claims are judged at c.At, so a replayed log decides exactly as the live queue did.
func (q *Queue) apply(c Change) error {
	switch c.Kind {
	case KindCreated, KindAsked, KindClaimed, KindReleased, KindApproved, KindEdited, KindRejected, KindExpired, KindPolicy:
	default:
		return fmt.Errorf("%w: unknown change kind %q", ErrInvalid, c.Kind)
	}
	if c.At.IsZero() {
		return fmt.Errorf("%w: %s change has no time", ErrInvalid, c.Kind)
	}
	switch c.Kind {
	case KindPolicy:
		if c.Policy == nil {
			return fmt.Errorf("%w: policy change without a policy", ErrInvalid)
		}
		if err := c.Policy.validate(); err != nil {
			return err
		}
		q.policies[c.Show] = *c.Policy
		return nil
	case KindCreated:
		return q.applyCreated(c)
	}

	d, ok := q.drafts[c.Draft]
	if !ok {
		return fmt.Errorf("%s draft %q: %w", verb(c.Kind), c.Draft, ErrNotFound)
	}
	what := whatOf{c.Kind, d.ID}
	if c.Show != d.Show {
		return fmt.Errorf("%s: %w: change is for show %q, draft for show %q", what, ErrInvalid, c.Show, d.Show)
	}
	// A repeat of a question may also count on a draft already answered; nothing else changes one.
	repeatOnAnswered := c.Kind == KindAsked && (d.Status == StatusApproved || d.Status == StatusEdited)
	if d.Status != StatusPending && !repeatOnAnswered {
		return fmt.Errorf("%s: %w", what, &FinalError{Draft: d.ID, Status: d.Status, By: d.DecidedBy, At: d.DecidedAt})
	}
	holder := activeClaim(d, c.At)
	moderator := c.Kind != KindAsked && c.Kind != KindExpired
	if moderator && strings.TrimSpace(c.By) == "" {
		return fmt.Errorf("%s: %w: no moderator named", what, ErrInvalid)
	}
	if moderator && holder != nil && holder.By != c.By {
		return fmt.Errorf("%s: %w", what, &ClaimedError{Draft: d.ID, By: holder.By, Until: holder.Until})
	}

	step := Step{Kind: c.Kind, By: c.By, At: c.At}
	switch c.Kind {
	case KindAsked:
		if c.Question == nil || strings.TrimSpace(c.Question.Text) == "" {
			return fmt.Errorf("%s: %w: no question text", what, ErrInvalid)
		}
		qu := *c.Question
		if qu.At.IsZero() {
			qu.At = c.At
		}
		if qu.Seq != 0 {
			if other, dup := q.answered[seqKey(d.Show, qu.Seq)]; dup {
				return fmt.Errorf("%s: %w: message %d is already counted on draft %s", what, ErrInvalid, qu.Seq, other)
			}
			q.answered[seqKey(d.Show, qu.Seq)] = d.ID
		}
		if len(d.Questions) < q.cfg.MaxQuestions {
			d.Questions = append(d.Questions, qu)
		}
		d.Count++
	case KindClaimed:
		if !c.Until.After(c.At) {
			return fmt.Errorf("%s: %w: claim ends (%s) before it starts (%s)", what, ErrInvalid, c.Until.Format(time.RFC3339), c.At.Format(time.RFC3339))
		}
		d.Claim = &Claim{By: c.By, Until: c.Until}
		step.Note = c.Until.UTC().Format(time.RFC3339)
	case KindReleased:
		if holder == nil {
			return fmt.Errorf("%s: %w", what, ErrNotClaimed)
		}
		d.Claim = nil
	case KindApproved, KindEdited, KindRejected, KindExpired:
		switch c.Kind {
		case KindApproved:
			if strings.TrimSpace(c.Text) == "" {
				return fmt.Errorf("%s: %w: no text to approve", what, ErrInvalid)
			}
			d.Status, d.FinalText = StatusApproved, c.Text
		case KindEdited:
			if strings.TrimSpace(c.Text) == "" {
				return fmt.Errorf("%s: %w: the edited text is empty", what, ErrInvalid)
			}
			d.Status, d.FinalText = StatusEdited, c.Text
			step.Note = c.Text
		case KindRejected:
			d.Status, d.Reason = StatusRejected, c.Reason
			step.Note = c.Reason
		case KindExpired:
			d.Status = StatusExpired
		}
		d.DecidedBy, d.DecidedAt, d.Claim = c.By, c.At, nil
		if q.pending[d.Key] == d.ID {
			delete(q.pending, d.Key)
		}
		if d.Status == StatusApproved || d.Status == StatusEdited {
			q.answeredKey[d.Key] = d.ID
		}
	}
	d.UpdatedAt = c.At
	if c.Kind != KindAsked { // repeats are in Count and Questions; History keeps the review steps
		d.History = append(d.History, step)
	}
	return nil
}

func (q *Queue) applyCreated(c Change) error {
	if c.Proposal == nil {
		return fmt.Errorf("%w: created change without a proposal", ErrInvalid)
	}
	p := *c.Proposal
	if err := p.validate(); err != nil {
		return fmt.Errorf("create draft %q: %w", c.Draft, err)
	}
	switch {
	case c.Draft == "":
		return fmt.Errorf("%w: created change without a draft ID", ErrInvalid)
	case c.Show != p.Show:
		return fmt.Errorf("create draft %s: %w: change is for show %q, proposal for show %q", c.Draft, ErrInvalid, c.Show, p.Show)
	}
	if _, dup := q.drafts[c.Draft]; dup {
		return fmt.Errorf("create draft %s: %w: the ID is taken", c.Draft, ErrInvalid)
	}
	if p.Question.At.IsZero() {
		p.Question.At = c.At
	}
	if p.Question.Seq != 0 {
		if other, dup := q.answered[seqKey(p.Show, p.Question.Seq)]; dup {
			return fmt.Errorf("create draft %s: %w: message %d is already answered by draft %s", c.Draft, ErrInvalid, p.Question.Seq, other)
		}
		q.answered[seqKey(p.Show, p.Question.Seq)] = c.Draft
	}
	d := &Draft{
		ID: c.Draft, Show: p.Show, Key: Key(p.Show, p.Question.Text, p.SKU, p.Intent),
		Questions: []Question{p.Question}, Count: 1,
		SKU: p.SKU, Intent: p.Intent, Text: p.Text, Facts: slices.Clone(p.Facts), Engine: p.Engine,
		Confidence: p.Confidence, NeedsReview: p.NeedsReview, Fallback: p.Fallback,
		Status: StatusPending, CreatedAt: c.At, UpdatedAt: c.At,
		History: []Step{{Kind: KindCreated, By: c.By, At: c.At}},
	}
	q.drafts[d.ID] = d
	q.order = append(q.order, d.ID)
	q.pending[d.Key] = d.ID
	return nil
}

// ReasonQueueFull is the Reason of a draft expired because its show had too many pending.
const ReasonQueueFull = "the pending queue is full: older unclaimed drafts expire first"

// ExpireOverflow expires the oldest pending drafts of show beyond max, unclaimed ones first, so
// that a raid of questions cannot grow the queue without bound. It returns the changes made.
func (q *Queue) ExpireOverflow(show string, max int) []Change {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	var unclaimed, claimed []string
	for _, id := range q.order {
		d := q.drafts[id]
		if d.Show != show || d.Status != StatusPending {
			continue
		}
		if activeClaim(d, now) != nil {
			claimed = append(claimed, id)
		} else {
			unclaimed = append(unclaimed, id)
		}
	}
	over := len(unclaimed) + len(claimed) - max
	var out []Change
	for _, id := range append(unclaimed, claimed...) {
		if over <= 0 {
			break
		}
		c := Change{Kind: KindExpired, Show: show, Draft: id, By: BySystem, At: now, Reason: ReasonQueueFull}
		if q.apply(c) == nil {
			out = append(out, c)
			over--
		}
	}
	return out
}

// Forget drops all but the newest keep decided drafts from memory (they stay in the show's log)
// and returns their IDs: a queue that runs for days must not hold every draft it ever had.
func (q *Queue) Forget(keep int) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	decided := 0
	for _, id := range q.order {
		if q.drafts[id].Status != StatusPending {
			decided++
		}
	}
	drop := decided - keep
	if drop <= 0 {
		return nil
	}
	var gone []string
	kept := q.order[:0]
	for _, id := range q.order {
		d := q.drafts[id]
		if drop > 0 && d.Status != StatusPending {
			drop--
			gone = append(gone, id)
			delete(q.drafts, id)
			if q.pending[d.Key] == id {
				delete(q.pending, d.Key)
			}
			if q.answeredKey[d.Key] == id {
				delete(q.answeredKey, d.Key)
			}
			for _, qu := range d.Questions {
				if k := seqKey(d.Show, qu.Seq); q.answered[k] == id {
					delete(q.answered, k)
				}
			}
			continue
		}
		kept = append(kept, id)
	}
	clear(q.order[len(kept):])
	q.order = kept
	return gone
}
