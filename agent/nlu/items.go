package nlu

import (
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// Item is one product asked for in a message that asks for several ("two
// smart bulbs and the Aurore lamp", "我要两盒绿茶和一个茶壶"): its words,
// the products it names, and its own quantity.
type Item struct {
	// Text is the part of the message about this item.
	Text string
	// Query is its search words, as Intent.Query.
	Query    string
	Category string
	// Products are the products it names, as Intent.Products.
	Products []concierge.SKU
	// Quantity is how many, 0 when not said (callers take 1).
	Quantity int
	// RefShown is set when the item points at what was shown ("I'll take
	// it and two bulbs").
	RefShown bool
}

// markNamedNumbers takes the numbers that are part of a product's name
// ("coffret de six tasses", "chargeur 65 W", "30欧元礼品卡") before any
// reader of quantities, prices or positions sees them: they belong to the
// name. They stay in the query, where they tell "65 W" from "20 W".
func (p *parse) markNamedNumbers(ix *catalog.Index) {
	if ix == nil {
		return
	}
	for i := 0; i < len(p.toks); i++ {
		if p.used[i] {
			continue
		}
		n, ok := numberAt(p.toks, i)
		if !ok {
			continue
		}
		if n.end < len(p.toks) && p.toks[n.end].hyphen && ix.NameBigram(p.toks[n.end-1].norm, p.toks[n.end].norm) {
			// "two 8-pin decoders": joined as a name joins them.
			p.markNamed(n)
			i = n.end - 1
			continue
		}
		if k := p.dimensions(n); k > n.end {
			// "12 x 85 g", "3×3": a size, in the query, never a count.
			for j := n.start; j < k; j++ {
				p.used[j], p.named[j] = true, p.toks[j].kind == tNumber
			}
			i = k - 1
			continue
		}
		v := n.value
		below := p.seq(n.start-2, "零", "下") // "零下5度": a sign said in words
		if p.toks[n.start].neg || below {
			v = -v // "sac de couchage -5", "零下5度": a name writes it so
			p.toks[n.start].neg = true
		}
		inName := ix.NumberInName
		if p.toks[n.start].sep && n.end < len(p.toks) {
			// After a comma, a number is a name's only with the name's
			// words on both sides; one that ends the message after a
			// name's word ("masque Orage cat. 3") is the name's.
			inName = ix.NumberInNameAcross
		}
		if v < 0 && ix.NamesNumber(v) && (below || inName(v, p.wordsFrom(n.start-1, -1), p.wordsFrom(n.end, +1)) || p.endsNaming(n)) {
			// A negative number is never a count: "-5" in a shop that
			// names "-5 °C" is that product's, when it stands where a
			// name has it; "add -2 clips" stays a bad count.
			p.markNamed(n)
			i = n.end - 1
			continue
		}
		placed := inName(v, p.wordsFrom(n.start-1, -1), p.wordsFrom(n.end, +1)) ||
			ix.NamesNumber(n.value) && (p.afterNumberMark(n) || p.pointsAtNumber(n) || n.value != math.Trunc(n.value))
		tooBig := ix.NamesNumber(n.value) && !p.moneyLike(n) && n.value > float64(p.max) && !p.countsContainers(n, ix)
		if !p.priceBound(n) && (placed || tooBig) {
			for k := n.start; k < n.end; k++ {
				p.used[k], p.named[k] = true, true
			}
			if !placed {
				p.unplaced = append(p.unplaced, n)
			}
		}
		i = n.end - 1
	}
}

// countsContainers reports a number that counts the containers a later
// word of its clause names, a word no name writes: "500 coffee machine
// descaler bottles", "500 tins of instant yeast" are 500 of them (too
// many), not the "500 ml" or "500 g" of a name.
func (p *parse) countsContainers(n number, ix *catalog.Index) bool {
	for k := n.end; k < len(p.toks) && !p.toks[k].sep; k++ {
		if w := p.toks[k].norm; countNouns[w] && !ix.NameWord(w) {
			return true
		}
	}
	return false
}

// endsNaming reports a number that ends the message or stands before a
// unit, after words: "sac de couchage -5", "the -5 °C one".
func (p *parse) endsNaming(n number) bool {
	return n.start > 0 && (n.end == len(p.toks) || p.toks[n.end].kind == tSymbol || units[p.toks[n.end].norm])
}

// afterNumberMark reports a number written after "No.", "n°", "#",
// "numéro": "the No. 7 tea" when a name has the 7.
func (p *parse) afterNumberMark(n number) bool {
	return p.endsBefore(n.start, numberMarks) > 0
}

// moneyLike reports whether a number reads as an amount: with a currency,
// or in a range ("entre 30 et 60").
func (p *parse) moneyLike(n number) bool {
	return p.startsAt(n.end, currencies) > 0 || p.endsBefore(n.start, currencies[:4]) > 0 ||
		p.endsBefore(n.start, rangeFrom) > 0 || p.startsAt(n.end, rangeTo) > 0
}

// dimensions returns the end of a size written "N x M" (with "x" or "×")
// as a product's name writes it, from the number n, or n.end when there is
// none: "12 x 85 g" is a pack when a name says so, "2 x 25米" two hoses.
func (p *parse) dimensions(n number) int {
	k := n.end
	if k+1 < len(p.toks) && (p.toks[k].norm == "x" || p.toks[k].norm == "×") && p.toks[k+1].kind == tNumber && p.toks[n.start].kind == tNumber {
		m, ok := numberAt(p.toks, k+1)
		if ok && p.ix != nil && p.ix.NamesDimension(n.value, m.value) {
			return k + 2
		}
	}
	return n.end
}

// pointsAtNumber reports whether a number is used to point at a product
// rather than to count: "the 50 one", "la 25", "celle de 50", "not the 25".
func (p *parse) pointsAtNumber(n number) bool {
	prev, at := "", n.start-1
	if at > 0 && p.toks[at].norm == "+" {
		at-- // "the +1.5"
	}
	if at >= 0 {
		prev = p.toks[at].norm
	}
	switch prev {
	case "the", "le", "la", "celle", "celui", "du":
		return true
	case "de":
		return at > 0 && (p.toks[at-1].norm == "celle" || p.toks[at-1].norm == "celui")
	}
	// "要150的", "170的那件": a number a name writes, then "的", is the
	// one with that number.
	return n.end < len(p.toks) && p.toks[n.end].norm == "的" && p.ix != nil && p.ix.NamesNumber(n.value)
}

// priceBound reports whether a number is a budget ("moins de 30 €",
// "五十欧以下"): then it is a price even when a name has the same number.
func (p *parse) priceBound(n number) bool {
	if p.endsBefore(n.start, maxBefore) > 0 || p.endsBefore(n.start, minBefore) > 0 {
		// "a puzzle mat for up to 1500 pieces" of a name that writes it
		// so: no currency, and the words around are the name's.
		return p.ix == nil || p.startsAt(n.end, currencies) > 0 || n.end >= len(p.toks) ||
			!p.ix.NumberInName(n.value, p.wordsFrom(n.start-1, -1), p.wordsFrom(n.end, +1))
	}
	end := n.end + p.startsAt(n.end, currencies)
	return p.startsAt(end, maxAfter) > 0 || p.startsAt(end, minAfter) > 0
}

func (p *parse) markNamed(n number) {
	for k := n.start; k < n.end; k++ {
		p.used[k], p.named[k] = true, true
	}
}

// wordsFrom returns up to three folded tokens from i going in dir, for
// the catalog to find the nearest meaningful one. Symbols end the list,
// except units and currency signs that stand in names ("30 €").
func (p *parse) wordsFrom(i, dir int) []string {
	var out []string
	for ; i >= 0 && i < len(p.toks) && len(out) < 3; i += dir {
		t := p.toks[i]
		if t.norm == "+" && dir < 0 && i+1 < len(p.toks) && p.toks[i+1].glued && p.toks[i+1].kind == tNumber {
			continue // "+2.5": the sign of a lens's power
		}
		if t.kind == tSymbol && !strings.ContainsAny(t.norm, "€$¥£%°") {
			break
		}
		if dir > 0 && t.sep {
			break // "iPhone 15, not the white one": a comma ends the name
		}
		out = append(out, t.norm)
		if dir < 0 && t.sep {
			break
		}
	}
	return out
}

// badQuantity reports a count that cannot be ordered: zero, negative,
// fractional ("½", "1.5 lampes") or above what one cart line takes
// (tooMany).
func (p *parse) badQuantity(maxQty int) (bad, tooMany bool) {
	for i, t := range p.toks {
		if p.used[i] {
			continue
		}
		if t.kind == tSymbol {
			for _, r := range t.orig {
				if unicode.Is(unicode.No, r) { // ½, ¼, ¾
					return true, false
				}
			}
			continue
		}
		if t.kind == tWord && t.norm == "zero" && p.countOfThings(number{start: i, end: i + 1}) {
			return true, false // "zéro capodastre"
		}
		if t.kind != tNumber && t.kind != tHan {
			continue
		}
		n, ok := numberAt(p.toks, i)
		if !ok {
			continue
		}
		if t.kind == tHan {
			// "来一万瓶": a Chinese count is one before a counter.
			if n.end < len(p.toks) && classifiers[p.toks[n.end].norm] && n.value > float64(maxQty) {
				return true, true
			}
			if n.end < len(p.toks) && classifiers[p.toks[n.end].norm] && n.value == 0 {
				return true, false // "加零包": zero before a counter
			}
			continue
		}
		switch {
		case t.neg || n.value != math.Trunc(n.value) && p.countOfThings(n) || n.value == 0 && p.countOfThings(n):
			return true, false
		case n.value > float64(maxQty) && p.countOfThings(n):
			return true, true
		}
	}
	return false, false
}

// countOfThings reports whether a number stands where a count does: alone,
// or before a word that is not a unit.
func (p *parse) countOfThings(n number) bool {
	if n.end >= len(p.toks) {
		return true
	}
	next := p.toks[n.end]
	return next.kind == tWord && !units[next.norm] || next.kind == tHan
}

// negators introduce what the customer rules out: "not the cast iron
// one", "pas le noir", "sans lactose", "不要红色的", "除了绿茶".
var negators = words("not", "no", "neither", "except", "other than", "rather than", "instead of", "but not", "pas", "sans", "ni",
	"sauf", "plutot que", "au lieu de", "autre que", "不要", "不是", "除了", "别", "非")

// excludeNegated finds the parts of the message that rule something out,
// when the message also asks for something: those words leave the query,
// and their products go to Excluded. A negation that is the whole request
// ("je ne veux pas de la lampe") is left to the intents. A negator that is
// part of a shopping phrase ("sans fil", cordless) is not one.
func (p *parse) excludeNegated(in *Intent, ix *catalog.Index) {
	if ix == nil {
		return
	}
	p.refuseAdd(in, ix)
	for i := 0; i < len(p.toks); i++ {
		// Negators are also cue words (sigNegation), so they may be used;
		// one taken by another cue is part of it ("pas trop cher" sorts).
		k := p.startsAt(i, negators)
		if k == 0 || p.used[i] && !p.negationCue(i) || p.answersNo(i, k) {
			continue
		}
		end := i + k
		for end < len(p.toks) && !(end > i+k && (p.toks[end].sep || negationEnds[p.toks[end].norm] && !p.onlyPronouns(i+k, end))) && !isConj(p.toks[end].norm) {
			end++
		}
		parts := p.negatedList(i+k, end, ix)
		end = parts[len(parts)-1][1]
		neg := p.text(i+k, parts[0][1])
		rest := p.textWithout(i, end)
		refusal := !ix.Meaningful(rest) && i+k < len(p.toks) && negatedAdd[p.toks[i+k].norm]
		if ix.StartsPhrase(p.text(i, end)) || !ix.Meaningful(rest) && !refusal {
			// A negation of the whole request is none, unless it negates
			// adding: "do not add the bench capper" adds nothing. What
			// it rules out may be in the cart: "finalement sans le
			// flexible" (Dropped).
			if !ix.StartsPhrase(p.text(i, end)) && dropWords[p.toks[i].norm] && ix.Meaningful(neg) {
				in.Dropped = neg
			}
			continue
		}
		p.refused = p.refused || refusal
		if i+k < len(p.toks) && ix.NameBigram(p.toks[i+k-1].norm, p.toks[i+k].norm) {
			continue // "friteuse sans huile": a name's words, not a negation
		}
		if !ix.Meaningful(neg) && !p.namesValue(ix, i+k, end) {
			if i > 0 && p.toks[i].sep && k > 0 && p.toks[i].kind == tHan {
				// "要降噪的耳机，不要普通的": a contrast whose words the
				// catalog does not know; the request before it stands.
				p.use(i, end)
				p.mark(p.negated, i, end)
			}
			continue
		}
		for _, part := range parts {
			neg := p.text(part[0], part[1])
			if in.NotQuery != "" {
				in.NotQuery += catalog.ExcludeSep // each ruled-out part on its own
			}
			in.NotQuery += neg
			in.Excluded = append(in.Excluded, ix.Resolve(neg)...)
		}
		p.use(i, end)
		p.mark(p.negated, i, end)
		i = end - 1
	}
}

// negatedList extends a negation that ends at end over the items of a
// list it rules out: "不要耳温枪和额温枪", "ni le rouge ni le bleu", "not
// the red or the blue one". Each item after the conjunction must end the
// clause, say no count and find something; "and"/"et" do not continue it
// ("not the red one and two blue caps" adds the caps).
// It returns the token spans ruled out, the first [from, end).
func (p *parse) negatedList(from, end int, ix *catalog.Index) [][2]int {
	parts := [][2]int{{from, end}}
	for end < len(p.toks) && negatedListConj[p.toks[end].norm] {
		j := end + 1
		for j < len(p.toks) && !p.toks[j].sep && !isConj(p.toks[j].norm) && !negatedListConj[p.toks[j].norm] && !negationEnds[p.toks[j].norm] {
			if p.toks[j].kind == tNumber && !(j > end+1 && sizeArticle[p.toks[j-1].norm]) {
				return parts // "or 2 blue caps" is a count; "or the 60" a size
			}
			j++
		}
		if j == end+1 || !ix.Meaningful(p.text(end+1, j)) {
			return parts
		}
		parts = append(parts, [2]int{end + 1, j})
		end = j
	}
	return parts
}

// sizeArticle may stand before a number said as a size: "the 60".
var sizeArticle = setOf("the", "le", "la", "les", "l")

// dropWords rule out, said alone, what the cart may hold.
var dropWords = setOf("sans", "without", "no")

// negatedListConj join the items of a list that a negation rules out.
var negatedListConj = setOf("和", "跟", "或", "或者", "也不要", "ni", "nor", "or", "ou")

// refuseAdd reads "don't add the bench capper", "n'ajoute pas le
// capsuleur", "ne mets pas de sucre": the whole request is ruled out, so
// nothing it names is added. ("do not add" and "不要加" are read by
// excludeNegated's own negators.)
func (p *parse) refuseAdd(in *Intent, ix *catalog.Index) {
	for i := 0; i+2 < len(p.toks); i++ {
		start := -1
		switch {
		case p.seq(i, "don", "t") && negatedAdd[p.toks[i+2].norm]:
			start = i + 2
		case p.seq(i, "dont") && negatedAdd[p.toks[i+1].norm]:
			start = i + 1
		case (p.seq(i, "n") || p.seq(i, "ne")) && negatedAdd[p.toks[i+1].norm] && p.toks[i+2].norm == "pas":
			start = i + 1
		}
		if start < 0 {
			continue
		}
		end := start
		for end < len(p.toks) && !p.toks[end].sep && !isConj(p.toks[end].norm) {
			end++
		}
		neg := p.text(start, end)
		if !ix.Meaningful(neg) {
			return
		}
		if in.NotQuery != "" {
			in.NotQuery += catalog.ExcludeSep
		}
		in.NotQuery += neg
		in.Excluded = append(in.Excluded, ix.Resolve(neg)...)
		p.use(i, end)
		p.mark(p.negated, i, end)
		p.refused = true
		return
	}
}

// namesValue reports whether tokens [from, to) say one variant value of
// the catalog, or one word some name writes, with articles and size words
// around it ("the L", "la taille M"): "not the L" rules out a size though
// "L" alone means nothing to search.
func (p *parse) namesValue(ix *catalog.Index, from, to int) bool {
	var ws []string
	for _, t := range p.toks[from:min(to, len(p.toks))] {
		if !valueFrame[t.norm] {
			ws = append(ws, t.norm)
		}
	}
	return len(ws) > 0 && ix.VariantValue(strings.Join(ws, " ")) || len(ws) == 1 && ix.NameWord(ws[0])
}

// valueFrame are the words around a variant value said alone.
var valueFrame = setOf("the", "le", "la", "les", "one", "ones", "un", "une", "size", "taille", "en", "in", "colour", "color", "couleur")

// onlyPronouns reports whether the tokens from i to end only point at a
// product ("celui", "the one"): what follows then says which one is
// ruled out, "pas celui pour enfant", "not the one with a lid", though
// "pour" or "with" would end the negation after a product's words.
func (p *parse) onlyPronouns(i, end int) bool {
	if i >= end || !negatedDescribed[p.toks[end].norm] {
		return false
	}
	for _, t := range p.toks[i:end] {
		if !pointers[t.norm] {
			return false
		}
	}
	return true
}

var (
	negatedDescribed = setOf("pour", "for", "avec", "with")
	pointers         = setOf("celui", "celle", "ceux", "celles", "le", "la", "les", "l", "the", "one", "ones", "that", "those", "un", "une", "a", "an")
)

// negationEnds end what a negation rules out: "pas trop chère pour ma
// chambre" rules out nothing of the bedroom.
var negationEnds = setOf("but", "mais", "而是", "要", "pour", "for", "avec", "with", "qui", "that", "which",
	"because", "car", "parce", "as", "comme", "instead", "plutot", "也", "ni", "nor", "or", "ou", "neither")

func (p *parse) mark(flags []bool, from, to int) {
	for k := max(from, 0); k < to && k < len(flags); k++ {
		flags[k] = true
	}
}

// readVague reads a count that says "more than one" without a number:
// "quelques", "plusieurs", "a few", "several", "a couple", "几个", "一些".
func (p *parse) readVague() bool {
	for i := range p.toks {
		if p.used[i] {
			continue
		}
		if k := p.startsAt(i, vagueWords); k > 0 {
			if i > 0 && p.ix != nil && p.toks[i].kind == tHan && p.ix.HanPair(p.toks[i-1].norm+p.toks[i].norm) {
				continue // "藤编茶几": the table's name, not "a few"
			}
			p.use(i, i+k)
			return true
		}
		if p.toks[i].norm == "some" && i+1 < len(p.toks) && p.plural(i+1) {
			// "add some cannelés", "some water bottles": more than one,
			// how many unsaid. "some tea" is an amount, not a count.
			p.use(i, i+1)
			return true
		}
	}
	return false
}

// plural reports an English plural noun at i, or one after an adjective
// ("some water bottles"): a word of more than three letters ending in a
// single s.
func (p *parse) plural(i int) bool {
	for k := i; k < len(p.toks) && k < i+3 && p.toks[k].kind == tWord; k++ {
		w := p.toks[k].norm
		if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
			return true
		}
	}
	return false
}

