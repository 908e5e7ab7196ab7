package report

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/livehost/livehost/internal/pgtest"
	"github.com/livehost/livehost/show"
)

// TestSameReportFromPostgres: the same log in PostgreSQL and in SQLite gives the same report.
func TestSameReportFromPostgres(t *testing.T) {
	ctx := context.Background()
	evs := genShow{events: 20_000, dur: time.Hour, skus: []string{"A", "B", "C"}, segEvery: 10 * time.Minute, hold: 0.05, block: 0.02,
		question: 0.3, repeat: 0.3, publish: 0.6, reject: 0.2, gap: 0.1, compliance: 0.01, users: 400, orders: 200, seed: 11}.generate()
	pg, err := show.OpenPostgres(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	lite, err := show.OpenSQLite(ctx, t.TempDir()+"/events.db")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	parts := func(st *show.Store) string {
		id := fillStore(t, st, evs)
		r, err := Build(ctx, st.Read, id, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal([]any{r.Totals, r.Minutes, r.Segments, r.Questions, r.Gaps, r.Moderators, r.Orders})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	a, b := parts(lite), parts(pg)
	if a != b {
		t.Errorf("the reports differ:\nSQLite     %.400s…\nPostgreSQL %.400s…", a, b)
	}
	if len(a) < 1000 {
		t.Errorf("a report of %d bytes", len(a))
	}
}
