package live

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/show"
)

// answerJob is a chat message for the answer agent (a question is drafted) or, with onAir set,
// a product that went on air (cross-sell is suggested for it).
type answerJob struct {
	show  string
	seq   int64
	user  string
	text  string
	q     Question // detection's result, from ingest
	onAir string
	at    time.Time // when the message was logged, for the draft latency histogram
}

// offerAnswer queues a job without ever blocking ingest: when the agent is that far behind, the
// message is logged and moderated but gets no draft (counted in a metric).
func (rt *Runtime) offerAnswer(j answerJob) {
	select {
	case rt.answerQ <- j:
		rt.m.queueDepth.WithLabelValues("answer").Set(float64(len(rt.answerQ)))
	default:
		rt.m.pipelineDrops.WithLabelValues("queue_full").Inc()
	}
}

// answerWorker is the answer agent: a consumer of logged chat that appends question.detected,
// draft.created, crosssell.suggested and, under the auto-approve policy, the approval and
// publication. It takes jobs in batches so that one append carries a whole batch per show.
func (rt *Runtime) answerWorker() {
	defer rt.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		var batch []answerJob
		select {
		case j := <-rt.answerQ:
			batch = append(batch, j)
		case <-rt.quit:
			return
		}
	drain:
		for len(batch) < 256 {
			select {
			case j := <-rt.answerQ:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		rt.m.queueDepth.WithLabelValues("answer").Set(float64(len(rt.answerQ)))
		byShow := map[string][]answerJob{}
		var order []string
		for _, j := range batch {
			if _, ok := byShow[j.show]; !ok {
				order = append(order, j.show)
			}
			byShow[j.show] = append(byShow[j.show], j)
		}
		for _, id := range order {
			rt.answerShow(ctx, id, byShow[id])
		}
	}
}

// drafted is one question's outcome, prepared outside the show's lock.
type drafted struct {
	job  answerJob
	a    Answer
	xs   []string
	xsTx string
}

// crossSellEvery is how often cross-sell is suggested for one product at most: the host should
// hear it, not hear it after every question.
const crossSellEvery = 5 * time.Minute

func (rt *Runtime) answerShow(ctx context.Context, showID string, jobs []answerJob) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		rt.log.Warn("answer agent: show gone", "show", showID, "err", err)
		return
	}
	ls.mu.Lock()
	onAir, lineup := ls.st.OnAir, append([]string{}, ls.st.Show.Lineup...)
	lastXSell := make(map[string]time.Time, len(ls.st.lastXSell))
	for k, v := range ls.st.lastXSell {
		lastXSell[k] = v
	}
	ls.mu.Unlock()

	// Cross-sell is decided here and only here: for a product put on air, and for the product a
	// question is about, at most once per crossSellEvery per product.
	crossSell := func(sku string, n int) ([]string, string) {
		if rt.opt.Agents.CrossSell == nil || sku == "" || time.Since(lastXSell[sku]) < crossSellEvery {
			return nil, ""
		}
		skus, prompt := rt.opt.Agents.CrossSell.CrossSell(ctx, sku, n)
		if len(skus) > 0 {
			lastXSell[sku] = time.Now()
		}
		return skus, prompt
	}
	var work []drafted
	now := time.Now()
	for _, j := range jobs {
		if j.onAir == "" && now.Sub(j.at) > rt.opt.AnswerStaleAfter {
			rt.m.pipelineDrops.WithLabelValues("stale").Inc()
			continue
		}
		if j.onAir != "" {
			if rt.opt.Agents.CrossSell != nil {
				// A product going on air gets its suggestions whatever the throttle says.
				if skus, prompt := rt.opt.Agents.CrossSell.CrossSell(ctx, j.onAir, 3); len(skus) > 0 {
					lastXSell[j.onAir] = time.Now()
					work = append(work, drafted{job: j, xs: skus, xsTx: prompt})
				}
			}
			continue
		}
		if !j.q.IsQuestion {
			continue
		}
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		a, err := rt.opt.Agents.Answerer.Answer(actx, AnswerRequest{Text: j.text, Question: j.q, OnAir: onAir, Lineup: lineup})
		cancel()
		if err != nil {
			rt.log.Warn("answer agent: no draft", "show", showID, "chat_seq", j.seq, "err", err)
			continue
		}
		if !a.IsQuestion || strings.TrimSpace(a.Text) == "" {
			continue
		}
		d := drafted{job: j, a: a}
		d.xs, d.xsTx = crossSell(a.SKU, 2)
		work = append(work, d)
	}
	if len(work) == 0 {
		return
	}
	var newDrafts []string
	expired := 0
	_, err = rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		newDrafts = newDrafts[:0]
		var evs []show.NewEvent
		for _, w := range work {
			if w.job.onAir != "" {
				evs = append(evs, event(show.TypeCrossSellSuggested, show.CrossSellSuggested{SKU: w.job.onAir, Suggestions: w.xs, Text: w.xsTx}))
				continue
			}
			a := w.a
			if v.answered.has(w.job.seq) {
				continue // taken before (by this node or the show's previous owner)
			}
			v.answered.add(w.job.seq) // a repeat of this job later in the batch
			evs = append(evs, event(show.TypeQuestionDetected, show.QuestionDetected{ChatSeq: w.job.seq, Intent: a.Intent, SKU: a.SKU, Lang: w.job.q.Lang}))
			// The approval queue counts a repeat on the pending draft, or creates a draft and
			// approves it at once when the show's policy allows.
			facts := make([]approval.Fact, len(a.Facts))
			for i, f := range a.Facts {
				facts[i] = approval.Fact{Field: f.Field, Value: f.Value}
			}
			_, changes, err := v.drafts.q.Submit(approval.Proposal{
				Show: ls.id, Question: approval.Question{Seq: w.job.seq, User: w.job.user, Text: w.job.text, At: w.job.at},
				SKU: a.SKU, Intent: a.Intent, Text: a.Text, Facts: facts, Engine: a.Engine, Confidence: a.Confidence,
				NeedsReview: a.NeedsReview, Fallback: a.Fallback,
			})
			if err != nil {
				rt.log.Warn("answer agent: draft refused by the approval queue", "show", ls.id, "chat_seq", w.job.seq, "err", err)
				continue
			}
			for _, ch := range changes {
				if ch.Kind == approval.KindCreated {
					newDrafts = append(newDrafts, ch.Draft)
				}
			}
			evs = append(evs, changeEvents(changes)...)
			if len(w.xs) > 0 {
				evs = append(evs, event(show.TypeCrossSellSuggested, show.CrossSellSuggested{SKU: a.SKU, Suggestions: w.xs, Text: w.xsTx, ChatSeq: w.job.seq}))
			}
		}
		// A raid of questions must not grow the queue without bound: the oldest unclaimed drafts
		// beyond the cap expire, each with its event.
		overflow := v.drafts.q.ExpireOverflow(ls.id, rt.opt.MaxPendingDrafts)
		expired = len(overflow)
		evs = append(evs, changeEvents(overflow)...)
		return evs, nil
	})
	if errNotOwner(err) || errors.Is(err, ErrClosed) {
		// The show moved to another node, or this process is stopping: the show's next owner
		// queues the questions that have no answer yet (Adopt).
		rt.log.Info("answer agent: questions left to the show's next owner", "show", showID, "questions", len(work), "why", err)
		return
	}
	if err != nil {
		rt.log.Error("answer agent: append drafts", "show", showID, "err", err)
		return
	}
	rt.mu.Lock()
	for _, id := range newDrafts {
		rt.drafts[id] = showID
	}
	rt.mu.Unlock()
	if expired > 0 {
		rt.m.drafts.WithLabelValues("expired").Add(float64(expired))
	}
	done := time.Now()
	for _, w := range work {
		if w.job.onAir == "" {
			rt.m.draftSecs.Observe(done.Sub(w.job.at).Seconds())
			rt.m.drafts.WithLabelValues("created").Inc()
		}
	}
	ls.mu.Lock()
	rt.setQueueGauges(ls)
	ls.mu.Unlock()
}

