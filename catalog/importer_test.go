package catalog

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func skusOf(ps []Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.SKU
	}
	return out
}

func rejectLines(rs []Reject) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

// wantRejects checks that each line has a rejection containing the reason.
func wantRejects(t *testing.T, got []Reject, want map[int]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d rejects, want %d: %v", len(got), len(want), rejectLines(got))
	}
	for _, r := range got {
		reason, ok := want[r.Line]
		if !ok {
			t.Errorf("unexpected reject %s", r)
			continue
		}
		if !strings.Contains(r.Reason, reason) {
			t.Errorf("line %d: reason %q does not contain %q", r.Line, r.Reason, reason)
		}
		if r.File == "" {
			t.Errorf("line %d: reject has no file", r.Line)
		}
	}
}

func TestExampleCatalog(t *testing.T) {
	res, err := ReadFile("../examples/catalog.jsonl", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejects) != 0 {
		t.Fatalf("example catalog has rejects: %v", rejectLines(res.Rejects))
	}
	if len(res.Products) < 36 {
		t.Fatalf("example catalog has %d products, want 36+", len(res.Products))
	}
	skus := map[string]bool{}
	cats := map[string]int{}
	var sale, soldOut int
	for _, p := range res.Products {
		skus[p.SKU] = true
		cats[p.Category]++
		if p.SalePrice != nil {
			sale++
		}
		if p.Stock != nil && *p.Stock == 0 {
			soldOut++
		}
		if p.Currency != "JPY" || p.Price <= 0 || p.Description == "" || len(p.Attributes) == 0 || len(p.Tags) == 0 {
			t.Errorf("%s is missing something: %+v", p.SKU, p)
		}
		for name := range p.Attributes {
			if AttributeName(name) != name || strings.ToLower(name) != name {
				t.Errorf("%s: attribute %q is not in the naming convention", p.SKU, name)
			}
		}
	}
	for _, p := range res.Products {
		if len(p.Related) == 0 {
			t.Errorf("%s has no related SKUs", p.SKU)
		}
		for _, r := range p.Related {
			if !skus[r] || r == p.SKU {
				t.Errorf("%s: related SKU %s does not exist", p.SKU, r)
			}
		}
	}
	for _, c := range []string{"コスメ", "スキンケア", "ファッション", "ホーム", "食品", "家電"} {
		if cats[c] < 4 {
			t.Errorf("category %s has %d products, want 4+", c, cats[c])
		}
	}
	if sale < 5 || soldOut < 5 {
		t.Errorf("%d products on sale and %d sold out; want some of each", sale, soldOut)
	}
}

func TestReadJSONL(t *testing.T) {
	in := strings.Join([]string{
		`{"sku":"A-1","name":"リップ","price":1980,"sale_price":"1,580","stock":3,"attributes":{"カラー":"レッド","size":["S","M"]},"tags":["リップ"],"origin":"日本"}`,
		``,
		`{"sku":"A-2","name":"No price"}`,
		`{"name":"no sku","price":1}`,
		`{"sku":"A-4","name":"bad","price":"abc"}`,
		`{"sku":"A-1","name":"dup","price":1}`,
		"{\"sku\":\"A-6\",\"name\":\"\xff\",\"price\":1}",
		`{"sku":"A-7","name":"neg stock","price":1,"stock":-1}`,
		`not json`,
		`{"sku":12345,"name":"numeric sku","price":"¥2,000","stock":"１２"}`,
		`{"sku":"A-9","name":"neg","price":-5}`,
	}, "\n")
	res, err := Read(strings.NewReader(in), "in.jsonl", FormatJSONL)
	if err != nil {
		t.Fatal(err)
	}
	if got := skusOf(res.Products); !slices.Equal(got, []string{"A-1", "12345"}) {
		t.Errorf("products %v", got)
	}
	wantRejects(t, res.Rejects, map[int]string{
		3: "missing price", 4: "missing sku", 5: "bad price", 6: "duplicate sku A-1 (first on line 1)",
		7: "invalid UTF-8", 8: "bad stock", 9: "invalid JSON", 11: "bad price",
	})
	a := res.Products[0]
	if a.Price != 1980 || *a.SalePrice != 1580 || *a.Stock != 3 || a.Currency != "JPY" {
		t.Errorf("A-1 = %+v", a)
	}
	wantAttrs := map[string][]string{"color": {"レッド"}, "size": {"S", "M"}, "origin": {"日本"}}
	if !reflect.DeepEqual(a.Attributes, wantAttrs) {
		t.Errorf("A-1 attributes = %v, want %v", a.Attributes, wantAttrs)
	}
	if b := res.Products[1]; b.Price != 2000 || *b.Stock != 12 {
		t.Errorf("12345 = %+v", b)
	}
}

