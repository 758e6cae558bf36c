package catalog

import (
	"maps"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
)

// Building an index has two steps. analyseProduct reads one product —
// folds, tokenizes and analyses each of its texts once — and keeps what
// the index derives from that product alone, given the lexicon, in a
// prodInfo. assemble then computes what depends on the whole catalog
// (postings in catalog order, kinds, vocabulary, proper names,
// categories, compound words) from the prodInfos without reading any
// text again. New does both for every product; Update analyses only the
// products that changed and assembles again, which is what makes a
// renamed, new or withdrawn product cheap to take in.

// prodInfo is what the index derives from one product alone, given the
// lexicon and the bot's locales. It is never modified once made, so that
// indexes built from one another share it.
type prodInfo struct {
	// keep and letters are the product's lexiconParts: the stop
	// words its names write twice or more, and its capital letters after
	// a word (letterKey).
	keep, letters []string
	category      string // folded
	skuKey        string // compact folded SKU
	// terms are the product's postings, each with its best field weight.
	terms []weightedTerm
	// strong holds the terms of the name, tags and category (before
	// splitCompounds), structured those of the tags, category and
	// attributes: doc.strong and doc.structured.
	strong, structured map[string]bool
	// strongConcepts and structConcepts are the concept keys ("@lamp") of
	// strong and structured; strongWords and structWords their words
	// that a misspelling may be corrected to (three runes or more).
	strongConcepts, structConcepts []string
	strongWords, structWords       []string
	written                        []string // literal terms of the name, tags and category
	hanWhole                       []string // longest Chinese runs of the names (addHanWhole)
	// cuts are the ways splitCompounds may cut the long words of the
	// names, in the order it tries them.
	cuts []cut
	// nameCounts counts, for each word of the names that could be a
	// proper name, the names it is in; latin counts the names in Latin
	// script; leftovers are the unknown Chinese stretches of the names
	// (buildNames).
	nameCounts []wordCount
	latin      int
	leftovers  []string
	// hanRuns are the Chinese runs of the names.
	hanRuns []string
	// nums are the product's keys of Index.nameNums.
	nums []string
	// attrTerms are the attributes whose value is one term, with it
	// (buildVariants).
	attrTerms []attrTerm
}

type weightedTerm struct {
	key    string
	weight float32
}

type cut struct{ a, b string }

type wordCount struct {
	word string
	n    int
}

type attrTerm struct{ attr, key string }

// analyser holds what analyseProduct reuses from one product to the next.
type analyser struct {
	lx      *lexicon
	locales []concierge.Locale
	best    map[string]float64
	nums    *Index // an index holding only nameNums, for addNameNumbers
}

func newAnalyser(lx *lexicon, locales []concierge.Locale) *analyser {
	return &analyser{lx: lx, locales: locales, best: map[string]float64{}, nums: &Index{nameNums: map[string]bool{}}}
}

