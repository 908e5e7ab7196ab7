package answer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFieldPriorTable checks that fieldprior.tsv is what the dev split gives, so the table stays
// reproducible; LIVEHOST_UPDATE_FIELDPRIOR=1 rewrites it.
func TestFieldPriorTable(t *testing.T) {
	path := filepath.Join(semiPQADir, "attribute_ranking_dev.tsv")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("semiPQA dev split: %v (set LIVEHOST_SHARED_DATA)", err)
		}
		t.Skipf("semiPQA dev split not here: %v", err)
	}
	qs, err := readSemiPQA(path)
	if err != nil {
		t.Fatal(err)
	}
	want := formatFieldPriorCounts(fieldPriorCounts(qs))
	if os.Getenv("LIVEHOST_UPDATE_FIELDPRIOR") == "1" {
		if err := os.WriteFile("fieldprior.tsv", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if fieldPriorTSV != want {
		t.Errorf("fieldprior.tsv is not what the dev split gives; regenerate with LIVEHOST_UPDATE_FIELDPRIOR=1")
	}
}

func TestFieldPriors(t *testing.T) {
	if len(fieldPriors) < 100 {
		t.Fatalf("%d priors, want the dev split's attribute names", len(fieldPriors))
	}
	// An attribute that answers most questions put to it ranks above one that rarely does, and a
	// name the table does not hold (every Japanese attribute) is neutral.
	if learnedPrior("age_range_description") <= 0 || learnedPrior("item_package_weight") >= 0 {
		t.Errorf("age_range_description %.2f, item_package_weight %.2f", learnedPrior("age_range_description"), learnedPrior("item_package_weight"))
	}
	if learnedPrior(" Age_Range_Description ") != learnedPrior("age_range_description") {
		t.Errorf("prior depends on case or spaces")
	}
	if learnedPrior("耐荷重") != 0 {
		t.Errorf("unknown name prior = %v, want 0", learnedPrior("耐荷重"))
	}
}

func TestParseFieldPriorCountsBadInput(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a\t1\n", "line 1: 2 columns"},
		{"# c\na\t1\t2\n", "line 2: counts"},
		{"a\tx\t0\n", "counts"},
		{"a\t0\t0\n", "counts"},
	} {
		if _, err := parseFieldPriorCounts(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.in, err, tt.want)
		}
	}
	c, err := parseFieldPriorCounts("# header\nbrand\t10\t2\nitem_weight\t5\t5\n")
	if err != nil || c["brand"] != (priorCount{10, 2}) || c["item_weight"] != (priorCount{5, 5}) {
		t.Errorf("parse = %v, %v", c, err)
	}
}
