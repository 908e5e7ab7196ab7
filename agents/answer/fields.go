package answer

import (
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/livehost/livehost/textnorm"
)

// Field is one candidate fact of a product: a catalog column ("price", "stock") or an attribute
// ("color", "素材"), with its value as text.
type Field struct {
	Name  string
	Value string
}

// FieldScore is a field's rank score; Index points into the slice given to RankFields.
type FieldScore struct {
	Index int
	Score float64
}

// concept ties the words viewers use when they ask about something to the words catalogs use to
// name the field that answers it. Cues and field words are folded (textnorm.Fold) and, for English,
// stemmed by stem.
type concept struct {
	name   string
	intent string   // the detected intent this concept answers ("" when it has no intent of its own)
	fields []string // words that, found in a field name, mark the field as this concept
	cues   []string // words in a question that ask for this concept
}

// conceptStems holds, per concept, the stem of each ASCII cue ("" for other cues); set by init.
var conceptStems [][]string

// concepts is the attribute lexicon shared by intent detection and field selection. It was built by
// reading the semiPQA dev split and Japanese live-commerce chat; the test split is never read for it.
var concepts = []concept{
	{"price", IntentPrice, []string{"price", "価格", "値段", "金額", "sale"},
		[]string{"price", "cost", "how much", "expens", "cheap", "discount", "sale", "yen", "dollar", "いくら", "値段", "価格", "金額", "円", "税込", "税抜", "セール", "割引", "高い", "安い", "おいくら", "送料込"}},
	{"stock", IntentStock, []string{"stock", "在庫", "availability", "inventory"},
		[]string{"stock", "available", "sold", "left", "remain", "buy", "在庫", "残り", "売り切れ", "売切", "完売", "買え", "購入でき", "再入荷", "入荷", "まだあり", "ありますか"}},
	{"size", IntentSize, []string{"size", "サイズ", "fit", "ring", "length", "大きさ", "丈", "width", "寸法"},
		[]string{"size", "big", "small", "large", "fit", "tall", "xl", "xs", "xxl", "xxs", "xxxl", "3l", "4l", "free size", "フリーサイズ", "サイズ感", "サイズ", "大きさ", "何号", "号サイズ", "丈", "着丈", "身長", "cm", "センチ", "ぴったり", "小さめ", "大きめ", "入りますか", "sサイズ", "mサイズ", "lサイズ", "シルエット", "細身", "ゆったり"}},
	{"color", IntentColor, []string{"color", "colour", "カラー", "色", "shade", "shades", "finish"},
		[]string{"color", "colour", "shade", "black", "white", "red", "blue", "pink", "green", "beige", "色", "カラー", "色味", "何色", "赤", "青", "黒", "白", "ぴんく", "べーじゅ", "ぶらうん", "色違い"}},
	{"material", IntentMaterial, []string{"material", "素材", "fabric", "outer", "inner", "metal", "cover", "sole", "back", "body", "shell", "lining"},
		[]string{"material", "made", "made of", "made out", "made from", "fabric", "cotton", "polyest", "leather", "metal", "plastic", "wood", "silk", "wool", "nylon", "spandex", "brass", "素材", "生地", "材質", "綿", "コットン", "ポリエステル", "革", "レザー", "ウール", "シルク", "何でできて", "でできて", "できてますか"}},
	{"dimensions", IntentDimensions, []string{"dimension", "寸法", "大きさ", "width", "height", "length", "depth", "diameter"},
		[]string{"dimension", "big", "wide", "width", "long", "length", "height", "tall", "deep", "depth", "diamet", "inch", "mm", "measur", "寸法", "大きさ", "幅", "高さ", "奥行", "縦", "横", "長さ", "直径", "ミリ", "センチ", "サイズ", "サイズ感"}},
	{"weight", IntentDimensions, []string{"weight", "重さ", "重量"},
		[]string{"weigh", "heavy", "light", "pound", "ounc", "lb", "gram", "kilogram", "kg", "carri", "carry", "重さ", "重い", "軽い", "重量", "グラム", "キロ"}},
	{"usage", IntentUsage, []string{"usage", "how_to_use", "use", "使い方", "使用方法", "落とし方", "お手入れ", "洗い方", "recommended", "instructions", "care"},
		[]string{"use", "usage", "apply", "wash", "how", "使い方", "使用方法", "使う", "使い", "使用", "塗り方", "使え", "使っ", "落ちる", "落とし", "洗え", "洗濯", "石けん", "石鹸", "クレンジング", "どうやって", "つけ方", "重ね", "お手入れ", "手入れ", "洗い方", "手洗い", "クリーニング", "care", "淹れ方", "作り方", "飲み方", "食べ方", "召し上がり方"}},
	{"ingredients", IntentIngredients, []string{"ingredient", "成分", "全成分", "allergen", "アレルギー", "アレルゲン", "nutrition", "nutritional"},
		[]string{"ingredient", "contain", "allerg", "nut", "peanut", "gluten", "dairy", "vegan", "alcohol", "fragranc", "paraben", "calori", "protein", "carb", "sugar", "成分", "アレルギー", "アレルゲン", "含ま", "入って", "小麦", "卵", "乳", "ナッツ", "アルコール", "香料", "パラベン", "無添加", "敏感肌", "肌に", "カロリー"}},
	{"shipping", IntentShipping, []string{"shipping", "配送", "送料", "delivery", "return", "返品", "交換"},
		[]string{"ship", "shipping", "deliver", "arriv", "return", "refund", "exchang", "送料", "配送", "発送", "届", "お届け", "到着", "返品", "交換", "返金", "キャンセル", "着払い", "いつ届", "何日"}},
	{"compatibility", IntentCompatibility, []string{"compatib", "対応", "適合", "mount", "platform", "device", "model", "vehicle"},
		[]string{"compatib", "work", "fit", "iphon", "ipad", "android", "samsung", "switch", "support", "対応", "使えますか", "合いますか", "合う", "適合", "機種", "互換", "併用", "一緒に使"}},
	{"brand", "", []string{"brand", "ブランド", "manufactur", "maker", "メーカー"},
		[]string{"brand", "who", "company", "who makes", "who made", "made by", "manufactur", "ブランド", "メーカー", "どこの"}},
	{"age", "", []string{"age", "年齢", "対象"},
		[]string{"age", "old", "kid", "child", "children", "adult", "toddler", "babi", "baby", "teen", "boy", "girl", "year", "子供", "子ども", "年齢", "大人", "歳", "才", "キッズ"}},
	{"gender", "", []string{"gender", "性別"},
		[]string{"men", "women", "male", "female", "boy", "girl", "unisex", "gender", "メンズ", "レディース", "男性", "女性"}},
	{"storage", "", []string{"storage", "capacity", "memory", "ram", "disk", "容量"},
		[]string{"storag", "gb", "tb", "memori", "ram", "space", "hold", "movi", "容量"}},
	{"battery", "", []string{"battery", "batteries", "power", "talk_time", "standby", "runtime"},
		[]string{"battery", "batteri", "charg", "last", "hour", "power", "run", "mah", "バッテリー", "充電", "電池", "持ち時間", "何時間", "連続再生"}},
	{"water", "", []string{"water", "防水"},
		[]string{"water", "swim", "pool", "dive", "diving", "rain", "waterproof", "防水", "水"}},
	{"wireless", "", []string{"wireless", "connect", "interface", "connector"},
		[]string{"bluetooth", "wifi", "wi-fi", "wireless", "connect", "plug", "usb", "cabl", "ワイヤレス", "接続"}},
	{"display", "", []string{"display", "screen", "resolution"},
		[]string{"display", "screen", "lcd", "led", "resolut", "4k", "1080p", "画面"}},
	{"count", "", []string{"number", "count", "eaches", "quantity", "sets", "pieces", "入数"},
		[]string{"many", "number", "count", "set", "piec", "dozen", "pack", "入り", "何個", "何枚", "個数", "枚数", "入数"}},
	{"scent", "", []string{"scent", "fragrance", "flavor", "香り", "味"},
		[]string{"scent", "smell", "fragranc", "flavor", "tast", "香り", "匂い", "におい", "味"}},
	{"skill", "", []string{"skill", "level", "difficulty"},
		[]string{"beginner", "expert", "advanc", "novic", "skill", "difficult", "easy", "初心者", "上級", "難し"}},
	{"firmness", "", []string{"firmness", "hardness"},
		[]string{"soft", "firm", "hard", "plush", "柔らか", "やわらか", "硬", "かた"}},
	{"caffeine", "", []string{"caffeine"},
		[]string{"caffein", "decaf", "night", "sleep", "カフェイン"}},
	{"os", "", []string{"operating_system", "os", "software"},
		[]string{"window", "android", "io", "mac", "linux", "os", "softwar", "program"}},
	{"runtime", "", []string{"runtime", "time", "duration"},
		[]string{"long", "minut", "hour", "playtim", "durat", "時間"}},
	{"sun", "", []string{"sunlight", "light_exposure"},
		[]string{"sun", "shade", "shaded", "light", "日当たり", "日陰"}},
	{"temperature", "", []string{"temperature", "heat", "温度"},
		[]string{"temperatur", "heat", "hot", "cold", "warm", "degre", "fahrenheit", "celsiu", "温度", "耐熱", "熱"}},
	{"occasion", "", []string{"occasion", "holiday", "event"},
		[]string{"birthday", "funeral", "holiday", "wedding", "party", "christma", "halloween", "occasion", "gift", "ギフト", "プレゼント", "誕生日"}},
	{"security", "", []string{"security", "lock"},
		[]string{"safe", "lock", "secur", "theft", "鍵", "防犯"}},
	{"control", "", []string{"control", "remote", "switch"},
		[]string{"remote", "voic", "turn", "control", "switch", "app", "リモコン", "操作"}},
	{"carrier", "", []string{"provider", "carrier", "network"},
		[]string{"carrier", "verizon", "at&t", "t-mobil", "sprint", "network", "sim", "キャリア"}},
	{"platform", "", []string{"platform", "console"},
		[]string{"playstation", "xbox", "nintendo", "ps4", "ps5", "console", "pc"}},
	{"shelf_life", "", []string{"shelf_life", "賞味期限", "消費期限", "expir", "best_before"},
		[]string{"賞味期限", "消費期限", "日持ち", "日もち", "もちます", "期限", "expir", "shelf life", "best before"}},
	{"origin", "", []string{"origin", "原産", "産地", "生産国", "made_in", "country"},
		[]string{"産地", "原産", "どこ産", "国産", "日本製", "製造国", "何産", "生産", "どこで作", "どこ製", "made in", "origin", "countri"}},
	{"keeping", "", []string{"storage", "保存", "保管", "keep"},
		[]string{"保存", "保管", "冷凍", "冷蔵", "常温", "store", "refrigerat", "fridge", "freez"}},
	{"warranty", "", []string{"warranty", "保証", "guarantee"},
		[]string{"保証", "warranty", "guarante"}},
	{"uv", "", []string{"spf", "uv", "紫外線"},
		[]string{"spf", "紫外線", "uv", "日焼け", "sunscreen"}},
	{"skin_type", "", []string{"skin_type", "肌質"},
		[]string{"肌質", "乾燥肌", "敏感肌", "脂性肌", "混合肌", "肌に合", "skin type", "sensitive skin", "dry skin", "oily skin"}},
	{"capacity", "", []string{"capacity", "容量", "内容量", "volume"},
		[]string{"容量", "内容量", "何ml", "何ミリ", "何リットル", "何グラム", "何g", "入って", "how much product", "volume", "capacity"}},
	{"light", "", []string{"bulb", "light_source", "brightness", "lumen"},
		[]string{"led", "halogen", "bulb", "lumen", "bright", "watt", "電球", "明る"}},
}

