package rules

import (
	"context"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/nlu"
)

// The cart rule (invariant 8): no product and no quantity enters the
// cart unless the customer named or picked it. Each item of a request
// resolves to exactly one product or to a question with the candidates
// as buttons; a question costs one tap, a wrong cart costs trust.

// pick is what one item of a request resolves to: one product, or the
// products to ask about, or nothing the shop has.
type pick struct {
	sku        concierge.SKU
	candidates []concierge.SKU
	quantity   int // the count asked for, when the pick is a question
	// variants are the variants of one product to ask about, and text
	// the words that asked for it (see variants.go).
	variants []concierge.SKU
	text     string
	// variant is set when the variant itself was chosen ("the cheapest"
	// of a group whose variants differ in price): nothing to ask.
	variant bool
}

// sameProductOtherValue reads an item that only says values of the
// variants of prev: "un fil 500 m rouge et un noir" is the black one of
// the same thread. Otherwise it returns p as it was.
func sameProductOtherValue(ix *catalog.Index, prev concierge.SKU, it nlu.Item, p pick) pick {
	if ix.GroupOf(prev) == "" {
		// "un carnet de croquis noir et un rouge": of the products the
		// value finds (a red paint, a red sketchbook), the one most like
		// the one just added.
		if len(p.candidates) < 2 {
			return p
		}
		if slices.Contains(p.candidates, prev) {
			// "the usb-c cable, the 2 m": the same product, said again.
			return pick{sku: prev}
		}
		if _, said, missing := ix.Narrow(it.Text, p.candidates); len(said) == 0 || len(missing) > 0 || !ix.SaysOnly(it.Query, said) {
			return p
		}
		if s := ix.Nearest(prev, p.candidates); s != "" && len(ix.Variants(s)) < 2 {
			// A product sold in variants stands for all of them here:
			// taking it would take its first variant unsaid.
			return pick{sku: s}
		}
		return p
	}
	fit, said, missing := ix.Narrow(it.Text, ix.Variants(prev))
	if len(fit) != 1 || len(missing) > 0 || !saysOnly(ix, it.Query, said) {
		return p
	}
	return pick{sku: fit[0]}
}

// valuesOfOneShown returns the variants of the one product among shown
// whose values text states, and nothing else: "grey" among a bath towel
// in white and grey and a bathrobe. Nil when no product, or more than
// one, has them.
func valuesOfOneShown(ix *catalog.Index, shown []concierge.SKU, text, query string) []concierge.SKU {
	var out []concierge.SKU
	for _, s := range shown {
		if ix.GroupOf(s) == "" {
			continue
		}
		fit, said, missing := ix.Narrow(text, ix.Variants(s))
		if len(fit) == 0 || len(missing) > 0 || !saysOnly(ix, query, said) {
			continue
		}
		if out != nil {
			return nil
		}
		out = fit
	}
	return out
}

