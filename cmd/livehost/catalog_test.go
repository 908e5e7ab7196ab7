package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/livehost/livehost/internal/pgtest"
	"github.com/livehost/livehost/openaitest"
)

const catalogFile = "../../examples/catalog.jsonl" // the example catalog

func searchJSON(t *testing.T, env map[string]string, args ...string) []searchResult {
	t.Helper()
	code, out, errOut := runCLI(t, "", env, append([]string{"catalog", "search", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("search %v: exit %d: %s", args, code, errOut)
	}
	var res []searchResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search --json output is not a JSON array: %v\n%s", err, out)
	}
	return res
}

func resultSKUs(rs []searchResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.SKU)
	}
	return out
}

func TestCatalogSearchFile(t *testing.T) {
	for _, q := range []string{"ﾘｯﾌﾟ", "りっぷ", "リップ"} {
		res := searchJSON(t, nil, "--catalog", catalogFile, "--query", q)
		if len(res) < 5 {
			t.Fatalf("%s: %v", q, resultSKUs(res))
		}
		for i, r := range res[:5] {
			if !strings.HasPrefix(r.SKU, "LH-COS-") || r.Name == "" || r.Score <= 0 || (i > 0 && r.Score > res[i-1].Score) {
				t.Errorf("%s: result %d = %+v", q, i, r)
			}
		}
	}
	res := searchJSON(t, nil, "--catalog", catalogFile, "--query", "黒いデニム", "--top", "3")
	if len(res) == 0 || len(res) > 3 || res[0].SKU != "LH-APP-001" {
		t.Errorf("黒いデニム: %v", resultSKUs(res))
	}
	// Filters.
	res = searchJSON(t, nil, "--catalog", catalogFile, "--query", "リップ", "--in-stock", "--max-price", "1500")
	for _, r := range res {
		if !r.InStock || r.EffectivePrice > 1500 {
			t.Errorf("filtered result %+v", r)
		}
	}
	res = searchJSON(t, nil, "--catalog", catalogFile, "--query", "ブラック", "--category", "ﾌｧｯｼｮﾝ", "--min-price", "5000")
	if len(res) == 0 {
		t.Error("no black fashion over ¥5,000")
	}
	for _, r := range res {
		if r.Category != "ファッション" || r.EffectivePrice < 5000 {
			t.Errorf("filtered result %+v", r)
		}
	}
	// The readable table.
	code, out, _ := runCLI(t, "", nil, "catalog", "search", "--catalog", catalogFile, "--query", "リップ")
	if code != 0 || !strings.Contains(out, "LH-COS-005") || !strings.Contains(out, "¥1,936 (was ¥2,420)") || !strings.Contains(out, "sold out") {
		t.Errorf("table output:\n%s", out)
	}
	code, out, _ = runCLI(t, "", nil, "catalog", "search", "--catalog", catalogFile, "--query", "zzzzqqq", "--json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("no match: exit %d, %q; want []", code, out)
	}
}

func TestCatalogImportSearchOffer(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"LIVEHOST_DATA": data}
	code, out, errOut := runCLI(t, "", env, "catalog", "import", catalogFile)
	if code != 0 || !strings.Contains(out, "imported       41") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	// A second import changes nothing.
	code, out, _ = runCLI(t, "", env, "catalog", "import", catalogFile, "--json")
	var sum struct {
		Imported, Updated, Unchanged int
		Rejected                     []any
	}
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil || sum.Unchanged != 41 || sum.Imported != 0 || sum.Rejected == nil {
		t.Fatalf("re-import: exit %d %s", code, out)
	}
	res := searchJSON(t, env, "--query", "リップ", "--in-stock")
	if len(res) == 0 || slices.Contains(resultSKUs(res), "LH-COS-003") {
		t.Errorf("in-stock lip search from the store: %v", resultSKUs(res))
	}
	// The lip balm comes back in stock, live.
	code, out, errOut = runCLI(t, "", env, "catalog", "offer", "LH-COS-003", "--stock", "25", "--sale-price", "790")
	if code != 0 || !strings.Contains(out, "¥790 (was ¥990), stock 25") {
		t.Fatalf("offer: exit %d %q %s", code, out, errOut)
	}
	res = searchJSON(t, env, "--query", "リップバーム", "--in-stock")
	if len(res) == 0 || res[0].SKU != "LH-COS-003" || *res[0].Stock != 25 || res[0].EffectivePrice != 790 {
		t.Errorf("after offer: %+v", res)
	}
	if code, _, errOut := runCLI(t, "", env, "catalog", "offer", "NOPE", "--stock", "1"); code != 1 || !strings.Contains(errOut, "NOPE") {
		t.Errorf("offer NOPE: exit %d %s", code, errOut)
	}
	// --prune with a smaller file.
	small := filepath.Join(t.TempDir(), "small.jsonl")
	b, _ := os.ReadFile(catalogFile)
	lines := strings.SplitAfter(string(b), "\n")
	os.WriteFile(small, []byte(strings.Join(lines[:10], "")), 0o644)
	code, out, _ = runCLI(t, "", env, "catalog", "import", small, "--prune")
	if code != 0 || !strings.Contains(out, "pruned         31") {
		t.Errorf("prune: exit %d\n%s", code, out)
	}
}

