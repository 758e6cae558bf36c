package agent

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// Variants. Products of one concierge.Product.Group are the sizes and
// colours of one thing: a list shows one card for the group (its best
// variant) with the choices, and a choice button carries what the
// customer picked so far.

// ValueVariant is a choice of variant: + the SKU of a variant of the
// group, "?", and the attribute values chosen, URL-encoded
// ("variant:TRAIL-BLU-40?size=42"). Brains narrow the group by them.
const ValueVariant = "variant:"

// maxChoiceButtons bounds the choice buttons of one card.
const maxChoiceButtons = 12

// variantsPerResult is how many hits a search reads per result it
// returns when the catalog has variants: a group's variants are one
// result, and a search must not rank every product of a large catalog.
const variantsPerResult = 50

// VariantButtonValue is the value of a button that chooses said among the
// variants of sku's group.
func VariantButtonValue(sku concierge.SKU, said catalog.Said) string {
	q := url.Values{}
	for k, v := range said {
		q.Set(k, v)
	}
	return ValueVariant + string(sku) + "?" + q.Encode()
}

// ParseVariantButton reads a ValueVariant value; ok is false when v is
// not one.
func ParseVariantButton(v string) (sku concierge.SKU, said catalog.Said, ok bool) {
	rest, ok := strings.CutPrefix(v, ValueVariant)
	if !ok {
		return "", nil, false
	}
	s, query, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(query)
	if err != nil || s == "" {
		return "", nil, false
	}
	said = catalog.Said{}
	for k := range q {
		said[k] = q.Get(k)
	}
	return concierge.SKU(s), said, true
}

// collapse turns a list of products, best first, into views with one per
// group: the group's first product in the list that is in stock stands
// for it, with all the group's variants and their stock. limit caps the
// list after collapsing (0: no cap).
func (tl *Tools) collapse(ctx context.Context, skus []concierge.SKU, limit int) ([]ProductView, error) {
	ix := tl.shop.Catalog
	type entry struct {
		hits     []concierge.SKU // the group's products in the list, in order
		variants []concierge.SKU // the whole group; nil for a product without
	}
	var list []entry
	at := map[string]int{}
	for _, s := range skus {
		g := ix.GroupOf(s)
		if i, ok := at[g]; ok && g != "" {
			list[i].hits = append(list[i].hits, s)
			continue
		}
		if g != "" {
			at[g] = len(list)
		}
		list = append(list, entry{hits: []concierge.SKU{s}, variants: ix.Variants(s)})
	}
	if limit > 0 && len(list) > limit {
		list = list[:limit]
	}
	var all []concierge.SKU
	for _, e := range list {
		if e.variants != nil {
			all = append(all, e.variants...)
		} else {
			all = append(all, e.hits[0])
		}
	}
	views, err := tl.views(ctx, all)
	if err != nil {
		return nil, err
	}
	byKey := make(map[concierge.SKU]ProductView, len(views))
	for _, v := range views {
		byKey[v.SKU] = v
	}
	out := make([]ProductView, 0, len(list))
	for _, e := range list {
		rep := byKey[e.hits[0]]
		for _, s := range e.hits {
			if v := byKey[s]; v.Stock > 0 || v.Digital {
				rep = v
				break
			}
		}
		for _, s := range e.variants {
			rep.Variants = append(rep.Variants, byKey[s])
		}
		out = append(out, rep)
	}
	return out, nil
}

// OfferVariants returns a view of the variants to ask the customer to
// choose from: the first in stock stands for them and holds them all.
// They become the conversation's shown products, so that the answer
// ("en 42", "la bleue") narrows them.
func (tl *Tools) OfferVariants(ctx context.Context, skus []concierge.SKU) (ProductView, error) {
	ctx, end := toolSpan(ctx, "offer_variants")
	defer end()
	views, err := tl.views(ctx, slices.Compact(skus))
	if err != nil || len(views) == 0 {
		return ProductView{}, err
	}
	rep := views[0]
	for _, v := range views {
		if v.Stock > 0 || v.Digital {
			rep = v
			break
		}
	}
	rep.Variants = views
	tl.conv.Memory.Shown = slices.Clone(skus)
	tl.conv.Memory.Focus = ""
	return rep, nil
}

// Available returns the variants of pv that are in stock.
func (pv ProductView) Available() []concierge.SKU {
	var out []concierge.SKU
	for _, v := range pv.Variants {
		if v.Stock > 0 || v.Digital {
			out = append(out, v.SKU)
		}
	}
	return out
}

// choices returns the choices to show of a group's view: those of its
// variants in stock, or of all when none is.
func (t *Turn) choices(pv ProductView) []catalog.Choice {
	skus := pv.Available()
	if len(skus) == 0 {
		for _, v := range pv.Variants {
			skus = append(skus, v.SKU)
		}
	}
	return t.Shop.Catalog.Choices(skus)
}

// choicesText lists a group's choices: "Tailles : 40, 41, 42 · Couleurs :
// bleu, noir".
func (t *Turn) choicesText(cs []catalog.Choice) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, t.T("choices_line", map[string]any{"Attr": t.choicesLabel(c.Attr), "Values": strings.Join(c.Values, t.T("list_sep", nil))}))
	}
	return strings.Join(parts, t.T("choices_sep", nil))
}

