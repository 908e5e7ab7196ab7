package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/internal/config"
)

func init() {
	register(command{name: "catalog", summary: "import, search and update the product catalog", run: runCatalog})
}

const catalogUsage = `livehost catalog — import, search and update the product catalog

Usage:
  livehost catalog import FILE [--format jsonl|csv|shopify] [--data DIR] [--db URL] [--prune] [--json]
  livehost catalog search --query TEXT [--top K] [--catalog FILE] [--data DIR] [--db URL]
                          [--in-stock] [--category C] [--min-price N] [--max-price N] [--json]
  livehost catalog offer SKU [--price N] [--sale-price N] [--stock N] [--data DIR] [--db URL] [--json]

The store is the embedded one in --data (or LIVEHOST_DATA, default ./livehost-data), or PostgreSQL +
pgvector when --db (or LIVEHOST_DATABASE_URL) is set. Products are embedded with the offline embedder,
or with an OpenAI-compatible server when OPENAI_BASE_URL / OPENAI_API_KEY are set (model
LIVEHOST_EMBED_MODEL, default text-embedding-3-small); a store keeps using the embedder it was built with.

Exit status: 0 ok, 1 error, 2 bad usage, 3 the import finished but some rows were rejected.

Run "livehost catalog <subcommand> --help" for each subcommand's flags.`

// exitRejected is the exit status of an import that rejected some rows (the rest was imported).
const exitRejected = 3

func runCatalog(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, catalogUsage)
		return errUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(env.stdout, catalogUsage)
		return nil
	case "import":
		return runCatalogImport(ctx, env, args[1:])
	case "search":
		return runCatalogSearch(ctx, env, args[1:])
	case "offer":
		return runCatalogOffer(ctx, env, args[1:])
	}
	fmt.Fprintf(env.stderr, "livehost catalog: unknown subcommand %q\n\n%s\n", args[0], catalogUsage)
	return errUsage
}

// storeFlags are the flags that choose the store and the embedder.
type storeFlags struct {
	data, db, embedder string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.data, "data", "", "data directory of the embedded store (default $LIVEHOST_DATA or ./livehost-data)")
	fs.StringVar(&f.db, "db", "", "PostgreSQL URL; when set (or $LIVEHOST_DATABASE_URL), PostgreSQL + pgvector is the store")
	fs.StringVar(&f.embedder, "embedder", "auto", "auto (the store's own; for a new store openai when OPENAI_BASE_URL or OPENAI_API_KEY is set, else offline), offline or openai")
}

// open opens the configured store and describes it. With mustExist, a missing embedded store is
// an error rather than a new empty one.
func (f *storeFlags) open(ctx context.Context, cfg config.Config, mustExist bool) (catalog.Store, string, error) {
	db := f.db
	if db == "" {
		db = cfg.DatabaseURL
	}
	if db != "" {
		st, err := catalog.OpenPostgresOptions(ctx, db, cfg.Postgres())
		if err != nil {
			return nil, "", err
		}
		return st, "PostgreSQL", nil
	}
	dir := f.data
	if dir == "" {
		dir = cfg.Data
	}
	if mustExist && !catalog.EmbeddedExists(dir) {
		return nil, "", fmt.Errorf("no catalog in %s: import one first (livehost catalog import FILE --data %s), or search a file directly with --catalog FILE", dir, dir)
	}
	st, err := catalog.OpenEmbedded(ctx, dir)
	if err != nil {
		return nil, "", err
	}
	return st, dir, nil
}

// embedderFor picks the embedder: the one a store was built with (storeName/storeDim), or for an
// empty store or a file, the --embedder choice.
func embedderFor(ctx context.Context, conf config.Config, choice, storeName string, storeDim int) (catalog.Embedder, error) {
	cfg := conf.Embedding()
	if storeName != "" && choice == "auto" {
		if storeName == catalog.HashEmbedderName {
			return catalog.NewHashEmbedder(storeDim), nil
		}
		if rest, ok := strings.CutPrefix(storeName, "openai:"); ok {
			if !conf.OpenAIConfigured() {
				return nil, fmt.Errorf("the store was built with %s; set OPENAI_BASE_URL and/or OPENAI_API_KEY to search it", storeName)
			}
			model, dims, _ := strings.Cut(rest, ":")
			cfg.Model = model
			if dims != "" {
				cfg.Dimensions, _ = strconv.Atoi(dims)
			}
			return catalog.NewOpenAIEmbedder(ctx, cfg)
		}
		return nil, fmt.Errorf("the store was built with an unknown embedder %q", storeName)
	}
	switch choice {
	case "offline":
		return catalog.NewHashEmbedder(0), nil
	case "openai":
		return catalog.NewOpenAIEmbedder(ctx, cfg)
	case "auto":
		if conf.OpenAIConfigured() {
			return catalog.NewOpenAIEmbedder(ctx, cfg)
		}
		return catalog.NewHashEmbedder(0), nil
	}
	return nil, fmt.Errorf("unknown --embedder %q (want auto, offline or openai)", choice)
}

