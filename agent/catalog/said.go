package catalog

// What a message's words say of one product beside the others a search
// found: what it is used for rather than what it is (ForUseOnly),
// another product's word (SaysOtherName), the numbers and codes it must
// write (WritesDigits), a code's fragment only (FoundByCodeOnly). The
// rules brain reads them before putting a product in the cart.

import (
	"slices"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// ForUseOnly reports whether text's Chinese words name what sku is used
// for, not sku: the last word typed ("茶饼" of "我要普洱茶饼") is in its
// Chinese names only inside a purpose, before "用" ("普洱茶刀（撬茶饼
// 用）"). A search that finds only such a product found
// something for the thing asked, not the thing.
func (ix *Index) ForUseOnly(text string, sku concierge.SKU) bool {
	p := ix.Product(sku)
	if p == nil {
		return false
	}
	var head string
	for _, t := range tokenize(Fold(text)) {
		if t.han && runeLen(t.text) >= 2 {
			rs := []rune(t.text)
			head = string(rs[len(rs)-2:])
		}
	}
	if head == "" {
		return false
	}
	seen := false
	for _, name := range p.Name {
		f := Fold(name)
		for at := 0; ; {
			k := strings.Index(f[at:], head)
			if k < 0 {
				break
			}
			k += at
			seen = true
			if !inPurpose(f, k, len(head)) {
				return false
			}
			at = k + len(head)
		}
	}
	return seen
}

// inPurpose reports whether the word at f[k:k+n] says what a thing is
// for: "用" right after it ("撬茶饼用"). Brackets alone say nothing: they
// hold a pack's size as often ("（5卷装）").
func inPurpose(f string, k, n int) bool {
	return strings.HasPrefix(f[k+n:], "用")
}

// SaysOtherName reports whether text says a word that none of skus has
// in its name, tags or attributes but another product's name writes:
// "a 10.5 tog cloud duvet" names the goose down duvet "… 10.5 tog" by
// its "tog", but "cloud" is the other duvet's. What the message named
// is then not all it asked for.
func (ix *Index) SaysOtherName(text string, skus []concierge.SKU) bool {
	terms, _ := ix.queryTerms(text)
	docs := make([]int, 0, len(skus))
	for _, s := range skus {
		if d, ok := ix.skus[compact(Fold(string(s)))]; ok {
			docs = append(docs, d)
		}
	}
	for _, t := range terms {
		if t.kind != literal || hasDigit(t.key) {
			continue
		}
		if slices.ContainsFunc(docs, func(d int) bool {
			return ix.hasKey(ix.docs[d].strong, t.key) || ix.hasKey(ix.infos[d].structured, t.key) || ix.attrNamed(d, t.key)
		}) {
			continue
		}
		for _, p := range ix.postings.get(t.key) {
			if p.weight() >= weightName && !slices.Contains(docs, int(p.doc())) {
				return true
			}
		}
	}
	return false
}

// FoundByCodeOnly reports whether query says a word the catalog does not
// know and the words of it that sku has are only the letters of codes
// the product does not write (the "r" of "R16" against its "ECE R27"): a
// match on a fragment of a code, not on what the customer named ("a
// tyre 205/55 R16" where no tyre is sold is no warning triangle).
func (ix *Index) FoundByCodeOnly(query string, sku concierge.SKU) bool {
	d, ok := ix.skus[compact(Fold(string(sku)))]
	if !ok {
		return false
	}
	terms, unknown := ix.queryTerms(query)
	if unknown == 0 {
		return false // every word is the shop's: "the 24-70", "1984" name by numbers
	}
	// The letters of the query's codes whose code the product does not
	// write.
	var written strings.Builder
	p := &ix.products[d]
	for _, n := range p.Name {
		written.WriteString(compact(Fold(n)) + " ")
	}
	for _, v := range p.Attrs {
		written.WriteString(compact(Fold(v)) + " ")
	}
	fragments := map[string]bool{}
	toks := tokenize(Fold(query))
	for i, t := range toks {
		if t.code && i+1 < len(toks) && !strings.Contains(written.String(), t.text+toks[i+1].text) {
			fragments[t.text] = true
		}
	}
	any := false
	for _, t := range terms {
		if !ix.hasKey(ix.docs[d].strong, t.key) && !ix.hasKey(ix.infos[d].structured, t.key) {
			continue
		}
		any = true
		if !fragments[t.key] {
			return false
		}
	}
	return any
}

// attrNamed reports whether one of product doc's attributes is named by
// the term key ("tog" of "tog: 10.5"): a word the product has, though
// attribute names are not searched.
func (ix *Index) attrNamed(doc int, key string) bool {
	for k := range ix.products[doc].Attrs {
		for _, t := range ix.lx.analyze(Fold(k)) {
			if t.key == key {
				return true
			}
		}
	}
	return false
}

// WritesDigits reports whether every number and code of text ("a3",
// "10.5", "208", "5" of "5 L") is written by sku, or by one of its
// variants, in a name or an attribute value: "two reams of A3" is no
// A4 box, "10.5 tog" is the Cloud duvet whose variants come in 10.5.
func (ix *Index) WritesDigits(text string, sku concierge.SKU) bool {
	skus := ix.Variants(sku)
	if len(skus) == 0 {
		skus = []concierge.SKU{sku}
	}
	written := map[string]bool{}
	add := func(s string) {
		toks := tokenize(Fold(s))
		for i, t := range toks {
			if !hasDigit(t.text) {
				continue
			}
			written[t.text] = true
			if v, ok := NumberValue(t.text); ok {
				written[strconv.FormatFloat(v, 'f', -1, 64)] = true
			}
			if i > 0 && toks[i-1].code {
				written[toks[i-1].text+t.text] = true // "a3", "h7"
			}
		}
	}
	for _, s := range skus {
		if p := ix.Product(s); p != nil {
			for _, n := range p.Name {
				add(n)
			}
			for _, v := range p.Attrs {
				add(v)
			}
		}
	}
	toks := tokenize(Fold(text))
	for i, t := range toks {
		if !hasDigit(t.text) {
			continue
		}
		if i > 0 && toks[i-1].code {
			if !written[toks[i-1].text+t.text] {
				return false
			}
			continue
		}
		v, ok := NumberValue(t.text)
		if !written[t.text] && !(ok && written[strconv.FormatFloat(v, 'f', -1, 64)]) {
			return false
		}
	}
	return true
}
