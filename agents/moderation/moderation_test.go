package moderation

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// The default engine loads the IPA dictionary once; tests share it.
var (
	defaultOnce sync.Once
	defaultEng  *Engine
	defaultErr  error
)

func engine(t testing.TB) *Engine {
	t.Helper()
	defaultOnce.Do(func() { defaultEng, defaultErr = NewDefault() })
	if defaultErr != nil {
		t.Fatal(defaultErr)
	}
	return defaultEng
}

func TestModerateChat(t *testing.T) {
	e := engine(t)
	tests := []struct {
		text     string
		action   string
		category string // "" when allowed
		span     string // the original text the first match covers
		via      string
	}{
		{"しね", ActionBlock, CatProfanity, "しね", "term"},
		{"お前ｼﾈよ", ActionBlock, CatProfanity, "ｼﾈよ", "term"},
		{"お前し ね", ActionBlock, CatProfanity, "し ね", "term"},
		{"し\u200bね", ActionBlock, CatProfanity, "し\u200bね", "term"},
		{"しーーね", ActionBlock, CatProfanity, "しーーね", "term"},
		{"4ね", ActionHold, CatProfanity, "4ね", "pun"},
		{"市ね", ActionHold, CatProfanity, "市ね", "reading"},
		{"自○しろ", ActionHold, CatHarassment, "自○しろ", "masked"},
		{"今日は自○", ActionHold, CatHarassment, "自○", "masked"},
		{"殺す", ActionBlock, CatHarassment, "殺す", "term"},
		{"コロス", ActionBlock, CatHarassment, "コロス", "term"},
		{"k1ll yourself", ActionBlock, CatHarassment, "k1ll yourself", "term"},
		{"F U C K", ActionBlock, CatProfanity, "F U C K", "term"},
		{"ѕех", ActionBlock, CatSexual, "ѕех", "term"},
		{"fuuuuck", ActionBlock, CatProfanity, "fuuuuck", "term"},
		{"what a n i g g e r", ActionBlock, CatDiscrimination, "n i g g e r", "term"},
		{"f**k", ActionHold, CatProfanity, "f**k", "masked"},
		{"シネマ見たい", ActionAllow, "", "", ""},
		{"死ぬほど欲しい", ActionAllow, "", "", ""},
		{"バカ売れ中", ActionAllow, "", "", ""},
		{"思念", ActionAllow, "", "", ""},
		{"殺菌効果", ActionAllow, "", "", ""},
		{"私ね、これ欲しい", ActionAllow, "", "", ""},
		{"可愛いし、ねえ見て", ActionAllow, "", "", ""},
		{"this class is great", ActionAllow, "", "", ""},
		{"as soon as possible", ActionAllow, "", "", ""},
		{"ass", ActionHold, CatProfanity, "ass", "term"},
		{"ｈｔｔｐ：／／ｅｖｉｌ．ｃｏｍ", ActionHold, CatLink, "ｈｔｔｐ：／／ｅｖｉｌ．ｃｏｍ", "rule"},
		{"see https://www.youtube.com/watch", ActionAllow, "", "", ""},
		{"電話 ０９０－１２３４－５６７８", ActionHold, CatPersonalInfo, "０９０－１２３４－５６７８", "rule"},
		{"mail taro@example.com", ActionHold, CatPersonalInfo, "taro@example.com", "rule"},
		{"ＬＩＮＥ ＩＤ：ｌｏｖｅ＿ｃｈａｎ", ActionHold, CatPersonalInfo, "ＬＩＮＥ ＩＤ：ｌｏｖｅ＿ｃｈａｎ", "rule"},
		{"BUY CHEAP FOLLOWERS NOW PLEASE", ActionHold, CatSpam, "BUY CHEAP FOLLOWERS NOW PLEASE", "rule"},
		{"\u202eしね", ActionBlock, CatProfanity, "しね", "term"},
	}
	for _, tt := range tests {
		v := e.Moderate(tt.text, SourceChat)
		if v.Action != tt.action {
			t.Errorf("%q: action %s, want %s (%+v)", tt.text, v.Action, tt.action, v.Matches)
			continue
		}
		if tt.category == "" {
			if len(v.Matches) != 0 {
				t.Errorf("%q: unexpected matches %+v", tt.text, v.Matches)
			}
			continue
		}
		if !slices.Contains(v.Categories, tt.category) {
			t.Errorf("%q: categories %v lack %s", tt.text, v.Categories, tt.category)
			continue
		}
		var m *Match
		for i := range v.Matches {
			if v.Matches[i].Category == tt.category {
				m = &v.Matches[i]
				break
			}
		}
		r := []rune(tt.text)
		if got := string(r[m.Start:m.End]); got != tt.span || m.Text != tt.span {
			t.Errorf("%q: match [%d,%d) covers %q (Text %q), want %q", tt.text, m.Start, m.End, got, m.Text, tt.span)
		}
		if m.Via != tt.via {
			t.Errorf("%q: via %s, want %s", tt.text, m.Via, tt.via)
		}
		if m.Rule == "" || !slices.Contains(v.Rules, m.Rule) {
			t.Errorf("%q: rule %q not in %v", tt.text, m.Rule, v.Rules)
		}
	}
}

