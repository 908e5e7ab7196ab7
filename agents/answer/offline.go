package answer

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/prompts"
	"github.com/livehost/livehost/textnorm"
)

// Offline answers from the catalog with templates: no model, no network, microseconds.
type Offline struct {
	s Searcher
	p *prompts.Set
	// CrossSellN is how many suggestions a result carries (default 3; 0 in a literal means 3).
	CrossSellN int
	// Claims, when set, checks every answer for risky claims (ModerationClaims); a catalog text
	// that makes one sends the answer to review.
	Claims ClaimChecker
	near   neighbourCache
}

// NewOffline returns the offline engine over a catalog and a prompt set (persona, policy,
// templates); a nil set means prompts.Default().
func NewOffline(s Searcher, p *prompts.Set) *Offline {
	if p == nil {
		p = prompts.MustDefault()
	}
	return &Offline{s: s, p: p, CrossSellN: 3}
}

// intentLabels names a field for the viewer when the catalog's own attribute name is not one.
var intentLabels = map[string]prompts.Text{
	IntentSize:          {JA: "サイズ", EN: "size"},
	IntentColor:         {JA: "カラー", EN: "colors"},
	IntentMaterial:      {JA: "素材", EN: "material"},
	IntentDimensions:    {JA: "サイズ・重さ", EN: "dimensions and weight"},
	IntentUsage:         {JA: "使い方", EN: "usage"},
	IntentIngredients:   {JA: "成分", EN: "ingredients"},
	IntentCompatibility: {JA: "対応機種", EN: "compatibility"},
	IntentOther:         {JA: "ご質問の点", EN: "details"},
	IntentComparison:    {JA: "比較", EN: "comparison"},
	IntentPrice:         {JA: "価格", EN: "price"},
	IntentStock:         {JA: "在庫", EN: "stock"},
}

// conceptLabels names attributes of a known concept in the viewer's language.
var conceptLabels = map[string]prompts.Text{
	"size": {JA: "サイズ", EN: "size"}, "color": {JA: "カラー", EN: "colors"}, "material": {JA: "素材", EN: "material"},
	"dimensions": {JA: "サイズ", EN: "dimensions"}, "weight": {JA: "重さ", EN: "weight"}, "usage": {JA: "使い方", EN: "usage"},
	"ingredients": {JA: "成分", EN: "ingredients"}, "compatibility": {JA: "対応", EN: "compatibility"},
	"capacity": {JA: "容量", EN: "capacity"}, "shelf_life": {JA: "賞味期限", EN: "shelf life"},
	"origin": {JA: "産地", EN: "origin"}, "warranty": {JA: "保証", EN: "warranty"}, "uv": {JA: "UVカット効果", EN: "UV protection"},
	"skin_type": {JA: "対応肌質", EN: "skin type"}, "keeping": {JA: "保存方法", EN: "storage"},
	"battery": {JA: "バッテリー", EN: "battery"}, "scent": {JA: "香り", EN: "scent"},
}

// Answer implements Engine.
func (o *Offline) Answer(ctx context.Context, req Request) (Result, error) {
	res, _, err := o.answer(ctx, req, req.detection())
	return res, err
}

// answer drafts the offline answer for a detected question and returns the draft too, whose
// products the LLM engine grounds its prompt and its guard in.
func (o *Offline) answer(ctx context.Context, req Request, q Question) (Result, draft, error) {
	res := Result{IsQuestion: q.IsQuestion, Intent: q.Intent, Lang: q.Lang, Engine: "offline", Facts: []Fact{}, CrossSell: []string{}}
	if !q.IsQuestion {
		return res, draft{}, nil
	}
	d, err := o.draft(ctx, req, q)
	if err != nil {
		return res, d, err
	}
	res.SKU, res.Answer, res.Facts, res.Confidence, res.NeedsReview = d.sku, d.text, d.facts, d.confidence, d.needsReview
	if d.intent != "" {
		res.Intent = d.intent
	}
	// The guard checks template answers too: a brand's template override could state a number of
	// its own.
	g := Guard{Policy: o.p.Policy, Claims: o.Claims}
	if vs := g.Check(res.Answer, req.Text, d.products); len(vs) > 0 {
		res.NeedsReview = true
		res.Confidence = math.Min(res.Confidence, 0.3)
	}
	if q.Injection {
		// Answered from the catalog all the same, but a person should see who tried what.
		res.NeedsReview = true
		res.Confidence = math.Min(res.Confidence, 0.5)
	}
	if res.SKU != "" {
		n := o.CrossSellN
		if n == 0 {
			n = 3
		}
		for _, s := range crossSell(ctx, o.s, res.SKU, n, &o.near) {
			res.CrossSell = append(res.CrossSell, s.SKU)
		}
	}
	return res, d, nil
}

