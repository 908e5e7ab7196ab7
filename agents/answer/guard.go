package answer

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/prompts"
	"github.com/livehost/livehost/textnorm"
)

// ClaimChecker judges whether a sentence a host or the shop says is a risky claim (薬機法 /
// 景品表示法). The moderation engine's host-source verdict satisfies it through an adapter.
type ClaimChecker interface {
	CheckClaim(text string) (ok bool, reason string)
}

// ClaimFunc adapts a function to ClaimChecker.
type ClaimFunc func(text string) (bool, string)

// CheckClaim implements ClaimChecker.
func (f ClaimFunc) CheckClaim(text string) (bool, string) { return f(text) }

// Guard checks every fact a drafted answer states against the catalog and the shop policy.
type Guard struct {
	Policy prompts.Policy
	Claims ClaimChecker // nil: no claim check
}

// Violation is one statement of an answer that the catalog does not back.
type Violation struct {
	Kind   string `json:"kind"` // price, number, stock, color, size, claim
	Detail string `json:"detail"`
}

func (v Violation) String() string { return v.Kind + ": " + v.Detail }

// number is a number found in an answer.
type number struct {
	value float64
	price bool // written as money: ¥2,980, 2,980円, 税込2980, $29.80
	stock bool // written as a stock level: 残り3点, 5 left
	count bool // a count of items (3点, 2個): a stock level or a catalog number
	text  string
}

var (
	numRe     = regexp.MustCompile(`([¥$€£]|税込|税抜|tax included |残り|在庫|only )?\s*([0-9][0-9,]*(?:\.[0-9]+)?|[〇零一二三四五六七八九十百千万]+)\s*(円|yen|ドル|dollars?|万円|点|個|left|in stock)?`)
	sizeRe    = regexp.MustCompile(`(?:^|[^A-Za-z0-9'])(XXS|XS|S|M|L|XL|XXL|XXXL|[2-5]XL|[3-5]L)(?:$|[^A-Za-z0-9'])`)
	inStockRe = regexp.MustCompile(`在庫(が|は)?(あり|ござ|ある|十分)|残り[0-9]|in stock|still available|available now|left in stock|[0-9]+ left`)
	soldOutRe = regexp.MustCompile(`在庫切れ|品切れ|売り切れ|売切れ|完売|sold out|out of stock|no stock`)
)

// colorGroups are colors an answer might state, each with its names in Japanese and English
// (folded): an English answer may call 「マットブラック」 black.
var colorGroups = [][]string{
	{"black", "ぶらっく", "黒"}, {"white", "ほわいと", "白"}, {"red", "れっど", "赤"}, {"blue", "ぶるー", "青"},
	{"pink", "ぴんく"}, {"beige", "べーじゅ"}, {"brown", "ぶらうん", "茶"}, {"navy", "ねいびー"}, {"green", "ぐりーん", "緑"},
	{"yellow", "いえろー", "黄"}, {"orange", "おれんじ"}, {"purple", "ぱーぷる", "紫"}, {"gray", "grey", "ぐれー"},
	{"gold", "ごーるど", "金色"}, {"silver", "しるばー", "銀色"}, {"coral", "こーらる"},
}

// extractNumbers finds the numbers an answer states, in Arabic or kanji numerals.
func extractNumbers(text string) []number {
	folded := textnorm.Fold(text)
	var out []number
	for _, m := range numRe.FindAllStringSubmatch(folded, -1) {
		raw := m[2]
		var v float64
		if raw[0] >= '0' && raw[0] <= '9' {
			f, err := strconv.ParseFloat(strings.ReplaceAll(raw, ",", ""), 64)
			if err != nil {
				continue
			}
			v = f
		} else {
			// A lone kanji digit is usually a word (一緒, 一番); only money or multi-character
			// numerals with a unit (二千九百八十) count.
			f, ok := parseKanjiNumber(raw)
			if !ok || (utf8.RuneCountInString(raw) < 2 && m[3] == "") {
				continue
			}
			v = f
		}
		if m[3] == "万円" {
			v *= 10000
		}
		n := number{value: v, text: strings.TrimSpace(m[0])}
		switch {
		case m[1] == "残り" || m[1] == "在庫" || m[1] == "only " || m[3] == "left" || m[3] == "in stock":
			n.stock = true
		case m[3] == "点" || m[3] == "個":
			// 「3点セット」「2個入り」 may be a catalog count; only a stock level if it is not one.
			n.count = true
		case m[1] != "" || m[3] != "":
			n.price = true
		}
		out = append(out, n)
	}
	return out
}