func TestModerateHost(t *testing.T) {
	e := engine(t)
	tests := []struct {
		text       string
		action     string
		category   string
		suggestion string
	}{
		{"このクリームでシミが消えます", ActionHold, CatYakkiho, "日やけによるシミ・そばかすを防ぐ"},
		{"小ジワが消える美容液", ActionHold, CatYakkiho, "乾燥による小ジワを目立たなくする（効能評価試験済みの場合）"},
		{"ニキビが治ります", ActionBlock, CatYakkiho, "ニキビを防ぐ（医薬部外品の承認効能の場合）"},
		{"業界最安値です", ActionHold, CatKeihyo, "当店通常価格より◯円お得"},
		{"絶対に痩せます", ActionBlock, CatKeihyo, "適度な運動と食事管理と併せて"},
		{"日やけによるシミ・そばかすを防ぐ", ActionAllow, "", ""},
		{"乾燥による小ジワを目立たなくする", ActionAllow, "", ""},
	}
	for _, tt := range tests {
		v := e.Moderate(tt.text, SourceHost)
		if v.Action != tt.action {
			t.Errorf("%q: action %s, want %s (%+v)", tt.text, v.Action, tt.action, v.Matches)
			continue
		}
		if tt.category == "" {
			continue
		}
		found := false
		for _, m := range v.Matches {
			if m.Category == tt.category && m.Suggestion == tt.suggestion && m.Reason != "" {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: no %s match with suggestion %q and a reason in %+v", tt.text, tt.category, tt.suggestion, v.Matches)
		}
	}
	// A viewer asking about the price is not the brand's advertising.
	if v := e.Moderate("最安値ですか？", SourceChat); v.Action != ActionAllow {
		t.Errorf("chat question about 最安値: %s %+v", v.Action, v.Matches)
	}
}

func TestTestMode(t *testing.T) {
	e, err := New(Config{Test: true, NoReadings: true})
	if err != nil {
		t.Fatal(err)
	}
	v := e.Moderate("しね", SourceChat)
	if v.Action != ActionAllow || v.WouldAction != ActionBlock || !v.Test || len(v.Matches) == 0 {
		t.Errorf("test mode verdict %+v", v)
	}
}

func TestBadInput(t *testing.T) {
	e := engine(t)
	big := strings.Repeat("あ", 100_000/3)
	tests := []struct {
		name, text string
		action     string
		rule       string
	}{
		{"empty", "", ActionAllow, ""},
		{"invalid utf-8", "\xff\xfeし\xffね", ActionBlock, "profanity:しね"},
		{"control chars", "し\x00\x01ね\x7f", ActionBlock, "profanity:しね"},
		{"bidi override", "\u202eこんにちは\u202c", ActionHold, "spam.bidi"},
		{"100 kB", big, ActionBlock, "length.oversize"},
	}
	for _, tt := range tests {
		v := e.Moderate(tt.text, SourceChat)
		if v.Action != tt.action || (tt.rule != "" && !slices.Contains(v.Rules, tt.rule)) {
			t.Errorf("%s: %s %v, want %s with %s", tt.name, v.Action, v.Rules, tt.action, tt.rule)
		}
		if tt.rule == "length.oversize" && !strings.Contains(v.Reason, "too long") {
			t.Errorf("%s: reason %q", tt.name, v.Reason)
		}
		n := utf8.RuneCountInString(tt.text)
		for _, m := range v.Matches {
			if m.Start < 0 || m.End > n || m.Start > m.End {
				t.Errorf("%s: match [%d,%d) out of %d runes", tt.name, m.Start, m.End, n)
			}
		}
	}
	// Host transcripts may be long; 100 kB is still over the host limit.
	if v := e.Moderate(strings.Repeat("シミが消える", 20000), SourceHost); v.Action != ActionBlock {
		t.Errorf("oversize host text: %s", v.Action)
	}
}

type labelled struct {
	Text   string `json:"text"`
	Expect string `json:"expect"` // catch or allow
	Source string `json:"source"`
	Note   string `json:"note"`
}

func readLabelled(t *testing.T, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s line %d: %v", path, line, err)
		}
		if l.Expect != "catch" && l.Expect != "allow" {
			t.Fatalf("%s line %d: expect %q", path, line, l.Expect)
		}
		out = append(out, l)
	}
	return out
}

