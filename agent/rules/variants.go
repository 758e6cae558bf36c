package rules

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/nlu"
)

// Variants and the cart rule: a product that comes in sizes or colours is
// added only once the customer said (or pressed) the values that tell its
// variants apart. "ajoute les chaussures trail" asks which one with the
// choices as buttons and adds nothing; "la bleue en 42" then adds that
// one; a choice no variant in stock has is said so, with what exists.

// variantPick turns the pick of an item into a pick of one variant when
// it fell on a group: the variant the item's words choose, or the group's
// variants to ask about. A variant already in the cart stays the pick of
// words that choose nothing ("mets-en deux"): it was chosen before.
//
// not is what the message rules out (Intent.NotQuery): "la laine douce,
// pas la rouge" leaves the other colours to choose from, and the "rouge"
// it says is no choice of one.
func (b Brain) variantPick(ctx context.Context, t *agent.Turn, it nlu.Item, not string, p pick) pick {
	if p.variant {
		return p
	}
	ix := t.Shop.Catalog
	group := ix.Variants(p.sku)
	if p.sku == "" {
		group = oneGroup(ix, p.candidates)
	}
	if len(group) == 0 {
		return p
	}
	group = withoutRuledOut(ix, group, not)
	if len(group) == 0 {
		// Every variant was ruled out: nothing of the group is asked for.
		return pick{}
	}
	text := it.Text
	if text == "" {
		text = t.Event.Text
	}
	text = cutRuledOut(text, not)
	fit, said, missing := ix.Narrow(text, group)
	if whole := cutRuledOut(t.Event.Text, not); text != whole {
		// "add the basic t-shirt, size S", "the trail shoes, blue, size
		// 41": the values came after a comma that cut the message into
		// items.
		if f, s, m := ix.Narrow(whole, group); len(s) > len(said) {
			text, fit, said, missing = whole, f, s, m
		}
	}
	if p.sku != "" && len(said) == 0 && onlyCount(missing, it.Quantity) && b.inCart(ctx, t, p.sku) {
		// "mets-en 2" with the pack of 12 in the cart: a count of that
		// line, not a pack of 2 the product does not come in.
		return p
	}
	if len(fit) == 1 && len(missing) == 0 {
		return pick{sku: fit[0]}
	}
	if len(ix.Choices(fit)) == 0 && len(fit) > 0 && len(missing) == 0 {
		// Variants nothing tells apart (validate reports them): one
		// is as good as another.
		return pick{sku: fit[0]}
	}
	return pick{variants: group, text: text, quantity: it.Quantity}
}

// withoutRuledOut drops from group the variants that a part of not
// chooses by their attributes ("la rouge", "大楷"); a part that states no
// attribute value rules out none of them here (the parser has already
// left out the products it names).
func withoutRuledOut(ix *catalog.Index, group []concierge.SKU, not string) []concierge.SKU {
	if not == "" {
		return group
	}
	for _, part := range strings.Split(not, catalog.ExcludeSep) {
		out, said, _ := ix.Narrow(part, group)
		if len(said) == 0 {
			continue
		}
		group = slices.DeleteFunc(slices.Clone(group), func(s concierge.SKU) bool { return slices.Contains(out, s) })
	}
	return group
}

// cutRuledOut removes from text the parts of not, so that the values they
// state are not read as the customer's choice.
func cutRuledOut(text, not string) string {
	if not == "" {
		return text
	}
	for _, part := range strings.Split(not, catalog.ExcludeSep) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if i := strings.Index(strings.ToLower(text), strings.ToLower(part)); i >= 0 && len(strings.ToLower(text)) == len(text) {
			text = text[:i] + " " + text[i+len(part):]
		} else if i := strings.Index(text, part); i >= 0 {
			text = text[:i] + " " + text[i+len(part):]
		}
	}
	return text
}

// oneGroup returns the variants of the group all of skus belong to, or
// nil when they are not all variants of one group.
func oneGroup(ix *catalog.Index, skus []concierge.SKU) []concierge.SKU {
	if len(skus) == 0 {
		return nil
	}
	g := ix.GroupOf(skus[0])
	for _, s := range skus {
		if g == "" || ix.GroupOf(s) != g {
			return nil
		}
	}
	return ix.Variants(skus[0])
}

