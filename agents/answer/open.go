package answer

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/textnorm"
)

// IntentAttribute is the intent of a question answered by an attribute or a description sentence
// that none of the contract's intents names (「耐荷重は？」「ダボ穴はある？」).
const IntentAttribute = "attribute"

// openCand is one candidate answer of a product: an attribute (any name) or a description sentence.
type openCand struct {
	field    string // attribute name, or "description"
	value    string
	sentence bool
	text     string // what is matched: name and value, or the sentence (NFKC, lower case)
	name     string // the attribute name (NFKC, lower case); "" for a sentence
}

// openPick is the candidate that answers a question, with how it answers.
type openPick struct {
	openCand
	score    float64
	nameHit  bool // the attribute's name (two runes or more) is in the question
	polarity int  // yes/no questions: +1 the value says yes, -1 no, 0 it does not say
}

// stopKanji carry no topic of their own: a bigram of one of them and kana is a verb ending or a
// question word (付け, 使え, 何の), not a thing asked about.
var stopKanji = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "何使付入出用来行見言思方事物的気時分日年人円本個回可能要必付無有合" {
		m[r] = true
	}
	return m
}()

// openSynonyms put the words viewers use beside the words catalogs write (スマホ → スマートフォン,
// つなげる → 接続); an English question gets its nouns in Japanese (oven → オーブン).
var openSynonyms = [][2]string{
	{"スマホ", "スマートフォン"}, {"つなげ", "接続"}, {"つなが", "接続"}, {"繋げ", "接続"}, {"繋が", "接続"},
	{"付いて", "付属"}, {"ついて", "付属"}, {"付属", "付き"}, {"重さ", "重量"}, {"重量", "重さ"},
	{"何キロ", "重量"}, {"容量", "内容量"}, {"何ミリ", "容量"}, {"何ml", "容量"}, {"何リットル", "容量"},
	{"洗え", "洗い"}, {"折りたた", "折りたた"}, {"たたむ", "折りたた"}, {"折り畳", "折りたた"},
	{"食洗機", "食洗機"}, {"食器洗", "食洗機"}, {"電子レンジ", "レンジ"}, {"海外", "海外"}, {"電圧", "海外"},
	{"何段", "段数"}, {"変速", "段数"}, {"何合", "合分"}, {"何袋", "袋"}, {"何人分", "人分"},
	{"oven", "オーブン"}, {"dishwasher", "食洗機"}, {"microwave", "電子レンジ"}, {"induction", "IH"},
	{"waterproof", "防水"}, {"bath", "お風呂"}, {"shower", "お風呂"}, {"abroad", "海外"}, {"overseas", "海外"},
	{"charge", "充電"}, {"charging", "充電"}, {"battery", "バッテリー"}, {"load", "耐荷重"}, {"weight", "重量"},
	{"weigh", "重量"}, {"accessor", "付属品"}, {"included", "付属品"}, {"come with", "付属品"}, {"light", "ライト"},
	{"bell", "ベル"}, {"stand", "スタンド"}, {"frame", "フレーム"}, {"gear", "ギア"}, {"lid", "蓋"}, {"glass", "ガラス"},
	{"refill", "詰め替え"}, {"replacement", "交換"}, {"blade", "替え刃"}, {"filter", "フィルター"}, {"pouch", "ポーチ"},
	{"finish", "仕上がり"}, {"washable", "洗い"}, {"wash", "洗い"}, {"rinse", "水洗い"},
	{"ゴミ", "集じん"}, {"ゴミ", "ダスト"}, {"ごみ", "集じん"}, {"埃", "集じん"}, {"ほこり", "集じん"},
	{"どれくらい入", "容量"}, {"どのくらい入", "容量"}, {"何が入", "付属"}, {"コンロ", "ガス火"},
	{"how many bag", "何袋"}, {"how many piece", "何個"}, {"how many sheet", "何枚"}, {"how many serving", "何人分"},
	{"how many time", "何回"}, {"how many cup", "何杯"}, {"how many gram", "何g"}, {"how many ml", "何ml"},
	{"どこの国", "産地"}, {"どこ産", "産地"}, {"どこで作", "産地"},
	{"bag", "袋"}, {"made of", "素材"}, {"material", "素材"}, {"frame", "フレーム"},
}