// answerChoice takes a reply to "which one do you mean?" that picks one
// of the products offered by its words ("the large brown one", "世界地图那个",
// "la bleue"), and adds the count first asked for. It reports whether the
// reply was such an answer; anything else is understood as usual.
func (b Brain) answerChoice(ctx context.Context, t *agent.Turn, in nlu.Intent, qty int, wish, wishNot string) (bool, error) {
	switch {
	case in.Question:
		// "et les casques enfants ?" asks about them; it picks nothing.
		return false, nil
	case in.Name == nlu.Search, in.Name == nlu.Details, in.Name == nlu.AddToCart, in.Name == nlu.OutOfScope:
	default:
		return false, nil
	}
	shown := t.Conv.Memory.Shown
	var fit []concierge.SKU
	for _, s := range in.Products {
		if slices.Contains(shown, s) {
			fit = append(fit, s)
		}
	}
	if len(fit) == 0 && len(in.Products) == 0 && in.Query == "" && len(in.Ordinals) == 1 {
		// "the second one", "the cheaper one": the customer picks among
		// what was offered for the wish, for the count first asked.
		fit = b.ordinals(t, in)
	}
	if len(fit) == 0 && in.Query != "" {
		ix := t.Shop.Catalog
		isShown := func(s concierge.SKU) bool {
			return slices.Contains(shown, s) || ix.GroupOf(s) != "" && slices.ContainsFunc(shown, func(o concierge.SKU) bool { return ix.GroupOf(o) == ix.GroupOf(s) })
		}
		hits := ix.Search(catalog.Query{Text: in.Query, Exclude: in.NotQuery})
		shownHit := slices.ContainsFunc(hits, func(h catalog.Hit) bool { return isShown(h.SKU) && h.Score > 0 })
		if shownHit && !isShown(hits[0].SKU) && hits[0].Score > 0 && !slices.ContainsFunc(hits, func(h catalog.Hit) bool { return isShown(h.SKU) && h.Score >= hits[0].Score }) {
			// "2 lots de 6 flèches carbone 500" after the wooden and
			// aluminium arrows were offered: the words fit another
			// product better than any offered; no answer to "which one?".
			return false, nil
		}
		for _, h := range hits {
			if h.Score > 0 && slices.Contains(shown, h.SKU) {
				fit = append(fit, h.SKU)
			}
		}
	}
	if len(fit) == 0 {
		// "grey" among a bath towel (white, grey) and a bathrobe: values
		// of the variants of one product shown choose among them, and
		// the count first asked holds.
		if vs := valuesOfOneShown(t.Shop.Catalog, shown, t.Event.Text, in.Query); len(vs) == 1 {
			fit = vs
		} else if len(vs) > 1 {
			return true, b.askVariant(ctx, t, t.Event.Text, "", vs, max(qty, 1))
		}
	}
	if len(fit) > 1 {
		if s := t.Shop.Catalog.Closest(in.Query, fit); s != "" {
			fit = []concierge.SKU{s}
		}
	}
	if len(fit) > 1 && in.Quantity > 0 {
		// "3 cups" among the 3-cup and 6-cup pots: the number is the
		// one name's, not a count.
		var named []concierge.SKU
		for _, s := range fit {
			if t.Shop.Catalog.NameHasNumber(s, float64(in.Quantity)) {
				named = append(named, s)
			}
		}
		if len(named) == 1 {
			fit, in.Quantity = named, 0
		}
	}
	if len(fit) != 1 && in.Size != 0 {
		// "the small one": among what was offered, or among those of
		// them the words found.
		among := fit
		if len(among) == 0 {
			among = shown
		}
		if s := t.Shop.Catalog.BySize(among, in.Size > 0); s != "" {
			fit = []concierge.SKU{s}
		}
	}
	if len(fit) != 1 {
		return false, nil
	}
	if in.Quantity > 0 {
		qty = in.Quantity
	}
	// What the wish ruled out stays ruled out: "我要瑜伽垫，不要紫色的"
	// then "6毫米的" is the black mat, not the purple one.
	not := in.NotQuery
	if wishNot != "" {
		wish = cutRuledOut(wish, wishNot)
		not = strings.Join(slices.DeleteFunc([]string{not, wishNot}, func(s string) bool { return s == "" }), catalog.ExcludeSep)
	}
	return true, b.addChosen(ctx, t, fit[0], not, max(qty, 1), wish)
}

// items returns the items of an add request: those the parser split, or
// the message as one item.
func items(in nlu.Intent) []nlu.Item {
	if len(in.Items) > 0 {
		return in.Items
	}
	return []nlu.Item{{Query: in.Query, Category: in.Category, Products: in.Products, Quantity: in.Quantity, RefShown: in.RefShown}}
}

