package catalog

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// Variants: products with the same concierge.Product.Group are the sizes
// and colours of one thing. The index knows each group's variants, the
// attributes that tell them apart (its axes) and their values, so that
// search results show one card per group, an add asks which variant, and
// the parser knows that "en 42" is a size and not 42 pairs.

// variantIndex is what New records of the catalog's groups.
type variantIndex struct {
	groups map[string][]int // group → its products, in catalog order
	axes   map[string][]string
	// values are the folded values of every axis of every group
	// ("42", "m", "bleu"), for the parser.
	values map[string]bool
	// byAttr are the terms of the values each axis attribute has anywhere
	// in the catalog ("color" → @blue, @black, @red): a value said that
	// the group lacks is then known to be a choice it does not offer.
	byAttr map[string]map[string]bool
	// multi is set when some group has two products or more.
	multi bool
}

// buildVariants computes ix.variants.
func (ix *Index) buildVariants() {
	v := variantIndex{groups: map[string][]int{}, axes: map[string][]string{}, values: map[string]bool{}, byAttr: map[string]map[string]bool{}}
	for i := range ix.products {
		if g := ix.products[i].Group; g != "" {
			v.groups[g] = append(v.groups[g], i)
		}
	}
	for g, docs := range v.groups {
		if len(docs) < 2 {
			continue
		}
		v.multi = true
		for _, k := range ix.axesOf(docs) {
			v.axes[g] = append(v.axes[g], k)
			for _, d := range docs {
				val := Fold(strings.TrimSpace(ix.products[d].Attrs[k]))
				if val == "" {
					continue
				}
				v.values[val] = true
				if v.byAttr[k] == nil {
					v.byAttr[k] = map[string]bool{}
				}
			}
		}
	}
	for _, in := range ix.infos {
		for _, a := range in.attrTerms { // the attributes whose value is one term
			if v.byAttr[a.attr] != nil {
				v.byAttr[a.attr][a.key] = true
			}
		}
	}
	ix.variants = v
}

// axesOf returns the attributes that tell docs apart, the one with the
// most values first ("size" before "color" for shoes in five sizes and two
// colours), ties in alphabetical order.
func (ix *Index) axesOf(docs []int) []string {
	keys := ix.differing(docs)
	count := func(k string) int {
		seen := map[string]bool{}
		for _, d := range docs {
			seen[Fold(strings.TrimSpace(ix.products[d].Attrs[k]))] = true
		}
		return len(seen)
	}
	slices.SortStableFunc(keys, func(a, b string) int { return count(b) - count(a) })
	return keys
}

