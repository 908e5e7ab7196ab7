package report

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/livehost/livehost/show"
)

// genShow describes a generated show: how long, how busy, and the shares of each outcome.
type genShow struct {
	events     int           // about this many events in all
	dur        time.Duration // from start to stop
	skus       []string
	segEvery   time.Duration // on-air changes
	hold       float64       // share of messages held
	block      float64       // share blocked
	question   float64       // share of allowed messages that are questions
	repeat     float64       // share of questions asking a pending draft's question again
	publish    float64       // share of drafts published (approved or edited)
	reject     float64       // share rejected (the rest expire or stay pending)
	gap        float64       // share of drafts written from nothing
	compliance float64       // host compliance flags per message
	users      int
	orders     int
	seed       uint64
}

var questionsJA = []string{"いくらですか？", "XLありますか？", "色は何色ありますか", "敏感肌でも使えますか？", "送料はいくら？", "在庫ありますか", "容量は？", "素材は何ですか"}

// generate makes the show's log in order, as the runtime writes it: chat.received and its
// verdict (and chat.held), later question.detected with draft.created or draft.asked, reviews
// and publications, on-air changes, cross-sell, compliance, dropped speech and imported orders.
func (g genShow) generate() []show.Event {
	rng := rand.New(rand.NewPCG(g.seed, 7))
	start := time.Date(2026, 11, 3, 19, 0, 0, 0, time.UTC)
	var evs []show.Event
	at := start.Add(-time.Hour)
	add := func(typ string, p any) int64 {
		b, err := json.Marshal(p)
		if err != nil {
			panic(err)
		}
		seq := int64(len(evs) + 1)
		evs = append(evs, show.Event{Seq: seq, Show: "gen", Type: typ, At: at, V: 1, Data: b})
		return seq
	}
	add(show.TypeShowCreated, show.ShowCreated{Title: "generated", Lineup: g.skus, Mode: show.ModeHost})
	at = start
	add(show.TypeShowStarted, show.ShowStarted{By: "admin"})
	step := g.dur / time.Duration(max(1, g.events/3))
	nextSeg := start
	segI := 0
	type pend struct {
		id  string
		key string
	}
	var pending []pend
	drafts := 0
	heldQ := []int64{}
	for len(evs) < g.events-g.orders-2 {
		at = at.Add(step)
		if !at.Before(nextSeg) && len(g.skus) > 0 {
			add(show.TypeProductOnAir, show.ProductOnAir{SKU: g.skus[segI%len(g.skus)], By: "host"})
			add(show.TypeCrossSellSuggested, show.CrossSellSuggested{SKU: g.skus[segI%len(g.skus)], Suggestions: []string{g.skus[(segI+1)%len(g.skus)]}})
			segI++
			nextSeg = nextSeg.Add(g.segEvery)
		}
		user := fmt.Sprintf("u%d", rng.IntN(max(1, g.users)))
		isQ := rng.Float64() < g.question
		text := "かわいい！"
		if isQ {
			text = questionsJA[rng.IntN(len(questionsJA))]
		}
		seq := add(show.TypeChatReceived, show.ChatReceived{Platform: "youtube", User: user, Text: text})
		x := rng.Float64()
		switch {
		case x < g.block:
			add(show.TypeChatVerdict, show.ChatVerdict{ChatSeq: seq, Action: show.ActionBlock, Categories: []string{"profanity"}})
			continue
		case x < g.block+g.hold:
			add(show.TypeChatVerdict, show.ChatVerdict{ChatSeq: seq, Action: show.ActionHold, Categories: []string{"link"}})
			add(show.TypeChatHeld, show.ChatHeld{ChatSeq: seq, User: user, Text: text})
			heldQ = append(heldQ, seq)
			if len(heldQ) > 3 {
				typ := show.TypeChatAllowed
				if rng.IntN(2) == 0 {
					typ = show.TypeChatDenied
				}
				add(typ, show.ChatDecision{ChatSeq: heldQ[0], By: "mod-1"})
				heldQ = heldQ[1:]
			}
			continue
		default:
			add(show.TypeChatVerdict, show.ChatVerdict{ChatSeq: seq, Action: show.ActionAllow})
		}
		if rng.Float64() < g.compliance {
			tseq := add(show.TypeTranscriptSegment, show.TranscriptSegment{Text: "シミが消えます", Final: true})
			add(show.TypeHostCompliance, show.HostCompliance{TranscriptSeq: tseq, Text: "シミが消えます", Matches: []show.Match{{Term: "シミが消える", Category: "yakkiho"}}})
		}
		if rng.Float64() < 0.002 {
			add(show.TypeTranscriptDropped, show.TranscriptDropped{StartMS: 1000, EndMS: 3500, Reason: "stt down"})
		}
		if !isQ {
			continue
		}
		sku := g.skus[max(0, segI-1)%len(g.skus)]
		add(show.TypeQuestionDetected, show.QuestionDetected{ChatSeq: seq, Intent: "price", SKU: sku, Lang: "ja"})
		if len(pending) > 0 && rng.Float64() < g.repeat {
			p := pending[rng.IntN(len(pending))]
			add(show.TypeDraftAsked, show.DraftAsked{DraftID: p.id, ChatSeq: seq, User: user, Question: text})
		} else {
			drafts++
			id := fmt.Sprintf("d%d", drafts)
			d := show.DraftCreated{DraftID: id, ChatSeq: seq, Question: text, User: user, Text: "1,980円です", SKU: sku, Intent: "price",
				Facts: []show.Fact{{Field: "price", Value: "1980"}}}
			if rng.Float64() < g.gap {
				d.Text, d.Facts, d.NeedsReview = "確認してお答えしますね。", nil, true
			}
			add(show.TypeDraftCreated, d)
			pending = append(pending, pend{id: id})
		}
		// Decide the oldest pending drafts now and then.
		for len(pending) > 4 {
			p := pending[0]
			pending = pending[1:]
			y := rng.Float64()
			switch {
			case y < g.publish/2:
				add(show.TypeDraftApproved, show.DraftAction{DraftID: p.id, By: "mod-1", Text: "1,980円です"})
				add(show.TypeDraftPublished, show.DraftPublished{DraftID: p.id, Text: "1,980円です", By: "mod-1", To: []string{"chat", "host"}})
			case y < g.publish:
				add(show.TypeDraftEdited, show.DraftAction{DraftID: p.id, By: "mod-2", Text: "税込1,980円です"})
				add(show.TypeDraftPublished, show.DraftPublished{DraftID: p.id, Text: "税込1,980円です", By: "mod-2", To: []string{"chat", "host"}})
			case y < g.publish+g.reject:
				add(show.TypeDraftRejected, show.DraftAction{DraftID: p.id, By: "mod-2", Reason: "off topic"})
			default:
				add(show.TypeDraftExpired, show.DraftAction{DraftID: p.id, By: "system"})
			}
		}
	}
	at = at.Add(step)
	add(show.TypeShowStopped, show.ShowStopped{By: "admin"})
	for i := range g.orders {
		o := show.OrderImported{OrderID: fmt.Sprintf("#%d", 1000+i/2), SKU: g.skus[rng.IntN(len(g.skus))], Quantity: 1 + rng.IntN(3), Price: 1980,
			Currency: "JPY", OrderedAt: start.Add(time.Duration(rng.Int64N(int64(g.dur + time.Hour)))), Source: "csv"}
		add(show.TypeOrderImported, o)
	}
	return evs
}

// pages serves events as the log's Read does.
func pages(evs []show.Event) ReadFunc {
	return func(_ context.Context, _ string, after int64, limit int) ([]show.Event, error) {
		if after >= int64(len(evs)) {
			return nil, nil
		}
		end := min(int(after)+limit, len(evs))
		return evs[after:end], nil
	}
}