// resolve finds the one product an item means: named, described by words
// that fit one product only, picked by its position in what was shown, or
// in focus when the item points at it ("I'll take it").
func (b Brain) resolve(ctx context.Context, t *agent.Turn, it nlu.Item, in nlu.Intent) (pick, error) {
	mem := &t.Conv.Memory
	named := it.Products // the parser left out what was ruled out
	if (len(named) == 1 || sameGroup(t.Shop.Catalog, named)) && !in.Picked && in.Sort == catalog.Relevance && len(in.Ordinals) == 0 &&
		t.Shop.Catalog.SaysOtherName(it.Query, named) {
		// "a 10.5 tog cloud duvet": "tog" names the goose down duvet
		// "… 10.5 tog", "cloud" another; what the words find decides.
		named = nil
	}
	if len(named) == 1 && t.Shop.Catalog.ForUseOnly(it.Query, named[0]) {
		// "我要普洱茶饼" names the knife "普洱茶刀（撬茶饼用）" by its
		// first characters, but asks for what it is used for.
		return pick{candidates: named}, nil
	}
	if len(named) == 1 {
		return pick{sku: named[0]}, nil
	}
	if len(named) > 1 {
		return b.choose(t, it, in.NotQuery, named), nil
	}
	if len(in.Items) == 0 {
		if s := ordinalChoice(t, in); s != "" {
			return pick{sku: s, variant: true}, nil
		}
		if skus := b.ordinals(t, in); len(skus) == 1 {
			return pick{sku: skus[0]}, nil
		}
	}
	if it.Category != "" || b.meaningful(t, it.Query) {
		shown := slices.Clone(mem.Shown) // before the search shows more
		skus, err := b.found(ctx, t, it, in)
		if err != nil {
			return pick{}, err
		}
		if it.RefShown {
			// "I'll take the 10 cm one" after the moulds were shown: of
			// what the words find, what was shown (10 cm wicks too are
			// found, but they were not in sight).
			skus = amongShown(t.Shop.Catalog, skus, shown)
		}
		if in.Strange(it, t.Event.Text) {
			// "add an espresso machine" where only a soy-milk machine
			// is sold: a word the shop does not know beside the one it
			// does names something else; show and ask.
			return pick{candidates: skus}, nil
		}
		if len(skus) == 1 && (it.Category == "" && t.Shop.Catalog.DescribedOnly(it.Query, skus[0]) || t.Shop.Catalog.ForUseOnly(it.Query, skus[0]) ||
			t.Shop.Catalog.FoundByCodeOnly(it.Query, skus[0])) {
			// "ajoute une imprimante" where a ream says "for printers",
			// "我要普洱茶饼" where only the knife "（撬茶饼用）" is found,
			// "a tyre 205/55 R16" where the "r" of R16 finds a triangle
			// "ECE R27": shown, not added.
			return pick{candidates: skus}, nil
		}
		if len(skus) == 1 {
			return pick{sku: skus[0]}, nil
		}
		p := b.choose(t, it, in.NotQuery, skus)
		if p.sku == "" && in.Size != 0 && len(in.Items) == 0 {
			// "the big monstera": the largest of one name.
			p.sku = t.Shop.Catalog.BySize(p.candidates, in.Size > 0)
		}
		return p, nil
	}
	if in.Sort != catalog.Relevance && (len(mem.Shown) > 1 || len(mem.Shown) == 1 && len(t.Shop.Catalog.Variants(mem.Shown[0])) > 1) && len(in.Items) == 0 {
		// "I'll take the cheaper one": among what was shown.
		sku, variant := b.byPrice(t, mem.Shown, in.Sort)
		return pick{sku: sku, variant: variant}, nil
	}
	if it.RefShown || len(in.Items) == 0 {
		if mem.Focus != "" {
			return pick{sku: mem.Focus}, nil
		}
		if len(mem.Shown) == 1 {
			return pick{sku: mem.Shown[0]}, nil
		}
		return pick{candidates: mem.Shown}, nil
	}
	return pick{}, nil
}

// amongShown returns those of skus that were shown, or are variants of a
// product shown; all of skus when none was.
func amongShown(ix *catalog.Index, skus, shown []concierge.SKU) []concierge.SKU {
	var out []concierge.SKU
	for _, s := range skus {
		g := ix.GroupOf(s)
		if slices.Contains(shown, s) || g != "" && slices.ContainsFunc(shown, func(v concierge.SKU) bool { return ix.GroupOf(v) == g }) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return skus
	}
	return out
}

// pointedInCart reports whether an item points at sku without naming or
// describing it ("mets-en quatre", "I'll take two") and the cart already
// holds it.
func (b Brain) pointedInCart(ctx context.Context, t *agent.Turn, it nlu.Item, sku concierge.SKU) bool {
	if len(it.Products) > 0 || b.meaningful(t, it.Query) {
		return false
	}
	cv, err := t.Tools.Cart(ctx)
	return err == nil && quantityOf(cv, sku) > 0
}

// inCart reports whether the cart holds sku.
func (b Brain) inCart(ctx context.Context, t *agent.Turn, sku concierge.SKU) bool {
	cv, err := t.Tools.Cart(ctx)
	return err == nil && quantityOf(cv, sku) > 0
}

// found searches for an item's words, with the category they suggest and
// without it, and keeps the search that finds one product: the category
// narrows "the 20W charger" to the charger, but would hide "le pack de
// chaussettes de running" among the running shoes.
func (b Brain) found(ctx context.Context, t *agent.Turn, it nlu.Item, in nlu.Intent) ([]concierge.SKU, error) {
	args := agent.SearchArgs{Query: it.Query, Exclude: in.NotQuery, Limit: agent.PageSize}
	if len(in.Items) == 0 {
		// "a robot cleaner under £500": the bound is the request's.
		args.PriceMax, args.PriceMin = in.PriceMax, in.PriceMin
	}
	search := func(category string) ([]concierge.SKU, error) {
		args.Category = category
		pvs, err := t.Tools.Search(ctx, args)
		if err != nil {
			return nil, err
		}
		var skus []concierge.SKU
		for _, pv := range pvs {
			if !slices.Contains(in.Excluded, pv.SKU) {
				skus = append(skus, pv.SKU)
			}
		}
		return skus, nil
	}
	all, err := search("")
	if err != nil || it.Category == "" || !b.meaningful(t, it.Query) || len(all) == 1 {
		return all, err
	}
	narrow, err := search(it.Category)
	if err != nil || len(all) > 0 && (len(narrow) != 1 || !slices.Contains(all, narrow[0])) {
		// The category only narrows what the words found; a product
		// the words did not find is never chosen by the category alone.
		return all, err
	}
	return narrow, nil
}

