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
			if w.job.onAir != "" {
				evs = append(evs, event(show.TypeCrossSellSuggested, show.CrossSellSuggested{SKU: w.job.onAir, Suggestions: w.xs, Text: w.xsTx}))
				continue
			}
			a := w.a
			evs = append(evs, event(show.TypeQuestionDetected, show.QuestionDetected{ChatSeq: w.job.seq, Intent: a.Intent, SKU: a.SKU, Lang: w.q.Lang}))
			// The approval queue counts a repeat on the pending draft, or creates a draft and
			// approves it at once when the show's policy allows.
			facts := make([]approval.Fact, len(a.Facts))
			for i, f := range a.Facts {
				facts[i] = approval.Fact{Field: f.Field, Value: f.Value}
			}
			_, changes, err := v.drafts.q.Submit(approval.Proposal{
				Show: rt.id, Question: approval.Question{Seq: w.job.seq, User: w.job.user, Text: w.job.text, At: w.job.at},
				SKU: a.SKU, Intent: a.Intent, Text: a.Text, Facts: facts, Engine: a.Engine, Confidence: a.Confidence, NeedsReview: a.NeedsReview,
			})
			if err != nil {
				s.log.Warn("answer agent: draft refused by the approval queue", "show", rt.id, "chat_seq", w.job.seq, "err", err)
				continue
			}
			for _, ch := range changes {
				if ch.Kind == approval.KindCreated {
					newDrafts = append(newDrafts, ch.Draft)
				}
			}
			evs = append(evs, changeEvents(changes)...)
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

func newDraftID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "d_" + hex.EncodeToString(b[:])
}

// setQueueGauges publishes a show's queue depths; call with rt.mu held.
func (s *Server) setQueueGauges(rt *showRuntime) {
	s.m.queueDepth.WithLabelValues("drafts_pending").Set(float64(rt.v.drafts.pending()))
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
			expired := 0
			_, err := s.appendEvents(s.qctx, rt, func(v *view, next int64) ([]show.NewEvent, error) {
				changes := v.drafts.q.ExpireDue()
				expired = len(changes)
				return changeEvents(changes), nil
			})
			if err != nil && !errors.Is(err, errServerClosed) && !errors.Is(err, context.Canceled) {
				s.log.Error("expire drafts", "show", rt.id, "err", err)
				continue
			}
			if expired == 0 {
				continue
			}
			s.m.drafts.WithLabelValues("expired").Add(float64(expired))
			rt.mu.Lock()
			s.setQueueGauges(rt)
			rt.mu.Unlock()
		}
	}
}
