package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/livehost/livehost/show"
)

// Order export formats.
const (
	FormatShopify = "shopify" // Shopify's order export: Name, Created at, Lineitem sku, Lineitem quantity, Lineitem price
	FormatCSV     = "csv"     // order_id, at, sku, quantity, price (and optional currency)
	FormatJSON    = "json"    // {"orders":[{"order_id","at","sku","quantity","price","currency"}]} or a bare array
)

// Reject is an order row that was not imported, and why.
type Reject struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func (r Reject) String() string { return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Reason) }

// OrdersRead is what an order file held: its valid lines in file order, the rejected rows, and
// how many lines repeated an order ID and SKU already read (counted once).
type OrdersRead struct {
	Format    string               `json:"format"`
	Lines     []show.OrderImported `json:"-"`
	Rejects   []Reject             `json:"rejects"`
	Duplicate int                  `json:"duplicate"`
}

// ReadOptions tune ReadOrders.
type ReadOptions struct {
	// Format is FormatShopify, FormatCSV or FormatJSON; "" detects it from the header.
	Format string
	// Zone is the time zone of times written without an offset (default Japan, UTC+9).
	Zone *time.Location
	// MaxLines bounds the lines read (default 100,000).
	MaxLines int
}

// JST is Japan's time zone (no daylight saving time, so a fixed offset is exact).
var JST = time.FixedZone("JST", 9*60*60)

// ReadOrders reads an order export. A bad row is rejected with its line and the reason and the
// rest is read; an unreadable file or a header with no order columns is an error.
func ReadOrders(rd io.Reader, name string, opt ReadOptions) (*OrdersRead, error) {
	if opt.Zone == nil {
		opt.Zone = JST
	}
	if opt.MaxLines <= 0 {
		opt.MaxLines = 100_000
	}
	br := bufio.NewReader(rd)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	format := opt.Format
	if format == "" {
		head, _ := br.Peek(1)
		if len(head) > 0 && (head[0] == '{' || head[0] == '[') {
			format = FormatJSON
		} else {
			format = FormatCSV // the header tells Shopify's export apart below
		}
	}
	switch format {
	case FormatJSON:
		return readOrdersJSON(br, name, opt)
	case FormatCSV, FormatShopify:
		return readOrdersCSV(br, name, opt)
	}
	return nil, fmt.Errorf("%s: unknown order format %q (want shopify, csv or json)", name, format)
}

// columns of the two CSV formats, by lower-case header name.
var orderColumns = map[string]string{
	"name": "order_id", "order_id": "order_id", "order": "order_id", "order id": "order_id", "注文番号": "order_id",
	"created at": "at", "at": "at", "ordered_at": "at", "created_at": "at", "注文日時": "at",
	"lineitem sku": "sku", "sku": "sku", "品番": "sku",
	"lineitem quantity": "quantity", "quantity": "quantity", "qty": "quantity", "数量": "quantity",
	"lineitem price": "price", "price": "price", "単価": "price",
	"currency": "currency", "通貨": "currency",
}

func readOrdersCSV(br *bufio.Reader, name string, opt ReadOptions) (*OrdersRead, error) {
	r := csv.NewReader(br)
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s:1: header: %w", name, err)
	}
	col := map[string]int{}
	shopify := false
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if strings.HasPrefix(h, "lineitem ") {
			shopify = true
		}
		if f, ok := orderColumns[h]; ok {
			if _, dup := col[f]; !dup {
				col[f] = i
			}
		}
	}
	var missing []string
	for _, f := range []string{"order_id", "at", "sku", "quantity", "price"} {
		if _, ok := col[f]; !ok {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s:1: header has no %s column (Shopify: Name, Created at, Lineitem sku, Lineitem quantity, Lineitem price; plain: order_id, at, sku, quantity, price)",
			name, strings.Join(missing, ", "))
	}
	out := &OrdersRead{Format: FormatCSV}
	source := "csv"
	if shopify {
		out.Format, source = FormatShopify, "shopify"
	}
	seen := map[string]bool{}
	orderAt := map[string]time.Time{} // Shopify leaves order fields blank on an order's later rows
	orderCur := map[string]string{}
	lastErrLine := -1
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if pe.StartLine == lastErrLine {
					break // the reader cannot move on
				}
				lastErrLine = pe.StartLine
				out.Rejects = append(out.Rejects, Reject{File: name, Line: pe.StartLine, Reason: "malformed CSV: " + pe.Err.Error()})
				continue
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(out.Lines) >= opt.MaxLines {
			return nil, fmt.Errorf("%s:%d: more than %d order lines", name, line, opt.MaxLines)
		}
		get := func(f string) string {
			if i, ok := col[f]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		l, err := orderLine(get("order_id"), get("at"), get("sku"), get("quantity"), get("price"), get("currency"), opt.Zone, orderAt, orderCur)
		if err != nil {
			out.Rejects = append(out.Rejects, Reject{File: name, Line: line, Reason: err.Error()})
			continue
		}
		l.Source = source
		k := l.OrderID + "\x1f" + l.SKU
		if seen[k] {
			out.Duplicate++
			continue
		}
		seen[k] = true
		out.Lines = append(out.Lines, l)
	}
	return out, nil
}

type jsonOrder struct {
	OrderID  string          `json:"order_id"`
	At       string          `json:"at"`
	SKU      string          `json:"sku"`
	Quantity json.RawMessage `json:"quantity"`
	Price    json.RawMessage `json:"price"`
	Currency string          `json:"currency"`
}

