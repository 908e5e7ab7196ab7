package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/internal/wire"
)

func init() {
	register(command{
		name:    "ask",
		summary: "answer viewer questions from a catalog (one, or JSON lines on stdin)",
		run:     runAsk,
	})
}

// askInput is one JSON line on stdin.
type askInput struct {
	Question *string  `json:"question"`
	OnAir    *string  `json:"on_air"`
	Lineup   []string `json:"lineup"`
}

// askOutput is one JSON line on stdout: the answer contract scripts rely on.
type askOutput struct {
	Question    string        `json:"question"`
	OnAir       string        `json:"on_air,omitempty"`
	IsQuestion  bool          `json:"is_question"`
	Intent      string        `json:"intent"`
	Lang        string        `json:"lang"`
	SKU         *string       `json:"sku"`
	Answer      string        `json:"answer"`
	Facts       []answer.Fact `json:"facts"`
	CrossSell   []string      `json:"cross_sell"`
	Confidence  float64       `json:"confidence"`
	NeedsReview bool          `json:"needs_review"`
	Engine      string        `json:"engine"`
	Fallback    string        `json:"fallback,omitempty"`
}

// askError is the line written in place of an answer when an input line is bad.
type askError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// maxAskLine bounds one input line; chat messages are short, a megabyte line is a mistake.
const maxAskLine = 64 << 10

func runAsk(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "ask",
		"livehost ask [--catalog FILE | --data DIR | --db URL] [--on-air SKU] [--lineup SKU,…] [--question TEXT] [--json] [--engine offline|llm]",
		"Answers viewer questions from the product catalog: the catalog store (--data DIR, --db URL, as\n"+
			"`livehost catalog import` filled it) or a catalog file (--catalog FILE). With --question it answers that\n"+
			"one; without, it reads JSON lines {\"question\": \"…\", \"on_air\": \"SKU\", \"lineup\": [\"SKU\", …]} on stdin and\n"+
			"writes one JSON line per input line, in order: is_question, intent, sku (null when none), answer,\n"+
			"facts, cross_sell, confidence (0–1), needs_review, engine and fallback. A bad input line gets\n"+
			"{\"line\": N, \"error\": \"…\"} and the exit status is 1.\n\n"+
			"The agents are the ones `livehost serve` runs on the same settings: the LLM engine when OPENAI_API_KEY or\n"+
			"OPENAI_BASE_URL is set (model LIVEHOST_LLM_MODEL), else the offline engine; --engine overrides. Every\n"+
			"LLM draft is checked against the catalog and falls back to the offline answer (fallback says why) when\n"+
			"it states a fact the catalog does not back. --brand gives the brand's persona and shop policy.")
	cfg := env.config()
	fs.StringVar(&cfg.Catalog, "catalog", cfg.Catalog, "catalog file: JSONL, CSV or Shopify CSV (default: the catalog store; env LIVEHOST_CATALOG)")
	var sf storeFlags
	sf.register(fs)
	onAir := fs.String("on-air", "", "SKU of the product on air (an input line's on_air wins)")
	lineup := fs.String("lineup", "", "comma-separated SKUs of the show's lineup, preferred when a question names a product")
	question := fs.String("question", "", "answer this one question instead of reading stdin")
	asJSON := fs.Bool("json", false, "with --question, print the answer as a JSON line (stdin mode always does)")
	registerAgentFlags(fs, &cfg)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &exitError{2, fmt.Errorf("unexpected argument %q (the question goes in --question)", rest[0])}
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	var searcher *catalog.Searcher
	where := cfg.Catalog
	if cfg.Catalog != "" {
		rr, err := catalog.ReadFile(cfg.Catalog, "")
		if err != nil {
			return &exitError{1, fmt.Errorf("read catalog %s: %w", cfg.Catalog, err)}
		}
		for _, r := range rr.Rejects {
			log.Warn("catalog row rejected", "row", r.String())
		}
		if searcher, err = catalog.NewMemorySearcher(ctx, rr.Products, catalog.NewHashEmbedder(256)); err != nil {
			return &exitError{1, fmt.Errorf("index catalog %s: %w", cfg.Catalog, err)}
		}
	} else {
		st, w, err := sf.open(ctx, cfg, true)
		if err != nil {
			return &exitError{1, fmt.Errorf("open the catalog store: %w", err)}
		}
		defer st.Close()
		where = w
		if searcher, err = openSearcher(ctx, cfg, st, sf.embedder); err != nil {
			return &exitError{1, fmt.Errorf("catalog store %s: %w", where, err)}
		}
	}
	if *onAir != "" {
		if _, ok, err := searcher.Get(ctx, *onAir); err != nil || !ok {
			return &exitError{2, fmt.Errorf("--on-air %q is not in %s", *onAir, where)}
		}
	}
	agents, err := wire.Build(ctx, cfg, wire.Deps{Catalog: searcher, Logger: log})
	if err != nil {
		if errors.Is(err, wire.ErrConfig) {
			return &exitError{2, err}
		}
		return &exitError{1, err}
	}
	defer agents.Close()
	eng := agents.Answer
	var lineupSKUs []string
	for _, s := range strings.Split(*lineup, ",") {
		if s = strings.TrimSpace(s); s != "" {
			lineupSKUs = append(lineupSKUs, s)
		}
	}

	if *question != "" {
		req := answer.Request{Text: *question, OnAir: *onAir, Lineup: lineupSKUs}
		var res answer.Result
		streamed := false
		if llm, ok := eng.(*answer.LLM); ok && !*asJSON {
			// A person at the terminal sees the draft as the model writes it.
			res, err = llm.AnswerStream(ctx, req, func(tok string) {
				streamed = true
				fmt.Fprint(env.stdout, tok)
			})
			if streamed {
				fmt.Fprintln(env.stdout)
				if res.Fallback != "" {
					fmt.Fprintf(env.stdout, "(draft replaced: %s)\n", res.Fallback)
				}
			}
		} else {
			res, err = eng.Answer(ctx, req)
		}
		if err != nil {
			return &exitError{1, fmt.Errorf("answer: %w", err)}
		}
		out := toAskOutput(req, res)
		if *asJSON {
			return json.NewEncoder(env.stdout).Encode(out)
		}
		if streamed && res.Fallback == "" {
			out.Answer = "" // already on the screen
		}
		printAsk(env.stdout, out)
		return nil
	}
	return askLines(ctx, env, eng, searcher, *onAir, lineupSKUs)
}

