package answer

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/livehost/livehost/catalog"
)

// evalCase is one line of testdata/eval.jsonl: a viewer message and what its answer must hold.
type evalCase struct {
	Name        string            `json:"name"`
	Question    string            `json:"question"`
	OnAir       string            `json:"on_air"`
	Lineup      []string          `json:"lineup"`
	IsQuestion  bool              `json:"is_question"`
	Intent      string            `json:"intent"`
	SKU         *string           `json:"sku"` // JSON null: no product
	Contains    []string          `json:"contains"`
	NotContains []string          `json:"not_contains"`
	NeedsReview *bool             `json:"needs_review"`
	Facts       map[string]string `json:"facts"`
	raw         map[string]json.RawMessage
}

func loadEval(t testing.TB, path string) []evalCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []evalCase
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var c evalCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s line %d: %v", path, line, err)
		}
		if err := json.Unmarshal(sc.Bytes(), &c.raw); err != nil {
			t.Fatalf("%s line %d: %v", path, line, err)
		}
		cases = append(cases, c)
	}
	return cases
}

// testSearcher builds the catalog the evaluation set is written against, with the offline embedder.
func testSearcher(t testing.TB) *catalog.Searcher {
	return searcherFor(t, "testdata/catalog.jsonl")
}

// exampleCatalog is the project's example catalog, which the main evaluation set is written against.
const exampleCatalog = "../../examples/catalog.jsonl"

func searcherFor(t testing.TB, path string) *catalog.Searcher {
	t.Helper()
	rr, err := catalog.ReadFile(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rr.Rejects) > 0 {
		t.Fatalf("fixture catalog rejects: %v", rr.Rejects)
	}
	s, err := catalog.NewMemorySearcher(context.Background(), rr.Products, catalog.NewHashEmbedder(256))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkEval compares a result with a case; it returns the failures.
func checkEval(c evalCase, r Result) []string {
	var fails []string
	if r.IsQuestion != c.IsQuestion {
		fails = append(fails, "is_question")
	}
	if c.Intent != "" && r.Intent != c.Intent {
		fails = append(fails, "intent "+r.Intent+" want "+c.Intent)
	}
	if _, set := c.raw["sku"]; set {
		want := ""
		if c.SKU != nil {
			want = *c.SKU
		}
		if r.SKU != want {
			fails = append(fails, "sku "+r.SKU+" want "+want)
		}
	}
	for _, s := range c.Contains {
		if !strings.Contains(r.Answer, s) {
			fails = append(fails, "answer lacks "+s)
		}
	}
	for _, s := range c.NotContains {
		if strings.Contains(r.Answer, s) {
			fails = append(fails, "answer has "+s)
		}
	}
	if c.NeedsReview != nil && r.NeedsReview != *c.NeedsReview {
		fails = append(fails, "needs_review")
	}
	for k, v := range c.Facts {
		found := false
		for _, f := range r.Facts {
			found = found || (f.Field == k && f.Value == v)
		}
		if !found {
			fails = append(fails, "fact "+k+"="+v)
		}
	}
	if r.Confidence < 0 || r.Confidence > 1 {
		fails = append(fails, "confidence out of range")
	}
	return fails
}

// TestOfflineEvalSet runs the evaluation sets: eval_examples.jsonl against examples/catalog.jsonl,
// and eval.jsonl against the small fixture catalog (unknown stock, a catalog without every field).
func TestOfflineEvalSet(t *testing.T) {
	for _, set := range []struct{ eval, catalog string }{
		{"testdata/eval_examples.jsonl", exampleCatalog},
		{"testdata/eval.jsonl", "testdata/catalog.jsonl"},
	} {
		t.Run(set.eval, func(t *testing.T) {
			eng := NewOffline(searcherFor(t, set.catalog), nil)
			cases := loadEval(t, set.eval)
			pass := 0
			for _, c := range cases {
				req := Request{Text: c.Question, OnAir: c.OnAir, Lineup: c.Lineup}
				r, err := eng.Answer(context.Background(), req)
				if err != nil {
					t.Errorf("%s: %v", c.Name, err)
					continue
				}
				_, d, _ := eng.answer(context.Background(), req, Detect(c.Question))
				g := Guard{Policy: eng.p.Policy}
				if vs := g.Check(r.Answer, c.Question, d.products); len(vs) > 0 {
					t.Errorf("%s: the offline answer %q fails the fact guard: %v", c.Name, r.Answer, vs)
				}
				if fails := checkEval(c, r); len(fails) > 0 {
					t.Errorf("%s (%q): %s\n  got %+v", c.Name, c.Question, strings.Join(fails, "; "), r)
					continue
				}
				pass++
			}
			t.Logf("%s: %d/%d pass", set.eval, pass, len(cases))
		})
	}
}

// TestOfflineConcurrent answers from many goroutines at once, as the server's workers do; run
// with -race it checks that the engine and its neighbour cache share state safely.
func TestOfflineConcurrent(t *testing.T) {
	eng := NewOffline(searcherFor(t, exampleCatalog), nil)
	cases := loadEval(t, "testdata/eval_examples.jsonl")
	want := make([]Result, len(cases))
	for i, c := range cases {
		want[i], _ = eng.Answer(context.Background(), Request{Text: c.Question, OnAir: c.OnAir, Lineup: c.Lineup})
	}
	errs := make(chan string, 8*len(cases))
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			for i := range cases {
				c := cases[(i+g)%len(cases)]
				r, err := eng.Answer(context.Background(), Request{Text: c.Question, OnAir: c.OnAir, Lineup: c.Lineup})
				if err != nil || r.Answer != want[(i+g)%len(cases)].Answer {
					errs <- c.Name
				}
			}
		}(g)
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	close(errs)
	for name := range errs {
		t.Errorf("%s: concurrent answer differs from the sequential one", name)
	}
}
