package catalog

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
)

// buildNames finds the words that name products rather than describe them.
//
// A Latin name word is distinctive when it is not a shopping word, not a
// stop word, not a tag or attribute of any product, and is a proper name:
// it appears in at least two of the product's names ("Aurore" in "Lampe de
// chevet Aurore" and "Aurore bedside lamp"), or the product has only one
// name in Latin script. Words with digits ("E27") are never names. A
// Chinese name's distinctive part is what the lexicon does not
// know ("欧若拉" in "欧若拉床头灯"), for products that have a proper name
// (or only Chinese names): "天然亚麻灯罩" has none, "天然" just says natural.
func (ix *Index) buildNames(keys []string, prev *Index, from []int32, d countDelta) {
	ix.hanNameAt = map[string]int{}
	defer func() { ix.hanNameAt = nil }() // only while building
	if prev != nil && samePlaces(from) {
		ix.patchNames(keys, prev, from, d)
	} else {
		ix.names = map[string][]int{}
		common := map[string]bool{} // words some product's names do not all have
		for i, in := range ix.infos {
			// in.nameCounts are the words of three letters or more that
			// may be a name (isNameWord), with the number of names they
			// are in; a tag or an attribute of some product
			// (counts.descr) is none.
			for _, c := range in.nameCounts {
				if ix.counts.descr[c.word] > 0 {
					continue
				}
				w := keys[c.word]
				if c.n == 1 && in.latin > 1 {
					common[w] = true
				}
				if c.n >= 2 || in.latin == 1 {
					ix.names[w] = append(ix.names[w], i)
				}
			}
		}
		for w := range common {
			// "camping" in "Chair One camping chair" and "Chaise de
			// camping Chair One" is also a plain word of "Chariot de
			// camping pliant": a word another product's name uses as an
			// ordinary word is no proper name.
			delete(ix.names, w)
		}
		ix.nameWords = newVocabulary(sortedNames(ix.names, prev))
	}
	for i, in := range ix.infos {
		if len(in.leftovers) == 0 {
			continue
		}
		proper := false
		for _, c := range in.nameCounts {
			proper = proper || ix.counts.descr[c.word] == 0 && (c.n >= 2 || in.latin == 1)
		}
		if !proper && in.latin > 0 {
			continue
		}
		for _, s := range in.leftovers {
			ix.addHanName(s, i)
		}
	}
	ix.dropGenericHanNames(keys)
}

// dropGenericHanNames drops the Chinese "names" that several products
// share without sharing a Latin proper name: "耳机" in "Pulse 无线耳机" and
// "Pulse Pro 降噪耳机" is what they are (earphones), which the lexicon
// happens not to know, not what they are called. "欧若拉" shared by two
// Aurore lamps stays.
func (ix *Index) dropGenericHanNames(keys []string) {
	if len(ix.hanNames) == 0 {
		return
	}
	// The Chinese runs of the names that hold the first character of
	// some name, and which runs have each such character, so that each
	// name is compared with the few products that could contain it, not
	// with the whole catalog.
	firsts := map[rune]bool{}
	for _, h := range ix.hanNames {
		first, _ := utf8.DecodeRuneInString(h.text)
		firsts[first] = true
	}
	type run struct {
		doc  int
		text string
	}
	var runs []run
	byRune := map[rune][]int{} // rune → indexes in runs, in catalog order
	for i, in := range ix.infos {
		for _, text := range in.hanRuns {
			k := -1
			for _, r := range text {
				if !firsts[r] {
					continue
				}
				if k < 0 {
					k = len(runs)
					runs = append(runs, run{doc: i, text: text})
				}
				if l := byRune[r]; len(l) == 0 || l[len(l)-1] != k {
					byRune[r] = append(byRune[r], k)
				}
			}
		}
	}
	kept := ix.hanNames[:0]
	for _, h := range ix.hanNames {
		first, _ := utf8.DecodeRuneInString(h.text)
		var docs []int
		tail := true
		prefix := hanPrefix(h.text)
		if prefix != h.text && slices.ContainsFunc(byRune[first], func(k int) bool {
			return strings.Contains(runs[k].text, prefix) && !slices.Contains(h.docs, runs[k].doc)
		}) {
			// What Resolve matches of "磨刀石防滑底座" is "磨刀石",
			// another product's whole word: a kind, no name; so is
			// "压缩袋" of "压缩袋电动抽气泵" (a pump), which "真空压缩袋"
			// (the bags) writes too.
			continue
		}
		for _, k := range byRune[first] {
			r := runs[k]
			if !strings.Contains(r.text, h.text) {
				continue
			}
			if len(docs) == 0 || docs[len(docs)-1] != r.doc { // runs are in catalog order
				docs = append(docs, r.doc)
			}
			tail = tail && strings.HasSuffix(r.text, h.text) && r.text != h.text
		}
		if len(docs) < 2 || ix.shareWord(keys, docs) && !tail {
			kept = append(kept, h)
		}
	}
	ix.hanNames = kept
}

// shareWord reports whether one Latin name word names all of docs.
func (ix *Index) shareWord(keys []string, docs []int) bool {
	for _, c := range ix.infos[docs[0]].nameCounts {
		named := ix.names[keys[c.word]] // in catalog order
		if _, ok := slices.BinarySearch(named, docs[0]); !ok {
			continue
		}
		all := true
		for _, d := range docs[1:] {
			_, ok := slices.BinarySearch(named, d)
			all = all && ok
		}
		if all {
			return true
		}
	}
	return false
}

