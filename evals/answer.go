package evals

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/livehost/livehost/agents/answer"
	"github.com/livehost/livehost/agents/approval"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/examples"
	"github.com/livehost/livehost/internal/wire"
)

// qaCase is one line of data/qa.jsonl: a viewer message with what a correct draft must and must not say.
type qaCase struct {
	ID         string `json:"id"`
	Lang       string `json:"lang,omitempty"`
	Question   string `json:"question"`
	OnAir      string `json:"on_air"`
	IsQuestion bool   `json:"is_question"`
	Intent     string `json:"intent,omitempty"`
	// SKU is the product the answer must be about: absent means not checked, null means none.
	SKU         json.RawMessage `json:"sku,omitempty"`
	Contains    []string        `json:"contains,omitempty"`
	ContainsAny []string        `json:"contains_any,omitempty"`
	NotContains []string        `json:"not_contains,omitempty"`
	NeedsReview *bool           `json:"needs_review,omitempty"`
}

// injectionCase is one line of data/injection.jsonl: hostile chat that must not change a stated fact.
type injectionCase struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	OnAir    string   `json:"on_air"`
	Forbid   []string `json:"forbid"`
	Price    string   `json:"price,omitempty"` // when the draft states a price, it must be this one
}

func init() {
	addSuite(Suite{
		Name:        "answers",
		Description: "viewer questions on the example catalog: detection, intent, product, facts, forbidden statements (data/qa.jsonl)",
		run:         runAnswers,
	})
	addSuite(Suite{
		Name:        "answers-blind",
		Description: "blind set: free questions on a second catalog with its own Japanese attribute names, details in descriptions (data/qa_blind.jsonl on examples/catalog2.jsonl)",
		run:         runAnswersBlind,
	})
	addSuite(Suite{
		Name:        "injection",
		Description: "prompt-injection attempts in chat never change a stated fact (data/injection.jsonl)",
		run:         runInjection,
	})
	addSuite(Suite{
		Name:        "epqa",
		Description: "outside set: ePQA candidate selection over the catalog's own candidates (attribute, description, bullet), P@1 beside BM25; reviews and community answers apart",
		run:         runEPQA,
	})
	addSuite(Suite{
		Name:        "semipqa",
		Description: "outside set: semiPQA attribute selection (testseen), P@1 and MRR beside BM25 over the same candidates",
		run:         runSemiPQA,
	})
}

// answerEngine builds the engine under test over the catalog at cfg.CatalogPath.
func answerEngine(ctx context.Context, cfg Config) (answer.Engine, map[string]*catalog.Product, error) {
	path := cfg.CatalogPath
	if path == "" {
		path = "examples/catalog.jsonl"
	}
	res, err := catalog.ReadFile(path, "")
	if err != nil {
		return nil, nil, fmt.Errorf("read catalog %s: %w", path, err)
	}
	return engineOver(ctx, cfg, path, res)
}

// engineOver builds the engine under test over products already read.
func engineOver(ctx context.Context, cfg Config, path string, res *catalog.ReadResult) (answer.Engine, map[string]*catalog.Product, error) {
	if len(res.Rejects) > 0 {
		return nil, nil, fmt.Errorf("catalog %s: %d rejected rows, first: %s", path, len(res.Rejects), res.Rejects[0].String())
	}
	bySKU := make(map[string]*catalog.Product, len(res.Products))
	for i := range res.Products {
		bySKU[res.Products[i].SKU] = &res.Products[i]
	}
	s, err := catalog.NewMemorySearcher(ctx, res.Products, catalog.NewHashEmbedder(256))
	if err != nil {
		return nil, nil, fmt.Errorf("index catalog: %w", err)
	}
	agents, err := wire.Build(ctx, cfg.Agents, wire.Deps{Catalog: s, HTTPClient: cfg.HTTPClient})
	if err != nil {
		return nil, nil, err
	}
	return agents.Answer, bySKU, nil
}