// Concept cues and field words are folded and stemmed once; the hot path compares prepared strings.
func init() {
	for i := range concepts {
		c := &concepts[i]
		for j, cue := range c.cues {
			if cue[0] >= 0x80 {
				c.cues[j] = textnorm.Fold(cue)
			}
		}
		for j, fw := range c.fields {
			c.fields[j] = textnorm.Fold(fw)
		}
		st := make([]string, len(c.cues))
		for j, cue := range c.cues {
			if cue[0] < 0x80 && !strings.Contains(cue, " ") {
				st[j] = stem(cue)
			}
		}
		conceptStems = append(conceptStems, st)
	}
}

// stem reduces an English word to a crude stem so that "weighs", "weighed" and "weigh" meet; it is
// deliberately small, a few suffixes, because catalog field names are short and regular.
func stem(w string) string {
	if a, ok := abbreviations[w]; ok {
		return a
	}
	if len(w) <= 3 || w[0] >= 0x80 {
		return w
	}
	for _, suf := range []string{"ies", "ing", "ed", "es", "s", "y", "e"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			w = w[:len(w)-len(suf)]
			if suf == "ies" {
				w += "i"
			}
			break
		}
	}
	return w
}

// words splits folded text into stemmed Latin/digit words; runs of other scripts become one word
// each, which is enough for substring cue matching done elsewhere.
func words(folded string) []string {
	var out []string
	start := -1
	ascii := false
	for i, r := range folded {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r)
		// A switch between Latin and other scripts ends a word: 「xlありますか」 holds "xl".
		if ok && start >= 0 && (r < 0x80) != ascii {
			out = append(out, stem(folded[start:i]))
			start = -1
		}
		if ok && start < 0 {
			start = i
			ascii = r < 0x80
		}
		if !ok && start >= 0 {
			out = append(out, stem(folded[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, stem(folded[start:]))
	}
	return out
}

// abbreviations maps short forms catalogs use in field names to the words viewers write.
var abbreviations = map[string]string{"min": "minimum", "max": "maximum", "qty": "quantiti", "dim": "dimension", "wt": "weight", "temp": "temperatur"}

var englishStop = map[string]bool{
	"the": true, "a": true, "an": true, "is": true, "it": true, "thi": true, "this": true, "that": true, "of": true,
	"for": true, "in": true, "on": true, "to": true, "and": true, "or": true, "doe": true, "do": true, "does": true,
	"can": true, "i": true, "be": true, "with": true, "what": true, "are": true, "these": true, "those": true,
	"there": true, "any": true, "my": true, "will": true, "you": true, "me": true, "get": true, "come": true,
	"have": true, "ha": true, "has": true, "if": true, "would": true, "need": true, "which": true, "kind": true,
	"type": true, "than": true, "more": true, "less": true, "much": true, "how": true, "about": true, "by": true,
	"item": true, "product": true, "tell": true, "look": true, "wanted": true, "want": true, "match": true,
	"at": true, "as": true, "from": true, "so": true, "up": true, "not": true, "only": true, "all": true,
	"some": true, "it's": true, "its": true, "they": true, "them": true, "their": true, "wa": true, "was": true,
	"de": true, "da": true, "one": true, "other": true, "like": true, "ani": true, "someth": true, "sort": true,
	"value": true, "unit": true, "normalized_valu": true, "standardized_valu": true, "language_tag": true,
}

// questionInfo is a question prepared once for scoring many fields.
type questionInfo struct {
	raw      string // the question as asked
	folded   string
	words    map[string]bool
	list     []string        // the same words, for prefix scans
	concepts map[int]float64 // concept index → cue strength
	// intentScore is the cue evidence per intent, weak cues counting 0.4 (see weakCues).
	intentScore map[string]float64
}

func prepareQuestion(q string) questionInfo {
	f := textnorm.Fold(q)
	// 「大丈夫」 holds 丈 (length), a size cue; it asks whether something is fine.
	f = strings.ReplaceAll(strings.ReplaceAll(f, "大丈夫", "  "), "だいじょうぶ", "  ")
	qi := questionInfo{raw: q, folded: f, words: map[string]bool{}, concepts: map[int]float64{}, intentScore: map[string]float64{}}
	for _, w := range words(f) {
		if !englishStop[w] && !qi.words[w] {
			qi.words[w] = true
			qi.list = append(qi.list, w)
		}
	}
	for ci, c := range concepts {
		for j, cue := range c.cues {
			if cueMatch(f, qi, cue, conceptStems[ci][j]) {
				qi.concepts[ci]++
				if c.intent == "" {
					continue
				}
				if weakCues[cue] {
					qi.intentScore[c.intent] += 0.4
				} else {
					qi.intentScore[c.intent]++
				}
			}
		}
	}
	return qi
}

// cueMatch matches an ASCII cue as a word or word prefix (stems vary) and any other cue as a
// substring; cue and st are a prepared cue and its stem.
func cueMatch(folded string, qi questionInfo, cue, st string) bool {
	if cue[0] >= 0x80 || st == "" {
		return strings.Contains(folded, cue)
	}
	if qi.words[cue] || qi.words[st] {
		return true
	}
	if len(cue) >= 4 {
		for _, w := range qi.list {
			if strings.HasPrefix(w, st) {
				return true
			}
		}
	}
	return false
}

// fieldConcepts lists the concepts whose field words appear in a field name.
func fieldConcepts(name string) []int {
	f := textnorm.Fold(name)
	var out []int
	for ci, c := range concepts {
		for _, fw := range c.fields {
			if strings.Contains(f, fw) {
				out = append(out, ci)
				break
			}
		}
	}
	return out
}

// RankFields orders fields by how well each answers the question, best first. It combines three
// signals: the concept lexicon (a question cue such as "heavy" or 「重い」 pointing at a field named
// weight/重さ), overlap between question words and the field name, and overlap with the field value
// weighted by how rare the word is among the fields, so that "does this fit an iphone" finds the
// field whose value says iPhone.
func RankFields(question string, fields []Field) []FieldScore {
	qi := prepareQuestion(question)
	return rankPrepared(qi, fields)
}

// bm25Weight scales BM25 against the lexicon's evidence; chosen on the semiPQA dev split (0.25–1
// are within 0.01 of each other there).
const bm25Weight = 0.5

// subkeyWeight is what a structured value's part of an asked concept adds; chosen on the semiPQA
// dev split (0.5–2 within 0.003 there).
const subkeyWeight = 2.0

// subkeyConcepts lists the concepts named by the keys of a structured value ("width: …").
func subkeyConcepts(value string) []int {
	var out []int
	seen := map[int]bool{}
	for _, part := range strings.Split(value, ":")[:strings.Count(value, ":")] {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		key := textnorm.Fold(f[len(f)-1])
		for ci, c := range concepts {
			if seen[ci] {
				continue
			}
			for _, fw := range c.fields {
				if strings.Contains(key, fw) {
					seen[ci] = true
					out = append(out, ci)
					break
				}
			}
		}
	}
	return out
}

func rankPrepared(qi questionInfo, fields []Field) []FieldScore {
	type prepared struct {
		name  map[string]bool
		value map[string]bool
	}
	ps := make([]prepared, len(fields))
	df := map[string]int{}
	for i, fd := range fields {
		p := prepared{name: map[string]bool{}, value: map[string]bool{}}
		for _, w := range words(textnorm.Fold(strings.ReplaceAll(fd.Name, "_", " "))) {
			if !englishStop[w] {
				p.name[w] = true
			}
		}
		for _, w := range words(textnorm.Fold(fd.Value)) {
			if !englishStop[w] && !p.value[w] {
				p.value[w] = true
				df[w]++
			}
		}
		ps[i] = p
	}
	out := make([]FieldScore, len(fields))
	n := float64(len(fields))
	// Word overlap over the whole candidate (BM25, stemmed) backs up the lexicon: a value that holds
	// the asked words ranks up even when no concept names its field.
	bm := bm25With(qi.raw, fields, contentTokens)
	for i, fd := range fields {
		s := 0.0
		for _, ci := range fieldConcepts(fd.Name) {
			if st, ok := qi.concepts[ci]; ok {
				s += 2 + 0.5*math.Min(st, 3)
			}
		}
		// A structured value names its parts ("diameter: millimeters 19 material: metal"): a part
		// of an asked concept counts, less than the field's own name.
		if strings.Contains(fd.Value, ":") {
			for _, ci := range subkeyConcepts(fd.Value) {
				if _, ok := qi.concepts[ci]; ok {
					s += subkeyWeight
				}
			}
		}
		// Question words inside the field name are the strongest plain-text signal.
		fn := textnorm.Fold(fd.Name)
		for w := range qi.words {
			if ps[i].name[w] {
				s += 2.5
			} else if len(w) >= 4 && strings.Contains(fn, w) {
				s += 1.5
			}
		}
		if fn != "" && fn[0] >= 0x80 && strings.Contains(qi.folded, fn) {
			s += 3
		}
		for w := range qi.words {
			if ps[i].value[w] {
				s += 0.6 * math.Log(1+n/float64(df[w]))
			}
		}
		s += fieldPrior(fn)
		// The learned prior (fieldprior.go) only orders fields; it is no evidence that a field is
		// about the question, so callers that gate on the score subtract it (selectAttribute).
		out[i] = FieldScore{Index: i, Score: s + bm25Weight*bm[i] + learnedPrior(fd.Name)}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	return out
}

// fieldPrior nudges fields that rarely answer a viewer (the shipping carton, battery flags) below
// the product's own fields when nothing else separates them.
func fieldPrior(folded string) float64 {
	switch {
	case strings.Contains(folded, "package"):
		return -0.6
	case strings.HasPrefix(folded, "batteries_"), strings.Contains(folded, "model_year"), strings.Contains(folded, "model_number"):
		return -0.4
	}
	return 0
}
