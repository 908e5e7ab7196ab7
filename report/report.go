// Package report folds a show's event log into what a brand reviews after the show: totals,
// a per-minute series, product segments from the on-air timeline, top questions (the same
// question phrased differently counted once), catalog gaps, moderators, compliance, the avatar's
// lines, and sales per segment from imported orders. Build reads the log page by page and keeps
// memory bounded by the show's minutes, segments, chatters, distinct questions and order lines,
// never by its number of events.
package report

import (
	"context"
	"fmt"
	"time"

	"github.com/livehost/livehost/show"
)

// ReadFunc reads a page of a show's log: up to limit events with seq > after, in order (the event
// store's Read or the runtime's Events).
type ReadFunc func(ctx context.Context, showID string, after int64, limit int) ([]show.Event, error)

// Options tune a report. The zero value is the default.
type Options struct {
	// Window is the attribution window: an order of a SKU placed within it after the segment
	// that presented the SKU ended counts for that segment (default 30 minutes).
	Window time.Duration
	// TopQuestions is how many question groups the report lists (default 100); the CSV export
	// lists them all.
	TopQuestions int
	// Progress, when set, is called after each page with the seq of the last event read.
	Progress func(seq int64)
}

// DefaultWindow is the default attribution window.
const DefaultWindow = 30 * time.Minute

// Report is a show's report. Its JSON shape is the contract of GET /api/shows/{id}/report.
type Report struct {
	Show       ShowInfo    `json:"show"`
	Totals     Totals      `json:"totals"`
	Minutes    []Minute    `json:"minutes"`
	Segments   []Segment   `json:"segments"`
	Questions  []Question  `json:"questions"`
	Gaps       []Gap       `json:"gaps"`
	Moderators []Moderator `json:"moderators"`
	Avatar     *Avatar     `json:"avatar,omitempty"`
	Orders     []Order     `json:"orders"`
	// WindowSecs is the attribution window the sales were attributed with.
	WindowSecs float64 `json:"window_secs"`

	allQuestions []Question // every group, for the CSV export
}

// ShowInfo is the show the report is about.
type ShowInfo struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Mode      string    `json:"mode"`
	Lineup    []string  `json:"lineup"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	StartedAt time.Time `json:"started_at,omitzero"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// Secs is how long the show ran: from its first start to its last stop (or its last event).
	Secs    float64 `json:"secs"`
	LastSeq int64   `json:"last_seq"`
}

// Totals are the show's headline figures.
type Totals struct {
	Messages          int `json:"messages"` // chat.received events
	Chatters          int `json:"chatters"` // distinct platform users who wrote
	Questions         int `json:"questions"`
	DistinctQuestions int `json:"distinct_questions"`
	Answered          int `json:"answered"` // questions whose draft was published
	Unanswered        int `json:"unanswered"`
	// Seconds from a question's message to its published answer (null when none was answered).
	AnswerSecsMedian *float64 `json:"answer_secs_median"`
	AnswerSecsP90    *float64 `json:"answer_secs_p90"`
	GapQuestions     int      `json:"gap_questions"` // questions the catalog could not answer

	Allowed           int            `json:"allowed"`
	Held              int            `json:"held"`         // verdicts with action hold
	Blocked           int            `json:"blocked"`      // verdicts with action block
	HeldExpired       int            `json:"held_expired"` // held messages nobody decided in time
	NGHits            int            `json:"ng_hits"`      // verdicts that matched a list or a rule
	HeldByCategory    map[string]int `json:"held_by_category"`
	BlockedByCategory map[string]int `json:"blocked_by_category"`

	ComplianceFlags      int            `json:"compliance_flags"` // host.compliance events
	ComplianceByLaw      map[string]int `json:"compliance_by_law"`
	ComplianceByCategory map[string]int `json:"compliance_by_category"`
	ComplianceByTerm     map[string]int `json:"compliance_by_term"`

	STTDrops       int     `json:"stt_drops"`
	STTDroppedSecs float64 `json:"stt_dropped_secs"`

	Drafts       int `json:"drafts"`
	Published    int `json:"published"`
	AutoApproved int `json:"auto_approved"`
	Edited       int `json:"edited"`
	Rejected     int `json:"rejected"`
	Expired      int `json:"expired"`
	CrossSell    int `json:"crosssell"`

	// Replies per platform: published to chat, and delivered or failed when a connector says so.
	Replies map[string]*Replies `json:"replies"`

	Orders           int     `json:"orders"` // distinct orders
	Units            int     `json:"units"`
	Revenue          float64 `json:"revenue"`
	Currency         string  `json:"currency,omitempty"`
	OrdersPerChatter float64 `json:"orders_per_chatter"`
	Unattributed     int     `json:"unattributed_orders"` // orders no segment could claim

	// ViewersPeak is the most concurrent viewers the connectors counted together (the sum of
	// each connector's last connector.viewers), and when; absent when none counted.
	ViewersPeak   *int      `json:"viewers_peak,omitempty"`
	ViewersPeakAt time.Time `json:"viewers_peak_at,omitzero"`
}