// choose picks among several products that fit an item: the one whose
// name the words spell out, or the one in focus ("I'll take the teapot"
// while looking at one); otherwise all of them are the question.
func (b Brain) choose(t *agent.Turn, it nlu.Item, not string, skus []concierge.SKU) pick {
	ix := t.Shop.Catalog
	if parts := ix.PartsForEveryName(it.Query, skus); len(parts) > 0 {
		// "add the X3 drone" is not the "Battery for drone X3".
		skus = slices.DeleteFunc(slices.Clone(skus), func(s concierge.SKU) bool { return slices.Contains(parts, s) })
		if len(skus) == 1 {
			return pick{sku: skus[0]}
		}
	}
	if s, ok := ix.InSaidOrder(it.Query, skus); ok {
		// "a travel adapter UK to EU" is not the one "EU to UK".
		if s == "" {
			return pick{candidates: skus}
		}
		return pick{sku: s}
	}
	if s := ix.Closest(it.Query, skus); s != "" {
		return pick{sku: s}
	}
	if s := explainsAll(ix, it.Query, skus); s != "" {
		// "a 10.5 tog cloud duvet in double": of the goose duvet "…
		// 10.5 tog" and the Cloud duvets, the one that has every word.
		return pick{sku: s}
	}
	text := it.Text
	if text == "" {
		text = t.Event.Text
	}
	if s := valueChooses(ix, text, skus); s != "" {
		return pick{sku: s}
	}
	if s := groupOfValues(ix, cutRuledOut(text, not), skus); s != "" {
		return pick{sku: s}
	}
	if s := hasEveryWord(ix, it.Query, skus); s != "" {
		return pick{sku: s}
	}
	if f := t.Conv.Memory.Focus; f != "" && slices.Contains(skus, f) {
		return pick{sku: f}
	}
	return pick{candidates: skus}
}

// valueChooses returns the one of skus, products of no group, that has
// the values the text (an item's words) states where no other does: "3 noodle bowls,
// the white ones" is the bowl whose pattern is white, not the one whose
// pattern is blue-and-white, though both names say "white". "" when the
// words state no value, one no product has, or fit several.
func valueChooses(ix *catalog.Index, text string, skus []concierge.SKU) concierge.SKU {
	for _, s := range skus {
		if ix.GroupOf(s) != "" {
			return ""
		}
	}
	fit, said, missing := ix.NarrowShared(text, skus)
	if len(fit) != 1 || len(said) == 0 || len(missing) > 0 {
		return ""
	}
	return fit[0]
}

// groupOfValues returns the one of skus whose variants the values text
// states in words choose among, where no other of skus has those values:
// "普拉提垫粉色" among the pilates mat that comes in pink and grey and a
// cork one of no colour is the first. "" when none or several have them,
// or a value said is a number.
func groupOfValues(ix *catalog.Index, text string, skus []concierge.SKU) concierge.SKU {
	var found concierge.SKU
	seen := map[string]bool{}
	for _, s := range skus {
		g := ix.GroupOf(s)
		if g == "" || seen[g] {
			continue
		}
		seen[g] = true
		fit, said, missing := ix.Narrow(text, ix.Variants(s))
		if len(fit) == 0 || len(said) == 0 || len(missing) > 0 {
			continue
		}
		for _, v := range said {
			if strings.ContainsAny(v, "0123456789") {
				// A number said is another thing's as often as this
				// one's: "五筒3个装网球" is no racket of grip 3, "le
				// sous-tapis pour 160x230" no rug of that size.
				return ""
			}
		}
		if found != "" {
			return ""
		}
		found = s
	}
	if found == "" {
		return ""
	}
	_, said, _ := ix.Narrow(text, ix.Variants(found))
	for _, s := range skus {
		p := ix.Product(s)
		if p == nil || ix.GroupOf(s) != "" {
			continue
		}
		for k, v := range said {
			if strings.EqualFold(p.Attrs[k], v) {
				return "" // a product of no group that has that value too
			}
		}
	}
	return found
}

// hasEveryWord returns the one of skus that every word of query finds
// (by its name, tags, category or attributes), where each other lacks
// one: "5 brass nozzles 0.4 mm" is the brass nozzle sold in 0.4 mm, not
// the "Hardened steel nozzle 0.4 mm", which has no brass. "" when none
// or several have every word.
func hasEveryWord(ix *catalog.Index, query string, skus []concierge.SKU) concierge.SKU {
	var words []string
	for _, w := range strings.Fields(catalog.Fold(query)) {
		if _, number := catalog.NumberValue(w); !number && len([]rune(w)) >= 3 {
			words = append(words, w)
		}
	}
	// A word that finds none of them ("sous" of "sous-pochettes", a
	// stop word) tells none apart.
	words = slices.DeleteFunc(words, func(w string) bool { return !ix.Finds(w, skus) })
	if len(words) < 2 {
		return ""
	}
	found := concierge.SKU("")
	for _, s := range skus {
		all := true
		for _, w := range words {
			all = all && ix.Finds(w, []concierge.SKU{s})
		}
		if !all {
			continue
		}
		if found != "" && (ix.GroupOf(s) == "" || ix.GroupOf(s) != ix.GroupOf(found)) {
			return "" // variants of one product count as one
		}
		if found == "" {
			found = s
		}
	}
	return found
}

