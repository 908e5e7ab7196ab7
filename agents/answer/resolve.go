package answer

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/textnorm"
	"golang.org/x/text/unicode/norm"
)

// resolution is the product a question is about.
type resolution struct {
	product    catalog.Product
	ok         bool
	confidence float64
	// mentioned is set when the message named a product other than the one on air.
	mentioned bool
	// onAir is the on-air product, kept for comparisons.
	onAir   catalog.Product
	onAirOK bool
	// unsure is set when the on-air product is only a guess (the message had words it could not place).
	unsure bool
}

// minMention is the shortest name overlap (in runes) that counts as naming a product: 「リップ」
// names nothing in particular, 「リップライナー」 does.
const (
	minMentionKana  = 3
	minMentionLatin = 4
	searchK         = 5
)

// fillerJA are words that carry no product name or topic; a run of the message that is part of
// one of them (or of an intent cue) is not a mention of anything.
var fillerJA = []string{
	"ありますか", "ございますか", "でしょうか", "ください", "教えて", "おしえて", "これ", "この", "それ", "その", "あれ", "あの",
	"こちら", "そちら", "商品", "今日", "今", "いま", "何", "なに", "どう", "どの", "どれ", "くらい", "ぐらい", "大丈夫", "平気",
	"使える", "おすすめ", "知りたい", "気になる", "欲しい", "本当", "本物", "実際", "普通", "一番", "全部",
	"指示", "無視", "前", "言", "命令", "価格", "値段", "円",
	// Concerns and who-is-it-for words ask about the product on air, they never name another.
	"シミ", "シワ", "くすみ", "毛穴", "ニキビ", "乾燥", "敏感", "肌", "効", "効果", "似合", "大人", "子供", "プレゼント",
	"ギフト", "男性", "女性", "メンズ", "レディース", "初心者", "学生",
}

var fillerFolded = func() []string {
	out := make([]string, len(fillerJA))
	for i, f := range fillerJA {
		out[i] = textnorm.Fold(f)
	}
	return out
}()

var cueFolded = func() []string {
	var out []string
	for _, c := range concepts {
		for _, cue := range c.cues {
			if cue[0] >= 0x80 {
				out = append(out, textnorm.Fold(cue))
			}
		}
	}
	for _, c := range append(append([]string{}, comparisonCues...), injectionCues...) {
		if c != "" && c[0] >= 0x80 {
			out = append(out, textnorm.Fold(c))
		}
	}
	return out
}()

var cueSet = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range cueFolded {
		m[c] = true
	}
	for _, c := range concepts {
		for _, cue := range c.cues {
			m[cue] = true
		}
	}
	return m
}()

var pronounsEN = map[string]bool{"it": true, "this": true, "that": true, "one": true, "these": true, "those": true, "product": true, "item": true}

// word kinds of a residue word.
const (
	kindLatin = iota
	kindKatakana
	kindKanji
	kindLexicon  // a Japanese product noun found for an English word (loanwords.tsv)
	kindHiragana // a hiragana word left once grammar is cut: もこもこ, はちみつ, ごみ箱's ごみ
)

// resWord is one word of a question's residue.
type resWord struct {
	text string // folded
	kind int
}

// residue is what is left of a question once intent cues, question words, pronouns and particles
// are gone: the words that could name a product or a topic. Japanese is cut into script runs
// (katakana, kanji, Latin): hiragana is mostly grammar, and product names are katakana, kanji or
// Latin, so 「マスカラはありますか」 leaves マスカラ and 「重さはどのくらい」 leaves nothing. Cues
// and filler are cut out of a run too: 「値段教えて」 is the kanji run 値段教, which leaves nothing.
func residue(text string, lang string) []resWord {
	nf := norm.NFKC.String(text)
	var runs []string
	if lang == "ja" {
		runs = scriptRuns(nf)
	} else {
		// "what's", "it's", "they're": the contraction's tail is no word of a name.
		runs = []string{contraction.ReplaceAllString(nf, "")}
	}
	var out []resWord
	if lang == "ja" {
		out = hiraganaWords(nf)
	}
	for _, run := range runs {
		for _, w := range strings.FieldsFunc(textnorm.Fold(run), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if w[0] < 0x80 {
				sw := stem(w)
				if englishStop[sw] || englishStop[w] || pronounsEN[w] || questionWordEN[w] || isCueWord(sw) || isDigits(w) {
					continue
				}
				out = append(out, resWord{w, kindLatin})
				continue
			}
			kind := kindKanji
			if r, _ := utf8.DecodeRuneInString(w); r >= 0x3041 && r <= 0x309F || r == 'ー' {
				kind = kindKatakana // folded to hiragana; a run that was katakana
			}
			for _, frag := range cutKnown(w) {
				if !partOfAny(frag, cueFolded) && !partOfAny(frag, fillerFolded) {
					out = append(out, resWord{frag, kind})
				}
			}
		}
	}
	return out
}