// askLines answers JSON lines from stdin, one output line per input line, in order.
func askLines(ctx context.Context, env *cliEnv, eng answer.Engine, s answer.Searcher, onAir string, lineup []string) error {
	br := bufio.NewReaderSize(env.stdin, 64<<10)
	enc := json.NewEncoder(env.stdout)
	bad := 0
	for n := 1; ; n++ {
		raw, err := readLine(br)
		if errors.Is(err, io.EOF) && len(raw) == 0 {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, errLineTooLong) {
			return fmt.Errorf("read stdin line %d: %w", n, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, errLineTooLong) {
			bad++
			if e := enc.Encode(askError{n, fmt.Sprintf("line %d: longer than %d bytes", n, maxAskLine)}); e != nil {
				return e
			}
			continue
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		req, perr := parseAskLine(ctx, raw, s, onAir, lineup)
		var out any
		if perr == nil {
			res, aerr := eng.Answer(ctx, req)
			if aerr != nil {
				perr = fmt.Errorf("answer: %w", aerr)
			} else {
				out = toAskOutput(req, res)
			}
		}
		if perr != nil {
			bad++
			out = askError{n, fmt.Sprintf("line %d: %v", n, perr)}
		}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("write answer %d: %w", n, err)
		}
	}
	if bad > 0 {
		return &exitError{1, fmt.Errorf("%d input line(s) had errors (see the error lines)", bad)}
	}
	return nil
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line without its newline; a line over maxAskLine is consumed and reported.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		part, isPrefix, err := br.ReadLine()
		line = append(line, part...)
		if err != nil {
			return line, err
		}
		if len(line) > maxAskLine {
			for isPrefix && err == nil {
				_, isPrefix, err = br.ReadLine()
			}
			return nil, errLineTooLong
		}
		if !isPrefix {
			return line, nil
		}
	}
}

func parseAskLine(ctx context.Context, raw []byte, s answer.Searcher, onAir string, lineup []string) (answer.Request, error) {
	var in askInput
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&in); err != nil {
		return answer.Request{}, fmt.Errorf("invalid JSON: %v", err)
	}
	if dec.More() {
		return answer.Request{}, errors.New("invalid JSON: more than one value on the line")
	}
	if in.Question == nil {
		return answer.Request{}, errors.New(`missing "question"`)
	}
	req := answer.Request{Text: *in.Question, OnAir: onAir, Lineup: lineup}
	if in.OnAir != nil {
		req.OnAir = strings.TrimSpace(*in.OnAir)
	}
	if in.Lineup != nil {
		req.Lineup = in.Lineup
	}
	if req.OnAir != "" {
		if _, ok, err := s.Get(ctx, req.OnAir); err != nil || !ok {
			return req, fmt.Errorf("on_air %q is not in the catalog", req.OnAir)
		}
	}
	return req, nil
}

func toAskOutput(req answer.Request, r answer.Result) askOutput {
	out := askOutput{
		Question: req.Text, OnAir: req.OnAir, IsQuestion: r.IsQuestion, Intent: r.Intent, Lang: r.Lang,
		Answer: r.Answer, Facts: r.Facts, CrossSell: r.CrossSell, NeedsReview: r.NeedsReview,
		Confidence: math.Round(r.Confidence*1000) / 1000, Engine: r.Engine, Fallback: r.Fallback,
	}
	if r.SKU != "" {
		sku := r.SKU
		out.SKU = &sku
	}
	if out.Facts == nil {
		out.Facts = []answer.Fact{}
	}
	if out.CrossSell == nil {
		out.CrossSell = []string{}
	}
	return out
}

func printAsk(w io.Writer, o askOutput) {
	if !o.IsQuestion {
		fmt.Fprintln(w, "(not a question for the shop)")
		return
	}
	if o.Answer != "" {
		fmt.Fprintln(w, o.Answer)
	}
	sku := "none"
	if o.SKU != nil {
		sku = *o.SKU
	}
	fmt.Fprintf(w, "\nintent %s · product %s · confidence %.2f · engine %s", o.Intent, sku, o.Confidence, o.Engine)
	if o.NeedsReview {
		fmt.Fprint(w, " · needs review")
	}
	if o.Fallback != "" {
		fmt.Fprintf(w, " · fallback: %s", o.Fallback)
	}
	fmt.Fprintln(w)
	for _, f := range o.Facts {
		fmt.Fprintf(w, "  fact %s = %s\n", f.Field, f.Value)
	}
	if len(o.CrossSell) > 0 {
		fmt.Fprintf(w, "  cross-sell: %s\n", strings.Join(o.CrossSell, ", "))
	}
}