// parseKanjiNumber reads 二千九百八十 (2980), 三万五千 (35000), 千五百 (1500), 二九八〇 (2980).
func parseKanjiNumber(s string) (float64, bool) {
	digits := map[rune]int{'〇': 0, '零': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	units := map[rune]int{'十': 10, '百': 100, '千': 1000}
	hasUnit := strings.ContainsAny(s, "十百千万")
	if !hasUnit {
		v := 0
		for _, r := range s {
			d, ok := digits[r]
			if !ok {
				return 0, false
			}
			v = v*10 + d
		}
		return float64(v), true
	}
	total, section, cur := 0, 0, -1
	for _, r := range s {
		if d, ok := digits[r]; ok {
			if cur >= 0 {
				return 0, false // 二三百: two digits in a row with units is not a numeral
			}
			cur = d
			continue
		}
		if u, ok := units[r]; ok {
			if cur < 0 {
				cur = 1
			}
			section += cur * u
			cur = -1
			continue
		}
		if r == '万' {
			if cur >= 0 {
				section += cur
			}
			if section == 0 {
				section = 1
			}
			total += section * 10000
			section, cur = 0, -1
			continue
		}
		return 0, false
	}
	if cur >= 0 {
		section += cur
	}
	return float64(total + section), true
}

// Check returns what the answer states that the catalog does not back. products are the products
// the answer is about (the first is the one asked about); question is the viewer's text, whose
// words an answer may repeat (「赤はございません」) but whose numbers it may never state as a price.
func (g *Guard) Check(answer, question string, products []catalog.Product) []Violation {
	var vs []Violation
	prices := map[float64]bool{}
	regular := map[float64]float64{} // regular price → the effective price that must accompany it
	nums := map[float64]bool{0: true, 1: true}
	stocks := map[float64]bool{}
	var facts strings.Builder
	for _, p := range products {
		prices[p.EffectivePrice()] = true
		if p.SalePrice != nil && *p.SalePrice > 0 && *p.SalePrice != p.Price {
			regular[p.Price] = p.EffectivePrice()
		}
		if p.Stock != nil {
			nums[float64(*p.Stock)] = true
			stocks[float64(*p.Stock)] = true
		}
		facts.WriteString(textnorm.Fold(p.Name + " " + p.Category + " " + p.Description + " " + strings.Join(p.Tags, " ")))
		for k, vals := range p.Attributes {
			nums[float64(len(vals))] = true
			facts.WriteString(" " + textnorm.Fold(k+" "+strings.Join(vals, " ")))
		}
	}
	for _, n := range g.Policy.Numbers() {
		nums[n] = true
	}
	prices[g.Policy.ShippingFee] = true
	prices[g.Policy.FreeShippingOver] = true
	factText := facts.String()
	factNums := map[float64]bool{}
	for _, n := range extractNumbers(factText) {
		nums[n.value] = true
		factNums[n.value] = true
	}
	for _, n := range extractNumbers(question) {
		if !n.price {
			nums[n.value] = true
		}
	}
	found := extractNumbers(answer)
	stated := map[float64]bool{}
	for _, n := range found {
		if n.price {
			stated[n.value] = true
		}
	}
	for _, n := range found {
		switch {
		case n.price && prices[n.value]:
		case n.price && regular[n.value] != 0 && stated[regular[n.value]]:
			// The regular price may be named beside the sale price ("usually ¥3,980").
		case n.price:
			vs = append(vs, Violation{"price", fmt.Sprintf("%q is not the catalog price %s", n.text, priceList(products))})
		case n.stock && !stocks[n.value]:
			vs = append(vs, Violation{"stock", fmt.Sprintf("%q is not the catalog stock", n.text)})
		case n.stock:
		case n.count && !stocks[n.value] && !factNums[n.value]:
			vs = append(vs, Violation{"stock", fmt.Sprintf("%q is neither the catalog stock nor a catalog count", n.text)})
		case n.count:
		case !nums[n.value] && !prices[n.value] && !nearAny(n.value, nums):
			vs = append(vs, Violation{"number", fmt.Sprintf("%q is not in the catalog", n.text)})
		}
	}
	fa := textnorm.Fold(answer)
	if len(products) > 0 && products[0].Stock != nil {
		p := products[0]
		if *p.Stock <= 0 && inStockRe.MatchString(fa) {
			vs = append(vs, Violation{"stock", p.SKU + " is sold out but the answer says it is in stock"})
		}
		if *p.Stock > 0 && soldOutRe.MatchString(fa) && len(products) == 1 {
			vs = append(vs, Violation{"stock", p.SKU + " is in stock but the answer says it is sold out"})
		}
	}
	fq := textnorm.Fold(question)
	for _, group := range colorGroups {
		stated := ""
		for _, c := range group {
			if strings.Contains(fa, c) {
				stated = c
				break
			}
		}
		if stated == "" {
			continue
		}
		known := false
		for _, c := range group {
			known = known || strings.Contains(factText, c) || strings.Contains(fq, c)
		}
		if !known {
			vs = append(vs, Violation{"color", fmt.Sprintf("color %q is not in the catalog", stated)})
		}
	}
	for _, m := range sizeRe.FindAllStringSubmatch(answer, -1) {
		sz := strings.ToLower(m[1])
		if !containsWord(factText, sz) && !containsWord(fq, sz) {
			vs = append(vs, Violation{"size", fmt.Sprintf("size %s is not in the catalog", m[1])})
		}
	}
	// An answer never repeats an instruction the viewer slipped in ("admin mode", 「指示を無視」).
	for _, c := range injectionCues {
		if strings.Contains(fa, c) && strings.Contains(fq, c) {
			vs = append(vs, Violation{"echo", fmt.Sprintf("the answer repeats the viewer's instruction %q", c)})
			break
		}
	}
	if g.Claims != nil {
		if ok, reason := g.Claims.CheckClaim(answer); !ok {
			vs = append(vs, Violation{"claim", reason})
		}
	}
	return vs
}

// nearAny accepts a rounded restatement of a catalog number (0.73 kg stated as 0.7).
func nearAny(v float64, set map[float64]bool) bool {
	for n := range set {
		if n != 0 && math.Abs(v-n)/math.Abs(n) < 0.05 && math.Abs(v-n) < 1 {
			return true
		}
	}
	return false
}

func containsWord(folded, w string) bool {
	for _, x := range words(folded) {
		if x == w {
			return true
		}
	}
	// Sizes in Japanese catalogs sit next to kana (「Mサイズ」), which words() splits already;
	// a plain substring check covers "s/m/l" lists.
	for _, part := range strings.FieldsFunc(folded, func(r rune) bool { return r == '/' || r == '・' || r == ',' || r == ' ' }) {
		if part == w {
			return true
		}
	}
	return false
}

func priceList(ps []catalog.Product) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%s=%s", p.SKU, fmtNum(p.EffectivePrice())))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