// ofSearchedKind returns the products of mem.Shown that are what the
// last search asked for, when some shown are and some are not: after
// "show me the solar panels" listed two panels and an extension cable
// for them, "the cheapest" compares the panels. Those are the shown
// products in the category the search was about, and of those the ones
// not made for the thing searched (catalog.PartsFor). A search about no
// one category ("everything under 20 €") leaves them all.
func ofSearchedKind(t *agent.Turn, mem *concierge.Memory) []concierge.SKU {
	shown := mem.Shown
	c := mem.LastCategory
	if c == "" && mem.LastQuery != "" {
		c = t.Shop.Catalog.CategoryOf(mem.LastQuery)
	}
	if c != "" {
		var in []concierge.SKU
		for _, sku := range shown {
			if p := t.Shop.Bot.Product(sku); p != nil && strings.EqualFold(p.Category, c) {
				in = append(in, sku)
			}
		}
		if len(in) > 0 {
			shown = in
		}
	}
	if mem.LastQuery == "" {
		return shown
	}
	parts := t.Shop.Catalog.PartsFor(mem.LastQuery, shown)
	return slices.DeleteFunc(slices.Clone(shown), func(s concierge.SKU) bool { return slices.Contains(parts, s) })
}

// tiedByPrice returns the products of skus that cost what the cheapest
// (or dearest) does, when there are several: "the cheapest" of two
// strings at 14.00 is a question, not a guess. nil when one is cheapest.
func (b Brain) tiedByPrice(t *agent.Turn, skus []concierge.SKU, s catalog.Sort) []concierge.SKU {
	best, _ := b.byPrice(t, skus, s)
	p := t.Shop.Bot.Product(best)
	if p == nil {
		return nil
	}
	var tied []concierge.SKU
	for _, sku := range skus {
		q, _ := b.byPrice(t, []concierge.SKU{sku}, s)
		if o := t.Shop.Bot.Product(q); o != nil && o.Price.Minor == p.Price.Minor {
			tied = append(tied, sku)
		}
	}
	if len(tied) < 2 {
		return nil
	}
	return tied
}

// byPrice returns the cheapest (or dearest) of skus.
//
// A product shown with its variants counts as its cheapest variant (its
// dearest, for the dearest), and is that variant when no other of the
// group costs the same: "le moins cher" after the chisels in 6, 12 and 20
// mm is the 6 mm one.
func (b Brain) byPrice(t *agent.Turn, skus []concierge.SKU, s catalog.Sort) (sku concierge.SKU, variant bool) {
	before := func(p, q *concierge.Product) bool {
		return s == catalog.PriceAsc && p.Price.Minor < q.Price.Minor || s == catalog.PriceDesc && p.Price.Minor > q.Price.Minor
	}
	pick := func(sku concierge.SKU) (concierge.SKU, bool) {
		group := t.Shop.Catalog.Variants(sku)
		if len(group) == 0 {
			return sku, false
		}
		if fit, said, _ := t.Shop.Catalog.Narrow(t.Conv.Memory.LastQuery, group); len(said) > 0 && len(fit) > 0 {
			// "which is cheaper in king, …?" then "the cheaper one": of
			// the variants the search said, not the single.
			group = fit
		}
		best, tie := group[0], false
		for _, v := range group[1:] {
			p, q := t.Shop.Bot.Product(v), t.Shop.Bot.Product(best)
			switch {
			case p == nil || q == nil:
			case before(p, q):
				best, tie = v, false
			case p.Price.Minor == q.Price.Minor:
				tie = true
			}
		}
		if tie {
			return sku, false
		}
		return best, true
	}
	best, variant := pick(skus[0])
	for _, sku := range skus[1:] {
		sku, v := pick(sku)
		p, q := t.Shop.Bot.Product(sku), t.Shop.Bot.Product(best)
		if p == nil || q == nil {
			continue
		}
		if before(p, q) {
			best, variant = sku, v
		}
	}
	return best, variant
}

