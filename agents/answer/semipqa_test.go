package answer

import (
	"os"
	"testing"
)

const semiPQADir = "/work/shared/data/semipqa"

// TestSemiPQAFieldSelection measures RankFields on the semiPQA testseen split against BM25 over
// the same candidates. The lexicon was developed on the dev split only; the floors sit just under
// the measured figures (docs/BENCHMARKS.md) so a regression fails.
func TestSemiPQAFieldSelection(t *testing.T) {
	dir := os.Getenv("LIVEHOST_SEMIPQA_DIR")
	if dir == "" {
		dir = semiPQADir
	}
	r, err := EvalSemiPQA(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("semiPQA testseen: %d questions, ours P@1 %.3f MRR %.3f, BM25 P@1 %.3f MRR %.3f",
		r.Questions, r.P1, r.MRR, r.BM25P1, r.BM25MRR)
	if r.Questions < 600 {
		t.Errorf("questions = %d, want the 608 of testseen", r.Questions)
	}
	if r.P1 < 0.69 {
		t.Errorf("P@1 = %.3f, want >= 0.69", r.P1)
	}
	if r.P1 <= r.BM25P1 {
		t.Errorf("P@1 %.3f does not beat BM25 %.3f", r.P1, r.BM25P1)
	}
}