// openSearcher searches st with the embedder it was built with (for an empty store, the --embedder
// choice): `catalog search` and `serve` read a store the same way.
func openSearcher(ctx context.Context, cfg config.Config, st catalog.Store, choice string) (*catalog.Searcher, error) {
	name, dim, err := st.Embedding(ctx)
	if err != nil {
		return nil, err
	}
	emb, err := embedderFor(ctx, cfg, choice, name, dim)
	if err != nil {
		return nil, err
	}
	return catalog.NewSearcher(ctx, st, emb)
}

func runCatalogImport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "catalog import",
		"livehost catalog import FILE [--format jsonl|csv|shopify] [--data DIR] [--db URL] [--prune] [--json]",
		`Imports a catalog file into the store: new products are embedded and inserted, changed ones updated
(re-embedded only when their text changed), unchanged ones skipped, so a re-run after a failure resumes.
Malformed rows are rejected with file, line and reason and the rest is imported; the exit status is
then 3. The format is detected from the extension and header unless --format is given: jsonl (one
product per line), csv (product columns plus attr:NAME columns, "|" between values) or shopify (a
Shopify product export).`)
	format := fs.String("format", "", "jsonl, csv or shopify (default: detected)")
	prune := fs.Bool("prune", false, "delete products that are not in FILE (a full re-import; SKUs of rejected rows are kept)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	batch := fs.Int("batch", 64, "products embedded and stored per transaction")
	var sf storeFlags
	sf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	f, err := catalog.ParseFormat(*format)
	if err != nil {
		return err
	}
	res, err := catalog.ReadFile(pos[0], f)
	if err != nil {
		return err
	}
	st, where, err := sf.open(ctx, env.config(), false)
	if err != nil {
		return err
	}
	defer st.Close()
	name, dim, err := st.Embedding(ctx)
	if err != nil {
		return err
	}
	emb, err := embedderFor(ctx, env.config(), sf.embedder, name, dim)
	if err != nil {
		return err
	}
	opt := catalog.ImportOptions{BatchSize: *batch, Prune: *prune, Rejects: res.Rejects}
	var bar *progressBar
	if env.isTerminal && !*asJSON {
		bar = &progressBar{w: env.stderr}
		opt.Progress = bar.update
	}
	sum, ierr := catalog.Import(ctx, st, emb, res.Products, opt)
	if bar != nil {
		bar.finish()
	}
	if *asJSON {
		out := struct {
			File  string `json:"file"`
			Store string `json:"store"`
			catalog.ImportSummary
			Error string `json:"error,omitempty"`
		}{File: pos[0], Store: where, ImportSummary: sum}
		if ierr != nil {
			out.Error = ierr.Error()
		}
		if err := writeJSON(env.stdout, out); err != nil {
			return err
		}
	} else {
		printImportSummary(env.stdout, pos[0], where, sum)
	}
	if ierr != nil {
		if errors.Is(ierr, catalog.ErrDimensionMismatch) {
			return fmt.Errorf("%s: %w", where, ierr)
		}
		return fmt.Errorf("import stopped: %w (what was stored is consistent; run the same command again to resume)", ierr)
	}
	if len(sum.Rejected) > 0 {
		return &exitError{code: exitRejected, err: fmt.Errorf("%d rows rejected", len(sum.Rejected))}
	}
	return nil
}

func printImportSummary(w io.Writer, file, where string, s catalog.ImportSummary) {
	fmt.Fprintf(w, "%s → %s (embedder %s, %d dimensions)\n", file, where, s.Embedder, s.Dim)
	fmt.Fprintf(w, "  imported   %6d  new products\n", s.Imported)
	fmt.Fprintf(w, "  updated    %6d  changed products (%d embedded)\n", s.Updated, max(s.Embedded-s.Imported, 0))
	fmt.Fprintf(w, "  unchanged  %6d\n", s.Unchanged)
	if s.Pruned > 0 {
		fmt.Fprintf(w, "  pruned     %6d  not in the file\n", s.Pruned)
	}
	fmt.Fprintf(w, "  rejected   %6d\n", len(s.Rejected))
	for _, r := range s.Rejected {
		fmt.Fprintf(w, "    %s\n", r)
	}
}

// progressBar draws "[#####-----]  512/1000  51%" on a terminal, at most every 100 ms.
type progressBar struct {
	w     io.Writer
	last  time.Time
	drawn bool
}

