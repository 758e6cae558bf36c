package ucp

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// SelectedOption is selected_option.json: an option of a product and the
// value chosen for it.
type SelectedOption struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

// catalog renders a shop's catalog as UCP products. A UCP product is a
// Concierge variant group (concierge.Product.Group with two variants or
// more; its id is the group's) or a product without variants (its id is
// its SKU, and it is its own only variant). A variant's id is its SKU,
// which is what a checkout's line_items[].item.id takes. The options are
// the attributes whose values differ within the group
// (agentcommerce.Shop.Variants), named as the shop names them.
type catalog struct {
	h    *Handler
	shop *agentcommerce.Shop
	loc  concierge.Locale
}

func newCatalog(h *Handler, shop *agentcommerce.Shop, loc concierge.Locale) *catalog {
	return &catalog{h: h, shop: shop, loc: loc}
}

// grouped reports whether p is a variant of a group with other variants.
func (c *catalog) grouped(p *concierge.Product) bool {
	vs, _ := c.shop.Variants(p)
	return vs != nil
}

// variants are the products of p's UCP product: its group's, or p alone.
func (c *catalog) variants(p *concierge.Product) ([]*concierge.Product, []string) {
	vs, axes := c.shop.Variants(p)
	if vs == nil {
		return []*concierge.Product{p}, nil
	}
	return vs, axes
}

// resolve finds what id names: a variant by its SKU (exact), or a
// group's featured variant by the group's id (not exact). A SKU wins over
// a group of the same name.
func (c *catalog) resolve(id string) (p *concierge.Product, exact bool) {
	if id == "" || len(id) > maxID {
		return nil, false
	}
	if p := c.shop.Bot.Product(concierge.SKU(id)); p != nil {
		return p, true
	}
	for i := range c.shop.Bot.Products {
		if p := &c.shop.Bot.Products[i]; p.Group == id && c.grouped(p) {
			return p, false
		}
	}
	return nil, false
}

// keep reports whether p's product passes f's categories (any) and price
// (any variant in range) filters.
func (c *catalog) keep(p *concierge.Product, f *catalogFilters) bool {
	if f == nil {
		return true
	}
	vs, _ := c.variants(p)
	if len(f.Categories) > 0 && !slices.ContainsFunc(vs, func(v *concierge.Product) bool {
		return slices.ContainsFunc(f.Categories, func(cat string) bool { return v.Category != "" && strings.EqualFold(cat, v.Category) })
	}) {
		return false
	}
	if pr := f.Price; pr != nil && !slices.ContainsFunc(vs, func(v *concierge.Product) bool {
		return (pr.Min == nil || v.Price.Minor >= *pr.Min) && (pr.Max == nil || v.Price.Minor <= *pr.Max)
	}) {
		return false
	}
	return true
}

// group is one UCP product with the live stock of its variants.
type group struct {
	c        *catalog
	id       string
	variants []*concierge.Product
	axes     []string
	free     map[concierge.SKU]int
}

// group reads p's product and its variants' stock.
func (c *catalog) group(ctx context.Context, tx agentcommerce.Tx, p *concierge.Product) (*group, error) {
	vs, axes := c.variants(p)
	g := &group{c: c, id: string(p.SKU), variants: vs, axes: axes}
	if axes != nil || len(vs) > 1 {
		g.id = p.Group
	}
	skus := make([]concierge.SKU, len(vs))
	for i, v := range vs {
		skus[i] = v.SKU
	}
	var err error
	g.free, err = agentcommerce.Stocks(ctx, tx, c.shop.Bot.ID, skus)
	return g, err
}

func (g *group) available(v *concierge.Product) bool { return g.free[v.SKU] > 0 }

// featured is prefer if it can be bought, else the first variant that
// can, else prefer (or the first).
func (g *group) featured(prefer *concierge.Product) *concierge.Product {
	if prefer != nil && g.available(prefer) {
		return prefer
	}
	for _, v := range g.variants {
		if g.available(v) {
			return v
		}
	}
	if prefer != nil {
		return prefer
	}
	return g.variants[0]
}

