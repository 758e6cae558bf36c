package catalog

import (
	"slices"
	"strings"
	"unicode"

	"github.com/conciergehq/concierge"
)

// Sibling returns the product whose name is old's name with one stretch
// of words changed to words the text says, when exactly one product is
// so named: "non, plutôt la M" with the "Plume acier F" in the cart is
// the "Plume acier M", "actually, the black one" with the "Stainless bar
// handle 160 mm" the "Matt black bar handle 160 mm", though they are
// products of their own, not variants. "" when the text says a word of
// old's changed stretch too ("la F ou la M"), or no such product or
// several are named.
func (ix *Index) Sibling(old concierge.SKU, text string) concierge.SKU {
	p := ix.Product(old)
	if p == nil {
		return ""
	}
	said := map[string]bool{}
	for _, w := range nameFields(text) {
		if !containsHan(w) {
			said[w] = true
		}
	}
	// The fewest words changed win: "la M" of the "Plume acier F" is the
	// "Plume acier M", not the "Plume or M".
	best, found, tie := 0, concierge.SKU(""), false
	for _, name := range p.Name {
		own := nameFields(name)
		if len(own) < 2 || containsHan(name) {
			continue
		}
		// Searched without each stretch of old's words and with the words
		// said, so that search keeps the products named so.
		var hits []concierge.SKU
		for i := range own {
			for n := 1; n <= 2 && i+n <= len(own); n++ {
				rest := append(slices.Clone(own[:i]), own[i+n:]...)
				for _, h := range ix.Search(Query{Text: text + " " + strings.Join(rest, " "), Limit: 20}) {
					if !slices.Contains(hits, h.SKU) {
						hits = append(hits, h.SKU)
					}
				}
			}
		}
		for _, sku := range hits {
			h := Hit{SKU: sku}
			if h.SKU == old {
				continue
			}
			q := ix.Product(h.SKU)
			if q == nil {
				continue
			}
			n := changedBySaid(own, nameFields(q.Name[nameLocale(p, q, name)]), said)
			if n > 0 && !ix.WritesNumbers(h.SKU, text) {
				n = 0 // "plutôt les briques de base 500": not the bricks of 100
			}
			switch {
			case n == 0:
			case found == "" || n < best:
				best, found, tie = n, h.SKU, false
			case n == best && h.SKU != found:
				tie = true
			}
		}
	}
	if tie {
		return "" // two products so named: ask
	}
	return found
}

// nameLocale returns the locale in which p is named name, for reading q's
// name in the same language.
func nameLocale(p, q *concierge.Product, name string) concierge.Locale {
	for loc, n := range p.Name {
		if n == name {
			if _, ok := q.Name[loc]; ok {
				return loc
			}
		}
	}
	return ""
}

// changedBySaid returns how many words differ when other is own with one
// stretch of one or two words replaced by one to three words, where some
// word of the new stretch is said and no word of the old one is; 0 when
// other is not so.
func changedBySaid(own, other []string, said map[string]bool) int {
	pre := 0
	for pre < len(own) && pre < len(other) && own[pre] == other[pre] {
		pre++
	}
	suf := 0
	for suf < len(own)-pre && suf < len(other)-pre && own[len(own)-1-suf] == other[len(other)-1-suf] {
		suf++
	}
	was, now := own[pre:len(own)-suf], other[pre:len(other)-suf]
	if len(was) < 1 || len(was) > 2 || len(now) < 1 || len(now) > 3 || pre+suf == 0 {
		return 0
	}
	if slices.ContainsFunc(was, func(w string) bool { return said[w] }) || !slices.ContainsFunc(now, func(w string) bool { return said[w] }) {
		return 0
	}
	return len(was) + len(now)
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

// WritesNumbers reports whether sku's names write every number text
// writes in digits ("500" of "briques de base 500"; "2b" is a word).
func (ix *Index) WritesNumbers(sku concierge.SKU, text string) bool {
	for _, w := range nameFields(text) {
		if v, ok := NumberValue(w); ok && isDigits(w) && !ix.NameHasNumber(sku, v) {
			return false // "2b" is a word, "500" a number
		}
	}
	return true
}
