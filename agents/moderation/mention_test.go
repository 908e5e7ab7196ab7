package moderation

import "testing"

// TestMentionIsNotUse: an abusive word quoted, reported or refused passes in chat; used, it does not.
func TestMentionIsNotUse(t *testing.T) {
	eng, err := NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		flag bool
	}{
		{"しね！って言われたら悲しいよね", false},
		{"しねしね言わないでね笑", false},
		{"バカって言わないで", false},
		{"「きもい」って書き込む人いるけど気にしないで", false},
		{"しね", true},
		{"お前しねよ", true},
		{"しねって言ってんだよ", true},
		{"バカじゃないの", true},
	} {
		v := eng.Moderate(tc.text, SourceChat)
		if got := v.Action != ActionAllow; got != tc.flag {
			t.Errorf("%q: flagged %v (%s %v), want %v", tc.text, got, v.Action, v.Categories, tc.flag)
		}
	}
}