// isNameWord reports whether w may be part of a proper name: letters
// only. Words with digits are specifications ("E14", "GU10", "30" in "Gift
// card 30 €"): a shopper asking for "ampoules E14" is searching, not naming
// one product. SKUs name products exactly.
func isNameWord(w string) bool {
	_, number := countWords[w] // "six" in "Coffret de six tasses" counts, it does not name
	return isWord(w) && !number
}

func (ix *Index) addHanName(s string, doc int) {
	// Products are added in order: doc is new to a name unless it is its
	// last.
	if i, ok := ix.hanNameAt[s]; ok {
		if docs := ix.hanNames[i].docs; docs[len(docs)-1] != doc {
			ix.hanNames[i].docs = append(docs, doc)
		}
		return
	}
	ix.hanNameAt[s] = len(ix.hanNames)
	ix.hanNames = append(ix.hanNames, hanName{text: s, docs: []int{doc}})
}

// possessives make the word after them a common noun, whatever products
// are called.
var possessives = map[string]bool{
	"mon": true, "ma": true, "mes": true, "ton": true, "ta": true, "tes": true, "son": true, "sa": true,
	"ses": true, "notre": true, "votre": true, "nos": true, "vos": true, "leur": true, "leurs": true,
	"my": true, "your": true, "his": true, "her": true, "our": true, "their": true,
}

// mention is a place in a text where products are named.
type mention struct {
	pos  int // token index × 1024 + rune offset within a Han run
	docs []int
}

// Resolve returns the products text names, in the order they are named:
// by a distinctive word of their name ("Aurore", "zenith", "欧若拉"), a
// slightly misspelt one ("zenit"), or their SKU ("LAMP-02"). Generic words
// ("lampe", "desk", "灯") name no product. When a name word is shared by
// several products ("Aurore" desk and bedside lamps), the other words of the
// text choose among them; if they cannot, all are returned.
func (ix *Index) Resolve(text string) []concierge.SKU {
	folded := Fold(text)
	toks := tokenize(folded)
	var ms []mention
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.han {
			for _, h := range ix.hanNames {
				if k := strings.Index(t.text, hanPrefix(h.text)); k >= 0 {
					ms = append(ms, mention{pos: i<<10 + runeLen(t.text[:k]), docs: h.docs})
				}
			}
			continue
		}
		if d, n, ok := ix.joinedSKU(toks, i); ok && (n > 1 || hasDigit(t.text)) && !ix.spelledName(folded, d, toks[i:i+n]) {
			ms = append(ms, mention{pos: i << 10, docs: []int{d}})
			i += n - 1
			continue
		}
		if i > 0 && possessives[toks[i-1].text] {
			continue // "pour mon atelier" is a workshop, not the Atelier lamp
		}
		if docs := ix.nameDocs(t.text); docs != nil {
			ms = append(ms, mention{pos: i << 10, docs: docs})
		}
	}
	if len(ms) == 0 {
		return nil
	}
	slices.SortStableFunc(ms, func(a, b mention) int { return a.pos - b.pos })
	var context map[string]bool
	var out []concierge.SKU
	for _, m := range ms {
		docs := m.docs
		if len(docs) > 1 {
			if context == nil {
				context = map[string]bool{}
				for _, t := range ix.lx.analyze(folded) {
					context[t.key] = true
				}
			}
			docs = ix.bestInContext(docs, context)
		}
		for _, d := range docs {
			if sku := ix.products[d].SKU; !slices.Contains(out, sku) {
				out = append(out, sku)
			}
		}
	}
	return out
}

// spelledName reports whether toks, which join into the SKU of product d,
// are rather words of its name, not its SKU typed: "toile 50 x 70" spells
// TOILE-50X70 but also "Toile sur châssis lin 50 x 70 cm", and the name's
// words must choose. The SKU as written ("toile-50x70") is always the SKU.
func (ix *Index) spelledName(folded string, d int, toks []token) bool {
	if len(toks) < 2 || strings.Contains(folded, Fold(string(ix.products[d].SKU))) {
		return false
	}
	for _, name := range ix.products[d].Name {
		words := map[string]bool{}
		for _, t := range tokenize(Fold(name)) {
			words[t.text] = true
		}
		if !slices.ContainsFunc(toks, func(t token) bool { return !words[t.text] }) {
			return true
		}
	}
	return false
}

// maxHanWhole bounds the length of a whole Chinese name looked for in a
// message: names longer than this are found by their words.
const maxHanWhole = 16

// wholeHanNames appends the mentions of products whose whole Chinese name
// run (hanWhole) the Han token run, at token i, contains; the longest
// first, and none inside a longer one already found.
func (ix *Index) wholeHanNames(run string, i int, ms []mention) []mention {
	if len(ix.hanWhole) == 0 {
		return ms
	}
	rs := []rune(run)
	taken := make([]bool, len(rs))
	for n := min(len(rs), maxHanWhole); n >= 3; n-- {
	next:
		for k := 0; k+n <= len(rs); k++ {
			docs, ok := ix.hanWhole[string(rs[k:k+n])]
			if !ok {
				continue
			}
			for j := k; j < k+n; j++ {
				if taken[j] {
					continue next
				}
			}
			for j := k; j < k+n; j++ {
				taken[j] = true
			}
			ms = append(ms, mention{pos: i<<10 + k, docs: docs})
		}
	}
	return ms
}

