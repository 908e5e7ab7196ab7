package answer

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEPQA measures the ranker on the outside ePQA set when it is there (CI requires it).
func TestEPQA(t *testing.T) {
	dir := os.Getenv("LIVEHOST_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	path := filepath.Join(dir, "epqa", "dev_half.csv")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("epqa data missing under CI: %v", err)
		}
		t.Skip("epqa data not present")
	}
	res, err := EvalEPQA(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.P1 < res.BM25P1 {
		t.Errorf("P@1 %.3f below BM25 %.3f on the same candidates", res.P1, res.BM25P1)
	}
}
