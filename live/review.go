package live

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/textnorm"
)

// DraftStatuses are the statuses Drafts filters by ("" for all).
var DraftStatuses = []string{"pending", "approved", "published", "rejected", "expired"}

// Drafts lists a show's drafts with a status ("" for all), oldest first.
func (rt *Runtime) Drafts(ctx context.Context, showID, status string) ([]DraftItem, error) {
	if status != "" && !slices.Contains(DraftStatuses, status) {
		return nil, invalidf("status %q: want %s", status, strings.Join(DraftStatuses, ", "))
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return nil, err
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.st.drafts.list(status), nil
}

// DraftShow names the show a draft belongs to.
func (rt *Runtime) DraftShow(draftID string) (string, bool) {
	rt.mu.Lock()
	id, ok := rt.drafts[draftID]
	shows := make([]*liveShow, 0, len(rt.shows))
	if !ok {
		for _, ls := range rt.shows {
			shows = append(shows, ls)
		}
	}
	rt.mu.Unlock()
	if ok {
		return id, true
	}
	// The answer agent indexes a draft once its append returns, but the draft is in the show's
	// state (and on its stream) a moment earlier: a moderator or script that acts on it at once
	// must not get a 404. Look in the shows' states.
	for _, ls := range shows {
		ls.mu.Lock()
		_, found := ls.st.drafts.q.Get(draftID)
		ls.mu.Unlock()
		if found {
			return ls.id, true
		}
	}
	return "", false
}

// Review is a moderator's decision on a draft.
type Review struct {
	Verb   string  // claim | release | approve | reject
	By     string  // who decides, for the log
	Text   *string // approve: the edited text, nil to approve the draft as it is
	Reason string  // reject: why
}

// ReviewVerbs are the decisions Review takes.
var ReviewVerbs = []string{"claim", "release", "approve", "reject"}

// ReviewDraft applies a moderator's decision to a draft. The approval queue decides what is
// allowed (claims, final states): a decided draft is ErrConflict, an unknown one ErrNotFound. An
// approval is published in the same append.
func (rt *Runtime) ReviewDraft(ctx context.Context, draftID string, r Review) (DraftItem, error) {
	if !slices.Contains(ReviewVerbs, r.Verb) {
		return DraftItem{}, invalidf("unknown decision %q", r.Verb)
	}
	if r.Text != nil {
		if !utf8.ValidString(*r.Text) {
			return DraftItem{}, invalidf("text is not valid UTF-8")
		}
		t := strings.TrimSpace(textnorm.CleanText(*r.Text))
		if t == "" {
			return DraftItem{}, invalidf("text is empty; omit it to approve the draft as it is")
		}
		if utf8.RuneCountInString(t) > MaxChatText {
			return DraftItem{}, invalidf("text is longer than %d characters", MaxChatText)
		}
		r.Text = &t
	}
	showID, ok := rt.DraftShow(draftID)
	if !ok {
		return DraftItem{}, notFoundf("no draft %q", draftID)
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return DraftItem{}, err
	}
	_, err = rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		d, ok := v.drafts.q.Get(draftID)
		if !ok {
			return nil, notFoundf("no draft %q", draftID)
		}
		var ch approval.Change
		var err error
		switch r.Verb {
		case "claim":
			ch, err = v.drafts.q.Claim(draftID, r.By)
		case "release":
			ch, err = v.drafts.q.Release(draftID, r.By)
		case "reject":
			ch, err = v.drafts.q.Reject(draftID, r.By, r.Reason)
		case "approve":
			if r.Text != nil && *r.Text != d.Text {
				ch, err = v.drafts.q.Edit(draftID, r.By, *r.Text)
			} else {
				ch, err = v.drafts.q.Approve(draftID, r.By)
			}
		}
		if err != nil {
			return nil, queueError(err)
		}
		return changeEvents([]approval.Change{ch}), nil
	})
	if err != nil {
		return DraftItem{}, err
	}
	ls.mu.Lock()
	item, _ := ls.st.drafts.get(draftID)
	rt.setQueueGauges(ls)
	ls.mu.Unlock()
	if r.Verb == "approve" || r.Verb == "reject" {
		rt.m.drafts.WithLabelValues(r.Verb + "d").Inc()
	}
	return item, nil
}