func TestReadCSVExample(t *testing.T) {
	res, err := ReadFile("../examples/catalog.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := skusOf(res.Products); !slices.Equal(got, []string{"CSV-001", "CSV-002", "CSV-003"}) {
		t.Errorf("products %v", got)
	}
	wantRejects(t, res.Rejects, map[int]string{
		5: "missing sku", 6: "bad price", 7: "duplicate sku CSV-002 (first on line 3)", 8: "bad stock", 9: "invalid UTF-8",
	})
	p := res.Products[0]
	if p.Price != 5990 || *p.SalePrice != 4990 || *p.Stock != 12 || p.Brand != "Kurokami Denim" {
		t.Errorf("CSV-001 = %+v", p)
	}
	want := map[string][]string{"color": {"ブラック"}, "size": {"S", "M", "L"}, "material": {"綿98%", "ポリウレタン2%"}, "素材感": {"やわらかい"}}
	if !reflect.DeepEqual(p.Attributes, want) {
		t.Errorf("CSV-001 attributes = %v, want %v", p.Attributes, want)
	}
	if !slices.Equal(p.Tags, []string{"デニム", "ジーンズ", "黒"}) || !slices.Equal(p.Related, []string{"CSV-002"}) {
		t.Errorf("CSV-001 tags %v related %v", p.Tags, p.Related)
	}
	if res.Products[1].SalePrice != nil || res.Products[1].URL != "" {
		t.Errorf("CSV-002 = %+v", res.Products[1])
	}
	for _, r := range res.Rejects {
		if !utf8.ValidString(r.String()) {
			t.Errorf("reject %q is not valid UTF-8", r.String())
		}
	}
}

func TestReadCSVEdgeCases(t *testing.T) {
	in := "\ufeffSKU,Name,Price,Stock,Weird Column\r\n" +
		"a,\"multi\nline name\",100,1,x|y\r\n" +
		"b,too,many,fields,here,extra\r\n" +
		"c,short,200\r\n"
	res, err := Read(strings.NewReader(in), "edge.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := skusOf(res.Products); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("products %v, rejects %v", got, rejectLines(res.Rejects))
	}
	wantRejects(t, res.Rejects, map[int]string{4: "6 fields, the header has 5"})
	if got := res.Products[0].Attributes["weird column"]; !slices.Equal(got, []string{"x", "y"}) {
		t.Errorf("unknown column kept as %v", res.Products[0].Attributes)
	}
	if res.Products[1].Stock != nil {
		t.Errorf("a missing stock cell should leave stock unknown")
	}
}

func TestReadShopifyExample(t *testing.T) {
	res, err := ReadFile("../examples/shopify.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := skusOf(res.Products); !slices.Equal(got, []string{"tint-lip", "black-jeans", "gift-card"}) {
		t.Fatalf("products %v, rejects %v", got, rejectLines(res.Rejects))
	}
	// The bad row, then its product, which has no valid variant left.
	if r := rejectLines(res.Rejects); len(r) != 2 || !strings.Contains(r[0], "shopify.csv:9: bad price") || !strings.Contains(r[1], "shopify.csv:9: missing price") {
		t.Errorf("rejects %v", r)
	}
	tint := res.Products[0]
	if tint.Price != 2400 || tint.SalePrice == nil || *tint.SalePrice != 1980 || tint.EffectivePrice() != 1980 {
		t.Errorf("tint price %v sale %v; want list 2400, sale 1980", tint.Price, tint.SalePrice)
	}
	if *tint.Stock != 42 || tint.Brand != "花美コスメ" || tint.Category != "リップ" || tint.Image != "https://cdn.example.com/tint.jpg" {
		t.Errorf("tint = %+v", tint)
	}
	if want := "体温でじゅわっと発色するリップティント。\n色もち◎\n保湿成分配合"; tint.Description != want {
		t.Errorf("description %q, want %q", tint.Description, want)
	}
	if !slices.Equal(tint.Attributes["color"], []string{"ローズ", "コーラル"}) || !slices.Equal(tint.Tags, []string{"リップ", "ティント", "新色"}) {
		t.Errorf("tint attributes %v tags %v", tint.Attributes, tint.Tags)
	}
	jeans := res.Products[1]
	if jeans.Price != 5990 || jeans.SalePrice != nil || *jeans.Stock != 12 || jeans.Category != "Pants" {
		t.Errorf("jeans = %+v (negative inventory counts as 0)", jeans)
	}
	if !slices.Equal(jeans.Attributes["size"], []string{"S", "M", "L"}) || !slices.Equal(jeans.Attributes["color"], []string{"Black"}) {
		t.Errorf("jeans attributes %v", jeans.Attributes)
	}
	if jeans.Description != "黒の定番デニム。&ストレッチ入り。" {
		t.Errorf("jeans description %q", jeans.Description)
	}
	if _, ok := res.Products[2].Attributes["title"]; ok {
		t.Errorf("Default Title became an attribute: %v", res.Products[2].Attributes)
	}
}