var contraction = regexp.MustCompile(`(?i)['’](s|re|ll|ve|d|m|t)\b`)

// grammarJA are hiragana words and endings that are never part of a product name; hiragana runs
// are cut at them before what is left is taken for a name.
var grammarJA = []string{
	"ありますか", "あります", "ございますか", "ございます", "ですか", "ますか", "ません", "でしょう", "ください", "ある", "ない",
	"いる", "です", "ます", "でした", "って", "なの", "かな", "やつ", "もの", "こと", "とか", "など", "ほしい", "欲しい", "いい",
	"できる", "できます", "まだ", "もう", "ちょっと", "すごく", "とても", "めっちゃ", "けど", "から", "まで", "より", "だけ",
	"じゃ", "ほう", "なん", "なに", "どう", "いくつ", "くらい", "ぐらい",
	"について", "として", "という", "みたい", "ような", "よう", "ので", "のは", "のが", "のを", "のに", "ねえ", "ねー",
}

var grammarFolded = foldAll(grammarJA)

// particlesJA are the one-rune particles a hiragana word is cut at when they end it or stand
// between two words: 「もこもこは」 is もこもこ, 「はちみつのやつ」 is はちみつ.
const particlesJA = "はがをにでともの、やへかねよ"

// hiraganaWords returns the hiragana words of NFKC text that could be (part of) a product name:
// runs of hiragana, with the kanji that follow one straight on (ごみ箱), with grammar, cues and
// filler cut out and particles trimmed, kept when three runes or longer.
func hiraganaWords(nf string) []resWord {
	var out []resWord
	var cur []rune
	flush := func() {
		run := string(cur)
		cur = cur[:0]
		if utf8.RuneCountInString(run) < 3 {
			return
		}
		// Filler is not cut inside a run (この in もこもこの), only matched whole below.
		for _, piece := range cutWords(run, grammarFolded, cueFolded) {
			// Cut at particles only between words of three runes or more, so that は in はちみつ
			// stays.
			for _, w := range splitParticles(piece) {
				if utf8.RuneCountInString(w) >= 3 && !partOfAny(w, grammarFolded) && !partOfAny(w, cueFolded) && !partOfAny(w, fillerFolded) {
					out = append(out, resWord{w, kindHiragana})
				}
			}
		}
	}
	joined := false // cur is hiragana followed by kanji: ごみ箱
	for _, r := range nf {
		hira := r >= 0x3041 && r <= 0x3096
		han := unicode.Is(unicode.Han, r)
		switch {
		case hira && !joined:
			cur = append(cur, r)
		case han && len(cur) > 0 && (joined || !strings.ContainsRune(particlesJA, cur[len(cur)-1])):
			// Hiragana that runs straight into kanji without a particle between is one word.
			cur = append(cur, r)
			joined = true
		default:
			flush()
			joined = false
			if hira {
				cur = append(cur, r)
			}
		}
	}
	flush()
	return out
}

// cutWords removes every word of the lists found in w (two runes or longer) and returns what is
// left.
func cutWords(w string, lists ...[]string) []string {
	for _, list := range lists {
		for _, c := range list {
			if utf8.RuneCountInString(c) >= 2 && strings.Contains(w, c) {
				var out []string
				for _, part := range strings.Split(w, c) {
					if part != "" {
						out = append(out, cutWords(part, lists...)...)
					}
				}
				return out
			}
		}
	}
	return []string{w}
}

// splitParticles trims particles from the ends of a hiragana piece and splits it at a particle
// that has three runes or more on both sides.
func splitParticles(w string) []string {
	// Only the end: a leading は or も may be the name's own (はちみつ, もこもこ).
	rs := []rune(strings.TrimRight(w, particlesJA))
	for i := 3; i+3 < len(rs); i++ {
		if strings.ContainsRune(particlesJA, rs[i]) && i >= 3 && len(rs)-i-1 >= 3 {
			return append([]string{string(rs[:i])}, splitParticles(string(rs[i+1:]))...)
		}
	}
	if len(rs) == 0 {
		return nil
	}
	return []string{string(rs)}
}

