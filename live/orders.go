package live

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/livehost/livehost/show"
)

// OrderLineKey identifies an order line: an order's quantity of one SKU. A line already in the
// log is not imported again.
func OrderLineKey(orderID, sku string) string { return orderID + "\x1f" + sku }

// OrdersResult is what an import of order lines did.
type OrdersResult struct {
	Imported  int   `json:"imported"`  // lines appended to the log
	Duplicate int   `json:"duplicate"` // lines the log (or this import) already had
	LastSeq   int64 `json:"last_seq,omitempty"`
}

// MaxOrderLines bounds one import.
const MaxOrderLines = 100_000

// ImportOrders appends order lines to a show's log as order.imported events, skipping lines
// (order ID and SKU) the log already holds, so importing the same export twice adds nothing.
// Lines go in chunks of one append each: if one fails, the chunks before it stay and importing
// again resumes.
func (rt *Runtime) ImportOrders(ctx context.Context, showID string, lines []show.OrderImported) (OrdersResult, error) {
	var res OrdersResult
	if len(lines) > MaxOrderLines {
		return res, invalidf("%d order lines at once, more than %d", len(lines), MaxOrderLines)
	}
	for i, l := range lines {
		if err := checkOrderLine(l); err != nil {
			return res, invalidf("order line %d: %v", i+1, err)
		}
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return res, err
	}
	for len(lines) > 0 {
		chunk := lines[:min(len(lines), maxEventsPerRequest)]
		lines = lines[len(chunk):]
		var dup int
		out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
			dup = 0
			seen := map[string]bool{}
			var evs []show.NewEvent
			for _, l := range chunk {
				k := OrderLineKey(l.OrderID, l.SKU)
				if v.orders[k] || seen[k] {
					dup++
					continue
				}
				seen[k] = true
				evs = append(evs, event(show.TypeOrderImported, l))
			}
			return evs, nil
		})
		if err != nil {
			return res, err
		}
		res.Imported += len(out)
		res.Duplicate += dup
		if len(out) > 0 {
			res.LastSeq = out[len(out)-1].Seq
		}
	}
	return res, nil
}

func checkOrderLine(l show.OrderImported) error {
	switch {
	case strings.TrimSpace(l.OrderID) == "":
		return fmt.Errorf("order_id is empty")
	case strings.TrimSpace(l.SKU) == "":
		return fmt.Errorf("sku is empty")
	case len(l.OrderID) > 200 || len(l.SKU) > show.MaxSKULen:
		return fmt.Errorf("order_id (200 bytes max) or sku (%d) is too long", show.MaxSKULen)
	case !utf8.ValidString(l.OrderID) || !utf8.ValidString(l.SKU) || !utf8.ValidString(l.Currency) || !utf8.ValidString(l.Source):
		return fmt.Errorf("order_id, sku, currency and source must be valid UTF-8")
	case l.Quantity <= 0 || l.Quantity > 1_000_000:
		return fmt.Errorf("quantity %d is not from 1 to 1000000", l.Quantity)
	case l.Price < 0 || l.Price > 1e12 || l.Price != l.Price:
		return fmt.Errorf("price %v is not a price", l.Price)
	case l.OrderedAt.IsZero() || l.OrderedAt.Year() < 2000 || l.OrderedAt.After(time.Now().Add(48*time.Hour)):
		return fmt.Errorf("ordered_at %v is not a plausible order time", l.OrderedAt)
	case len(l.Currency) > 8 || len(l.Source) > 32:
		return fmt.Errorf("currency (8 bytes max) or source (32) is too long")
	}
	return nil
}
