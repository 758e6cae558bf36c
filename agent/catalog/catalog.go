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
// It imports only the root package concierge, golang.org/x/text, xxhash
// and the standard library. It is imported by the agent's rules brain and
// its tools (and by agent/nlu), and by the server to save and load its
// snapshots (see snapshot.go); nothing else should need it (see
// deps_test.go).
package catalog

import (
	"math"
	"slices"
	"sort"
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
	postings *postingMap
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
	// numKeys holds the numbers written in names with the words beside
	// them (see numbers.go), and analysedNums the same while one product
	// is analysed (only the analyser's scratch index has it): read both
	// with hasNum, write with addNum.
	numKeys      *keySet
	analysedNums map[string]bool
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
	written *keySet
	// variants are the catalog's groups of variants (see variants.go).
	variants variantIndex
	// scratch holds the per-search sums (see postings.go).
	scratch *scratch
	// locales are New's, keep the stop words the lexicon gives up
	// (lexiconWith), and infos what each product gives the index, for
	// Update.
	locales []concierge.Locale
	keep    []string
	table   *termTable
	// keys are the table's keys when the index was made: those of every
	// id its products have. They never change.
	keys  []string
	infos []*prodInfo
	// counts, split, splitDocs and vocabFixed are what assemble keeps
	// for Update: how many products give each term each role, the words
	// splitCompounds gave each product, the products each such word was
	// given to, and the lexicon's and stop words of vocab.
	counts     termCounts
	split      [][]string
	splitDocs  map[string][]int32
	vocabFixed map[string]bool
	// facets are what facets and attribute filters read (facets.go).
	facets *facetCache
	// nameCache keeps names' analyses for the resolvers (names_cache.go).
	nameCache *nameCache
}

// doc is what the index keeps of one product.
type doc struct {
	category  string // folded
	price     int64
	available bool
	// strong holds the terms of the name, tags and category, by sorted
	// id; those of the tags, category and attributes are the prodInfo's
	// structured.
	strong []uint32
}

// posting is a product of a term's list and the term's best field
// weight there (weightName, weightTag or weightDescription, the only
// weights a product gives a term), in 4 bytes: the product's place
// shifted left by 2, the weight in the low bits.
type posting uint32

func newPosting(doc int32, weight float32) posting {
	return posting(uint32(doc)<<2 | uint32(weight))
}

func (p posting) doc() int32 { return int32(p >> 2) }

func (p posting) weight() float32 { return float32(p & 3) }

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
	// Categories keeps products of any of these categories (and of
	// Category when it is set too); Attrs keeps products that have, for
	// each attribute named, one of the values listed: see facets.go.
	Categories []string
	Attrs      map[string][]string
	// Ranges keeps products whose value of each attribute named is a
	// number within its range ("lumens": 400 to 800, "weight": up to
	// "1.5 kg"): see ranges.go. Check reports a bad range.
	Ranges map[string]concierge.Range
	// Measures keeps products that write, in an attribute or a name, a
	// number within each range, of the kind its ends' unit says ("plus
	// de 450 lumens" is Min "450 lm"): see bounds.go. CheckMeasures
	// reports a bad one.
	Measures []concierge.Range
	// unsorted keeps every product found, in no order, in found's
	// storage (Faceted).
	unsorted bool
	found    []scored
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
	ix, _ := newIndex(products, locales)
	return ix
}

// newIndex is New, which also returns the products' terms (NewSnapshot).
func newIndex(products []concierge.Product, locales []concierge.Locale) (*Index, []*prodTerms) {
	lx, kept, table, infos, terms := analyseAll(products, locales) // parallel.go
	return assemble(products, locales, lx, kept, table, infos, nil, nil, termsOf{all: terms}), terms
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
	if i, ok := ix.docOf(sku); ok {
		return &ix.products[i]
	}
	return nil
}

// docOf returns the index of sku's product. The key is compact(Fold(sku));
// an ASCII SKU, as most are, is keyed on the stack without allocating:
// a turn looks up hundreds of products on a large catalog.
func (ix *Index) docOf(sku concierge.SKU) (int, bool) {
	var buf [64]byte
	k := buf[:0]
	for i := 0; i < len(sku); i++ {
		switch c := sku[i]; {
		case c >= 0x80:
			i, ok := ix.skus[compact(Fold(string(sku)))]
			return i, ok
		case 'A' <= c && c <= 'Z':
			k = append(k, c+'a'-'A')
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			k = append(k, c)
		}
	}
	i, ok := ix.skus[string(k)]
	return i, ok
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

// hanHeads returns the head terms of the Chinese runs of a name's tokens: a Chinese
// word ends with what it is ("洋槐蜜" and "蜂蜜" are honeys, "润唇膏" a
// balm), so a run's last character, keyed "^" + it, finds words of the
// same kind when none of the shopper's words is written in any name.
func hanHeads(toks []token) []string {
	var out []string
	for _, t := range toks {
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

// lexiconParts returns what product p changes in the shared lexicon lx
// (see lexiconWith): the stop words its names write twice or more, and
// the capital letters they write after a word (letterKey).
func lexiconParts(lx *lexicon, p *concierge.Product) (keep, letters []string) {
	seen := map[string]int{}
	var own map[string]bool
	for _, name := range p.Name {
		toks := tokenize(Fold(name))
		var words []string
		for _, t := range toks {
			if !t.han && lx.stop[t.text] && len(t.text) >= 4 && !slices.Contains(words, t.text) {
				words = append(words, t.text)
			}
		}
		for _, w := range words {
			seen[w]++
		}
		if own == nil {
			own = map[string]bool{}
		}
		addNameLetters(lx, toks, capitals(name), own)
	}
	for _, w := range sortedKeys(seen) {
		if seen[w] >= 2 {
			keep = append(keep, w)
		}
	}
	if len(own) > 0 {
		letters = sortedKeys(own)
	}
	return keep, letters
}

// lexiconWith returns the shared lexicon, or a copy of it in which the
// stop words that are a product's proper name are words again, given each
// product's lexiconParts: a perfume called "Merci" in every language it
// is sold in must be found as "Merci", while "merci" stays a thanks in
// any other shop. It returns the words kept, sorted.
func lexiconWith(keepOf, lettersOf [][]string) (*lexicon, []string) {
	lx := sharedLexicon()
	var keep []string
	letters := map[string]bool{}
	for i := range keepOf {
		for _, w := range keepOf[i] {
			if !slices.Contains(keep, w) {
				keep = append(keep, w)
			}
		}
		for _, l := range lettersOf[i] {
			letters[l] = true
		}
	}
	if len(keep) == 0 && len(letters) == 0 {
		return lx, nil
	}
	slices.Sort(keep)
	own := *lx
	own.letters = letters
	own.stop = make(map[string]bool, len(lx.stop))
	for w := range lx.stop {
		if !slices.Contains(keep, w) {
			own.stop[w] = true
		}
	}
	return &own, keep
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
		// Before a word of its own, too: "N gauge".
		// Not a letter glued to a number ("3S graphite").
		if len(prev.text) == 1 && caps[prev.text] && !prev.han && !prev.elided && lx.stop[prev.text] && !t.han && !lx.stop[t.text] && runeLen(t.text) >= 3 &&
			(i < 2 || !isDigits(toks[i-2].text)) {
			letters[letterBeforeKey(prev.text, t.text)] = true
		}
	}
}

// letterBeforeKey is the key of a letter a name writes before next.
func letterBeforeKey(letter, next string) string { return letter + " <" + stem(next) }

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