func (b *progressBar) update(done, total int) {
	if total == 0 || (time.Since(b.last) < 100*time.Millisecond && done < total) {
		return
	}
	b.last = time.Now()
	const cells = 30
	n := done * cells / total
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d %3d%%", strings.Repeat("#", n), strings.Repeat("-", cells-n), done, total, done*100/total)
	b.drawn = true
}

func (b *progressBar) finish() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

// searchResult is one line of `catalog search --json`.
type searchResult struct {
	SKU            string   `json:"sku"`
	Name           string   `json:"name"`
	Score          float64  `json:"score"`
	Brand          string   `json:"brand,omitempty"`
	Category       string   `json:"category,omitempty"`
	Price          float64  `json:"price"`
	SalePrice      *float64 `json:"sale_price,omitempty"`
	EffectivePrice float64  `json:"effective_price"`
	Currency       string   `json:"currency,omitempty"`
	Stock          *int     `json:"stock,omitempty"`
	InStock        bool     `json:"in_stock"`
	URL            string   `json:"url,omitempty"`
	Image          string   `json:"image,omitempty"`
}

// floatFlag is a float flag that knows whether it was set.
type floatFlag struct {
	v   float64
	set bool
}

func (f *floatFlag) String() string {
	if !f.set {
		return ""
	}
	return strconv.FormatFloat(f.v, 'f', -1, 64)
}

func (f *floatFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 64)
	if err != nil || v < 0 || v != v {
		return fmt.Errorf("%q is not a non-negative number", s)
	}
	f.v, f.set = v, true
	return nil
}

func (f *floatFlag) ptr() *float64 {
	if !f.set {
		return nil
	}
	v := f.v
	return &v
}

func runCatalogSearch(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "catalog search",
		"livehost catalog search --query TEXT [--top K] [--catalog FILE] [--data DIR] [--db URL] [--in-stock] [--category C] [--min-price N] [--max-price N] [--json]",
		`Searches the catalog: a lexical ranking (BM25 over folded character bigrams and words, name and brand
weighted) and a vector ranking (cosine over embeddings) fused by reciprocal rank fusion. Half-width,
katakana and hiragana spellings are the same query (ﾘｯﾌﾟ = りっぷ = リップ), and kanji meet their kana
readings (黒 = くろ). With --catalog it searches that file directly, with no store. --json prints a JSON
array of objects (sku, name, score, prices, stock, …), best first; scores are in [0,1].`)
	query := fs.String("query", "", "what to look for (required)")
	top := fs.Int("top", 10, "number of results")
	file := fs.String("catalog", "", "search this catalog file directly instead of a store")
	inStock := fs.Bool("in-stock", false, "only products in stock")
	category := fs.String("category", "", "only this category (width, case and kana folded)")
	var minPrice, maxPrice floatFlag
	fs.Var(&minPrice, "min-price", "lowest effective price (the sale price when there is one)")
	fs.Var(&maxPrice, "max-price", "highest effective price")
	asJSON := fs.Bool("json", false, "print a JSON array")
	var sf storeFlags
	sf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*query) == "" && len(pos) == 1 {
		*query, pos = pos[0], nil // "livehost catalog search リップ"
	}
	if strings.TrimSpace(*query) == "" || len(pos) != 0 || *top <= 0 {
		fs.Usage()
		return errUsage
	}

	var s *catalog.Searcher
	if *file != "" {
		res, err := catalog.ReadFile(*file, "")
		if err != nil {
			return err
		}
		for _, r := range res.Rejects {
			fmt.Fprintf(env.stderr, "skipped %s\n", r)
		}
		emb, err := embedderFor(ctx, env.config(), sf.embedder, "", 0)
		if err != nil {
			return err
		}
		if s, err = catalog.NewMemorySearcher(ctx, res.Products, emb); err != nil {
			return err
		}
	} else {
		st, _, err := sf.open(ctx, env.config(), true)
		if err != nil {
			return err
		}
		defer st.Close()
		if s, err = openSearcher(ctx, env.config(), st, sf.embedder); err != nil {
			return err
		}
	}
	hits, err := s.Search(ctx, catalog.Query{Text: *query, K: *top, Filter: catalog.Filter{
		InStockOnly: *inStock, Category: *category, MinPrice: minPrice.ptr(), MaxPrice: maxPrice.ptr(),
	}})
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]searchResult, len(hits))
		for i, h := range hits {
			p := h.Product
			out[i] = searchResult{SKU: p.SKU, Name: p.Name, Score: roundScore(h.Score), Brand: p.Brand, Category: p.Category,
				Price: p.Price, SalePrice: p.SalePrice, EffectivePrice: p.EffectivePrice(), Currency: p.Currency,
				Stock: p.Stock, InStock: p.InStock(), URL: p.URL, Image: p.Image}
		}
		return writeJSON(env.stdout, out)
	}
	printHits(env.stdout, *query, hits)
	return nil
}

