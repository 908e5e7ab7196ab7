package live

import (
	"context"
	"errors"
	"time"

	"github.com/livehost/livehost/show"
)

// Several nodes share shows (Options.Clustered): every node folds every show it serves, but only
// the show's owner appends to it and runs its agents. Shows start as followers, folded from the
// log through the store's subscription (which another node's events reach through the bus between
// nodes); Adopt makes this node the writer, Release hands the show back. Who owns what is decided
// outside (package cluster, under a lease); the runtime only refuses to write a show it does not
// own, with ErrNotOwner, so that a stale caller can go to the right node.

// Adopt makes this node the show's writer: its state is caught up with the log (the previous
// owner's last appends included) and the questions still waiting for an answer are queued again.
// Call it only while holding the show's lease.
func (rt *Runtime) Adopt(ctx context.Context, showID string) error {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return err
	}
	ls.stopFollowing()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.owned.Load() {
		return nil
	}
	if err := rt.catchUp(ctx, ls); err != nil {
		rt.followLocked(ls)
		return unavailable("event log", "adopting show "+showID, err)
	}
	ls.owned.Store(true)
	rt.m.owned.Inc()
	rt.requeueQuestions(ls)
	return nil
}

// Release stops writing the show: appends already taken finish, later ones fail with ErrNotOwner,
// and the show goes back to following the log. Call it before giving up the show's lease.
func (rt *Runtime) Release(ctx context.Context, showID string) {
	rt.mu.Lock()
	ls := rt.shows[showID]
	rt.mu.Unlock()
	if ls == nil {
		return
	}
	ls.mu.Lock()
	was := ls.owned.Swap(false)
	ls.mu.Unlock()
	if was {
		rt.m.owned.Dec()
		// A no-op through the appender: every request it took before the flag fell is committed.
		_, _ = rt.appendEvents(ctx, ls, func(*State, int64) ([]show.NewEvent, error) { return nil, nil })
	}
	ls.mu.Lock()
	rt.followLocked(ls)
	ls.mu.Unlock()
}

// Owns reports whether this node writes the show: always in a single process.
func (rt *Runtime) Owns(showID string) bool {
	if !rt.opt.Clustered {
		return true
	}
	rt.mu.Lock()
	ls := rt.shows[showID]
	rt.mu.Unlock()
	return ls != nil && ls.owned.Load()
}

// notOwner is the error of a write to a show this node does not own.
func notOwner(showID string) error {
	return &Error{Kind: ErrNotOwner, Msg: "show " + showID + " is run by another node"}
}

// catchUp folds the log's events after the state's last seq; call with ls.mu held.
func (rt *Runtime) catchUp(ctx context.Context, ls *liveShow) error {
	for {
		evs, err := rt.store.Read(ctx, ls.id, ls.st.LastSeq, show.ReadLimit)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			rt.applyRemote(ls, ev)
		}
		if len(evs) < show.ReadLimit {
			return nil
		}
	}
}

// applyRemote folds an event another node appended; call with ls.mu held. Unlike this node's own
// appends, whose builds already changed the approval queue, its draft changes are replayed.
func (rt *Runtime) applyRemote(ls *liveShow, ev show.Event) {
	if ev.Seq != ls.st.LastSeq+1 {
		return
	}
	ls.st.drafts.replaying = true
	ls.st.Apply(ev)
	ls.st.drafts.replaying = false
	if ev.Type == show.TypeDraftCreated {
		var p show.DraftCreated
		if ev.Decode(&p) == nil {
			rt.mu.Lock()
			rt.drafts[p.DraftID] = ls.id
			rt.mu.Unlock()
		}
	}
}

// followLocked starts folding the show from the log; call with ls.mu held.
func (rt *Runtime) followLocked(ls *liveShow) {
	if ls.follow != nil {
		return
	}
	ctx, cancel := context.WithCancel(rt.qctx)
	done := make(chan struct{})
	ls.follow, ls.followDone = cancel, done
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		defer close(done)
		rt.follow(ctx, ls)
	}()
}

func (rt *Runtime) follow(ctx context.Context, ls *liveShow) {
	for ctx.Err() == nil {
		ls.mu.Lock()
		after := ls.st.LastSeq
		ls.mu.Unlock()
		sub, err := rt.store.Subscribe(ctx, ls.id, after, 0)
		if err == nil {
			for ev := range sub.C() {
				if ev.Seq == 0 {
					continue // a resync marker: the events after it come from the log
				}
				ls.mu.Lock()
				rt.applyRemote(ls, ev)
				ls.mu.Unlock()
			}
			err = sub.Err()
			sub.Close()
		}
		if err != nil && ctx.Err() == nil {
			rt.log.Warn("follow show", "show", ls.id, "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// stopFollowing ends the show's follower and waits for it.
func (ls *liveShow) stopFollowing() {
	ls.mu.Lock()
	cancel, done := ls.follow, ls.followDone
	ls.follow, ls.followDone = nil, nil
	ls.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// requeueQuestions hands the answer agent the allowed questions of the recent chat that no node
// has answered yet and that are not stale; call with ls.mu held.
func (rt *Runtime) requeueQuestions(ls *liveShow) {
	now := time.Now()
	for _, c := range ls.st.chat {
		if c.Verdict == nil || c.Verdict.Action != show.ActionAllow || ls.st.answered.has(c.Seq) || now.Sub(c.At) > rt.opt.AnswerStaleAfter {
			continue
		}
		q := rt.opt.Agents.Answerer.Detect(c.Text)
		if q.IsQuestion && !q.Injection {
			rt.offerAnswer(answerJob{show: ls.id, seq: c.Seq, user: c.User, text: c.Text, q: q, at: c.At})
		}
	}
}

// errNotOwner reports whether err says another node owns the show.
func errNotOwner(err error) bool { return errors.Is(err, ErrNotOwner) }