// draft is an answer before engine bookkeeping, with what the fact guard needs to check others.
type draft struct {
	sku         string
	text        string
	facts       []Fact
	confidence  float64
	needsReview bool
	products    []catalog.Product // the products whose facts the answer may state
	intent      string            // the intent answered, when the product's facts refined the detected one
}

// templateData is what the answer templates in prompts/ see.
type templateData struct {
	Name, Price, Regular string
	OnSale, SoldOut      bool
	Stock                int
	Label, Value, Hit    string
	// Sentence is set when Value is a sentence of its own (「…してください。」), Clause when it is
	// a clause (「直射日光を避けて保存」): the templates do not follow either with 「です」.
	Sentence, Clause bool
	OtherName        string
	OtherPrice       string
	Policy           policyData
}

type policyData struct {
	Fee, FreeOver             string
	ShipDays, ReturnDays      int
	ShippingNote, ReturnsNote string
}

func (o *Offline) draft(ctx context.Context, req Request, q Question) (draft, error) {
	lang := q.Lang
	pol := o.p.Policy
	td := templateData{Policy: policyData{
		Fee: formatPrice(pol.ShippingFee, "JPY", lang), ShipDays: pol.ShipWithinDays, ReturnDays: pol.ReturnWithinDays,
		ShippingNote: pol.Shipping.In(lang), ReturnsNote: pol.Returns.In(lang),
	}}
	if pol.FreeShippingOver > 0 {
		td.Policy.FreeOver = formatPrice(pol.FreeShippingOver, "JPY", lang)
	}
	var renderErr error
	render := func(name string) string {
		s, err := o.p.Answer(lang, name, td)
		if err != nil {
			// The templates are embedded and tested by package prompts; keep the first failure.
			if renderErr == nil {
				renderErr = err
			}
			return ""
		}
		if so := o.p.Persona.SignOff; (lang == "ja" && so.JA != "") || (lang == "en" && so.EN != "") {
			s += " " + so.In(lang)
		}
		return strings.TrimSpace(s)
	}
	d := draft{confidence: q.Confidence}

	if q.Intent == IntentShipping && partExchange(req.Text) {
		// 「交換用のフィルター」「交換の目安は？」 ask about a part, not about returns.
		if in, st := bestIntent(withoutExchange(req.Text), prepareQuestion(withoutExchange(req.Text))); st > 0 && in != IntentShipping {
			q.Intent, q.strength = in, st
		} else {
			q.Intent, q.strength = IntentOther, 0
		}
		d.intent = q.Intent
	}
	if q.Intent == IntentShipping {
		f := textnorm.Fold(req.Text)
		name := "shipping"
		if strings.Contains(f, "返品") || strings.Contains(f, "交換") || strings.Contains(f, "返金") || strings.Contains(f, "return") || strings.Contains(f, "refund") || strings.Contains(f, "exchang") {
			name = "returns"
			d.facts = append(d.facts, Fact{"policy.return_within_days", strconv.Itoa(pol.ReturnWithinDays)})
		} else {
			d.facts = append(d.facts, Fact{"policy.shipping_fee", fmtNum(pol.ShippingFee)}, Fact{"policy.ship_within_days", strconv.Itoa(pol.ShipWithinDays)})
			if pol.FreeShippingOver > 0 {
				d.facts = append(d.facts, Fact{"policy.free_shipping_over", fmtNum(pol.FreeShippingOver)})
			}
		}
		d.text = render(name)
		return d, renderErr
	}

	r, err := resolve(ctx, o.s, req, q)
	if err != nil {
		return d, fmt.Errorf("resolve product: %w", err)
	}
	if !r.ok {
		d.text, d.needsReview = render("none"), true
		d.confidence *= 0.5
		return d, renderErr
	}
	p := r.product
	d.sku = p.SKU
	// A guessed product (unsure) only matters where a wrong product gives a wrong fact: price,
	// stock and overviews. An attribute found on the on-air product confirms the guess.
	guessed := r.unsure
	d.products = []catalog.Product{p}
	d.confidence *= r.confidence
	td.Name = p.Name
	td.Price = formatPrice(p.EffectivePrice(), p.Currency, lang)
	td.OnSale = p.SalePrice != nil && *p.SalePrice > 0 && *p.SalePrice < p.Price
	td.Regular = formatPrice(p.Price, p.Currency, lang)
	td.SoldOut = p.Stock != nil && *p.Stock <= 0
	priceFacts := func() {
		d.facts = append(d.facts, Fact{"price", fmtNum(p.EffectivePrice())})
		if td.OnSale {
			d.facts = append(d.facts, Fact{"regular_price", fmtNum(p.Price)})
		}
	}
	stockFact := func() {
		if p.Stock != nil {
			d.facts = append(d.facts, Fact{"stock", strconv.Itoa(*p.Stock)})
		}
	}

	intent, strength := q.Intent, q.strength
	// qtext is what the message asks about the product: when it named another product, the name's
	// words are cut out, so that 「タンブラーの容量は？」 asks for the capacity and the name's own
	// words (バッテリー in モバイルバッテリー, 32mm in a hair iron's name) are not taken for cues.
	qtext := req.Text
	if r.mentioned {
		qtext = withoutName(req.Text, &p)
		if partExchange(req.Text) {
			qtext = withoutExchange(qtext) // 交換 of 交換用 is left when the name splits it
		}
		if intent != IntentComparison && intent != IntentShipping {
			if in, st := bestIntent(qtext, prepareQuestion(qtext)); st > 0 {
				intent, strength = in, st
			} else {
				intent, strength = IntentOther, 0
			}
			if intent != q.Intent {
				d.intent = intent
			}
		}
	}
	// open is the attribute or description sentence that answers the question, whatever its name.
	open, openOK := openAnswer(qtext, &p, lang)
	unanswered := false
	if intent == IntentStock && strength < 1 && openOK && (open.nameHit || open.sentence || open.score >= 2) {
		// 「付属品は何がありますか」「滑り止めはありますか」: the page answers it; it is not about stock.
		if _, _, _, hit := valueHit(qtext, &p); !hit {
			intent = IntentAttribute
			if !open.sentence {
				for _, ci := range fieldConcepts(open.field) {
					if concepts[ci].intent != "" && concepts[ci].intent != IntentStock {
						intent = concepts[ci].intent // 「XLサイズはありますか」 asks about sizes
						break
					}
				}
			}
		}
	} else if intent == IntentStock && strength < 1 && unknownTopic(qtext, &p) {
		// 「玄米もありますか」 about white rice: something the catalog does not say.
		intent = IntentAttribute
	}
	if (intent == IntentStock && strength < 1) || intent == IntentOther {
		// 「カーキありますか」: a value of one of the product's attributes, asked with no stronger cue,
		// asks about that attribute, not about stock.
		if name, _, _, ok := valueHit(qtext, &p); ok {
			intent = IntentOther
			for _, ci := range fieldConcepts(name) {
				if concepts[ci].intent != "" {
					intent = concepts[ci].intent
					break
				}
			}
			d.intent = intent
		}
	}
	switch intent {
	case IntentPrice:
		for _, c := range untilCues {
			if strings.Contains(textnorm.Fold(qtext), c) {
				d.needsReview = true
				d.confidence *= 0.5
				break
			}
		}
		priceFacts()
		if td.SoldOut {
			stockFact()
		}
		d.text = render("price")
	case IntentStock:
		switch {
		case p.Stock == nil:
			d.text, d.needsReview = render("stock_unknown"), true
			d.confidence *= 0.5
		case *p.Stock <= 0:
			stockFact()
			d.text = render("stock_out")
		default:
			stockFact()
			td.Stock = *p.Stock
			d.text = render("stock_in")
		}
	case IntentComparison:
		if r.mentioned && r.onAirOK {
			td.Name, td.Price = r.onAir.Name, formatPrice(r.onAir.EffectivePrice(), r.onAir.Currency, lang)
			td.OtherName, td.OtherPrice = p.Name, formatPrice(p.EffectivePrice(), p.Currency, lang)
			d.facts = append(d.facts, Fact{r.onAir.SKU + ".price", fmtNum(r.onAir.EffectivePrice())}, Fact{p.SKU + ".price", fmtNum(p.EffectivePrice())})
			d.products = append(d.products, r.onAir)
			d.text = render("comparison")
			d.needsReview = true // a comparison is more than prices; a person should add the rest
			d.confidence *= 0.7
		} else {
			td.Label = intentLabels[IntentComparison].In(lang)
			d.text, d.needsReview = render("unknown"), true
			d.confidence *= 0.4
		}
	case IntentOther:
		if f, label, hit, ok := selectAttribute(qtext, IntentOther, &p, lang); ok {
			// 「容量は？」「タンブラーの容量は？」: no intent of its own, but an attribute answers it.
			td.Label, td.Value, td.Hit = label, f.Value, hit
			td.Sentence, td.Clause = valueShape(f.Value)
			d.facts = append(d.facts, Fact{f.Name, f.Value})
			d.text = render("attribute")
			d.confidence = math.Max(d.confidence, 0.7)
			guessed = false
			if d.intent == "" || d.intent == IntentOther {
				d.intent = IntentAttribute // 「耐荷重は？」: answered by a field no contract intent names
				for _, ci := range fieldConcepts(f.Name) {
					if in := concepts[ci].intent; in != "" && in != IntentStock && in != IntentPrice {
						d.intent = in
						break
					}
				}
			}
		} else if r.mentioned {
			priceFacts()
			stockFact()
			d.text = render("overview")
			d.confidence *= 0.8
		} else {
			td.Label = intentLabels[IntentOther].In(lang)
			d.text, d.needsReview = render("unknown"), true
			d.confidence *= 0.4
			unanswered = true
		}
	case IntentAttribute:
		td.Label = intentLabels[IntentOther].In(lang)
		d.text, d.needsReview = render("unknown"), true
		d.confidence *= 0.4
		unanswered = true
	default:
		f, label, hit, ok := selectAttribute(qtext, intent, &p, lang)
		if ok && openOK && !open.sentence && open.field != f.Name && !strings.Contains(textnorm.Fold(qtext), textnorm.Fold(f.Name)) &&
			(open.nameHit || (strongOverlap(qtext, open.field+" "+open.value) && !strongOverlap(qtext, f.Name+" "+f.Value))) {
			// 「耐荷重は何キロ？」: the attribute the question names beats the concept its unit suggests.
			ok = false
		}
		if !ok {
			td.Label = intentLabels[intent].In(lang)
			d.text, d.needsReview = render("unknown"), true
			d.confidence *= 0.4
			unanswered = true
			break
		}
		td.Label, td.Value, td.Hit = label, f.Value, hit
		td.Sentence, td.Clause = valueShape(f.Value)
		d.facts = append(d.facts, Fact{f.Name, f.Value})
		if td.SoldOut {
			stockFact()
		}
		if !answersSpecifics(qtext, intent, f.Value, &p) {
			// 「石けんで落ちる？」 answered with a usage text that says nothing about soap: the fact is
			// right, but it is not the answer; a person should add it.
			d.needsReview = true
			d.confidence *= 0.5
		}
		guessed = false
		if intent == IntentIngredients || !variantField(f.Name) {
			// Never 「はい、小麦がございます」 to someone asking whether it is safe with an allergy,
			// nor 「敏感肌がございます」: 「はい、…がございます」 fits variants (colors, sizes) only;
			// otherwise state the value.
			hit = ""
			td.Hit = ""
		}
		if lang == "en" {
			td.Value = englishValue(f.Value)
		}
		pol := 0
		if !d.needsReview {
			pol = valuePolarity(lowerNFKC(qtext), openPick{openCand: openCand{field: f.Name, value: f.Value, name: lowerNFKC(f.Name)}})
		}
		if hit != "" {
			d.text = render("attribute_hit")
		} else {
			d.text = yesNo(pol, lang) + render("attribute")
		}
	}
	if unanswered && openOK {
		d.facts = d.facts[:0]
		d.intent = IntentAttribute
		td.Label, td.Value, td.Hit = open.field, open.value, ""
		if open.sentence {
			td.Label = descriptionLabel.In(lang)
		} else {
			for _, ci := range fieldConcepts(open.field) {
				if concepts[ci].intent == intent && intent != IntentOther && intent != IntentStock {
					d.intent = intent // a size question answered by the size field keeps its intent
				}
				if l, ok := conceptLabels[concepts[ci].name]; ok && !isLabelIn(open.field, lang) && td.Label == open.field {
					td.Label = l.In(lang)
				}
			}
			if l, ok := attributeLabels[open.field]; ok {
				td.Label = l.In(lang)
			} else if lang == "en" && td.Label == open.field {
				td.Label = englishLabel(open.field)
			}
		}
		if lang == "en" {
			td.Value = englishValue(open.value)
		}
		td.Sentence, td.Clause = valueShape(open.value)
		if open.sentence {
			td.Sentence, td.Clause = true, false
		}
		d.facts = append(d.facts, Fact{open.field, open.value})
		if td.SoldOut {
			stockFact()
		}
		d.text = yesNo(open.polarity, lang) + render("attribute")
		d.needsReview = missingThing(qtext, open)
		d.confidence = math.Max(q.Confidence*r.confidence, 0.6)
		if open.sentence {
			d.confidence = math.Min(d.confidence, 0.7)
		}
		guessed = false
	}
	if guessed {
		d.needsReview = true
		d.confidence *= 0.6
	}
	return d, renderErr
}

