package report

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestReadShopifyOrders(t *testing.T) {
	f, err := os.Open("testdata/shopify_orders.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadOrders(f, "orders.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Format != FormatShopify {
		t.Errorf("format %q", got.Format)
	}
	type line struct {
		id, sku string
		qty     int
		price   float64
		at      string
	}
	want := []line{
		{"#1001", "LH-COS-001", 2, 1980, "2026-11-03T10:12:31Z"},
		{"#1002", "LH-FAS-001", 1, 4800, "2026-11-03T10:20:00Z"},
		{"#1002", "LH-COS-001", 1, 1980, "2026-11-03T10:20:00Z"}, // a later row of #1002: its time and currency carried over
		{"#1007", "LH-COS-001", 1, 1980, "2026-11-03T10:50:00Z"},
	}
	if len(got.Lines) != len(want) {
		t.Fatalf("lines %+v", got.Lines)
	}
	for i, w := range want {
		l := got.Lines[i]
		if l.OrderID != w.id || l.SKU != w.sku || l.Quantity != w.qty || l.Price != w.price || l.OrderedAt.Format(time.RFC3339) != w.at || l.Currency != "JPY" || l.Source != "shopify" {
			t.Errorf("line %d: %+v, want %+v", i, l, w)
		}
	}
	wantRejects := []string{
		"orders.csv:5: order #1003: line item has no SKU",
		`orders.csv:6: order #1004: time "yesterday" is not a date and time`,
		`orders.csv:7: order #1005: quantity "two" is not a whole number`,
		`orders.csv:8: order #1006: price "-980" is not an amount`,
	}
	if len(got.Rejects) != len(wantRejects) {
		t.Fatalf("rejects %v", got.Rejects)
	}
	for i, w := range wantRejects {
		if !strings.HasPrefix(got.Rejects[i].String(), w) {
			t.Errorf("reject %d: %q, want %q…", i, got.Rejects[i].String(), w)
		}
	}
	if got.Duplicate != 1 {
		t.Errorf("duplicates %d, want 1 (#1001 LH-COS-001 twice)", got.Duplicate)
	}
}

func TestReadPlainOrders(t *testing.T) {
	in := "order_id,at,sku,quantity,price\n" +
		"A1,2026-11-03T19:05:00+09:00,LH-COS-001,1,1980\n" +
		"A2,2026-11-03 19:06:00,LH-COS-002,3,１，２００円\n" + // no offset: Japan time; full-width digits
		"A3,2026-11-03 19:07:00,,1,100\n" +
		"A4,2026-11-03 19:07:00,X,0,100\n" +
		"A5,1999-01-01 00:00:00,X,1,100\n" +
		"\n" +
		"A6,2026-11-03 19:08:00,X,1\n"
	got, err := ReadOrders(strings.NewReader(in), "plain.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Format != FormatCSV || len(got.Lines) != 2 {
		t.Fatalf("%+v", got)
	}
	if l := got.Lines[1]; l.Quantity != 3 || l.Price != 1200 || l.OrderedAt.Format(time.RFC3339) != "2026-11-03T10:06:00Z" {
		t.Errorf("A2 %+v", l)
	}
	var lines []int
	for _, r := range got.Rejects {
		lines = append(lines, r.Line)
	}
	if len(lines) != 4 || lines[0] != 4 || lines[1] != 5 || lines[2] != 6 || lines[3] != 8 {
		t.Errorf("rejected lines %v: %v", lines, got.Rejects)
	}
	// Another zone for naive times.
	got, err = ReadOrders(strings.NewReader(in), "plain.csv", ReadOptions{Zone: time.UTC})
	if err != nil || got.Lines[1].OrderedAt.Format(time.RFC3339) != "2026-11-03T19:06:00Z" {
		t.Errorf("UTC zone: %v %v", err, got.Lines)
	}
}

func TestReadOrdersJSONAndErrors(t *testing.T) {
	got, err := ReadOrders(strings.NewReader(`{"orders":[{"order_id":"J1","at":"2026-11-03T10:00:00Z","sku":"S","quantity":2,"price":"1,000"},{"order_id":"J2","sku":"S","quantity":1,"price":1}]}`), "body", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Format != FormatJSON || len(got.Lines) != 1 || got.Lines[0].Price != 1000 || len(got.Rejects) != 1 || got.Rejects[0].Line != 2 {
		t.Errorf("%+v", got)
	}
	for name, in := range map[string]string{
		"empty":        "",
		"no columns":   "a,b,c\n1,2,3\n",
		"missing sku":  "Name,Created at,Lineitem quantity,Lineitem price\n",
		"bad json":     `{"orders":[`,
		"json not obj": `[1,2]`,
	} {
		if _, err := ReadOrders(strings.NewReader(in), "f.csv", ReadOptions{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := ReadOrders(strings.NewReader("x"), "f", ReadOptions{Format: "xml"}); err == nil {
		t.Error("unknown format read")
	}
}