// counters are the units a 「何＋counter」 question asks for, and how a value writes them.
var counters = []struct {
	ask  []string
	unit *regexp.Regexp
}{
	{[]string{"何キロ", "何kg", "何グラム", "何g", "重さ", "how heavy", "weigh"}, regexp.MustCompile(`\d\s*(kg|g|キロ|グラム)`)},
	{[]string{"何ミリ", "何ml", "何cc"}, regexp.MustCompile(`\d\s*(ml|mm|ミリ|cc)`)},
	{[]string{"何リットル", "何l"}, regexp.MustCompile(`\d\s*(l|リットル)\b|\d\s*(l|リットル)$|\d(l|リットル)[^a-z]`)},
	{[]string{"何センチ", "何cm", "何メートル"}, regexp.MustCompile(`\d\s*(cm|センチ|m\b|メートル)`)},
	{[]string{"何時間", "how long", "how many hours"}, regexp.MustCompile(`\d\s*時間|\d\s*hours?`)},
	{[]string{"何分", "how many minutes"}, regexp.MustCompile(`\d\s*分[^の]|\d\s*分$|\d\s*min`)},
	{[]string{"何インチ"}, regexp.MustCompile(`\d\s*(インチ|inch|")`)},
	{[]string{"何ルーメン"}, regexp.MustCompile(`\d\s*(ルーメン|lm)`)},
	{[]string{"何ワット", "何w"}, regexp.MustCompile(`\d\s*(w\b|ワット)`)},
	{[]string{"何ボルト", "何v"}, regexp.MustCompile(`\d\s*(v\b|ボルト)`)},
	{[]string{"何段"}, regexp.MustCompile(`\d\s*段`)},
	{[]string{"何袋"}, regexp.MustCompile(`\d\s*袋`)},
	{[]string{"何個", "何個入"}, regexp.MustCompile(`\d\s*個`)},
	{[]string{"何枚"}, regexp.MustCompile(`\d\s*枚`)},
	{[]string{"何本"}, regexp.MustCompile(`\d\s*本`)},
	{[]string{"何合"}, regexp.MustCompile(`\d\s*合`)},
	{[]string{"何人分", "何人前"}, regexp.MustCompile(`\d\s*(人分|人前)`)},
	{[]string{"何回"}, regexp.MustCompile(`\d\s*回`)},
	{[]string{"何日", "何日間"}, regexp.MustCompile(`\d\s*日`)},
	{[]string{"何年"}, regexp.MustCompile(`\d\s*年`)},
	{[]string{"何杯"}, regexp.MustCompile(`\d\s*杯`)},
	{[]string{"何歳", "何ヶ月", "何か月"}, regexp.MustCompile(`\d\s*(歳|ヶ月|か月|カ月)`)},
}

// yesWords and noWords are values that say yes or no by themselves.
var (
	yesValues = []string{"可", "対応", "あり", "有", "付き", "ok", "○", "◯", "yes", "できます", "使用可", "使えます"}
	noValues  = []string{"不可", "なし", "無し", "非対応", "未対応", "×", "no", "できません", "使えません", "使用不可", "不要"}
)

// lowerNFKC is how both sides of the open ranker are compared: width and case folded, kana kept
// (katakana stays katakana, so that a hiragana verb ending never meets a katakana name).
func lowerNFKC(s string) string { return strings.ToLower(norm.NFKC.String(s)) }

func isHira(r rune) bool { return r >= 0x3041 && r <= 0x309F }

func isContentRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == 'ー'
}