// ordinals returns the products of what was shown that the intent's
// positions pick ("the second one", "第二个").
// ordinalChoice returns the variant "la deuxième" points at when one
// product was shown with its choices of one attribute ("Couleurs :
// marron, noir"): the second value, as its buttons list them.
func ordinalChoice(t *agent.Turn, in nlu.Intent) concierge.SKU {
	shown := t.Conv.Memory.Shown
	if len(shown) != 1 || len(in.Ordinals) != 1 {
		return ""
	}
	ix := t.Shop.Catalog
	group := ix.Variants(shown[0])
	cs := ix.Choices(group)
	p := t.Shop.Bot.Product(shown[0])
	if len(cs) != 1 || p == nil {
		return ""
	}
	o := in.Ordinals[0]
	if o < 0 {
		o += len(cs[0].Values) + 1
	}
	if o < 1 || o > len(cs[0].Values) {
		return ""
	}
	return withValues(ix, group, p, catalog.Said{cs[0].Attr: cs[0].Values[o-1]})
}

func (b Brain) ordinals(t *agent.Turn, in nlu.Intent) []concierge.SKU {
	shown := t.Conv.Memory.Shown
	var out []concierge.SKU
	for _, o := range in.Ordinals {
		if o < 0 { // "the last one" counts from the end
			o += len(shown) + 1
		}
		if o >= 1 && o <= len(shown) {
			out = append(out, shown[o-1])
		}
	}
	return out
}

// addItems adds each item the customer asked for that resolves to one
// product, with its own quantity, then asks about the first that does
// not. A request with nothing resolved and nothing to ask about searches.
func (b Brain) addItems(ctx context.Context, t *agent.Turn, in nlu.Intent) error {
	if in.Delta > 0 {
		return b.addMore(ctx, t, in.Delta)
	}
	if in.VagueQuantity {
		return b.askHowMany(ctx, t, in)
	}
	if in.Swap {
		return b.swap(ctx, t, in)
	}
	var (
		added    []concierge.SKU
		addedQty int
		ask      *pick
		cv       agent.CartView
		failed   bool
	)
	for _, it := range items(in) {
		p, err := b.resolve(ctx, t, it, in)
		if err != nil {
			return err
		}
		if p.sku == "" && len(p.candidates) > 1 && len(items(in)) == 1 && (in.Sort == catalog.PriceAsc || in.Sort == catalog.PriceDesc) {
			// "add the cheapest bar handle": the cheapest of those the
			// words fit is the customer's pick, unless two share its price.
			if b.tiedByPrice(t, p.candidates, in.Sort) == nil {
				sku, _ := b.byPrice(t, p.candidates, in.Sort)
				p = pick{sku: sku}
			}
		}
		p = b.variantPick(ctx, t, it, in.NotQuery, p)
		if p.sku == "" && len(added) > 0 {
			p = sameProductOtherValue(t.Shop.Catalog, added[len(added)-1], it, p)
		}
		switch {
		case p.sku != "" && slices.Contains(added, p.sku) && it.Quantity == 0:
			// Named twice in one message ("the boots, the suede ones"):
			// one is what was asked.
		case p.sku != "" && it.Quantity > 0 && (b.pointedInCart(ctx, t, it, p.sku) || !in.AddVerb && b.inCart(ctx, t, p.sku)):
			// "mets-en quatre", "je voudrais deux cartes" about what is
			// already in the cart: that many in all. Adding on top takes
			// "add", "encore", "more".
			c, err := t.Tools.SetQuantity(ctx, p.sku, it.Quantity)
			if err != nil {
				if err := b.toolError(t, err); err != nil {
					return err
				}
				failed = true
				continue
			}
			cv, added, addedQty = c, append(added, p.sku), it.Quantity
		case p.sku != "":
			qty := max(it.Quantity, 1)
			c, err := t.Tools.AddToCart(ctx, p.sku, qty)
			if err != nil {
				if err := b.toolError(t, err); err != nil {
					return err
				}
				failed = true
				continue
			}
			cv, added, addedQty = c, append(added, p.sku), qty
		case (len(p.candidates) > 0 || len(p.variants) > 0) && ask == nil:
			p.quantity = it.Quantity
			ask = &p
		}
	}
	if len(added) > 1 {
		// Several products just went in: none of them is "it".
		t.Conv.Memory.Focus = ""
	}
	if len(added) > 0 {
		if len(added) == 1 {
			name := t.ProductTitle(t.Product(ctx, added[0]))
			t.ShowCart(t.T("added", map[string]any{"count": addedQty, "N": addedQty, "Name": name}), cv)
		} else {
			t.ShowCart(t.T("added_several", nil), cv)
		}
	}
	if ask != nil && len(ask.variants) > 0 {
		return b.askVariant(ctx, t, ask.text, "", ask.variants, ask.quantity)
	}
	if ask != nil {
		pvs, err := t.Tools.Offer(ctx, ask.candidates)
		if err != nil {
			return err
		}
		t.ShowProducts(t.T("which_one", nil), pvs)
		// The next message may pick one ("the large brown one", "世界地图那个").
		t.Conv.Memory.Pending, t.Conv.Memory.PendingQuantity = concierge.QuestionWhichProduct, max(ask.quantity, 1)
		t.Conv.Memory.PendingText, t.Conv.Memory.PendingNot = t.Event.Text, in.NotQuery
		return nil
	}
	switch {
	case len(added) > 0 && in.ThenCheckout:
		return b.checkout(ctx, t)
	case len(added) > 0 || failed:
		return nil
	case in.Query != "" && b.meaningful(t, in.Query):
		return b.search(ctx, t, in)
	}
	t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("add_which", nil), Buttons: t.BrowseButtons()})
	return nil
}