// analyseProduct reads p once. keep and letters are its part of the
// lexicon, from lexiconParts.
func (an *analyser) analyseProduct(p *concierge.Product, keep, letters []string) *prodInfo {
	lx := an.lx
	in := &prodInfo{
		keep: keep, letters: letters,
		category:   Fold(p.Category),
		skuKey:     compact(Fold(string(p.SKU))),
		strong:     map[string]bool{},
		structured: map[string]bool{},
	}
	best := an.best
	clear(best)
	written := map[string]bool{}
	add := func(terms []term, w float64, strong, structured bool) {
		for _, t := range terms {
			best[t.key] = max(best[t.key], w)
			if strong && t.kind == literal {
				written[t.key] = true
			}
			if strong {
				in.strong[t.key] = true
			}
			if structured {
				in.structured[t.key] = true
			}
		}
	}
	counts := map[string]int{}
	for _, loc := range localeOrder(p.Name, an.locales) {
		f := Fold(p.Name[loc])
		toks := tokenize(f)
		terms := lx.analyzeTokens(toks)
		if h := longestHanRun(toks); h != "" && !slices.Contains(in.hanWhole, h) {
			in.hanWhole = append(in.hanWhole, h)
		}
		add(terms, weightName, true, false)
		for _, h := range hanHeads(toks) {
			best[h] = max(best[h], weightTag)
			in.strong[h] = true
		}
		for _, j := range joinedPairs(toks) {
			// "tea cups" is also found as "teacups".
			best[j] = max(best[j], weightName)
			in.strong[j] = true
		}
		// Proper names (buildNames) and compound words (splitCompounds).
		seen := map[string]bool{}
		hasLatin := false
		for _, t := range terms {
			if t.kind != literal {
				continue
			}
			hasLatin = true
			if !seen[t.key] {
				seen[t.key] = true
				counts[t.key]++
			}
			if w := t.key; isWord(w) && runeLen(w) >= 6 {
				for c := 3; c <= len(w)-3; c++ {
					in.cuts = append(in.cuts, cut{w[:c], stem(w[c:])})
				}
			}
		}
		if hasLatin || !containsHan(f) {
			in.latin++
		}
		for _, tk := range toks {
			if tk.han {
				in.hanRuns = append(in.hanRuns, tk.text)
				for _, s := range lx.hanLeftovers(tk.text) {
					if runeLen(s) >= 2 {
						in.leftovers = append(in.leftovers, s)
					}
				}
			}
		}
	}
	for _, w := range sortedKeys(counts) {
		if runeLen(w) >= 3 && isNameWord(w) {
			in.nameCounts = append(in.nameCounts, wordCount{w, counts[w]})
		}
	}
	for _, tag := range p.Tags {
		add(lx.analyze(Fold(tag)), weightTag, true, true)
	}
	add(lx.analyze(Fold(p.Category)), weightTag, true, true)
	for _, k := range sortedKeys(p.Attrs) {
		v := p.Attrs[k]
		vt := lx.analyze(Fold(v))
		if len(vt) == 1 {
			in.attrTerms = append(in.attrTerms, attrTerm{k, vt[0].key})
		}
		if truthy(v) {
			// "dimmable: yes" says the product is dimmable.
			add(lx.analyze(Fold(k)), weightTag, false, true)
		} else if _, bare := NumberValue(strings.TrimSpace(v)); bare {
			// "pieces: 2" is a count of the attribute's: a shopper's "2"
			// in "2 kg" or "2 m" is not about it.
			add(vt, weightDescription, false, false)
		} else if !falsy(v) {
			add(vt, weightTag, false, true)
		}
	}
	if p.Digital {
		add(lx.analyze("digital"), weightTag, false, true)
	}
	for _, loc := range localeOrder(p.Description, an.locales) {
		add(lx.analyze(Fold(p.Description[loc])), weightDescription, false, false)
	}
	in.terms = make([]weightedTerm, 0, len(best))
	for _, k := range sortedKeys(best) {
		in.terms = append(in.terms, weightedTerm{k, float32(best[k])})
	}
	in.written = sortedKeys(written)
	for _, k := range sortedKeys(in.strong) {
		if k[0] == '@' {
			in.strongConcepts = append(in.strongConcepts, k)
		} else if isWord(k) && runeLen(k) >= 3 {
			in.strongWords = append(in.strongWords, k)
		}
	}
	for _, k := range sortedKeys(in.structured) {
		if k[0] == '@' {
			in.structConcepts = append(in.structConcepts, k)
		} else if isWord(k) && runeLen(k) >= 3 {
			in.structWords = append(in.structWords, k)
		}
	}
	nums := an.nums.nameNums
	clear(nums)
	an.nums.addNameNumbers(p)
	in.nums = sortedKeys(nums)
	return in
}

// longestHanRun returns the longest Chinese run of a name's tokens when
// it has three characters or more, up to maxHanWhole, else "".
func longestHanRun(toks []token) string {
	longest := ""
	for _, t := range toks {
		if t.han && runeLen(t.text) > runeLen(longest) {
			longest = t.text
		}
	}
	if n := runeLen(longest); n < 3 || n > maxHanWhole {
		return ""
	}
	return longest
}

// assemble builds the index of products from their prodInfos (infos[i]
// is products[i]'s, made with lx and locales), computing in one pass
// each what depends on the whole catalog, in the order New always did.
func assemble(products []concierge.Product, locales []concierge.Locale, lx *lexicon, keep []string, infos []*prodInfo) *Index {
	ix := &Index{
		lx:       lx,
		products: products,
		docs:     make([]doc, len(products)),
		skus:     make(map[string]int, len(products)),
		markers:  map[string][]marker{},
		written:  map[string]bool{},
		hanWhole: map[string][]int{},
		scratch:  newScratch(len(products)),
		locales:  slices.Clone(locales),
		keep:     keep,
		infos:    infos,
	}
	ix.buildPostings()
	for i, in := range infos {
		p := &products[i]
		d := &ix.docs[i]
		d.category = in.category
		d.price = p.Price.Minor
		d.available = p.Stock > 0 || p.Digital
		d.strong = in.strong
		d.structured = in.structured
		for _, w := range in.written {
			ix.written[w] = true
		}
		for _, h := range in.hanWhole {
			ix.hanWhole[h] = append(ix.hanWhole[h], i)
		}
		if in.skuKey != "" {
			ix.skus[in.skuKey] = i
		}
	}
	ix.splitCompounds()
	ix.buildKinds()
	ix.buildVocab()
	ix.buildNames()
	ix.buildCategories()
	ix.nameNums = map[string]bool{}
	for _, in := range infos {
		for _, k := range in.nums {
			ix.nameNums[k] = true
		}
	}
	ix.buildHanRuns()
	ix.buildVariants()
	return ix
}

// buildPostings lays every product's terms out as posting lists, in
// catalog order, in one array: the lists are counted first, so that each
// is a slice of it with room for nothing more than splitCompounds adds.
func (ix *Index) buildPostings() {
	count := map[string]int32{}
	total := 0
	for _, in := range ix.infos {
		for _, t := range in.terms {
			count[t.key]++
		}
		total += len(in.terms)
	}
	flat := make([]posting, total)
	ix.postings = make(map[string][]posting, len(count))
	at := 0
	for _, in := range ix.infos {
		for _, t := range in.terms {
			if _, ok := ix.postings[t.key]; !ok {
				n := int(count[t.key])
				ix.postings[t.key] = flat[at : at : at+n]
				at += n
			}
		}
	}
	for i, in := range ix.infos {
		for _, t := range in.terms {
			ix.postings[t.key] = append(ix.postings[t.key], posting{doc: int32(i), weight: t.weight})
		}
	}
}