// setQueueGauges publishes a show's queue depths; call with ls.mu held.
func (rt *Runtime) setQueueGauges(ls *liveShow) {
	rt.m.queueDepth.WithLabelValues("drafts_pending").Set(float64(ls.st.drafts.pending()))
	rt.m.queueDepth.WithLabelValues("held").Set(float64(len(ls.st.held)))
}

// housekeeping expires drafts and held messages that waited too long, and lets decided drafts
// beyond the newest KeepDecidedDrafts leave memory, every interval.
func (rt *Runtime) housekeeping(interval time.Duration) {
	defer rt.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-rt.quit:
			return
		case <-t.C:
		}
		rt.mu.Lock()
		rts := make([]*liveShow, 0, len(rt.shows))
		for _, ls := range rt.shows {
			rts = append(rts, ls)
		}
		rt.mu.Unlock()
		for _, ls := range rts {
			if rt.opt.Clustered && !ls.owned.Load() {
				continue // its owner keeps it
			}
			if rt.opt.HeldTTL > 0 {
				if _, err := rt.expireHeld(rt.qctx, ls); err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled) {
					rt.log.Error("expire held messages", "show", ls.id, "err", err)
				}
			}
			if rt.opt.DraftTTL <= 0 {
				continue
			}
			expired := 0
			_, err := rt.appendEvents(rt.qctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
				changes := v.drafts.q.ExpireDue()
				expired = len(changes)
				return changeEvents(changes), nil
			})
			if err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled) {
				rt.log.Error("expire drafts", "show", ls.id, "err", err)
				continue
			}
			rt.m.drafts.WithLabelValues("expired").Add(float64(expired))
			ls.mu.Lock()
			gone := ls.st.drafts.forget(rt.opt.KeepDecidedDrafts)
			rt.setQueueGauges(ls)
			ls.mu.Unlock()
			rt.forgetDrafts(gone)
		}
	}
}

// forgetDrafts drops drafts a show no longer keeps from the draft → show index.
func (rt *Runtime) forgetDrafts(ids []string) {
	if len(ids) == 0 {
		return
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, id := range ids {
		delete(rt.drafts, id)
	}
}
