package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	onAir string
	at    time.Time // when the message was logged, for the draft latency histogram
}

// offerAnswer queues a job without ever blocking ingest: when the agent is that far behind, the
// message is logged and moderated but gets no draft (counted in a metric).
func (s *Server) offerAnswer(j answerJob) {
	select {
	case s.answerQ <- j:
		s.m.queueDepth.WithLabelValues("answer").Set(float64(len(s.answerQ)))
	default:
		s.m.pipelineDrops.Inc()
	}
}

// answerWorker is the answer agent: a consumer of logged chat that appends question.detected,
// draft.created, crosssell.suggested and, under the auto-approve policy, the approval and
// publication. It takes jobs in batches so that one append carries a whole batch per show.
func (s *Server) answerWorker() {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		var batch []answerJob
		select {
		case j := <-s.answerQ:
			batch = append(batch, j)
		case <-s.quit:
			return
		}
	drain:
		for len(batch) < 256 {
			select {
			case j := <-s.answerQ:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		s.m.queueDepth.WithLabelValues("answer").Set(float64(len(s.answerQ)))
		byShow := map[string][]answerJob{}
		var order []string
		for _, j := range batch {
			if _, ok := byShow[j.show]; !ok {
				order = append(order, j.show)
			}
			byShow[j.show] = append(byShow[j.show], j)
		}
		for _, id := range order {
			s.answerShow(ctx, id, byShow[id])
		}
	}
}

// drafted is one question's outcome, prepared outside the show's lock.
type drafted struct {
	job  answerJob
	q    Question
	a    Answer
	xs   []string
	xsTx string
}

func (s *Server) answerShow(ctx context.Context, showID string, jobs []answerJob) {
	rt, err := s.runtime(ctx, showID)
	if err != nil {
		s.log.Warn("answer agent: show gone", "show", showID, "err", err)
		return
	}
	rt.mu.Lock()
	onAir, lineup := rt.v.OnAir, append([]string{}, rt.v.Show.Lineup...)
	rt.mu.Unlock()

	var work []drafted
	for _, j := range jobs {
		if j.onAir != "" {
			if s.opt.CrossSell != nil {
				skus, prompt := s.opt.CrossSell.CrossSell(ctx, j.onAir, 3)
				if len(skus) > 0 {
					work = append(work, drafted{job: j, xs: skus, xsTx: prompt})
				}
			}
			continue
		}
		q := s.opt.Answerer.Detect(j.text)
		if !q.IsQuestion {
			continue
		}
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		a, err := s.opt.Answerer.Answer(actx, AnswerRequest{Text: j.text, OnAir: onAir, Lineup: lineup})
		cancel()
		if err != nil {
			s.log.Warn("answer agent: no draft", "show", showID, "chat_seq", j.seq, "err", err)
			continue
		}
		if !a.IsQuestion || strings.TrimSpace(a.Text) == "" {
			continue
		}
		d := drafted{job: j, q: q, a: a}
		if s.opt.CrossSell != nil && a.SKU != "" && len(a.CrossSell) == 0 {
			d.xs, d.xsTx = s.opt.CrossSell.CrossSell(ctx, a.SKU, 2)
		} else if a.SKU != "" {
			d.xs = a.CrossSell
		}
		work = append(work, d)
	}
	if len(work) == 0 {
		return
	}
	var newDrafts []string
	_, err = s.appendEvents(ctx, rt, func(v *view, next int64) ([]show.NewEvent, error) {
		newDrafts = newDrafts[:0]
		var evs []show.NewEvent
		now := time.Now()
		for _, w := range work {
			if w.job.onAir != "" || (w.a.Text == "" && len(w.xs) > 0) {
				evs = append(evs, event(show.TypeCrossSellSuggested, show.CrossSellSuggested{SKU: w.job.onAir, Suggestions: w.xs, Text: w.xsTx}))
				continue
			}
			a := w.a
			evs = append(evs, event(show.TypeQuestionDetected, show.QuestionDetected{ChatSeq: w.job.seq, Intent: a.Intent, SKU: a.SKU, Lang: w.q.Lang}))
			key := dedupeKey(a, w.job.text)
			id, dup := v.openKey[key]
			if !dup {
				id = newDraftID()
				newDrafts = append(newDrafts, id)
			}
			evs = append(evs, encodeDraft(id, key, w.job, a))
			// Fold forward so a repeat later in this batch joins this draft.
			v.openKey[key] = id
			if !dup && s.opt.AutoApprove != nil && s.opt.AutoApprove(a) {
				evs = append(evs,
					event(show.TypeDraftApproved, show.DraftAction{DraftID: id, By: "auto", Text: a.Text, Reason: "auto-approve policy"}),
					event(show.TypeDraftPublished, show.DraftPublished{DraftID: id, Text: a.Text, By: "auto", To: []string{"chat", "host"}}))
				delete(v.openKey, key)
			}
			if len(w.xs) > 0 && now.Sub(v.lastXSell[a.SKU]) > 5*time.Minute {
				evs = append(evs, event(show.TypeCrossSellSuggested, show.CrossSellSuggested{SKU: a.SKU, Suggestions: w.xs, Text: w.xsTx, ChatSeq: w.job.seq}))
				v.lastXSell[a.SKU] = now
			}
		}
		return evs, nil
	})
	if err != nil {
		s.log.Error("answer agent: append drafts", "show", showID, "err", err)
		return
	}
	s.mu.Lock()
	for _, id := range newDrafts {
		s.drafts[id] = showID
	}
	s.mu.Unlock()
	done := time.Now()
	for _, w := range work {
		if w.job.onAir == "" {
			s.m.draftSecs.Observe(done.Sub(w.job.at).Seconds())
			s.m.drafts.WithLabelValues("created").Inc()
		}
	}
	rt.mu.Lock()
	s.setQueueGauges(rt)
	rt.mu.Unlock()
}

// draftCreated is show.DraftCreated with the server's extra fields.
type draftCreated struct {
	show.DraftCreated
	draftExtra
}

func encodeDraft(id, key string, j answerJob, a Answer) show.NewEvent {
	return event(show.TypeDraftCreated, draftCreated{
		DraftCreated: show.DraftCreated{DraftID: id, ChatSeq: j.seq, Question: j.text, User: j.user, Text: a.Text,
			SKU: a.SKU, Intent: a.Intent, Facts: a.Facts, Confidence: a.Confidence, Engine: a.Engine},
		draftExtra: draftExtra{NeedsReview: a.NeedsReview, Key: key},
	})
}

// dedupeKey makes the same question asked many times one draft: same product and intent, or for
// questions without a clear intent the same folded text.
func dedupeKey(a Answer, text string) string {
	if a.Intent != "" && a.Intent != "other" && a.Intent != "none" {
		return a.SKU + "|" + a.Intent
	}
	return a.SKU + "|t|" + approval.Normalize(text)
}

func newDraftID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "d_" + hex.EncodeToString(b[:])
}

