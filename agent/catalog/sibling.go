package catalog

import (
	"slices"
	"strings"
	"unicode"

	"github.com/conciergehq/concierge"
)

// Sibling returns the product whose name is old's name with one word
// changed to a word text says, when exactly one product is so named:
// "non, plutôt la M" with the "Plume acier F" in the cart is the "Plume
// acier M", though the two are products of their own, not variants. ""
// when text says old's own word too ("la F ou la M"), or no such product
// or several are named.
func (ix *Index) Sibling(old concierge.SKU, text string) concierge.SKU {
	p := ix.Product(old)
	if p == nil {
		return ""
	}
	var said []string
	for _, w := range nameFields(text) {
		if !containsHan(w) && !slices.Contains(said, w) {
			said = append(said, w)
		}
	}
	var found concierge.SKU
	for _, name := range p.Name {
		own := nameFields(name)
		for i, w := range own {
			if slices.Contains(said, w) {
				continue
			}
			for _, n := range said {
				if slices.Contains(own, n) {
					continue
				}
				want := slices.Clone(own)
				want[i] = n
				for _, h := range ix.Search(Query{Text: strings.Join(want, " "), Limit: 20}) {
					if h.SKU == old || h.SKU == found {
						continue
					}
					if !ix.namedAs(h.SKU, want) {
						continue
					}
					if found != "" {
						return "" // two products so named: ask
					}
					found = h.SKU
				}
			}
		}
	}
	return found
}

// namedAs reports whether some name of sku is the folded words want.
func (ix *Index) namedAs(sku concierge.SKU, want []string) bool {
	p := ix.Product(sku)
	if p == nil {
		return false
	}
	for _, name := range p.Name {
		if slices.Equal(nameFields(name), want) {
			return true
		}
	}
	return false
}

// nameFields returns the folded words of s, letters and digits kept
// together ("2b", "hb"): what one word of a name is.
func nameFields(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