// cutKnown removes every cue and filler phrase found inside w and returns the pieces left.
func cutKnown(w string) []string {
	for _, list := range [][]string{cueFolded, fillerFolded} {
		for _, c := range list {
			// Single-rune cues (水, 色) are too common inside other words to cut on.
			if utf8.RuneCountInString(c) >= 2 && strings.Contains(w, c) && c != w {
				var out []string
				for _, part := range strings.Split(w, c) {
					if part != "" {
						out = append(out, cutKnown(part)...)
					}
				}
				return out
			}
		}
	}
	return []string{w}
}

func joinWords(ws []resWord) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.text
	}
	return strings.Join(parts, " ")
}

// showTopics are words about the show or the shop rather than a product: a question with one of
// them and no product name is about no product.
var showTopics = []string{"配信", "ライブ", "次回", "放送", "アーカイブ", "生放送", "枠", "出演", "司会", "インスタ", "ショップ",
	"店舗", "会員", "ポイント", "クーポン", "stream", "live", "next time", "broadcast", "channel", "show", "coupon", "member"}

// productTypes are kinds of product a viewer asks for by kind, in kanji (katakana names are caught
// as runs): 「香水はありますか」 asks for a product, 「物質」 in 「アレルギー物質は」 does not.
var productTypes = []string{"香水", "口紅", "財布", "靴", "帽子", "時計", "指輪", "化粧水", "乳液", "美容液", "日焼け止め", "洗顔",
	"下地", "眉", "手袋", "傘", "鞄", "服", "水着", "下着", "靴下", "枕", "布団", "食器", "鍋", "包丁"}

var showTopicsFolded, productTypesFolded = foldAll(showTopics), foldAll(productTypes)

func foldAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = textnorm.Fold(s)
	}
	return out
}

// scriptRuns cuts text into runs of katakana, kanji and Latin letters or digits; hiragana,
// punctuation and symbols separate runs and are dropped.
func scriptRuns(s string) []string {
	var runs []string
	var cur []rune
	kind := 0
	flush := func() {
		if len(cur) > 0 {
			runs = append(runs, string(cur))
		}
		cur, kind = cur[:0], 0
	}
	for _, r := range s {
		k := 0
		switch {
		case unicode.Is(unicode.Katakana, r) || r == 'ー':
			k = 1
		case unicode.Is(unicode.Han, r) || r == '々':
			k = 2
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			k = 3
		}
		if k != kind || k == 0 {
			flush()
		}
		if k != 0 {
			cur = append(cur, r)
			kind = k
		}
	}
	flush()
	return runs
}

func partOfAny(w string, list []string) bool {
	for _, x := range list {
		if strings.Contains(x, w) {
			return true
		}
	}
	return false
}