// askVariant answers a request for a group of variants that text does not
// pin down: it adds the one variant text chooses when it is in stock,
// and otherwise asks, with the choices left as buttons (saying first
// when what was asked for does not exist or is sold out). qty is the
// count asked for, added once the customer chooses.
func (b Brain) askVariant(ctx context.Context, t *agent.Turn, text, not string, group []concierge.SKU, qty int) error {
	if group = withoutRuledOut(t.Shop.Catalog, group, not); len(group) == 0 {
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("not_found", nil), Buttons: t.BrowseButtons()})
		return nil
	}
	fit, said, missing := t.Shop.Catalog.Narrow(cutRuledOut(text, not), group)
	return b.chooseVariant(ctx, t, group, fit, said, missing, qty)
}

// chooseVariant adds the one variant of fit when the customer's choice
// (said) leaves one in stock and no other choice to make, and otherwise
// asks among group's variants.
func (b Brain) chooseVariant(ctx context.Context, t *agent.Turn, group, fit []concierge.SKU, said catalog.Said, missing []string, qty int) error {
	ix := t.Shop.Catalog
	if len(missing) > 0 {
		// "en 47", "la rouge": a choice the product does not come in.
		return b.offerVariants(ctx, t, group, nil, "variant_unavailable", strings.Join(missing, " "), qty)
	}
	pv, err := t.Tools.OfferVariants(ctx, fit)
	if err != nil {
		return err
	}
	avail := pv.Available()
	switch {
	case len(avail) == 0 && len(said) > 0:
		// What was chosen exists but is sold out: offer what is left.
		return b.offerVariants(ctx, t, group, nil, "variant_sold_out", "", qty)
	case len(fit) == 1 || len(avail) >= 1 && len(ix.Choices(avail)) == 0 && len(ix.Choices(fit)) == 0:
		return b.add(ctx, t, avail[0], max(qty, 1))
	}
	return b.offerVariants(ctx, t, fit, said, "variant_which", "", qty)
}

// offerVariants asks which of skus the customer wants, after the text id
// (with the product's name and what was asked for), and leaves the
// question pending for the next message.
func (b Brain) offerVariants(ctx context.Context, t *agent.Turn, skus []concierge.SKU, said catalog.Said, id, asked string, qty int) error {
	pv, err := t.Tools.OfferVariants(ctx, skus)
	if err != nil {
		return err
	}
	if len(pv.Available()) == 0 {
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("out_of_stock", map[string]any{"count": 0, "N": 0}), Buttons: t.BrowseButtons()})
		return nil
	}
	if id == "variant_sold_out" {
		pv.Variants = availableOnly(pv.Variants)
	}
	name := pv.Title(t.Locale, t.Shop.Bot.DefaultLocale())
	t.ShowVariants(t.T(id, map[string]any{"Name": name, "Said": asked}), pv, said)
	t.Conv.Memory.Pending, t.Conv.Memory.PendingQuantity = concierge.QuestionWhichVariant, max(qty, 1)
	return nil
}

func availableOnly(vs []agent.ProductView) []agent.ProductView {
	var out []agent.ProductView
	for _, v := range vs {
		if v.Stock > 0 || v.Digital {
			out = append(out, v)
		}
	}
	return out
}

// answerVariant takes a reply to "which one?" about variants: the values
// it states ("la bleue en 42", "42码的蓝色", "in black") narrow the
// variants still possible, or all of the group when it changes a choice.
// It reports whether the reply was such an answer; anything else is
// understood as usual.
func (b Brain) answerVariant(ctx context.Context, t *agent.Turn, in nlu.Intent, qty int) (bool, error) {
	switch in.Name {
	case nlu.Search, nlu.Details, nlu.AddToCart, nlu.OutOfScope, nlu.ChangeQuantity, nlu.ConsentYes:
	default:
		return false, nil
	}
	ix := t.Shop.Catalog
	shown := t.Conv.Memory.Shown
	group := oneGroup(ix, shown)
	if group == nil {
		return false, nil
	}
	all := group
	if group = withoutRuledOut(ix, group, in.NotQuery); len(group) == 0 {
		return false, nil
	}
	fit, said, missing := ix.Narrow(cutRuledOut(t.Event.Text, in.NotQuery), group)
	if len(said) == 0 && len(missing) == 0 {
		return false, nil
	}
	// "noir" while the thread's colours are shown is one of them, though
	// black zips have it in their names; "la casquette rouge" is not.
	if !(len(missing) == 0 && saysOnly(ix, in.Query, said)) && b.findsElsewhere(t, in, all) {
		return false, nil
	}
	if in.Quantity > 0 {
		qty = in.Quantity
	}
	if len(missing) > 0 {
		return true, b.chooseVariant(ctx, t, group, fit, said, missing, qty)
	}
	// What was chosen before holds unless this reply changes it.
	if kept := intersect(fit, shown); len(kept) > 0 {
		fit = kept
	}
	return true, b.chooseVariant(ctx, t, group, fit, said, nil, qty)
}