// nameDocs returns the products a folded word names, forgiving a typo in
// a word that is not otherwise known.
func (ix *Index) nameDocs(w string) []int {
	s := stem(w)
	if docs, ok := ix.names[s]; ok {
		return docs
	}
	if ix.lx.isStop(w, s) || len(ix.lx.phrases[s]) > 0 || len(ix.postings.get(s)) > 0 {
		return nil
	}
	if nw, ok := ix.closest(w, ix.nameWords); ok {
		return ix.names[nw.word]
	}
	return nil
}

// bestInContext keeps the products that share the most terms with the
// rest of the text.
func (ix *Index) bestInContext(docs []int, context map[string]bool) []int {
	best, bestN := []int(nil), -1
	for _, d := range docs {
		n := 0
		for k := range context {
			if ix.hasKey(ix.docs[d].strong, k) {
				n++
			}
		}
		switch {
		case n > bestN:
			best, bestN = []int{d}, n
		case n == bestN:
			best = append(best, d)
		}
	}
	return best
}

// hanPrefix is the part of a Chinese proper name a shopper must type for it
// to count: all of it, up to three characters ("阿特利" names "阿特利耶建筑师").
func hanPrefix(name string) string {
	rs := []rune(name)
	return string(rs[:min(len(rs), 3)])
}

// Closest returns, among skus, the one product whose name the text spells
// out, when one clearly does. Only the words that tell the candidates'
// names apart count: the product must have at least one of its own said
// and none of its own missing, and fit better than every other. "Pulse
// wireless earbuds" is the Pulse and not the Pulse Pro, "the 10000mAh
// power bank" the 10,000 mAh one. Otherwise it returns "" and the caller
// asks.
func (ix *Index) Closest(text string, skus []concierge.SKU) concierge.SKU {
	return ix.closestName(text, skus, false)
}

// ClosestByWords is Closest without its fallbacks (a base model, a head
// word, with or without): the product whose name has more of the words
// said than any other, and no word of its own unsaid.
func (ix *Index) ClosestByWords(text string, skus []concierge.SKU) concierge.SKU {
	return ix.closestName(text, skus, true)
}

func (ix *Index) closestName(text string, skus []concierge.SKU, byWords bool) concierge.SKU {
	if len(skus) < 2 {
		return ""
	}
	// Words are counted: "USB-C vers USB-C" says "usb" twice, as one
	// cable's name does and the Lightning one's does not.
	said := multiset(ix.lx.analyze(Fold(text)))
	for _, t := range ix.mustTerms(text) {
		said[t.key] = true
	}
	// The terms of each candidate's name, by locale.
	names := make([]map[concierge.Locale]map[string]bool, len(skus))
	for i, sku := range skus {
		names[i] = map[concierge.Locale]map[string]bool{}
		if p := ix.Product(sku); p != nil {
			for loc, name := range p.Name {
				names[i][loc] = ix.nameSet(name)
			}
		}
	}
	type fit struct{ score, matched, missed int }
	fits := make([]fit, len(skus))
	for i := range skus {
		fits[i] = fit{score: -1 << 30}
		for loc, set := range names[i] {
			f := fit{}
			for k := range set {
				shared := true // by every other candidate's name in this locale
				for j := range skus {
					if j != i && !names[j][loc][k] {
						shared = false
					}
				}
				switch {
				case shared:
				case said[k]:
					f.matched++
				default:
					f.missed++
				}
			}
			f.score = f.matched - f.missed
			// Locales are visited in no order: of two names that fit
			// alike, the one that says more of its own words counts, so
			// that the answer does not depend on the order.
			if f.score > fits[i].score || f.score == fits[i].score && (f.matched > fits[i].matched || f.matched == fits[i].matched && f.missed < fits[i].missed) {
				fits[i] = f
			}
		}
	}
	best := -1
	for i, f := range fits {
		if best < 0 || f.score > fits[best].score {
			best = i
		}
	}
	whole := make([]bool, len(skus)) // some name of it misses no word of its own
	for i, f := range fits {
		whole[i] = f.missed == 0
	}
	ahead := true // best fits better than every other
	for i, f := range fits {
		if i != best && f.score >= fits[best].score {
			ahead = false
		}
	}
	if fits[best].matched == 0 || !ahead || fits[best].missed > 0 && !ix.onlyValuesOf(text, skus, best) {
		if byWords {
			return ""
		}
		if without := ix.withoutOnes(skus); without != nil {
			// "Calcium powder with D3" and "… without D3": "with" or
			// "without" said chooses; neither said, the word left unsaid
			// is what tells them apart, not an option of one.
			return ix.saysWith(text, skus, without)
		}
		return ix.baseOrHeadOf(text, said, skus, whole, names)
	}
	return skus[best]
}

// onlyValuesOf reports whether the text states values of skus[best]'s
// variants that no other of skus has: with a word of its own name said,
// "a white mug" is the mug sold in blue and white, though its name's
// "350 ml" is left unsaid, and not the blue-and-white cup (whose name has
// "white" but no colour to choose).
func (ix *Index) onlyValuesOf(text string, skus []concierge.SKU, best int) bool {
	group := ix.Variants(skus[best])
	if len(group) == 0 {
		return false
	}
	if fit, said, missing := ix.Narrow(text, group); len(fit) == 0 || len(said) == 0 || len(missing) > 0 {
		return false
	}
	for i, sku := range skus {
		if i == best || slices.Contains(group, sku) {
			continue
		}
		other := ix.Variants(sku)
		if len(other) == 0 {
			other = []concierge.SKU{sku}
		}
		if _, said, missing := ix.Narrow(text, other); len(said) > 0 && len(missing) == 0 {
			return false
		}
	}
	return true
}