func isDigits(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

var questionWordEN = map[string]bool{"how": true, "what": true, "when": true, "where": true, "who": true, "why": true,
	"which": true, "much": true, "many": true, "please": true, "you": true, "we": true, "us": true, "there": true,
	"still": true, "yet": true, "now": true, "right": true, "today": true, "again": true, "also": true, "too": true,
	"really": true, "very": true, "good": true, "ok": true, "okay": true, "say": true, "said": true, "tell": true,
	"system": true, "admin": true, "mode": true, "ignore": true, "previous": true, "instructions": true}

func isCueWord(w string) bool {
	for ci, c := range concepts {
		for j, cue := range c.cues {
			if st := conceptStems[ci][j]; st != "" && (w == cue || st == w || (len(cue) >= 4 && strings.HasPrefix(w, st))) {
				return true
			}
		}
	}
	return false
}

// mention is how strongly a message names a product: the longest run of the message found in the
// product's name, category or tags (folded), in runes, when it is long enough to count; plus half
// the length of the message's other words found in the product's text, so that 「黒いデニム」 prefers
// the black denim over the other denims.
func mention(folded, msg string, words []resWord, p *catalog.Product) float64 {
	best := 0
	text := textnorm.Fold(p.Name + " " + p.Category + " " + strings.Join(p.Tags, " "))
	for _, s := range append([]string{p.Name, p.Category}, p.Tags...) {
		if s == "" {
			continue
		}
		// Hiragana the viewer typed meets a name by chance when short: 「ますか」 a katakana
		// マスカラ, 「とろけ」 in 「とろけますか」 the hiragana とろける. Four runes that the name
		// has in hiragana too (はちみつ, もこもこ), or five against katakana, count.
		nf := norm.NFKC.String(s)
		ok := func(m []rune) bool {
			if !countsAsMention(m) {
				return false
			}
			if t := string(m); allHiragana(m) && strings.Contains(msg, t) {
				if strings.Contains(nf, t) {
					return len(m) >= 4
				}
				return len(m) >= 5
			}
			return true
		}
		if n := longestCommon(folded, textnorm.Fold(s), ok); n > best {
			best = n
		}
	}
	for _, w := range words {
		// A product noun from the English lexicon names the product when its name holds it
		// whole, however short (茶, 容器).
		if w.kind == kindLexicon && strings.Contains(text, w.text) {
			best = max(best, utf8.RuneCountInString(w.text))
		}
	}
	if best == 0 {
		// Two kanji that are a word of the message by themselves (煎茶, 財布) name a product as
		// well as three kana do; inside a longer run (保存方法) they do not.
		// Only the name counts here, and never a word about the show: a ring light tagged 配信 is
		// not what 「次の配信はいつ？」 asks about.
		name := textnorm.Fold(p.Name)
		for _, w := range words {
			if w.kind == kindKanji && utf8.RuneCountInString(w.text) == 2 && allHan(w.text) && !cueSet[w.text] &&
				!partOfAny(w.text, showTopicsFolded) && strings.Contains(name, w.text) {
				best = 2
			}
		}
	}
	if best == 0 {
		return 0
	}
	cover := 0
	for _, w := range words {
		if strings.Contains(text, w.text) || attrContains(p, w.text) {
			cover += utf8.RuneCountInString(w.text)
		}
	}
	return float64(best) + 0.5*float64(cover)
}

func attrContains(p *catalog.Product, w string) bool {
	for _, vs := range p.Attributes {
		for _, v := range vs {
			if strings.Contains(textnorm.Fold(v), w) {
				return true
			}
		}
	}
	return false
}

// withoutName returns the message (NFKC) with every run it shares with the product's name, category
// or tags cut out (runs of at least two runes of kana or kanji, or three Latin letters), so that
// the words that named the product do not also count as cues of what is asked about it: in
// 「モバイルバッテリーの保証は？」 the question is 保証, not the battery.
func withoutName(text string, p *catalog.Product) string {
	// Runs are found on folded text and cut from the NFKC text, which keeps katakana for the script
	// runs read later; the two line up rune for rune when folding kept the length.
	orig := []rune(norm.NFKC.String(text))
	q := []rune(textnorm.Fold(string(orig)))
	if len(q) != len(orig) {
		orig = q
	}
	names := make([]string, 0, 2+len(p.Tags))
	for _, s := range append([]string{p.Name, p.Category}, p.Tags...) {
		if s != "" {
			names = append(names, textnorm.Fold(s))
		}
	}
	for _, name := range names {
		nr := []rune(name)
		for {
			start, n := commonRun(q, nr)
			run := q[start : start+n]
			// A run that is itself a cue (保存 in 保存容器) is what the viewer asks about.
			if !nameRun(orig[start:start+n]) || cueSet[string(run)] {
				break
			}
			q = append(q[:start:start], append([]rune{' '}, q[start+n:]...)...)
			orig = append(orig[:start:start], append([]rune{' '}, orig[start+n:]...)...)
		}
	}
	if detectLang(string(q)) == "en" {
		return withoutLoanwords(string(orig), names)
	}
	return string(orig)
}

// withoutLoanwords blanks the English words of a message whose lexicon translation is in one of
// the names: "green" in "where is the green tea from?" named 煎茶, it does not ask for a color.
func withoutLoanwords(text string, names []string) string {
	drop := map[string]bool{}
	for _, t := range translate(textnorm.Fold(text)) {
		for _, n := range names {
			if strings.Contains(n, t.ja) {
				for _, w := range t.words {
					drop[w] = true
				}
			}
		}
	}
	if len(drop) == 0 {
		return text
	}
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if w := text[start:end]; drop[stem(textnorm.Fold(w))] {
			b.WriteString(" ")
		} else {
			b.WriteString(w)
		}
		start = -1
	}
	for i, r := range text {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			flush(i)
		}
		if !word {
			b.WriteRune(r)
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	return b.String()
}

// commonRun returns the start in a and the length of the longest run of letters or digits a
// shares with b.
func commonRun(a, b []rune) (start, n int) {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] && (unicode.IsLetter(a[i-1]) || unicode.IsDigit(a[i-1]) || a[i-1] == 'ー') {
				cur[j] = prev[j-1] + 1
				if cur[j] > n {
					start, n = i-cur[j], cur[j]
				}
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return start, n
}

// nameRun reports whether a run shared with a product name is long enough to be part of the name
// rather than a chance match: two kanji (煎茶), three runes with katakana, kanji or Latin in them,
// or four of hiragana (grammar such as 「いく」 or 「ですか」 meets names by chance).
func nameRun(rs []rune) bool {
	han, hira := 0, 0
	for _, r := range rs {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case r >= 0x3041 && r <= 0x309F:
			hira++
		}
	}
	switch {
	case len(rs) >= 2 && han == len(rs):
		return true
	case hira == len(rs):
		return len(rs) >= 4
	}
	return len(rs) >= 3
}