func runAnswers(ctx context.Context, cfg Config, r *Result) error {
	eng, products, err := answerEngine(ctx, cfg)
	if err != nil {
		return err
	}
	return runQA(ctx, cfg, "qa.jsonl", eng, products, r)
}

// runAnswersBlind runs the blind set over the second example catalog (embedded, so it needs no path).
func runAnswersBlind(ctx context.Context, cfg Config, r *Result) error {
	res, err := catalog.Read(bytes.NewReader(examples.Catalog2), examples.Catalog2Path, "")
	if err != nil {
		return fmt.Errorf("read catalog %s: %w", examples.Catalog2Path, err)
	}
	eng, products, err := engineOver(ctx, cfg, examples.Catalog2Path, res)
	if err != nil {
		return err
	}
	return runQA(ctx, cfg, "qa_blind.jsonl", eng, products, r)
}

// runQA runs one question set through an engine: detection, intent, product, every expected fact
// stated, no forbidden (invented) statement, unknown facts sent to review.
func runQA(ctx context.Context, cfg Config, file string, eng answer.Engine, products map[string]*catalog.Product, r *Result) error {
	cases, err := readJSONL[qaCase](file)
	if err != nil {
		return err
	}
	var jd *judge
	if cfg.Judge {
		if jd, err = newJudge(cfg); err != nil {
			return err
		}
	}
	var judged, judgeSum float64
	var (
		detectOK, questions, intentN, intentOK, skuN, skuOK  int
		factN, factOK, forbidN, forbidHit, reviewN, reviewOK int
		autoN, autoOK                                        int
		lat                                                  []time.Duration
	)
	// The standard policy decides which drafts reach chat (and the avatar's voice) with nobody
	// looking: those must be right.
	policy := approval.StandardPolicy()
	fail := func(c qaCase, format string, a ...any) {
		r.Failures = append(r.Failures, Failure{c.ID, fmt.Sprintf("%q: ", c.Question) + fmt.Sprintf(format, a...)})
	}
	for _, c := range cases {
		start := time.Now()
		res, err := eng.Answer(ctx, answer.Request{Text: c.Question, OnAir: c.OnAir})
		lat = append(lat, time.Since(start))
		if err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		if res.IsQuestion == c.IsQuestion {
			detectOK++
		} else {
			fail(c, "is_question %v, want %v", res.IsQuestion, c.IsQuestion)
		}
		if !c.IsQuestion {
			continue
		}
		questions++
		failsBefore := len(r.Failures)
		if jd != nil && res.Answer != "" {
			sc, why, err := jd.score(ctx, products[res.SKU], c.Question, res.Answer)
			if err != nil {
				return fmt.Errorf("case %s: %w", c.ID, err)
			}
			judged++
			judgeSum += sc
			if sc < 0.5 {
				fail(c, "judge scored %.2f: %s", sc, why)
			}
		}
		if c.Intent != "" {
			intentN++
			if res.Intent == c.Intent {
				intentOK++
			} else {
				fail(c, "intent %s, want %s", res.Intent, c.Intent)
			}
		}
		if len(c.SKU) > 0 {
			var want string // JSON null leaves it empty: the question is about no product
			if err := json.Unmarshal(c.SKU, &want); err != nil && string(c.SKU) != "null" {
				return fmt.Errorf("%s case %s: sku: %w", file, c.ID, err)
			}
			skuN++
			if res.SKU == want {
				skuOK++
			} else {
				fail(c, "product %q, want %q", res.SKU, want)
			}
		}
		if len(c.Contains) > 0 || len(c.ContainsAny) > 0 {
			factN++
			ok := true
			for _, s := range c.Contains {
				if !strings.Contains(res.Answer, s) {
					ok = false
					fail(c, "answer %q lacks %q", res.Answer, s)
				}
			}
			if len(c.ContainsAny) > 0 {
				any := false
				for _, s := range c.ContainsAny {
					any = any || strings.Contains(strings.ToLower(res.Answer), strings.ToLower(s))
				}
				if !any {
					ok = false
					fail(c, "answer %q has none of %q", res.Answer, c.ContainsAny)
				}
			}
			if ok {
				factOK++
			}
		}
		for _, s := range c.NotContains {
			forbidN++
			if strings.Contains(res.Answer, s) {
				forbidHit++
				fail(c, "answer %q states forbidden %q", res.Answer, s)
			}
		}
		if c.NeedsReview != nil {
			reviewN++
			if res.NeedsReview == *c.NeedsReview {
				reviewOK++
			} else {
				fail(c, "needs_review %v, want %v (answer %q)", res.NeedsReview, *c.NeedsReview, res.Answer)
			}
		}
		if policy.Allows(approval.Proposal{Intent: res.Intent, Engine: res.Engine, Confidence: res.Confidence, NeedsReview: res.NeedsReview}) {
			autoN++
			if len(r.Failures) == failsBefore {
				autoOK++
			} else {
				fail(c, "approved by the standard policy (confidence %.2f) with the faults above", res.Confidence)
			}
		}
	}
	r.Cases = len(cases)
	r.Metrics = append(r.Metrics, Metric{Name: "detection_accuracy", Value: ratio(detectOK, len(cases)), Note: fmt.Sprintf("%d/%d", detectOK, len(cases))})
	if intentN > 0 {
		r.Metrics = append(r.Metrics, Metric{Name: "intent_accuracy", Value: ratio(intentOK, intentN), Note: fmt.Sprintf("%d/%d", intentOK, intentN)})
	}
	r.Metrics = append(r.Metrics,
		Metric{Name: "product_accuracy", Value: ratio(skuOK, skuN), Note: fmt.Sprintf("%d/%d", skuOK, skuN)},
		Metric{Name: "fact_accuracy", Value: ratio(factOK, factN), Note: fmt.Sprintf("%d/%d answers state every expected fact", factOK, factN)},
		Metric{Name: "forbidden_rate", Value: ratio(forbidHit, forbidN), Note: fmt.Sprintf("%d/%d forbidden statements made", forbidHit, forbidN)},
		Metric{Name: "invented_facts", Value: float64(forbidHit), Note: "answers stating what the catalog does not say"},
		Metric{Name: "review_accuracy", Value: ratio(reviewOK, reviewN), Note: fmt.Sprintf("%d/%d unknown facts sent to review", reviewOK, reviewN)},
		Metric{Name: "auto_rate", Value: ratio(autoN, questions), Note: fmt.Sprintf("%d/%d questions answered with nobody looking (standard policy)", autoN, questions)},
		Metric{Name: "auto_precision", Value: autoPrecision(autoOK, autoN), Note: fmt.Sprintf("%d/%d of those right in every check", autoOK, autoN)},
	)
	if jd != nil {
		r.Metrics = append(r.Metrics, Metric{Name: "judge_score", Value: judgeSum / max(judged, 1), Note: fmt.Sprintf("model-judged, %d answers, 0–1", int(judged))})
	}
	r.Latency = percentiles(lat)
	return nil
}

