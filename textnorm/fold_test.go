package textnorm

import "testing"

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ﾘｯﾌﾟ", "りっぷ"},
		{"リップ", "りっぷ"},
		{"りっぷ", "りっぷ"},
		{"ＳＥＸ", "sex"},
		{"Lip Tint", "lip tint"},
		{"黒いデニム", "黒いでにむ"},
		{"ｶﾞｰﾄﾞ", "がーど"},
		{"bad\xffutf8", "badutf8"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"ﾘｯﾌﾟ", "ＳＥＸ", "\xff\xfe", "し\u200bね", "ﾌ\xefﾟ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Fold(s)
		if Fold(out) != out {
			t.Errorf("Fold is not idempotent on %q: %q then %q", s, out, Fold(out))
		}
	})
}