// baseOrHeadOf is baseOrHead, or else the one product whose Chinese name
// ends with the Chinese words said (hanHead).
func (ix *Index) baseOrHeadOf(text string, said map[string]bool, skus []concierge.SKU, whole []bool, names []map[concierge.Locale]map[string]bool) concierge.SKU {
	if s := ix.baseOrHead(said, skus, whole, names); s != "" {
		return s
	}
	return ix.hanHead(text, skus)
}

// hanHead returns the one product whose Chinese name ends a run of
// characters with a Chinese word of text, where every other has that word
// before more characters: a Chinese name ends with what the thing is, so
// "逗猫棒" is the "羽毛逗猫棒" (a wand) and not the "逗猫棒替换头" (its
// refills). "" when no word of text does that for exactly one.
func (ix *Index) hanHead(text string, skus []concierge.SKU) concierge.SKU {
	var words []string
	for _, t := range tokenize(Fold(text)) {
		if t.han && runeLen(t.text) >= 2 {
			words = append(words, t.text)
		}
	}
	for _, w := range words {
		found := -1
		for i, sku := range skus {
			switch ix.hanPlace(w, sku) {
			case hanEnds:
				if found >= 0 {
					found = -2
				}
				if found == -1 {
					found = i
				}
			case hanAbsent:
				found = -2
			}
			if found == -2 {
				break
			}
		}
		if found >= 0 {
			return skus[found]
		}
	}
	return ""
}

// hanPacks are the words after a thing's name that say how it is sold,
// not what it is.
var hanPacks = map[string]bool{"套装": true, "套": true, "装": true, "盒": true, "盒装": true, "礼盒": true,
	"组": true, "组合": true, "套组": true, "包": true, "袋": true, "瓶": true, "罐": true}

type hanPlacement int

const (
	hanAbsent   hanPlacement = iota // no Chinese name of the product has the word
	hanEnds                         // some name has it at the end of a run of characters
	hanModifies                     // its names have it only before more characters
)

// hanPlace says where the Chinese word w stands in sku's names.
func (ix *Index) hanPlace(w string, sku concierge.SKU) hanPlacement {
	p := ix.Product(sku)
	if p == nil {
		return hanAbsent
	}
	place := hanAbsent
	for _, name := range p.Name {
		for _, t := range tokenize(Fold(name)) {
			if !t.han {
				continue
			}
			k := strings.Index(t.text, w)
			if k < 0 {
				continue
			}
			if rest := t.text[k+len(w):]; rest == "" || hanPacks[rest] {
				return hanEnds // "积木套装" is blocks too, in a set
			}
			place = hanModifies
		}
	}
	return place
}

// multiset returns the keys of terms, a repeated one also as "key#2".
func multiset(terms []term) map[string]bool {
	n := map[string]int{}
	out := map[string]bool{}
	for _, t := range terms {
		n[t.key]++
		k := t.key
		if n[t.key] > 1 {
			k += "#" + strconv.Itoa(n[t.key])
		}
		out[k] = true
	}
	return out
}

// mustTerms are a text's terms once misspellings are corrected.
func (ix *Index) mustTerms(text string) []term {
	terms, _ := ix.queryTerms(text)
	return terms
}

// baseOrHead returns baseOf's answer, or else the one product whose name
// opens with a word said ("Ramette papier A4 80 g" for "une ramette A4 80
// g", where the other has it later: "Carton de 5 ramettes A4 80 g";
// "AquaBot X400 robot cleaner" against "Replacement filter basket for
// AquaBot X400").
func (ix *Index) baseOrHead(said map[string]bool, skus []concierge.SKU, whole []bool, names []map[concierge.Locale]map[string]bool) concierge.SKU {
	if s := ix.baseOf(said, skus, whole, names); s != "" {
		return s
	}
	// Only where the winner has in its name every word said that some
	// candidate has ("a pink float" is not the flamingo over a pink
	// swim ring: the ring is the one that is pink).
	has := func(i int, k string) bool {
		for _, set := range names[i] {
			if set[k] {
				return true
			}
		}
		return false
	}
	described := func(k string) bool {
		for i, sku := range skus {
			if has(i, k) || ix.structuredHas(sku, k) {
				return true
			}
		}
		return false
	}
	// The one whose name opens with a word said, where every other has
	// each such word only after a complement ("de", "of", "for").
	found, opened := -1, map[string]bool{}
	for i, sku := range skus {
		p := ix.Product(sku)
		if p == nil {
			return ""
		}
		if part := ix.partFor(p, said); part && !ix.saidBeforeComplement(p, said) || !part && ix.packOrPart(p, said) {
			// "Batterie pour VHF HX-300" is a part for what is said,
			// whatever its Chinese name ("HX-300电台电池") opens with
			// ("Sous-tapis pour tapis 160x230" said "sous-tapis" is
			// what is said); "pack of 50" of "50 balloons" is a pack of
			// what is said, not the head of a name.
			continue
		}
		for _, name := range p.Name {
			for _, t := range ix.lx.analyze(headOf(Fold(name))) {
				if said[t.key] {
					if found >= 0 && found != i {
						return ""
					}
					found, opened[t.key] = i, true
				}
			}
		}
	}
	if found < 0 {
		return ""
	}
	for k := range said {
		if described(k) && !has(found, k) && !ix.structuredHas(skus[found], k) {
			return ""
		}
	}
	for i, sku := range skus {
		if i == found {
			continue
		}
		if !ix.packOrPart(ix.Product(sku), opened) {
			return "" // "Gooseneck kettle" is a kettle too; a pacifier tagged teat is another thing
		}
	}
	return skus[found]
}