// render is product.json for the group, featured first among vs, its
// price range over every variant.
func (g *group) render(featured *concierge.Product, vs []*concierge.Product) map[string]any {
	c, def := g.c, g.c.shop.Bot.DefaultLocale()
	lo, hi := g.variants[0].Price, g.variants[0].Price
	for _, v := range g.variants {
		if v.Price.Minor < lo.Minor {
			lo = v.Price
		}
		if v.Price.Minor > hi.Minor {
			hi = v.Price
		}
	}
	out := map[string]any{
		"id":          g.id,
		"title":       featured.Title(c.loc, def),
		"description": map[string]any{"plain": concierge.LocalText(featured.Description, c.loc, def)},
		"price_range": map[string]any{"min": c.price(lo), "max": c.price(hi)},
	}
	if u := c.url(featured); u != "" {
		out["url"] = u
	}
	if featured.Category != "" {
		out["categories"] = []map[string]any{{"value": featured.Category, "taxonomy": "merchant"}}
	}
	if len(featured.Tags) > 0 {
		out["tags"] = featured.Tags
	}
	var media []map[string]any
	seen := map[string]bool{}
	for _, v := range append([]*concierge.Product{featured}, g.variants...) {
		if v.Image != "" && !seen[v.Image] {
			seen[v.Image] = true
			media = append(media, map[string]any{"type": "image", "url": c.h.absolute(v.Image), "alt_text": v.Title(c.loc, def)})
		}
	}
	if media != nil {
		out["media"] = media
	}
	if len(g.axes) > 0 {
		opts := make([]map[string]any, 0, len(g.axes))
		for _, a := range g.axes {
			var values []map[string]any
			for _, l := range g.labels(a) {
				values = append(values, map[string]any{"label": l})
			}
			opts = append(opts, map[string]any{"name": a, "values": values})
		}
		out["options"] = opts
	}
	variants := []map[string]any{g.variant(featured)}
	for _, v := range vs {
		if v != featured {
			variants = append(variants, g.variant(v))
		}
	}
	out["variants"] = variants
	return out
}

// variant is variant.json for v.
func (g *group) variant(v *concierge.Product) map[string]any {
	c, def := g.c, g.c.shop.Bot.DefaultLocale()
	title := v.Title(c.loc, def)
	opts := g.options(v)
	if len(opts) > 0 {
		labels := make([]string, len(opts))
		for i, o := range opts {
			labels[i] = o.Label
		}
		title = strings.Join(labels, " / ")
	}
	status := "in_stock"
	if !g.available(v) {
		status = "out_of_stock"
	}
	out := map[string]any{
		"id":           string(v.SKU),
		"sku":          string(v.SKU),
		"title":        title,
		"description":  map[string]any{"plain": concierge.LocalText(v.Description, c.loc, def)},
		"price":        c.price(v.Price),
		"availability": map[string]any{"available": g.available(v), "status": status, "quantity": max(g.free[v.SKU], 0)},
	}
	if len(opts) > 0 {
		out["options"] = opts
	}
	if u := c.url(v); u != "" {
		out["url"] = u
	}
	if v.Image != "" {
		out["media"] = []map[string]any{{"type": "image", "url": c.h.absolute(v.Image), "alt_text": v.Title(c.loc, def)}}
	}
	return out
}

// options are v's values of the group's axes.
func (g *group) options(v *concierge.Product) []SelectedOption {
	var out []SelectedOption
	for _, a := range g.axes {
		if l := strings.TrimSpace(v.Attrs[a]); l != "" {
			out = append(out, SelectedOption{Name: a, Label: l})
		}
	}
	return out
}

// labels are the values of axis a among the variants, in catalog order.
func (g *group) labels(a string) []string {
	var out []string
	for _, v := range g.variants {
		l := strings.TrimSpace(v.Attrs[a])
		if l != "" && !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, l) }) {
			out = append(out, l)
		}
	}
	return out
}

func (c *catalog) price(m concierge.Money) map[string]any {
	cur := m.Currency
	if cur == "" {
		cur = c.shop.Bot.Currency
	}
	return map[string]any{"amount": m.Minor, "currency": strings.ToUpper(cur)}
}