func TestReadShopifyGroupRejects(t *testing.T) {
	in := "Handle,Title,Variant Price,Variant Compare At Price,Option1 Name,Option1 Value\n" +
		"a,A,100,,Size,S\n" +
		",orphan,100,,,\n" +
		"b,,100,,,\n" + // no row of b has a title
		"a,A again,100,,,\n" +
		"c,C,,,,\n" // no variant
	res, err := Read(strings.NewReader(in), "s.csv", FormatShopify)
	if err != nil {
		t.Fatal(err)
	}
	if got := skusOf(res.Products); !slices.Equal(got, []string{"a"}) {
		t.Errorf("products %v", got)
	}
	wantRejects(t, res.Rejects, map[int]string{3: "missing sku", 4: "missing name", 5: "duplicate sku a", 6: "missing price"})
}

func TestDetectFormat(t *testing.T) {
	for _, tc := range []struct {
		name, head string
		want       Format
	}{
		{"x.jsonl", "{}", FormatJSONL},
		{"x.csv", "sku,name,price\n", FormatCSV},
		{"x.csv", "Handle,Title,Variant Price\n", FormatShopify},
		{"x", "  {\"sku\":1}", FormatJSONL},
		{"x.txt", "sku,name\n", FormatCSV},
	} {
		res, err := Read(strings.NewReader(tc.head), tc.name, "")
		if err != nil && tc.want != FormatShopify {
			t.Errorf("%s: %v", tc.name, err)
		}
		_ = res
		if got := detectFormat(tc.name, bufio.NewReader(strings.NewReader(tc.head))); got != tc.want {
			t.Errorf("detect(%s, %q) = %s, want %s", tc.name, tc.head, got, tc.want)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}

func TestReadFileMissing(t *testing.T) {
	if _, err := ReadFile(filepath.Join(t.TempDir(), "nope.jsonl"), ""); !os.IsNotExist(err) {
		t.Errorf("err = %v; want not-exist", err)
	}
}

func TestStripHTML(t *testing.T) {
	for in, want := range map[string]string{
		"<p>a</p><p>b</p>":                     "a\nb",
		"x<br>y<br/>z":                         "x\ny\nz",
		"<style>p{}</style>text":               "text",
		"a &lt;b&gt; &amp; &#12354;":           "a <b> & あ",
		"<div>  many   spaces </div>":          "many spaces",
		"unclosed <b":                          "unclosed",
		"<table><tr><td>1</td><td>2</td></tr>": "1 2",
		"<SCRIPT>alert(1)</SCRIPT><P>ok</P>":   "ok",
		"<p>日焼け止め<strong>SPF50+</strong></p>":  "日焼け止めSPF50+",
	} {
		if got := stripHTML(in); got != want {
			t.Errorf("stripHTML(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]float64{"1980": 1980, "1,980": 1980, "¥1,980": 1980, "１９８０円": 1980, " 12.5 ": 12.5, "0": 0} {
		if got, err := parseAmount(in); err != nil || got != want {
			t.Errorf("parseAmount(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "-1", "NaN", "Inf", "1e400", "1,98,0x"} {
		if _, err := parseAmount(in); err == nil {
			t.Errorf("parseAmount(%q) succeeded", in)
		}
	}
}
