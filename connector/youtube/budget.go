package youtube

import (
	"sync"
	"time"
)

// Quota costs of the calls the connector makes.
const (
	listCost   = 5
	insertCost = 20
	videosCost = 1
)

// budget spreads a daily quota over the show: polls are spaced so that the units left, minus a
// reserve for replies, last until the show ends or the quota resets, whichever comes first.
// YouTube's quota resets at midnight Pacific time.
type budget struct {
	mu      sync.Mutex
	perDay  int
	reserve int // units kept for replies
	end     time.Time
	used    int
	resets  time.Time
	now     func() time.Time
}

func newBudget(perDay, replyReserve int, showEnd time.Time, now func() time.Time) *budget {
	b := &budget{perDay: perDay, reserve: replyReserve * insertCost, end: showEnd, now: now}
	b.resets = nextReset(now())
	return b
}

var pacific = func() *time.Location {
	if l, err := time.LoadLocation("America/Los_Angeles"); err == nil {
		return l
	}
	return time.FixedZone("PST", -8*3600)
}()

func nextReset(t time.Time) time.Time {
	p := t.In(pacific)
	return time.Date(p.Year(), p.Month(), p.Day()+1, 0, 0, 0, 0, pacific)
}

// roll starts a new day's budget once the quota has reset; b.mu is held.
func (b *budget) roll(now time.Time) {
	if !now.Before(b.resets) {
		b.used = 0
		b.resets = nextReset(now)
	}
}

// spend records units used.
func (b *budget) spend(units int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(b.now())
	b.used += units
}

// spent is what was spent today, and when today's quota resets.
func (b *budget) spent() (int, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(b.now())
	return b.used, b.resets
}

// restore takes back a spend logged before a restart. It counts only if it was of the same
// quota day (it reset at the same midnight Pacific): after the reset the day starts from zero.
func (b *budget) restore(used int, resets time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(b.now())
	if resets.Equal(b.resets) && used > b.used {
		b.used = min(used, b.perDay)
	}
}

// exhausted records that YouTube said the quota is used up: nothing is left until it resets.
func (b *budget) exhausted() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used = b.perDay
}

// canReply tells whether a reply fits in what is left today.
func (b *budget) canReply() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.roll(b.now())
	return b.perDay-b.used >= insertCost
}

// interval is the wait before the next poll that keeps polling within the budget; when nothing is
// left for polling it is the time until the quota resets.
func (b *budget) interval() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.roll(now)
	return b.intervalLocked(now)
}

func (b *budget) intervalLocked(now time.Time) time.Duration {
	left := b.perDay - b.used - b.reserve
	if left < listCost {
		return b.resets.Sub(now)
	}
	until := b.resets
	if !b.end.IsZero() && b.end.Before(until) && b.end.After(now) {
		until = b.end
	}
	return until.Sub(now) / time.Duration(left/listCost)
}

// Estimate is the budget as the connectors list shows it.
type Estimate struct {
	PerDay     int       `json:"per_day"`
	Used       int       `json:"used"`
	Left       int       `json:"left"`
	Reserved   int       `json:"reserved_for_replies"`
	PollsLeft  int       `json:"polls_left"`
	IntervalMS int64     `json:"interval_ms"` // the spacing of polls the budget allows
	LastsUntil time.Time `json:"lasts_until"` // when the show ends or the quota resets
	ResetsAt   time.Time `json:"resets_at"`
}

func (b *budget) estimate() Estimate {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.roll(now)
	until := b.resets
	if !b.end.IsZero() && b.end.Before(until) && b.end.After(now) {
		until = b.end
	}
	left := b.perDay - b.used
	return Estimate{PerDay: b.perDay, Used: b.used, Left: max(0, left), Reserved: b.reserve, PollsLeft: max(0, (left-b.reserve)/listCost),
		IntervalMS: b.intervalLocked(now).Milliseconds(), LastsUntil: until.UTC(), ResetsAt: b.resets.UTC()}
}