// openGrams returns the question's bigrams with their weight: 1 for two runes of kanji, katakana,
// Latin or digits (ガラ, 身長, ih), and for a kanji with the kana after it (泥よ, 組み, 落ち); 0.35
// for hiragana before a kanji (お湯), which supports a match but never makes one alone; stop kanji
// and 「何」 never count.
func openGrams(s string) map[string]float64 {
	rs := []rune(s)
	out := map[string]float64{}
	// Latin text counts by words (three letters or more, no stop words): "white" is a word, "wh" is
	// in every English sentence.
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r >= 0x80 || !(unicode.IsLetter(r) || unicode.IsDigit(r)) }) {
		if (len(w) >= 3 || (len(w) == 2 && !twoLetterStop[w])) && !englishStop[w] && !questionWordEN[w] && !pronounsEN[w] && !isDigits(w) {
			out[w] = 1
		}
	}
	// A kanji standing alone between kana (汗で, 豆は, 研がずに) is a word of its own.
	for i, r := range rs {
		if !unicode.Is(unicode.Han, r) || stopKanji[r] || r == '何' {
			continue
		}
		if (i == 0 || !unicode.Is(unicode.Han, rs[i-1])) && (i+1 == len(rs) || !unicode.Is(unicode.Han, rs[i+1])) {
			out[string(r)] = 1
		}
	}
	for i := 0; i+1 < len(rs); i++ {
		a, b := rs[i], rs[i+1]
		if a < 0x80 && b < 0x80 {
			continue
		}
		if !isContentRune(a) || !isContentRune(b) || a == '何' || b == '何' {
			continue
		}
		if isHira(a) && isHira(b) {
			continue
		}
		if unicode.IsDigit(a) && unicode.IsDigit(b) {
			continue
		}
		w := 1.0
		if isHira(a) || isHira(b) {
			w = 0.35
			if stopKanji[a] || stopKanji[b] {
				continue
			}
			if unicode.Is(unicode.Han, a) || ((a == 'お' || a == 'ご') && unicode.Is(unicode.Han, b)) {
				w = 1 // 泥よ, 組み; お湯, ご飯: a noun with its honorific prefix
			}
		} else if stopKanji[a] && stopKanji[b] {
			continue
		}
		g := string(rs[i : i+2])
		if w > out[g] {
			out[g] = w
		}
	}
	return out
}

// twoLetterStop are the two-letter English words that are grammar; others (ih, uv, pd) are names.
var twoLetterStop = map[string]bool{"is": true, "it": true, "in": true, "on": true, "to": true, "of": true, "do": true, "be": true,
	"an": true, "at": true, "by": true, "or": true, "if": true, "my": true, "me": true, "we": true, "so": true, "no": true,
	"up": true, "us": true, "go": true, "am": true, "as": true, "he": true, "ok": true}

// expandQuestion adds the catalog's words for the viewer's (synonyms, English nouns in Japanese).
func expandQuestion(q string) string {
	var b strings.Builder
	b.WriteString(q)
	for _, s := range openSynonyms {
		if strings.Contains(q, lowerNFKC(s[0])) {
			b.WriteString(" ")
			b.WriteString(lowerNFKC(s[1]))
		}
	}
	return b.String()
}

// splitSentences cuts a description into sentences, ending marks kept.
func splitSentences(s string) []string {
	var out []string
	start := 0
	rs := []rune(s)
	for i, r := range rs {
		if strings.ContainsRune("。！!？?\n", r) {
			if t := strings.TrimSpace(string(rs[start : i+1])); utf8.RuneCountInString(t) > 1 {
				out = append(out, t)
			}
			start = i + 1
		}
	}
	if t := strings.TrimSpace(string(rs[start:])); utf8.RuneCountInString(t) > 1 {
		out = append(out, t)
	}
	return out
}

