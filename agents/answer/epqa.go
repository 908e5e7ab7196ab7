package answer

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// EPQAResult is the candidate selection quality of the offline ranker on ePQA, over the candidates
// a shop's own catalog holds (attribute, description and bullet), beside BM25 on the same
// candidates. P@1 counts a top candidate labelled 2 (answers fully); P@1 helpful counts label ≥ 1.
type EPQAResult struct {
	File           string  `json:"file"`
	Questions      int     `json:"questions"` // questions with at least one fully answering catalog candidate
	Candidates     int     `json:"candidates"`
	P1             float64 `json:"p_at_1"`
	P1Helpful      float64 `json:"p_at_1_helpful"`
	BM25P1         float64 `json:"bm25_p_at_1"`
	BM25P1Helpful  float64 `json:"bm25_p_at_1_helpful"`
	OtherQuestions int     `json:"other_questions"` // the same measure over reviews and community answers
	OtherP1        float64 `json:"other_p_at_1"`
	OtherBM25P1    float64 `json:"other_bm25_p_at_1"`
}

type epqaQuestion struct {
	text        string
	fields      []Field
	labels      []int
	other       []Field
	otherLabels []int
}

// EvalEPQA measures candidate selection on an ePQA CSV (qid, question, ASIN, candidate, source,
// qa_pair_id, title, label, answer). path is the file or a directory holding dev_half.csv.
func EvalEPQA(path string) (EPQAResult, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, "dev_half.csv")
	}
	f, err := os.Open(path)
	if err != nil {
		return EPQAResult{}, fmt.Errorf("epqa: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return EPQAResult{}, fmt.Errorf("epqa %s: %w", path, err)
	}
	if len(rows) < 2 {
		return EPQAResult{}, fmt.Errorf("epqa %s: no rows", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, need := range []string{"qid", "question", "candidate", "source", "label"} {
		if _, ok := col[need]; !ok {
			return EPQAResult{}, fmt.Errorf("epqa %s: missing column %q", path, need)
		}
	}
	var qs []*epqaQuestion
	byID := map[string]*epqaQuestion{}
	for i, r := range rows[1:] {
		line := i + 2
		if len(r) != len(rows[0]) {
			return EPQAResult{}, fmt.Errorf("epqa %s line %d: %d columns, want %d", path, line, len(r), len(rows[0]))
		}
		label, err := strconv.Atoi(r[col["label"]])
		if err != nil || label < 0 || label > 2 {
			return EPQAResult{}, fmt.Errorf("epqa %s line %d: label %q is not 0, 1 or 2", path, line, r[col["label"]])
		}
		q := byID[r[col["qid"]]]
		if q == nil {
			q = &epqaQuestion{text: r[col["question"]]}
			byID[r[col["qid"]]] = q
			qs = append(qs, q)
		}
		cand := r[col["candidate"]]
		switch src := r[col["source"]]; src {
		case "attribute":
			fd, err := parseSemiCandidate(cand)
			if err != nil {
				return EPQAResult{}, fmt.Errorf("epqa %s line %d: %w", path, line, err)
			}
			q.fields = append(q.fields, fd)
			q.labels = append(q.labels, label)
		case "description", "bullet":
			q.fields = append(q.fields, Field{Name: src, Value: cand})
			q.labels = append(q.labels, label)
		case "review", "cqa":
			q.other = append(q.other, Field{Name: src, Value: cand})
			q.otherLabels = append(q.otherLabels, label)
		default:
			return EPQAResult{}, fmt.Errorf("epqa %s line %d: unknown source %q", path, line, src)
		}
	}
	res := EPQAResult{File: path}
	score := func(text string, fields []Field, labels []int, min int) (ours, bm float64, ok bool) {
		pos := make([]bool, len(labels))
		anyPos := false
		for i, l := range labels {
			pos[i] = l >= min
			anyPos = anyPos || pos[i]
		}
		if !anyPos {
			return 0, 0, false
		}
		ours, _ = tieAwareRank(rankCandidates(text, fields), pos)
		bm, _ = tieAwareRank(bm25Scores(text, fields), pos)
		return ours, bm, true
	}
	for _, q := range qs {
		if o, b, ok := score(q.text, q.fields, q.labels, 2); ok {
			res.Questions++
			res.Candidates += len(q.fields)
			res.P1 += o
			res.BM25P1 += b
			o, b, _ = score(q.text, q.fields, q.labels, 1)
			res.P1Helpful += o
			res.BM25P1Helpful += b
		}
		if o, b, ok := score(q.text, q.other, q.otherLabels, 2); ok {
			res.OtherQuestions++
			res.OtherP1 += o
			res.OtherBM25P1 += b
		}
	}
	if res.Questions == 0 {
		return res, fmt.Errorf("epqa %s: no question has a fully answering catalog candidate", path)
	}
	n := float64(res.Questions)
	res.P1 /= n
	res.P1Helpful /= n
	res.BM25P1 /= n
	res.BM25P1Helpful /= n
	if res.OtherQuestions > 0 {
		res.OtherP1 /= float64(res.OtherQuestions)
		res.OtherBM25P1 /= float64(res.OtherQuestions)
	}
	return res, nil
}

// sentenceSources name candidates that are text, not a named attribute.
var sentenceSources = map[string]bool{"description": true, "bullet": true, "review": true, "cqa": true}

// epqaAttrWeight scales the field ranker's evidence for named attributes against the word overlap
// every candidate gets, so that a field name match does not outrank a sentence that answers.
var epqaAttrWeight = 0.5 // RankFields already holds half a BM25 term

// rankCandidates scores attributes and sentences of one product for a question: every candidate
// gets BM25 word overlap with the question; a named attribute adds the field ranker's concept and
// name evidence, scaled so that a sentence holding the asked words can still win.
func rankCandidates(question string, fields []Field) []float64 {
	out := bm25With(question, fields, contentTokens)
	var attrs []Field
	var idx []int
	for i, f := range fields {
		if !sentenceSources[f.Name] {
			attrs = append(attrs, f)
			idx = append(idx, i)
		}
	}
	if len(attrs) > 0 {
		for _, fs := range RankFields(question, attrs) {
			out[idx[fs.Index]] += epqaAttrWeight * fs.Score
		}
	}
	return out
}

// contentTokens are the words BM25 compares in the offline ranker: lower case, stemmed, no stop words.
func contentTokens(s string) []string {
	var out []string
	for _, t := range plainTokens(s) {
		if englishStop[t] || questionWordEN[t] {
			continue
		}
		out = append(out, stem(t))
	}
	return out
}