func roundScore(s float64) float64 { return float64(int(s*10000+0.5)) / 10000 }

// nameColumns is the widest a product name may print in the search table.
const nameColumns = 40

// printHits prints hits as a table whose columns line up on a terminal, padding by display width.
func printHits(w io.Writer, query string, hits []catalog.Hit) {
	if len(hits) == 0 {
		fmt.Fprintf(w, "no products match %q\n", query)
		return
	}
	rows := [][]string{{"#", "score", "sku", "name", "price", "stock", "category"}}
	for i, h := range hits {
		p := h.Product
		rows = append(rows, []string{strconv.Itoa(i + 1), fmt.Sprintf("%.3f", h.Score), tableCell(p.SKU),
			truncateWidth(tableCell(p.Name), nameColumns), formatPrice(&p), formatStock(&p), tableCell(p.Category)})
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for c, cell := range r {
			widths[c] = max(widths[c], displayWidth(cell))
		}
	}
	right := map[int]bool{0: true, 1: true, 4: true}
	for _, r := range rows {
		var b strings.Builder
		for c, cell := range r {
			pad := strings.Repeat(" ", widths[c]-displayWidth(cell))
			if c > 0 {
				b.WriteString("  ")
			}
			if right[c] {
				b.WriteString(pad + cell)
			} else if c < len(r)-1 {
				b.WriteString(cell + pad)
			} else {
				b.WriteString(cell)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func formatPrice(p *catalog.Product) string {
	if p.SalePrice != nil && *p.SalePrice > 0 && *p.SalePrice < p.Price {
		return formatMoney(*p.SalePrice, p.Currency) + " (was " + formatMoney(p.Price, p.Currency) + ")"
	}
	return formatMoney(p.Price, p.Currency)
}

func formatMoney(v float64, currency string) string {
	if currency == "" || currency == "JPY" {
		return "¥" + groupThousands(strconv.FormatFloat(v, 'f', -1, 64))
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + " " + currency
}

func groupThousands(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

func formatStock(p *catalog.Product) string {
	switch {
	case p.Stock == nil:
		return "-"
	case *p.Stock == 0:
		return "sold out"
	}
	return strconv.Itoa(*p.Stock)
}

// displayWidth is how many terminal columns s takes: East Asian wide and full-width characters
// take two, combining marks and zero-width format characters none, everything else one. Rune
// counts (text/tabwriter) misalign columns as soon as a name is Japanese.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0 // 「が」 written as か + U+3099, variation selectors, ZWJ
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// truncateWidth cuts s to at most maxWidth columns, ending a cut with "…" (one column) and never
// splitting a character from the combining marks that follow it.
func truncateWidth(s string, maxWidth int) string {
	if displayWidth(s) <= maxWidth {
		return s
	}
	var b strings.Builder
	w := 0
	for _, r := range s {
		rw := runeWidth(r)
		if w+rw > maxWidth-1 {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	return b.String() + "…"
}

// tableCell keeps a catalog value on one line: a tab or newline in a name would break the table.
func tableCell(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

func runCatalogOffer(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "catalog offer",
		"livehost catalog offer SKU [--price N] [--sale-price N] [--stock N] [--data DIR] [--db URL] [--json]",
		`Changes a product's price, sale price or stock during a show, without re-embedding it. --sale-price 0
ends a sale. A running livehost on the same embedded store sees the change at its next read.`)
	var price, sale floatFlag
	fs.Var(&price, "price", "new list price")
	fs.Var(&sale, "sale-price", "new sale price (0 ends the sale)")
	stock := fs.String("stock", "", "new stock count")
	asJSON := fs.Bool("json", false, "print the updated product as JSON")
	var sf storeFlags
	sf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (!price.set && !sale.set && *stock == "") {
		fs.Usage()
		return errUsage
	}
	o := catalog.Offer{Price: price.ptr(), SalePrice: sale.ptr()}
	if *stock != "" {
		n, err := strconv.Atoi(strings.TrimSpace(*stock))
		if err != nil || n < 0 {
			return fmt.Errorf("--stock %q is not a count", *stock)
		}
		o.Stock = &n
	}
	st, _, err := sf.open(ctx, env.config(), true)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.UpdateOffer(ctx, pos[0], o); err != nil {
		if errors.Is(err, catalog.ErrNotFound) {
			return fmt.Errorf("no product with sku %q", pos[0])
		}
		return err
	}
	p, _, err := st.Get(ctx, pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.stdout, p)
	}
	fmt.Fprintf(env.stdout, "%s %s: %s, stock %s\n", p.SKU, p.Name, formatPrice(&p), formatStock(&p))
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