// choicesLabel names an attribute's choices ("Tailles"): choices_<key> in
// the locale catalogs, else the attribute's label.
func (t *Turn) choicesLabel(k string) string {
	if s := t.T("choices_"+k, nil); s != "choices_"+k {
		return s
	}
	return t.attrLabel(k)
}

// choiceButtons are a button per value of each choice, each adding it to
// what was said so far; rep is any variant of the group.
func (t *Turn) choiceButtons(rep concierge.SKU, cs []catalog.Choice, said catalog.Said) []concierge.Button {
	var bs []concierge.Button
	for _, c := range cs {
		for _, v := range c.Values {
			s := catalog.Said{c.Attr: v}
			for k, x := range said {
				s[k] = x
			}
			bs = append(bs, concierge.Button{Label: t.attrValue(v), Value: VariantButtonValue(rep, s)})
		}
	}
	if len(bs) > maxChoiceButtons {
		bs = bs[:maxChoiceButtons]
	}
	return bs
}

// ShowVariants asks which variant of pv's (OfferVariants) the customer
// wants: one card whose text lists the choices left, with a button for
// each; said is what the customer already chose, carried by the buttons.
func (t *Turn) ShowVariants(intro string, pv ProductView, said catalog.Said) {
	cs := t.choices(pv)
	c := t.Card(pv, t.choiceButtons(pv.SKU, cs, said)...)
	c.Description = t.choicesText(cs)
	t.Say(concierge.Message{Kind: concierge.MessageCards, Text: intro, Fallback: intro + "\n" + c.Title + " — " + c.PriceText + "\n" + c.Description,
		Cards: []concierge.Card{c}})
}

// groupCard completes a card of a group's view: the price "from" the
// cheapest variant in stock when prices differ, the stock of the group,
// and the choices before the description.
func (t *Turn) groupCard(c *concierge.Card, pv ProductView) {
	if len(pv.Variants) < 2 {
		return
	}
	low, differ, stock := pv.Price, false, 0
	for _, v := range pv.Variants {
		stock += max(v.Stock, 0)
		if v.Stock <= 0 && !v.Digital {
			continue
		}
		differ = differ || v.Price != pv.Price
		if v.Price.Minor < low.Minor {
			low = v.Price
		}
	}
	if differ {
		c.Price = low
		c.PriceText = t.T("price_from", map[string]any{"Price": t.Shop.Text.Money(t.Locale, low)})
	}
	c.Stock = stock
	if stock > 0 && !pv.Digital {
		c.StockText = t.T("stock_in", nil)
	}
	if cs := t.choicesText(t.choices(pv)); cs != "" {
		c.Description = strings.TrimSpace(cs + "\n" + c.Description)
	}
}

// ProductTitle is a product's name in the turn's language, with its
// variant's values when it has variants: "Chaussures de trail Alpina
// (bleu, 42)".
func (t *Turn) ProductTitle(p *concierge.Product) string {
	name := p.Title(t.Locale, t.Shop.Bot.DefaultLocale())
	cs := t.Shop.Catalog.Choices(t.Shop.Catalog.Variants(p.SKU))
	var vals []string
	for _, c := range cs {
		if v := strings.TrimSpace(p.Attrs[c.Attr]); v != "" {
			vals = append(vals, t.attrValue(v))
		}
	}
	if len(vals) == 0 {
		return name
	}
	return t.T("variant_title", map[string]any{"Name": name, "Values": strings.Join(vals, t.T("list_sep", nil))})
}

// viewOf returns the view of sku among pv and its variants.
func viewOf(pv ProductView, sku concierge.SKU) ProductView {
	for _, v := range pv.Variants {
		if v.SKU == sku {
			return v
		}
	}
	return pv
}

// showGroupDetails shows a group of variants: the description, the
// attributes its variants share, and its choices as buttons.
func (t *Turn) showGroupDetails(pv ProductView) {
	cs := t.choices(pv)
	c := t.Card(pv, t.choiceButtons(pv.SKU, cs, nil)...)
	def := t.Shop.Bot.DefaultLocale()
	text := []string{c.Title + " — " + c.PriceText, t.choicesText(cs)}
	if d := concierge.LocalText(pv.Description, t.Locale, def); d != "" {
		text = append(text, d)
	}
	for _, k := range sortedKeys(pv.Attrs) {
		if t.groupValues(pv, k) == "" {
			text = append(text, "• "+t.attrLabel(k)+": "+t.attrValue(pv.Attrs[k]))
		}
	}
	text = append(text, c.StockText)
	c.Description = strings.Join(text[1:len(text)-1], "\n")
	t.Say(concierge.Message{Kind: concierge.MessageCards, Fallback: strings.Join(text, "\n"), Cards: []concierge.Card{c}})
}

// groupValues lists the values of attribute k among a group's variants
// when they differ ("40, 41, 42"), or "" when pv is no group or they are
// the same.
func (t *Turn) groupValues(pv ProductView, k string) string {
	if len(pv.Variants) < 2 {
		return ""
	}
	for _, c := range t.choices(pv) {
		if c.Attr == k {
			vals := make([]string, len(c.Values))
			for i, v := range c.Values {
				vals[i] = t.attrValue(v)
			}
			return strings.Join(vals, t.T("list_sep", nil))
		}
	}
	return ""
}
