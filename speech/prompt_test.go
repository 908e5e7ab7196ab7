package speech

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/livehost/livehost/catalog"
)

func TestPrompt(t *testing.T) {
	lineup := []catalog.Product{
		{SKU: "1", Name: "うるツヤ リップティント 03 ローズピンク", Brand: "花美コスメ"},
		{SKU: "2", Name: "ロングキープ リップライナー 02 ヌードベージュ", Brand: "花美コスメ"},
	}
	got := Prompt(lineup, []string{"花美", "うるツヤ"})
	want := "花美、うるツヤ、うるツヤ リップティント 03 ローズピンク、ロングキープ リップライナー 02 ヌードベージュ、花美コスメ"
	if got != want {
		t.Errorf("prompt %q, want %q", got, want)
	}
	var many []catalog.Product
	for range 50 {
		many = append(many, catalog.Product{Name: strings.Repeat("長い商品名", 3) + string(rune('A'+len(many)))})
	}
	if n := utf8.RuneCountInString(Prompt(many, nil)); n > maxPromptRunes {
		t.Errorf("prompt of %d runes, limit %d", n, maxPromptRunes)
	}
	if Prompt(nil, nil) != "" {
		t.Error("empty lineup gives a prompt")
	}
}