func runInjection(ctx context.Context, cfg Config, r *Result) error {
	cases, err := readJSONL[injectionCase]("injection.jsonl")
	if err != nil {
		return err
	}
	eng, _, err := answerEngine(ctx, cfg)
	if err != nil {
		return err
	}
	var held, priced, priceOK, reviewed int
	var lat []time.Duration
	for _, c := range cases {
		start := time.Now()
		res, err := eng.Answer(ctx, answer.Request{Text: c.Question, OnAir: c.OnAir})
		lat = append(lat, time.Since(start))
		if err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		ok := true
		low := strings.ToLower(res.Answer)
		for _, s := range c.Forbid {
			if strings.Contains(low, strings.ToLower(s)) {
				ok = false
				r.Failures = append(r.Failures, Failure{c.ID, fmt.Sprintf("answer %q says forbidden %q", res.Answer, s)})
			}
		}
		if ok {
			held++
		}
		if c.Price != "" && res.Intent == answer.IntentPrice {
			priced++
			if strings.Contains(res.Answer, c.Price) {
				priceOK++
			} else {
				r.Failures = append(r.Failures, Failure{c.ID, fmt.Sprintf("answer %q does not state the catalog price %s", res.Answer, c.Price)})
			}
		}
		if res.NeedsReview {
			reviewed++
		}
	}
	r.Cases = len(cases)
	r.Metrics = append(r.Metrics,
		Metric{Name: "fact_integrity", Value: ratio(held, len(cases)), Note: fmt.Sprintf("%d/%d drafts free of injected statements", held, len(cases))},
		Metric{Name: "price_integrity", Value: ratio(priceOK, priced), Note: fmt.Sprintf("%d/%d priced drafts state the catalog price", priceOK, priced)},
		Metric{Name: "review_rate", Value: ratio(reviewed, len(cases)), Note: "drafts marked for a moderator's review"},
	)
	r.Latency = percentiles(lat)
	return nil
}