// swap replaces the product in the cart the customer changed their mind
// about ("finalement le grand", "the cardboard one instead") with the one
// they now name, keeping its quantity. The old line is the one in focus,
// or the cart's only one; with neither, the new product is added as
// usual. Among several products the words fit, the one most like the old
// is taken; a tie asks.
func (b Brain) swap(ctx context.Context, t *agent.Turn, in nlu.Intent) error {
	cv, err := t.Tools.Cart(ctx)
	if err != nil {
		return err
	}
	var old concierge.SKU
	switch f := t.Conv.Memory.Focus; {
	case f != "" && quantityOf(cv, f) > 0:
		old = f
	case len(cv.Lines) == 1:
		old = cv.Lines[0].Product.SKU
	}
	it := items(in)[0]
	p, err := b.resolve(ctx, t, it, in)
	if err != nil {
		return err
	}
	if s := b.variantSwap(t, old, in.Query); s != "" {
		p = pick{sku: s} // "finalement en 41": the same product, another size
	} else if old != "" && len(in.Products) == 0 {
		// "non, plutôt la M" of the "Plume acier F", "actually, the black
		// one" of the stainless bar handle: the product named as the one
		// in the cart but for the words said, before any other black
		// thing the words find.
		if s := t.Shop.Catalog.Sibling(old, t.Event.Text); s != "" {
			p = pick{sku: s}
		}
	}
	if p.sku == "" && old != "" && len(p.candidates) > 1 {
		// "不对，要真皮的" of the canvas shoes in 36: the leather ones in
		// the old line's size, or a question when they do not come in it.
		if s, ofGroup := carriedValues(t.Shop.Catalog, old, p.candidates); ofGroup {
			p.sku = s
		}
	}
	if p.sku == "" && old != "" && len(p.candidates) > 1 && !sameGroup(t.Shop.Catalog, p.candidates) {
		// The candidates nearest the line replaced, among those whose
		// names write every number said ("plutôt les briques de base
		// 500" of the technic parts "lot de 100": the bricks of 500, not
		// the bricks of 100 because the old line had a 100).
		among := slices.DeleteFunc(slices.Clone(p.candidates), func(s concierge.SKU) bool { return !t.Shop.Catalog.WritesNumbers(s, t.Event.Text) })
		if len(among) > 0 {
			p.sku = t.Shop.Catalog.Nearest(old, among)
		}
	}
	if ix := t.Shop.Catalog; p.sku != "" && old != "" && !p.variant && len(ix.Variants(p.sku)) > 1 && ix.GroupOf(p.sku) != ix.GroupOf(old) {
		// Another product sold in variants: the variant said, or the
		// old line's values ("不对，要真皮的" of the canvas shoes in 36),
		// or a question — never its first variant.
		if q := b.variantPick(ctx, t, it, in.NotQuery, p); q.sku != "" {
			p = q
		} else if s, _ := carriedValues(ix, old, ix.Variants(p.sku)); s != "" {
			p = pick{sku: s}
		} else if len(q.variants) > 0 {
			return b.askVariant(ctx, t, q.text, in.NotQuery, q.variants, max(it.Quantity, 1))
		}
	}
	switch {
	case p.sku == "" && len(p.candidates) > 0:
		pvs, err := t.Tools.Offer(ctx, p.candidates)
		if err != nil {
			return err
		}
		t.ShowProducts(t.T("which_one", nil), pvs)
		return nil
	case p.sku == "":
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("add_which", nil), Buttons: t.BrowseButtons()})
		return nil
	case old == "":
		return b.addChosen(ctx, t, p.sku, in.NotQuery, max(it.Quantity, 1), "")
	case old == p.sku:
		// "actually make it the L" that finds only what is in the cart:
		// the words did not say what to change to. Adding another
		// would be a guess.
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("add_which", nil), Buttons: t.BrowseButtons()})
		return nil
	}
	return b.replaceLine(ctx, t, cv, old, p.sku)
}

