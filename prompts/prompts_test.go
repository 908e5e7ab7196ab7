package prompts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultRendersEveryAnswer(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{
		"Name": "リップティント", "Price": "2,980円", "Regular": "3,980円", "OnSale": true, "SoldOut": false, "Stock": 3,
		"Label": "カラー", "Value": "ピンク", "Hit": "ピンク", "Sentence": false, "Clause": false, "OtherName": "ライナー", "OtherPrice": "1,650円",
		"Policy": map[string]any{"Fee": "550円", "FreeOver": "5,000円", "ShipDays": 3, "ShippingNote": "", "ReturnDays": 8, "ReturnsNote": ""},
	}
	for _, lang := range []string{"ja", "en"} {
		for _, name := range []string{"price", "stock_in", "stock_out", "stock_unknown", "attribute", "attribute_hit", "unknown", "overview", "comparison", "shipping", "returns", "none"} {
			out, err := s.Answer(lang, name, data)
			if err != nil {
				t.Errorf("%s/%s: %v", lang, name, err)
				continue
			}
			if out == "" {
				t.Errorf("%s/%s: empty", lang, name)
			}
		}
	}
	out, _ := s.Answer("ja", "price", data)
	if out != "リップティントは税込2,980円（セール中・通常3,980円）です！" {
		t.Errorf("ja price = %q", out)
	}
	// A value that is a sentence or a clause reads as one: no 「…してください。です！」.
	for _, tt := range []struct {
		lang             string
		sentence, clause bool
		value, want      string
	}{
		{"ja", false, false, "ピンク", "リップティントのカラーはピンクです！"},
		{"ja", true, false, "唇に塗ってください。", "リップティントのカラーは、唇に塗ってください。"},
		{"ja", false, true, "直射日光を避けて保存", "リップティントのカラーは「直射日光を避けて保存」です！"},
		{"en", false, false, "pink", "The カラー of リップティント: pink."},
		{"en", true, false, "Apply to lips.", "The カラー of リップティント: Apply to lips."},
	} {
		data["Value"], data["Sentence"], data["Clause"] = tt.value, tt.sentence, tt.clause
		if out, err := s.Answer(tt.lang, "attribute", data); err != nil || out != tt.want {
			t.Errorf("%s attribute %q = %q, %v; want %q", tt.lang, tt.value, out, err, tt.want)
		}
	}
	if s.Policy.ShippingFee != 550 || s.Policy.ReturnWithinDays != 8 {
		t.Errorf("default policy = %+v", s.Policy)
	}
	sys, err := s.System(map[string]any{"Persona": s.Persona, "Lang": "ja", "FirstPerson": "私たち", "SignOff": "", "Facts": "{}", "Policy": "{}", "Context": []string{"今日はティント特集"}})
	if err != nil || !strings.Contains(sys, "<viewer_message>") || !strings.Contains(sys, "今日はティント特集") {
		t.Errorf("system prompt = %q, %v", sys, err)
	}
}

func TestLoadBrand(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "persona.json"), []byte(`{"brand":"Hanaya","tone":"やさしく","first_person":{"ja":"わたくしども","en":"we"},"sign_off":{"ja":"Hanayaでした♪","en":"- Hanaya"}}`), 0o644)
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Persona.Brand != "Hanaya" || s.Persona.SignOff.In("ja") != "Hanayaでした♪" || s.Policy.ShippingFee != 550 {
		t.Errorf("brand set = %+v %+v", s.Persona, s.Policy)
	}
	os.WriteFile(filepath.Join(dir, "policy.json"), []byte(`{"shipping_fee": "free"}`), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "policy.json") {
		t.Errorf("malformed policy: err = %v, want one naming policy.json", err)
	}
}
