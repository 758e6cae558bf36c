package catalog

import (
	"maps"
	"slices"

	"github.com/conciergehq/concierge"
)

// Update returns the index of products, which are ix's products after a
// change, and whether it could reuse ix. Prices and stock change many
// times a day, names seldom: when the products are ix's, in the same
// order, with the same names, descriptions, category, tags, attributes,
// group and digital flag, and only prices, stock or fields the index does
// not read changed, the new index shares all of ix's terms, postings and
// vocabulary and copies only the per-product prices and stock (a few
// dozen bytes a product). Otherwise it builds a new index with New.
//
// changed, when not nil, lists the SKUs that may differ from ix's, and
// only those are compared field by field; nil compares every product.
// ix is left as it is: searches running on it are not disturbed.
func (ix *Index) Update(products []concierge.Product, locales []concierge.Locale, changed []concierge.SKU) (*Index, bool) {
	if !slices.Equal(locales, ix.locales) || !ix.sameText(products, changed) {
		return New(products, locales), false
	}
	nx := *ix
	nx.products = products
	nx.docs = slices.Clone(ix.docs)
	for i := range products {
		nx.docs[i].price = products[i].Price.Minor
		nx.docs[i].available = products[i].Stock > 0 || products[i].Digital
	}
	return &nx, true
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
