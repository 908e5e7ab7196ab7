package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode"

	"github.com/livehost/livehost/catalog"
)

func TestDisplayWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"Lip tint", 8},
		{"リップティント", 14},
		{"ﾘｯﾌﾟ", 4},    // half-width katakana: one column each
		{"ＸＬ", 4},      // full-width Latin
		{"か\u3099", 2}, // か + combining voiced mark renders as one が
		{"e\u0301", 1}, // e + combining acute
		{"💄", 2},       // emoji are wide
		{"❤\ufe0f", 1}, // variation selector takes no column
		{"¥1,980 (was ¥2,400)", 19},
	}
	for _, tt := range tests {
		if got := displayWidth(tt.s); got != tt.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestTruncateWidth(t *testing.T) {
	tests := []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefghi…"},
		{"リップティント", 14, "リップティント"},
		{"リップティント", 10, "リップテ…"}, // 8 columns + …
		{"リップティント", 9, "リップテ…"},  // ィ would need columns 9–10
		{"aリップ", 4, "aリ…"},
		{"か\u3099か\u3099か\u3099", 5, "か\u3099か\u3099…"}, // marks stay with their base
	}
	for _, tt := range tests {
		got := truncateWidth(tt.s, tt.max)
		if got != tt.want {
			t.Errorf("truncateWidth(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
		}
		if w := displayWidth(got); w > tt.max {
			t.Errorf("truncateWidth(%q, %d) is %d columns wide", tt.s, tt.max, w)
		}
	}
}

// columnsOf counts terminal columns independently of the code under test: kana, kanji and full-width
// forms take two, combining marks none.
func columnsOf(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) && !(r >= 0xFF61 && r <= 0xFF9F),
			r >= 0xFF01 && r <= 0xFF60, r == 'ー', r == '　':
			n += 2
		default:
			n++
		}
	}
	return n
}

func TestPrintHitsAlignsJapaneseAndEnglish(t *testing.T) {
	price := func(v float64) *float64 { return &v }
	stock := func(n int) *int { return &n }
	hits := []catalog.Hit{
		{Score: 0.91, Product: catalog.Product{SKU: "LIP-001", Name: "シアーリップティント ローズ", Price: 1980, Stock: stock(12), Category: "コスメ"}},
		{Score: 0.8, Product: catalog.Product{SKU: "LIP-002", Name: "Sheer lip tint, rose", Price: 2400, SalePrice: price(1980), Stock: stock(0), Category: "cosmetics"}},
		{Score: 0.5, Product: catalog.Product{SKU: "TOTE-9", Name: "ＸＬトートバッグ（撥水）ﾈｲﾋﾞｰ", Price: 12800, Category: "バッグ"}},
		{Score: 0.25, Product: catalog.Product{SKU: "K", Name: "とても長い商品名のリネンワンピースでサイズ展開が豊富な夏の新作モデルです", Price: 9900, Stock: stock(3)}},
		{Score: 0.125, Product: catalog.Product{SKU: "CAFE-1", Name: "Cafe\u0301 au lait mug", Price: 1500, Stock: stock(40), Category: "kitchen"}},
	}
	var buf bytes.Buffer
	printHits(&buf, "lip", hits)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != len(hits)+1 {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(hits)+1, buf.String())
	}
	rows := [][]string{{"#", "score", "sku", "name", "price", "stock", "category"},
		{"1", "0.910", "LIP-001", "シアーリップティント ローズ", "¥1,980", "12", "コスメ"},
		{"2", "0.800", "LIP-002", "Sheer lip tint, rose", "¥1,980 (was ¥2,400)", "sold out", "cosmetics"},
		{"3", "0.500", "TOTE-9", "ＸＬトートバッグ（撥水）ﾈｲﾋﾞｰ", "¥12,800", "-", "バッグ"},
		{"4", "0.250", "K", "とても長い商品名のリネンワンピースでサ…", "¥9,900", "3", ""},
		{"5", "0.125", "CAFE-1", "Cafe\u0301 au lait mug", "¥1,500", "40", "kitchen"},
	}
	right := map[int]bool{0: true, 1: true, 4: true}
	// Where each cell starts (left-aligned) or ends (right-aligned), in display columns.
	var want []int
	for i, line := range lines {
		rest, col := line, 0
		for c, cell := range rows[i] {
			if cell == "" {
				continue
			}
			at := strings.Index(rest, cell)
			if at < 0 {
				t.Fatalf("line %d %q: cell %q missing", i, line, cell)
			}
			if gap := rest[:at]; strings.Trim(gap, " ") != "" {
				t.Fatalf("line %d %q: unexpected text %q before %q", i, line, gap, cell)
			}
			start := col + columnsOf(rest[:at])
			end := start + columnsOf(cell)
			edge := start
			if right[c] {
				edge = end
			}
			if i == 0 {
				want = append(want, edge)
			} else if edge != want[c] {
				t.Errorf("line %d %q: column %q at display column %d, header puts it at %d\n%s", i, line, rows[0][c], edge, want[c], buf.String())
			}
			rest, col = rest[at+len(cell):], end
		}
	}
	if w := columnsOf(rows[4][3]); w > nameColumns {
		t.Errorf("truncated name is %d columns, limit %d", w, nameColumns)
	}
	t.Logf("\n%s", buf.String())
}

func TestPrintHitsKeepsRowsOnOneLine(t *testing.T) {
	var buf bytes.Buffer
	printHits(&buf, "x", []catalog.Hit{{Product: catalog.Product{SKU: "A\tB", Name: "two\nlines", Category: "c\r"}}})
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Errorf("table has %d lines, want 2:\n%s", n, buf.String())
	}
	if strings.ContainsAny(buf.String(), "\t\r") {
		t.Errorf("control characters printed: %q", buf.String())
	}
}