// onlyValues reports whether every word of query is a word of a value
// said.
// saysOnly is onlyValues, or values said by meaning and size marks
// ("rouge" for "red", "size 41").
func saysOnly(ix *catalog.Index, query string, said catalog.Said) bool {
	return onlyValues(query, said) || ix.SaysOnly(query, said)
}

func onlyValues(query string, said catalog.Said) bool {
	words := map[string]bool{}
	for _, v := range said {
		for _, w := range valueWords(v) {
			words[w] = true
		}
	}
	for _, v := range said {
		if catalog.MeasureOnly(query, v) {
			return true // "90厘米的" for "90 cm"
		}
	}
	qs := valueWords(query)
	for _, w := range qs {
		if !words[w] && !sizeMarks[w] {
			return false
		}
	}
	return len(qs) > 0
}

// sizeMarks say that what they follow is a size: "L码", "42号", "尺码L".
var sizeMarks = map[string]bool{"码": true, "号": true, "尺码": true}

// valueWords cuts folded text into runs of letters and runs of digits:
// "34cm" and "34 cm" are the same words.
func valueWords(s string) []string {
	var out []string
	var cur []rune
	kind := 0 // 1 letter, 2 digit
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range catalog.Fold(s) {
		k := 0
		switch {
		case unicode.IsDigit(r):
			k = 2
		case catalog.IsHan(r):
			k = 3 // "L码": the letter, then the Chinese
		case unicode.IsLetter(r):
			k = 1
		}
		if k != kind || k == 0 {
			flush()
		}
		kind = k
		if k != 0 {
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// findsElsewhere reports whether the message's words are about another
// product than the group's: "la casquette rouge" while choosing shoes
// looks for the cap, it is no colour of the shoes.
func (b Brain) findsElsewhere(t *agent.Turn, in nlu.Intent, group []concierge.SKU) bool {
	if len(in.Products) > 0 {
		return !slices.Contains(group, in.Products[0])
	}
	// Elsewhere when a product outside the group fits the words better
	// than every variant: "noir" finds black zips as well as the black
	// thread being chosen, and is the thread's colour.
	hits := t.Shop.Catalog.Search(catalog.Query{Text: in.Query, Limit: 20})
	if len(hits) == 0 || hits[0].Score <= 0 || slices.Contains(group, hits[0].SKU) {
		return false
	}
	for _, h := range hits {
		if slices.Contains(group, h.SKU) {
			return h.Score < hits[0].Score
		}
	}
	return true
}

func intersect(a, b []concierge.SKU) []concierge.SKU {
	var out []concierge.SKU
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// variantButton answers a press of a choice button: the values it carries
// narrow the group of its SKU.
func (b Brain) variantButton(ctx context.Context, t *agent.Turn, sku concierge.SKU, said catalog.Said) error {
	qty := 1
	if t.Conv.Memory.Pending == concierge.QuestionWhichVariant {
		qty = max(t.Conv.Memory.PendingQuantity, 1)
	}
	t.Conv.Memory.Pending, t.Conv.Memory.PendingQuantity = "", 0
	ix := t.Shop.Catalog
	group := ix.Variants(sku)
	if group == nil {
		if ix.Product(sku) == nil {
			t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("not_found", nil), Buttons: t.BrowseButtons()})
			return nil
		}
		return b.add(ctx, t, sku, qty)
	}
	return b.chooseVariant(ctx, t, group, ix.Matching(group, said), said, nil, qty)
}

// addChosen adds the product the customer's words picked, or asks which
// variant when it is one of a group and the words do not say which.
//
// wish is the request a "which one?" answered, when it did: the values
// it stated ("add black PLA") choose with the answer ("1.75").
func (b Brain) addChosen(ctx context.Context, t *agent.Turn, sku concierge.SKU, not string, qty int, wish string) error {
	text := t.Event.Text
	if wish != "" {
		text = wish + ", " + text
	}
	p := b.variantPick(ctx, t, nlu.Item{Text: text}, not, pick{sku: sku})
	if len(p.variants) > 0 {
		return b.askVariant(ctx, t, p.text, "", p.variants, qty)
	}
	if p.sku == "" {
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("not_found", nil), Buttons: t.BrowseButtons()})
		return nil
	}
	return b.add(ctx, t, p.sku, qty)
}

