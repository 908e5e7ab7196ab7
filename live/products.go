package live

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/livehost/livehost/catalog"
)

// productCard is a product as the pages show it, with talking points for the host.
type productCard struct {
	catalog.Product
	TalkingPoints []string `json:"talking_points"`
}

// talkingPoints turns catalog facts into short lines a host can read aloud. They come only from the
// catalog (nothing invented): the first sentence of the description, then attributes.
func talkingPoints(p catalog.Product) []string {
	var out []string
	if d := strings.TrimSpace(p.Description); d != "" {
		first := d
		if i := strings.IndexAny(d, "。.!！\n"); i > 0 {
			first = strings.TrimSpace(d[:i+len(string([]rune(d[i:])[0]))])
		}
		out = append(out, first)
	}
	names := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if v := p.Attributes[k]; len(v) > 0 {
			out = append(out, fmt.Sprintf("%s：%s", attrLabel(k), strings.Join(v, "・")))
		}
		if len(out) >= 4 {
			break
		}
	}
	return out
}

// attrLabels name common catalog attributes for a Japanese-speaking host.
var attrLabels = map[string]string{
	"color": "カラー", "size": "サイズ", "material": "素材", "capacity": "容量", "ingredients": "成分",
	"usage": "使い方", "care": "お手入れ", "fit": "シルエット", "spf": "UVカット", "scent": "香り",
	"skin_type": "肌質", "origin": "産地", "dimensions": "サイズ", "weight": "重さ", "allergens": "アレルゲン",
	"shelf_life": "賞味期限", "storage": "保存方法", "compatibility": "対応機種", "battery": "バッテリー", "warranty": "保証",
}

func attrLabel(k string) string {
	if l, ok := attrLabels[k]; ok {
		return l
	}
	return k
}

// productCards are the cards of skus by SKU, each encoded once; SKUs the catalog does not have are
// left out, and a catalog that cannot be read is ErrUnavailable.
func (rt *Runtime) productCards(ctx context.Context, skus []string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	if rt.opt.Agents.Products == nil {
		return out, nil
	}
	for _, sku := range skus {
		if sku == "" {
			continue
		}
		if _, done := out[sku]; done {
			continue
		}
		p, ok, err := rt.opt.Agents.Products.Get(ctx, sku)
		if err != nil {
			return nil, unavailable("catalog", "reading product "+sku, err)
		}
		if !ok {
			continue
		}
		b, err := json.Marshal(productCard{Product: p, TalkingPoints: talkingPoints(p)})
		if err != nil {
			return nil, fmt.Errorf("encode product card %s: %w", sku, err)
		}
		out[sku] = b
	}
	return out, nil
}
