package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/livehost/livehost/show"
)

// CSV export parts.
const (
	PartMinutes    = "minutes"
	PartSegments   = "segments"
	PartQuestions  = "questions"
	PartGaps       = "gaps"
	PartModeration = "moderation"
	PartOrders     = "orders"
)

// Parts lists the CSV exports, in the order livehost report --csv writes them.
var Parts = []string{PartMinutes, PartSegments, PartQuestions, PartGaps, PartModeration, PartOrders}

// ValidPart says whether part names a CSV export.
func ValidPart(part string) bool {
	for _, p := range Parts {
		if p == part {
			return true
		}
	}
	return false
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func optNum(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 1, 64)
}

func optInt(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// WriteCSV writes one part of the report as CSV with a header row. The moderation log is not
// part of a Report (it is as long as the show's decisions): write it with WriteModerationCSV.
func (r *Report) WriteCSV(w io.Writer, part string) error {
	cw := csv.NewWriter(w)
	var rows [][]string
	switch part {
	case PartMinutes:
		rows = append(rows, []string{"at", "messages", "questions", "chatters", "viewers", "ng_hits", "held", "blocked", "compliance", "orders", "revenue", "on_air"})
		for _, m := range r.Minutes {
			rows = append(rows, []string{ts(m.At), itoa(m.Messages), itoa(m.Questions), itoa(m.Chatters), optInt(m.Viewers), itoa(m.NGHits), itoa(m.Held),
				itoa(m.Blocked), itoa(m.Compliance), itoa(m.Orders), num(m.Revenue), m.OnAir})
		}
	case PartSegments:
		rows = append(rows, []string{"sku", "from", "to", "secs", "messages", "questions", "answered", "gap_questions", "held", "blocked", "crosssell",
			"compliance_flags", "orders", "units", "revenue", "orders_on_air", "revenue_on_air", "viewers_avg", "viewers_peak", "top_questions"})
		for _, s := range r.Segments {
			var top []string
			for _, q := range s.TopQuestions {
				top = append(top, fmt.Sprintf("%s (%d)", q.Text, q.Count))
			}
			rows = append(rows, []string{s.SKU, ts(s.From), ts(s.To), num(s.Secs), itoa(s.Messages), itoa(s.Questions), itoa(s.Answered), itoa(s.Gaps),
				itoa(s.Held), itoa(s.Blocked), itoa(s.CrossSell), itoa(s.Compliance), itoa(s.Orders), itoa(s.Units), num(s.Revenue),
				itoa(s.OrdersOnAir), num(s.RevenueOnAir), optNum(s.ViewersAvg), optInt(s.ViewersPeak), strings.Join(top, " | ")})
		}
	case PartQuestions:
		rows = append(rows, []string{"question", "sku", "intent", "count", "answered", "phrasings", "gap", "answer", "first_at"})
		qs := r.allQuestions
		if qs == nil {
			qs = r.Questions
		}
		for _, q := range qs {
			rows = append(rows, []string{q.Text, q.SKU, q.Intent, itoa(q.Count), itoa(q.Answered), itoa(q.Phrasings), strconv.FormatBool(q.Gap), q.Answer, ts(q.FirstAt)})
		}
	case PartGaps:
		rows = append(rows, []string{"sku", "intent", "asked", "examples", "draft"})
		for _, g := range r.Gaps {
			rows = append(rows, []string{g.SKU, g.Intent, itoa(g.Asked), strings.Join(g.Examples, " | "), g.Draft})
		}
	case PartOrders:
		rows = append(rows, []string{"order_id", "sku", "quantity", "price", "revenue", "currency", "ordered_at", "segment_sku", "segment_from", "attributed_by", "on_air_sku"})
		for _, o := range r.Orders {
			var segSKU, segFrom, onAir string
			if o.Segment >= 0 && o.Segment < len(r.Segments) {
				segSKU, segFrom = r.Segments[o.Segment].SKU, ts(r.Segments[o.Segment].From)
			}
			if o.OnAir >= 0 && o.OnAir < len(r.Segments) {
				onAir = r.Segments[o.OnAir].SKU
			}
			rows = append(rows, []string{o.OrderID, o.SKU, itoa(o.Quantity), num(o.Price), num(o.Price * float64(o.Quantity)), o.Currency,
				ts(o.OrderedAt), segSKU, segFrom, o.By, onAir})
		}
	default:
		return fmt.Errorf("no CSV part %q (want one of %s)", part, strings.Join(Parts, ", "))
	}
	for _, row := range rows {
		if err := cw.Write(safeRow(row)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeRow keeps a spreadsheet from reading a viewer's text as a formula (CSV injection): a cell
// that starts with = + - @ gets a leading apostrophe, unless it is a number.
func safeRow(row []string) []string {
	for i, c := range row {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			if _, err := strconv.ParseFloat(c, 64); err != nil {
				row[i] = "'" + c
			}
		}
	}
	return row
}

func itoa(n int) string { return strconv.Itoa(n) }

// WriteModerationCSV streams a show's moderation log as CSV: every held or blocked verdict and
// every moderator's decision on a held message or a draft, in log order. It reads the log page by
// page and keeps only the held messages still waiting, so it is as long as the show's decisions
// without holding them.
func WriteModerationCSV(ctx context.Context, read ReadFunc, showID string, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"seq", "at", "kind", "action", "user", "text", "categories", "by", "secs_to_decide"}); err != nil {
		return err
	}
	type msg struct{ user, text string }
	var last struct {
		seq int64
		msg
	}
	held := map[int64]struct {
		msg
		at time.Time
	}{}
	drafts := map[string]struct {
		msg
		at time.Time
	}{}
	var after int64
	for {
		evs, err := read(ctx, showID, after, show.ReadLimit)
		if err != nil {
			return fmt.Errorf("moderation log of show %s: read after %d: %w", showID, after, err)
		}
		for _, ev := range evs {
			after = ev.Seq
			var row []string
			seq := strconv.FormatInt(ev.Seq, 10)
			switch ev.Type {
			case show.TypeChatReceived:
				var p chatP
				if ev.Decode(&p) == nil {
					last.seq, last.user, last.text = ev.Seq, p.User, p.Text
				}
			case show.TypeChatVerdict:
				var p show.ChatVerdict
				if ev.Decode(&p) != nil || p.Action == show.ActionAllow {
					continue
				}
				var m msg
				if last.seq == p.ChatSeq {
					m = last.msg
				}
				cats := append(append([]string{}, p.Categories...), p.Rules...)
				sort.Strings(cats)
				row = []string{seq, ts(ev.At), "verdict", p.Action, m.user, m.text, strings.Join(cats, " "), "", ""}
				if p.Action == show.ActionHold {
					held[p.ChatSeq] = struct {
						msg
						at time.Time
					}{m, ev.At}
				}
			case show.TypeChatAllowed, show.TypeChatDenied:
				var p show.ChatDecision
				if ev.Decode(&p) != nil {
					continue
				}
				h, ok := held[p.ChatSeq]
				delete(held, p.ChatSeq)
				secs := ""
				if ok {
					secs = strconv.FormatFloat(ev.At.Sub(h.at).Seconds(), 'f', 1, 64)
				}
				row = []string{seq, ts(ev.At), "held", strings.TrimPrefix(ev.Type, "chat."), h.user, h.text, "", p.By, secs}
			case show.TypeChatBulkDenied, show.TypeChatHeldExpired:
				var p show.ChatBulkDecision
				if ev.Decode(&p) != nil {
					continue
				}
				what := []string{p.User, p.Rule}
				if p.OlderMS > 0 {
					what = append(what, fmt.Sprintf("older than %ds", p.OlderMS/1000))
				}
				for _, s := range p.ChatSeqs {
					delete(held, s)
				}
				row = []string{seq, ts(ev.At), "held", strings.TrimPrefix(ev.Type, "chat."), "", fmt.Sprintf("%d messages", max(p.Count, len(p.ChatSeqs))),
					strings.TrimSpace(strings.Join(what, " ")), p.By, ""}
			case show.TypeDraftCreated:
				var p show.DraftCreated
				if ev.Decode(&p) == nil {
					drafts[p.DraftID] = struct {
						msg
						at time.Time
					}{msg{p.User, p.Question}, ev.At}
				}
			case show.TypeDraftApproved, show.TypeDraftEdited, show.TypeDraftRejected, show.TypeDraftExpired:
				var p show.DraftAction
				if ev.Decode(&p) != nil {
					continue
				}
				d, ok := drafts[p.DraftID]
				delete(drafts, p.DraftID)
				secs := ""
				if ok {
					secs = strconv.FormatFloat(ev.At.Sub(d.at).Seconds(), 'f', 1, 64)
				}
				text := d.text
				if p.Text != "" {
					text += " → " + p.Text
				}
				row = []string{seq, ts(ev.At), "draft", strings.TrimPrefix(ev.Type, "draft."), d.user, text, p.Reason, p.By, secs}
			}
			if row != nil {
				if err := cw.Write(safeRow(row)); err != nil {
					return err
				}
			}
		}
		if len(evs) < show.ReadLimit {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
