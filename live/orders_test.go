package live_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/livehost/livehost/internal/config"
	"github.com/livehost/livehost/internal/wire"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// TestImportOrders: order lines become order.imported events once each, across imports and a
// restart; a bad line refuses the whole import with its number.
func TestImportOrders(t *testing.T) {
	s, err := exampleCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ag, err := wire.Build(ctx, config.FromEnv(func(string) string { return "" }), wire.Deps{Catalog: s, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ag.Close)
	st, err := show.OpenStore(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	open := func() *live.Runtime {
		rt, err := live.New(ctx, live.Options{Store: st, Agents: ag.Live(), Policy: &ag.Policy, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return rt
	}
	rt := open()
	if _, err := rt.CreateShow(ctx, show.Show{ID: "o1", Title: "t", Lineup: []string{"LH-COS-001"}}); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	line := func(id, sku string) show.OrderImported {
		return show.OrderImported{OrderID: id, SKU: sku, Quantity: 1, Price: 1980, Currency: "JPY", OrderedAt: at, Source: "csv"}
	}
	res, err := rt.ImportOrders(ctx, "o1", []show.OrderImported{line("#1", "A"), line("#1", "B"), line("#2", "A"), line("#1", "A")})
	if err != nil || res.Imported != 3 || res.Duplicate != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	// 5,000 lines go in more than one append; the three already there are skipped.
	many := []show.OrderImported{line("#1", "A"), line("#1", "B"), line("#2", "A")}
	for i := range 5000 {
		many = append(many, line("#big", string(rune('a'+i%26))+time.Duration(i).String()))
	}
	if res, err = rt.ImportOrders(ctx, "o1", many); err != nil || res.Imported != 5000 || res.Duplicate != 3 {
		t.Fatalf("large import: %+v %v", res, err)
	}
	rt.Close()

	rt = open()
	defer rt.Close()
	if res, err = rt.ImportOrders(ctx, "o1", many[:10]); err != nil || res.Imported != 0 || res.Duplicate != 10 {
		t.Fatalf("import after a restart: %+v %v", res, err)
	}
	evs, err := rt.Events(ctx, "o1", 0, 10)
	if err != nil || len(evs) < 2 || evs[1].Type != show.TypeOrderImported {
		t.Fatalf("events %v %v", evs, err)
	}

	bad := []show.OrderImported{line("#9", "A"), {OrderID: "#10", SKU: "A", Quantity: 0, Price: 1, OrderedAt: at}}
	if _, err := rt.ImportOrders(ctx, "o1", bad); !errors.Is(err, live.ErrInvalid) || err.Error() == "" {
		t.Errorf("a line with quantity 0: %v", err)
	}
	if _, err := rt.ImportOrders(ctx, "nope", many[:1]); !errors.Is(err, live.ErrNotFound) {
		t.Errorf("unknown show: %v", err)
	}
	if last, _ := st.LastSeq(ctx, "o1"); last != 1+3+5000 {
		t.Errorf("log ends at %d, want %d: a refused import appended something", last, 1+3+5000)
	}
}
