package evals

import (
	"context"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/livehost/livehost/agents/moderation"
)

// moderationCase is one line of data/chat.jsonl or data/host.jsonl.
type moderationCase struct {
	ID       string `json:"id"`
	Lang     string `json:"lang,omitempty"`
	Text     string `json:"text"`
	Flag     bool   `json:"flag"`
	Category string `json:"category,omitempty"`
	// Hard marks look-alikes that a list engine is expected to struggle with (quotation, idiom);
	// they count in fp_rate but not in fp_rate_core.
	Hard bool `json:"hard,omitempty"`
	// Guideline names the guideline category a host line tests (expert, disease, superlative …),
	// reported with a miss.
	Guideline string `json:"guideline,omitempty"`
	Note      string `json:"note,omitempty"`
}

func init() {
	addSuite(Suite{
		Name:        "moderation",
		Description: "viewer chat: evasions that must be caught, look-alikes that must pass (data/chat.jsonl)",
		run: func(ctx context.Context, cfg Config, r *Result) error {
			return runModeration(ctx, "chat.jsonl", moderation.SourceChat, r)
		},
	})
	addSuite(Suite{
		Name:        "compliance",
		Description: "host speech: 薬機法/景品表示法 claims that must be flagged, approved wordings that must pass (data/host.jsonl)",
		run: func(ctx context.Context, cfg Config, r *Result) error {
			return runModeration(ctx, "host.jsonl", moderation.SourceHost, r)
		},
	})
	addSuite(Suite{
		Name:        "compliance-blind",
		Description: "blind set: host lines for each category of the advertising guidelines (医薬品等適正広告基準, health-food and cosmetics guidance, 景品表示法) with compliant counterparts (data/host_blind.jsonl)",
		run: func(ctx context.Context, cfg Config, r *Result) error {
			return runModeration(ctx, "host_blind.jsonl", moderation.SourceHost, r)
		},
	})
	addSuite(Suite{
		Name:        "japanese-toxic",
		Description: "outside set: japanese-toxic comments, toxic = Toxic + Very Toxic votes outnumber the rest",
		run:         runJapaneseToxic,
	})
}

func runModeration(ctx context.Context, file string, src moderation.Source, r *Result) error {
	cases, err := readJSONL[moderationCase](file)
	if err != nil {
		return err
	}
	eng, err := moderation.NewDefault()
	if err != nil {
		return fmt.Errorf("load moderation lists: %w", err)
	}
	var (
		pos, caught, catOK, withSuggestion int
		neg, fp, negCore, fpCore           int
		lat                                []time.Duration
	)
	for _, c := range cases {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		v := eng.Moderate(c.Text, src)
		lat = append(lat, time.Since(start))
		flagged := v.Action != "allow"
		if c.Flag {
			pos++
			if !flagged {
				r.Failures = append(r.Failures, Failure{c.ID, fmt.Sprintf("missed %q (want %s%s)", c.Text, c.Category, guidelineNote(c))})
				continue
			}
			caught++
			if c.Category == "" || slices.Contains(v.Categories, c.Category) {
				catOK++
			} else {
				r.Failures = append(r.Failures, Failure{c.ID, fmt.Sprintf("%q caught as %v, want %s", c.Text, v.Categories, c.Category)})
			}
			for _, m := range v.Matches {
				if m.Suggestion != "" {
					withSuggestion++
					break
				}
			}
			continue
		}
		neg++
		if !c.Hard {
			negCore++
		}
		if flagged {
			fp++
			if !c.Hard {
				fpCore++
			}
			r.Failures = append(r.Failures, Failure{c.ID, fmt.Sprintf("false positive %q → %s %v%s", c.Text, v.Action, v.Categories, guidelineNote(c))})
		}
	}
	r.Cases = len(cases)
	r.Metrics = append(r.Metrics,
		Metric{Name: "recall", Value: ratio(caught, pos), Note: fmt.Sprintf("%d/%d", caught, pos)},
		Metric{Name: "category_accuracy", Value: ratio(catOK, caught), Note: fmt.Sprintf("%d/%d caught", catOK, caught)},
		Metric{Name: "fp_rate", Value: ratio(fp, neg), Note: fmt.Sprintf("%d/%d", fp, neg)},
		Metric{Name: "fp_rate_core", Value: ratio(fpCore, negCore), Note: fmt.Sprintf("%d/%d without hard look-alikes", fpCore, negCore)},
	)
	if src == moderation.SourceHost {
		r.Metrics = append(r.Metrics, Metric{Name: "suggestion_rate", Value: ratio(withSuggestion, caught), Note: "flags that carry a compliant wording"})
	}
	r.Latency = percentiles(lat)
	return nil
}

