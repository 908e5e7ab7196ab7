package avatar

import (
	"time"

	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/textnorm"
)

// The runner's state is folded from the show's log, like the runtime's: a restart reads the log
// and carries on at the same segment, with the same variety window and the same questions
// answered.

// Runner states.
const (
	StateIdle    = "idle" // never started
	StateRunning = "running"
	StatePaused  = "paused"
	StateStopped = "stopped"
)

// draftInfo is what the runner remembers of a drafted answer until it is published.
type draftInfo struct {
	chatSeq  int64
	sku      string
	question string
	user     string
	askers   int
	seen     time.Time
}

// question is a published answer waiting to be spoken.
type question struct {
	draftInfo
	draftID string
	text    string
}

// maxDrafts bounds the drafts remembered (a draft that never gets published is forgotten, oldest
// first), maxQueue the answers waiting, maxAnswered the chat seqs remembered as answered: memory
// stays flat however long the show runs.
const (
	maxDrafts   = 2000
	maxQueue    = 200
	maxAnswered = 5000
)

// apply folds one event in; live says it arrived now (not replayed at start), so a published
// answer is queued.
func (r *runner) apply(ev show.Event, live bool) {
	if ev.Seq <= r.lastSeq {
		return
	}
	r.lastSeq = ev.Seq
	now := r.m.clock.Now()
	if !live {
		now = ev.At
	}
	switch ev.Type {
	case show.TypeShowCreated, show.TypeShowUpdated:
		var p show.ShowUpdated
		if ev.Decode(&p) == nil {
			if p.Mode != "" {
				r.mode = p.Mode
			}
			r.lineup = p.Lineup
		}
	case show.TypeProductOnAir:
		var p show.ProductOnAir
		if ev.Decode(&p) == nil {
			r.onAir = p.SKU
		}
	case show.TypeAvatarPlan:
		var p show.AvatarPlan
		if ev.Decode(&p) == nil {
			r.plan, r.hasPlan = p, true
			r.seg, r.loop, r.segStarted = 0, 0, false
		}
	case show.TypeAvatarState:
		var p show.AvatarState
		if ev.Decode(&p) == nil {
			r.state = p.State
		}
	case show.TypeAvatarSegment:
		var p show.AvatarSegment
		if ev.Decode(&p) == nil {
			r.seg, r.loop = p.Index, p.Loop
			if !live {
				r.segStarted = false // begin the segment again after a restart
			}
		}
	case show.TypeAvatarUtterance:
		var p show.AvatarUtterance
		if ev.Decode(&p) == nil {
			if p.ChatSeq != 0 {
				r.markAnswered(p.ChatSeq)
			}
			r.mem.add(p)
			if windowed(p.Kind) && !live && p.Part == 0 {
				r.vari.add(spokenSentence(p)) // live, speak has added it already
			}
		}
	case show.TypeAvatarSkipped:
		var p show.AvatarSkipped
		if ev.Decode(&p) == nil && p.ChatSeq != 0 {
			r.markAnswered(p.ChatSeq)
		}
	case show.TypeDraftCreated:
		var p show.DraftCreated
		if ev.Decode(&p) == nil && p.ChatSeq != 0 {
			r.drafts[p.DraftID] = &draftInfo{chatSeq: p.ChatSeq, sku: p.SKU, question: p.Question, user: p.User, askers: 1, seen: now}
			r.draftOrder = append(r.draftOrder, p.DraftID)
			if len(r.draftOrder) > maxDrafts {
				delete(r.drafts, r.draftOrder[0])
				r.draftOrder = r.draftOrder[1:]
			}
		}
	case show.TypeDraftAsked:
		var p show.DraftAsked
		if ev.Decode(&p) == nil {
			if d := r.drafts[p.DraftID]; d != nil {
				d.askers++
			}
			// A repeat of an answer already published and waiting to be spoken counts on it.
			for _, q := range r.queue {
				if q.draftID == p.DraftID {
					q.askers++
				}
			}
			if p.ChatSeq != 0 {
				r.markAnswered(p.ChatSeq)
			}
		}
	case show.TypeDraftRejected, show.TypeDraftExpired:
		var p show.DraftAction
		if ev.Decode(&p) == nil {
			delete(r.drafts, p.DraftID)
		}
	case show.TypeDraftPublished:
		var p show.DraftPublished
		if ev.Decode(&p) == nil {
			d := r.drafts[p.DraftID]
			delete(r.drafts, p.DraftID)
			if d == nil || r.answered[d.chatSeq] {
				return
			}
			if !live && r.m.clock.Now().Sub(ev.At) > r.m.opt.StaleAfter {
				return // published long before this restart: moot
			}
			// One answer per question: the same question from another viewer, while the first
			// still waits, is counted on it.
			key := textnorm.Fold(d.question)
			for _, q := range r.queue {
				if q.sku == d.sku && textnorm.Fold(q.question) == key {
					q.askers += d.askers
					r.markAnswered(d.chatSeq)
					return
				}
			}
			r.queue = append(r.queue, &question{draftInfo: *d, draftID: p.DraftID, text: p.Text})
			if len(r.queue) > maxQueue {
				r.queue = r.queue[1:]
			}
		}
	}
}

// windowed says whether lines of a kind count for the variety window: answers, a moderator's
// lines and scheduled lines may repeat.
func windowed(kind string) bool { return kind == KindTalk || kind == KindIdle }

// split says a kind's sentences are spoken in clauses: talk, not answers or a moderator's lines.
func split(kind string) bool { return kind == KindTalk || kind == KindIdle || kind == KindScheduled }

// spokenSentence is the gated sentence an utterance is (part of).
func spokenSentence(u show.AvatarUtterance) string {
	if u.Sentence != "" {
		return u.Sentence
	}
	return u.Text
}

func (r *runner) markAnswered(seq int64) {
	if r.answered[seq] {
		return
	}
	r.answered[seq] = true
	r.answeredOrder = append(r.answeredOrder, seq)
	if len(r.answeredOrder) > maxAnswered {
		delete(r.answered, r.answeredOrder[0])
		r.answeredOrder = r.answeredOrder[1:]
	}
}