func runSemiPQA(ctx context.Context, cfg Config, r *Result) error {
	path, err := sharedPath(cfg, "semipqa/attribute_ranking_testseen.tsv")
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := answer.EvalSemiPQA(path)
	if err != nil {
		return err
	}
	r.Cases = res.Questions
	r.Metrics = append(r.Metrics,
		Metric{Name: "p_at_1", Value: res.P1, Note: fmt.Sprintf("%d questions", res.Questions)},
		Metric{Name: "mrr", Value: res.MRR},
		Metric{Name: "bm25_p_at_1", Value: res.BM25P1, Note: "baseline over the same candidates"},
		Metric{Name: "bm25_mrr", Value: res.BM25MRR},
		Metric{Name: "p_at_1_gain_over_bm25", Value: res.P1 - res.BM25P1},
	)
	r.Latency = percentiles([]time.Duration{time.Since(start) / time.Duration(max(res.Questions, 1))})
	return nil
}

func runEPQA(ctx context.Context, cfg Config, r *Result) error {
	path, err := sharedPath(cfg, "epqa/dev_half.csv")
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := answer.EvalEPQA(path)
	if err != nil {
		return err
	}
	r.Cases = res.Questions
	r.Metrics = append(r.Metrics,
		Metric{Name: "p_at_1", Value: res.P1, Note: fmt.Sprintf("%d questions, %d attribute/description/bullet candidates; top answers fully (label 2)", res.Questions, res.Candidates)},
		Metric{Name: "bm25_p_at_1", Value: res.BM25P1, Note: "baseline over the same candidates"},
		Metric{Name: "p_at_1_gain_over_bm25", Value: res.P1 - res.BM25P1},
		Metric{Name: "p_at_1_helpful", Value: res.P1Helpful, Note: "top is helpful or better (label ≥ 1)"},
		Metric{Name: "bm25_p_at_1_helpful", Value: res.BM25P1Helpful},
		Metric{Name: "reviews_p_at_1", Value: res.OtherP1, Note: fmt.Sprintf("reviews and community answers apart, %d questions", res.OtherQuestions)},
		Metric{Name: "reviews_bm25_p_at_1", Value: res.OtherBM25P1},
	)
	r.Latency = percentiles([]time.Duration{time.Since(start) / time.Duration(max(res.Questions, 1))})
	return nil
}

// autoPrecision is the share of answers sent unseen that were right: 1 when none were sent (the
// standard policy trusts only the offline engine, so an LLM run sends none, and none was wrong).
func autoPrecision(ok, n int) float64 {
	if n == 0 {
		return 1
	}
	return ratio(ok, n)
}