// runJapaneseToxic measures the list engine on the outside japanese-toxic set, read in place.
func runJapaneseToxic(ctx context.Context, cfg Config, r *Result) error {
	path, err := sharedPath(cfg, "japanese-toxic/subset.csv")
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if len(rows) < 2 {
		return fmt.Errorf("%s: no rows", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, need := range []string{"text", "Not Toxic", "Hard to Say", "Toxic", "Very Toxic"} {
		if _, ok := col[need]; !ok {
			return fmt.Errorf("%s: missing column %q", path, need)
		}
	}
	eng, err := moderation.NewDefault()
	if err != nil {
		return fmt.Errorf("load moderation lists: %w", err)
	}
	num := func(row []string, name string, line int) (int, error) {
		n, err := strconv.Atoi(row[col[name]])
		if err != nil {
			return 0, fmt.Errorf("%s line %d column %q: %w", path, line, name, err)
		}
		return n, nil
	}
	var tp, fp, fn, tn int
	// The held-out half: lists grown from this set were developed on the other half (the split is by
	// toxicHalf), so this half shows what generalises.
	var htp, hfp, hfn, htn int
	var lat []time.Duration
	for i, row := range rows[1:] {
		line := i + 2
		var votes [4]int
		for j, name := range []string{"Not Toxic", "Hard to Say", "Toxic", "Very Toxic"} {
			if votes[j], err = num(row, name, line); err != nil {
				return err
			}
		}
		toxic := votes[2]+votes[3] > votes[0]+votes[1]
		start := time.Now()
		v := eng.Moderate(row[col["text"]], moderation.SourceChat)
		lat = append(lat, time.Since(start))
		flagged := v.Action != "allow"
		if toxicHalf(row[col["text"]]) == 1 {
			switch {
			case toxic && flagged:
				htp++
			case toxic:
				hfn++
			case flagged:
				hfp++
			default:
				htn++
			}
		}
		switch {
		case toxic && flagged:
			tp++
		case toxic:
			fn++
		case flagged:
			fp++
			if len(r.Failures) < 20 {
				r.Failures = append(r.Failures, Failure{"line " + strconv.Itoa(line), fmt.Sprintf("flagged non-toxic %q as %v", row[col["text"]], v.Categories)})
			}
		default:
			tn++
		}
	}
	r.Cases = tp + fp + fn + tn
	precision := ratio(tp, tp+fp)
	recall := ratio(tp, tp+fn)
	f1 := 0.0
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	r.Metrics = append(r.Metrics,
		Metric{Name: "precision", Value: precision, Note: fmt.Sprintf("tp %d, fp %d", tp, fp)},
		Metric{Name: "recall", Value: recall, Note: fmt.Sprintf("tp %d, fn %d (toxic rows %d)", tp, fn, tp+fn)},
		Metric{Name: "f1", Value: f1},
		Metric{Name: "false_positive_rate", Value: ratio(fp, fp+tn), Note: fmt.Sprintf("non-toxic rows %d", fp+tn)},
		Metric{Name: "recall_heldout", Value: ratio(htp, htp+hfn), Note: fmt.Sprintf("held-out half (FNV-1a of the text odd): tp %d, fn %d", htp, hfn)},
		Metric{Name: "false_positive_rate_heldout", Value: ratio(hfp, hfp+htn), Note: fmt.Sprintf("held-out half: fp %d of %d", hfp, hfp+htn)},
	)
	r.Latency = percentiles(lat)
	return nil
}

// toxicHalf splits japanese-toxic by the 32-bit FNV-1a hash of a comment's text: 0 is the half
// the lists were developed on, 1 the held-out half.
func toxicHalf(text string) int {
	h := fnv.New32a()
	h.Write([]byte(text))
	return int(h.Sum32() % 2)
}

func guidelineNote(c moderationCase) string {
	if c.Guideline == "" {
		return ""
	}
	return ", guideline " + c.Guideline
}