func allHiragana(rs []rune) bool {
	for _, r := range rs {
		if r < 0x3041 || r > 0x309F {
			return false
		}
	}
	return true
}

func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// longestCommon returns the rune length of the longest common substring of a and b that counts as
// a mention: at least minMentionKana runes of kana/kanji, or minMentionLatin runes of Latin text.
func longestCommon(a, b string, counts func([]rune) bool) int {
	ar, br := []rune(a), []rune(b)
	if len(ar) == 0 || len(br) == 0 {
		return 0
	}
	prev := make([]int, len(br)+1)
	cur := make([]int, len(br)+1)
	best := 0
	for i := 1; i <= len(ar); i++ {
		for j := 1; j <= len(br); j++ {
			if ar[i-1] == br[j-1] {
				cur[j] = prev[j-1] + 1
				if n := cur[j]; n > best && counts(ar[i-n:i]) {
					best = n
				}
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return best
}

func countsAsMention(rs []rune) bool {
	letters, latin := 0, 0
	for _, r := range rs {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			letters++
			if r < 0x80 {
				latin++
			}
		}
	}
	if latin > 0 {
		return letters >= minMentionLatin
	}
	return letters >= minMentionKana
}

// resolve finds the product a question is about: the on-air product unless the message names
// another (lineup first, then catalog search), none when it is about something else entirely.
func resolve(ctx context.Context, s Searcher, req Request, q Question) (resolution, error) {
	var r resolution
	req.Text = relatedNouns.Replace(req.Text)
	folded := textnorm.Fold(req.Text)
	if req.OnAir != "" {
		var err error
		if r.onAir, r.onAirOK, err = s.Get(ctx, req.OnAir); err != nil {
			return r, fmt.Errorf("get on-air product %s: %w", req.OnAir, err)
		}
	}
	rest := residue(req.Text, q.Lang)
	msg := norm.NFKC.String(req.Text)
	// Coverage counts every word of the message, cues included: 黒 is a color cue and a name part.
	all := mentionWords(req.Text, q.Lang)
	if q.Lang == "en" {
		folded, rest, all = withLoanwords(folded, rest, all)
	}
	onAirScore := 0.0
	if r.onAirOK {
		// Words that describe the on-air product (its colors, sizes) keep the question on it:
		// 「ブラックとホワイトどっちがいい？」 about a T-shirt in both is not about black jeans.
		onAirScore = max(mention(folded, msg, all, &r.onAir), describes(all, &r.onAir))
		// 「化粧水の前に使う？」 while a serum is on air: the other product is context, not the subject.
		if relational(folded) {
			onAirScore = math.Inf(1)
		}
	}
	// A cue the on-air product has an attribute for, or a value of one of its attributes, names
	// nothing else: 「バッテリーはどのくらい持つ？」 about earphones with a battery attribute is not about
	// the mobile battery, 「ホワイトある？」 about earphones in white not about a white towel.
	candFolded, candAll := folded, all
	if r.onAirOK {
		candAll = nil
		for _, w := range all {
			// A word inside one of the on-air product's attribute names or values (ライト in its
			// 「LEDライト」) names nothing else, even when another product's name holds it too.
			if asksAttribute(w.text, &r.onAir) || attrValue(w.text, &r.onAir) || genericNouns[w.text] ||
				(utf8.RuneCountInString(w.text) >= 2 && attrContains(&r.onAir, w.text) && !relatedNames(ctx, s, &r.onAir, w.text)) {
				candFolded = strings.ReplaceAll(candFolded, w.text, " ")
			} else {
				candAll = append(candAll, w)
			}
		}
	}
	// Candidates: the lineup, then search hits when the message has words that could be a name.
	var best catalog.Product
	bestScore, bestLineup := 0.0, false
	// Products the message names equally well are told apart by how the hybrid search ranks the
	// whole message, which weighs words the residue drops (「黒い」 in 「黒いデニムの値段は？」).
	var rank map[string]int
	ranksBefore := func(a, b string) bool {
		if rank == nil {
			rank = map[string]int{}
			if hits, err := s.Search(ctx, catalog.Query{Text: msg, K: searchK}); err == nil {
				for i, h := range hits {
					rank[h.Product.SKU] = i + 1
				}
			}
		}
		ra, rb := rank[a], rank[b]
		return ra > 0 && (rb == 0 || ra < rb)
	}
	consider := func(p catalog.Product, lineup bool) {
		if r.onAirOK && p.SKU == r.onAir.SKU {
			return
		}
		sc := mention(candFolded, msg, candAll, &p)
		switch {
		case sc > bestScore,
			sc == bestScore && sc > 0 && lineup && !bestLineup,
			sc == bestScore && sc > 0 && lineup == bestLineup && ranksBefore(p.SKU, best.SKU):
			best, bestScore, bestLineup = p, sc, lineup
		}
	}
	for _, sku := range req.Lineup {
		p, ok, err := s.Get(ctx, sku)
		if err != nil {
			return r, fmt.Errorf("get lineup product %s: %w", sku, err)
		}
		if ok {
			consider(p, true)
		}
	}
	if len(rest) > 0 && bestScore == 0 {
		// The whole residue first; then its longest words alone, because a name word next to words
		// the catalog does not use ("2way hair iron" for 「2way ヘアアイロン」) can sink the product.
		queries := []string{joinWords(rest)}
		if len(rest) > 1 {
			ws := make([]string, len(rest))
			for i, w := range rest {
				ws[i] = w.text
			}
			sort.SliceStable(ws, func(i, j int) bool { return len(ws[i]) > len(ws[j]) })
			queries = append(queries, ws[:min(3, len(ws))]...)
		}
		for _, qtext := range queries {
			hits, err := s.Search(ctx, catalog.Query{Text: qtext, K: searchK})
			if err != nil {
				return r, fmt.Errorf("search %q: %w", qtext, err)
			}
			for _, h := range hits {
				consider(h.Product, false)
			}
			if bestScore > 0 {
				break
			}
		}
	}
	if bestScore > 0 && bestScore > onAirScore {
		r.product, r.ok, r.mentioned = best, true, true
		nameLen := utf8.RuneCountInString(textnorm.Fold(best.Name))
		r.confidence = 0.6 + 0.4*min(1, bestScore/float64(max(4, min(nameLen, 8))))
		if bestLineup {
			r.confidence = min(1, r.confidence+0.1)
		}
		return r, nil
	}
	if !r.onAirOK {
		return r, nil
	}
	r.product, r.ok, r.confidence = r.onAir, true, 0.9
	if onAirScore > 0 && !math.IsInf(onAirScore, 1) {
		r.confidence = 1
		return r, nil
	}
	// A message that tries to instruct the model still gets the on-air facts, never a "none"; a
	// message that puts another product beside this one is about this one.
	if q.Injection || math.IsInf(onAirScore, 1) {
		return r, nil
	}
	switch aboutElse(rest, folded, &r.onAir) {
	case elseTopic:
		// 「次の配信はいつ？」「マスカラはありますか」 (when the shop sells none): about no product.
		return resolution{onAir: r.onAir, onAirOK: true}, nil
	case elseUnsure:
		if deictic(folded) {
			// "How much is this lipstick?": "this" points at what is on air.
			break
		}
		// "Does the tumbler come in black?" about a タンブラー: a word the catalog cannot match
		// across scripts. The on-air product is the best guess; a person should look.
		r.confidence, r.unsure = 0.5, true
		return r, nil
	}
	// 「いくらですか？」 or "is this in stock?" names nothing but the attribute asked about: during a
	// show that is the product on air, as surely as if it were named. Words the catalog could not
	// place ("this blender", 「これの青」) keep the 0.9 of a guess, "this" or not.
	if len(rest) == 0 && !namesOtherVariant(req.Text, folded, &r.onAir) {
		r.confidence = 1
	}
	return r, nil
}

// withLoanwords adds the Japanese product nouns of an English message's words (tumbler →
// タンブラー) to its folded text, its mention words and its residue, where they replace the English
// words they translate so that catalog search gets the catalog's language. A word that is also a
// cue ("battery", "sunscreen") is a product noun only when the message names nothing else: in "how
// long does the earphones battery last?" it asks about the earphones' battery.
func withLoanwords(folded string, rest, all []resWord) (string, []resWord, []resWord) {
	var nouns, cueNouns []translated
	for _, t := range translate(folded) {
		if allCues(t.words) {
			cueNouns = append(cueNouns, t)
		} else {
			nouns = append(nouns, t)
		}
	}
	if len(nouns) == 0 {
		nouns = cueNouns
	}
	if len(nouns) == 0 {
		return folded, rest, all
	}
	replaced := map[string]bool{}
	var b strings.Builder
	b.WriteString(folded)
	for _, t := range nouns {
		b.WriteString(" ")
		b.WriteString(t.ja)
		for _, w := range t.words {
			replaced[w] = true
		}
	}
	keep := func(ws []resWord) []resWord {
		out := ws[:0:0]
		for _, w := range ws {
			if !replaced[stem(w.text)] {
				out = append(out, w)
			}
		}
		for _, t := range nouns {
			out = append(out, resWord{t.ja, kindLexicon})
		}
		return out
	}
	return b.String(), keep(rest), keep(all)
}

func allCues(ws []string) bool {
	for _, w := range ws {
		if !isCueWord(w) {
			return false
		}
	}
	return true
}

// describes is the rune length of the message's words that are values of the product's
// attributes or part of its name.
func describes(words []resWord, p *catalog.Product) float64 {
	name := textnorm.Fold(p.Name)
	n := 0
	for _, w := range words {
		if attrContains(p, w.text) || strings.Contains(name, w.text) {
			n += utf8.RuneCountInString(w.text)
		}
	}
	return float64(n)
}

// attrValue reports whether a word is one of the product's attribute values, whole.
func attrValue(w string, p *catalog.Product) bool {
	for _, vs := range p.Attributes {
		for _, v := range vs {
			if textnorm.Fold(v) == w {
				return true
			}
		}
	}
	return false
}

// asksAttribute reports whether a word is a cue of a concept one of the product's attributes
// answers: 「バッテリー」 about earphones with a battery attribute asks about their battery, it does
// not name the mobile battery.
func asksAttribute(w string, p *catalog.Product) bool {
	if !cueSet[w] {
		return false
	}
	for name := range p.Attributes {
		for _, ci := range fieldConcepts(name) {
			for _, cue := range concepts[ci].cues {
				if cue == w {
					return true
				}
			}
		}
	}
	return false
}

// deictic reports whether the message points at the product in front of the viewer.
func deictic(folded string) bool {
	for _, w := range words(folded) {
		if w == "this" || w == "thi" || w == "these" || w == "it" {
			return true
		}
	}
	return strings.Contains(folded, "これ") || strings.Contains(folded, "この") || strings.Contains(folded, "こちら")
}

// relationalPhrases put a named product beside the one asked about.
var relationalPhrases = foldAll([]string{"の前に", "の後に", "のあとに", "の後で", "と一緒に", "と併用", "と合わせて", "に重ねて",
	"の上から", "の下に", "before the", "after the", "together with", "along with", "on top of"})

func relational(folded string) bool {
	for _, p := range relationalPhrases {
		if strings.Contains(folded, p) {
			return true
		}
	}
	return false
}

// mentionWords are the words of a message that may be part of a product name: script runs (or
// English words) without filler; cues stay, since 「黒」 or "black" can be part of a name.
func mentionWords(text, lang string) []resWord {
	nf := textnorm.Fold(norm.NFKC.String(text))
	var out []resWord
	if lang != "ja" {
		for _, w := range strings.FieldsFunc(nf, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if len(w) >= 3 && !englishStop[w] && !englishStop[stem(w)] && !questionWordEN[w] && !pronounsEN[w] {
				out = append(out, resWord{w, kindLatin})
			}
		}
		return out
	}
	for _, run := range scriptRuns(norm.NFKC.String(text)) {
		w := textnorm.Fold(run)
		if !partOfAny(w, fillerFolded) {
			out = append(out, resWord{w, kindKanji})
		}
	}
	return out
}

const (
	elseNone = iota
	elseTopic
	elseUnsure
)

// aboutElse decides what leftover words mean when no product matched: show or shop topics, a
// katakana name, or a kind of product mean the message is about something else; Latin words the
// on-air product does not contain make the on-air guess unsure; other kanji are ordinary nouns.
func aboutElse(rest []resWord, folded string, onAir *catalog.Product) int {
	for _, t := range showTopicsFolded {
		if strings.Contains(folded, t) {
			return elseTopic
		}
	}
	for _, t := range productTypesFolded {
		// 「香水はありますか」: a kind of product the on-air one is not.
		if strings.Contains(folded, t) && !strings.Contains(textnorm.Fold(onAir.Name+" "+onAir.Category+" "+strings.Join(onAir.Tags, " ")), t) {
			return elseTopic
		}
	}
	verdict := elseNone
	for _, w := range rest {
		if aboutOnAir(w.text, onAir) {
			continue
		}
		switch {
		case w.kind == kindKatakana && utf8.RuneCountInString(w.text) >= 3 && usedWith(folded, w.text):
			// 「スピーカーにつなげる？」「ガスコンロでも使える？」: a thing used with the on-air product.
			continue
		case w.kind == kindKatakana && utf8.RuneCountInString(w.text) >= 3, w.kind == kindLexicon:
			return elseTopic
		case w.kind == kindLatin && len(w.text) >= 3:
			verdict = elseUnsure
		}
	}
	return verdict
}

// aboutOnAir reports whether a leftover word still points at the on-air product, through its
// brand, description or a value of one of its attributes (「ピンクは？」 while a pink tint is on air).
func aboutOnAir(w string, p *catalog.Product) bool {
	if unitWords[w] {
		return true // 「何ワット？」 asks a number of the on-air product
	}
	for k := range p.Attributes {
		// 「フレームの素材は？」 about a bicycle with a フレーム素材 attribute.
		if strings.Contains(textnorm.Fold(k), w) {
			return true
		}
	}
	for _, syn := range openSynonyms {
		// 「スマホとつなげる？」 when the description says スマートフォン.
		if textnorm.Fold(syn[0]) == w && strings.Contains(textnorm.Fold(p.Description), textnorm.Fold(syn[1])) {
			return true
		}
	}
	return attrContains(p, w) || strings.Contains(textnorm.Fold(p.Brand), w) || strings.Contains(textnorm.Fold(p.Description), w) ||
		asksAttribute(w, p)
}

// relatedNouns joins the generic nouns of lineup parts the way product names write them:
// 「替えの刃」 is 替え刃, 「専用のポーチ」 専用ポーチ, 「詰め替えの」 詰め替え用.
var relatedNouns = strings.NewReplacer("替えの刃", "替え刃", "替えのフィルター", "替えフィルター", "交換用の", "交換用", "専用の", "専用",
	"詰め替えの", "詰め替え用", "詰替えの", "詰め替え用", "詰替用", "詰め替え用", "つめかえ用", "詰め替え用")

// genericNouns name a part of any product (本体, セット): 「本体の重さは？」 is about the on-air
// product even when another product's name holds the word.
var genericNouns = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{"本体", "商品", "製品", "新品", "単品", "中身", "容器"} {
		m[textnorm.Fold(w)] = true
	}
	return m
}()

// relatedNames reports whether a product related to p (its refills, blades, cases) has w in its
// name: 「替え刃セット」 in the on-air shaver's 替え刃 attribute still names the blade set.
func relatedNames(ctx context.Context, s Searcher, p *catalog.Product, w string) bool {
	for _, sku := range p.Related {
		if rp, ok, err := s.Get(ctx, sku); err == nil && ok && strings.Contains(textnorm.Fold(rp.Name), w) {
			return true
		}
	}
	return false
}

// unitWords are units and counters a viewer asks a number in; they never name a product.
var unitWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{"ワット", "ボルト", "アンペア", "ミリ", "センチ", "メートル", "グラム", "キロ", "リットル", "インチ", "ルーメン", "カロリー", "ヘルツ", "デシベル", "ピクセル"} {
		m[textnorm.Fold(w)] = true
	}
	return m
}()