// Replies counts replies to one platform.
type Replies struct {
	Published int `json:"published"`
	Sent      int `json:"sent"`
	Failed    int `json:"failed"`
}

// Minute is one minute of the show.
type Minute struct {
	At         time.Time `json:"at"`
	Messages   int       `json:"messages"`
	Questions  int       `json:"questions"`
	Chatters   int       `json:"chatters"`
	Viewers    *int      `json:"viewers,omitempty"` // the most concurrent viewers the connectors counted together in the minute
	NGHits     int       `json:"ng_hits"`
	Held       int       `json:"held"`
	Blocked    int       `json:"blocked"`
	Compliance int       `json:"compliance"`
	Orders     int       `json:"orders"`
	Revenue    float64   `json:"revenue"`
	OnAir      string    `json:"on_air,omitempty"` // the product on air at the minute's end
}

// Segment is a stretch of the show with one product on air.
type Segment struct {
	SKU          string        `json:"sku"`
	From         time.Time     `json:"from"`
	To           time.Time     `json:"to"`
	Secs         float64       `json:"secs"`
	Messages     int           `json:"messages"`
	Questions    int           `json:"questions"`
	Answered     int           `json:"answered"`
	Held         int           `json:"held"`
	Blocked      int           `json:"blocked"`
	CrossSell    int           `json:"crosssell"`
	Compliance   int           `json:"compliance_flags"`
	Gaps         int           `json:"gap_questions"`
	TopQuestions []TopQuestion `json:"top_questions"`
	// Orders and Revenue are attributed: to the segment that presented the SKU when the order
	// came within the window of it, else to the segment on air when it was placed.
	Orders  int     `json:"orders"`
	Units   int     `json:"units"`
	Revenue float64 `json:"revenue"`
	// OrdersOnAir and RevenueOnAir count every order placed while the segment was on air.
	OrdersOnAir  int     `json:"orders_on_air"`
	RevenueOnAir float64 `json:"revenue_on_air"`
	// ViewersAvg and ViewersPeak are the concurrent viewers (summed over the connectors) while the
	// segment was on air: the average over the time a count was known, and the most; absent when
	// no connector counted viewers then.
	ViewersAvg  *float64 `json:"viewers_avg,omitempty"`
	ViewersPeak *int     `json:"viewers_peak,omitempty"`
}

// TopQuestion is one of a segment's most asked questions.
type TopQuestion struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// Question is one question as viewers asked it, its phrasings counted together.
type Question struct {
	Text      string    `json:"text"` // the first phrasing
	SKU       string    `json:"sku,omitempty"`
	Intent    string    `json:"intent,omitempty"`
	Count     int       `json:"count"`
	Answered  int       `json:"answered"`
	Phrasings int       `json:"phrasings"`
	Gap       bool      `json:"gap"` // the catalog could not answer it
	Answer    string    `json:"answer,omitempty"`
	FirstAt   time.Time `json:"first_at"`
}

// Gap is a catalog gap: what viewers asked about a product that the catalog could not answer.
type Gap struct {
	SKU      string   `json:"sku"` // "" when no product could be told
	Intent   string   `json:"intent,omitempty"`
	Asked    int      `json:"asked"`
	Examples []string `json:"examples"`
	Draft    string   `json:"draft,omitempty"` // what the draft said instead
}

// Moderator is one moderator's decisions.
type Moderator struct {
	By               string   `json:"by"`
	Decisions        int      `json:"decisions"`
	Allowed          int      `json:"allowed"`
	Denied           int      `json:"denied"`
	Approved         int      `json:"approved"`
	Edited           int      `json:"edited"`
	Rejected         int      `json:"rejected"`
	DecideSecsMedian *float64 `json:"decide_secs_median"`
}

// Avatar is what an avatar host did.
type Avatar struct {
	Lines           int `json:"lines"`
	AnsweredInVoice int `json:"answered_in_voice"`
	Replaced        int `json:"replaced"` // sentences the gate replaced or dropped
}

// Order is one imported order line with where it was attributed.
type Order struct {
	show.OrderImported
	Segment int    `json:"segment"`        // index into segments, -1 when unattributed
	By      string `json:"by,omitempty"`   // "presented" or "on_air"
	OnAir   int    `json:"on_air_segment"` // the segment on air when ordered, -1 when none
}

// Build folds a show's log into its report, reading it page by page.
func Build(ctx context.Context, read ReadFunc, showID string, opt Options) (*Report, error) {
	f := newFolder(showID, opt)
	var after int64
	for {
		evs, err := read(ctx, showID, after, show.ReadLimit)
		if err != nil {
			return nil, fmt.Errorf("report of show %s: read after %d: %w", showID, after, err)
		}
		for i := range evs {
			f.apply(&evs[i])
			after = evs[i].Seq
		}
		if opt.Progress != nil && len(evs) > 0 {
			opt.Progress(after)
		}
		if len(evs) < show.ReadLimit {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if after == 0 {
		return nil, fmt.Errorf("report of show %s: %w", showID, show.ErrNotFound)
	}
	return f.finish(), nil
}