func readOrdersJSON(br *bufio.Reader, name string, opt ReadOptions) (*OrdersRead, error) {
	b, err := io.ReadAll(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var rows []jsonOrder
	if len(b) > 0 && b[0] == '[' {
		err = json.Unmarshal(b, &rows)
	} else {
		var wrap struct {
			Orders []jsonOrder `json:"orders"`
		}
		err = json.Unmarshal(b, &wrap)
		rows = wrap.Orders
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not an order list (want {\"orders\":[{\"order_id\",\"at\",\"sku\",\"quantity\",\"price\"}]}): %w", name, err)
	}
	if len(rows) > opt.MaxLines {
		return nil, fmt.Errorf("%s: %d order lines, more than %d", name, len(rows), opt.MaxLines)
	}
	out := &OrdersRead{Format: FormatJSON}
	seen := map[string]bool{}
	for i, o := range rows {
		l, err := orderLine(o.OrderID, o.At, o.SKU, rawNumber(o.Quantity), rawNumber(o.Price), o.Currency, opt.Zone, nil, nil)
		if err != nil {
			// In JSON the "line" is the order's 1-based position in the list.
			out.Rejects = append(out.Rejects, Reject{File: name, Line: i + 1, Reason: err.Error()})
			continue
		}
		l.Source = FormatJSON
		k := l.OrderID + "\x1f" + l.SKU
		if seen[k] {
			out.Duplicate++
			continue
		}
		seen[k] = true
		out.Lines = append(out.Lines, l)
	}
	return out, nil
}

func rawNumber(r json.RawMessage) string {
	s := strings.TrimSpace(string(r))
	if uq, err := strconv.Unquote(s); err == nil {
		return uq
	}
	if s == "null" {
		return ""
	}
	return s
}

// orderLine checks and builds one order line. orderAt and orderCur carry an order's time and
// currency to its later rows, which Shopify's export leaves blank.
func orderLine(id, at, sku, qty, price, currency string, zone *time.Location, orderAt map[string]time.Time, orderCur map[string]string) (show.OrderImported, error) {
	var l show.OrderImported
	for _, s := range []string{id, at, sku, qty, price, currency} {
		if !utf8.ValidString(s) {
			return l, errors.New("not valid UTF-8")
		}
	}
	switch {
	case id == "":
		return l, errors.New("no order id")
	case len(id) > 200:
		return l, errors.New("order id longer than 200 bytes")
	case sku == "":
		return l, fmt.Errorf("order %s: line item has no SKU", id)
	case len(sku) > show.MaxSKULen:
		return l, fmt.Errorf("order %s: SKU longer than %d bytes", id, show.MaxSKULen)
	case len(currency) > 8:
		return l, fmt.Errorf("order %s: currency %q is not a currency code", id, currency)
	}
	l.OrderID, l.SKU, l.Currency = id, sku, strings.ToUpper(currency)
	if at == "" {
		t, ok := orderAt[id]
		if !ok {
			return l, fmt.Errorf("order %s: no order time", id)
		}
		l.OrderedAt = t
	} else {
		t, err := parseTime(at, zone)
		if err != nil {
			return l, fmt.Errorf("order %s: %v", id, err)
		}
		l.OrderedAt = t
	}
	if l.Currency == "" && orderCur != nil {
		l.Currency = orderCur[id]
	}
	q, err := parseQuantity(qty)
	if err != nil {
		return l, fmt.Errorf("order %s: quantity %v", id, err)
	}
	p, err := parseAmount(price)
	if err != nil {
		return l, fmt.Errorf("order %s: price %v", id, err)
	}
	l.Quantity, l.Price = q, p
	if orderAt != nil {
		if _, ok := orderAt[id]; !ok {
			orderAt[id] = l.OrderedAt
		}
		if l.Currency != "" {
			orderCur[id] = l.Currency
		}
	}
	return l, nil
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05 -0700", // Shopify
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02T15:04:05-0700",
	"2006-01-02 15:04:05Z07:00",
}

var naiveLayouts = []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006/01/02 15:04:05", "2006-01-02 15:04", "2006/01/02 15:04"}

// parseTime reads an order time: RFC 3339, Shopify's "2006-01-02 15:04:05 -0700", or a time with
// no offset in zone.
func parseTime(s string, zone *time.Location) (time.Time, error) {
	s = norm.NFKC.String(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return checkYear(t.UTC(), s)
		}
	}
	for _, l := range naiveLayouts {
		if t, err := time.ParseInLocation(l, s, zone); err == nil {
			return checkYear(t.UTC(), s)
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not a date and time (2006-01-02 15:04:05 -0700 or RFC 3339)", s)
}

func checkYear(t time.Time, s string) (time.Time, error) {
	if t.Year() < 2000 || t.After(time.Now().Add(48*time.Hour)) {
		return time.Time{}, fmt.Errorf("time %q is not a plausible order time", s)
	}
	return t.Truncate(time.Microsecond), nil
}

// parseAmount reads a price as shops write it: "1980", "1,980.00", "¥1,980", "１９８０円".
func parseAmount(s string) (float64, error) {
	s = norm.NFKC.String(strings.TrimSpace(s))
	s = strings.NewReplacer(",", "", "¥", "", "￥", "", "円", "", "$", "", "JPY", "", "jpy", "", " ", "").Replace(s)
	if s == "" {
		return 0, errors.New("is empty")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e12 {
		return 0, fmt.Errorf("%q is not an amount", s)
	}
	return v, nil
}

func parseQuantity(s string) (int, error) {
	s = strings.ReplaceAll(norm.NFKC.String(strings.TrimSpace(s)), ",", "")
	if s == "" {
		return 0, errors.New("is empty")
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1e6 {
			return 0, fmt.Errorf("%q is not a whole number", s)
		}
		v = int(f)
	}
	if v <= 0 || v > 1_000_000 {
		return 0, fmt.Errorf("%d is not from 1 to 1000000", v)
	}
	return v, nil
}
