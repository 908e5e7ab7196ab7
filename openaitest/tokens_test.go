package openaitest_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/livehost/livehost/openaitest"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"ok", []string{"ok"}},
		{"Hello, world!", []string{"Hello", ",", " world", "!"}},
		{"価格は1980円", []string{"価", "格", "は", "1980", "円"}},
		{"  two spaces", []string{" ", " two", " spaces"}},
		{"don't", []string{"don't"}},
		{"café au lait", []string{"café", " au", " lait"}},
		{"{\"sku\":\"LT-001\"}", []string{"{", "\"", "sku", "\"", ":", "\"", "LT", "-", "001", "\"", "}"}},
	}
	for _, tt := range tests {
		got := openaitest.Tokens(tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if n := openaitest.CountTokens(tt.in); n != len(tt.want) {
			t.Errorf("CountTokens(%q) = %d, want %d", tt.in, n, len(tt.want))
		}
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range []string{"Hello, world!", "価格は1,980円です", " a  b ", "bad\xffutf8 \xe3\x81"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := openaitest.Tokens(s)
		if strings.Join(toks, "") != s {
			t.Fatalf("tokens %q do not join back to %q", toks, s)
		}
		if openaitest.CountTokens(s) != len(toks) {
			t.Fatalf("CountTokens = %d, len(Tokens) = %d", openaitest.CountTokens(s), len(toks))
		}
		for _, tok := range toks {
			if tok == "" {
				t.Fatal("empty token")
			}
		}
	})
}
