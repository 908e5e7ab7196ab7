package catalog

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// readShopify reads a Shopify product export. Rows are grouped by Handle into one product whose SKU
// is the handle: the first row with a Title carries the product fields (Title, Body (HTML) with tags
// stripped, Vendor → brand, Type → category, Tags, Image Src); every row with a Variant Price is a
// variant. OptionN Name/Value become attributes holding the values of all variants. The price is the
// cheapest variant's: when its Compare At Price is higher, that is the list price and Variant Price
// the sale price. Stock is the sum of Variant Inventory Qty (negative counts as 0); it stays unknown
// when the export has no inventory column.
func readShopify(br *bufio.Reader, name string) (*ReadResult, error) {
	r := csvReader(br)
	header, err := r.Read()
	if err == io.EOF {
		return &ReadResult{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(norm.NFKC.String(h)))] = i
	}
	if _, ok := col["handle"]; !ok {
		return nil, fmt.Errorf("%s:1: not a Shopify product export: no Handle column", name)
	}
	_, hasQty := col["variant inventory qty"]

	type group struct {
		p          Product
		line       int // first line of the handle
		titled     bool
		bad        string // a reason that rejects the whole product
		badLine    int
		variants   int
		minPrice   float64
		minCompare float64
		stock      int
		options    [3]string // option names from the titled row
	}
	var order []string
	groups := map[string]*group{}
	res := &ReadResult{}

	err = csvRows(r, name, res, func(line int, rec []string) {
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		for _, v := range rec {
			if !utf8.ValidString(v) {
				res.Rejects = append(res.Rejects, Reject{File: name, Line: line, SKU: strings.ToValidUTF8(get("handle"), "?"), Reason: "invalid UTF-8"})
				return
			}
		}
		handle := get("handle")
		if handle == "" {
			res.Rejects = append(res.Rejects, Reject{File: name, Line: line, Reason: "missing sku (empty Handle)"})
			return
		}
		g := groups[handle]
		if g == nil {
			g = &group{p: Product{SKU: handle}, line: line}
			groups[handle] = g
			order = append(order, handle)
		}
		if title := get("title"); title != "" {
			if g.titled {
				res.Rejects = append(res.Rejects, Reject{File: name, Line: line, SKU: handle,
					Reason: fmt.Sprintf("duplicate sku %s (first on line %d)", handle, g.line)})
				return
			}
			g.titled = true
			g.p.Name = title
			g.p.Description = stripHTML(get("body (html)"))
			g.p.Brand = get("vendor")
			g.p.Category = get("type")
			if g.p.Category == "" {
				if pc := get("product category"); pc != "" {
					parts := strings.Split(pc, ">")
					g.p.Category = strings.TrimSpace(parts[len(parts)-1])
				}
			}
			g.p.Tags = splitList(get("tags"), ",")
			for i := range g.options {
				g.options[i] = get(fmt.Sprintf("option%d name", i+1))
			}
		}
		if img := get("image src"); img != "" && g.p.Image == "" {
			g.p.Image = img
		}
		if vimg := get("variant image"); vimg != "" && g.p.Image == "" {
			g.p.Image = vimg
		}
		priceText := get("variant price")
		if priceText == "" {
			return // an image-only row
		}
		price, perr := parseAmount(priceText)
		if perr != nil {
			res.Rejects = append(res.Rejects, Reject{File: name, Line: line, SKU: handle, Reason: fmt.Sprintf("bad price: %v", perr)})
			return
		}
		compare := 0.0
		if ct := get("variant compare at price"); ct != "" {
			c, cerr := parseAmount(ct)
			if cerr != nil {
				res.Rejects = append(res.Rejects, Reject{File: name, Line: line, SKU: handle, Reason: fmt.Sprintf("bad compare-at price: %v", cerr)})
				return
			}
			compare = c
		}
		qty := 0
		if qt := get("variant inventory qty"); qt != "" {
			q, qerr := parseCount(qt)
			if qerr != nil {
				res.Rejects = append(res.Rejects, Reject{File: name, Line: line, SKU: handle, Reason: fmt.Sprintf("bad stock: %v", qerr)})
				return
			}
			qty = max(q, 0)
		}
		if g.variants == 0 || price < g.minPrice {
			g.minPrice, g.minCompare = price, compare
		}
		g.variants++
		g.stock += qty
		for i := range g.options {
			optName := g.options[i]
			if optName == "" {
				optName = get(fmt.Sprintf("option%d name", i+1))
			}
			val := get(fmt.Sprintf("option%d value", i+1))
			if optName == "" || val == "" || (strings.EqualFold(optName, "title") && val == "Default Title") {
				continue
			}
			addAttr(&g.p, optName, val)
		}
		if vs := get("variant sku"); vs != "" {
			addAttr(&g.p, "variant_sku", vs)
		}
	})
	if err != nil {
		return res, err
	}
	for _, h := range order {
		g := groups[h]
		reject := func(reason string) {
			res.Rejects = append(res.Rejects, Reject{File: name, Line: g.line, SKU: h, Reason: reason})
		}
		if !g.titled {
			reject("missing name (no row of this Handle has a Title)")
			continue
		}
		if g.variants == 0 {
			reject("missing price (no variant with a valid Variant Price)")
			continue
		}
		p := g.p
		p.Price = g.minPrice
		if g.minCompare > g.minPrice {
			sale := g.minPrice
			p.Price, p.SalePrice = g.minCompare, &sale
		}
		if hasQty {
			s := g.stock
			p.Stock = &s
		}
		if err := finishProduct(&p); err != nil {
			reject(reasonOf(err))
			continue
		}
		res.Products = append(res.Products, p)
	}
	return res, nil
}

// stripHTML turns a product body into plain text: tags dropped (script and style with their
// content), block ends and <br> as line breaks, entities decoded, blank runs collapsed.
func stripHTML(s string) string {
	var b strings.Builder
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break // an unclosed tag: drop the rest
		}
		tag := lower[i+1 : i+end]
		i += end + 1
		tagName := strings.TrimLeft(tag, "/")
		if k := strings.IndexAny(tagName, " \t\n/"); k >= 0 {
			tagName = tagName[:k]
		}
		if !strings.HasPrefix(tag, "/") && (tagName == "script" || tagName == "style") {
			closeTag := "</" + tagName
			k := strings.Index(lower[i:], closeTag)
			if k < 0 {
				break
			}
			i += k
			continue
		}
		switch tagName {
		case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table":
			b.WriteByte('\n')
		case "td", "th":
			b.WriteByte(' ')
		}
	}
	text := html.UnescapeString(b.String())
	var out []string
	for _, ln := range strings.Split(text, "\n") {
		if ln = strings.Join(strings.Fields(ln), " "); ln != "" {
			out = append(out, ln)
		}
	}
	return strings.Join(out, "\n")
}
