package catalog

import (
	"maps"
	"slices"

	"github.com/conciergehq/concierge"
)

// Update returns the index of products, which are ix's products after a
// change, and whether it kept ix's terms. Prices and stock change many
// times a day, names seldom: when the products are ix's, in the same
// order, with the same names, descriptions, category, tags, attributes,
// group and digital flag, and only prices, stock or fields the index does
// not read changed, the new index shares all of ix's terms, postings and
// vocabulary and copies only the per-product prices and stock (a few
// dozen bytes a product), and Update reports true.
//
// Otherwise (a product renamed, added, withdrawn or moved) it analyses
// only the products whose indexed fields differ from ix's product of the
// same SKU, reuses ix's analysis of the others, and assembles the index
// again from them: the result is New's on the same products, for a
// fraction of its cost. When the change alters the lexicon itself (a new
// proper name that is a stop word, a capital letter after a word, see
// lexiconWith), or the locales differ, every product is analysed again
// with New.
//
// changed, when not nil, lists the SKUs that may differ from ix's, and
// only those are compared field by field; nil compares every product.
// ix is left as it is: searches running on it are not disturbed.
func (ix *Index) Update(products []concierge.Product, locales []concierge.Locale, changed []concierge.SKU) (*Index, bool) {
	if !slices.Equal(locales, ix.locales) {
		return New(products, locales), false
	}
	if ix.sameText(products, changed) {
		nx := *ix
		nx.products = products
		nx.docs = slices.Clone(ix.docs)
		for i := range products {
			nx.docs[i].price = products[i].Price.Minor
			nx.docs[i].available = products[i].Stock > 0 || products[i].Digital
		}
		return &nx, true
	}
	return ix.reanalyse(products), false
}

// reanalyse is Update's way when the indexed text changed: it reuses
// ix's prodInfo of every product whose indexed fields are unchanged.
func (ix *Index) reanalyse(products []concierge.Product) *Index {
	was := make(map[concierge.SKU]int, len(ix.products))
	for i := range ix.products {
		was[ix.products[i].SKU] = i
	}
	infos := make([]*prodInfo, len(products))
	keep, letters := make([][]string, len(products)), make([][]string, len(products))
	shared := sharedLexicon()
	for i := range products {
		if j, ok := was[products[i].SKU]; ok && sameIndexed(&ix.products[j], &products[i]) {
			infos[i] = ix.infos[j]
			keep[i], letters[i] = infos[i].keep, infos[i].letters
			continue
		}
		keep[i], letters[i] = lexiconParts(shared, &products[i])
	}
	lx, kept := lexiconWith(keep, letters)
	if !slices.Equal(kept, ix.keep) || !maps.Equal(lx.letters, ix.lx.letters) {
		// The analysis of every product depends on the lexicon.
		return New(products, ix.locales)
	}
	an := newAnalyser(ix.lx, ix.locales)
	for i := range products {
		if infos[i] == nil {
			infos[i] = an.analyseProduct(&products[i], keep[i], letters[i])
		}
	}
	return assemble(products, ix.locales, ix.lx, ix.keep, infos)
}

// sameText reports whether products are ix's with the same indexed text:
// the same SKUs in the same order, and, for changed (all when nil), the
// same fields the index reads apart from price and stock.
func (ix *Index) sameText(products []concierge.Product, changed []concierge.SKU) bool {
	if len(products) != len(ix.products) {
		return false
	}
	for i := range products {
		if products[i].SKU != ix.products[i].SKU {
			return false
		}
	}
	if changed == nil {
		for i := range products {
			if !sameIndexed(&ix.products[i], &products[i]) {
				return false
			}
		}
		return true
	}
	for _, sku := range changed {
		i, ok := ix.skus[compact(Fold(string(sku)))]
		if !ok || ix.products[i].SKU != sku || !sameIndexed(&ix.products[i], &products[i]) {
			return false
		}
	}
	return true
}

// sameIndexed reports whether a and b agree on every field New reads but
// the price and the stock.
func sameIndexed(a, b *concierge.Product) bool {
	return a.SKU == b.SKU && a.Category == b.Category && a.Group == b.Group && a.Digital == b.Digital &&
		maps.Equal(a.Name, b.Name) && maps.Equal(a.Description, b.Description) &&
		maps.Equal(a.Attrs, b.Attrs) && slices.Equal(a.Tags, b.Tags)
}
