package moderation

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestConjugate(t *testing.T) {
	tests := []struct {
		term string
		want []string // a few forms that must be among the expansion
		not  []string // forms that must not (negatives)
	}{
		{"消える~", []string{"消える", "消えます", "消えた", "消えて", "消えちゃ", "消えられる", "消えれば"}, []string{"消えない", "消えません"}},
		{"治る~", []string{"治る", "治ります", "治っ" + "ちゃ", "治った", "治れる"}, []string{"治らない"}},
		{"消す~", []string{"消す", "消します", "消せる", "消して", "消しちゃ"}, []string{"消さない"}},
		{"効く~", []string{"効く", "効きます", "効いて", "効いた", "効けば"}, nil},
		{"解消する~", []string{"解消する", "解消します", "解消できる", "解消した", "解消しちゃ"}, []string{"解消しない", "解消できない"}},
		{"生まれ変わる~", []string{"生まれ変わる", "生まれ変わります", "生まれ変わった", "生まれ変われる"}, nil},
		{"死ぬ~5", []string{"死んで", "死んだ", "死んじゃ"}, nil},
		{"見る~1", []string{"見ます", "見た", "見られる"}, nil},
		{"シミが", []string{"シミが"}, nil},
	}
	for _, tt := range tests {
		forms, err := expandTerm(tt.term)
		if err != nil {
			t.Errorf("%s: %v", tt.term, err)
			continue
		}
		for _, w := range tt.want {
			if !slices.Contains(forms, w) {
				t.Errorf("%s: %q not among %v", tt.term, w, forms)
			}
		}
		for _, w := range tt.not {
			if slices.Contains(forms, w) {
				t.Errorf("%s: negative %q among %v", tt.term, w, forms)
			}
		}
	}
	for _, bad := range []string{"~", "シミ~", "消える~x", "消え~る~", "る~1", "きれい~5"} {
		if forms, err := expandTerm(bad); err == nil {
			t.Errorf("%q: no error, forms %v", bad, forms)
		}
	}
}

