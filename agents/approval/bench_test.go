package approval_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/livehost/livehost/agents/approval"
)

// BenchmarkSubmit measures submitting a viewer question: one in ten starts a draft, the rest are
// repeats counted on a pending draft (a busy show's mix).
func BenchmarkSubmit(b *testing.B) {
	clk := newClock()
	q := approval.New(approval.Config{Now: clk.Now})
	questions := make([]string, 10)
	for i := range questions {
		questions[i] = fmt.Sprintf("カラー%dのXLサイズはありますか？", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		p := approval.Proposal{Show: "s1", Question: approval.Question{Seq: int64(i), User: "v", Text: questions[i%10]},
			SKU: "LT-001", Intent: "stock", Text: "在庫あります。", Engine: "offline", Confidence: 0.9}
		if i%10 == 0 {
			p.SKU = fmt.Sprintf("SKU-%d", i) // a new draft
		}
		if _, _, err := q.Submit(p); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 0 {
			clk.Advance(time.Second)
		}
	}
}

// BenchmarkReplay measures rebuilding a queue from a log of 10,000 changes (a long show).
func BenchmarkReplay(b *testing.B) {
	clk := newClock()
	q := approval.New(approval.Config{Now: clk.Now})
	var log []approval.Change
	for i := range 5000 {
		d, cs, err := q.Submit(approval.Proposal{Show: "s1", Question: approval.Question{Seq: int64(i + 1), Text: fmt.Sprintf("質問%d", i)},
			Text: "answer", Engine: "offline", Confidence: 0.9})
		if err != nil {
			b.Fatal(err)
		}
		log = append(log, cs...)
		c, err := q.Approve(d.ID, "mod")
		if err != nil {
			b.Fatal(err)
		}
		log = append(log, c)
		clk.Advance(100 * time.Millisecond)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := approval.Replay(approval.Config{Now: clk.Now}, log); err != nil {
			b.Fatal(err)
		}
	}
}
