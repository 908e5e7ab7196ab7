package evals

import (
	"context"
	"github.com/livehost/livehost/internal/config"
	"math"
	"os"
	"testing"
)

func f(v float64) *float64 { return &v }

func TestThresholdsApply(t *testing.T) {
	tests := []struct {
		name     string
		metrics  []Metric
		bounds   map[string]Bound
		wantPass bool
	}{
		{"min met", []Metric{{Name: "recall", Value: 0.96}}, map[string]Bound{"recall": {Min: f(0.95)}}, true},
		{"min missed", []Metric{{Name: "recall", Value: 0.90}}, map[string]Bound{"recall": {Min: f(0.95)}}, false},
		{"max met", []Metric{{Name: "fp", Value: 0.04}}, map[string]Bound{"fp": {Max: f(0.05)}}, true},
		{"max missed", []Metric{{Name: "fp", Value: 0.06}}, map[string]Bound{"fp": {Max: f(0.05)}}, false},
		{"NaN fails", []Metric{{Name: "recall", Value: math.NaN()}}, map[string]Bound{"recall": {Min: f(0.5)}}, false},
		{"declared but missing fails", nil, map[string]Bound{"recall": {Min: f(0.5)}}, false},
		{"undeclared is info", []Metric{{Name: "x", Value: 0}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Result{Suite: "s", Metrics: tt.metrics}
			Thresholds{"s": tt.bounds}.apply(&r)
			if r.Pass != tt.wantPass {
				t.Errorf("pass = %v, want %v (%+v)", r.Pass, tt.wantPass, r.Metrics)
			}
		})
	}
}

func TestThresholdsFileIsValid(t *testing.T) {
	th, err := DefaultThresholds()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Suites() {
		if len(th[s.Name]) == 0 {
			t.Errorf("suite %s declares no threshold in thresholds.json", s.Name)
		}
	}
	if _, err := parseThresholds([]byte(`{"no-such-suite":{}}`), "x"); err == nil {
		t.Error("an unknown suite in thresholds.json must be an error")
	}
	if _, err := parseThresholds([]byte(`{"moderation":{"recall":{"minn":1}}}`), "x"); err == nil {
		t.Error("an unknown bound field must be an error")
	}
}

// TestSuitesMeetThresholds runs every suite the way `livehost eval` does, so a regression fails
// `go test` as well as the eval step of the test script.
func TestSuitesMeetThresholds(t *testing.T) {
	th, err := DefaultThresholds()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Agents: config.Config{Engine: "offline"}, SharedData: "../../shared/data", CatalogPath: "../examples/catalog.jsonl", RequireSharedData: os.Getenv("CI") == "true"}
	results, err := Run(context.Background(), cfg, nil, th)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		for _, m := range r.Metrics {
			t.Logf("%s %s = %.3f (%s)", r.Suite, m.Name, m.Value, m.Note)
		}
		if !r.Pass {
			t.Errorf("suite %s fails its thresholds: %+v", r.Suite, r.Metrics)
		}
	}
}

func TestDatasetsParse(t *testing.T) {
	for _, name := range []string{"chat.jsonl", "host.jsonl"} {
		cases, err := readJSONL[moderationCase](name)
		if err != nil {
			t.Fatal(err)
		}
		var pos, neg int
		seen := map[string]bool{}
		for _, c := range cases {
			if seen[c.ID] {
				t.Errorf("%s: duplicate id %s", name, c.ID)
			}
			seen[c.ID] = true
			if c.Flag {
				pos++
			} else {
				neg++
			}
		}
		if pos < 20 || neg < 20 {
			t.Errorf("%s: %d must-flag and %d must-pass cases; want at least 20 of each", name, pos, neg)
		}
	}
}
