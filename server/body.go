package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// checkJSON refuses what encoding/json would silently change or pick between: invalid UTF-8 (it
// would become U+FFFD), lone UTF-16 surrogates in escapes (likewise), and duplicate member names
// (the last would win). It runs before decoding, on every JSON body.
func checkJSON(body []byte) error {
	if !utf8.Valid(body) {
		off := 0
		for off < len(body) {
			r, size := utf8.DecodeRune(body[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return errorf(http.StatusBadRequest, "request body is not valid UTF-8: byte %d (line %s) is 0x%02X",
			off, lineCol(body, int64(off)), body[off])
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if _, err := dec.ReadValue(); err != nil {
		var se *jsontext.SyntacticError
		if !errors.As(err, &se) {
			return nil // plain syntax errors are described by the decoder that follows
		}
		where := ""
		if p := string(se.JSONPointer); p != "" {
			where = " in " + p
		}
		msg := se.Err.Error()
		switch {
		case strings.Contains(msg, "duplicate"):
			return errorf(http.StatusBadRequest, "malformed JSON at %s: duplicate field%s", position(body, se.ByteOffset), where)
		case strings.Contains(msg, "surrogate"):
			return errorf(http.StatusBadRequest, "malformed JSON at %s: a lone UTF-16 surrogate escape%s is not a character", position(body, se.ByteOffset), where)
		}
	}
	return nil
}

// lineCol is "L, column C" of a byte offset.
func lineCol(body []byte, off int64) string {
	p := position(body, off) // "byte N (line L, column C)"
	if i := strings.Index(p, "(line "); i >= 0 {
		return strings.TrimSuffix(p[i+len("(line "):], ")")
	}
	return fmt.Sprint(off)
}
