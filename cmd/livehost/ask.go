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
	"time"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/agents/moderation"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/prompts"
	openai "github.com/sashabaranov/go-openai"
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
		"livehost ask --catalog FILE [--on-air SKU] [--lineup SKU,…] [--question TEXT] [--json] [--engine offline|llm]",
		"Answers viewer questions from a product catalog. With --question it answers that one; without, it reads\n"+
			"JSON lines {\"question\": \"…\", \"on_air\": \"SKU\", \"lineup\": [\"SKU\", …]} on stdin and writes one JSON\n"+
			"line per input line, in order: is_question, intent, sku (null when none), answer, facts, cross_sell,\n"+
			"confidence (0–1), needs_review, engine and fallback. A bad input line gets {\"line\": N, \"error\": \"…\"}\n"+
			"and the exit status is 1.\n\n"+
			"The LLM engine is used when OPENAI_API_KEY or OPENAI_BASE_URL is set (model LIVEHOST_LLM_MODEL), else\n"+
			"the offline engine; --engine overrides. Every LLM draft is checked against the catalog and falls back\n"+
			"to the offline answer (fallback says why) when it states a fact the catalog does not back.")
	catalogPath := fs.String("catalog", "", "catalog file: JSONL, CSV or Shopify CSV (required)")
	onAir := fs.String("on-air", "", "SKU of the product on air (an input line's on_air wins)")
	lineup := fs.String("lineup", "", "comma-separated SKUs of the show's lineup, preferred when a question names a product")
	question := fs.String("question", "", "answer this one question instead of reading stdin")
	asJSON := fs.Bool("json", false, "with --question, print the answer as a JSON line (stdin mode always does)")
	engineName := fs.String("engine", "", "offline or llm (default: llm when OPENAI_API_KEY or OPENAI_BASE_URL is set, else offline)")
	brandDir := fs.String("brand", envOr(env, "LIVEHOST_BRAND_DIR", ""), "folder with persona.json / policy.json for the brand (env LIVEHOST_BRAND_DIR)")
	budget := fs.Duration("llm-timeout", 4*time.Second, "time budget of one LLM answer before the offline answer is used")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &exitError{2, fmt.Errorf("unexpected argument %q (the question goes in --question)", rest[0])}
	}
	if *catalogPath == "" {
		return &exitError{2, errors.New("--catalog FILE is required")}
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	rr, err := catalog.ReadFile(*catalogPath, "")
	if err != nil {
		return &exitError{1, fmt.Errorf("read catalog %s: %w", *catalogPath, err)}
	}
	for _, r := range rr.Rejects {
		log.Warn("catalog row rejected", "row", r.String())
	}
	searcher, err := catalog.NewMemorySearcher(ctx, rr.Products, catalog.NewHashEmbedder(256))
	if err != nil {
		return &exitError{1, fmt.Errorf("index catalog %s: %w", *catalogPath, err)}
	}
	if *onAir != "" {
		if _, ok, _ := searcher.Get(ctx, *onAir); !ok {
			return &exitError{2, fmt.Errorf("--on-air %q is not in %s", *onAir, *catalogPath)}
		}
	}
	set, err := prompts.Load(*brandDir)
	if err != nil {
		return &exitError{2, err}
	}
	mod, err := moderation.NewDefault()
	if err != nil {
		return &exitError{1, fmt.Errorf("load moderation lists: %w", err)}
	}
	offline := answer.NewOffline(searcher, set)
	offline.Claims = answer.ModerationClaims(mod)

	key, base := strings.TrimSpace(env.getenv("OPENAI_API_KEY")), strings.TrimSpace(env.getenv("OPENAI_BASE_URL"))
	name := *engineName
	if name == "" {
		name = "offline"
		if key != "" || base != "" {
			name = "llm"
		}
	}
	var eng answer.Engine
	switch name {
	case "offline":
		eng = offline
	case "llm":
		if key == "" && base == "" {
			return &exitError{2, errors.New("--engine llm needs OPENAI_API_KEY or OPENAI_BASE_URL")}
		}
		cfg := openai.DefaultConfig(key)
		if base != "" {
			cfg.BaseURL = base
		}
		llm := answer.NewLLM(openai.NewClientWithConfig(cfg), envOr(env, "LIVEHOST_LLM_MODEL", "gpt-4o-mini"), offline)
		llm.Budget = *budget
		eng = llm
	default:
		return &exitError{2, fmt.Errorf("--engine must be offline or llm, not %q", name)}
	}
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
