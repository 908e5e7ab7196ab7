// Package evals measures the agents: datasets (JSONL, embedded), suites that run them through the real
// engines, thresholds every change is checked against, and the outside sets read in place from
// ../shared/data (semiPQA field selection, japanese-toxic).
package evals

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/livehost/livehost/internal/config"
)

// Config is what a run needs from outside.
type Config struct {
	// Agents is the agents' configuration, as serve and ask read it (config.FromEnv and flags);
	// the answer suites build their engine from it through the composition root. Its Engine ""
	// means offline here: an eval is explicit about what it measures.
	Agents config.Config
	// SharedData is the folder holding semipqa/ and japanese-toxic/ (default ../shared/data).
	SharedData string
	// CatalogPath is the catalog the answer suites run against (default examples/catalog.jsonl).
	CatalogPath string
	// RequireSharedData makes a missing outside data set an error instead of a skipped suite (CI).
	RequireSharedData bool
	// Judge enables the model-judged score of free-text answers (off by default).
	Judge bool
	// HTTPClient, when set, carries the OpenAI-compatible requests (tests point it at a local server).
	HTTPClient *http.Client
}

// Metric is one measured figure and, when thresholds.json declares one, its bound.
type Metric struct {
	Name      string   `json:"name"`
	Value     float64  `json:"value"`
	Min       *float64 `json:"min,omitempty"`
	Max       *float64 `json:"max,omitempty"`
	Pass      bool     `json:"pass"`
	Declared  bool     `json:"declared"` // false: informational, no threshold
	Note      string   `json:"note,omitempty"`
	Precision int      `json:"-"`
}

// Failure is one case that did not meet its expectation, to show what regressed.
type Failure struct {
	Case   string `json:"case"`
	Detail string `json:"detail"`
}

// Latency holds per-case latency percentiles in milliseconds.
type Latency struct {
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Result is one suite's outcome.
type Result struct {
	Suite    string    `json:"suite"`
	Engine   string    `json:"engine"`
	Cases    int       `json:"cases"`
	Metrics  []Metric  `json:"metrics"`
	Latency  *Latency  `json:"latency,omitempty"`
	Failures []Failure `json:"failures,omitempty"`
	Skipped  string    `json:"skipped,omitempty"`
	Pass     bool      `json:"pass"`
	Duration string    `json:"duration"`
}

// Suite is one named evaluation.
type Suite struct {
	Name        string
	Description string
	run         func(ctx context.Context, cfg Config, r *Result) error
}

// Suites lists every suite in run order.
func Suites() []Suite { return suites }

var suites []Suite

func addSuite(s Suite) { suites = append(suites, s) }

// errNoData marks an outside data set that is not there; the suite is skipped unless required.
type errNoData struct{ path string }

func (e errNoData) Error() string { return "data not found: " + e.path }

// Run runs the named suites ("" or "all" for every one) and checks them against thresholds.
func Run(ctx context.Context, cfg Config, names []string, th Thresholds) ([]Result, error) {
	if cfg.Agents.Engine == "" {
		cfg.Agents.Engine = "offline"
	}
	var selected []Suite
	if len(names) == 0 || (len(names) == 1 && (names[0] == "" || names[0] == "all")) {
		selected = suites
	} else {
		for _, n := range names {
			found := false
			for _, s := range suites {
				if s.Name == n {
					selected = append(selected, s)
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("unknown suite %q (suites: %s)", n, strings.Join(suiteNames(), ", "))
			}
		}
	}
	var out []Result
	for _, s := range selected {
		start := time.Now()
		r := Result{Suite: s.Name, Engine: cfg.Agents.Engine}
		err := s.run(ctx, cfg, &r)
		r.Duration = time.Since(start).Round(time.Millisecond).String()
		if nd, ok := err.(errNoData); ok && !cfg.RequireSharedData {
			r.Skipped = nd.Error()
			r.Pass = true
			out = append(out, r)
			continue
		}
		if err != nil {
			return out, fmt.Errorf("suite %s: %w", s.Name, err)
		}
		th.apply(&r)
		out = append(out, r)
	}
	return out, nil
}

func suiteNames() []string {
	var n []string
	for _, s := range suites {
		n = append(n, s.Name)
	}
	return n
}

// Bound is a declared threshold.
type Bound struct {
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
}

// Thresholds maps suite → metric → bound, as declared in evals/thresholds.json.
type Thresholds map[string]map[string]Bound

// LoadThresholds reads thresholds.json; an unknown suite or metric name there is an error so a typo
// cannot silently disable a check.
func LoadThresholds(path string) (Thresholds, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read thresholds: %w", err)
	}
	return parseThresholds(b, path)
}

func parseThresholds(b []byte, name string) (Thresholds, error) {
	var th Thresholds
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&th); err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	known := map[string]bool{}
	for _, s := range suites {
		known[s.Name] = true
	}
	for s := range th {
		if !known[s] {
			return nil, fmt.Errorf("%s: unknown suite %q", name, s)
		}
	}
	return th, nil
}

// DefaultThresholds is the thresholds file shipped in the binary.
func DefaultThresholds() (Thresholds, error) {
	b, err := fs.ReadFile(dataFS, "thresholds.json")
	if err != nil {
		return nil, err
	}
	return parseThresholds(b, "thresholds.json")
}

func (th Thresholds) apply(r *Result) {
	r.Pass = true
	bounds := th[r.Suite]
	seen := map[string]bool{}
	for i := range r.Metrics {
		m := &r.Metrics[i]
		m.Pass = true
		seen[m.Name] = true
		b, ok := bounds[m.Name]
		if !ok {
			continue
		}
		m.Declared = true
		m.Min, m.Max = b.Min, b.Max
		if b.Min != nil && !(m.Value >= *b.Min) {
			m.Pass = false
		}
		if b.Max != nil && !(m.Value <= *b.Max) {
			m.Pass = false
		}
		if !m.Pass {
			r.Pass = false
		}
	}
	// A declared metric the suite did not produce is a failure, not a silent pass.
	for name := range bounds {
		if !seen[name] {
			r.Metrics = append(r.Metrics, Metric{Name: name, Value: math.NaN(), Declared: true, Pass: false, Note: "not produced by the suite"})
			r.Pass = false
		}
	}
}

// percentiles computes latency percentiles of durations.
func percentiles(ds []time.Duration) *Latency {
	if len(ds) == 0 {
		return nil
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		if i < 0 {
			i = 0
		}
		return float64(s[i].Microseconds()) / 1000
	}
	return &Latency{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: float64(s[len(s)-1].Microseconds()) / 1000}
}

// ratio is a/b, 0 when b is 0.
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// sharedPath resolves a file under the shared data folder.
func sharedPath(cfg Config, rel string) (string, error) {
	root := cfg.SharedData
	if root == "" {
		root = filepath.Join("..", "shared", "data")
	}
	p := filepath.Join(root, rel)
	if _, err := os.Stat(p); err != nil {
		return "", errNoData{p}
	}
	return p, nil
}
