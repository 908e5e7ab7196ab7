package evals

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"unicode/utf8"
)

//go:embed thresholds.json data
var dataFS embed.FS

// readJSONL decodes every line of an embedded dataset into T, failing with the file and line of the
// first malformed row: an eval set that cannot be read must never shrink silently.
func readJSONL[T any](name string) ([]T, error) {
	b, err := fs.ReadFile(dataFS, "data/"+name)
	if err != nil {
		return nil, fmt.Errorf("read dataset %s: %w", name, err)
	}
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		if !utf8.Valid(raw) {
			return nil, fmt.Errorf("dataset %s line %d: invalid UTF-8", name, line)
		}
		var v T
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("dataset %s line %d: %w", name, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dataset %s: %w", name, err)
	}
	return out, nil
}
