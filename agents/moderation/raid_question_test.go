package moderation

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestRaidSparesQuestions: the same message from many users is a raid, unless the caller found
// it to be a question for the shop; a question still gets the word lists.
func TestRaidSparesQuestions(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		question bool
		wantRaid bool
		wantAct  string
	}{
		{"copy-paste promo", "プロフ見てね最高のお得情報あるよ", false, true, ActionHold},
		{"same shop question", "このリップいくらですか？", true, false, ActionAllow},
		{"question with an insult", "このリップいくらですか？ばーか", true, false, ActionHold},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Config{NoReadings: true})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 11, 21, 20, 0, 0, 0, time.UTC)
			var v Verdict
			for i := range 8 {
				v = e.ModerateChat(Message{User: fmt.Sprintf("viewer%d", i), Text: tt.text, At: at.Add(time.Duration(i) * time.Second), Question: tt.question})
			}
			if got := slices.Contains(v.Rules, "spam.raid"); got != tt.wantRaid {
				t.Errorf("raid = %v, want %v (rules %v)", got, tt.wantRaid, v.Rules)
			}
			if v.Action != tt.wantAct {
				t.Errorf("action = %s, want %s (%+v)", v.Action, tt.wantAct, v)
			}
		})
	}
}
