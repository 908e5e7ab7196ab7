package answer

import (
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// fieldprior.tsv counts, per attribute name, how many questions of the semiPQA dev split it was a
// candidate for and how many it answered: some attributes answer almost whatever is asked of them
// (age_range_description, band, number_of_light_sources) while others rarely do (the package
// weight, model_year). It is a result computed from the dev split (regenerate it with
// LIVEHOST_UPDATE_FIELDPRIOR=1 go test -run FieldPriorTable ./agents/answer); the test split is
// never read for it.
//
//go:embed fieldprior.tsv
var fieldPriorTSV string

// fieldPriorSmoothing pulls an attribute seen in few questions toward the average answer rate, and
// fieldPriorWeight scales the log-ratio against the lexicon's evidence; both were chosen by two-fold
// cross-validation over products of the dev split (a plateau from 20 to 50 and 0.5 to 1).
const (
	fieldPriorSmoothing = 50
	fieldPriorWeight    = 0.75
)

// fieldPriors maps a lower-cased attribute name to its prior: the log of its smoothed answer rate
// over the average rate. Names it does not hold, such as every Japanese attribute, score 0.
var fieldPriors = mustFieldPriors(fieldPriorTSV)

type priorCount struct{ seen, answered int }

func mustFieldPriors(s string) map[string]float64 {
	counts, err := parseFieldPriorCounts(s)
	if err != nil {
		// The file is embedded and parsed by a test, so this is a build mistake, not input.
		panic(fmt.Sprintf("answer: embedded fieldprior.tsv: %v", err))
	}
	return priorsFromCounts(counts)
}

func parseFieldPriorCounts(s string) (map[string]priorCount, error) {
	out := map[string]priorCount{}
	for i, line := range strings.Split(s, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			return nil, fmt.Errorf("line %d: %d columns, want 3 (name, seen, answered)", i+1, len(cols))
		}
		seen, err1 := strconv.Atoi(cols[1])
		ans, err2 := strconv.Atoi(cols[2])
		if err1 != nil || err2 != nil || seen <= 0 || ans < 0 || ans > seen {
			return nil, fmt.Errorf("line %d: counts %q/%q are not 0 <= answered <= seen", i+1, cols[1], cols[2])
		}
		out[cols[0]] = priorCount{seen, ans}
	}
	return out, nil
}

func priorsFromCounts(counts map[string]priorCount) map[string]float64 {
	var seen, ans float64
	for _, c := range counts {
		seen += float64(c.seen)
		ans += float64(c.answered)
	}
	out := make(map[string]float64, len(counts))
	if seen == 0 || ans == 0 {
		return out
	}
	p0 := ans / seen
	for name, c := range counts {
		p := (float64(c.answered) + fieldPriorSmoothing*p0) / (float64(c.seen) + fieldPriorSmoothing)
		out[name] = fieldPriorWeight * math.Log(p/p0)
	}
	return out
}

// learnedPrior is the prior of an attribute name (0 when unknown).
func learnedPrior(name string) float64 {
	return fieldPriors[strings.ToLower(strings.TrimSpace(name))]
}

// fieldPriorCounts counts, per attribute name, the questions (with at least one answering
// attribute) it was a candidate for and those it answered.
func fieldPriorCounts(qs []semiQuestion) map[string]priorCount {
	out := map[string]priorCount{}
	for _, q := range qs {
		names := map[string]bool{}
		any := false
		for i, f := range q.fields {
			k := strings.ToLower(strings.TrimSpace(f.Name))
			names[k] = names[k] || q.labels[i]
			any = any || q.labels[i]
		}
		if !any {
			continue
		}
		for k, answered := range names {
			c := out[k]
			c.seen++
			if answered {
				c.answered++
			}
			out[k] = c
		}
	}
	return out
}

// formatFieldPriorCounts writes counts as fieldprior.tsv, sorted by name.
func formatFieldPriorCounts(counts map[string]priorCount) string {
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# name\tseen\tanswered — from semiPQA attribute_ranking_dev.tsv (CDLA-Sharing-1.0); see fieldprior.go\n")
	for _, k := range names {
		fmt.Fprintf(&b, "%s\t%d\t%d\n", k, counts[k].seen, counts[k].answered)
	}
	return b.String()
}
