package live

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/textnorm"
)

// ChatIn is one viewer message as a platform connector hands it over.
type ChatIn struct {
	Platform string `json:"platform"`
	User     string `json:"user"`
	Text     string `json:"text"`
	ID       string `json:"id,omitempty"` // the platform's message id: a show logs each (platform, id) once

	// Set by connectors (see package connector); the chat API leaves them empty.
	UserID       string    `json:"-"`
	Badges       []string  `json:"-"`
	AmountMicros int64     `json:"-"`
	Currency     string    `json:"-"`
	Kind         string    `json:"-"`
	SentAt       time.Time `json:"-"`
}

// ChatResult is what became of one message: where it is in the log and the verdict on it. A
// message whose (platform, id) the show already logged is not logged again: Duplicate is set and
// Seq is where the first one is (0 when it is too old to say).
type ChatResult struct {
	Seq       int64   `json:"seq"`
	ID        string  `json:"id,omitempty"`
	Verdict   Verdict `json:"verdict"`
	Duplicate bool    `json:"duplicate,omitempty"`
}

// Check cleans a message and says what is wrong with it, if anything. User and platform names
// lose control characters and bidirectional controls (a "\u202Enimda" must not show as "admin");
// the text loses control characters but keeps its bidi controls, which moderation flags.
func (in *ChatIn) Check() error {
	if !utf8.ValidString(in.Text) || !utf8.ValidString(in.User) || !utf8.ValidString(in.Platform) || !utf8.ValidString(in.ID) {
		return errors.New("text, user, platform and id must be valid UTF-8")
	}
	rawUser := in.User
	in.Text = strings.TrimSpace(textnorm.CleanText(in.Text))
	in.User = textnorm.CleanLine(in.User)
	in.Platform = textnorm.CleanLine(in.Platform)
	in.ID = textnorm.CleanLine(in.ID)
	if in.Platform == "" {
		in.Platform = "api"
	}
	switch {
	case in.Text == "":
		return errors.New("text is empty")
	case utf8.RuneCountInString(in.Text) > MaxChatText:
		return fmt.Errorf("text is longer than %d characters", MaxChatText)
	case in.User == "" && strings.TrimSpace(rawUser) != "":
		return errors.New("user has no visible characters")
	case in.User == "":
		return errors.New("user is empty")
	case len(in.User) > MaxUserLen:
		return fmt.Errorf("user is %d bytes, longer than %d", len(in.User), MaxUserLen)
	case len(in.Platform) > 64:
		return fmt.Errorf("platform is %d bytes, longer than 64", len(in.Platform))
	case len(in.ID) > 200:
		return fmt.Errorf("id is %d bytes, longer than 200", len(in.ID))
	}
	return nil
}

// IngestChat moderates viewer messages, logs each with its verdict (and holds what moderation
// holds) in one append, and hands the allowed ones to the answer agent. When it returns without an
// error every message is durably logged. A bad message fails the whole batch, naming it, so that
// nothing of a bad batch is logged.
func (rt *Runtime) IngestChat(ctx context.Context, showID string, msgs []ChatIn) ([]ChatResult, error) {
	return rt.ingest(ctx, showID, msgs, "", show.ConnectorCursor{})
}