// descriptionLabel names a description sentence in an answer.
var descriptionLabel = prompts.Text{JA: "商品説明", EN: "description"}

// yesNo is how an answer starts when the catalog's value says yes or no.
func yesNo(polarity int, lang string) string {
	switch {
	case polarity > 0 && lang == "en":
		return "Yes. "
	case polarity > 0:
		return "はい、"
	case polarity < 0 && lang == "en":
		return "No, sorry. "
	case polarity < 0:
		return "いいえ、"
	}
	return ""
}

// partExchange reports whether 交換 in a message is about a part (交換用, 交換の目安, 交換フィルター)
// and no other word asks about shipping or returns.
func partExchange(text string) bool {
	f := textnorm.Fold(text)
	if !strings.Contains(f, "交換") {
		return false
	}
	for _, w := range foldAll([]string{"返品", "返金", "送料", "配送", "発送", "届", "到着", "キャンセル", "不良", "サイズ交換", "交換できます", "交換できる", "交換して", "交換可能", "交換は可能", "交換ok"}) {
		if strings.Contains(f, w) {
			return false
		}
	}
	for _, w := range foldAll([]string{"交換用", "交換の目安", "交換目安", "交換時期", "交換の時期", "交換頻度", "交換部品", "交換パーツ", "交換フィルター", "交換品", "交換の頻度", "交換のフィルター", "交換ブラシ", "交換カートリッジ"}) {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}

func withoutExchange(text string) string {
	return strings.ReplaceAll(norm.NFKC.String(text), "交換", "替え")
}

// unknownTopic reports whether a message asks about a thing (a noun of two kanji or katakana) that
// appears nowhere in the product's record: 「玄米もありますか」 about polished rice.
func unknownTopic(text string, p *catalog.Product) bool {
	all := lowerNFKC(p.Name + " " + p.Category + " " + strings.Join(p.Tags, " ") + " " + p.Description + " " + p.Brand)
	for k, vs := range p.Attributes {
		all += " " + lowerNFKC(k+" "+strings.Join(vs, " "))
	}
	cue := false
	for g, w := range openGrams(lowerNFKC(text)) {
		if w < 1 {
			continue
		}
		if strings.Contains(all, g) {
			return false
		}
		if !cueSet[textnorm.Fold(g)] {
			cue = true
		}
	}
	return cue
}

// valueShape tells how an attribute value reads: a sentence of its own (ending in 。 or a polite
// verb form, or in English with a full stop), or a clause with a verb in it (を, て outside
// parentheses) that reads best quoted. Lists (「綿98%・ポリウレタン2%」) and plain nouns are neither.
func valueShape(v string) (sentence, clause bool) {
	t := strings.TrimSpace(v)
	for _, end := range []string{"。", "！", "!", ".", "?", "？", "ください", "ます", "です", "ません"} {
		if strings.HasSuffix(t, end) {
			return true, false
		}
	}
	// 「洗濯機可（裏返してネット使用）」 is a noun with a note, not a clause.
	var b strings.Builder
	depth := 0
	for _, r := range t {
		switch r {
		case '（', '(':
			depth++
		case '）', ')':
			depth = max(0, depth-1)
		default:
			if depth == 0 {
				b.WriteRune(r)
			}
		}
	}
	outer := b.String()
	return false, strings.ContainsAny(outer, "をて")
}

// variantField reports whether an attribute lists variants a viewer picks from (colors, sizes), the
// only values 「はい、ピンクがございます」 fits.
func variantField(name string) bool {
	for _, ci := range fieldConcepts(name) {
		if n := concepts[ci].name; n == "color" || n == "size" {
			return true
		}
	}
	return false
}

// selectAttribute picks the attribute that answers a question: every attribute is ranked by
// RankFields, attributes of the intent's concepts get a bonus, and the best one answers if its score
// says it is about the question at all. hit is a value the question names (「ピンクありますか」→ ピンク).
func selectAttribute(question, intent string, p *catalog.Product, lang string) (f Field, label, hit string, ok bool) {
	if len(p.Attributes) == 0 {
		return f, "", "", false
	}
	names := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	fields := make([]Field, len(names))
	for i, k := range names {
		fields[i] = Field{Name: k, Value: joinValues(p.Attributes[k], lang)}
	}
	ranked := rankPrepared(prepareQuestion(question), fields)
	hitName, _, _, _ := valueHit(question, p)
	pick, pickScore, pickConcept := -1, math.Inf(-1), ""
	for _, fs := range ranked {
		// A field answers only on evidence that it is about the question (2 or more); among those,
		// the learned prior of its name helps order them.
		prior := learnedPrior(fields[fs.Index].Name)
		sc, concept := fs.Score-prior, ""
		if fields[fs.Index].Name == hitName {
			sc += 2
		}
		for _, ci := range fieldConcepts(fields[fs.Index].Name) {
			if concept == "" {
				concept = concepts[ci].name
			}
			if intent != IntentOther && concepts[ci].intent == intent {
				sc += 1.5
				concept = concepts[ci].name
				break
			}
			if related := relatedIntents[intent]; related != "" && concepts[ci].intent == related {
				sc += 1.5
				concept = concepts[ci].name
			}
		}
		if sc >= 2 && sc+prior > pickScore {
			pick, pickScore, pickConcept = fs.Index, sc+prior, concept
		}
	}
	if pick < 0 {
		return f, "", "", false
	}
	f = fields[pick]
	label = f.Name
	if l, ok := attributeLabels[f.Name]; ok {
		// Known keys read better named ("SPF", "shelf life", 「賞味期限」) in either language.
		label = l.In(lang)
	} else if !isLabelIn(f.Name, lang) {
		if l, ok := conceptLabels[pickConcept]; ok {
			label = l.In(lang)
		}
	} else if lang == "en" {
		label = strings.ReplaceAll(f.Name, "_", " ")
	}
	if lang == "en" && !isLabelIn(f.Name, lang) && label == f.Name {
		label = englishLabel(f.Name) // 「耐荷重」 in an English answer reads "load capacity"
	}
	folded := withColorWords(textnorm.Fold(question))
	if strings.Contains(folded, "以外") || strings.Contains(folded, "ほかの") || strings.Contains(folded, "他の") || strings.Contains(folded, "other than") {
		// 「ライトベージュ以外の色は？」 asks for the others: never 「はい、ライトベージュがございます」.
		return f, label, "", true
	}
	for _, v := range p.Attributes[f.Name] {
		if mentionsValue(folded, v) {
			hit = v
			break
		}
	}
	return f, label, hit, true
}

// mentionsValue reports whether a question names an attribute value: a Latin value as a whole word
// ("L" is not in "XL"), another as a substring of at least one rune (「赤」, 「カーキ」).
func mentionsValue(foldedQuestion, value string) bool {
	fv := textnorm.Fold(value)
	if fv == "" {
		return false
	}
	if fv[0] < 0x80 {
		for i := 0; ; {
			j := strings.Index(foldedQuestion[i:], fv)
			if j < 0 {
				return false
			}
			start, end := i+j, i+j+len(fv)
			before, after := rune(' '), rune(' ')
			if start > 0 {
				before, _ = utf8.DecodeLastRuneInString(foldedQuestion[:start])
			}
			if end < len(foldedQuestion) {
				after, _ = utf8.DecodeRuneInString(foldedQuestion[end:])
			}
			if !isLatinWordRune(before) && !isLatinWordRune(after) {
				return true
			}
			i = start + 1
		}
	}
	return strings.Contains(foldedQuestion, fv)
}

func isLatinWordRune(r rune) bool {
	return r < 0x80 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
}

// valueHit finds an attribute whose value the question names (「カーキ」 for color: カーキ); values
// under two runes are too ambiguous to count.
func valueHit(question string, p *catalog.Product) (name, value, hit string, ok bool) {
	folded := withColorWords(textnorm.Fold(question))
	names := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range p.Attributes[k] {
			if utf8.RuneCountInString(v) >= 2 && mentionsValue(folded, v) {
				return k, v, v, true
			}
		}
	}
	return "", "", "", false
}

