package approval_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/livehost/livehost/agents/approval"
)

// The show logs every change the queue makes and rebuilds the queue from the log on restart.
func Example() {
	now := time.Date(2026, 11, 21, 20, 0, 0, 0, time.UTC)
	cfg := approval.DefaultConfig()
	cfg.Now = func() time.Time { return now }
	q := approval.New(cfg)
	var log [][]byte // stands for the show's durable event log
	record := func(cs ...approval.Change) {
		for _, c := range cs {
			b, _ := json.Marshal(c)
			log = append(log, b)
		}
	}

	ask := func(seq int64, text, intent, engine string) approval.Draft {
		d, cs, err := q.Submit(approval.Proposal{Show: "show-1", Question: approval.Question{Seq: seq, User: "viewer", Text: text},
			SKU: "LT-001", Intent: intent, Text: "answer to " + text, Engine: engine, Confidence: 0.9})
		if err != nil {
			panic(err)
		}
		record(cs...)
		return d
	}
	price := ask(1, "いくら？", "price", "offline") // auto-approved by StandardPolicy
	usage := ask(2, "石けんで落ちる？", "usage", "llm")
	ask(3, "石けんで落ちる?", "usage", "llm") // the same question again: counted
	fmt.Println(price.Status, price.DecidedBy)

	c, _ := q.Claim(usage.ID, "alice")
	record(c)
	if _, err := q.Approve(usage.ID, "bob"); err != nil {
		fmt.Println(err)
	}
	c, _ = q.Edit(usage.ID, "alice", "はい、石けんで落とせます。")
	record(c)

	// Restart: rebuild from the log.
	var changes []approval.Change
	for _, b := range log {
		var c approval.Change
		_ = json.Unmarshal(b, &c)
		changes = append(changes, c)
	}
	r, _ := approval.Replay(cfg, changes)
	d, _ := r.Get(usage.ID)
	fmt.Println(d.Status, d.Count, d.DecidedBy, d.FinalText)
	// Output:
	// approved auto
	// approve draft d2: draft d2 is claimed by alice until 2026-11-21T20:01:00Z
	// edited 2 alice はい、石けんで落とせます。
}
