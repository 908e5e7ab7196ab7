package avatar

import (
	"context"
	"time"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// talkStream is one streamed completion of the LLM writer for a product segment: its sentences
// arrive on ch as they complete; err is set before ch closes.
type talkStream struct {
	sku      string
	ch       chan string
	done     chan struct{} // closed after ch: the completion is over
	err      error
	n        int       // sentences taken
	deadline time.Time // when the next sentence is late
	cancel   context.CancelFunc
}

func (s *talkStream) stop() { s.cancel() }

// WriterLLM is the AvatarUtterance.Writer of lines the LLM writer wrote.
const WriterLLM = "llm"

// startTalk starts the LLM writer on the product on air; extra are lines about to be said that
// the memory does not hold yet. Run goroutine only.
func (r *runner) startTalk(ctx context.Context, sku string, extra []string) *talkStream {
	p, ok, err := r.m.opt.Products.Get(ctx, sku)
	if err != nil || !ok {
		return nil
	}
	req := TalkRequest{Lang: r.lang(), Product: p, Related: r.related(ctx, p)}
	r.mu.Lock()
	req.Summary, req.Recent = r.mem.summary(), append(r.mem.recent(), extra...)
	r.mu.Unlock()
	if n := len(req.Recent) - r.m.opt.Memory; n > 0 {
		req.Recent = req.Recent[n:]
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &talkStream{sku: sku, ch: make(chan string, 16), done: make(chan struct{}), deadline: time.Now().Add(r.m.opt.TalkBudget), cancel: cancel}
	r.m.wg.Add(1)
	go func() {
		defer r.m.wg.Done()
		defer cancel()
		s.err = r.m.opt.Talker.Talk(sctx, req, func(t string) bool {
			select {
			case s.ch <- t:
				return true
			case <-sctx.Done():
				return false
			}
		})
		close(s.ch)
		close(s.done)
	}()
	return s
}

// finished says the completion is over, all its sentences taken, and it did not fail.
func (s *talkStream) finished() bool {
	select {
	case <-s.done:
		return len(s.ch) == 0 && s.err == nil
	default:
		return false
	}
}

// stopTalk abandons the LLM writer's stream (the segment moved on, the runner stops).
func (r *runner) stopTalk() {
	if r.talk != nil {
		r.talk.stop()
		r.talk = nil
	}
}

// llmTalk is the LLM writer's next sentence about the product on air. With none, offline says
// whether the offline writer speaks instead (the writer failed or was late: logged as
// avatar.fallback, and not asked again for TalkRetry) or nothing is said now (something else
// came in to be said first). alt is the offline wording a sentence the gate refuses is replaced
// by. Run goroutine only.
func (r *runner) llmTalk(ctx context.Context, sku string, alt []string) (it *item, offline bool) {
	r.mu.Lock()
	waitOut := r.m.clock.Now().Before(r.llmRetryAt)
	r.mu.Unlock()
	if waitOut || sku == "" {
		r.stopTalk()
		return nil, true
	}
	if r.talk != nil && r.talk.sku != sku {
		r.stopTalk()
	}
	// Bounded, so that a model that only repeats itself cannot hold the show.
	streams, repeats := 0, 0
	for {
		if r.talk == nil {
			if streams++; streams > 3 {
				return nil, true
			}
			if r.talk = r.startTalk(ctx, sku, nil); r.talk == nil {
				return nil, true
			}
		}
		s := r.talk
		timer := time.NewTimer(time.Until(s.deadline))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, false
		case <-r.wake:
			// An answer or a moderator's line came in: it goes first; the stream carries on.
			timer.Stop()
			r.poke()
			return nil, false
		case <-timer.C:
			r.stopTalk()
			r.talkFailed(ctx, "timeout: no sentence within "+r.m.opt.TalkBudget.String())
			return nil, true
		case t, ok := <-s.ch:
			timer.Stop()
			if !ok {
				r.talk = nil
				switch {
				case s.err != nil:
					r.talkFailed(ctx, talkFailure(s.err))
					return nil, true
				case s.n == 0:
					r.talkFailed(ctx, "empty: the model wrote nothing")
					return nil, true
				}
				continue // finished: write on
			}
			s.n++
			s.deadline = time.Now().Add(r.m.opt.TalkBudget)
			r.mu.Lock()
			said, refused := r.vari.recent(t), r.refused.recent(t)
			r.mu.Unlock()
			if said || refused {
				why := "said within the variety window"
				if !said {
					why = "refused by the gate within the variety window"
				}
				r.logSkippedNow(ctx, show.AvatarSkipped{Action: "dropped", Text: t, Reason: why, Kind: KindTalk})
				if repeats++; repeats > 20 {
					r.stopTalk()
					r.talkFailed(ctx, "the model keeps repeating itself")
					return nil, true
				}
				continue
			}
			if s.finished() {
				// This is the completion's last sentence: the next one is written while it is spoken.
				r.talk = r.startTalk(ctx, sku, []string{t})
			}
			return &item{kind: KindTalk, text: t, sku: sku, variants: alt, writer: WriterLLM}, false
		}
	}
}

// talkFailed logs that the offline writer takes over, and why.
func (r *runner) talkFailed(ctx context.Context, reason string) {
	r.mu.Lock()
	r.llmRetryAt = r.m.clock.Now().Add(r.m.opt.TalkRetry)
	r.mu.Unlock()
	r.m.m.writerFallback.Inc()
	if _, err := r.m.rt.AppendAvatar(ctx, r.id, nil, live.AvatarEvent(show.TypeAvatarFallback,
		show.AvatarFallback{Engine: WriterLLM, Next: "offline", Reason: reason})); err != nil && ctx.Err() == nil {
		r.m.log.Warn("avatar: log writer fallback", "show", r.id, "err", err)
	}
}
