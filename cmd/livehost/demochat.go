package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// chatGen produces a realistic live-commerce chat for the demo and the load program: mostly
// reactions and questions in Japanese and English, some repeats of the same question, and a few
// messages the moderation must catch (NG words typed to dodge filters, spam, personal data).
type chatGen struct {
	rng      *rand.Rand
	products []demoProduct
	n        int
}

type demoProduct struct {
	SKU, Name string
}

func newChatGen(seed uint64, products []demoProduct) *chatGen {
	return &chatGen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), products: products}
}

var (
	demoUsers = []string{"さくら", "yuki_0312", "みぃ", "Haruto", "aoi.cosme", "ken", "mika★", "Lily", "ぽん太", "ren_tokyo",
		"Emily", "なな", "sora", "たけし", "chloe_jp", "まい", "Daisuke", "hana", "ゆうた", "Olivia", "りこ", "初見さん"}
	demoPlatforms = []string{"youtube", "tiktok", "instagram", "line"}

	reactionsJA = []string{"かわいい！", "初見です", "こんばんは〜", "きれいな色😍", "待ってました！", "888888", "最高すぎる",
		"それ持ってます！", "音声きこえます", "今日も楽しみ", "草", "色味めっちゃ好き", "似合ってる〜", "買いました！"}
	reactionsEN = []string{"so cute!!", "hello from Osaka", "love this color", "omg", "first time here", "wow", "nice 👍"}

	questionsJA = []string{"%sっていくらですか？", "%sの値段は？", "%sまだ在庫ありますか？", "%sは何色がありますか？",
		"%sのサイズ感どうですか？", "%sの素材は何ですか？", "%sはどうやって使うの？", "%s敏感肌でも使えますか？",
		"送料はいくらですか？", "%sって石けんで落ちますか？", "%sの容量はどれくらい？", "%sとさっきのどっちがおすすめ？"}
	questionsEN = []string{"How much is the %s?", "Is the %s still in stock?", "What colors does the %s come in?",
		"What is the %s made of?", "Does the %s ship overseas?", "How do I use the %s?"}

	reactionTails = []string{"", "", "！", "〜", "!!", "ｗ", "♪", "！！", "…"}

	// What the moderation must catch: evasive NG words, spam, links and personal data.
	ngMessages = []string{"しね", "ｼﾈ", "4ね", "死 ね", "ブスは黙れ", "きもい配信者", "ころすぞ", "バカじゃないの",
		"稼げる副業あります→ http://bit.ly/xxxx", "フォロー返し100%！！！！", "LINE ID: earn_money_now 連絡ください",
		"私の電話番号は090-1234-5678です", "メールはtest.user@example.comまで", "check my profile for free followers!!! http://spam.example",
		"他のショップの方が安いよ", "このクリームでシミが消えるって本当？"}
)

// next returns one chat message: user, platform and text.
func (g *chatGen) next() (user, platform, text string) {
	g.n++
	user = demoUsers[g.rng.IntN(len(demoUsers))]
	platform = demoPlatforms[g.rng.IntN(len(demoPlatforms))]
	r := g.rng.Float64()
	name := "これ"
	if len(g.products) > 0 {
		// Viewers mostly ask about the first products of the lineup: the same questions repeat.
		p := g.products[min(g.rng.IntN(len(g.products)), g.rng.IntN(len(g.products)))]
		name = shortName(p.Name)
	}
	switch {
	case r < 0.40:
		// People decorate the same reaction differently; identical copies from many users are
		// what the moderation's copy-paste rule holds.
		text = reactionsJA[g.rng.IntN(len(reactionsJA))] + reactionTails[g.rng.IntN(len(reactionTails))]
	case r < 0.48:
		text = reactionsEN[g.rng.IntN(len(reactionsEN))] + reactionTails[g.rng.IntN(len(reactionTails))]
	case r < 0.78:
		q := questionsJA[g.rng.IntN(len(questionsJA))]
		if strings.Contains(q, "%s") {
			q = fmt.Sprintf(q, name)
		}
		text = q
	case r < 0.90:
		q := questionsEN[g.rng.IntN(len(questionsEN))]
		text = fmt.Sprintf(q, name)
	default:
		text = ngMessages[g.rng.IntN(len(ngMessages))]
	}
	return user, platform, text
}

// shortName is what a viewer types for a product: the name without its brand prefix and details.
func shortName(name string) string {
	f := strings.Fields(name)
	if len(f) > 1 {
		// "Brand Name Detail" → the longest word is usually the noun viewers use.
		best := f[0]
		for _, w := range f[1:] {
			if len([]rune(w)) > len([]rune(best)) {
				best = w
			}
		}
		return best
	}
	return name
}
