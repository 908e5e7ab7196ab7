package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/report"
	"github.com/livehost/livehost/show"
)

func init() {
	register(command{name: "report", summary: "a show's report after the show; import its orders", run: runReport})
}

const reportUsage = `livehost report — what a show did, folded from its event log

Usage:
  livehost report SHOW [--json | --csv DIR] [--window 30m] [--data DIR] [--db URL]
  livehost report list [--json] [--data DIR] [--db URL]
  livehost report import-orders SHOW FILE [--format shopify|csv|json] [--tz Asia/Tokyo] [--data DIR] [--db URL] [--json]

The store is the show event log in --data (or LIVEHOST_DATA, default ./livehost-data), or PostgreSQL
when --db (or LIVEHOST_DATABASE_URL) is set. A running "livehost serve" serves the same report at
GET /api/shows/{id}/report and the page /report?show=ID&token=TOKEN.

Exit status: 0 ok, 1 error, 2 bad usage, 3 the orders were imported but some rows were rejected.

Run "livehost report <subcommand> --help" for each subcommand's flags.`

func runReport(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, reportUsage)
		return errUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(env.stdout, reportUsage)
		return nil
	case "list":
		return runReportList(ctx, env, args[1:])
	case "import-orders":
		return runImportOrders(ctx, env, args[1:])
	}
	return runReportShow(ctx, env, args)
}

// showStoreFlags choose the show event log.
type showStoreFlags struct{ data, db string }

func (f *showStoreFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "", "data directory of the embedded store (default $LIVEHOST_DATA or ./livehost-data)")
	fs.StringVar(&f.db, "db", "", "PostgreSQL URL (default $LIVEHOST_DATABASE_URL); when set, the event log is there")
}

func (f *showStoreFlags) open(ctx context.Context, env *cliEnv) (*show.Store, error) {
	cfg := env.config()
	db, dir := f.db, f.data
	if db == "" {
		db = cfg.DatabaseURL
	}
	if dir == "" {
		dir = cfg.Data
	}
	if db == "" {
		if _, err := os.Stat(filepath.Join(dir, "events.db")); err != nil {
			return nil, fmt.Errorf("no event log in %s (run livehost serve there first, or pass --data DIR or --db URL)", dir)
		}
	}
	return show.OpenStore(ctx, dir, db)
}

func runReportShow(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "report", "livehost report SHOW [--json | --csv DIR] [--window 30m] [--data DIR] [--db URL]",
		`Folds a show's event log into its report: totals, product segments with their questions and sales,
top questions, catalog gaps, moderators. Prints a summary, the whole report as JSON (--json, the
shape of GET /api/shows/{id}/report), or writes the CSV exports into a folder (--csv DIR: minutes,
segments, questions, gaps, moderation, orders). A progress bar is drawn on a terminal.`)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	csvDir := fs.String("csv", "", "write the CSV exports into this folder (created if needed)")
	window := fs.Duration("window", report.DefaultWindow, "attribution window of sales: an order of a SKU within it after the segment that presented it counts for that segment")
	var sf showStoreFlags
	sf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (*asJSON && *csvDir != "") || *window <= 0 {
		fs.Usage()
		return errUsage
	}
	st, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	sh, err := st.GetShow(ctx, pos[0])
	if errors.Is(err, show.ErrNotFound) {
		return fmt.Errorf("no show %q in the event log (livehost report list shows them)", pos[0])
	}
	if err != nil {
		return err
	}
	opt := report.Options{Window: *window}
	var bar *progressBar
	if env.isTerminal {
		bar = &progressBar{w: env.stderr}
		opt.Progress = func(seq int64) { bar.update(int(seq), int(sh.LastSeq)) }
	}
	r, err := report.Build(ctx, st.Read, sh.ID, opt)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		return err
	}
	switch {
	case *asJSON:
		return writeJSON(env.stdout, r)
	case *csvDir != "":
		if err := os.MkdirAll(*csvDir, 0o755); err != nil {
			return err
		}
		for _, part := range report.Parts {
			path := filepath.Join(*csvDir, part+".csv")
			if err := writeFile(path, func(w io.Writer) error {
				if part == report.PartModeration {
					return report.WriteModerationCSV(ctx, st.Read, sh.ID, w)
				}
				return r.WriteCSV(w, part)
			}); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			fmt.Fprintln(env.stdout, path)
		}
		return nil
	}
	printReport(env.stdout, r)
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func secs(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.1fs", *p)
}

