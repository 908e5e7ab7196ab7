package avatar

import (
	"reflect"
	"strings"
	"testing"

	"github.com/livehost/livehost/show"
)

// TestSplitter: streamed tokens come out as whole sentences, each as soon as the next one has
// begun, and the rest at the end; nothing is lost or joined wrongly.
func TestSplitter(t *testing.T) {
	cases := []struct {
		name   string
		tokens []string
		early  []string // sentences out before the end
		all    []string
	}{
		{"japanese", []string{"今なら", "1,580円", "です。", "色もち", "が良い", "です！", "！"}, []string{"今なら1,580円です。"},
			[]string{"今なら1,580円です。", "色もちが良いです！！"}},
		{"english spaces kept", []string{"It is", " ¥1,580.", " Try", " it", " today."}, []string{"It is ¥1,580."}, []string{"It is ¥1,580.", "Try it today."}},
		{"brackets stay", []string{"「いい", "。」と", "評判です。", "ぜひ"}, []string{"「いい。」と評判です。"}, []string{"「いい。」と評判です。", "ぜひ"}},
		{"nothing", []string{""}, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s splitter
			var early, all []string
			for _, tok := range tc.tokens {
				s.WriteString(tok)
				out := s.complete()
				early = append(early, out...)
				all = append(all, out...)
			}
			all = append(all, s.rest()...)
			if !reflect.DeepEqual(early, tc.early) || !reflect.DeepEqual(all, tc.all) {
				t.Fatalf("early %q all %q, want %q %q", early, all, tc.early, tc.all)
			}
		})
	}
}

// TestMemoryBounded: however many lines are said, the memory holds the last size lines and a
// summary whose length does not grow with the show.
func TestMemoryBounded(t *testing.T) {
	m := newMemory(5)
	var first int
	for i := 0; i < 100000; i++ {
		u := show.AvatarUtterance{Text: strings.Repeat("あ", i%7+1) + "。", SKU: "SKU-" + string(rune('A'+i%80)), Kind: KindTalk}
		if i%10 == 0 {
			u.Kind, u.Question = KindAnswer, "いくらですか？"+string(rune('a'+i%26))
		}
		m.add(u)
		if i == 10000 {
			first = len(m.summary())
		}
	}
	if len(m.recent()) != 5 || cap(m.lines) > 10 {
		t.Fatalf("recent %d lines (cap %d), want 5", len(m.recent()), cap(m.lines))
	}
	if len(m.perSKU) > memorySKUs+1 || len(m.questions) > memoryQuestions {
		t.Fatalf("summary keeps %d products and %d questions", len(m.perSKU), len(m.questions))
	}
	if n := len(m.summary()); n > first*11/10 { // counts gain a digit, nothing more
		t.Fatalf("summary grew from %d to %d bytes", first, n)
	}
}
