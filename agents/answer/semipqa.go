package answer

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// SemiPQAResult is the field-selection quality of RankFields on a semiPQA attribute-ranking split,
// beside a BM25 baseline ranking the same candidates.
type SemiPQAResult struct {
	File      string  `json:"file"`
	Questions int     `json:"questions"` // questions with at least one answering attribute
	P1        float64 `json:"p_at_1"`
	MRR       float64 `json:"mrr"`
	BM25P1    float64 `json:"bm25_p_at_1"`
	BM25MRR   float64 `json:"bm25_mrr"`
}

// semiQuestion is one question with its candidate attributes.
type semiQuestion struct {
	text   string
	fields []Field
	labels []bool
}

// EvalSemiPQA measures field selection on a semiPQA attribute-ranking TSV. path is the file, or a
// directory holding attribute_ranking_testseen.tsv. Ties are scored by expectation (a tie for first
// between one answering and one other attribute counts 0.5), so neither ranker gains from file order.
func EvalSemiPQA(path string) (SemiPQAResult, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, "attribute_ranking_testseen.tsv")
	}
	qs, err := readSemiPQA(path)
	if err != nil {
		return SemiPQAResult{}, err
	}
	res := SemiPQAResult{File: path}
	for _, q := range qs {
		any := false
		for _, l := range q.labels {
			any = any || l
		}
		if !any {
			continue
		}
		res.Questions++
		ours := make([]float64, len(q.fields))
		for _, fs := range RankFields(q.text, q.fields) {
			ours[fs.Index] = fs.Score
		}
		p, r := tieAwareRank(ours, q.labels)
		res.P1 += p
		res.MRR += r
		p, r = tieAwareRank(bm25Scores(q.text, q.fields), q.labels)
		res.BM25P1 += p
		res.BM25MRR += r
	}
	if res.Questions == 0 {
		return res, fmt.Errorf("semipqa %s: no question has an answering attribute", path)
	}
	n := float64(res.Questions)
	res.P1 /= n
	res.MRR /= n
	res.BM25P1 /= n
	res.BM25MRR /= n
	return res, nil
}

// tieAwareRank returns the expected precision at 1 and reciprocal rank of the first answering
// candidate when tied scores are ordered at random.
func tieAwareRank(scores []float64, labels []bool) (p1, rr float64) {
	best := math.Inf(-1)
	for i, s := range scores {
		if labels[i] && s > best {
			best = s
		}
	}
	higher, tiedNeg, tiedPos := 0, 0, 0
	top := math.Inf(-1)
	for _, s := range scores {
		top = math.Max(top, s)
	}
	topPos, topAll := 0, 0
	for i, s := range scores {
		switch {
		case s > best:
			higher++
		case s == best && labels[i]:
			tiedPos++
		case s == best:
			tiedNeg++
		}
		if s == top {
			topAll++
			if labels[i] {
				topPos++
			}
		}
	}
	p1 = float64(topPos) / float64(topAll)
	// Expected rank of the first positive among tiedPos positives and tiedNeg negatives in random order.
	rank := float64(higher) + 1 + float64(tiedNeg)/float64(tiedPos+1)
	return p1, 1 / rank
}

// bm25Scores is the baseline: Okapi BM25 (k1 1.2, b 0.75) of the question against each candidate's
// name and value text, with document frequencies over the question's own candidates.
func bm25Scores(question string, fields []Field) []float64 {
	return bm25With(question, fields, plainTokens)
}

// bm25With is BM25 over the tokens tok makes of the question and of each candidate.
func bm25With(question string, fields []Field, tok func(string) []string) []float64 {
	docs := make([][]string, len(fields))
	df := map[string]int{}
	total := 0
	for i, f := range fields {
		docs[i] = tok(strings.ReplaceAll(f.Name, "_", " ") + " " + f.Value)
		total += len(docs[i])
		seen := map[string]bool{}
		for _, t := range docs[i] {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
	}
	avg := float64(total) / float64(max(1, len(docs)))
	n := float64(len(docs))
	q := tok(question)
	out := make([]float64, len(docs))
	for i, d := range docs {
		tf := map[string]int{}
		for _, t := range d {
			tf[t]++
		}
		for _, t := range q {
			f := float64(tf[t])
			if f == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(df[t])+0.5)/(float64(df[t])+0.5))
			out[i] += idf * f * 2.2 / (f + 1.2*(0.25+0.75*float64(len(d))/avg))
		}
	}
	return out
}

func plainTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// semiStructKeys are the structural keys of semiPQA's attribute notation, not content.
var semiStructKeys = regexp.MustCompile(`\b(value|unit|normalized_value|standardized_values|language_tag|marketplace_id)\s*:`)

// parseSemiCandidate splits `name:  { value:"x" }` into the attribute name and its value text.
func parseSemiCandidate(raw string) (Field, error) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = strings.ReplaceAll(raw[1:len(raw)-1], `""`, `"`)
	}
	name, rest, ok := strings.Cut(raw, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return Field{}, fmt.Errorf("candidate %q has no attribute name", raw)
	}
	rest = semiStructKeys.ReplaceAllString(rest, " ")
	rest = strings.NewReplacer("{", " ", "}", " ", "[", " ", "]", " ", `"`, " ", ";", " ", ",", " ").Replace(rest)
	return Field{Name: strings.TrimSpace(name), Value: strings.Join(strings.Fields(rest), " ")}, nil
}

func readSemiPQA(path string) ([]semiQuestion, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("semipqa: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	var qs []semiQuestion
	lastQID := ""
	line := 0
	for sc.Scan() {
		line++
		if line == 1 && strings.HasPrefix(sc.Text(), "qid\t") {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 5 {
			return nil, fmt.Errorf("semipqa %s line %d: %d columns, want 5 (qid, qa_pair_id, question, candidate, label)", path, line, len(cols))
		}
		label, err := strconv.Atoi(cols[4])
		if err != nil || (label != 0 && label != 1) {
			return nil, fmt.Errorf("semipqa %s line %d: label %q is not 0 or 1", path, line, cols[4])
		}
		fd, err := parseSemiCandidate(cols[3])
		if err != nil {
			return nil, fmt.Errorf("semipqa %s line %d: %w", path, line, err)
		}
		if cols[0] != lastQID || len(qs) == 0 {
			qs = append(qs, semiQuestion{text: cols[2]})
			lastQID = cols[0]
		}
		q := &qs[len(qs)-1]
		q.fields = append(q.fields, fd)
		q.labels = append(q.labels, label == 1)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("semipqa %s line %d: %w", path, line, err)
	}
	return qs, nil
}
