package nlu

import (
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// correctionMarks take back what came before them in the same message:
// "le leash 6 pieds, non pardon le 9 pieds", "add the duck umbrella x3,
// actually make it 2", "我要草编窄边帽，算了，不要了".
var correctionMarks = words("non pardon", "enfin non", "non en fait", "non finalement", "pardon", "en fait", "plutot",
	"actually", "sorry", "no wait", "i mean", "make that", "make it",
	"不对", "算了", "我是说", "说错了")

// noWords, said alone between commas, take back what came before.
var noWords = setOf("no", "non", "nope", "不", "不是")

// retractions say that nothing of what came before is wanted: "算了，
// 不要了", "forget it", "laisse tomber", "finalement non".
var retractions = words("不要了", "不买了", "不用了", "forget it", "never mind", "nevermind", "laisse tomber",
	"oublie", "oubliez", "finalement non", "non merci", "no thanks", "cancel that", "pas besoin", "no need",
	"don t need it", "不需要了")

// readCorrection reads a message that asks for something and then, after
// a comma and a mark, corrects itself. What was taken back is not asked
// for: the correction alone counts, with the request's words it does not
// replace. It returns false when the message holds no such correction.
func (l Limits) readCorrection(msg string, ix *catalog.Index, hint concierge.Locale) (Intent, bool) {
	if ix == nil {
		return Intent{}, false // what a correction replaces is read from the catalog
	}
	toks, _ := lex(truncate(strings.TrimSpace(msg), maxInput))
	p := &parse{toks: toks}
	at, end, trail := -1, 0, 0
	for i := 1; i < len(toks); i++ {
		if !toks[i].sep {
			continue
		}
		if k := p.startsAt(i, correctionMarks); k > 0 && at >= 0 && end == i && trail == 0 {
			end = i + k // "… sorry, make it 4": one correction, two marks
		} else if k > 0 {
			at, end, trail = i, i+k, 0
		} else if noWords[toks[i].norm] && (i+1 == len(toks) || toks[i+1].sep) {
			at, end, trail = i, i+1, 0 // "the small cage, no, the large one"
		} else if n := len(toks) - 1; n > i && n-i < 3 && p.startsAt(n, correctionMarks) == 1 {
			at, end, trail = i, i, 1 // "a luggage strap, two actually": the mark last
		}
	}
	if at < 0 {
		return Intent{}, false
	}
	before := l.parseOne(p.text(0, at), ix, hint, true)
	if before.Name != AddToCart || before.Swap {
		return Intent{}, false
	}
	rest := p.text(end, len(toks)-trail)
	after := l.parseOne(rest, ix, hint, false)
	restToks, _ := lex(rest)
	rp := &parse{toks: restToks}
	retracted := strings.TrimSpace(rest) == ""
	for i := range restToks {
		retracted = retracted || rp.startsAt(i, retractions) > 0
	}
	switch {
	case retracted:
		// "算了，不要了": nothing is added; the cart shows as it is.
		return Intent{Name: ViewCart, Lang: before.Lang}, true
	case after.Quantity > 0 && (after.Query == "" || ix == nil || !ix.Meaningful(after.Query)) && len(after.Products) == 0:
		// "actually make it 2", "不对，要两个": the count is corrected.
		in := before
		if n := len(in.Items); n > 0 {
			in.Items = append([]Item(nil), in.Items...)
			in.Items[n-1].Quantity = after.Quantity
		} else {
			in.Quantity = after.Quantity
		}
		in.BadQuantity, in.TooMany = after.BadQuantity, after.TooMany
		return in, true
	}
	if len(before.Items) > 0 {
		// "the skateboard and the pads, actually make the pads 2": the
		// count of the one item the correction finds; otherwise the
		// correction is not understood, and nothing is guessed.
		if after.Quantity == 0 {
			return Intent{Name: ChangeQuantity, Lang: before.Lang}, true
		}
		found := candidates(ix, itemOf(rest, after))
		at := -1
		for k, it := range before.Items {
			if !slices.ContainsFunc(candidates(ix, it), func(s concierge.SKU) bool { return slices.Contains(found, s) }) {
				continue
			}
			if at >= 0 {
				return Intent{Name: ChangeQuantity, Lang: before.Lang}, true
			}
			at = k
		}
		if at < 0 {
			return Intent{Name: ChangeQuantity, Lang: before.Lang}, true
		}
		in := before
		in.Items = append([]Item(nil), in.Items...)
		in.Items[at].Quantity = after.Quantity
		return in, true
	}
	// "le leash 6 pieds, non pardon le 9 pieds": the correction with the
	// words of the request that are no numbers (what it is, not which).
	// Of the request's words, those that said which are replaced: its
	// numbers ("120厘米" is which, "沙袋" what), and the words that state
	// a value of what the correction states ("large" when it says
	// "small", "M" when it says "en L").
	group := valuesOf(ix, before, rest)
	_, corrected, _ := ix.Narrow(rest, group)
	var kept []string
	digits := strings.ContainsAny(rest, "0123456789")
	sizes := false
	for _, w := range strings.Fields(catalog.Fold(rest)) {
		sizes = sizes || smallWords[w] || bigWords[w] || catalog.SizeLetter(w)
	}
	// The words of the values the request stated for what the correction
	// states again ("blue-and-white" when it says "the white one").
	replaced := map[string]bool{}
	_, stated, _ := ix.Narrow(before.Query, group)
	for k, v := range stated {
		if _, ok := corrected[k]; ok {
			for _, w := range foldedWords(v) {
				replaced[w] = true
			}
		}
	}
	for _, w := range strings.Fields(before.Query) {
		if f := catalog.Fold(w); digits && strings.ContainsAny(w, "0123456789") || sizes && (smallWords[f] || bigWords[f] || catalog.SizeLetter(f)) || replaced[f] {
			continue // a number, size or value the correction says again: "large, no wait, small"
		}
		if _, said, _ := ix.Narrow(w, group); len(corrected) > 0 && sameAttr(said, corrected) {
			continue
		}
		kept = append(kept, w)
	}
	text := rest + " " + strings.Join(kept, " ")
	in := l.parseOne(text, ix, hint, false)
	if in.Name == Compare && oneGroup(ix, in.Products) {
		in.Name = Search // "Stratos" names every variant of the one jacket
	}
	switch in.Name {
	case Search, Details, AddToCart, ChangeQuantity, OutOfScope:
		if len(in.Products) == 0 && (in.Query == "" || ix == nil || !ix.Meaningful(in.Query)) {
			return Intent{}, false
		}
		in.Name = AddToCart
		if in.Quantity == 0 {
			in.Quantity = before.Quantity
		}
		// The one item is the corrected words: what the brain reads
		// values from, rather than the whole message that says both.
		in.Items = []Item{itemOf(text, in)}
		return in, true
	}
	return Intent{}, false
}

// oneGroup reports whether skus are two or more variants of one group.
func oneGroup(ix *catalog.Index, skus []concierge.SKU) bool {
	if len(skus) < 2 {
		return false
	}
	g := ix.GroupOf(skus[0])
	for _, s := range skus {
		if g == "" || ix.GroupOf(s) != g {
			return false
		}
	}
	return true
}

// valuesOf returns the products whose values a request's words and its
// correction choose among: the variants of what they find first, or what
// they find.
func valuesOf(ix *catalog.Index, in Intent, correction string) []concierge.SKU {
	found := candidates(ix, Item{Query: in.Query, Category: in.Category})
	// What the request's words find without the values they state: the
	// white bowl too, where "blue-and-white noodle bowl" finds only its
	// own.
	values := map[string]bool{}
	for _, s := range found {
		for _, v := range ix.Product(s).Attrs {
			for _, w := range foldedWords(v) {
				values[w] = true
			}
		}
	}
	var head []string
	for _, w := range strings.Fields(in.Query) {
		if !values[catalog.Fold(w)] {
			head = append(head, w)
		}
	}
	for _, s := range candidates(ix, Item{Query: strings.Join(head, " ") + " " + correction}) {
		if !slices.Contains(found, s) {
			found = append(found, s)
		}
	}
	for _, s := range in.Products {
		if !slices.Contains(found, s) {
			found = append(found, s)
		}
	}
	if len(found) == 0 {
		return nil
	}
	if g := ix.Variants(found[0]); g != nil {
		return g
	}
	return found
}

// sameAttr reports whether a and b state a value of one attribute.
func sameAttr(a, b catalog.Said) bool {
	for k := range a {
		if _, ok := b[k]; ok {
			return true
		}
	}
	return false
}

// foldedWords cuts a value into its folded words: "blue-and-white" is
// blue, and, white.
func foldedWords(v string) []string {
	return strings.FieldsFunc(catalog.Fold(v), func(r rune) bool { return !isAlnum(r) })
}
