package catalog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"github.com/livehost/livehost/textnorm"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Format is a catalog file format.
type Format string

const (
	FormatJSONL   Format = "jsonl"
	FormatCSV     Format = "csv"
	FormatShopify Format = "shopify"
)

// ParseFormat accepts "jsonl", "csv" or "shopify" (and "" for detection).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "", FormatJSONL, FormatCSV, FormatShopify:
		return f, nil
	case "ndjson", "json":
		return FormatJSONL, nil
	}
	return "", fmt.Errorf("unknown format %q (want jsonl, csv or shopify)", s)
}

// Reject is one row that an importer refused, with where it was and why.
type Reject struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	SKU    string `json:"sku,omitempty"`
	Reason string `json:"reason"`
}

func (r Reject) String() string {
	if r.SKU != "" && !strings.Contains(r.Reason, r.SKU) {
		return fmt.Sprintf("%s:%d: %s (sku %s)", r.File, r.Line, r.Reason, r.SKU)
	}
	return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Reason)
}

// ReadResult is what an importer read: the valid products in file order and the rejected rows.
type ReadResult struct {
	Products []Product
	Rejects  []Reject
}

// ReadFile reads a catalog file. An empty format is detected from the extension and, for CSV, from
// the header (a Shopify export has Handle and Variant Price columns). Malformed rows are rejected and
// the rest is read; only an unreadable file is an error.
func ReadFile(path string, format Format) (*ReadResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(bytes.NewReader(data), path, format)
}

// Read reads a catalog from r; name is the file name used in rejections.
func Read(r io.Reader, name string, format Format) (*ReadResult, error) {
	br := bufio.NewReader(r)
	if format == "" {
		format = detectFormat(name, br)
	}
	switch format {
	case FormatJSONL:
		return readJSONL(br, name)
	case FormatCSV:
		return readCSV(br, name)
	case FormatShopify:
		return readShopify(br, name)
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

func detectFormat(name string, br *bufio.Reader) Format {
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL
	case ".csv", ".tsv":
		return csvFlavor(head)
	}
	if t := bytes.TrimSpace(head); len(t) > 0 && t[0] == '{' {
		return FormatJSONL
	}
	return csvFlavor(head)
}

func csvFlavor(head []byte) Format {
	first := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		first = head[:i]
	}
	l := strings.ToLower(string(first))
	if strings.Contains(l, "handle") && strings.Contains(l, "variant price") {
		return FormatShopify
	}
	return FormatCSV
}

// rowError is a reason to reject a row.
type rowError struct{ reason string }

func (e *rowError) Error() string { return e.reason }

func rejectf(format string, args ...any) error { return &rowError{fmt.Sprintf(format, args...)} }

// parseAmount reads a price written the way Japanese shops write them: "1980", "1,980", "¥1,980",
// "１９８０円". It refuses negative, non-finite and non-numeric values.
func parseAmount(s string) (float64, error) {
	s = norm.NFKC.String(strings.TrimSpace(s))
	s = strings.NewReplacer(",", "", "¥", "", "￥", "", "円", "", "JPY", "", "jpy", "", " ", "").Replace(s)
	if s == "" {
		return 0, errors.New("empty")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e12 {
		return 0, fmt.Errorf("%q is not an amount", s)
	}
	return v, nil
}

// parseCount reads a stock count ("12", "１２", "1,200").
func parseCount(s string) (int, error) {
	s = norm.NFKC.String(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, ",", "")
	v, err := strconv.Atoi(s)
	if err != nil {
		// "12.0" from spreadsheets
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
			return 0, fmt.Errorf("%q is not a whole number", s)
		}
		v = int(f)
	}
	return v, nil
}

// splitList splits "a|b|c" (or another separator), trimming and dropping empty parts.
func splitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// attributeAliases maps common column and option names, English and Japanese, onto the catalog's
// attribute names (see the README's Catalog section for the convention).
var attributeAliases = map[string]string{
	"color": "color", "colour": "color", "色": "color", "カラー": "color", "いろ": "color",
	"size": "size", "サイズ": "size", "寸法": "dimensions",
	"material": "material", "素材": "material", "材質": "material", "fabric": "material",
	"capacity": "capacity", "容量": "capacity", "内容量": "capacity", "volume": "capacity",
	"ingredients": "ingredients", "成分": "ingredients", "全成分": "ingredients", "原材料": "ingredients",
	"allergens": "allergens", "アレルゲン": "allergens", "アレルギー": "allergens", "特定原材料": "allergens",
	"weight": "weight", "重さ": "weight", "重量": "weight",
	"dimensions": "dimensions", "サイズ感": "dimensions", "大きさ": "dimensions",
	"compatibility": "compatibility", "対応機種": "compatibility", "対応": "compatibility",
	"usage": "usage", "使い方": "usage", "使用方法": "usage",
	"scent": "scent", "香り": "scent",
	"skin_type": "skin_type", "肌質": "skin_type", "skin type": "skin_type",
	"origin": "origin", "原産国": "origin", "産地": "origin", "made in": "origin",
	"shelf_life": "shelf_life", "賞味期限": "shelf_life", "消費期限": "shelf_life",
	"storage": "storage", "保存方法": "storage",
	"spf": "spf", "battery": "battery", "バッテリー": "battery", "電池": "battery",
	"warranty": "warranty", "保証": "warranty", "保証期間": "warranty",
	"fit": "fit", "シルエット": "fit", "care": "care", "お手入れ": "care", "洗濯": "care",
}