// usedWith reports whether a word of the message is followed by で, に or と and a verb of use
// (「オーブンで使える」「スピーカーにつなげる」「スマホと接続」): the thing is used with the product on
// air, it does not name another one.
func usedWith(folded, w string) bool {
	i := strings.Index(folded, w)
	if i < 0 {
		return false
	}
	rest := folded[i+len(w):]
	for _, p := range []string{"で", "に", "と"} {
		if strings.HasPrefix(rest, p) {
			rest = strings.TrimPrefix(strings.TrimPrefix(rest, p), "も")
			for _, v := range foldAll([]string{"使", "つな", "繋", "接続", "対応", "洗", "入れ", "温め", "乗", "入る", "入ります", "充電", "映", "かけ", "置"}) {
				if strings.Contains(rest, v) {
					return true
				}
			}
		}
	}
	return false
}

// namesOtherVariant reports whether a message names a colour or size the product is not sold in
// (「これの青はいくら？」 while a pink tint is on air): the on-air product is then a guess.
func namesOtherVariant(text, folded string, p *catalog.Product) bool {
	var b strings.Builder
	b.WriteString(p.Name)
	for k, vs := range p.Attributes {
		b.WriteString(" " + k + " " + strings.Join(vs, " "))
	}
	own := textnorm.Fold(b.String())
	for _, g := range colorGroups {
		asked, sold := false, false
		for _, n := range g {
			asked = asked || strings.Contains(folded, n)
			sold = sold || strings.Contains(own, n)
		}
		if asked && !sold {
			return true
		}
	}
	ownSizes := map[string]bool{}
	for _, m := range sizeRe.FindAllStringSubmatch(b.String(), -1) {
		ownSizes[m[1]] = true
	}
	for _, m := range sizeRe.FindAllStringSubmatch(norm.NFKC.String(text), -1) {
		if !ownSizes[m[1]] {
			return true
		}
	}
	return false
}
