package catalog

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// csvColumns maps header names (lower case) onto Product fields.
var csvColumns = map[string]string{
	"sku": "sku", "id": "sku", "product_id": "sku", "品番": "sku",
	"name": "name", "title": "name", "商品名": "name",
	"brand": "brand", "vendor": "brand", "ブランド": "brand",
	"category": "category", "type": "category", "カテゴリ": "category", "カテゴリー": "category",
	"price": "price", "価格": "price", "定価": "price",
	"sale_price": "sale_price", "sale price": "sale_price", "セール価格": "sale_price",
	"currency": "currency", "通貨": "currency",
	"stock": "stock", "inventory": "stock", "在庫": "stock", "在庫数": "stock",
	"description": "description", "説明": "description", "商品説明": "description",
	"tags": "tags", "タグ": "tags",
	"related": "related", "related_skus": "related", "関連商品": "related",
	"url": "url", "link": "url",
	"image": "image", "image_url": "image", "画像": "image",
}

// csvReader returns a tolerant CSV reader: lazy quotes, any number of fields, BOM stripped.
func csvReader(br *bufio.Reader) *csv.Reader {
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	r := csv.NewReader(br)
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	return r
}

// csvRows calls row for every data record with its line number; a record the CSV reader cannot
// parse is passed as a reject.
func csvRows(r *csv.Reader, name string, res *ReadResult, row func(line int, rec []string)) error {
	lastErrLine := -1
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if pe.StartLine == lastErrLine {
					return nil // the reader cannot move on
				}
				lastErrLine = pe.StartLine
				res.Rejects = append(res.Rejects, Reject{File: name, Line: pe.StartLine, Reason: "malformed CSV: " + pe.Err.Error()})
				continue
			}
			return err
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line inside quotes-free data
		}
		row(line, rec)
	}
}

// readCSV reads a CSV with the Product columns (sku, name, brand, category, price, sale_price,
// currency, stock, description, tags, related, url, image), one "attr:NAME" column per attribute
// (several values joined by "|"), and keeps any other column as an attribute of that name. Tags and
// related SKUs are "|"-separated too.
func readCSV(br *bufio.Reader, name string) (*ReadResult, error) {
	r := csvReader(br)
	header, err := r.Read()
	if err == io.EOF {
		return &ReadResult{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	type column struct {
		field string // a Product field, or "" for an attribute
		attr  string
	}
	cols := make([]column, len(header))
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, fmt.Errorf("%s:1: header column %d is not valid UTF-8", name, i+1)
		}
		h = strings.TrimSpace(norm.NFKC.String(h))
		lh := strings.ToLower(h)
		switch {
		case strings.HasPrefix(lh, "attr:"):
			cols[i] = column{attr: strings.TrimSpace(h[len("attr:"):])}
		case csvColumns[lh] != "":
			cols[i] = column{field: csvColumns[lh]}
		default:
			cols[i] = column{attr: h}
		}
	}
	res := &ReadResult{}
	seen := dedup{}
	err = csvRows(r, name, res, func(line int, rec []string) {
		p, perr := func() (Product, error) {
			var p Product
			if len(rec) > len(header) {
				for i, c := range cols {
					if c.field == "sku" {
						p.SKU = strings.TrimSpace(rec[i])
					}
				}
				return p, rejectf("%d fields, the header has %d", len(rec), len(header))
			}
			hasPrice := false
			for i, v := range rec {
				c := cols[i]
				if c.field == "" {
					if c.attr != "" {
						addAttr(&p, c.attr, splitList(v, "|")...)
					}
					continue
				}
				v = strings.TrimSpace(v)
				switch c.field {
				case "sku":
					p.SKU = v
				case "name":
					p.Name = v
				case "brand":
					p.Brand = v
				case "category":
					p.Category = v
				case "currency":
					p.Currency = v
				case "description":
					p.Description = v
				case "url":
					p.URL = v
				case "image":
					p.Image = v
				case "tags":
					p.Tags = splitList(v, "|")
				case "related":
					p.Related = splitList(v, "|")
				}
			}
			// Numbers after the text fields, so a rejection can name the sku.
			for i, v := range rec {
				if !utf8.ValidString(v) {
					return p, rejectf("invalid UTF-8")
				}
				switch cols[i].field {
				case "price":
					if strings.TrimSpace(v) == "" {
						continue
					}
					f, err := parseAmount(v)
					if err != nil {
						return p, rejectf("bad price: %v", err)
					}
					p.Price, hasPrice = f, true
				case "sale_price":
					if strings.TrimSpace(v) == "" {
						continue
					}
					f, err := parseAmount(v)
					if err != nil {
						return p, rejectf("bad sale price: %v", err)
					}
					p.SalePrice = &f
				case "stock":
					if strings.TrimSpace(v) == "" {
						continue
					}
					n, err := parseCount(v)
					if err != nil {
						return p, rejectf("bad stock: %v", err)
					}
					p.Stock = &n
				}
			}
			if err := finishProduct(&p); err != nil {
				return p, err
			}
			if !hasPrice {
				return p, rejectf("missing price")
			}
			return p, seen.check(p.SKU, line)
		}()
		if perr != nil {
			sku := p.SKU
			if !utf8.ValidString(sku) {
				sku = strings.ToValidUTF8(sku, "?")
			}
			res.Rejects = append(res.Rejects, Reject{File: name, Line: line, SKU: sku, Reason: reasonOf(perr)})
			return
		}
		res.Products = append(res.Products, p)
	})
	return res, err
}