// ingest logs msgs; with a connector, cur is its cursor (and quota spend) after them.
func (rt *Runtime) ingest(ctx context.Context, showID string, msgs []ChatIn, connector string, cur show.ConnectorCursor) ([]ChatResult, error) {
	if len(msgs) == 0 {
		return nil, invalidf("no messages")
	}
	if len(msgs) > MaxChatBatch {
		return nil, invalidf("%d messages at once, more than %d", len(msgs), MaxChatBatch)
	}
	for i := range msgs {
		if err := msgs[i].Check(); err != nil {
			if len(msgs) > 1 {
				return nil, invalidf("message %d: %v", i, err)
			}
			return nil, invalidf("%v", err)
		}
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return nil, err
	}
	// Messages the show already logged are left out before moderation, whose flood rules would
	// count them; the append checks again, against what was logged meanwhile.
	results := make([]ChatResult, len(msgs))
	dup := make([]bool, len(msgs))
	ls.mu.Lock()
	for i, m := range msgs {
		if seq, ok := ls.st.seen.has(m.Platform, m.ID); ok {
			dup[i], results[i] = true, ChatResult{Seq: seq, ID: m.ID, Duplicate: true}
		}
	}
	ls.mu.Unlock()
	// Detection runs once per message, here: moderation needs it (a question many viewers ask is
	// no raid) and the answer agent gets it with the job.
	now := time.Now()
	qs := make([]Question, len(msgs))
	verdicts := make([]Verdict, len(msgs))
	for i, m := range msgs {
		if dup[i] {
			continue
		}
		qs[i] = rt.opt.Agents.Answerer.Detect(m.Text)
		t := time.Now()
		verdicts[i] = rt.opt.Agents.Moderator.ModerateChat(ChatMessage{Show: ls.id, Platform: m.Platform, User: m.User, Text: m.Text, At: now,
			Question: qs[i].IsQuestion && !qs[i].Injection})
		rt.m.verdictSecs.Observe(time.Since(t).Seconds())
		rt.m.verdicts.WithLabelValues(verdicts[i].Action).Inc()
	}
	// logged[i] is the index of message i's chat.received among the appended events, -1 if none.
	logged := make([]int, len(msgs))
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		evs := make([]show.NewEvent, 0, len(msgs)*3+1)
		batch := map[dedupKey]int64{}
		n := 0
		for i, m := range msgs {
			logged[i] = -1
			if dup[i] {
				continue
			}
			seq := next + int64(len(evs))
			if m.ID != "" {
				k := dedupKey{m.Platform, m.ID}
				first, ok := batch[k]
				if !ok {
					first, ok = v.seen.has(m.Platform, m.ID)
				}
				if ok {
					results[i] = ChatResult{Seq: first, ID: m.ID, Duplicate: true}
					continue
				}
				batch[k] = seq
			}
			logged[i] = n
			n++
			vd := verdicts[i]
			evs = append(evs,
				event(show.TypeChatReceived, show.ChatReceived{ID: m.ID, PlatformID: m.ID, Platform: m.Platform, User: m.User, Text: m.Text,
					Connector: connector, UserID: m.UserID, Badges: m.Badges, AmountMicros: m.AmountMicros, Currency: m.Currency, Kind: m.Kind, SentAt: m.SentAt}),
				event(show.TypeChatVerdict, show.ChatVerdict{ChatSeq: seq, Action: vd.Action, Categories: vd.Categories, Matches: vd.Matches, Rules: vd.Rules, Reason: vd.Reason}))
			if vd.Action == show.ActionHold {
				evs = append(evs, event(show.TypeChatHeld, show.ChatHeld{ChatSeq: seq, Platform: m.Platform, User: m.User, Text: m.Text,
					Reason: vd.Reason, Rules: vd.Rules, Categories: vd.Categories}))
			}
		}
		// The cursor goes with the messages it follows, so a restart resumes after them; so does
		// the quota spend, at no extra append.
		if connector != "" && n > 0 {
			if c := v.connectors.byName[connector]; c != nil {
				moved := cur.Cursor != "" && c.Cursor != cur.Cursor
				spent := !cur.QuotaResetsAt.IsZero() && (c.QuotaUsed != cur.QuotaUsed || !c.QuotaResetsAt.Equal(cur.QuotaResetsAt))
				if moved || spent {
					if cur.Cursor == "" {
						cur.Cursor = c.Cursor
					}
					cur.Name = connector
					evs = append(evs, event(show.TypeConnectorCursor, cur))
				}
			}
		}
		return evs, nil
	})
	if err != nil {
		return nil, err
	}
	var chats []show.Event
	for _, ev := range out {
		if ev.Type == show.TypeChatReceived {
			chats = append(chats, ev)
		}
	}
	rt.m.chatIngested.Add(float64(len(chats)))
	for i := range msgs {
		if logged[i] < 0 {
			rt.m.chatDuplicates.Inc()
			continue
		}
		ev := chats[logged[i]]
		results[i] = ChatResult{Seq: ev.Seq, ID: msgs[i].ID, Verdict: verdicts[i]}
		if verdicts[i].Action == show.ActionAllow && qs[i].IsQuestion {
			rt.offerAnswer(answerJob{show: ls.id, seq: ev.Seq, user: msgs[i].User, text: msgs[i].Text, q: qs[i], at: ev.At})
		}
	}
	return results, nil
}