// Host speech that states an outcome, in the ways people talk, must be flagged with a span, a
// reason and (where one exists) a compliant wording; approved wordings and ordinary host talk
// must stay allowed.
func TestOutcomeClaims(t *testing.T) {
	e := engine(t)
	flag := []struct {
		text, category, suggestion string
	}{
		{"このクリームでシミが消えます", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"シミがすーっと消えちゃうんです", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"使ってたらシミが消えてくの", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"シミも消えるんです", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"頑固なシミを消しちゃう", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"シミがなくなりました", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"そばかすが薄くなります", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"しみがきえちゃう", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"ｼﾐが消えます", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"シワが本当に消えた", CatYakkiho, "乾燥による小ジワを目立たなくする（効能評価試験済みの場合）"},
		{"ほうれい線がなくなっちゃう", CatYakkiho, "乾燥による小ジワを目立たなくする（効能評価試験済みの場合）"},
		{"小ジワも改善します", CatYakkiho, "乾燥による小ジワを目立たなくする（効能評価試験済みの場合）"},
		{"たるみが解消できるんです", CatYakkiho, "肌にハリを与える"},
		{"大人ニキビが治っちゃう", CatYakkiho, "ニキビを防ぐ（医薬部外品の承認効能の場合）"},
		{"ニキビに効きます", CatYakkiho, "ニキビを防ぐ（医薬部外品の承認効能の場合）"},
		{"アトピーが良くなりました", CatYakkiho, "肌にうるおいを与え、乾燥から守る"},
		{"便秘が解消します", CatYakkiho, "おなかの調子を整える（特定保健用食品・機能性表示食品の表示の範囲で）"},
		{"冷え性が治せる", CatYakkiho, ""},
		{"肩こりがすっかり治りました", CatYakkiho, ""},
		{"花粉症に効いて", CatYakkiho, ""},
		{"白髪が黒くなるんです", CatYakkiho, "白髪を染める（染毛剤の場合）"},
		{"薄毛が改善できる", CatYakkiho, ""},
		{"むくみがスッキリ取れます", CatYakkiho, "（メイクアップ効果により）すっきりした印象に見せる"},
		{"お腹の脂肪がどんどん燃えるんです", CatYakkiho, ""},
		{"体重が5キロ減りました", CatYakkiho, ""},
		{"肌荒れが治ります", CatYakkiho, "肌荒れを防ぐ"},
		{"お肌が生まれ変わる", CatYakkiho, "肌を整える、肌にハリを与える"},
		{"肌が再生します", CatYakkiho, "肌を整える、肌にハリを与える"},
		{"これで若返ります", CatYakkiho, ""},
		{"飲むだけで痩せられる", CatYakkiho, ""},
		{"みんな痩せちゃう", CatYakkiho, ""},
		{"なんでも治せる", CatYakkiho, ""},
		{"erases wrinkles overnight", CatYakkiho, ""},
		{"it removes dark spots", CatYakkiho, ""},
		{"wrinkles disappear in a week", CatYakkiho, ""},
		{"this cures acne", CatYakkiho, ""},
		{"服用するだけでシミが消える", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"シャツも人気です。シミが消える美容液も", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"it gets rid of fine lines", CatYakkiho, ""},
		{"シミ消えた！", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"シワなくなっちゃう", CatYakkiho, "乾燥による小ジワを目立たなくする（効能評価試験済みの場合）"},
		{"シミが一瞬で消える", CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"you'll lose 10 pounds", CatYakkiho, ""},
		{"guaranteed to lose weight", CatKeihyo, ""},
		{"他社より圧倒的に安い", CatKeihyo, ""},
		{"どこよりもお得です", CatKeihyo, ""},
		{"史上最安です", CatKeihyo, ""},
		{"業界初の技術", CatKeihyo, ""},
		{"一番売れてる商品です", CatKeihyo, ""},
		{"ナンバーワンの人気", CatKeihyo, ""},
		{"Ｎｏ．１の美容液", CatKeihyo, ""},
		{"通常価格5,000円のところ今だけ2,980円", CatKeihyo, ""},
		{"8000円のところ、本日は3980円", CatKeihyo, ""},
		{"100%効果があります", CatKeihyo, ""},
		{"効果は100%です", CatKeihyo, ""},
		{"100%効きます", CatKeihyo, ""},
		{"１００パーセント痩せる", CatKeihyo, ""},
		{"cheapest anywhere", CatKeihyo, ""},
		{"the number one serum", CatKeihyo, ""},
		{"cheaper than any other store", CatKeihyo, ""},
	}
	for _, tt := range flag {
		v := e.Moderate(tt.text, SourceHost)
		n := utf8.RuneCountInString(tt.text)
		var hit *Match
		for i := range v.Matches {
			if v.Matches[i].Category == tt.category {
				hit = &v.Matches[i]
				break
			}
		}
		if v.Action == ActionAllow || hit == nil {
			t.Errorf("%q: %s, want a %s flag (%+v)", tt.text, v.Action, tt.category, v.Matches)
			continue
		}
		if hit.Reason == "" || hit.Start < 0 || hit.End > n || hit.Start >= hit.End || hit.Rule == "" {
			t.Errorf("%q: bad match %+v", tt.text, *hit)
		}
		if got := string([]rune(tt.text)[hit.Start:hit.End]); got != hit.Text {
			t.Errorf("%q: span [%d,%d) is %q, match text %q", tt.text, hit.Start, hit.End, got, hit.Text)
		}
		if hit.Via == "pair" && !strings.Contains(hit.Term, "…") {
			t.Errorf("%q: pair term %q does not name both sides", tt.text, hit.Term)
		}
		if tt.suggestion != "" && hit.Suggestion != tt.suggestion {
			t.Errorf("%q: suggestion %q, want %q", tt.text, hit.Suggestion, tt.suggestion)
		}
	}
	allow := []string{
		"日やけによるシミ・そばかすを防ぐ",
		"シミ・そばかすを防ぎます",
		"肌荒れを防ぐ",
		"肌荒れを防ぎます",
		"乾燥による小ジワを目立たなくする",
		"乾燥による小ジワを目立たなくします（効能評価試験済み）",
		"メイクアップ効果によりシミを隠します",
		"メイクアップ効果により、シミが消えたように見せます",
		"シミが消えるわけではありません",
		"ニキビが治るわけではありません",
		"おなかの調子を整える",
		"肌にハリを与える",
		"シミになりにくい素材です",
		"楽しみが消えちゃう",
		"お楽しみに！",
		"シミ。消えるのは在庫です",
		"この動画を再生してください",
		"新しく生まれ変わったパッケージです",
		"体重計も人気です",
		"肌にうるおいを与えます",
		"綿100%です",
		"綿100%のTシャツ、残り10点です",
		"残り10点です",
		"お値段は2,980円、送料無料です",
		"在庫わずかです",
		"カラーは3色、ベージュとネイビーとグレーです",
		"朝晩2回、適量を手に取ってなじませてください",
		"ポリエステル100%",
		"100%天然由来の成分です",
		"果汁100%のジュース",
		"100% cotton, 3 colors",
		"only 10 left in stock",
		"it comes in navy and grey",
		"メイクを落とすのも簡単",
		"汚れもすっきり落ちます",
		"ライブを再生して見返せます",
		"一番人気のカラーはどれですか",
		"サイズはSとMとLです",
		"小ジワを目立たなくするクリーム",
		"コーヒーのシミが取れる洗剤です",
		"シワが伸びる素材です、アイロン不要",
		"シワが取れるスチーマー",
		"シミがついてもお洗濯で落ちます",
		"冷えたビールにどうぞ",
		"体重が気になる方にも人気です",
		"脂肪分控えめのお菓子です",
		"肌荒れが気になるときは使用をやめてください",
		"白髪染めです、白髪がしっかり染まります",
		"肩こりがひどくて、今日は配信短めです",
		"このアイシャドウは消えにくい",
		"在庫がなくなり次第終了です",
		"治るまで使用を中止してください",
		"通常価格に戻ります",
		"spots left in stock: only 3",
		"don't stop now, only 3 spots left",
		"we removed the old wrinkled packaging",
		"カバー力が高いのでシミが気にならなくなります",
		"it removes makeup and dirt gently",
	}
	for _, text := range allow {
		v := e.Moderate(text, SourceHost)
		if v.Action != ActionAllow {
			t.Errorf("%q: %s, want allow (%+v)", text, v.Action, v.Matches)
		}
	}
}