var vagueWords = words("une douzaine", "douzaine", "quelques", "plusieurs", "a few", "few", "several", "a couple of", "a couple", "couple of",
	"un certain nombre", "一些", "好几", "几", "一两", "两三", "三两", "三四", "四五", "五六", "六七", "七八", "八九")

// countedItems reports whether items read as an order rather than a
// search: one of them has a count.
func (p *parse) countedItems(items []Item) bool {
	for _, it := range items {
		if it.Quantity > 0 || p.indefiniteIn(it.Text) {
			return true
		}
	}
	return false
}

// everyItemFinds reports whether every item with words names a product
// or finds one: a list is an order only when each part asks for something
// the shop sells ("j'en veux un", with no words, counts what came before).
func (p *parse) everyItemFinds(items []Item) bool {
	for _, it := range items {
		if len(it.Products) == 0 && it.Query != "" && len(p.ix.Search(catalog.Query{Text: it.Query, Category: it.Category, Limit: 1})) == 0 {
			return false
		}
	}
	return true
}

// everyItemChooses reports whether each item names one product, or says
// one's name whole among what its words find (Closest).
func (p *parse) everyItemChooses(items []Item) bool {
	for _, it := range items {
		if len(it.Products) == 1 {
			continue
		}
		if len(it.Products) > 1 || it.Query == "" {
			return false
		}
		found := candidates(p.ix, it)
		if len(found) != 1 && p.ix.Closest(it.Query, found) == "" {
			return false
		}
	}
	return true
}