// openCandidates lists every attribute and description sentence of a product.
func openCandidates(p *catalog.Product, lang string) []openCand {
	names := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]openCand, 0, len(names)+4)
	for _, k := range names {
		v := joinValues(p.Attributes[k], lang)
		nm := strings.ReplaceAll(k, "_", " ")
		if al := keyAliases[k]; al != "" {
			nm += " " + al
		}
		out = append(out, openCand{field: k, value: v, text: lowerNFKC(nm + " " + v), name: lowerNFKC(nm)})
	}
	for _, s := range splitSentences(p.Description) {
		out = append(out, openCand{field: "description", value: s, sentence: true, text: lowerNFKC(s)})
	}
	return out
}

// keyAliases are the words shops write for the attribute names the importers map to the catalog's
// convention (重量 → weight), so that a question in the shop's words still meets the field.
var keyAliases = map[string]string{
	"color": "色 カラー", "material": "素材 材質", "capacity": "容量 内容量", "ingredients": "成分 原材料",
	"allergens": "アレルゲン アレルギー", "weight": "重さ 重量", "dimensions": "寸法 大きさ サイズ", "size": "サイズ",
	"compatibility": "対応機種 対応", "usage": "使い方 使用方法", "scent": "香り", "skin type": "肌質",
	"skin_type": "肌質", "origin": "原産国 産地 国", "shelf_life": "賞味期限 消費期限", "storage": "保存方法 保存",
	"battery": "バッテリー 電池", "warranty": "保証 保証期間", "care": "お手入れ 洗濯", "fit": "シルエット", "spf": "紫外線",
}

// askedUnits returns the unit patterns a question asks for (何ミリ → ml/mm).
func askedUnits(q string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, c := range counters {
		for _, a := range c.ask {
			if strings.Contains(q, a) {
				out = append(out, c.unit)
				break
			}
		}
	}
	return out
}

// openAnswer ranks every attribute and description sentence of a product for a question and
// returns the one that answers it, if any does: one strong bigram shared with the question (a
// name, a noun of the value or sentence), an asked unit in the value, or the attribute's name in
// the question. Words of the product's own name do not count (they name it, they ask nothing).
func openAnswer(question string, p *catalog.Product, lang string) (openPick, bool) {
	q := expandQuestion(lowerNFKC(question))
	grams := openGrams(q)
	name := lowerNFKC(p.Name)
	for g := range grams {
		if strings.Contains(name, g) {
			grams[g] *= 0.3
		}
	}
	units := askedUnits(q)
	cands := openCandidates(p, lang)
	if len(cands) == 0 || (len(grams) == 0 && len(units) == 0) {
		return openPick{}, false
	}
	// Rare bigrams weigh more: one that every candidate holds tells nothing apart.
	df := map[string]int{}
	for g := range grams {
		for _, c := range cands {
			if containsGram(c.text, g) {
				df[g]++
			}
		}
	}
	var best openPick
	bestScore := 0.0
	for _, c := range cands {
		sc, strong := 0.0, 0.0
		for g, w := range grams {
			if !containsGram(c.text, g) {
				continue
			}
			idf := math.Log(1 + float64(len(cands))/float64(df[g]))
			sc += w * idf
			if w >= 1 {
				strong += idf
			}
		}
		nameHit := false
		if !c.sentence {
			hitName := false
			for _, nm := range strings.Fields(c.name) {
				if utf8.RuneCountInString(nm) >= 2 && containsGram(q, nm) {
					hitName = true
				}
			}
			if hitName {
				nameHit = true
				sc += 2
				strong += 1
			} else {
				// Bigrams in the name say what the field is: they outweigh the same bigrams in a value.
				for g, w := range grams {
					if w >= 1 && containsGram(c.name, g) {
						sc += 0.5
					}
				}
			}
		}
		unitHit := false
		for _, u := range units {
			if u.MatchString(lowerNFKC(c.value)) {
				unitHit = true
				sc += 1.5
				strong += 0.5
			}
		}
		if strong <= 0 && !unitHit {
			continue
		}
		if c.sentence {
			sc *= 0.9 // an attribute that matches as well is the more precise answer
		}
		if sc > bestScore {
			bestScore = sc
			best = openPick{openCand: c, score: sc, nameHit: nameHit}
		}
	}
	if bestScore < 1 {
		return openPick{}, false
	}
	best.polarity = valuePolarity(q, best)
	return best, true
}

