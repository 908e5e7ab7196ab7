package textnorm

import "testing"

func TestClean(t *testing.T) {
	tests := []struct {
		in, line, text string
	}{
		{"admin", "admin", "admin"},
		{"\u202Enimda\u202C", "nimda", "nimda"},
		{"  ゆか\u200Bり  ", "ゆかり", "  ゆかり  "},
		{"a\x00b\x1bc", "abc", "abc"},
		{"two\nlines\tand\rcr", "twolinesandcr", "two\nlines\tandcr"},
		{"家族👨\u200D👩\u200D👧", "家族👨\u200D👩\u200D👧", "家族👨\u200D👩\u200D👧"}, // the joiner stays
		{"\u2067isolate\u2069 \u200Fmark", "isolate mark", "isolate mark"},
		{"\u0085next line", "next line", "next line"},
	}
	for _, tt := range tests {
		if got := CleanLine(tt.in); got != tt.line {
			t.Errorf("CleanLine(%q) = %q, want %q", tt.in, got, tt.line)
		}
		if got := CleanText(tt.in); got != tt.text {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.text)
		}
	}
	if i, r := FirstControl("ok\nfine\x00bad"); i != 7 || r != 0 {
		t.Errorf("FirstControl = %d %q", i, r)
	}
	if i, _ := FirstControl("clean\ttext\n"); i != -1 {
		t.Errorf("FirstControl on clean text = %d", i)
	}
}

func FuzzCleanLine(f *testing.F) {
	for _, s := range []string{"", "admin", "\u202Enimda", "a\x00", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := CleanLine(s)
		if needsClean(out, false) {
			t.Fatalf("CleanLine(%q) = %q still has characters to drop", s, out)
		}
		if CleanLine(out) != out {
			t.Fatalf("CleanLine is not idempotent on %q", s)
		}
	})
}