// structuredHas reports whether sku's tags, category or attributes have
// the term key k.
func (ix *Index) structuredHas(sku concierge.SKU, k string) bool {
	d, ok := ix.skus[compact(Fold(string(sku)))]
	return ok && ix.hasKey(ix.infos[d].structured, k)
}

// packOrPart reports whether some name of p holds the opened words only
// after a complement, as a pack of them ("Carton de 5 ramettes", "Box
// of 5 reams": a number follows the complement) or a part for them
// ("Replacement filter basket for AquaBot X400").
func (ix *Index) packOrPart(p *concierge.Product, opened map[string]bool) bool {
	for _, name := range p.Name {
		fields := strings.FieldsFunc(Fold(name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for c := 1; c+1 < len(fields); c++ {
			if !complements[fields[c]] {
				continue
			}
			// "Couvercle de rechange pour fermenteur 23 L": the
			// complement that counts may come after another.
			before := ix.lx.analyze(strings.Join(fields[:c], " "))
			if slices.ContainsFunc(before, func(t term) bool { return opened[t.key] }) {
				break
			}
			after := ix.lx.analyze(strings.Join(fields[c+1:], " "))
			has := slices.ContainsFunc(after, func(t term) bool { return opened[t.key] })
			_, number := NumberValue(fields[c+1])
			if has && (number || fields[c] == "for" || fields[c] == "pour") {
				return true
			}
		}
	}
	return false
}

// partFor reports whether some name of p says it is for what is said
// ("Batterie pour VHF HX-300"): packOrPart, but not a pack of it.
func (ix *Index) partFor(p *concierge.Product, said map[string]bool) bool {
	for _, name := range p.Name {
		fields := strings.FieldsFunc(Fold(name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for c := 1; c+1 < len(fields); c++ {
			if fields[c] != "for" && fields[c] != "pour" {
				continue
			}
			if slices.ContainsFunc(ix.lx.analyze(strings.Join(fields[c+1:], " ")), func(t term) bool { return said[t.key] }) {
				return true
			}
		}
	}
	return false
}

// saidBeforeComplement reports whether some name of p says a word said
// before its first complement ("sous-tapis" of "Sous-tapis antidérapant
// pour tapis 160x230"): what the thing is, not what it is for.
func (ix *Index) saidBeforeComplement(p *concierge.Product, said map[string]bool) bool {
	for _, name := range p.Name {
		fields := strings.FieldsFunc(Fold(name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for c := 1; c < len(fields); c++ {
			if !complements[fields[c]] {
				continue
			}
			if slices.ContainsFunc(ix.lx.analyze(strings.Join(fields[:c], " ")), func(t term) bool { return said[t.key] }) {
				return true
			}
			break
		}
	}
	return false
}

// complements open the part of a name that says what the thing is for,
// of or with: "ramettes" in "carton de 5 ramettes" is what it holds.
var complements = map[string]bool{"de": true, "d": true, "du": true, "des": true, "of": true, "for": true,
	"pour": true, "with": true, "avec": true}

// headOf returns the first word of a folded name: what the thing is
// ("ramette" of "ramette papier a4 80 g", "carton" of "carton de 5
// ramettes a4"). A Chinese name is all head.
func headOf(folded string) string {
	fields := strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(fields) == 0 || containsHan(fields[0]) {
		return folded
	}
	return fields[0]
}

// baseOf returns the base model of skus (baseModel), or else the one
// product whose name, in some locale, is every other candidate's name in
// that locale less words none of which was said: "iPhone 15 128 Go" among
// it and "iPhone 15 Pro 128 Go" when "pro" was not said. names are the
// candidates' name terms by locale.
func (ix *Index) baseOf(said map[string]bool, skus []concierge.SKU, whole []bool, names []map[concierge.Locale]map[string]bool) concierge.SKU {
	if s := ix.baseModel(said, skus, whole); s != "" {
		return s
	}
	found := -1
	for i := range skus {
		for loc, own := range names[i] {
			if !ix.shorterName(said, own, names, i, loc) || ix.ownSize(skus, i, loc) {
				continue
			}
			if found >= 0 && found != i {
				return ""
			}
			found = i
		}
	}
	if found < 0 {
		return ""
	}
	return skus[found]
}

// withoutOnes returns, for each of skus, whether its name says what it
// is without ("sans D3", "without D3", "无D3", "sugar-free"); nil when
// none does, or all do.
func (ix *Index) withoutOnes(skus []concierge.SKU) []bool {
	var out []bool
	for i, sku := range skus {
		p := ix.Product(sku)
		if p == nil {
			continue
		}
		for _, name := range p.Name {
			if saysWithout(Fold(name)) {
				if out == nil {
					out = make([]bool, len(skus))
				}
				out[i] = true
			}
		}
	}
	if !slices.Contains(out, false) {
		return nil // "sans fil" in every name tells none apart
	}
	return out
}

// withoutWhat returns the word a folded name says it is without: "d3"
// of "calcium powder without d3", "无d3钙粉".
func withoutWhat(f string) string {
	for _, m := range []string{"without ", "sans ", "不含", "无"} {
		if k := strings.Index(f, m); k >= 0 {
			rest := []rune(strings.TrimSpace(f[k+len(m):]))
			j := 0
			for j < len(rest) && (unicode.IsLetter(rest[j]) && !IsHan(rest[j]) || unicode.IsDigit(rest[j])) {
				j++
			}
			return string(rest[:j])
		}
	}
	return ""
}

// saysWithout reports folded text that says "without": "sans", "free",
// "无", "不含".
func saysWithout(f string) bool {
	if strings.Contains(f, "无") || strings.Contains(f, "不含") {
		return true
	}
	for _, w := range strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if w == "without" || w == "sans" || w == "free" {
			return true
		}
	}
	return false
}

// saysWith returns the one of skus that text asks for by "with" or
// "without" (without[i] tells which names say "without"); "" when it
// says neither, or several fit.
//
// What a name is without ("D3") said alone is said with: "calcium powder
// D3" is the one with D3.
func (ix *Index) saysWith(text string, skus []concierge.SKU, without []bool) concierge.SKU {
	f := Fold(text)
	want := saysWithout(f)
	if !want {
		with := strings.Contains(f, "含")
		words := strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for _, w := range words {
			with = with || w == "with" || w == "avec"
		}
		for i, sku := range skus {
			if p := ix.Product(sku); without[i] && p != nil {
				for _, name := range p.Name {
					if o := withoutWhat(Fold(name)); o != "" && slices.Contains(words, o) {
						with = true
					}
				}
			}
		}
		if !with {
			return ""
		}
	}
	found := concierge.SKU("")
	for i, s := range skus {
		if without[i] == want {
			if found != "" {
				return ""
			}
			found = s
		}
	}
	return found
}

// ownSize reports whether the name of skus[i] in loc writes a number
// some other candidate's name does not: "pH minus 5 kg" is no base of
// "pH minus 1.5 kg", it is another size; "Chlorine tablets 200 g" still
// is the base of "Multi-action chlorine tablets 200 g 5-in-1".
func (ix *Index) ownSize(skus []concierge.SKU, i int, loc concierge.Locale) bool {
	numbers := func(sku concierge.SKU) []string {
		p := ix.Product(sku)
		if p == nil {
			return nil
		}
		return decimalNumber.FindAllString(strings.ReplaceAll(Fold(p.Name[loc]), ",", "."), -1)
	}
	own := numbers(skus[i])
	for j, sku := range skus {
		if j == i {
			continue
		}
		other := numbers(sku)
		for _, n := range own {
			if !slices.Contains(other, n) {
				return true
			}
		}
	}
	return false
}

// decimalNumber finds a number as a name writes it, decimals included.
var decimalNumber = regexp.MustCompile(`[0-9]+(?:\.[0-9]+)?`)

// shorterName reports whether own, candidate i's name terms in loc, has a
// said term and is a strict subset of every other candidate's name terms
// in loc, whose extra terms were all left unsaid.
func (ix *Index) shorterName(said, own map[string]bool, names []map[concierge.Locale]map[string]bool, i int, loc concierge.Locale) bool {
	hit := false
	for k := range own {
		hit = hit || said[k]
	}
	if !hit {
		return false
	}
	for j := range names {
		if j == i {
			continue
		}
		other, ok := names[j][loc]
		if !ok || len(other) <= len(own) {
			return false
		}
		for k := range own {
			if !other[k] {
				return false
			}
		}
		for k := range other {
			if !own[k] && said[k] {
				return false
			}
		}
	}
	return true
}

// baseModel returns the product whose proper name is all that was said
// when the others' names add a word that was not: "les écouteurs Pulse"
// is the Pulse, not the Pulse Pro. Otherwise "". whole says which of skus
// have a name none of whose own words went unsaid: a colour ("gris
// clair") is no proper-name word, but a name that has it unsaid is not
// the base of its line.
func (ix *Index) baseModel(said map[string]bool, skus []concierge.SKU, whole []bool) concierge.SKU {
	// A product's proper-name words are among the words its build
	// counted as possible names: look those up, not every name of the
	// catalog (at 100k products that walk was most of a turn).
	keys := ix.table.snapshot()
	nameWords := func(d int) []string {
		var ws []string
		for _, c := range ix.infos[d].nameCounts {
			w := keys[c.word]
			if docs, ok := ix.names[w]; ok && !slices.Contains(ws, w) {
				if _, found := slices.BinarySearch(docs, d); found {
					ws = append(ws, w)
				}
			}
		}
		return ws
	}
	base := ""
	var baseWords []string
	for i, sku := range skus {
		d, ok := ix.skus[compact(Fold(string(sku)))]
		if !ok {
			return ""
		}
		ws := nameWords(d)
		all := len(ws) > 0 && whole[i]
		for _, w := range ws {
			all = all && said[w]
		}
		if all {
			if base != "" {
				return "" // two products whose names were said in full
			}
			base, baseWords = string(sku), ws
		}
	}
	if base == "" {
		return ""
	}
	for _, sku := range skus {
		if string(sku) == base {
			continue
		}
		d, _ := ix.skus[compact(Fold(string(sku)))]
		ws := nameWords(d)
		for _, w := range baseWords {
			if !slices.Contains(ws, w) {
				return "" // not a longer name of the same line
			}
		}
		if len(ws) <= len(baseWords) {
			return ""
		}
	}
	return concierge.SKU(base)
}

// Without returns skus less the products the ruled-out text describes by
// their name, tags or attributes ("the paperback" among two editions),
// unless the kept text asks for the same words.
func (ix *Index) Without(skus []concierge.SKU, exclude, asked string) []concierge.SKU {
	if strings.TrimSpace(exclude) == "" {
		return skus
	}
	askedTerms, _ := ix.queryTerms(asked)
	drop := ix.excluded(exclude, askedTerms)
	if drop == nil {
		return skus
	}
	var out []concierge.SKU
	for _, s := range skus {
		if d, ok := ix.skus[compact(Fold(string(s)))]; ok && drop[d] {
			continue
		}
		out = append(out, s)
	}
	return out
}

// Spells returns how much of a product's name the text says: the largest
// share, over the product's names, of the name's words that the text has
// (0 to 1). "la théière en verre" spells the glass teapot's name; "红茶"
// (black tea) only the kind at the end of "祁门红茶": that is a search, not
// a choice of that product.
func (ix *Index) Spells(text string, sku concierge.SKU) float64 {
	terms, _ := ix.queryTerms(text)
	return ix.spells(terms, sku)
}

func (ix *Index) spells(terms []term, sku concierge.SKU) float64 {
	p := ix.Product(sku)
	if p == nil {
		return 0
	}
	said := make(map[string]bool, len(terms))
	for _, t := range terms {
		said[t.key] = true
	}
	best := 0.0
	for _, name := range p.Name {
		seen := map[string]bool{}
		n, m := 0, 0
		for _, t := range ix.nameTerms(name) {
			if seen[t.key] {
				continue
			}
			seen[t.key] = true
			n++
			if said[t.key] {
				m++
			}
		}
		if n > 0 {
			best = max(best, float64(m)/float64(n))
		}
	}
	return best
}

// Nearest returns, among skus, the one product most like sku (the most
// words of name, tags and category in common), when one is; otherwise "".
// "finalement le grand" said of the small white bear is the large white
// bear, not the large brown one.
func (ix *Index) Nearest(sku concierge.SKU, skus []concierge.SKU) concierge.SKU {
	from, ok := ix.skus[compact(Fold(string(sku)))]
	if !ok {
		return ""
	}
	best, bestN, tie := concierge.SKU(""), -1, false
	for _, s := range skus {
		d, ok := ix.skus[compact(Fold(string(s)))]
		if !ok || d == from {
			continue
		}
		n := sharedIDs(ix.docs[d].strong, ix.docs[from].strong)
		switch {
		case n > bestN:
			best, bestN, tie = s, n, false
		case n == bestN:
			tie = true
		}
	}
	if tie || bestN <= 0 {
		return ""
	}
	return best
}

// HanNameSpans marks the characters of han (a run of Chinese text) that
// belong to a product's Chinese name written in full ("飞行棋" in
// "加两个飞行棋"), so that a reader of cue words does not take "行" (OK)
// or "加" (add) out of a name.
func (ix *Index) HanNameSpans(han []rune) []bool {
	var out []bool
	// Two characters next to each other as in some name ("不粘" in
	// "不粘煎锅", "加湿" in "加湿器") are a word of the catalog's.
	for i := 0; i+1 < len(han); i++ {
		if ix.hanPairs[string(han[i:i+2])] {
			if out == nil {
				out = make([]bool, len(han))
			}
			out[i], out[i+1] = true, true
		}
	}
	for i := range han {
		for _, name := range ix.hanRuns[han[i]] {
			n := len(name)
			if i+n > len(han) || string(han[i:i+n]) != string(name) {
				continue
			}
			if out == nil {
				out = make([]bool, len(han))
			}
			for k := i; k < i+n; k++ {
				out[k] = true
			}
		}
	}
	return out
}

// alternatives are the words between two products named one after the
// other.
var alternatives = map[string]bool{"and": true, "or": true, "et": true, "ou": true, "vs": true, "versus": true}

// InNamedOrder returns skus in the order text names them, when it names
// each by a word of its own name that the others lack ("between the 9.5
// mm and the 9.8 mm rope": the 9.5 first), so that "the second one" is
// the second named and the second shown. Otherwise skus are returned as
// they are.
func (ix *Index) InNamedOrder(text string, skus []concierge.SKU) []concierge.SKU {
	if len(skus) < 2 {
		return skus
	}
	folded := Fold(text)
	if containsHan(folded) {
		return ix.inHanNamedOrder(folded, skus)
	}
	toks := tokenize(folded)
	said := ix.lx.analyzeTokens(toks)
	names := make([]map[string]bool, len(skus))
	for i, sku := range skus {
		p := ix.Product(sku)
		if p == nil {
			return skus
		}
		names[i] = map[string]bool{}
		for _, name := range p.Name {
			for _, t := range ix.nameTerms(name) {
				names[i][t.key] = true
			}
		}
	}
	pos := make([]int, len(skus))
	for i := range skus {
		pos[i] = -1
		for _, t := range said {
			if !names[i][t.key] {
				continue
			}
			own := true
			for j := range skus {
				if j != i && names[j][t.key] {
					own = false
				}
			}
			if own {
				pos[i] = t.pos
				break
			}
		}
		if pos[i] < 0 {
			return skus
		}
	}
	// Each named in a part of its own: "recettes végétariennes" names
	// one book by two words, and the search's order stands.
	return inOrderOf(skus, pos, func(from, to int) bool {
		return slices.ContainsFunc(toks[from:to], func(t token) bool { return alternatives[t.text] })
	})
}

// inOrderOf returns skus ordered by pos, where each holds the place text
// names it, when apart says that each two in turn are named apart;
// otherwise skus as they are.
func inOrderOf(skus []concierge.SKU, pos []int, apart func(from, to int) bool) []concierge.SKU {
	idx := make([]int, len(skus))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return pos[a] - pos[b] })
	for k := 1; k < len(idx); k++ {
		if !apart(pos[idx[k-1]], pos[idx[k]]) {
			return skus
		}
	}
	out := slices.Clone(skus)
	for k, i := range idx {
		out[k] = skus[i]
	}
	return out
}

// inHanNamedOrder is InNamedOrder for a Chinese text, whose names stand
// in one run of characters ("我在柚木圆桌和柚木长桌之间犹豫"): each product
// is placed where the text first writes a word of its own Chinese name,
// and a "和", "或", "还是" or comma must stand between two of them.
func (ix *Index) inHanNamedOrder(folded string, skus []concierge.SKU) []concierge.SKU {
	grams := make([]map[string]bool, len(skus))
	for i, sku := range skus {
		p := ix.Product(sku)
		if p == nil {
			return skus
		}
		grams[i] = map[string]bool{}
		for _, name := range p.Name {
			for _, t := range ix.nameTerms(name) {
				if t.kind == hanGram {
					grams[i][t.key] = true
				}
			}
		}
	}
	pos := make([]int, len(skus))
	for i := range skus {
		pos[i] = -1
		for g := range grams[i] {
			own := true
			for j := range skus {
				if j != i && grams[j][g] {
					own = false
				}
			}
			if k := strings.Index(folded, g); own && k >= 0 && (pos[i] < 0 || k < pos[i]) {
				pos[i] = k
			}
		}
		if pos[i] < 0 {
			return skus
		}
	}
	return inOrderOf(skus, pos, func(from, to int) bool {
		between := folded[from:to]
		return strings.ContainsAny(between, "和或跟与、,，") || strings.Contains(between, "还是")
	})
}

// PartsFor returns those of skus that are made for what text names
// rather than being it, when some others of skus are it: a name that
// says it only after "for" or "pour" and names nothing said before
// ("Rallonge pour panneau solaire 5 m" beside the panels, for "panneaux
// solaires"), or whose Chinese names have a word of text only before more
// characters where another's end with it ("太阳能板延长线" beside
// "折叠太阳能板 100W", for "太阳能板"). nil when none is, or all are.
func (ix *Index) PartsFor(text string, skus []concierge.SKU) []concierge.SKU {
	return ix.partsFor(text, skus, false)
}

// PartsForEveryName is PartsFor where each of a part's names in Latin
// script that says a word of text says it after "for" or "pour": the
// "Battery for drone X3" ("Batterie pour drone X3") is a part of the X3,
// the koi food sticks are not, since "Koi food sticks" names them by
// the koi too. A cart's choice reads this one: it must not guess.
func (ix *Index) PartsForEveryName(text string, skus []concierge.SKU) []concierge.SKU {
	return ix.partsFor(text, skus, true)
}

func (ix *Index) partsFor(text string, skus []concierge.SKU, every bool) []concierge.SKU {
	said := multiset(ix.lx.analyze(Fold(text)))
	var han []string
	for _, t := range tokenize(Fold(text)) {
		if t.han && runeLen(t.text) >= 2 {
			han = append(han, t.text)
		}
	}
	part := make([]bool, len(skus))
	n := 0
	for i, sku := range skus {
		p := ix.Product(sku)
		if p == nil {
			return nil
		}
		part[i] = len(said) > 0 && ix.partFor(p, said) && !ix.saidBeforeComplement(p, said) && (!every || ix.partInEveryName(p, said))
		for _, w := range han {
			if part[i] || ix.hanPlace(w, sku) != hanModifies {
				continue
			}
			part[i] = slices.ContainsFunc(skus, func(o concierge.SKU) bool { return ix.hanPlace(w, o) == hanEnds })
		}
		if part[i] {
			n++
		}
	}
	if n == 0 || n == len(skus) {
		return nil
	}
	var out []concierge.SKU
	for i, sku := range skus {
		if part[i] {
			out = append(out, sku)
		}
	}
	return out
}

// partInEveryName reports whether each Latin name of p that has a word
// of said has it only after "for" or "pour".
func (ix *Index) partInEveryName(p *concierge.Product, said map[string]bool) bool {
	for _, name := range p.Name {
		if containsHan(name) {
			continue
		}
		fields := strings.FieldsFunc(Fold(name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		c := slices.IndexFunc(fields, func(f string) bool { return f == "for" || f == "pour" })
		before := fields
		if c >= 0 {
			before = fields[:c]
		}
		if slices.ContainsFunc(ix.lx.analyze(strings.Join(before, " ")), func(t term) bool { return said[t.key] }) {
			return false
		}
	}
	return true
}