func TestCatalogImportRejectsExit3(t *testing.T) {
	env := map[string]string{"LIVEHOST_DATA": t.TempDir()}
	code, out, errOut := runCLI(t, "", env, "catalog", "import", "../../examples/catalog.csv")
	if code != exitRejected {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitRejected, out, errOut)
	}
	for _, want := range []string{"imported        3", "rejected        5", "catalog.csv:5: missing sku", "catalog.csv:6: bad price", "duplicate sku CSV-002", "invalid UTF-8"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary does not contain %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, "", env, "catalog", "import", "../../examples/shopify.csv", "--format", "shopify", "--json")
	if code != exitRejected || !strings.Contains(out, `"imported": 3`) {
		t.Errorf("shopify import: exit %d\n%s", code, out)
	}
}

func TestCatalogUsage(t *testing.T) {
	for _, args := range [][]string{
		{"catalog", "--help"}, {"catalog", "import", "--help"}, {"catalog", "search", "--help"}, {"catalog", "offer", "--help"},
	} {
		code, out, errOut := runCLI(t, "", nil, args...)
		if code != 0 || !strings.Contains(out+errOut, "Usage:") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	for _, args := range [][]string{
		{"catalog"}, {"catalog", "nope"}, {"catalog", "search"}, {"catalog", "import"},
		{"catalog", "offer", "X"}, {"catalog", "search", "--query", "x", "--top", "0"},
		{"catalog", "import", "x.jsonl", "--format", "xml"},
	} {
		if code, _, _ := runCLI(t, "", nil, args...); code == 0 {
			t.Errorf("%v succeeded", args)
		}
	}
	env := map[string]string{"LIVEHOST_DATA": filepath.Join(t.TempDir(), "none")}
	code, _, errOut := runCLI(t, "", env, "catalog", "search", "--query", "リップ")
	if code != 1 || !strings.Contains(errOut, "no catalog in") {
		t.Errorf("search without a store: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", nil, "catalog", "import", "nope.jsonl"); code != 1 || !strings.Contains(errOut, "nope.jsonl") {
		t.Errorf("import of a missing file: exit %d %s", code, errOut)
	}
}

func TestCatalogPostgres(t *testing.T) {
	url := pgtest.URL(t)
	env := map[string]string{"LIVEHOST_DATABASE_URL": url}
	if code, out, errOut := runCLI(t, "", env, "catalog", "import", catalogFile); code != 0 {
		t.Fatalf("import into PostgreSQL: exit %d\n%s\n%s", code, out, errOut)
	}
	res := searchJSON(t, nil, "--db", url, "--query", "黒いデニム", "--top", "3")
	if len(res) == 0 || res[0].SKU != "LH-APP-001" {
		t.Errorf("PostgreSQL search: %v", resultSKUs(res))
	}
	if code, out, errOut := runCLI(t, "", env, "catalog", "offer", "LH-APP-001", "--stock", "0"); code != 0 {
		t.Fatalf("offer: %d %s %s", code, out, errOut)
	}
	res = searchJSON(t, env, "--query", "黒いデニム", "--in-stock")
	if slices.Contains(resultSKUs(res), "LH-APP-001") {
		t.Errorf("sold-out jeans found in stock: %v", resultSKUs(res))
	}
}

func TestCatalogOpenAIEmbedder(t *testing.T) {
	srv := openaitest.New()
	defer srv.Close()
	data := t.TempDir()
	env := map[string]string{"LIVEHOST_DATA": data, "OPENAI_BASE_URL": srv.URL, "OPENAI_API_KEY": "k", "LIVEHOST_EMBED_MODEL": "text-embedding-3-small"}
	code, out, errOut := runCLI(t, "", env, "catalog", "import", catalogFile)
	if code != 0 || !strings.Contains(out, "openai:text-embedding-3-small, 1536 dimensions") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := len(srv.Requests()); n == 0 {
		t.Fatal("no embedding requests")
	}
	if res := searchJSON(t, env, "--query", "リップ"); len(res) == 0 {
		t.Error("no results through the OpenAI embedder")
	}
	// Without the server configured, the store says which embedder it needs.
	code, _, errOut = runCLI(t, "", map[string]string{"LIVEHOST_DATA": data}, "catalog", "search", "--query", "リップ")
	if code != 1 || !strings.Contains(errOut, "openai:text-embedding-3-small") || !strings.Contains(errOut, "OPENAI_BASE_URL") {
		t.Errorf("search without the server: exit %d %s", code, errOut)
	}
	// Importing with the offline embedder into this store is refused clearly.
	code, _, errOut = runCLI(t, "", map[string]string{"LIVEHOST_DATA": data}, "catalog", "import", catalogFile, "--embedder", "offline")
	if code != 1 || !strings.Contains(errOut, "does not match") {
		t.Errorf("offline import into an OpenAI store: exit %d %s", code, errOut)
	}
}
