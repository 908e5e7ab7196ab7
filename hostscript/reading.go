package hostscript

import (
	"fmt"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

// NewKagomeReader is a Reader on kagome with the IPA dictionary (loaded once per process and
// shared with the other packages that use it), so a script in kanji follows speech-to-text output
// in kana. The Reader is safe for concurrent use.
func NewKagomeReader() (Reader, error) {
	tok, err := tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
	if err != nil {
		return nil, fmt.Errorf("script: japanese tokenizer: %w", err)
	}
	return func(text string) []Word {
		var out []Word
		for _, tk := range tok.Tokenize(text) {
			start := utf8.RuneCountInString(text[:tk.Position])
			w := Word{Start: start, End: start + utf8.RuneCountInString(tk.Surface)}
			if r, ok := tk.Reading(); ok && r != "*" {
				w.Reading = r
			}
			out = append(out, w)
		}
		return out
	}, nil
}
