// Package catalog finds products in one bot's catalog from what a shopper
// types, in French, English or Chinese: Search ranks products for a query
// with filters, Resolve picks out the products a message names, and
// CategoryOf says which category a phrase is about.
//
// It owns the product-search vocabulary (cross-language synonyms, stop
// words, Chinese segmentation, typo tolerance). An Index is built once per
// bot from its products, is read-only afterwards and is safe for concurrent
// use; it holds no I/O and no clock.
//
// It imports only the root package concierge, golang.org/x/text and the
// standard library. It is imported by the agent's rules brain and its tools
// (and by agent/nlu); nothing else should need it (see deps_test.go).
package catalog

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/conciergehq/concierge"
)

// Field weights: a word in a product's name says more about it than a tag,
// and a tag more than its description.
const (
	weightName        = 3.0
	weightTag         = 2.0
	weightDescription = 1.0
)

// Index is one bot's catalog prepared for search. Build it with New; it is
// immutable and safe for concurrent use.
type Index struct {
	lx       *lexicon
	products []concierge.Product
	docs     []doc
	postings map[string][]posting
	// vocab holds the single Latin words a misspelling may be corrected
	// to (lexicon words, catalog words outside descriptions, stop words),
	// by length in runes.
	vocab *vocabulary
	// kinds says, for each kind of product (a product concept key), which
	// products are of that kind: those that declare it in their tags or
	// category when any product does, else those that have it in their
	// name. "abat-jour pour lampe de chevet" is a shade, not a lamp.
	kinds     map[string][]bool
	kindCount map[string]int // products of each kind
	// skus maps compact folded SKUs ("lamp02") to products.
	skus map[string]int
	// names maps distinctive Latin name words to the products they name;
	// hanNames does the same for Chinese names.
	names     map[string][]int
	nameWords *vocabulary
	hanNames  []hanName
	hanNameAt map[string]int // index in hanNames, while building
	// categories in catalog order, and the terms that mark each one.
	categories []string
	markers    map[string][]marker // term key → categories it points at
	// nameNums holds the numbers written in names with the words beside
	// them (see numbers.go).
	nameNums map[string]bool
	// hanRuns are the Chinese runs of names by first character, and
	// hanPairs the two-character sequences they hold.
	hanRuns  map[rune][][]rune
	hanPairs map[string]bool
	// hanWhole maps the longest Chinese run of each name, of three
	// characters or more ("蜂蜜润唇膏"), to the products so named: typed
	// whole, it names them even when a lexicon word inside it ("唇膏",
	// lipstick) names a kind of product they are not.
	hanWhole map[string][]int
	// written are the words products' names, tags and categories write
	// as such (not joined from two, see joinedPairs).
	written map[string]bool
	// variants are the catalog's groups of variants (see variants.go).
	variants variantIndex
	// scratch holds the per-search sums (see postings.go).
	scratch *scratch
	// locales are New's, for Update.
	locales []concierge.Locale
}

// doc is what the index keeps of one product.
type doc struct {
	category   string // folded
	price      int64
	available  bool
	strong     map[string]bool // terms of the name, tags and category
	structured map[string]bool // terms of the tags, category and attributes
}

type posting struct {
	doc    int32
	weight float32
}

// vocabWord is a typo-correction candidate.
type vocabWord struct {
	word  string
	runes []rune
	// from says what the word is: a catalog literal, a lexicon word or a
	// stop word.
	from vocabSource
}

type vocabSource uint8

// The sources of vocabulary words, in the order a tie prefers them: a
// shopping word is the likelier correction.
const (
	fromLexicon vocabSource = iota
	fromCatalog
	fromStop
)

// hanName is the Chinese proper name of a product ("欧若拉").
type hanName struct {
	text string
	docs []int
}

// Sort orders search results.
type Sort int

// The orders of search results.
const (
	Relevance Sort = iota // best match first
	PriceAsc              // cheapest first
	PriceDesc             // dearest first
)

// String returns "relevance", "price_asc" or "price_desc".
func (s Sort) String() string {
	switch s {
	case PriceAsc:
		return "price_asc"
	case PriceDesc:
		return "price_desc"
	}
	return "relevance"
}