// differing returns the attributes whose values are not the same for all
// of docs, sorted.
func (ix *Index) differing(docs []int) []string {
	keys := map[string]bool{}
	for _, d := range docs {
		for k := range ix.products[d].Attrs {
			keys[k] = true
		}
	}
	var out []string
	for _, k := range sortedKeys(keys) {
		first := Fold(strings.TrimSpace(ix.products[docs[0]].Attrs[k]))
		for _, d := range docs[1:] {
			if Fold(strings.TrimSpace(ix.products[d].Attrs[k])) != first {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// Variants returns the products of sku's group in catalog order, sku
// among them; nil when sku has no group or is its group's only product.
func (ix *Index) Variants(sku concierge.SKU) []concierge.SKU {
	p := ix.Product(sku)
	if p == nil || p.Group == "" || len(ix.variants.groups[p.Group]) < 2 {
		return nil
	}
	out := make([]concierge.SKU, 0, len(ix.variants.groups[p.Group]))
	for _, d := range ix.variants.groups[p.Group] {
		out = append(out, ix.products[d].SKU)
	}
	return out
}

// HasVariants reports whether some group of the catalog has two products
// or more.
func (ix *Index) HasVariants() bool { return len(ix.variants.axes) > 0 || ix.variants.multi }

// GroupOf returns the group of sku when it has other variants, or "".
func (ix *Index) GroupOf(sku concierge.SKU) string {
	if p := ix.Product(sku); p != nil && len(ix.variants.groups[p.Group]) >= 2 {
		return p.Group
	}
	return ""
}

// Choice is an attribute that tells variants apart and its values: size
// 40, 41, 42.
type Choice struct {
	Attr   string
	Values []string // as the catalog writes them
}

// Choices returns the attributes that tell skus apart (the group's axes
// whose values differ among skus), each with its values: numbers in
// ascending order, other values in catalog order.
func (ix *Index) Choices(skus []concierge.SKU) []Choice {
	if len(skus) < 2 {
		return nil
	}
	g := ix.GroupOf(skus[0])
	var out []Choice
	for _, k := range ix.variants.axes[g] {
		var vals []string
		seen := map[string]bool{}
		for _, s := range skus {
			p := ix.Product(s)
			if p == nil {
				continue
			}
			v := strings.TrimSpace(p.Attrs[k])
			if v != "" && !seen[Fold(v)] {
				seen[Fold(v)] = true
				vals = append(vals, v)
			}
		}
		if len(vals) < 2 {
			continue
		}
		if allNumbers(vals) {
			slices.SortStableFunc(vals, func(a, b string) int {
				x, _ := strconv.ParseFloat(strings.ReplaceAll(a, ",", "."), 64)
				y, _ := strconv.ParseFloat(strings.ReplaceAll(b, ",", "."), 64)
				return cmp.Compare(x, y)
			})
		}
		out = append(out, Choice{Attr: k, Values: vals})
	}
	return out
}

func allNumbers(vals []string) bool {
	for _, v := range vals {
		if _, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64); err != nil {
			return false
		}
	}
	return true
}

// VariantValue reports whether w, a folded word or number, is the value
// of an attribute that tells some group's variants apart ("42" where
// shoes come in 42): the parser then reads "en 42" as that value.
func (ix *Index) VariantValue(w string) bool { return ix.variants.values[w] }

// sizeWords introduce a value in a message: "en 42", "in 42", "taille
// M", "size 8", "pointure 42", "尺码42", and the attribute's own name
// ("color blue"). "号" and "码" follow one ("42码", "L号").
var sizeWords = map[string]bool{"en": true, "in": true, "taille": true, "size": true, "pointure": true, "尺码": true}

// Said is what a message says of variants' attributes: the attribute and
// the value as the catalog writes it.
type Said map[string]string

// Narrow reads which of skus, variants of one group, a text chooses by
// their attributes: "la bleue en 42", "the blue one in 42", "42码的蓝色".
// It returns the variants that have every value the text states (all of
// skus when it states none), what it states, and the values it states
// that none of skus has ("en 47", "la rouge" where the catalog sells red
// elsewhere), as the text writes them.
func (ix *Index) Narrow(text string, skus []concierge.SKU) (fit []concierge.SKU, said Said, missing []string) {
	said = Said{}
	g := ""
	if len(skus) > 0 {
		g = ix.GroupOf(skus[0])
	}
	folded := Fold(text)
	toks := tokenize(folded)
	terms := ix.lx.analyze(folded)
	have := map[string]bool{}
	for _, t := range terms {
		have[t.key] = true
	}
	matched := make([]bool, len(toks)) // tokens that stated a value
	for _, k := range ix.sayableAxes(g, skus) {
		best, bestLen := "", 0
		var vals []string
		for _, s := range skus {
			if p := ix.Product(s); p != nil {
				vals = append(vals, strings.TrimSpace(p.Attrs[k]))
			}
		}
		for _, s := range skus {
			p := ix.Product(s)
			if p == nil {
				continue
			}
			v := strings.TrimSpace(p.Attrs[k])
			if n := ix.states(toks, have, k, v, vals, matched); n > bestLen {
				best, bestLen = v, n
			}
		}
		if best != "" {
			said[k] = best
		}
	}
	if g != "" {
		ix.statesByText(toks, g, said, matched)
	}
	missing = ix.unoffered(toks, matched, g, said)
	return ix.Matching(skus, said), said, missing
}

// NarrowShared is Narrow for products of no group, reading only the
// attributes every one of skus has: "white" chooses among bowls whose
// patterns are white and blue-and-white, but "iPhone 15 Pro" does not
// choose the case whose model attribute says so among phones that have
// none.
func (ix *Index) NarrowShared(text string, skus []concierge.SKU) (fit []concierge.SKU, said Said, missing []string) {
	fit, said, missing = ix.Narrow(text, skus)
	for k := range said {
		for _, s := range skus {
			if p := ix.Product(s); p == nil || strings.TrimSpace(p.Attrs[k]) == "" {
				return nil, Said{}, nil
			}
		}
	}
	return fit, said, missing
}

// sayableAxes returns the attributes that tell apart the variants of group g,
// or, for products of no group, the attributes they have: "un rouge" says
// the colour of a red paint and of a red sketchbook alike.
func (ix *Index) sayableAxes(g string, skus []concierge.SKU) []string {
	if g != "" {
		return ix.variants.axes[g]
	}
	var keys []string
	for _, s := range skus {
		if p := ix.Product(s); p != nil {
			for k := range p.Attrs {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// Matching returns the products among skus that have every value of
// said, compared without case, accents or surrounding spaces.
func (ix *Index) Matching(skus []concierge.SKU, said Said) []concierge.SKU {
	var out []concierge.SKU
	for _, s := range skus {
		p := ix.Product(s)
		if p == nil {
			continue
		}
		ok := true
		for k, v := range said {
			ok = ok && Fold(strings.TrimSpace(p.Attrs[k])) == Fold(strings.TrimSpace(v))
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// states reports how strongly the tokens state the value v of attribute
// k (0 when they do not): words by meaning ("bleue", "blue" and "蓝色"
// state "bleu"), sizes and codes as written, a number or a letter only
// where it reads as one ("en 42", "42码", "taille M", or the whole
// message), never as a count.
func (ix *Index) states(toks []token, have map[string]bool, k, v string, vals []string, matched []bool) int {
	fv := Fold(v)
	if fv == "" {
		return 0
	}
	letter := fv
	if a, ok := sizeSpelt[fv]; ok {
		letter = a // a size written "medium" is said "moyens", "中号"
	}
	if words, ok := sizeNames[letter]; ok {
		// "the large one", "en grand", "大号的" for a size written "L".
		for i, t := range toks {
			for _, w := range words {
				if t.text == w || t.han && strings.Contains(t.text, w) || !t.han && len(t.text) > 3 && stem(t.text) == stem(w) {
					matched[i] = true
					return 2
				}
			}
		}
	}
	vt := tokenize(fv)
	if len(vt) == 1 && !vt[0].han {
		for i, t := range toks {
			if t.elided || t.text != vt[0].text && !sameDecimal(t.text, vt[0].text) {
				continue
			}
			_, number := NumberValue(t.text)
			if number && unitAfter(toks, i) {
				continue // "2 m" is a length, not the bare "2" of another attribute (2 lines)
			}
			// A decimal ("2.5") is never a count: it says the value.
			decimal := number && strings.ContainsAny(t.text, ".,")
			if (number || runeLen(t.text) == 1) && !decimal && !ix.sized(toks, i, k) && !ix.labelBefore(toks, i, vals) {
				continue
			}
			matched[i] = true
			return len(t.text)
		}
	}
	if _, number := NumberValue(fv); number || runeLen(fv) == 1 {
		return 0
	}
	if hasNumberToken(vt) {
		// "12 kg" is said as such: in "2 bags of kibble, 12 kg" the 2
		// and the kg do not say the 2 kg bag. A measure may be said in
		// another unit's spelling ("60升" for "60 L").
		if n := ix.statesInOrder(toks, vt, matched); n > 0 {
			return n
		}
		if n := statesWithoutUnit(toks, vt, matched); n > 0 {
			return n
		}
		if len(vt) == 2 && startsDigit(vt[0].text) && vt[1].han && runeLen(vt[1].text) <= 2 {
			// "48块" said "48块装的引火块", "4只装" said "4只装Mini插座":
			// the number and its counter.
			for i := 0; i+1 < len(toks); i++ {
				if toks[i].text == vt[0].text && toks[i+1].han && strings.HasPrefix(toks[i+1].text, vt[1].text) {
					matched[i] = true
					return 100 + 2
				}
			}
		}
		if len(vt) == 2 && startsDigit(vt[0].text) && measureUnits[vt[1].text].base != "" {
			// "en 180", "le 155", "180" alone for "180 cm": the number
			// where a value is said, without its unit.
			for i, t := range toks {
				if (t.text == vt[0].text || sameDecimal(t.text, vt[0].text)) && (ix.sized(toks, i, k) || amidWords(toks, i)) &&
					(i+1 == len(toks) || measureUnits[toks[i+1].text].base == "") {
					matched[i] = true
					return 100 + 1
				}
			}
		}
		if len(vt) == 2 && isDigits(vt[0].text) && (vt[1].text == "号" || vt[1].text == "码") {
			// "5号" said "size 5" or "5号鱼钩": the number where a size
			// is said.
			for i, t := range toks {
				if t.text == vt[0].text && ix.sized(toks, i, k) {
					matched[i] = true
					return 100 + 1
				}
			}
		}
		return statesMeasure(toks, fv, matched)
	}
	terms := ix.lx.analyze(fv)
	for meaning, words := range choiceWords {
		// "rose" says a value written "pink", "粉色" or "rose".
		if fv != meaning && !sameKeys(terms, ix.lx.analyze(meaning)) {
			continue
		}
		for _, w := range words {
			for i, t := range toks {
				if t.text == w {
					matched[i] = true
					return 100 + 1
				}
			}
		}
	}
	if len(terms) == 0 {
		return 0
	}
	all := func(terms []term) bool {
		for _, t := range terms {
			if !have[t.key] {
				return false
			}
		}
		return true
	}
	if !all(terms) {
		// A value written "rose" is said "pink", "粉色" too.
		for meaning, words := range choiceWords {
			if slices.Contains(words, fv) && all(ix.lx.analyze(meaning)) {
				terms = ix.lx.analyze(meaning)
			}
		}
		if !all(terms) {
			return 0
		}
	}
	keys := map[string]bool{}
	for _, t := range terms {
		keys[t.key] = true
	}
	for i, tok := range toks {
		for _, t := range ix.lx.analyze(tok.text) {
			matched[i] = matched[i] || keys[t.key]
		}
	}
	return 100 + len(terms) // a phrase by meaning outranks a code
}

// hasNumberToken reports whether some token of ts is a number.
func hasNumberToken(ts []token) bool {
	for _, t := range ts {
		if _, ok := NumberValue(t.text); ok {
			return true
		}
	}
	return false
}

// statesInOrder reports, as states does, a value written with a number
// ("12 kg", "1,5 L") that the message writes token for token, in order.
func (ix *Index) statesInOrder(toks, vt []token, matched []bool) int {
	for i := 0; i+len(vt) <= len(toks); i++ {
		same := true
		for j, v := range vt {
			if toks[i+j].text != v.text {
				same = false
				break
			}
		}
		if same {
			for j := range vt {
				matched[i+j] = true
			}
			return 100 + len(vt)
		}
	}
	return 0
}

// statesMeasure reports, as states does, a value that is a measure
// ("60 L") which the message says in any spelling of its unit ("60升",
// "60l", "60 litres" is not one: only the units measures reads).
func statesMeasure(toks []token, fv string, matched []bool) int {
	if !hasDigit(fv) {
		return 0 // no measure without a number: spare the pattern
	}
	want := measures(fv)
	if len(want) != 1 {
		return 0
	}
	for i := 0; i+1 < len(toks); i++ {
		if !hasDigit(toks[i].text) && !hasDigit(toks[i+1].text) {
			continue // no measure without a number: spare the pattern
		}
		got := measures(toks[i].text + " " + toks[i+1].text)
		if len(got) == 1 && (got[0] == want[0] || gigabytes(got[0], want[0])) {
			matched[i], matched[i+1] = true, true
			return 100 + 2
		}
		// "3.6米" is tokenized 3, 6, 米: the decimal is read whole.
		if i+2 < len(toks) && isDigits(toks[i].text) && isDigits(toks[i+1].text) {
			got := measures(toks[i].text + "." + toks[i+1].text + " " + toks[i+2].text)
			if len(got) == 1 && got[0] == want[0] {
				matched[i], matched[i+1], matched[i+2] = true, true, true
				return 100 + 3
			}
		}
	}
	return 0
}

// statesWithoutUnit reports, as states does, a dimension that ends with
// a unit ("4x8 m") said without it ("the 4x8", "bâche 5x10"), where no
// other unit follows: the numbers and their sign are the value's.
func statesWithoutUnit(toks, vt []token, matched []bool) int {
	last := vt[len(vt)-1].text
	if _, unit := measureUnits[last]; !unit || len(vt) < 3 {
		return 0
	}
	head := vt[:len(vt)-1]
	if !slices.ContainsFunc(head, func(t token) bool { return !isDigits(t.text) }) {
		return 0 // "1.5 kg" is tokenized 1, 5, kg: "1 5" says no size
	}
	for i := 0; i+len(head) <= len(toks); i++ {
		same := true
		for j, v := range head {
			same = same && toks[i+j].text == v.text
		}
		if !same {
			continue
		}
		if k := i + len(head); k < len(toks) {
			if _, unit := measureUnits[toks[k].text]; unit {
				continue // "4x8 cm" is another size than "4x8 m"
			}
		}
		for j := range head {
			matched[i+j] = true
		}
		return 100 + len(head)
	}
	return 0
}

// isDigits reports a token of digits only.
func isDigits(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

// sizeNames are the words that say a clothing size written as letters
// (folded): a variant sized "L" is the large one, "le grand", "大号".
var sizeNames = map[string][]string{
	"xs":  {"xsmall", "tres petit", "特小号", "特小"},
	"s":   {"small", "petit", "petite", "小号", "小码", "小的"},
	"m":   {"medium", "moyen", "moyenne", "中号", "中码", "中等", "中的"},
	"l":   {"large", "grand", "grande", "大号", "大码", "大的"},
	"xl":  {"xlarge", "tres grand", "tres grande", "加大号", "特大号", "加大"},
	"xxl": {"xxlarge", "特特大号"},
}

// sized reports whether token i, a number or a letter, is said as a
// value of attribute k: after "en", "in", "taille", "size", "pointure"
// or k itself, before "码" or "号", or alone.
func (ix *Index) sized(toks []token, i int, k string) bool {
	if len(toks) == 1 {
		return true
	}
	if i > 0 && toks[i-1].code {
		return false // "a guard for the p9": the 9 of a model's code
	}
	if i > 0 && (sizeWords[toks[i-1].text] || toks[i-1].text == Fold(k) || strings.HasSuffix(toks[i-1].text, "尺码")) {
		return true
	}
	if i+1 < len(toks) && toks[i+1].han && (strings.HasPrefix(toks[i+1].text, "码") || strings.HasPrefix(toks[i+1].text, "号")) {
		return true
	}
	if i == 0 && i+1 < len(toks) && toks[i+1].han && strings.HasPrefix(toks[i+1].text, "的") {
		return true // "400的": the 400 one, said alone
	}
	// "6支装球拍包": a number before a measure word and "装" is the size
	// of a pack.
	if i+1 < len(toks) && toks[i+1].han {
		if rs := []rune(toks[i+1].text); len(rs) >= 2 && counters[rs[0]] && rs[1] == '装' {
			return true
		}
	}
	// "grain 120", "120 grit", "120目": a number beside the word names
	// write beside it.
	if v, number := NumberValue(toks[i].text); number {
		if i > 0 && ix.hasNum(numKey('L', compared(toks[i-1].text, 'L'), v)) {
			return true
		}
		if i+1 < len(toks) && ix.hasNum(numKey('R', compared(toks[i+1].text, 'R'), v)) {
			return true
		}
	}
	// "the 10 pack", "5-pack": the size said before the pack's word or
	// the attribute's name.
	if _, number := NumberValue(toks[i].text); number && i+1 < len(toks) && !toks[i+1].han &&
		(toks[i+1].text == Fold(k) || packWords[toks[i+1].text]) {
		return true
	}
	// "les sous-pochettes par 50": sold by fifty, the pack of 50.
	if i > 0 && toks[i-1].text == "par" {
		return true
	}
	// "two packs of 25", "une boîte de 48": the size of a pack.
	if i >= 2 && (toks[i-1].text == "of" || toks[i-1].text == "de") && (packWords[toks[i-2].text] || packWords[stem(toks[i-2].text)]) {
		return true
	}
	// "N gauge", "échelle N": the value beside the word names write
	// beside it.
	if _, number := NumberValue(toks[i].text); !number &&
		(i+1 < len(toks) && !toks[i+1].han && ix.NameBigram(toks[i].text, toks[i+1].text) ||
			i > 0 && !toks[i-1].han && len(toks[i-1].text) > 1 && ix.NameBigram(toks[i-1].text, toks[i].text)) {
		return true
	}
	// "the L", "la M", "not the L": an article before the last word; "3
	// paires de gants de voile L": a size letter that ends the message
	// after the product's words (not a number's unit: "2 L").
	if _, letter := sizeLetters[toks[i].text]; letter && i > 0 && i+1 == len(toks) && !toks[i-1].han {
		if _, number := NumberValue(toks[i-1].text); !number {
			return true
		}
	}
	// "the 12 one": an article, the value, "one".
	return i > 0 && sizeArticles[toks[i-1].text] && (i+1 == len(toks) || toks[i+1].text == "one" && i+2 == len(toks))
}

// choiceWords say a value among variants, though search leaves them out
// of the value's meaning for what else they say: "rose" is pink among a
// backpack's colours, and a flower or a wine in a search.
var choiceWords = map[string][]string{"pink": {"rose", "roses"}}

// valueLabels are words that introduce a number said as a value (a
// strength, a grade, a gauge) rather than a count.
var valueLabels = map[string]bool{
	"force": true, "strength": true, "grade": true, "level": true, "niveau": true, "number": true,
	"numero": true, "no": true, "tension": true, "gauge": true, "tirant": true, "hardness": true, "durete": true,
}

// saysNumber reports whether the token w is a number one of vals writes.
func saysNumber(w string, vals []string) bool {
	for _, v := range vals {
		if w == Fold(v) || sameDecimal(w, Fold(v)) {
			return true
		}
	}
	return false
}

// sameDecimal reports two numbers written with digits that differ only
// by their decimal mark: "2,5" and "2.5".
func sameDecimal(a, b string) bool {
	if !startsDigit(a) || !startsDigit(b) {
		return false
	}
	x, ok := NumberValue(a)
	y, ok2 := NumberValue(b)
	return ok && ok2 && x == y
}

// labelBefore reports a number said after the word some name writes
// before one of vals, the values of an attribute: "force 2.5" where the
// tenor reeds are named "… force 3" and clarinet reeds come in 2.5, 3
// and 3.5 — the word labels that attribute in the shop's own names.
func (ix *Index) labelBefore(toks []token, i int, vals []string) bool {
	if i == 0 || toks[i-1].han {
		return false
	}
	if _, number := NumberValue(toks[i].text); !number {
		return false
	}
	if valueLabels[toks[i-1].text] {
		return true // "strength 3.5", "force 2,5" in any shop
	}
	prev := compared(toks[i-1].text, 'L')
	for _, v := range vals {
		if x, ok := NumberValue(strings.ReplaceAll(v, ",", ".")); ok && ix.hasNum(numKey('L', prev, x)) {
			return true
		}
	}
	return false
}

// sizeSpelt are sizes written as words, by the letter sizeNames says
// them with.
var sizeSpelt = map[string]string{
	"small": "s", "medium": "m", "large": "l", "petit": "s", "petite": "s", "moyen": "m", "moyenne": "m",
	"grand": "l", "grande": "l", "小号": "s", "中号": "m", "大号": "l",
}

// sizeArticles may stand before a size said alone ("the L", "la M",
// "one M and one L").
var sizeArticles = map[string]bool{"the": true, "le": true, "la": true, "l": true, "one": true, "un": true, "une": true}

// unoffered returns the values a message states that the group does not
// offer: a number said as a size of a group whose sizes are numbers, or
// a value other products of the catalog have for one of the group's
// attributes.
func (ix *Index) unoffered(toks []token, matched []bool, g string, said Said) []string {
	var out []string
	for i, t := range toks {
		if matched[i] || t.elided {
			continue
		}
		for _, k := range ix.variants.axes[g] {
			if _, ok := said[k]; ok {
				continue
			}
			_, number := NumberValue(t.text)
			switch {
			case number && ix.sized(toks, i, k) && len(toks) > 1 && ix.numericAxis(g, k):
				out = append(out, t.text)
			case !number && ix.knownValue(k, t.text):
				out = append(out, t.text)
			default:
				continue
			}
			break
		}
	}
	return out
}

// numericAxis reports whether every value of the group's attribute k is
// a number.
func (ix *Index) numericAxis(g, k string) bool {
	var vals []string
	for _, d := range ix.variants.groups[g] {
		vals = append(vals, strings.TrimSpace(ix.products[d].Attrs[k]))
	}
	return len(vals) > 0 && allNumbers(vals)
}

// knownValue reports whether the token w states a value that attribute k
// has somewhere in the catalog ("rouge", "red" or "红色" where something
// is red).
func (ix *Index) knownValue(k, w string) bool {
	for _, t := range ix.lx.analyze(w) {
		if ix.variants.byAttr[k][t.key] {
			return true
		}
	}
	return false
}

// SaysOnly reports whether every word of query says one of the values of
// said, by meaning ("rouge" says the colour "red", "bleues" says "bleu"),
// or says that a size follows ("size 12").
// A query with no word says nothing.
func (ix *Index) SaysOnly(query string, said Said) bool {
	values := map[string]bool{}
	for _, v := range said {
		for _, t := range ix.lx.analyze(Fold(v)) {
			values[t.key] = true
		}
		// A value as written ("L"), and a size letter's concept.
		values[Fold(v)] = true
		if c, ok := sizeLetters[Fold(v)]; ok {
			values[conceptKey(c)] = true
		}
	}
	var vals []string
	keys := map[string]bool{}
	for k, v := range said {
		vals = append(vals, v)
		keys[Fold(k)] = true
	}
	toks := tokenize(Fold(query))
	n := 0
	for _, t := range ix.lx.analyzeTokens(toks) {
		if sizeWords[t.word] || sizeWords[t.key] {
			continue // "size 12", "taille M": the word that says a size
		}
		if t.pos+1 < len(toks) && saysNumber(toks[t.pos+1].text, vals) &&
			(keys[t.word] || valueLabels[t.word] || ix.labelBefore(toks, t.pos+1, vals)) {
			// "strength 3.5" (the attribute's name), "force 3" (the
			// word the shop's names write before a strength).
			continue
		}
		if t.pos > 0 && saysNumber(toks[t.pos-1].text, vals) && (keys[t.word] || packWords[t.word] || packWords[stem(t.word)]) {
			continue // "the 10 pack": the word after a pack's size
		}
		if !values[t.key] && !values[t.word] {
			return false
		}
		n++
	}
	return n > 0
}

// statesByText reads, for each attribute of group g the message did not
// state, a value said in words only the texts of its variants write:
// "the Ondine mixer in brushed brass" where the value is "laiton brossé"
// and only that variant's English description says "brushed brass". A
// value's words are the terms every variant with it writes (names and
// descriptions, every locale) and no variant without it does; numbers do
// not count (a description's "30 cm spout" is no colour). A word that
// points at two values of one attribute states neither.
func (ix *Index) statesByText(toks []token, g string, said Said, matched []bool) {
	docs := ix.variants.groups[g]
	var texts []map[string]bool
	for _, k := range ix.variants.axes[g] {
		if _, ok := said[k]; ok {
			continue
		}
		if texts == nil {
			texts = make([]map[string]bool, len(docs))
			for i, d := range docs {
				texts[i] = ix.wordsOfTexts(&ix.products[d])
			}
		}
		found, at := "", -1
		for i, tok := range toks {
			if matched[i] {
				continue
			}
			for _, t := range ix.lx.analyze(tok.text) {
				if _, number := NumberValue(t.key); number {
					continue
				}
				v := valueWritten(ix, docs, texts, k, t.key)
				switch {
				case v == "":
				case found == "" || found == v:
					found, at = v, i
				default:
					return // two values of one attribute: ask
				}
			}
		}
		if found != "" {
			said[k] = found
			matched[at] = true
		}
	}
}

// valueWritten returns the value of attribute k that the term key is
// written for among a group's variants (docs, with texts their terms):
// every variant with that value writes it and no other does; "" when none.
func valueWritten(ix *Index, docs []int, texts []map[string]bool, k, key string) string {
	value := ""
	for i, d := range docs {
		if !texts[i][key] {
			continue
		}
		v := Fold(strings.TrimSpace(ix.products[d].Attrs[k]))
		if v == "" || value != "" && v != value {
			return ""
		}
		value = v
	}
	if value == "" {
		return ""
	}
	for i, d := range docs {
		if Fold(strings.TrimSpace(ix.products[d].Attrs[k])) == value && !texts[i][key] {
			return ""
		}
	}
	for _, d := range docs {
		if Fold(strings.TrimSpace(ix.products[d].Attrs[k])) == value {
			return strings.TrimSpace(ix.products[d].Attrs[k])
		}
	}
	return ""
}

// wordsOfTexts returns the terms of a product's names and descriptions in
// every locale.
func (ix *Index) wordsOfTexts(p *concierge.Product) map[string]bool {
	out := map[string]bool{}
	for _, m := range []map[concierge.Locale]string{p.Name, p.Description} {
		for _, text := range m {
			for _, t := range ix.lx.analyze(Fold(text)) {
				out[t.key] = true
			}
		}
	}
	return out
}

// sameKeys reports whether a and b are the same terms.
func sameKeys(a, b []term) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].key != b[i].key {
			return false
		}
	}
	return true
}

// gigabytes reports "64G", read as 64 g, said of a value of 64 GB: shoppers
// write G for gigabytes (加一张64G的SD卡), and among capacities grams are
// not what they mean.
func gigabytes(said, value measure) bool {
	return said.unit == "g" && value.unit == "gb" && said.value == value.value
}

// unitAfter reports whether a unit follows the number at i: a word
// ("2 m") or the first characters of a Chinese run ("2米的风筝").
func unitAfter(toks []token, i int) bool {
	if i+1 >= len(toks) {
		return false
	}
	next := toks[i+1]
	if !next.han {
		_, unit := measureUnits[next.text]
		return unit
	}
	rs := []rune(next.text)
	for n := min(2, len(rs)); n >= 1; n-- {
		if _, unit := measureUnits[string(rs[:n])]; unit {
			return true
		}
	}
	return false
}

// amidWords reports a number of two digits or more said between words,
// neither a count before them nor a code's digits: "the white 160 orme
// desk" says the 160 cm width as plainly as "en 160".
func amidWords(toks []token, i int) bool {
	v, ok := NumberValue(toks[i].text)
	if !ok || v < 10 || i == 0 || i+1 >= len(toks) || toks[i-1].code || toks[i-1].han || toks[i+1].han {
		return false
	}
	_, before := NumberValue(toks[i-1].text)
	_, after := NumberValue(toks[i+1].text)
	return !before && !after && !articles[toks[i-1].text]
}