// specificCues are yes/no details a usage, compatibility or ingredients answer must speak to.
var specificCues = foldAll([]string{"石けん", "石鹸", "せっけん", "落ち", "落と", "洗顔料", "洗濯", "洗え", "クレンジング", "お湯",
	"小麦", "卵", "乳", "そば", "ナッツ", "落花生", "えび", "かに", "大豆", "アルコール", "香料", "パラベン",
	"カロリー", "糖質", "たんぱく", "タンパク", "脂質", "塩分", "kcal",
	"soap", "wash", "remov", "gluten", "wheat", "nut", "peanut", "egg", "dairy", "milk", "alcohol", "fragranc",
	"calori", "sugar", "protein", "carb"})

// untilCues ask when something ends or starts; the catalog has no dates, so a price answer to
// 「セール何時まで？」 states the price but leaves the question to a person.
var untilCues = foldAll([]string{"いつまで", "何時まで", "何日まで", "いつから", "何時から", "until", "how long", "ends", "when does"})

// answersSpecifics reports whether an attribute value speaks to the specific things a yes/no
// question names (soap, wheat, a device): a usage text without the word 「石けん」 does not answer
// 「石けんで落ちる？」. Size, color and other list answers always answer.
func answersSpecifics(question, intent, value string, p *catalog.Product) bool {
	if intent != IntentUsage && intent != IntentCompatibility && intent != IntentIngredients {
		return true
	}
	fq, fv := textnorm.Fold(question), textnorm.Fold(value)
	var specifics []string
	for _, c := range specificCues {
		if strings.Contains(fq, c) {
			specifics = append(specifics, c)
		}
	}
	if intent == IntentCompatibility {
		for _, w := range residue(question, detectLang(fq)) {
			if !strings.Contains(textnorm.Fold(p.Name), w.text) {
				specifics = append(specifics, w.text)
			}
		}
		for _, w := range words(fq) {
			if len(w) >= 3 && w[0] < 0x80 && !englishStop[w] && !questionWordEN[w] && !isCueWord(w) {
				specifics = append(specifics, w)
			}
		}
		if strings.Contains(fq, "iphone") {
			specifics = append(specifics, "iphone")
		}
	}
	if len(specifics) == 0 {
		return true
	}
	for _, sp := range specifics {
		// Stems: "remov" in "remover", 「落と」 in 「落とし方」.
		if strings.Contains(fv, sp) || (len(sp) > 3 && sp[0] < 0x80 && strings.Contains(fv, stem(sp))) {
			return true
		}
	}
	return false
}