// AttributeName returns the catalog's name for an attribute column or option name: known names in
// English or Japanese map onto the convention ("カラー" → "color"); others are trimmed and lower-cased.
func AttributeName(s string) string {
	k := strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
	if a, ok := attributeAliases[k]; ok {
		return a
	}
	return k
}

// addAttr appends values to a product attribute, skipping duplicates.
func addAttr(p *Product, name string, values ...string) {
	name = AttributeName(name)
	if name == "" {
		return
	}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p.Attributes == nil {
			p.Attributes = map[string][]string{}
		}
		dup := false
		for _, have := range p.Attributes[name] {
			if have == v {
				dup = true
				break
			}
		}
		if !dup {
			p.Attributes[name] = append(p.Attributes[name], v)
		}
	}
}

// finishProduct trims the product's fields, defaults the currency to JPY and checks what every
// importer requires: a sku, a name, valid UTF-8, and sane price, sale price and stock.
func finishProduct(p *Product) error {
	for _, s := range []*string{&p.SKU, &p.Name, &p.Brand, &p.Category, &p.Currency, &p.Description, &p.URL, &p.Image} {
		*s = strings.TrimSpace(*s)
		if !utf8.ValidString(*s) {
			return rejectf("invalid UTF-8")
		}
	}
	// Names are shown on the pages: a bidi override or a control character there would show
	// something other than what is stored.
	for _, s := range []*string{&p.Name, &p.Brand, &p.Category} {
		*s = textnorm.CleanLine(*s)
	}
	p.Description = textnorm.CleanText(p.Description)
	for _, f := range []struct {
		name string
		v    string
		max  int
	}{{"name", p.Name, MaxNameLen}, {"brand", p.Brand, MaxNameLen}, {"category", p.Category, MaxNameLen}, {"description", p.Description, MaxDescriptionLen}} {
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return rejectf("%s is %d characters, longer than %d", f.name, n, f.max)
		}
	}
	for k, vs := range p.Attributes {
		if !utf8.ValidString(k) {
			return rejectf("invalid UTF-8")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return rejectf("invalid UTF-8")
			}
		}
	}
	for _, list := range [][]string{p.Tags, p.Related} {
		for _, v := range list {
			if !utf8.ValidString(v) {
				return rejectf("invalid UTF-8")
			}
		}
	}
	if p.SKU == "" {
		return rejectf("missing sku")
	}
	if textnorm.CleanLine(p.SKU) != p.SKU {
		return rejectf("bad sku %q: control or bidirectional characters", p.SKU)
	}
	if p.Name == "" {
		return rejectf("missing name")
	}
	if math.IsNaN(p.Price) || math.IsInf(p.Price, 0) || p.Price < 0 {
		return rejectf("bad price %v", p.Price)
	}
	if p.SalePrice != nil {
		sp := *p.SalePrice
		if math.IsNaN(sp) || math.IsInf(sp, 0) || sp < 0 {
			return rejectf("bad sale price %v", sp)
		}
		if sp == 0 {
			p.SalePrice = nil
		}
	}
	if p.Stock != nil && *p.Stock < 0 {
		return rejectf("bad stock %d", *p.Stock)
	}
	if p.Currency == "" {
		p.Currency = "JPY"
	}
	p.Currency = strings.ToUpper(p.Currency)
	if len(p.Attributes) == 0 {
		p.Attributes = nil
	}
	return nil
}

// Limits on product text, so a catalog row cannot break the pages' layouts.
const (
	MaxNameLen        = 300   // runes of a name, brand or category
	MaxDescriptionLen = 20000 // runes of a description
)

// dedup tracks SKUs already read from a file.
type dedup map[string]int

// check reports a duplicate SKU, naming the line where it was first seen.
func (d dedup) check(sku string, line int) error {
	if first, ok := d[sku]; ok {
		return rejectf("duplicate sku %s (first on line %d)", sku, first)
	}
	d[sku] = line
	return nil
}

func reasonOf(err error) string {
	var re *rowError
	if errors.As(err, &re) {
		return re.reason
	}
	return err.Error()
}
