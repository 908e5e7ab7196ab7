package avatar

import (
	"fmt"
	"sort"
	"strings"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/prompts"
)

// LowStock is the stock at or under which the avatar mentions it: stock urgency only when stock
// is really low.
const LowStock = 10

// Writer is the offline writer: it turns a product's catalog facts, the brand's persona and the
// templates in prompts/ into the beats of a segment (introduction, features, usage, price, stock
// when low, cross-sell, call to action), each beat with its variants.
type Writer struct {
	Prompts *prompts.Set
}

// beat is one thing to say, with the ways to say it.
type beat struct {
	kind     string
	variants []string
}

// talkData is what the avatar templates see.
type talkData struct {
	Name, Brand, Price, Regular, Feature, Usage, Other, FirstPerson, User string
	OnSale                                                                bool
	Stock                                                                 int
}

func money(lang string, v float64) string {
	s := fmt.Sprintf("%.0f", v)
	if v != float64(int64(v)) {
		s = fmt.Sprintf("%.2f", v)
	}
	// Thousands separators, as the catalog's prices are written.
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	if lang == "en" {
		return "¥" + b.String()
	}
	return b.String() + "円"
}

// Product is the beats of a product segment. related are the products it may be sold with.
func (w *Writer) Product(lang string, p catalog.Product, related []catalog.Product) []beat {
	d := talkData{Name: p.Name, Brand: p.Brand, Price: money(lang, p.EffectivePrice()), FirstPerson: w.Prompts.Persona.FirstPerson.In(lang)}
	if p.SalePrice != nil && *p.SalePrice > 0 && *p.SalePrice < p.Price {
		d.OnSale, d.Regular = true, money(lang, p.Price)
	}
	var beats []beat
	add := func(kind string, d talkData) {
		if vs := w.Prompts.AvatarTalk(lang, kind, d); len(vs) > 0 {
			beats = append(beats, beat{kind, vs})
		}
	}
	add("intro", d)
	for _, f := range features(p) {
		fd := d
		fd.Feature = f
		add("feature", fd)
	}
	for _, u := range p.Attributes["usage"] {
		ud := d
		ud.Usage = u
		add("usage", ud)
	}
	add("price", d)
	if p.Stock != nil && *p.Stock > 0 && *p.Stock <= LowStock {
		sd := d
		sd.Stock = *p.Stock
		add("stock", sd)
	}
	for _, r := range related {
		rd := d
		rd.Other = r.Name
		add("crosssell", rd)
	}
	add("cta", d)
	return beats
}

// features are the sentences of a product's description and its descriptive attributes.
func features(p catalog.Product) []string {
	out := Sentences(p.Description)
	keys := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		if k != "usage" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	labels := map[string]string{"color": "カラー", "capacity": "容量", "ingredients": "主な成分", "scent": "香り", "size": "サイズ", "material": "素材"}
	for _, k := range keys {
		if l, ok := labels[k]; ok && lang(p.Name) == "ja" {
			out = append(out, fmt.Sprintf("%sは%sです。", l, strings.Join(p.Attributes[k], "、")))
		}
	}
	return out
}

// Idle is the beats of idle talk: the plan's idle lines, then the templates'.
func (w *Writer) Idle(lang string, lines []string) []beat {
	var beats []beat
	for _, l := range lines {
		beats = append(beats, beat{"idle", []string{l}})
	}
	if vs := w.Prompts.AvatarTalk(lang, "idle", talkData{FirstPerson: w.Prompts.Persona.FirstPerson.In(lang)}); len(vs) > 0 {
		for _, v := range vs {
			beats = append(beats, beat{"idle", []string{v}})
		}
	}
	return beats
}

// Address is how an answer begins: the asker's name when it may be read aloud, a neutral form
// otherwise.
func (w *Writer) Address(lang, user string) string {
	kind, d := "address_neutral", talkData{}
	if user != "" {
		kind, d.User = "address", user
	}
	if vs := w.Prompts.AvatarTalk(lang, kind, d); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// variety remembers the last lines spoken so that none repeats within the window.
type variety struct {
	size int
	ring []string
	next int
	seen map[string]int
}

func newVariety(size int) *variety {
	return &variety{size: size, seen: map[string]int{}}
}

func (v *variety) recent(s string) bool { return v.seen[s] > 0 }

func (v *variety) add(s string) {
	if v.size <= 0 {
		return
	}
	if len(v.ring) < v.size {
		v.ring = append(v.ring, s)
	} else {
		old := v.ring[v.next]
		if v.seen[old]--; v.seen[old] <= 0 {
			delete(v.seen, old)
		}
		v.ring[v.next] = s
		v.next = (v.next + 1) % v.size
	}
	v.seen[s]++
}

// pick returns the first variant of b none of whose sentences was said within the window, nor
// refused by the gate lately.
func (v *variety) pick(b beat, refused *variety) (string, bool) {
next:
	for _, s := range b.variants {
		for _, sen := range Sentences(s) {
			if v.recent(sen) || refused.recent(sen) {
				continue next
			}
		}
		return s, true
	}
	return "", false
}