// yesNoQuestion reports whether a question asks yes or no (「使えますか」「洗える？」 "can I …"),
// not what or how much.
func yesNoQuestion(q string) bool {
	f := lowerNFKC(q)
	for _, w := range []string{"何", "いくら", "どれ", "どの", "どこ", "いつ", "どう", "どんな", "いくつ", "what", "how", "which", "where", "when"} {
		if strings.Contains(f, w) {
			return false
		}
	}
	return true
}

// valuePolarity tells what an attribute value answers a yes/no question: yes when the value says
// so (可, 対応, あり) or names what was asked (IH in 「IH・ガス火」), no when it says 不可 or なし;
// a sentence is quoted, never turned into a yes.
func valuePolarity(q string, p openPick) int {
	if p.sentence || !yesNoQuestion(q) {
		return 0
	}
	v := strings.TrimSpace(lowerNFKC(p.value))
	for _, n := range noValues {
		if v == n || strings.HasPrefix(v, n) {
			return -1
		}
	}
	for _, y := range yesValues {
		if v == y || strings.HasPrefix(v, y) || strings.HasSuffix(v, y) {
			return 1
		}
	}
	// The value names what the question asks about (「IHで使えますか」 → 対応熱源: IH・ガス火), for
	// questions of use only: an allergen or ingredient named in the value is never a yes.
	for _, ci := range fieldConcepts(p.field) {
		if n := concepts[ci].name; n == "ingredients" {
			return 0
		}
	}
	useQ := false
	for _, w := range []string{"使え", "使用でき", "対応", "付い", "ついて", "付属", "でき", "可能", "ok", "can ", "does it", "is it", "will it"} {
		useQ = useQ || strings.Contains(q, w)
	}
	for _, w := range []string{"アレルギー", "大丈夫", "平気", "allerg", "safe for"} {
		if strings.Contains(q, w) {
			return 0
		}
	}
	if !useQ {
		return 0
	}
	for g, w := range openGrams(q) {
		if w >= 1 && strings.Contains(v, g) && !strings.Contains(p.name, g) {
			return 1
		}
	}
	return 0
}

// enGlossary gives English for words catalogs write in Japanese, for English answers: colors come
// from colorwords.tsv, these are the rest (yes/no values, finishes, materials). Keys are folded.
var enGlossary = func() [][2]string {
	out := [][2]string{}
	for _, e := range [][2]string{
		{"使用不可", "no"}, {"不可", "no"}, {"使用可", "yes"}, {"非対応", "not supported"}, {"対応", "supported"}, {"可", "yes"},
		{"なし", "none"}, {"あり", "yes"}, {"セミマット", "semi-matte"}, {"マット", "matte"}, {"ツヤ", "glossy"},
		{"アルミ", "aluminium"}, {"ステンレス", "stainless steel"}, {"スチール", "steel"}, {"樹脂", "resin"},
		{"ガス火", "gas"}, {"綿", "cotton"}, {"ポリエステル", "polyester"}, {"別売", "sold separately"},
		{"ledライト", "LED light"}, {"ライト", "light"}, {"ベル", "bell"}, {"スタンド", "stand"}, {"グレー", "grey"},
	} {
		out = append(out, [2]string{textnorm.Fold(e[0]), e[1]})
	}
	for _, line := range strings.Split(colorwordsTSV, "\n") {
		en, ja, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		for _, j := range strings.Split(ja, ",") {
			if j = strings.TrimSpace(j); utf8.RuneCountInString(j) >= 2 {
				out = append(out, [2]string{textnorm.Fold(j), en})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i][0]) > len(out[j][0]) })
	return out
}()