// setQueueGauges publishes a show's queue depths; call with rt.mu held.
func (s *Server) setQueueGauges(rt *showRuntime) {
	s.m.queueDepth.WithLabelValues("drafts_pending").Set(float64(rt.v.pendingDrafts()))
	s.m.queueDepth.WithLabelValues("held").Set(float64(len(rt.v.held)))
}

// expireDrafts marks drafts that waited longer than DraftTTL as expired, every interval.
func (s *Server) expireDrafts(interval time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		s.mu.Lock()
		rts := make([]*showRuntime, 0, len(s.shows))
		for _, rt := range s.shows {
			rts = append(rts, rt)
		}
		s.mu.Unlock()
		for _, rt := range rts {
			rt.mu.Lock()
			due := rt.v.expiredDrafts(time.Now(), s.opt.DraftTTL)
			rt.mu.Unlock()
			if len(due) == 0 {
				continue
			}
			_, err := s.appendEvents(s.qctx, rt, func(v *view, next int64) ([]show.NewEvent, error) {
				var evs []show.NewEvent
				for _, id := range v.expiredDrafts(time.Now(), s.opt.DraftTTL) {
					evs = append(evs, event(show.TypeDraftExpired, show.DraftAction{DraftID: id, By: "system", Reason: "no moderator decision in time"}))
				}
				return evs, nil
			})
			if err != nil && !errors.Is(err, errServerClosed) && !errors.Is(err, context.Canceled) {
				s.log.Error("expire drafts", "show", rt.id, "err", err)
				continue
			}
			s.m.drafts.WithLabelValues("expired").Add(float64(len(due)))
			rt.mu.Lock()
			s.setQueueGauges(rt)
			rt.mu.Unlock()
		}
	}
}