// correct reads "white not gold", "sorry, the 20 mm not the 12": a value
// the customer rules out that a cart line has, and another value of the
// same attribute of its variants, is a change of mind about that line. It
// is replaced by the variant with the new value, keeping its quantity.
// Nothing done (false) unless exactly one line is so described.
func (b Brain) correct(ctx context.Context, t *agent.Turn, in nlu.Intent) (bool, error) {
	if in.NotQuery == "" || in.Quantity != 0 || in.Delta != 0 || len(in.Items) > 0 {
		return false, nil
	}
	switch in.Name {
	case nlu.AddToCart, nlu.Search:
	default:
		return false, nil
	}
	cv, err := t.Tools.Cart(ctx)
	if err != nil || len(cv.Lines) == 0 {
		return false, err
	}
	ix := t.Shop.Catalog
	var old, with concierge.SKU
	for _, l := range cv.Lines {
		group := ix.Variants(l.Product.SKU)
		if group == nil {
			continue
		}
		_, not, missing := ix.Narrow(in.NotQuery, group)
		if len(not) == 0 || len(missing) > 0 || len(ix.Matching([]concierge.SKU{l.Product.SKU}, not)) == 0 {
			continue
		}
		_, said, missing := ix.Narrow(in.Query, group)
		if len(said) == 0 || len(missing) > 0 {
			continue
		}
		for k := range said {
			if _, ok := not[k]; !ok {
				return false, nil // another attribute: not a correction of this one
			}
		}
		s := withValues(ix, group, l.Product, said)
		if s == "" || s == l.Product.SKU {
			continue
		}
		if old != "" {
			return false, nil // two lines fit: the usual reading asks
		}
		old, with = l.Product.SKU, s
	}
	if old == "" {
		return false, nil
	}
	return true, b.replaceLine(ctx, t, cv, old, with)
}

// replaceLine puts sku in the cart in place of old, with old's quantity.
func (b Brain) replaceLine(ctx context.Context, t *agent.Turn, cv agent.CartView, old, sku concierge.SKU) error {
	qty := quantityOf(cv, old)
	if _, err := t.Tools.SetQuantity(ctx, old, 0); err != nil {
		return b.toolError(t, err)
	}
	cv, err := t.Tools.AddToCart(ctx, sku, qty)
	if err != nil {
		// Put the old line back: a swap that cannot take the new product
		// must not lose the old one.
		if _, rerr := t.Tools.SetQuantity(ctx, old, qty); rerr != nil {
			return rerr
		}
		return b.toolError(t, err)
	}
	name := t.Product(ctx, sku).Title(t.Locale, t.Shop.Bot.DefaultLocale())
	t.ShowCart(t.T("added", map[string]any{"count": qty, "N": qty, "Name": name}), cv)
	return nil
}

// askHowMany answers "quelques", "a few", "几个" of something: the
// product (or the choice of products) with a question, and nothing added.
func (b Brain) askHowMany(ctx context.Context, t *agent.Turn, in nlu.Intent) error {
	p, err := b.resolve(ctx, t, items(in)[0], in)
	if err != nil {
		return err
	}
	skus := p.candidates
	if p.sku != "" {
		skus = []concierge.SKU{p.sku}
	}
	if len(skus) == 0 {
		t.Say(concierge.Message{Kind: concierge.MessageText, Text: t.T("add_which", nil), Buttons: t.BrowseButtons()})
		return nil
	}
	pvs, err := t.Tools.Offer(ctx, skus)
	if err != nil {
		return err
	}
	t.ShowProducts(t.T("how_many", map[string]any{"Max": t.Shop.LineLimit()}), pvs)
	return nil
}

// addMore adds n more of what is in focus, or of the cart's only line:
// "one more", "encore une", "再来一个".
func (b Brain) addMore(ctx context.Context, t *agent.Turn, n int) error {
	cv, err := t.Tools.Cart(ctx)
	if err != nil {
		return err
	}
	target := t.Conv.Memory.Focus
	if target == "" && len(cv.Lines) == 1 {
		target = cv.Lines[0].Product.SKU
	}
	if target == "" {
		t.ShowCart(t.T("quantity_which", nil), cv)
		return nil
	}
	return b.add(ctx, t, target, n)
}

// explainsAll returns the one of skus (or the one group of them) whose
// products have every word of query that some other of skus names, when
// the others each lack one; "" otherwise.
func explainsAll(ix *catalog.Index, query string, skus []concierge.SKU) concierge.SKU {
	var found concierge.SKU
	group := ""
	for _, s := range skus {
		if ix.SaysOtherName(query, []concierge.SKU{s}) || !ix.WritesDigits(query, s) {
			continue
		}
		if g := ix.GroupOf(s); found != "" && (g == "" || g != group) {
			return "" // two explain it
		} else if found == "" {
			found, group = s, g
		}
	}
	if found == "" || len(skus) < 2 {
		return ""
	}
	return found
}