// The match covers the whole spoken verb, and names both sides in its term.
func TestPairSpan(t *testing.T) {
	e := engine(t)
	for text, want := range map[string]string{
		"このクリームでシミがすーっと消えちゃうんです": "シミがすーっと消えちゃう",
		"ニキビが治っちゃった":             "ニキビが治っちゃった",
		"たるみが解消できます":             "たるみが解消できます",
		"wrinkles disappear":     "wrinkles disappear",
	} {
		v := e.Moderate(text, SourceHost)
		if len(v.Matches) == 0 || v.Matches[0].Text != want || v.Matches[0].Via != "pair" {
			t.Errorf("%q: matches %+v, want a pair match on %q", text, v.Matches, want)
		}
	}
}

func TestPairEntryErrors(t *testing.T) {
	for _, line := range []string{
		"シミ + @nosuch",
		"シミ + ,",
		"シミ + 消*え",
		"シミ + 消える~ | gap=99",
		"シミ | gap=3",
		"シミ + 消える~x",
		"@group empty",
		"シミ | unless=洗剤",
		"シミ + 消える~ | unless=@nosuch",
	} {
		ls := &listSet{allowDomains: map[string]bool{}, groups: map[string][]string{}}
		def := fileDefaults{category: CatYakkiho, severity: sevMedium, sources: SourceHost}
		if err := ls.parseLine(line, &def, "test.txt", 1); err == nil {
			t.Errorf("%q: no error", line)
		}
	}
}