func printReport(w io.Writer, r *report.Report) {
	t := r.Totals
	fmt.Fprintf(w, "%s  %s (%s, %s, %s)\n", r.Show.ID, r.Show.Title, r.Show.Mode, r.Show.Status, (time.Duration(r.Show.Secs) * time.Second).String())
	fmt.Fprintf(w, "  messages   %6d  from %d chatters\n", t.Messages, t.Chatters)
	fmt.Fprintf(w, "  questions  %6d  (%d distinct), answered %d, unanswered %d, time to answer median %s p90 %s\n",
		t.Questions, t.DistinctQuestions, t.Answered, t.Unanswered, secs(t.AnswerSecsMedian), secs(t.AnswerSecsP90))
	fmt.Fprintf(w, "  moderation allowed %d, held %d, blocked %d\n", t.Allowed, t.Held, t.Blocked)
	fmt.Fprintf(w, "  compliance %6d  flags %v\n", t.ComplianceFlags, t.ComplianceByLaw)
	fmt.Fprintf(w, "  sales      %6d  orders, %d units, revenue %.0f %s, %.3f orders per chatter\n", t.Orders, t.Units, t.Revenue, t.Currency, t.OrdersPerChatter)
	if len(r.Segments) > 0 {
		fmt.Fprintln(w, "\nsegments")
		for _, s := range r.Segments {
			fmt.Fprintf(w, "  %-14s %s  %5.0fs  %5d msgs  %4d questions  %4d answered  %3d orders  %8.0f revenue\n",
				s.SKU, s.From.Local().Format("15:04"), s.Secs, s.Messages, s.Questions, s.Answered, s.Orders, s.Revenue)
		}
	}
	if len(r.Questions) > 0 {
		fmt.Fprintln(w, "\ntop questions")
		for _, q := range r.Questions[:min(10, len(r.Questions))] {
			gap := ""
			if q.Gap {
				gap = "  (catalog gap)"
			}
			fmt.Fprintf(w, "  %4d× %s [%s %s] answered %d%s\n", q.Count, q.Text, q.SKU, q.Intent, q.Answered, gap)
		}
	}
	if len(r.Gaps) > 0 {
		fmt.Fprintln(w, "\ncatalog gaps (what the catalog could not answer)")
		for _, g := range r.Gaps {
			fmt.Fprintf(w, "  %-14s %-12s %4d× %s\n", orDash(g.SKU), orDash(g.Intent), g.Asked, strings.Join(g.Examples, " / "))
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func runReportList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "report list", "livehost report list [--json] [--data DIR] [--db URL]",
		"Lists the shows of the event log with their headline figures, newest first.")
	asJSON := fs.Bool("json", false, "print JSON")
	var sf showStoreFlags
	sf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fs.Usage()
		return errUsage
	}
	st, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	shows, err := st.ListShows(ctx)
	if err != nil {
		return err
	}
	sort.SliceStable(shows, func(i, j int) bool { return shows[i].CreatedAt.After(shows[j].CreatedAt) })
	type row struct {
		report.ShowInfo
		Totals report.Totals `json:"totals"`
	}
	rows := []row{}
	for _, sh := range shows {
		r, err := report.Build(ctx, st.Read, sh.ID, report.Options{})
		if err != nil {
			return err
		}
		rows = append(rows, row{r.Show, r.Totals})
	}
	if *asJSON {
		return writeJSON(env.stdout, map[string]any{"shows": rows})
	}
	fmt.Fprintf(env.stdout, "%-22s %-8s %8s %8s %9s %8s %7s %7s %10s  %s\n", "show", "status", "minutes", "messages", "questions", "answered", "blocked", "orders", "revenue", "title")
	for _, r := range rows {
		fmt.Fprintf(env.stdout, "%-22s %-8s %8.0f %8d %9d %8d %7d %7d %10.0f  %s\n", r.ID, r.Status, r.Secs/60, r.Totals.Messages, r.Totals.Questions,
			r.Totals.Answered, r.Totals.Blocked, r.Totals.Orders, r.Totals.Revenue, r.Title)
	}
	return nil
}