// Query is a product search. The zero Query returns every product.
type Query struct {
	// Text is what the shopper asked for, in any of fr, en, zh; stop words,
	// accents, case and plurals do not matter and small typos are forgiven.
	// Empty text matches every product that passes the filters.
	Text string
	// Category keeps products of that category only ("" = any).
	Category string
	// PriceMax and PriceMin bound the price in minor units; 0 = no bound.
	PriceMax int64
	PriceMin int64
	Sort     Sort
	// Limit caps the number of hits; 0 = no cap.
	Limit int
	// Exclude is what the shopper ruled out ("cast iron" in "a glass
	// teapot, not the cast iron one"): products with any of its words in
	// their name, tags or attributes are dropped, unless Text asks for the
	// same word.
	Exclude string
	// InStockOnly drops products with no stock at start. Digital products
	// are always available. The live count is in the store; callers that
	// need it filter again.
	InStockOnly bool
}

// Hit is a product found by Search. Score is larger for better matches and
// is only meaningful within one result list; it is 0 when the query had no
// words and only filters selected the product.
type Hit struct {
	SKU   concierge.SKU
	Score float64
}

// New indexes products. locales are the bot's languages, first the default:
// names and descriptions are read in that order, then any other locale the
// catalog uses, since a shopper may type a name they saw anywhere. The
// products are not copied; the caller must not modify them afterwards.
func New(products []concierge.Product, locales []concierge.Locale) *Index {
	ix := &Index{
		lx:       lexiconFor(products),
		products: products,
		docs:     make([]doc, len(products)),
		postings: map[string][]posting{},
		skus:     map[string]int{},
		markers:  map[string][]marker{},
		written:  map[string]bool{},
		hanWhole: map[string][]int{},
		scratch:  newScratch(len(products)),
		locales:  slices.Clone(locales),
	}
	for i := range products {
		ix.addDoc(i, &products[i], locales)
	}
	ix.splitCompounds(locales)
	ix.buildKinds()
	ix.buildVocab()
	ix.buildNames(locales)
	ix.buildCategories()
	ix.buildNameNumbers()
	ix.buildHanRuns()
	ix.buildVariants()
	return ix
}

// addDoc indexes one product's fields.
func (ix *Index) addDoc(i int, p *concierge.Product, locales []concierge.Locale) {
	d := &ix.docs[i]
	d.category = Fold(p.Category)
	d.price = p.Price.Minor
	d.available = p.Stock > 0 || p.Digital
	d.strong = map[string]bool{}
	d.structured = map[string]bool{}
	best := map[string]float64{}
	add := func(text string, w float64, strong, structured bool) {
		for _, t := range ix.lx.analyze(Fold(text)) {
			best[t.key] = max(best[t.key], w)
			if strong && t.kind == literal {
				ix.written[t.key] = true
			}
			if strong {
				d.strong[t.key] = true
			}
			if structured {
				d.structured[t.key] = true
			}
		}
	}
	for _, loc := range localeOrder(p.Name, locales) {
		ix.addHanWhole(i, p.Name[loc])
		add(p.Name[loc], weightName, true, false)
		for _, h := range hanHeads(p.Name[loc]) {
			best[h] = max(best[h], weightTag)
			d.strong[h] = true
		}
		for _, j := range joinedPairs(p.Name[loc]) {
			// "tea cups" is also found as "teacups".
			best[j] = max(best[j], weightName)
			d.strong[j] = true
		}
	}
	for _, tag := range p.Tags {
		add(tag, weightTag, true, true)
	}
	add(p.Category, weightTag, true, true)
	for _, k := range sortedKeys(p.Attrs) {
		v := p.Attrs[k]
		if truthy(v) {
			// "dimmable: yes" says the product is dimmable.
			add(k, weightTag, false, true)
		} else if _, bare := NumberValue(strings.TrimSpace(v)); bare {
			// "pieces: 2" is a count of the attribute's: a shopper's "2"
			// in "2 kg" or "2 m" is not about it.
			add(v, weightDescription, false, false)
		} else if !falsy(v) {
			add(v, weightTag, false, true)
		}
	}
	if p.Digital {
		add("digital", weightTag, false, true)
	}
	for _, loc := range localeOrder(p.Description, locales) {
		add(p.Description[loc], weightDescription, false, false)
	}
	for k, w := range best {
		ix.postings[k] = append(ix.postings[k], posting{doc: int32(i), weight: float32(w)})
	}
	if c := compact(Fold(string(p.SKU))); c != "" {
		ix.skus[c] = i
	}
}

