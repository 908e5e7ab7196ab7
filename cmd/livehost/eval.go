package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/livehost/livehost/evals"
)

func init() {
	register(command{
		name:    "eval",
		summary: "measure the agents against the eval sets and their thresholds",
		run:     runEval,
	})
}

func runEval(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "eval", "livehost eval [--suite NAME[,NAME…]] [--engine offline|llm] [--json]",
		"Runs the eval suites (datasets in evals/data, outside sets read in place from ../shared/data) and checks\n"+
			"each metric against evals/thresholds.json. Exits 1 when a threshold fails.\n\nSuites:\n"+suiteList())
	suite := fs.String("suite", "all", "suites to run, comma-separated, or all")
	agents := env.config()
	agents.Engine = "offline" // an eval says what it measures: --engine llm for the model
	registerAgentFlags(fs, &agents)
	asJSON := fs.Bool("json", false, "print the results as JSON")
	shared := fs.String("shared-data", agents.SharedData, "folder with the outside data sets (env LIVEHOST_SHARED_DATA)")
	catalogPath := fs.String("catalog", "examples/catalog.jsonl", "catalog the answer suites run against")
	thresholds := fs.String("thresholds", "", "thresholds file (default: the evals/thresholds.json built into the binary)")
	judge := fs.Bool("judge", false, "add a model-judged score of free-text answers (needs an OpenAI-compatible server)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if agents.Engine != "offline" && agents.Engine != "llm" {
		return &exitError{2, fmt.Errorf("--engine must be offline or llm, not %q", agents.Engine)}
	}
	var th evals.Thresholds
	var err error
	if *thresholds != "" {
		th, err = evals.LoadThresholds(*thresholds)
	} else {
		th, err = evals.DefaultThresholds()
	}
	if err != nil {
		return err
	}
	cfg := evals.Config{
		Agents:            agents,
		SharedData:        *shared,
		CatalogPath:       *catalogPath,
		RequireSharedData: agents.CI,
		Judge:             *judge,
	}
	results, err := evals.Run(ctx, cfg, strings.Split(*suite, ","), th)
	if err != nil {
		return err
	}
	pass := true
	for _, r := range results {
		pass = pass && r.Pass
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"pass": pass, "suites": results}); err != nil {
			return err
		}
	} else {
		printEvalTable(env, results)
	}
	if !pass {
		return &exitError{1, fmt.Errorf("a threshold failed")}
	}
	return nil
}

func suiteList() string {
	var b strings.Builder
	for _, s := range evals.Suites() {
		fmt.Fprintf(&b, "  %-15s %s\n", s.Name, s.Description)
	}
	return b.String()
}

func printEvalTable(env *cliEnv, results []evals.Result) {
	tw := tabwriter.NewWriter(env.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "SUITE\tMETRIC\tVALUE\tTHRESHOLD\tRESULT\tNOTE")
	for _, r := range results {
		if r.Skipped != "" {
			fmt.Fprintf(tw, "%s\t-\t-\t-\tskipped\t%s\n", r.Suite, r.Skipped)
			continue
		}
		for _, m := range r.Metrics {
			res := "info"
			if m.Declared {
				res = "pass"
				if !m.Pass {
					res = "FAIL"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Suite, m.Name, fmtValue(m.Value), fmtBound(m), res, m.Note)
		}
		if l := r.Latency; l != nil {
			fmt.Fprintf(tw, "%s\tlatency\tp50 %.3fms p95 %.3fms p99 %.3fms\t\t\t%d cases in %s\n", r.Suite, l.P50, l.P95, l.P99, r.Cases, r.Duration)
		}
	}
	tw.Flush()
	for _, r := range results {
		for i, f := range r.Failures {
			if i == 0 {
				fmt.Fprintf(env.stdout, "\n%s: cases that did not meet expectations\n", r.Suite)
			}
			if i == 15 {
				fmt.Fprintf(env.stdout, "  … and %d more\n", len(r.Failures)-15)
				break
			}
			fmt.Fprintf(env.stdout, "  %s: %s\n", f.Case, f.Detail)
		}
	}
}

func fmtValue(v float64) string {
	if math.IsNaN(v) {
		return "missing"
	}
	return fmt.Sprintf("%.3f", v)
}

func fmtBound(m evals.Metric) string {
	switch {
	case m.Min != nil && m.Max != nil:
		return fmt.Sprintf("%.3f..%.3f", *m.Min, *m.Max)
	case m.Min != nil:
		return fmt.Sprintf("≥ %.3f", *m.Min)
	case m.Max != nil:
		return fmt.Sprintf("≤ %.3f", *m.Max)
	}
	return ""
}