// negationCue reports whether token i is used by a cue that only says
// "no" or "not", rather than by a phrase of another meaning.
func (p *parse) negationCue(i int) bool {
	for _, s := range p.spans {
		if slices.Contains(s.at, i) {
			return s.sig == sigNegation || s.sig == sigDontWant || s.sig == sigNo
		}
	}
	return false
}

// text joins the original tokens [from, to), Chinese characters glued.
func (p *parse) text(from, to int) string {
	var b strings.Builder
	for k := max(from, 0); k < to && k < len(p.toks); k++ {
		t := p.toks[k]
		if b.Len() > 0 && !(t.glued && (t.kind == tHan || p.toks[k-1].kind == tHan)) {
			b.WriteByte(' ')
		}
		b.WriteString(t.orig)
	}
	return b.String()
}

// textWithout joins the original tokens outside [from, to) that no slot
// took.
func (p *parse) textWithout(from, to int) string {
	var parts []string
	if s := p.text(0, from); s != "" {
		parts = append(parts, s)
	}
	if s := p.text(to, len(p.toks)); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// countAt reports a count at token i: a number, a number word or an
// article of one ("un", "a", "一个").
func (p *parse) countAt(i int) bool {
	t := p.toks[i]
	if t.kind == tNumber {
		return true
	}
	if _, ok := numberWords[t.norm]; ok {
		return true
	}
	switch strings.ToLower(t.orig) { // "à" is not "a"
	case "a", "an", "un", "une":
		return true
	}
	return false
}

// conjunctions separate items: "and", "et", "和", "、", "+".
var conjunctions = setOf("and", "et", "&", "+", "plus", "和", "跟", "还有", "、", "以及", "also", "aussi")

func isConj(w string) bool { return conjunctions[w] && w != "plus" }

// plusJoins reports a "plus" that joins two items: "2 heaters 50 W plus
// a fish net", "un comté plus deux rillettes" — after something and
// before an article or a count. "le plus cher", "plus de 30 €", "un de
// plus", "en plus" and "Aqua Plus" are no joins.
func (p *parse) plusJoins(i int) bool {
	if p.toks[i].norm != "plus" || i == 0 || i+1 >= len(p.toks) {
		return false
	}
	switch p.toks[i-1].norm {
	case "le", "la", "les", "de", "en", "un", "une", "the", "one", "no", "ni":
		return false
	}
	next := p.toks[i+1]
	if next.kind == tNumber {
		return true
	}
	_, count := numberWords[next.norm]
	return count || plusArticles[next.norm]
}

var plusArticles = setOf("a", "an", "the", "some", "un", "une", "des", "le", "la", "les", "du")

// hanConjunctions are the conjunctions of two Chinese characters, which
// the tokens hold one character each: "来3支护手霜还有一个绿泥面膜".
var hanConjunctions = [][2]string{{"还", "有"}, {"以", "及"}, {"再", "加"}, {"加", "上"}, {"另", "外"}, {"外", "加"}}

// conjAt returns how many tokens of a conjunction start at i, or 0.
func (p *parse) conjAt(i int) int {
	if isConj(p.toks[i].norm) || p.plusJoins(i) {
		return 1
	}
	for _, c := range hanConjunctions {
		if p.seq(i, c[0], c[1]) {
			return 2
		}
	}
	return 0
}

// maxItems and maxItemWords bound what reads as a list of items: an
// order names a few products in a few words each; a long message with
// commas is a story ("我上周参加了婚礼，大家都在聊面霜、精华液…") and
// orders nothing.
const (
	maxItems     = 6
	maxItemWords = 10
)

// splitItems cuts a request for several products into items, at
// conjunctions and commas that are not part of a product's name, when
// each part names or describes something of its own. Words the customer
// ruled out belong to no item. A part that only narrows the one before
// ("the chelsea boots, the suede ones") is merged into it, and a count
// said for each ("各一双", "one of each") goes to every item.
func (p *parse) splitItems(in *Intent, ix *catalog.Index, hint concierge.Locale) {
	if ix == nil {
		return
	}
	var cuts []int // token index where each part after the first starts
	for i := 1; i < len(p.toks); i++ {
		t := p.toks[i]
		switch {
		case p.negated[i]:
		case p.conjAt(i) == 2 && !p.used[i] && !p.used[i+1]:
			if ix.ConjInName(p.toks[i-1].norm, t.norm+p.toks[i+1].norm, p.next(i+1)) {
				continue
			}
			cuts = append(cuts, i)
			i++
		case (isConj(t.norm) || p.plusJoins(i)) && !p.used[i]:
			if ix.ConjInName(p.toks[i-1].norm, t.norm, p.next(i)) {
				continue
			}
			cuts = append(cuts, i)
		case t.sep && !p.named[i]:
			// A comma before a number of a name is the name's:
			// "Vitamine C 1000 mg, 20 comprimés".
			cuts = append(cuts, i)
		case t.colon && !p.named[i] && p.countAt(i):
			cuts = append(cuts, i)
		}
	}
	if len(cuts) == 0 {
		return
	}
	if len(cuts) >= maxItems {
		return // a list that long is a story, not an order
	}
	var items []Item
	var texts []string
	start := 0
	for _, c := range append(cuts, len(p.toks)) {
		from := start
		for from < c && p.conjAt(from) > 0 {
			from += p.conjAt(from)
		}
		start = c
		if p.words(from, c) > maxItemWords {
			return // a clause, not an item: "j'ai vu vos théières, mais ..."
		}
		text := p.textKept(from, c)
		if text == "" {
			continue
		}
		sub := Limits{MaxQuantity: p.max}.parseOne(text, ix, hint, false)
		if sub.Name == Checkout || sub.Name == ViewCart {
			in.ThenCheckout = in.ThenCheckout || sub.Name == Checkout
			continue
		}
		it := itemOf(text, sub)
		if len(it.Products) == 0 && !sub.pointed && (it.Query == "" || !ix.Meaningful(it.Query)) && !(len(items) > 0 && it.Quantity > 0 && saysValueOf(ix, items[0], text)) {
			// A verb alone ("ajoute" before "aussi un niveau") points at
			// nothing: it is not an item of its own.
			continue
		}
		if n := len(items); n > 0 && it.Quantity > 0 && items[n-1].Quantity == 0 && countsPrevious(ix, items[n-1], it) {
			// "fil polyester 100 m noir, 4 bobines": the count of the
			// thread, in the word of what it comes in.
			items[n-1].Quantity = it.Quantity
			continue
		}
		if n := len(items); n > 0 && it.Quantity == 0 && sub.Size != 0 && len(it.Products) == 0 && len(strings.Fields(it.Query)) <= 1 && !p.comparing {
			// "ten glue sticks, the small ones": a size of what the
			// part before finds, when its names tell a smaller from a
			// larger.
			if as := candidates(ix, items[n-1]); len(as) > 1 && ix.BySize(as, sub.Size > 0) != "" {
				texts[n-1] += " " + text
				items[n-1] = itemOf(texts[n-1], Limits{MaxQuantity: p.max}.parseOne(texts[n-1], ix, hint, false))
				continue
			}
		}
		if n := len(items); n > 0 && it.Quantity == 0 && !p.comparing && !p.indefiniteIn(text) && valueOfPrevious(ix, items[n-1], it) {
			// "the Marina swimsuit in coral, size 12": a value of the
			// variants of what the part before finds.
			texts[n-1] += " " + text
			items[n-1] = itemOf(texts[n-1], Limits{MaxQuantity: p.max}.parseOne(texts[n-1], ix, hint, false))
			continue
		}
		comma := from < len(p.toks) && p.toks[from].sep
		if n := len(items); n > 0 && it.Quantity == 0 && !p.comparing && !p.indefiniteIn(text) &&
			(narrows(ix, items[n-1], it) && !(p.toks[from-1].kind != tSymbol && namesOtherWhole(ix, items[n-1], it)) || comma && fewerOf(ix, items[n-1], it)) &&
			!otherValues(ix, items[n-1], it) {
			texts[n-1] += " " + text
			items[n-1] = itemOf(texts[n-1], Limits{MaxQuantity: p.max}.parseOne(texts[n-1], ix, hint, false))
			continue
		}
		items, texts = append(items, it), append(texts, text)
	}
	items = p.breakDown(items, texts, ix, hint)
	if len(items) < 2 {
		return
	}
	for i := range items {
		// What the whole message ruled out is out of every item.
		items[i].Products = ix.Without(without(items[i].Products, in.Excluded), in.NotQuery, items[i].Query)
	}
	if p.distributive() {
		q := 0
		for _, it := range items {
			q = max(q, it.Quantity)
		}
		if q == 0 {
			q = in.Quantity // "…, deux de chaque": the count in a part of its own
		}
		for i := range items {
			if items[i].Quantity == 0 {
				items[i].Quantity = q
			}
		}
	}
	in.Items = items
}

// breakDown reads "two pairs of Tarn shoes, one in 40 and one in 41" as
// the two pairs, one of each size: where every item after a counted first
// one has a count of its own, the counts add up to the first's, and each
// only narrows it, the first is the whole and the others its parts.
func (p *parse) breakDown(items []Item, texts []string, ix *catalog.Index, hint concierge.Locale) []Item {
	if len(items) < 3 || items[0].Quantity < 2 {
		return items
	}
	whole := candidates(ix, items[0])
	counts := make([]int, len(items)) // of each part: "one", or "un"/"a"
	sum := 0
	for k, it := range items[1:] {
		counts[k+1] = it.Quantity
		if counts[k+1] == 0 && p.indefiniteIn(texts[k+1]) {
			counts[k+1] = 1 // "deux ciseaux : un de 6 mm et un de 20 mm"
		}
		if counts[k+1] == 0 || len(it.Products) > 0 {
			return items
		}
		if fit, _, _ := ix.Narrow(texts[k+1], whole); len(fit) == 0 || len(fit) == len(whole) {
			return items
		}
		sum += counts[k+1]
	}
	if sum != items[0].Quantity {
		return items
	}
	out := make([]Item, 0, len(items)-1)
	for k := range items[1:] {
		text := texts[0] + " " + texts[k+1]
		part := itemOf(text, Limits{MaxQuantity: p.max}.parseOne(text, ix, hint, false))
		part.Quantity = counts[k+1]
		out = append(out, part)
	}
	return out
}

// words counts the words of tokens [from, to): Chinese is cut into
// characters, and two of them make about one word ("免洗洗手液" is three).
func (p *parse) words(from, to int) int {
	n, han := 0, 0
	for k := from; k < to; k++ {
		if p.toks[k].kind == tHan {
			han++
			continue
		}
		n++
	}
	return n + (han+1)/2
}

func itemOf(text string, sub Intent) Item {
	return Item{Text: text, Query: sub.Query, Category: sub.Category, Products: sub.Products, Quantity: sub.Quantity, RefShown: sub.RefShown}
}

// narrows reports whether item b only narrows item a: what b's words find
// is among what a's find ("the suede ones" among the Chelsea boots), or,
// for a word that also describes other things ("queen excluder, metal",
// where the smoker is metal too), what it finds best includes some of
// a's and not all.
func narrows(ix *catalog.Index, a, b Item) bool {
	as, bs := candidates(ix, a), candidates(ix, b)
	if len(as) < 2 || len(bs) == 0 {
		return false
	}
	if !slices.ContainsFunc(bs, func(s concierge.SKU) bool { return !slices.Contains(as, s) }) {
		return true
	}
	if len(b.Products) > 0 || len(strings.Fields(b.Query)) > 3 {
		return false
	}
	hits := ix.Search(catalog.Query{Text: b.Query, Category: b.Category, Limit: 8})
	in := 0
	for _, h := range hits {
		if h.Score < hits[0].Score {
			break
		}
		if slices.Contains(as, h.SKU) {
			in++
		}
	}
	return in > 0 && in < len(as)
}

// fewerOf reports whether some but not all of what item a finds is
// among what item b finds: after a comma, "baking paper, the 3 roll
// pack" is the pack of the papers, though "3 roll pack" finds bags first.
func fewerOf(ix *catalog.Index, a, b Item) bool {
	if len(b.Products) > 0 {
		return false
	}
	as, bs := candidates(ix, a), candidates(ix, b)
	in := 0
	for _, s := range as {
		if slices.Contains(bs, s) {
			in++
		}
	}
	if in > 0 && in < len(as) {
		return true
	}
	// "curtain rings, the pack of 10": b's words with a's say one of
	// a's names whole, though other packs of 10 come first for b alone.
	return len(as) > 1 && ix.Closest(a.Query+" "+b.Query, as) != ""
}

// valueOfPrevious reports whether item b says only values of the variants
// of what item a finds, and none a's text says otherwise ("size 12"
// after "the Marina swimsuit in coral"; not "in navy" after "in coral",
// which otherValues reads as another).
//
// Of products of no group ("3 noodle bowls, the white ones", where one
// bowl's pattern is white and the other's blue-and-white), b must leave
// some of them and not all.
func valueOfPrevious(ix *catalog.Index, a, b Item) bool {
	as := candidates(ix, a)
	if len(as) == 0 || len(b.Products) > 0 {
		return false
	}
	group := ix.Variants(as[0])
	if group == nil {
		for _, s := range as {
			if ix.GroupOf(s) != "" {
				return false
			}
		}
		group = as
	}
	fit, said, missing := ix.NarrowShared(b.Text, group)
	if len(said) == 0 || len(missing) > 0 || !ix.SaysOnly(b.Query, said) || len(fit) == 0 {
		return false
	}
	if ix.GroupOf(as[0]) == "" && len(fit) == len(group) {
		return false
	}
	return !otherValues(ix, a, b)
}

// saysValueOf reports whether text states a value of the variants what
// item a finds: "one M" after "two Guardian bee suits" says a size,
// though "M" alone means nothing to search.
func saysValueOf(ix *catalog.Index, a Item, text string) bool {
	as := candidates(ix, a)
	if len(as) == 0 || ix.GroupOf(as[0]) == "" {
		return false
	}
	fit, said, missing := ix.Narrow(text, ix.Variants(as[0]))
	return len(said) > 0 && len(missing) == 0 && len(fit) > 0
}

// otherValues reports whether item b states another value of an
// attribute item a states, of the variants a finds: "les Alpina bleues en
// 41 et des noires en 42" is two pairs, not one narrowed twice.
func otherValues(ix *catalog.Index, a, b Item) bool {
	as := candidates(ix, a)
	if len(as) == 0 || ix.GroupOf(as[0]) == "" {
		return false
	}
	group := ix.Variants(as[0])
	_, sa, _ := ix.Narrow(a.Text, group)
	_, sb, _ := ix.Narrow(b.Text, group)
	for k, v := range sb {
		if w, ok := sa[k]; ok && w != v {
			return true
		}
	}
	return false
}

// countsPrevious reports whether item b is only a count of what item a
// finds: one word at most, which the product a finds first is found by.
func countsPrevious(ix *catalog.Index, a, b Item) bool {
	if len(strings.Fields(b.Query)) != 1 || len(b.Products) > 0 {
		return false
	}
	as := candidates(ix, a)
	if len(as) == 0 {
		return false
	}
	// "the ABS 1.75 black, 2 spools": the word finds that product among
	// many (every filament is a spool), not only among its first few.
	if slices.Contains(candidates(ix, b), as[0]) {
		return true
	}
	w := strings.TrimSpace(b.Query)
	return len(w) >= 3 && !strings.ContainsFunc(w, catalog.IsHan) && ix.Finds(w, as[:1])
}

// namesOtherWhole reports whether item a says one product's name whole
// (Closest) and b finds only others: "Catan and the 5-6 player
// extension" is two games, where "the chelsea boots, the suede ones"
// narrows boots none of which is named by "chelsea boots" alone.
func namesOtherWhole(ix *catalog.Index, a, b Item) bool {
	s := ix.Closest(a.Query, candidates(ix, a))
	return s != "" && !slices.Contains(candidates(ix, b), s)
}

// candidates are the products an item names, or else those its words
// find.
func candidates(ix *catalog.Index, it Item) []concierge.SKU {
	if len(it.Products) > 0 {
		return it.Products
	}
	var out []concierge.SKU
	for _, h := range ix.Search(catalog.Query{Text: it.Query, Category: it.Category, Limit: 8}) {
		out = append(out, h.SKU)
	}
	return out
}

// textKept joins the tokens [from, to) the customer did not rule out.
func (p *parse) textKept(from, to int) string {
	var parts []string
	for i := from; i < to; {
		if p.negated[i] {
			i++
			continue
		}
		j := i
		for j < to && !p.negated[j] {
			j++
		}
		parts = append(parts, p.text(i, j))
		i = j
	}
	return strings.Join(parts, " ")
}

// indefiniteIn reports whether a part starts a new item with "a", "un",
// "一个": "a glass teapot and a cast iron one" are two.
func (p *parse) indefiniteIn(text string) bool {
	toks, _ := lex(text)
	for i, t := range toks {
		switch strings.ToLower(t.orig) { // "à" is not "a"
		case "a", "an", "un", "une", "another":
			return true
		case "一":
			if i+1 == len(toks) || !notCountAfterOne[toks[i+1].norm] { // "比较一下" is no "一个"
				return true
			}
		}
	}
	return false
}

// distributive reports a count said for each item: "各一双", "one of
// each", "un de chaque", "chacun".
func (p *parse) distributive() bool {
	for i, t := range p.toks {
		switch t.norm {
		case "各", "each", "chacun", "chacune", "chaque":
			return true
		}
		if t.norm == "de" && i+1 < len(p.toks) && p.toks[i+1].norm == "chaque" {
			return true
		}
	}
	return false
}

func (p *parse) next(i int) string {
	if i+1 < len(p.toks) {
		return p.toks[i+1].norm
	}
	return ""
}

// Relative changes: "one more", "encore une", "再来一个" add to what is
// in focus; "one less", "un de moins", "少一个" take away.
var (
	moreMarks = words("more", "another", "encore", "de plus", "en plus", "un autre", "une autre", "extra", "再")
	lessMarks = words("less", "fewer", "de moins", "en moins")
	hanLess   = words("少要", "少拿", "少来", "少买", "减少", "少", "减")
)

// readRelative finds the marks of a relative change and takes their
// words, so that "one more" is a count and a mark, not a search for
// "more".
func (p *parse) readRelative() {
	free := func(i, k int) bool { return k > 0 && !slices.Contains(p.used[i:i+k], true) }
	for i := range p.toks {
		if addAgain[p.toks[i].norm] && i+2 < len(p.toks) && p.toks[i+1].norm == "en" {
			// "rajoute-en une paire", "ajoute-en deux": that many more
			// of what is in focus ("mets-en quatre" sets four).
			if n, ok := numberAt(p.toks, i+2); ok && n.value >= 1 || p.toks[i+2].norm == "un" || p.toks[i+2].norm == "une" {
				p.more = true
			}
		}
		if p.used[i] {
			continue
		}
		if k := p.startsAt(i, moreMarks); free(i, k) && !(i > 0 && p.toks[i].norm == "encore" && p.toks[i-1].norm == "pas") {
			// ("pas encore" is "not yet".)
			p.more = true
			p.use(i, p.skipCountNoun(i+k)) // "one more pair"
			continue
		}
		if k := p.startsAt(i, lessMarks); free(i, k) {
			p.less = true
			p.use(i, i+k)
			continue
		}
		// "少一个", "减两个": a Chinese "less" counts only before a number.
		if k := p.startsAt(i, hanLess); k > 0 && i+k < len(p.toks) {
			if _, ok := numberAt(p.toks, i+k); ok {
				p.less = true
				p.use(i, i+k)
			}
		}
	}
}

// negatedAdd are the verbs of adding that a negation before them turns
// into a refusal: "don't add", "n'ajoute pas", "不要加".
var negatedAdd = setOf("add", "ajoute", "ajoutez", "ajouter", "mets", "mettez", "put", "加", "放")

// addAgain are the verbs that add on top of the cart when a count
// follows "en": "rajoute-en une", "ajoute-en deux".
var addAgain = setOf("ajoute", "ajoutez", "ajouter", "rajoute", "rajoutez", "rajouter", "remets", "remettez")

// readDelta sets Delta for a relative change of a cart line: "remove
// one", "enlève-en un", "one less", "un de moins", "少一个".
func (p *parse) readDelta(in *Intent) {
	q := max(in.Quantity, 1)
	switch in.Name {
	case RemoveFromCart:
		if in.Quantity > 0 || p.indefinite() || p.less {
			in.Delta = -q
		}
	case AddToCart:
		if p.more && len(in.Products) == 0 && len(in.Items) == 0 && (in.Query == "" || p.ix == nil || !p.ix.Meaningful(in.Query)) {
			in.Delta = q // "one more"; "encore un mug vert" names what
		}
	}
}

// indefinite reports "a"/"an"/"un"/"une"/"一个" before what is acted on:
// "remove a bulb" takes one away, "remove the bulbs" all of them; "je
// voudrais un casque" asks for one.
func (p *parse) indefinite() bool {
	for i, t := range p.toks {
		switch strings.ToLower(t.orig) { // "à" is not "a"
		case "a", "an", "un", "une":
			return true
		case "一":
			return i+1 < len(p.toks) && classifiers[p.toks[i+1].norm]
		}
	}
	return false
}

// swapCues change one product for another: "finalement", "plutôt",
// "instead", "actually", "au lieu de", "换成", "改成", "还是要".
var swapCues = words("finalement", "plutot", "instead", "actually", "au lieu de", "a la place", "rather", "switch to",
	"change for", "swap", "remplace", "换成", "改成", "还是要", "算了要")

// mindCues take back what was just asked for, to say what instead.
var mindCues = words("non pardon", "pardon", "sorry", "oops", "oups", "my bad", "i meant", "je voulais dire", "不对", "我是说", "说错了")

// answersNo reports a "no" that opens the message, alone before a comma,
// and says what instead: "no, the 50 kg one", "non, la 128 mm", "不是，
// 要黑色的" take back what was just done; they rule nothing out.
func (p *parse) answersNo(i, k int) bool {
	return i == 0 && k == 1 && len(p.toks) > 2 && p.toks[1].sep && leadingNo[p.toks[0].norm]
}

var leadingNo = setOf("no", "non", "nope", "不", "不是")

// alsoWords add to what was asked rather than replace it.
var alsoWords = setOf("too", "also", "aussi", "egalement", "也", "还")

// adding reports a word that adds to what was asked: "sorry, a blue one
// too".
func (p *parse) adding() bool {
	for _, t := range p.toks {
		if alsoWords[t.norm] {
			return true
		}
	}
	return false
}

// readSwap makes a change of mind about which product into a swap: a
// change cue, no count, and words that describe or name a product
// ("finalement le grand", "the cardboard one instead"). A count is a new
// quantity ("finalement une seule").
func (p *parse) readSwap(in *Intent) {
	if in.Quantity > 0 || in.Delta != 0 || p.question {
		return
	}
	swapped := p.answersNo(0, 1) // "non, en 65", "no, the 50 kg one"
	for i := range p.toks {
		if p.startsAt(i, swapCues) > 0 {
			swapped = true
			break
		}
		// "sorry, yellow not red", "non pardon le 10 cm": a change of
		// mind, unless it adds ("sorry, add a wick too").
		if p.startsAt(i, mindCues) > 0 && !p.sigs[sigAdd] && !p.adding() {
			swapped = true
			break
		}
	}
	if !swapped || len(in.Products) == 0 && in.Query == "" {
		return
	}
	switch in.Name {
	case AddToCart, Search, Details, ChangeQuantity, OutOfScope:
		in.Name, in.Swap = AddToCart, true
	}
}

// ownedFor are the words that say what the customer already has and wants
// something for: "a 58 mm filter for my 50mm f/1.8", "une housse pour
// mon vélo".
var ownedFor = words("for my", "for our", "for his", "for her", "pour mon", "pour ma", "pour mes", "pour notre", "pour nos", "pour son", "pour sa")

// maxOwnedWords is the longest phrase read as what the customer has.
const maxOwnedWords = 5

// owned returns the products a message says the customer has and wants
// something for ("the 58mm uv filter for my 50mm f/1.8"): not what to
// add, though their words stay in the query to find what fits them. Only
// after words that find something themselves.
func (p *parse) owned(ix *catalog.Index) []concierge.SKU {
	var out []concierge.SKU
	for i := 1; i < len(p.toks); i++ {
		k := p.startsAt(i, ownedFor)
		if k == 0 || !ix.Meaningful(p.text(0, i)) {
			continue
		}
		end := i + k
		for end < len(p.toks) && !p.toks[end].sep && !isConj(p.toks[end].norm) {
			end++
		}
		if end-(i+k) > maxOwnedWords {
			// "for my 7 year old 😅 could you add…": what follows goes
			// on to ask; only a short phrase that ends the clause is
			// what the customer has.
			continue
		}
		if tail := p.text(i+k, end); tail != "" {
			out = append(out, bestNotIn(ix, tail, p.text(0, i))...)
		}
		i = end
	}
	return out
}

// bestNotIn returns the products text finds best that other does not
// find at all: of "for my 50mm f/1.8", the lens, not the 58 mm filter
// the words before it ask for (nor a hood "for 50mm f/1.8" when they
// ask for a hood).
func bestNotIn(ix *catalog.Index, text, other string) []concierge.SKU {
	hits := ix.Search(catalog.Query{Text: text, Limit: 5})
	if len(hits) == 0 {
		return nil
	}
	found := map[concierge.SKU]bool{}
	for _, h := range ix.Search(catalog.Query{Text: other, Limit: 50}) {
		found[h.SKU] = true
	}
	var out []concierge.SKU
	for _, h := range hits {
		if h.Score >= hits[0].Score*0.999 && !found[h.SKU] {
			out = append(out, h.SKU)
		}
	}
	return out
}
