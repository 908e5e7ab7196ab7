package report

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/livehost/livehost/show"
)

// FuzzReadOrders: any input reads to lines and rejects, or an error, never a panic; every line
// read is one the runtime accepts.
func FuzzReadOrders(f *testing.F) {
	if b, err := os.ReadFile("testdata/shopify_orders.csv"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("order_id,at,sku,quantity,price\nA,2026-11-03 19:00:00,S,1,100\n"))
	f.Add([]byte(`{"orders":[{"order_id":"J","at":"2026-11-03T10:00:00Z","sku":"S","quantity":1,"price":1}]}`))
	f.Add([]byte("Name,Created at,Lineitem sku,Lineitem quantity,Lineitem price\n\"#1,\"\"x\",,S,1,1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ReadOrders(bytes.NewReader(b), "f", ReadOptions{MaxLines: 1000})
		if err != nil {
			return
		}
		for _, l := range got.Lines {
			if l.OrderID == "" || l.SKU == "" || l.Quantity <= 0 || l.Price < 0 || l.OrderedAt.IsZero() {
				t.Fatalf("bad line read: %+v", l)
			}
		}
		for _, r := range got.Rejects {
			if r.Line <= 0 || r.Reason == "" {
				t.Fatalf("bad reject %+v", r)
			}
		}
	})
}

// FuzzBuild: a log of any payloads folds into a report without a panic.
func FuzzBuild(f *testing.F) {
	f.Add(show.TypeChatReceived, []byte(`{"platform":"yt","user":"u","text":"いくら？"}`), show.TypeQuestionDetected, []byte(`{"chat_seq":2}`))
	f.Add(show.TypeDraftCreated, []byte(`{"draft_id":"d","chat_seq":2,"needs_review":true}`), show.TypeDraftPublished, []byte(`{"draft_id":"d"}`))
	f.Add(show.TypeOrderImported, []byte(`{"order_id":"1","sku":"A","quantity":1,"price":1,"ordered_at":"2026-01-01T00:00:00Z"}`), show.TypeProductOnAir, []byte(`{"sku":"A"}`))
	f.Add("avatar.line", []byte(`{"text":"x","audio":"/a","chat_seq":2}`), "connector.status", []byte(`{"viewers":12}`))
	f.Fuzz(func(t *testing.T, typ1 string, d1 []byte, typ2 string, d2 []byte) {
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		evs := []show.Event{{Seq: 1, Type: show.TypeShowCreated, At: at, Data: []byte(`{"title":"t"}`)}}
		for i, x := range []struct {
			typ string
			d   []byte
		}{{typ1, d1}, {typ2, d2}, {typ1, d1}} {
			evs = append(evs, show.Event{Seq: int64(i + 2), Type: x.typ, At: at.Add(time.Duration(i) * time.Minute), Data: x.d})
		}
		r, err := Build(context.Background(), pages(evs), "s", Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range Parts {
			if p != PartModeration {
				if err := r.WriteCSV(&bytes.Buffer{}, p); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := WriteModerationCSV(context.Background(), pages(evs), "s", &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	})
}
