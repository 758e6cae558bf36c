package seller

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/conciergehq/concierge"
)

// stopWords are the articles and small words a seller puts around a
// product's name ("the Aurore lamp", "la lampe Aurore").
var stopWords = map[string]bool{
	"the": true, "a": true, "an": true, "of": true, "our": true, "my": true,
	"le": true, "la": true, "les": true, "l": true, "un": true, "une": true, "de": true, "du": true, "des": true, "d": true,
}

// Match returns the products q names: the one whose SKU it is; else
// those whose name, in any language, has every word of q (accents and
// case aside); for Chinese, those whose name contains q or is contained
// in it. Several products mean q is ambiguous; when one of them is named
// exactly, it alone is returned.
func Match(products []concierge.Product, q string) []*concierge.Product {
	q = strings.TrimSpace(q)
	for i := range products {
		if strings.EqualFold(string(products[i].SKU), q) {
			return []*concierge.Product{&products[i]}
		}
	}
	words := tokens(q)
	if len(words) == 0 {
		return nil
	}
	han := hasHan(q)
	zq := strings.TrimSuffix(strings.TrimPrefix(q, "的"), "的")
	var out, exact []*concierge.Product
	for i := range products {
		p := &products[i]
		if han {
			for _, n := range p.Name {
				if n != "" && (strings.Contains(n, zq) || strings.Contains(zq, n)) {
					out = append(out, p)
					if n == zq {
						exact = append(exact, p)
					}
					break
				}
			}
			continue
		}
		have := map[string]bool{}
		for _, n := range p.Name {
			for _, w := range tokens(n) {
				have[w] = true
			}
			if fold(n) == strings.Join(words, " ") {
				exact = append(exact, p)
			}
		}
		all := true
		for _, w := range words {
			if !have[w] && !prefixOf(w, have) {
				all = false
				break
			}
		}
		if all {
			out = append(out, p)
		}
	}
	if len(out) > 1 && len(exact) == 1 {
		return exact
	}
	return out
}

// prefixOf reports whether w begins one of the words (a plural "lamps"
// reads as "lamp": the word must be at least 4 letters).
func prefixOf(w string, have map[string]bool) bool {
	if w2 := strings.TrimSuffix(w, "s"); w2 != w && len(w2) >= 4 && have[w2] {
		return true
	}
	return false
}

// tokens splits a name into folded words without the stop words.
func tokens(s string) []string {
	f := strings.FieldsFunc(fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' })
	out := f[:0]
	for _, w := range f {
		if !stopWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// fold lower-cases s and removes its accents.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	r, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		return strings.ToLower(s)
	}
	return strings.Join(strings.Fields(r), " ")
}