// TestEvasionSet is the project's own test set: evasion variants that must be caught (not
// allowed) and look-alike innocent messages that must stay allowed, Japanese and English.
func TestEvasionSet(t *testing.T) {
	e := engine(t)
	set := readLabelled(t, "testdata/evasion.jsonl")
	var catch, caught, allow, falsePos int
	for _, l := range set {
		src, err := ParseSource(l.Source)
		if err != nil {
			t.Fatal(err)
		}
		v := e.Moderate(l.Text, src)
		if l.Expect == "catch" {
			catch++
			if v.Action != ActionAllow {
				caught++
			} else {
				t.Logf("missed (%s, %s): %q", l.Source, l.Note, l.Text)
			}
			continue
		}
		allow++
		if v.Action != ActionAllow {
			falsePos++
			t.Logf("false positive (%s): %q → %s %v", l.Source, l.Text, v.Action, v.Rules)
		}
	}
	recall := float64(caught) / float64(catch)
	fpr := float64(falsePos) / float64(allow)
	t.Logf("evasion set: must-catch %d, caught %d, recall %.3f; must-allow %d, false positives %d (%.1f%%)",
		catch, caught, recall, allow, falsePos, 100*fpr)
	if recall < 0.95 {
		t.Errorf("recall %.3f < 0.95", recall)
	}
	if fpr > 0.05 {
		t.Errorf("false positive rate %.3f > 0.05", fpr)
	}
}

// Inputs built to make a scanner quadratic must still be cheap; this checks they finish and
// keep offsets in range (timing is for the benchmarks, not asserted).
func TestAdversarialShapes(t *testing.T) {
	e := engine(t)
	for name, text := range map[string]string{
		"dotted tld": strings.Repeat("co.", 6000),
		"masks":      strings.Repeat("○あ", 9000),
		"digits":     strings.Repeat("1-", 9000),
		"at signs":   strings.Repeat("a@", 9000),
		"zero width": strings.Repeat("し\u200b", 9000),
		"repeats":    strings.Repeat("ab", 9000),
	} {
		v := e.Moderate(text, SourceHost)
		n := utf8.RuneCountInString(text)
		for _, m := range v.Matches {
			if m.Start < 0 || m.End > n || m.Start > m.End {
				t.Errorf("%s: match [%d,%d) out of %d runes", name, m.Start, m.End, n)
			}
		}
	}
}
