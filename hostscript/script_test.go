package hostscript

import (
	"strings"
	"testing"

	"github.com/livehost/livehost/catalog"
)

const jaScript = `皆さんこんばんは、今日も見に来てくれてありがとうございます。
まずご紹介するのは、うるツヤリップティントのローズピンクです。
唇の体温でじゅわっと発色して、水ツヤが長持ちします。
続いてはロングキープリップライナー、ヌードベージュです。
輪郭をきれいに整えて、ティントと重ねるのがおすすめです。
最後はクッションファンデーション、SPF35で日中も安心です。
今夜十二時までのセール価格なので、お見逃しなく。`

func TestFollower(t *testing.T) {
	type step struct {
		spoken string
		line   int
		moved  bool
	}
	tests := []struct {
		name   string
		script string
		steps  []step
	}{
		{"ja as written", jaScript, []step{
			{"皆さんこんばんは、今日も見に来てくれてありがとうございます", 0, true},
			{"まずご紹介するのはうるツヤリップティントのローズピンクです", 1, true},
			{"唇の体温でじゅわっと発色して水ツヤが長持ちします", 2, true},
		}},
		{"ja with ad-libs and STT spelling", jaScript, []step{
			{"はいみなさんこんばんは！今日もみにきてくれてありがとう", 0, true},
			{"えーとまずご紹介するのは、ウルツヤ・リップティント、ローズピンクですね", 1, true},
		}},
		{"ja skipping ahead two lines", jaScript, []step{
			{"皆さんこんばんは、今日も見に来てくれてありがとうございます", 0, true},
			{"続いてはロングキープリップライナー、ヌードベージュです", 3, true},
			{"最後はクッションファンデーション", 5, true},
		}},
		{"chatter that is not in the script does not move", jaScript, []step{
			{"皆さんこんばんは、今日も見に来てくれてありがとうございます", 0, true},
			{"コメントありがとう、山田さん", 0, false},
			{"まずご紹介するのは", 1, true},
		}},
		{"en", "Good evening everyone and welcome back.\nFirst up is the rose pink lip tint.\nIt lasts all day and feels light.\nNext we have the nude beige liner.", []step{
			{"good evening everyone welcome back", 0, true},
			{"so first up is uh the rose pink tint", 1, true},
			{"next we have the nude beige liner", 3, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFollower(tt.script, nil)
			for i, s := range tt.steps {
				p := f.Advance(s.spoken)
				if p.Line != s.line || p.Moved != s.moved {
					t.Fatalf("step %d %q: line %d moved %v (%+v), want line %d moved %v", i, s.spoken, p.Line, p.Moved, p, s.line, s.moved)
				}
			}
		})
	}
}

func TestFollowerEndsAtTheSpokenText(t *testing.T) {
	f := NewFollower(jaScript, nil)
	p := f.Advance("まずご紹介するのは、うるツヤリップティント")
	lines := strings.Split(jaScript, "\n")
	want := len([]rune(lines[0])) + 1 + len([]rune("まずご紹介するのは、うるツヤリップティント"))
	if p.Offset != want {
		t.Fatalf("offset %d, want %d", p.Offset, want)
	}
	f.Seek(0)
	if f.Position().Offset != 0 {
		t.Fatalf("after Seek(0): %+v", f.Position())
	}
}

func TestMatcher(t *testing.T) {
	lineup := []catalog.Product{
		{SKU: "LH-COS-001", Name: "うるツヤ リップティント 03 ローズピンク"},
		{SKU: "LH-COS-002", Name: "ロングキープ リップライナー 02 ヌードベージュ"},
		{SKU: "LH-COS-006", Name: "クッションファンデーション ナチュラルベージュ SPF35 PA+++"},
		{SKU: "EN-1", Name: "Velvet Matte Lipstick Brick Red"},
	}
	m := NewMatcher(lineup, map[string][]string{"LH-COS-006": {"クッションファンデ"}})
	tests := []struct {
		text string
		want []string // SKUs, best first
	}{
		{"次はうるツヤリップティント03ローズピンクです", []string{"LH-COS-001"}},
		{"このローズピンクのティント、かわいいでしょ", []string{"LH-COS-001"}},
		{"ロングキープのライナーも一緒にどうぞ", []string{"LH-COS-002"}},
		{"クッションファンデもおすすめ", []string{"LH-COS-006"}},
		{"ﾛﾝｸﾞｷｰﾌﾟ ﾘｯﾌﾟﾗｲﾅｰ と うるつや", []string{"LH-COS-002", "LH-COS-001"}},
		{"ベージュって人気ですよね", nil}, // shared by two products: not distinctive
		{"リップが好きな人", nil},     // a generic word
		{"now the velvet matte lipstick in brick red", []string{"EN-1"}},
		{"what a velvety day", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got := m.Match(tt.text)
		var skus []string
		for _, g := range got {
			skus = append(skus, g.SKU)
			r := []rune(tt.text)
			if g.Start < 0 || g.End > len(r) || g.Start >= g.End {
				t.Errorf("%q: span %d–%d out of the text", tt.text, g.Start, g.End)
			}
		}
		if strings.Join(skus, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%q: got %v (%+v), want %v", tt.text, skus, got, tt.want)
		}
	}
	got := m.Match("次はうるツヤリップティント03ローズピンクです")
	if got[0].Score != 1 || string([]rune("次はうるツヤリップティント03ローズピンクです")[got[0].Start:got[0].End]) != "うるツヤリップティント03ローズピンク" {
		t.Errorf("full-name mention %+v", got[0])
	}
}

func FuzzUnits(f *testing.F) {
	f.Add("うるツヤ リップティント 03 ﾛｰｽﾞ")
	f.Add("Hello, World ㍻ ①")
	f.Fuzz(func(t *testing.T, s string) {
		n := len([]rune(s))
		last := 0
		for _, u := range units(s) {
			if u.start < last || u.end > n || u.start >= u.end || u.s == "" {
				t.Fatalf("unit %+v out of order or range (text of %d runes)", u, n)
			}
			last = u.start
		}
		NewFollower(s, nil).Advance(s)
	})
}