// relatedIntents lets an attribute of a neighbouring intent answer: 「サイズ感は？」 about a diffuser is
// answered by its dimensions.
var relatedIntents = map[string]string{IntentSize: IntentDimensions, IntentDimensions: IntentSize}

// attributeLabels names common English attribute keys for Japanese answers (and spaces them for
// English ones).
var attributeLabels = map[string]prompts.Text{
	"capacity": {JA: "容量", EN: "capacity"}, "shelf_life": {JA: "賞味期限", EN: "shelf life"},
	"origin": {JA: "産地", EN: "origin"}, "warranty": {JA: "保証", EN: "warranty"}, "spf": {JA: "SPF", EN: "SPF"},
	"skin_type": {JA: "対応肌質", EN: "skin type"}, "storage": {JA: "保存方法", EN: "storage"},
	"allergens": {JA: "アレルゲン", EN: "allergens"}, "care": {JA: "お手入れ", EN: "care"}, "fit": {JA: "シルエット", EN: "fit"},
	"battery": {JA: "バッテリー", EN: "battery"}, "scent": {JA: "香り", EN: "scent"},
}

// isLabelIn reports whether an attribute name is already readable in lang (a Japanese key for a
// Japanese answer).
func isLabelIn(name, lang string) bool {
	return detectLang(name) == lang
}