// enLabels name attributes shops write in Japanese for English answers; others are quoted as written.
var enLabels = map[string]string{
	"付属品": "accessories", "耐荷重": "load capacity", "連続使用時間": "runtime", "充電時間": "charging time",
	"対応熱源": "heat sources", "食洗機": "dishwasher", "オーブン使用": "oven use", "防水": "water resistance",
	"替え刃": "replacement blades", "交換目安": "replacement interval", "明るさ": "brightness", "投影サイズ": "projection size",
	"高さ": "height", "仕上がり": "finish", "フレーム素材": "frame material", "ギア段数": "gears", "適応身長": "rider height",
	"集じん容積": "dust capacity", "入数": "count", "対象肌質": "skin types", "原産国": "origin", "紫外線カット": "UV protection",
	"保存方法": "storage", "電子レンジ": "microwave", "対象年齢": "age", "対象月齢": "age", "保証期間": "warranty",
}

// englishLabel names an attribute for an English answer.
func englishLabel(name string) string {
	if l, ok := enLabels[name]; ok {
		return l
	}
	return strings.ReplaceAll(name, "_", " ")
}

// englishValue writes a catalog value for an English answer: each item whose words the glossary
// knows in English, with the catalog's own words after it; an item it does not know as written.
func englishValue(v string) string {
	sep := "・"
	if !strings.Contains(v, sep) {
		sep = ", "
	}
	items := strings.Split(v, sep)
	changed := false
	for i, it := range items {
		f := textnorm.Fold(it)
		var parts []string
		for f != "" {
			found := false
			for _, e := range enGlossary {
				if strings.HasPrefix(f, e[0]) {
					parts = append(parts, e[1])
					f = f[len(e[0]):]
					found = true
					break
				}
			}
			if !found {
				break
			}
		}
		if f == "" && len(parts) > 0 {
			items[i] = strings.Join(parts, " ")
			changed = true
		}
	}
	if !changed {
		return v
	}
	return strings.Join(items, ", ") + " (" + strings.ReplaceAll(v, ", ", "・") + ")"
}

// strongOverlap reports whether a text shares a strong bigram with a question.
func strongOverlap(question, text string) bool {
	t := lowerNFKC(text)
	for g, w := range openGrams(expandQuestion(lowerNFKC(question))) {
		if w >= 1 && strings.Contains(t, g) {
			return true
		}
	}
	return false
}

// missingThing reports whether a yes/no question asks about a thing (a strong word of the viewer's
// own, not a synonym the ranker added) that the answer's text does not hold: 「荷台は付いてますか」
// answered with the accessory list says no rack, but a person should say so.
func missingThing(question string, p openPick) bool {
	if !yesNoQuestion(question) || p.polarity != 0 {
		return false
	}
	t := p.text
	for g, w := range openGrams(lowerNFKC(question)) {
		if w >= 1 && !strings.Contains(t, g) && !cueSet[textnorm.Fold(g)] {
			return true
		}
	}
	return false
}

// containsGram reports whether text holds a gram: a Latin word as a whole word ("pa" is not in
// "capacity"), anything else as a substring.
func containsGram(text, g string) bool {
	if g == "" || g[0] >= 0x80 {
		return strings.Contains(text, g)
	}
	for i := 0; ; {
		j := strings.Index(text[i:], g)
		if j < 0 {
			return false
		}
		st, end := i+j, i+j+len(g)
		before, after := rune(' '), rune(' ')
		if st > 0 {
			before, _ = utf8.DecodeLastRuneInString(text[:st])
		}
		if end < len(text) {
			after, _ = utf8.DecodeRuneInString(text[end:])
		}
		if !isLatinWordRune(before) && !isLatinWordRune(after) {
			return true
		}
		i = st + 1
	}
}
