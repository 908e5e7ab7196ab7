package moderation

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzModerate checks that any text gets a verdict with every match inside the original text
// and its Text equal to the runes of its span, from both sources and through ModerateChat.
func FuzzModerate(f *testing.F) {
	for _, s := range []string{"しね", "ｼﾈ", "し\u200bね", "自○", "4ね", "k1ll yourself", "f u c k", "ѕех", "\xff\xfe",
		"ｈｔｔｐ：／／ｅｖｉｌ．ｃｏｍ", "090-1234-5678", "LINE ID: abc_123", "a@b.co", "シミが消える", "業界最安値",
		"\u202eしね", "市ね", "example。com", "ばかばかばかばかばかばか",
		"シミがすーっと消えちゃう", "シミ。消える", "シミが消えるわけではありません", "erases wrinkles", "wrinkles disappear", "通常価格5,000円のところ"} {
		f.Add(s)
	}
	e := engine(f)
	f.Fuzz(func(t *testing.T, s string) {
		runes := []rune(s)
		check := func(v Verdict, src string) {
			switch v.Action {
			case ActionAllow, ActionHold, ActionBlock:
			default:
				t.Fatalf("%s %q: action %q", src, s, v.Action)
			}
			for _, m := range v.Matches {
				if m.Start < 0 || m.End > len(runes) || m.Start > m.End {
					t.Fatalf("%s %q: match %+v outside %d runes", src, s, m, len(runes))
				}
				if m.Text != string(runes[m.Start:m.End]) {
					t.Fatalf("%s %q: match text %q is not the span %q", src, s, m.Text, string(runes[m.Start:m.End]))
				}
			}
			if v.Categories == nil || v.Matches == nil || v.Rules == nil {
				t.Fatalf("%s %q: nil lists in verdict", src, s)
			}
		}
		check(e.Moderate(s, SourceChat), "chat")
		check(e.Moderate(s, SourceHost), "host")
		check(e.ModerateChat(Message{User: "fuzz", Text: s, At: time.Unix(0, 0)}), "chat-history")
		_ = utf8.ValidString(s)
	})
}

// FuzzParseList feeds arbitrary list files to the parser and compiler: an error is fine, a panic
// is not.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{"しね | high | reading\n!シネマ\n", "@category x\n@severity hold\nre:(a|b)c\n", "te*rm | reason=r | suggest=s\n",
		"-しね\n", "@allow-domain a.example\n",
		"@group g 消える~, 治す~5, 解消する~\nシミが, シワ + @g, 改善 | gap=3 | reason=r\n", "@g + x | gap=40\n", "消える~1 | high\n", "~\n", "a + ~\n", "re:(\n", "***\n", "a | bogus\n", "re:\\d+ %\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ls := &listSet{allowDomains: map[string]bool{}}
		if err := ls.parse(strings.NewReader(s), "fuzz.txt"); err != nil {
			return
		}
		m, err := compile(ls, nil, nil)
		if err != nil {
			return
		}
		e := &Engine{cfg: Config{MaxChatRunes: 500, MaxHostRunes: 20000}, flood: NewFlood(FloodConfig{})}
		e.pool.New = func() any { return new(scratch) }
		e.m.Store(m)
		e.Moderate(s, SourceChat)
	})
}
