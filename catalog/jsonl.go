package catalog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// readJSONL reads the canonical format: one JSON object per line with the Product fields. Prices
// may be numbers or strings ("1,980"); attribute values may be one string or a list; fields that
// are not Product fields are kept as attributes. Blank lines are skipped.
func readJSONL(br *bufio.Reader, name string) (*ReadResult, error) {
	res := &ReadResult{}
	seen := dedup{}
	line := 0
	for {
		raw, err := br.ReadBytes('\n')
		if len(raw) > 0 {
			line++
			if line == 1 {
				raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
			}
			if t := bytes.TrimSpace(raw); len(t) > 0 {
				p, perr := parseJSONProduct(t)
				if perr == nil {
					perr = seen.check(p.SKU, line)
				}
				if perr != nil {
					res.Rejects = append(res.Rejects, Reject{File: name, Line: line, SKU: p.SKU, Reason: reasonOf(perr)})
				} else {
					res.Products = append(res.Products, p)
				}
			}
		}
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, err
		}
	}
}

// parseJSONProduct parses one JSONL line. On error the returned product carries the SKU when it
// could be read, for the rejection message.
func parseJSONProduct(line []byte) (Product, error) {
	var p Product
	if !utf8.Valid(line) {
		return p, rejectf("invalid UTF-8")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return p, rejectf("invalid JSON: %s", jsonErrorText(err))
	}
	if raw, ok := fields["sku"]; ok {
		s, err := jsonScalarString(raw)
		if err != nil {
			return p, rejectf("bad sku: %v", err)
		}
		p.SKU = strings.TrimSpace(s)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := fields[k]
		if isJSONNull(raw) {
			continue
		}
		var err error
		switch k {
		case "sku":
		case "name":
			p.Name, err = jsonScalarString(raw)
		case "brand":
			p.Brand, err = jsonScalarString(raw)
		case "category":
			p.Category, err = jsonScalarString(raw)
		case "currency":
			p.Currency, err = jsonScalarString(raw)
		case "description":
			p.Description, err = jsonScalarString(raw)
		case "url":
			p.URL, err = jsonScalarString(raw)
		case "image":
			p.Image, err = jsonScalarString(raw)
		case "price":
			p.Price, err = jsonAmount(raw)
			if err != nil {
				return p, rejectf("bad price: %v", err)
			}
		case "sale_price":
			var v float64
			v, err = jsonAmount(raw)
			if err != nil {
				return p, rejectf("bad sale price: %v", err)
			}
			p.SalePrice = &v
		case "stock":
			var v int
			v, err = jsonCount(raw)
			if err != nil {
				return p, rejectf("bad stock: %v", err)
			}
			p.Stock = &v
		case "tags":
			p.Tags, err = jsonStrings(raw)
		case "related":
			p.Related, err = jsonStrings(raw)
		case "attributes":
			var attrs map[string]json.RawMessage
			if err = json.Unmarshal(raw, &attrs); err != nil {
				return p, rejectf("bad attributes: want an object of name → value or list of values")
			}
			names := make([]string, 0, len(attrs))
			for n := range attrs {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				vs, verr := jsonStrings(attrs[n])
				if verr != nil {
					return p, rejectf("bad attribute %q: %v", n, verr)
				}
				addAttr(&p, n, vs...)
			}
		default:
			// Not a Product field: keep it as an attribute, as the CSV importer does.
			vs, verr := jsonStrings(raw)
			if verr != nil {
				return p, rejectf("bad field %q: %v", k, verr)
			}
			addAttr(&p, k, vs...)
		}
		if err != nil {
			return p, rejectf("bad %s: %v", k, err)
		}
	}
	if _, ok := fields["price"]; !ok {
		if err := finishProduct(&p); err != nil {
			return p, err
		}
		return p, rejectf("missing price")
	}
	return p, finishProduct(&p)
}

func isJSONNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// jsonScalarString accepts a string, number or boolean.
func jsonScalarString(raw json.RawMessage) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case nil:
		return "", nil
	}
	return "", errors.New("want a string")
}

// jsonStrings accepts one scalar or a list of scalars; a string with "|" is not split here.
func jsonStrings(raw json.RawMessage) ([]string, error) {
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(t, &items); err != nil {
			return nil, err
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			if isJSONNull(it) {
				continue
			}
			s, err := jsonScalarString(it)
			if err != nil {
				return nil, errors.New("want a list of strings")
			}
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	s, err := jsonScalarString(raw)
	if err != nil {
		return nil, errors.New("want a string or a list of strings")
	}
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	return []string{s}, nil
}

func jsonAmount(raw json.RawMessage) (float64, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case float64:
		return parseAmount(strconv.FormatFloat(x, 'f', -1, 64))
	case string:
		return parseAmount(x)
	}
	return 0, fmt.Errorf("%s is not an amount", string(raw))
}

func jsonCount(raw json.RawMessage) (int, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case float64:
		return parseCount(strconv.FormatFloat(x, 'f', -1, 64))
	case string:
		return parseCount(x)
	}
	return 0, fmt.Errorf("%s is not a whole number", string(raw))
}

func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at byte %d", se, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "want one JSON object per line"
	}
	return err.Error()
}