func runImportOrders(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "report import-orders", "livehost report import-orders SHOW FILE [--format shopify|csv|json] [--tz Asia/Tokyo] [--data DIR] [--db URL] [--json]",
		`Imports a shop's orders into a show's event log for its sales per segment: Shopify's order export
(Name, Created at, Lineitem sku, Lineitem quantity, Lineitem price; one row per line item) or a plain
CSV (order_id, at, sku, quantity, price), or JSON. Each order line becomes an order.imported event; a
line (order ID and SKU) the log already holds is skipped, so importing the same file again adds
nothing. Bad rows are rejected with file:line: reason and the rest is imported (exit status 3).
Import into a show that a running "livehost serve" is serving through its API instead
(POST /api/shows/{id}/orders): the runtime is the one writer of its shows' logs.`)
	format := fs.String("format", "", "shopify, csv or json (default: detected from the header)")
	tz := fs.String("tz", "Asia/Tokyo", "time zone of order times written without an offset")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	var sf showStoreFlags
	sf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return errUsage
	}
	opt := report.ReadOptions{Format: *format, Zone: report.JST}
	if *tz != "Asia/Tokyo" {
		loc, err := time.LoadLocation(*tz)
		if err != nil {
			return fmt.Errorf("--tz %q: %w", *tz, err)
		}
		opt.Zone = loc
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return err
	}
	read, err := report.ReadOrders(f, pos[1], opt)
	f.Close()
	if err != nil {
		return err
	}
	st, err := sf.open(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	sh, err := st.GetShow(ctx, pos[0])
	if errors.Is(err, show.ErrNotFound) {
		return fmt.Errorf("no show %q in the event log", pos[0])
	}
	if err != nil {
		return err
	}
	res, err := appendOrders(ctx, st, sh.ID, read.Lines)
	if err != nil {
		return err
	}
	res.Duplicate += read.Duplicate
	if read.Rejects == nil {
		read.Rejects = []report.Reject{}
	}
	if *asJSON {
		if err := writeJSON(env.stdout, map[string]any{"file": pos[1], "show": sh.ID, "format": read.Format, "imported": res.Imported,
			"duplicate": res.Duplicate, "rejects": read.Rejects}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(env.stdout, "%s (%s) → show %s\n  imported   %6d  order lines\n  duplicate  %6d  already imported\n  rejected   %6d\n",
			pos[1], read.Format, sh.ID, res.Imported, res.Duplicate, len(read.Rejects))
		for _, r := range read.Rejects {
			fmt.Fprintf(env.stdout, "    %s\n", r)
		}
	}
	if len(read.Rejects) > 0 {
		return &exitError{code: exitRejected, err: fmt.Errorf("%d rows rejected", len(read.Rejects))}
	}
	return nil
}

// appendOrders appends the order lines the show's log does not hold yet, in appends of at most
// show.MaxAppend events; a failure leaves the appends before it, and importing again resumes.
func appendOrders(ctx context.Context, st *show.Store, showID string, lines []show.OrderImported) (live.OrdersResult, error) {
	var res live.OrdersResult
	have := map[string]bool{}
	var after int64
	for {
		evs, err := st.Read(ctx, showID, after, show.ReadLimit)
		if err != nil {
			return res, err
		}
		for _, ev := range evs {
			after = ev.Seq
			if ev.Type == show.TypeOrderImported {
				var p show.OrderImported
				if ev.Decode(&p) == nil {
					have[live.OrderLineKey(p.OrderID, p.SKU)] = true
				}
			}
		}
		if len(evs) < show.ReadLimit {
			break
		}
	}
	var batch []show.NewEvent
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := st.Append(ctx, showID, batch...); err != nil {
			return fmt.Errorf("append orders to show %s (%d imported before; run the same command again to resume): %w", showID, res.Imported, err)
		}
		res.Imported += len(batch)
		batch = batch[:0]
		return nil
	}
	for _, l := range lines {
		k := live.OrderLineKey(l.OrderID, l.SKU)
		if have[k] {
			res.Duplicate++
			continue
		}
		have[k] = true
		ne, err := show.Encode(show.TypeOrderImported, l)
		if err != nil {
			return res, err
		}
		batch = append(batch, ne)
		if len(batch) == show.MaxAppend {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	return res, flush()
}