// url is the web chat opened on v, where the buyer can ask about it.
func (c *catalog) url(v *concierge.Product) string {
	if c.shop.WidgetURL == "" {
		return ""
	}
	return c.shop.WidgetURL + "?product=" + url.QueryEscape(string(v.SKU))
}

// matches reports whether v has every selection's value.
func matches(v *concierge.Product, sel []SelectedOption) bool {
	for _, s := range sel {
		if !strings.EqualFold(strings.TrimSpace(v.Attrs[s.Name]), strings.TrimSpace(s.Label)) {
			return false
		}
	}
	return true
}

// detail is detail_product for get_product (lookup.md, Get Product).
// anchor, when the id named a variant, fixes the selections; otherwise
// the buyer's selections are relaxed, dropping first the options
// preferences does not list and then preferences from its end, until a
// variant has them all; without selections they are the featured
// variant's. The variants are those with the effective selections, the
// featured first; each option value says whether a variant with it (and
// the other selections) exists and can be bought.
func (g *group) detail(anchor *concierge.Product, selected []SelectedOption, prefs []string) map[string]any {
	if len(g.axes) == 0 {
		return g.render(g.variants[0], g.variants)
	}
	var eff []SelectedOption
	switch {
	case anchor != nil:
		eff = g.options(anchor)
	case len(selected) > 0:
		eff = g.relax(selected, prefs)
	default:
		eff = g.options(g.featured(nil))
	}
	var vs []*concierge.Product
	for _, v := range g.variants {
		if matches(v, eff) {
			vs = append(vs, v)
		}
	}
	featured := anchor
	if featured == nil {
		featured = vs[0]
		for _, v := range vs {
			if g.available(v) {
				featured = v
				break
			}
		}
	}
	out := g.render(featured, vs)
	out["selected"] = append([]SelectedOption{}, eff...)
	opts := make([]map[string]any, 0, len(g.axes))
	for _, a := range g.axes {
		var values []map[string]any
		for _, l := range g.labels(a) {
			with := []SelectedOption{{Name: a, Label: l}}
			for _, s := range eff {
				if s.Name != a {
					with = append(with, s)
				}
			}
			exists, available := false, false
			for _, v := range g.variants {
				if matches(v, with) {
					exists = true
					available = available || g.available(v)
				}
			}
			values = append(values, map[string]any{"label": l, "available": available, "exists": exists})
		}
		opts = append(opts, map[string]any{"name": a, "values": values})
	}
	out["options"] = opts
	return out
}

// relax returns the buyer's selections in the shop's names and values,
// less those that must go for a variant to have them all.
func (g *group) relax(selected []SelectedOption, prefs []string) []SelectedOption {
	var sel []SelectedOption
	for _, s := range selected {
		i := slices.IndexFunc(g.axes, func(a string) bool { return strings.EqualFold(a, strings.TrimSpace(s.Name)) })
		if i < 0 {
			continue // not an option of this product: nothing has it
		}
		label := strings.TrimSpace(s.Label)
		for _, l := range g.labels(g.axes[i]) {
			if strings.EqualFold(l, label) {
				label = l
			}
		}
		sel = append(sel, SelectedOption{Name: g.axes[i], Label: label})
	}
	rank := func(s SelectedOption) int {
		return slices.IndexFunc(prefs, func(p string) bool { return strings.EqualFold(strings.TrimSpace(p), s.Name) })
	}
	for len(sel) > 0 && !slices.ContainsFunc(g.variants, func(v *concierge.Product) bool { return matches(v, sel) }) {
		// Drop the latest selection preferences does not rank, else the
		// lowest-ranked one.
		drop := -1
		for i := len(sel) - 1; i >= 0 && drop < 0; i-- {
			if rank(sel[i]) < 0 {
				drop = i
			}
		}
		if drop < 0 {
			drop = 0
			for i := range sel {
				if rank(sel[i]) > rank(sel[drop]) {
					drop = i
				}
			}
		}
		sel = slices.Delete(sel, drop, drop+1)
	}
	return sel
}
