package moderation

import "testing"

// TestAimedAndGroupInsults: words that are everyday on their own (荒らし, 無職, ゴミ, 嫌い) count when
// aimed at a person or a group of people, and pass in ordinary shopping chat.
func TestAimedAndGroupInsults(t *testing.T) {
	eng, err := NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		cat  string // "" when the line must pass
	}{
		{"てめえは役立たずだな", CatHarassment},
		{"こいつら頭おかしい", CatHarassment},
		{"おまえ邪魔なんだよ", CatHarassment},
		{"あのチーム、クズしかいない", CatHarassment},
		{"黙れニート", CatHarassment},
		{"ニートは黙れ", CatHarassment},
		{"地獄に落ちろ", CatHarassment},
		{"ざまあみろ", CatHarassment},
		{"外国人って民度低いよな", CatDiscrimination},
		{"韓国人は信用できない", CatDiscrimination},
		{"覚醒剤売ってます", CatIllegal},
		{"闇バイト紹介するよ", CatIllegal},
		{"孕ませたい", CatSexual},

		{"お前の分も買っといたよ", ""},
		{"あんたのおかげで助かった、ありがとう", ""},
		{"「お前は無能」って言われた", ""},
		{"ゴミ袋付きですか？", ""},
		{"ゴミが出にくいパッケージ", ""},
		{"しゃぶしゃぶ用のお肉ありますか", ""},
		{"韓国コスメが好き", ""},
		{"中国茶は苦手で嫌いなんです", ""},
		{"彼女はこの色が嫌いで", ""},
		{"日本人の肌に合う処方です", ""},
		{"偽造防止ホログラム付き", ""},
		{"言ってるそばから売り切れた", ""},
		{"万引き防止タグは外してあります", ""},
		{"無職でも分割払いできますか", ""},
	} {
		v := eng.Moderate(tc.text, SourceChat)
		flagged := v.Action != ActionAllow
		if tc.cat == "" {
			if flagged {
				t.Errorf("%q: %s %v, want allow", tc.text, v.Action, v.Rules)
			}
			continue
		}
		if !flagged || len(v.Categories) == 0 || v.Categories[0] != tc.cat {
			t.Errorf("%q: %s %v, want %s", tc.text, v.Action, v.Categories, tc.cat)
		}
	}
}

// TestNetInsultWords: contempt and disgust words hold; the everyday phrases around them pass.
func TestNetInsultWords(t *testing.T) {
	eng, err := NewDefault()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		flag bool
	}{
		{"消えればいいのに", true},
		{"胸糞悪い配信", true},
		{"バカ丸出しだな", true},
		{"国へ帰れ", true},
		{"脳死判定の話はやめて", false},
		{"ブザーが鳴りますか", false},
		{"国内配送ですか", false},
	} {
		v := eng.Moderate(tc.text, SourceChat)
		if got := v.Action != ActionAllow; got != tc.flag {
			t.Errorf("%q: flagged %v (%s %v), want %v", tc.text, got, v.Action, v.Rules, tc.flag)
		}
	}
}