// strongConcepts returns, for each concept key ("@lamp") that some
// product has in its name, tags or category, those products in catalog
// order: one pass over the products instead of one per concept.
func (ix *Index) strongConcepts() map[string][]int {
	out := map[string][]int{}
	for i, in := range ix.infos {
		for _, k := range in.strongConcepts {
			out[k] = append(out[k], i)
		}
	}
	return out
}

// categoryOfDocs returns the category of each of n products, by index in
// members (the products of each category), or -1.
func categoryOfDocs(n int, members [][]int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = -1
	}
	for c, docs := range members {
		for _, d := range docs {
			out[d] = c
		}
	}
	return out
}

// splitCompounds gives a product whose name joins two words the catalog
// knows apart ("Porcelain teacup": "tea" and "cup") those words too, so
// that "tea cups" finds it as "teacups" finds "Set of six tea cups".
func (ix *Index) splitCompounds() {
	known := map[string]bool{}
	for _, in := range ix.infos {
		for _, w := range in.strongWords {
			known[w] = true
		}
	}
	for i, in := range ix.infos {
		d := &ix.docs[i]
		owned := false // d.strong is a copy of in.strong
		for _, c := range in.cuts {
			if !known[c.a] || !known[c.b] || d.strong[c.a] && d.strong[c.b] {
				continue
			}
			for _, part := range []string{c.a, c.b} {
				if d.strong[part] {
					continue
				}
				if !owned {
					d.strong, owned = maps.Clone(in.strong), true
				}
				d.strong[part] = true
				ix.postings[part] = append(ix.postings[part], posting{doc: int32(i), weight: weightName})
			}
		}
	}
}

// buildKinds computes kinds, reading each product's concepts once.
func (ix *Index) buildKinds() {
	ix.kinds = map[string][]bool{}
	ix.kindCount = map[string]int{}
	type lists struct{ strong, structured []int }
	of := map[string]*lists{}
	for _, c := range concepts {
		if c.kind == productKind {
			of[conceptKey(c.id)] = &lists{}
		}
	}
	for i, in := range ix.infos {
		for _, k := range in.strongConcepts {
			if l := of[k]; l != nil {
				l.strong = append(l.strong, i)
			}
		}
		for _, k := range in.structConcepts {
			if l := of[k]; l != nil {
				l.structured = append(l.structured, i)
			}
		}
	}
	for key, l := range of {
		docs := l.strong
		if len(l.structured) > 0 {
			docs = l.structured // declared: only declaring products are of it
		}
		in := make([]bool, len(ix.docs))
		for _, d := range docs {
			in[d] = true
		}
		ix.kinds[key] = in
		ix.kindCount[key] = len(docs)
	}
}

// buildVocab gathers the words a misspelling may be corrected to.
func (ix *Index) buildVocab() {
	ix.vocab = newVocabulary(nil)
	seen := map[string]bool{}
	usable := func(w string) bool { return runeLen(w) >= 3 && !seen[w] && isWord(w) }
	add := func(w string, from vocabSource) {
		if !usable(w) {
			return
		}
		seen[w] = true
		rs := []rune(w)
		ix.vocab.fixed[len(rs)] = append(ix.vocab.fixed[len(rs)], vocabWord{word: w, runes: rs, from: from})
	}
	for _, w := range ix.lx.words {
		add(w, fromLexicon)
	}
	for _, w := range sortedKeys(ix.lx.stop) {
		add(stem(w), fromStop)
	}
	// Catalog words come from names, tags, categories and attributes only:
	// descriptions are full of ordinary words ("made", "works") that a
	// misspelling of another ordinary word would land on.
	strong := map[string]bool{}
	for _, in := range ix.infos {
		for _, k := range in.strongWords {
			strong[k] = true
		}
		for _, k := range in.structWords {
			strong[k] = true
		}
	}
	for _, k := range sortedKeys(strong) {
		if !seen[k] {
			ix.vocab.words = append(ix.vocab.words, k)
		}
	}
}

// buildHanRuns indexes the Chinese runs of product names (two characters
// or more) by their first character.
func (ix *Index) buildHanRuns() {
	ix.hanRuns = map[rune][][]rune{}
	ix.hanPairs = map[string]bool{}
	seen := map[string]bool{}
	for _, in := range ix.infos {
		for _, run := range in.hanRuns {
			if seen[run] {
				continue
			}
			rs := []rune(run)
			if len(rs) < 2 {
				continue
			}
			seen[run] = true
			ix.hanRuns[rs[0]] = append(ix.hanRuns[rs[0]], rs)
			for k := 0; k+1 < len(rs); k++ {
				ix.hanPairs[string(rs[k:k+2])] = true
			}
		}
	}
}