func joinValues(vs []string, lang string) string {
	if lang == "ja" {
		return strings.Join(vs, "・")
	}
	return strings.Join(vs, ", ")
}

// formatPrice writes an amount the way a viewer reads it: 「2,980円」 or "¥2,980" for yen.
func formatPrice(v float64, currency, lang string) string {
	cur := strings.ToUpper(currency)
	if cur == "" || cur == "JPY" {
		if lang == "ja" {
			return groupThousands(v) + "円"
		}
		return "¥" + groupThousands(v)
	}
	sym := map[string]string{"USD": "$", "EUR": "€", "GBP": "£"}[cur]
	if sym == "" {
		return fmt.Sprintf("%s %s", groupThousands(v), cur)
	}
	return sym + groupThousands(v)
}

// groupThousands writes v with thousands separators and at most two decimals.
func groupThousands(v float64) string {
	neg := v < 0
	v = math.Abs(v)
	whole := int64(v)
	frac := math.Round((v - float64(whole)) * 100)
	if frac >= 100 {
		whole, frac = whole+1, 0
	}
	s := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac > 0 {
		out += fmt.Sprintf(".%02d", int(frac))
	}
	if neg {
		out = "-" + out
	}
	return out
}

// fmtNum writes a fact value without grouping: 2980, 29.8.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
