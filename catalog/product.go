// Package catalog owns the product catalog: the product model, importers (JSONL, CSV, Shopify CSV),
// embedders, the stores with their vector indexes (embedded and PostgreSQL + pgvector) and hybrid search.
package catalog

import (
	"sort"
	"strings"
)

// Product is one sellable item as the agents see it.
type Product struct {
	SKU         string              `json:"sku"`
	Name        string              `json:"name"`
	Brand       string              `json:"brand,omitempty"`
	Category    string              `json:"category,omitempty"`
	Price       float64             `json:"price"`
	SalePrice   *float64            `json:"sale_price,omitempty"`
	Currency    string              `json:"currency,omitempty"`
	Stock       *int                `json:"stock,omitempty"` // nil: the catalog does not know
	Description string              `json:"description,omitempty"`
	Attributes  map[string][]string `json:"attributes,omitempty"`
	Tags        []string            `json:"tags,omitempty"`
	Related     []string            `json:"related,omitempty"`
	URL         string              `json:"url,omitempty"`
	Image       string              `json:"image,omitempty"`
}

// EffectivePrice is what a viewer pays now: the sale price when there is one.
func (p *Product) EffectivePrice() float64 {
	if p.SalePrice != nil && *p.SalePrice > 0 {
		return *p.SalePrice
	}
	return p.Price
}

// InStock reports whether the product can be bought now; unknown stock counts as in stock.
func (p *Product) InStock() bool { return p.Stock == nil || *p.Stock > 0 }

// EmbedText is the text that represents the product for embedding and lexical search. Price and stock
// are left out on purpose: they change during a show and must never force a re-embed.
func (p *Product) EmbedText() string {
	var b strings.Builder
	b.WriteString(p.Name)
	for _, s := range []string{p.Brand, p.Category, strings.Join(p.Tags, " "), p.Description} {
		if s != "" {
			b.WriteString("\n")
			b.WriteString(s)
		}
	}
	names := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString("\n")
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(strings.Join(p.Attributes[k], ", "))
	}
	return b.String()
}

// Offer is the part of a product that moves during a show.
type Offer struct {
	Price     *float64 // nil leaves the price as it is
	SalePrice *float64 // nil leaves it; a pointer to 0 clears the sale
	Stock     *int     // nil leaves it
}