// DecideHeld allows or denies a held message; an allowed question goes to the answer agent. It
// returns the decision's event.
func (rt *Runtime) DecideHeld(ctx context.Context, showID string, chatSeq int64, allow bool, by string) (show.Event, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return show.Event{}, err
	}
	var held HeldItem
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		h := v.held[chatSeq]
		if h == nil {
			return nil, notFoundf("message %d is not held (unknown, or already decided)", chatSeq)
		}
		held = *h
		typ := show.TypeChatDenied
		if allow {
			typ = show.TypeChatAllowed
		}
		return []show.NewEvent{event(typ, show.ChatDecision{ChatSeq: chatSeq, By: by})}, nil
	})
	if err != nil {
		return show.Event{}, err
	}
	if allow {
		if q := rt.opt.Agents.Answerer.Detect(held.Text); q.IsQuestion {
			rt.offerAnswer(answerJob{show: ls.id, seq: chatSeq, user: held.User, text: held.Text, q: q, at: out[0].At})
		}
	}
	ls.mu.Lock()
	rt.setQueueGauges(ls)
	ls.mu.Unlock()
	return out[0], nil
}

// HeldPage lists held messages after seq after that match f, oldest first, at most limit, with
// how many match in all: the console pages through a raid's thousands.
func (rt *Runtime) HeldPage(ctx context.Context, showID string, after int64, limit int, f HeldFilter) ([]HeldItem, int, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return nil, 0, err
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	page, total := ls.st.heldPage(after, limit, f)
	return page, total, nil
}

// DenyHeld denies every held message that matches f in one chat.bulk_denied event (a raid is
// cleared with one action, not thousands). A filter that selects nothing is ErrInvalid; one that
// matches nothing returns the count 0 and logs nothing.
func (rt *Runtime) DenyHeld(ctx context.Context, showID string, f HeldFilter, by string) (seq int64, count int, err error) {
	if f.User == "" && f.Rule == "" && f.Before.IsZero() {
		return 0, 0, invalidf("say which held messages to deny: a user, a rule, or an age")
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return 0, 0, err
	}
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		seqs := v.heldMatching(f)
		count = len(seqs)
		if count == 0 {
			return nil, nil
		}
		d := show.ChatBulkDecision{ChatSeqs: seqs, Count: count, By: by, User: f.User, Rule: f.Rule}
		if !f.Before.IsZero() {
			d.OlderMS = time.Since(f.Before).Milliseconds()
		}
		return []show.NewEvent{event(show.TypeChatBulkDenied, d)}, nil
	})
	if err != nil || len(out) == 0 {
		return 0, count, err
	}
	rt.m.heldDecided.WithLabelValues("bulk_denied").Add(float64(count))
	ls.mu.Lock()
	rt.setQueueGauges(ls)
	ls.mu.Unlock()
	return out[0].Seq, count, nil
}

// expireHeld ends the wait of held messages nobody decided within the held TTL, in one event.
func (rt *Runtime) expireHeld(ctx context.Context, ls *liveShow) (int, error) {
	n := 0
	_, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		seqs := v.heldMatching(HeldFilter{Before: time.Now().Add(-rt.opt.HeldTTL)})
		n = len(seqs)
		if n == 0 {
			return nil, nil
		}
		return []show.NewEvent{event(show.TypeChatHeldExpired, show.ChatBulkDecision{ChatSeqs: seqs, Count: n,
			OlderMS: rt.opt.HeldTTL.Milliseconds(), Reason: "no moderator decided within the held time"})}, nil
	})
	if n > 0 && err == nil {
		rt.m.heldDecided.WithLabelValues("expired").Add(float64(n))
	}
	return n, err
}