// buildKinds computes kinds, reading each product's terms once.
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
	for i := range ix.docs {
		for k := range ix.docs[i].strong {
			if l := of[k]; l != nil {
				l.strong = append(l.strong, i)
			}
		}
		for k := range ix.docs[i].structured {
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
	for i := range ix.docs {
		for k := range ix.docs[i].strong {
			strong[k] = true
		}
		for k := range ix.docs[i].structured {
			strong[k] = true
		}
	}
	for _, k := range sortedKeys(strong) {
		if k[0] != '@' && usable(k) {
			seen[k] = true
			ix.vocab.words = append(ix.vocab.words, k)
		}
	}
}

// idf is the inverse document frequency of a posting list: rare terms say
// more.
func (ix *Index) idf(n int) float64 {
	return 1 + math.Log(float64(len(ix.docs))/float64(n))
}

// Categories returns the catalog's categories in the order they first
// appear.
func (ix *Index) Categories() []string { return slices.Clone(ix.categories) }

// Product returns the indexed product with the given SKU, or nil.
func (ix *Index) Product(sku concierge.SKU) *concierge.Product {
	if i, ok := ix.skus[compact(Fold(string(sku)))]; ok {
		return &ix.products[i]
	}
	return nil
}

// localeOrder returns the locales of m: those of the bot first, in order,
// then the others sorted, so that indexing is deterministic.
func localeOrder(m map[concierge.Locale]string, bot []concierge.Locale) []concierge.Locale {
	out := make([]concierge.Locale, 0, len(m))
	for _, l := range bot {
		if _, ok := m[l]; ok {
			out = append(out, l)
		}
	}
	var rest []concierge.Locale
	for l := range m {
		if !slices.Contains(bot, l) {
			rest = append(rest, l)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func truthy(v string) bool {
	switch Fold(v) {
	case "yes", "true", "oui", "vrai", "是", "1":
		return true
	}
	return false
}

func falsy(v string) bool {
	switch Fold(v) {
	case "no", "false", "non", "faux", "否", "0", "":
		return true
	}
	return false
}

// splitCompounds gives a product whose name joins two words the catalog
// knows apart ("Porcelain teacup": "tea" and "cup") those words too, so
// that "tea cups" finds it as "teacups" finds "Set of six tea cups".
func (ix *Index) splitCompounds(locales []concierge.Locale) {
	known := map[string]bool{}
	for i := range ix.docs {
		for k := range ix.docs[i].strong {
			if k[0] != '@' && isWord(k) && runeLen(k) >= 3 {
				known[k] = true
			}
		}
	}
	for i := range ix.products {
		p := &ix.products[i]
		added := map[string]bool{}
		for _, loc := range localeOrder(p.Name, locales) {
			for _, t := range ix.lx.analyze(Fold(p.Name[loc])) {
				w := t.key
				if t.kind != literal || !isWord(w) || runeLen(w) < 6 {
					continue
				}
				for cut := 3; cut <= len(w)-3; cut++ {
					a, b := w[:cut], stem(w[cut:])
					if !known[a] || !known[b] || ix.docs[i].strong[a] && ix.docs[i].strong[b] {
						continue
					}
					for _, part := range []string{a, b} {
						if !ix.docs[i].strong[part] && !added[part] {
							added[part] = true
							ix.docs[i].strong[part] = true
							ix.postings[part] = append(ix.postings[part], posting{doc: int32(i), weight: weightName})
						}
					}
				}
			}
		}
	}
}

// hanHeads returns the head terms of the Chinese runs of text: a Chinese
// word ends with what it is ("洋槐蜜" and "蜂蜜" are honeys, "润唇膏" a
// balm), so a run's last character, keyed "^" + it, finds words of the
// same kind when none of the shopper's words is written in any name.
func hanHeads(text string) []string {
	var out []string
	for _, t := range tokenize(Fold(text)) {
		if !t.han {
			continue
		}
		rs := []rune(t.text)
		if len(rs) < 2 {
			continue
		}
		if h := hanHeadKey(hanHead(rs)); !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

func hanHeadKey(r rune) string { return "^" + string(r) }

// hanHead returns the character a Chinese word of two or more ends with,
// before a pack ("跑步袜三双装" is a sock: "三双装" says how many) and a
// nominal suffix ("豆子" is a bean, "杯子" a cup).
func hanHead(rs []rune) rune {
	n := len(rs)
	if n > 1 && (rs[n-1] == '装' || rs[n-1] == '份') {
		n--
	}
	if n > 2 && counters[rs[n-1]] {
		k := n - 1
		for k > 0 && hanNumerals[rs[k-1]] > 0 {
			k--
		}
		if k < n-1 && k > 0 {
			n = k // "三双": a count before the counter
		}
	}
	if n >= 2 && (rs[n-1] == '子' || rs[n-1] == '儿') {
		return rs[n-2]
	}
	return rs[n-1]
}

// addHanWhole records the longest Chinese run of name, when it has three
// characters or more, as naming product i (hanWhole).
func (ix *Index) addHanWhole(i int, name string) {
	longest := ""
	for _, t := range tokenize(Fold(name)) {
		if t.han && runeLen(t.text) > runeLen(longest) {
			longest = t.text
		}
	}
	if n := runeLen(longest); n < 3 || n > maxHanWhole {
		return
	}
	// Products are added in order: i is new unless it is the last.
	if docs := ix.hanWhole[longest]; len(docs) == 0 || docs[len(docs)-1] != i {
		ix.hanWhole[longest] = append(docs, i)
	}
}

// lexiconFor returns the shared lexicon, or a copy of it in which the stop
// words that are a product's proper name are words again: a perfume called
// "Merci" in every language it is sold in must be found as "Merci", while
// "merci" stays a thanks in any other shop.
func lexiconFor(products []concierge.Product) *lexicon {
	lx := sharedLexicon()
	var keep []string
	letters := map[string]bool{}
	for i := range products {
		seen := map[string]int{}
		for _, name := range products[i].Name {
			words := map[string]bool{}
			toks := tokenize(Fold(name))
			for _, t := range toks {
				if !t.han && lx.stop[t.text] && len(t.text) >= 4 {
					words[t.text] = true
				}
			}
			for w := range words {
				seen[w]++
			}
			addNameLetters(lx, toks, capitals(name), letters)
		}
		for w, n := range seen {
			if n >= 2 && !slices.Contains(keep, w) {
				keep = append(keep, w)
			}
		}
	}
	if len(keep) == 0 && len(letters) == 0 {
		return lx
	}
	own := *lx
	own.letters = letters
	own.stop = make(map[string]bool, len(lx.stop))
	for w := range lx.stop {
		if !slices.Contains(keep, w) {
			own.stop[w] = true
		}
	}
	return &own
}

// addNameLetters records the one-letter stop words that toks, a name,
// writes in capitals after a word ("Vitamine D", "MX Master 3S"): said
// after that word, such a letter is the name's, not an article. A letter
// in lower case ("Ampoule à filament") is a word of the language.
func addNameLetters(lx *lexicon, toks []token, caps map[string]bool, letters map[string]bool) {
	for i := 1; i < len(toks); i++ {
		t, prev := toks[i], toks[i-1]
		// After a word of three letters or more, even one a message may
		// drop ("type A", "modèle B"); not after "à" or "de".
		if len(t.text) == 1 && caps[t.text] && !t.han && !t.elided && lx.stop[t.text] && !prev.elided && (prev.han || !lx.stop[prev.text] || runeLen(prev.text) >= 3) {
			letters[letterKey(prev.text, t.text)] = true
		}
	}
}

// capitals returns, folded, the capital letters that s writes alone or
// before digits ("D", "C", "S" of "3S"... and "D" of "D3").
func capitals(s string) map[string]bool {
	out := map[string]bool{}
	rs := []rune(s)
	for i, r := range rs {
		if r < 'A' || r > 'Z' {
			continue
		}
		// A Chinese character is no letter of the same word: "维生素D".
		before := i == 0 || !unicode.IsLetter(rs[i-1]) || IsHan(rs[i-1])
		after := i+1 == len(rs) || !unicode.IsLetter(rs[i+1]) || IsHan(rs[i+1])
		if before && after {
			out[string(r+'a'-'A')] = true
		}
	}
	return out
}

// NameLetter reports whether the one-letter word letter, said right after
// the word prev, is a word of some product's name ("vitamine D"), where
// it would otherwise be an article or a pronoun. Both are folded.
func (ix *Index) NameLetter(prev, letter string) bool {
	return ix.lx.letters[letterKey(prev, letter)]
}