// lookingAtGroup reports whether the customer is looking at one product
// with variants (its card was the only one shown) and the message is not
// a question: "la bleue en 42" then picks that variant.
func (b Brain) lookingAtGroup(t *agent.Turn, in nlu.Intent) bool {
	shown := t.Conv.Memory.Shown
	return !in.Question && len(shown) == 1 && t.Shop.Catalog.GroupOf(shown[0]) != "" && in.Name != nlu.AddToCart
}

// variantSwap returns the variant that a change of mind about old, a
// variant in the cart, asks for: old's values with those the message
// states ("finalement en 41", "in black instead"); "" when the message
// states none, or a combination the product does not come in. The
// message is read whole, then as its query, without the cue words
// ("actually make that a 36").
func (b Brain) variantSwap(t *agent.Turn, old concierge.SKU, query string) concierge.SKU {
	ix := t.Shop.Catalog
	group := ix.Variants(old)
	p := ix.Product(old)
	if group == nil || p == nil {
		return ""
	}
	for _, text := range []string{t.Event.Text, query} {
		if _, said, missing := ix.Narrow(text, group); len(said) > 0 && len(missing) == 0 {
			return withValues(ix, group, p, said)
		}
	}
	return ""
}

// withValues returns the variant of group that has p's values but those
// said ("finalement en 41" of the blue pair in 40: the blue in 41), or ""
// when the group has no one such.
func withValues(ix *catalog.Index, group []concierge.SKU, p *concierge.Product, said catalog.Said) concierge.SKU {
	want := catalog.Said{}
	for _, c := range ix.Choices(group) {
		want[c.Attr] = p.Attrs[c.Attr]
	}
	maps.Copy(want, said)
	if fit := ix.Matching(group, want); len(fit) == 1 {
		return fit[0]
	}
	return ""
}

// onlyCount reports whether the values missing are none, or only the
// count itself ("2" of "mets-en 2").
func onlyCount(missing []string, qty int) bool {
	for _, m := range missing {
		if qty <= 0 || strings.TrimSpace(m) != strconv.Itoa(qty) {
			return false
		}
	}
	return true
}

// carriedValues returns the one of cands, the variants of one group,
// that has the values old has for the group's choices ("不对，要真皮的"
// of the canvas shoes in 36: the leather ones in 36), or "" when none or
// several do; ofGroup is false when cands are not one group's.
func carriedValues(ix *catalog.Index, old concierge.SKU, cands []concierge.SKU) (sku concierge.SKU, ofGroup bool) {
	if !sameGroup(ix, cands) {
		return "", false
	}
	group, op := ix.Variants(cands[0]), ix.Product(old)
	if op == nil {
		return "", true
	}
	want := catalog.Said{}
	for _, c := range ix.Choices(group) {
		if v := op.Attrs[c.Attr]; v != "" {
			want[c.Attr] = v
		}
	}
	if len(want) == 0 {
		return "", true
	}
	if fit := ix.Matching(cands, want); len(fit) == 1 {
		return fit[0], true
	}
	return "", true
}

// sameGroup reports whether skus are variants of one group.
func sameGroup(ix *catalog.Index, skus []concierge.SKU) bool {
	if len(skus) == 0 {
		return false
	}
	g := ix.GroupOf(skus[0])
	if g == "" {
		return false
	}
	for _, s := range skus[1:] {
		if ix.GroupOf(s) != g {
			return false
		}
	}
	return true
}
