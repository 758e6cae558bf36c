package catalog

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
	"sync"

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
	// rare holds what few products have, so that the others spend one
	// pointer on it; nil when empty.
	rare     *prodRare
	category string // folded
	skuKey   string // compact folded SKU
	// strong holds the terms of the name, tags and category (before
	// splitCompounds), structured those of the tags, category and
	// attributes, by id in the index's termTable, sorted: doc.strong and
	// doc.strong and what search reads of structured. A few bytes a term
	// instead of a map a product.
	strong, structured []uint32
	// cuts are the ways splitCompounds may cut the long words of the
	// names, in the order it tries them, packed in one string (see
	// eachCut): a few bytes a cut instead of two strings.
	cuts string
	// splitIn are the words splitCompounds added to strong when it first
	// assembled the product (none but by it, since the prodInfo is not
	// shared yet), by id: an index whose words for the product differ
	// copies strong without them.
	splitIn []uint32
	// nameCounts counts, for each word of the names that could be a
	// proper name, the names it is in; latin counts the names in Latin
	// script; leftovers are the unknown Chinese stretches of the names
	// (buildNames).
	nameCounts []wordCount // by id
	latin      int32
	leftovers  []string
	// hanRuns are the Chinese runs of the names, hanWhole the longest
	// run of each (addHanWhole).
	hanRuns, hanWhole []string
	// attrTerms are the attributes whose value is one term, with it
	// (buildVariants).
	attrTerms []attrTerm
}

// prodRare is the part of a prodInfo that few products have.
type prodRare struct {
	// keep and letters are the product's lexiconParts: the stop
	// words its names write twice or more, and its capital letters after
	// a word (letterKey).
	keep, letters []string
}

// keep returns the product's stop words that its names write twice or
// more (lexiconParts).
func (in *prodInfo) keep() []string {
	if in.rare == nil {
		return nil
	}
	return in.rare.keep
}

// letters returns the product's capital letters after a word
// (lexiconParts).
func (in *prodInfo) letters() []string {
	if in.rare == nil {
		return nil
	}
	return in.rare.letters
}

// prodTerms are the terms of one product that go into the index's
// postings and counts (termCounts): the bulk of what a product gives the
// index, not kept per product since the postings hold them. Update gets
// those of a product that changed by analysing its old version again.
type prodTerms struct {
	// terms are the product's postings, each with its best field weight.
	terms []weightedTerm
	// strongWords and structWords are the words of strong and structured
	// that a misspelling may be corrected to (three runes or more);
	// written the literal terms of the name, tags and category; nums the
	// product's keys of Index.nameNums.
	strongWords, structWords, written, nums []uint32
}

type weightedTerm struct {
	id     uint32
	weight float32
}

// packCuts appends to packed the cuts of w: w[:3] and the stem of
// w[3:], w[:4] and the stem of w[4:]... Each word is written "\x01" w,
// then each cut's stem: "\x02" when it is the rest of the word whole,
// "\x03" when it is the rest less its last byte (a plural's "s"), else
// "\x00" and the stem. Folded words have no control bytes.
func packCuts(packed []byte, w string) []byte {
	packed = append(append(packed, 1), w...)
	for c := 3; c <= len(w)-3; c++ {
		switch s := stem(w[c:]); s {
		case w[c:]:
			packed = append(packed, 2)
		case w[c : len(w)-1]:
			packed = append(packed, 3)
		default:
			packed = append(append(packed, 0), s...)
		}
	}
	return packed
}

// eachCut calls fn with each cut of packed, in order, until it returns
// false.
func eachCut(packed string, fn func(a, b string) bool) {
	var w string
	c := 0
	for packed != "" {
		mark := packed[0]
		packed = packed[1:]
		end := 0
		for end < len(packed) && packed[end] > 3 {
			end++
		}
		var b string
		switch mark {
		case 1:
			w, c = packed[:end], 3
			packed = packed[end:]
			continue
		case 2:
			b = w[c:]
		case 3:
			b = w[c : len(w)-1]
		default:
			b = packed[:end]
		}
		packed = packed[end:]
		if !fn(w[:c], b) {
			return
		}
		c++
	}
}

type wordCount struct {
	word uint32
	n    int32
}

type attrTerm struct{ attr, key string }

// termTable numbers the terms and nameNums keys of the products, so that
// assemble counts and gathers them in arrays instead of hashing strings,
// and so that each is stored once however many products have it. Indexes
// made from one another by Update share their table; it only grows (the
// terms of withdrawn products stay until the next New).
//
// The keys of nameNums (numbers.go) are numbered apart, in numIDs and
// numKeys: most are a product's own ("W|" and its proper name), and only
// their count is kept, so the terms' per-id counts need not cover them.
type termTable struct {
	mu      sync.Mutex
	seed    maphash.Seed
	ids     idHash // by key
	keys    []string
	numIDs  idHash
	numKeys []string
	strs    stringArena // the bytes of keys and numKeys
}

func newTermTable() *termTable { return &termTable{seed: maphash.MakeSeed()} }

// id returns the id of s, adding it; tt.mu is held.
func (tt *termTable) id(s string) uint32 {
	if id, ok := tt.ids.find(tt.seed, tt.keys, s); ok {
		return id
	}
	// A term is often a slice of a whole folded description: keep only
	// its bytes.
	s = tt.strs.clone(s)
	id := uint32(len(tt.keys))
	tt.keys = append(tt.keys, s)
	tt.ids.insert(tt.seed, tt.keys, id)
	return id
}

// addNumKey adds the nameNums key s, which the table does not have, and
// returns its id; tt.mu is held.
func (tt *termTable) addNumKey(s string) uint32 {
	s = tt.strs.clone(s)
	id := uint32(len(tt.numKeys))
	tt.numKeys = append(tt.numKeys, s)
	tt.numIDs.insert(tt.seed, tt.numKeys, id)
	return id
}

// lookup returns the id of s, if it has one; tt.mu is held.
func (tt *termTable) lookup(s string) (uint32, bool) { return tt.ids.find(tt.seed, tt.keys, s) }

// snapshot returns the keys of every id given so far; ids given later are
// not in it, and its elements never change.
func (tt *termTable) snapshot() []string {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.keys
}

// numSnapshot is snapshot for the keys of nameNums.
func (tt *termTable) numSnapshot() []string {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.numKeys
}

// analyser holds what analyseProduct reuses from one product to the next.
type analyser struct {
	lx      *lexicon
	table   *termTable // locked by the analyser's user
	locales []concierge.Locale
	// best holds the place in order of each term of the product being
	// analysed; order its terms in the order first met, with their best
	// field weight: terms are numbered in that order, so that the ids do
	// not follow a map's random order and a build split between workers
	// (parallel.go) numbers them as one on its own does.
	best  map[string]int32
	order []bestTerm
	// numKeys gathers the product's nameNums keys new to the table,
	// sorted before they are numbered, for the same reason.
	numKeys []string
	nums    *Index // an index holding only analysedNums, for addNameNumbers
	// strong, structured and written gather a product's term ids, with
	// repeats, before they are sorted into sets.
	strong, structured, written []uint32
	// categories holds each category folded, so that the products of
	// one share its string.
	categories map[string]string
	// strs, ids and infos hold what the index keeps of each product.
	strs       stringArena
	ids        arena[uint32]
	infos      arena[prodInfo]
	strings    arena[string]
	wordCounts arena[wordCount]
	attrTerms  arena[attrTerm]
	// runs, left, counted and attrs gather a product's parts before they
	// are copied into the arenas.
	runs, left []string
	counted    []wordCount
	attrs      []attrTerm
	// analysed holds the terms of the texts met, up to maxAnalysed of
	// them: a catalog repeats its tags, categories, attributes and, for
	// variants, descriptions.
	analysed map[string][]term
}

type bestTerm struct {
	key string
	w   float64
}

// maxAnalysed bounds the texts whose terms an analyser keeps.
const maxAnalysed = 1 << 14

// analyze returns the terms of the text s (not folded), which the caller
// must not modify.
func (an *analyser) analyze(s string) []term {
	if ts, ok := an.analysed[s]; ok {
		return ts
	}
	ts := an.lx.analyze(Fold(s))
	if len(an.analysed) < maxAnalysed {
		an.analysed[s] = ts
	}
	return ts
}

// category returns c folded, the same string for every product of c.
func (an *analyser) category(c string) string {
	f, ok := an.categories[c]
	if !ok {
		f = Fold(c)
		an.categories[c] = f
	}
	return f
}

func newAnalyser(lx *lexicon, locales []concierge.Locale, table *termTable) *analyser {
	return &analyser{lx: lx, table: table, locales: locales, best: map[string]int32{}, categories: map[string]string{}, analysed: map[string][]term{}, nums: &Index{analysedNums: map[string]bool{}}}
}

// analyseProduct reads p once. keep and letters are its part of the
// lexicon, from lexiconParts.
func (an *analyser) analyseProduct(p *concierge.Product, keep, letters []string) (*prodInfo, *prodTerms) {
	lx := an.lx
	in := an.infos.alloc()
	in.category = an.category(p.Category)
	in.skuKey = an.strs.clone(compact(Fold(string(p.SKU))))
	var hanWhole []string
	runs, left, counted, attrs := an.runs[:0], an.left[:0], an.counted[:0], an.attrs[:0]
	pt := &prodTerms{}
	best, order := an.best, an.order[:0]
	clear(best)
	setBest := func(k string, w float64) {
		if j, ok := best[k]; ok {
			order[j].w = max(order[j].w, w)
			return
		}
		best[k] = int32(len(order))
		order = append(order, bestTerm{k, w})
	}
	strong, structured, written := an.strong[:0], an.structured[:0], an.written[:0]
	tt := an.table
	add := func(terms []term, w float64, isStrong, isStructured bool) {
		for _, t := range terms {
			setBest(t.key, w)
			if !isStrong && !isStructured {
				continue
			}
			id := tt.id(t.key)
			if isStrong && t.kind == literal {
				written = append(written, id)
			}
			if isStrong {
				strong = append(strong, id)
			}
			if isStructured {
				structured = append(structured, id)
			}
		}
	}
	counts := map[string]int{}
	var cuts []byte
	for _, loc := range localeOrder(p.Name, an.locales) {
		f := Fold(p.Name[loc])
		toks := tokenize(f)
		terms := lx.analyzeTokens(toks)
		if h := longestHanRun(toks); h != "" && !slices.Contains(hanWhole, h) {
			hanWhole = append(hanWhole, an.strs.clone(h))
		}
		add(terms, weightName, true, false)
		for _, h := range hanHeads(toks) {
			setBest(h, weightTag)
			strong = append(strong, tt.id(h))
		}
		for _, j := range joinedPairs(toks) {
			// "tea cups" is also found as "teacups".
			setBest(j, weightName)
			strong = append(strong, tt.id(j))
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
				cuts = packCuts(cuts, w)
			}
		}
		if hasLatin || !containsHan(f) {
			in.latin++
		}
		for _, tk := range toks {
			if tk.han {
				runs = append(runs, an.strs.clone(tk.text))
				for _, s := range lx.hanLeftovers(tk.text) {
					if runeLen(s) >= 2 {
						left = append(left, an.strs.clone(s))
					}
				}
			}
		}
	}
	in.cuts = an.strs.clone(string(cuts))
	for _, w := range sortedKeys(counts) {
		if runeLen(w) >= 3 && isNameWord(w) {
			counted = append(counted, wordCount{tt.id(w), int32(counts[w])})
		}
	}
	for _, tag := range p.Tags {
		add(an.analyze(tag), weightTag, true, true)
	}
	add(an.analyze(p.Category), weightTag, true, true)
	for _, k := range sortedKeys(p.Attrs) {
		v := p.Attrs[k]
		vt := an.analyze(v)
		if len(vt) == 1 {
			attrs = append(attrs, attrTerm{k, tt.keys[tt.id(vt[0].key)]}) // the table's copy
		}
		if truthy(v) {
			// "dimmable: yes" says the product is dimmable.
			add(an.analyze(k), weightTag, false, true)
		} else if _, bare := NumberValue(strings.TrimSpace(v)); bare && !strings.ContainsAny(v, ".,") {
			// "pieces: 2" is a count of the attribute's: a shopper's "2"
			// in "2 kg" or "2 m" is not about it. A decimal ("tog:
			// 10.5") is no count: it is said for the value.
			add(vt, weightDescription, false, false)
		} else if !falsy(v) {
			add(vt, weightTag, false, true)
		}
	}
	if p.Digital {
		add(lx.analyze("digital"), weightTag, false, true)
	}
	for _, loc := range localeOrder(p.Description, an.locales) {
		add(an.analyze(p.Description[loc]), weightDescription, false, false)
	}
	pt.terms = make([]weightedTerm, 0, len(order))
	for _, b := range order {
		pt.terms = append(pt.terms, weightedTerm{tt.id(b.key), float32(b.w)})
	}
	an.order = order
	slices.SortFunc(pt.terms, func(a, b weightedTerm) int { return cmp.Compare(a.id, b.id) })
	an.strong, an.structured, an.written = strong, structured, written
	in.strong, in.structured = an.ids.clone(sortedIDs(strong)), an.ids.clone(sortedIDs(structured))
	pt.written = slices.Clone(sortedIDs(written))
	if len(keep) > 0 || len(letters) > 0 {
		in.rare = &prodRare{keep: keep, letters: letters}
	}
	in.hanWhole = an.strings.clone(hanWhole)
	in.hanRuns, in.leftovers = an.strings.clone(runs), an.strings.clone(left)
	in.nameCounts, in.attrTerms = an.wordCounts.clone(counted), an.attrTerms.clone(attrs)
	an.runs, an.left, an.counted, an.attrs = runs, left, counted, attrs
	for _, id := range in.strong {
		if k := tt.keys[id]; k[0] != '@' && isWord(k) && runeLen(k) >= 3 {
			pt.strongWords = append(pt.strongWords, id)
		}
	}
	for _, id := range in.structured {
		if k := tt.keys[id]; k[0] != '@' && isWord(k) && runeLen(k) >= 3 {
			pt.structWords = append(pt.structWords, id)
		}
	}
	nums := an.nums.analysedNums
	clear(nums)
	an.nums.addNameNumbers(p)
	// The keys new to the table are numbered in sorted order; most
	// ("A|…", the numbers of other products) are not new.
	fresh := an.numKeys[:0]
	pt.nums = make([]uint32, 0, len(nums))
	for k := range nums {
		if id, ok := tt.numIDs.find(tt.seed, tt.numKeys, k); ok {
			pt.nums = append(pt.nums, id)
		} else {
			fresh = append(fresh, k)
		}
	}
	slices.Sort(fresh)
	for _, k := range fresh {
		pt.nums = append(pt.nums, tt.addNumKey(k))
	}
	clear(fresh) // no key kept alive until the next product
	an.numKeys = fresh
	slices.Sort(pt.nums)
	return in, pt
}

// sortedIDs sorts ids and returns them once each, in the same array.
func sortedIDs(ids []uint32) []uint32 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// hasID reports whether the sorted set ids holds id.
func hasID(ids []uint32, id uint32) bool {
	_, ok := slices.BinarySearch(ids, id)
	return ok
}

// withIDs returns the sorted set ids less out, with in added, in a.
func withIDs(a *arena[uint32], ids, out, in []uint32) []uint32 {
	set := make([]uint32, 0, len(ids)+len(in))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			set = append(set, id)
		}
	}
	return a.clone(sortedIDs(append(set, in...)))
}

// hasKey reports whether the term set ids, of ix's products, holds the
// term k: a product has a few dozen terms, so reading them costs less
// than a look-up in the table, which Update may be growing.
func (ix *Index) hasKey(ids []uint32, k string) bool {
	for _, id := range ids {
		if ix.keys[id] == k {
			return true
		}
	}
	return false
}

// sharedIDs counts the ids the sorted sets a and b have in common.
func sharedIDs(a, b []uint32) int {
	n := 0
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] < b[0]:
			a = a[1:]
		case a[0] > b[0]:
			b = b[1:]
		default:
			n++
			a, b = a[1:], b[1:]
		}
	}
	return n
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

// termsOf gives assemble the prodTerms it needs: every product's for New
// (all), else those of the products new or changed (added, by place) and
// of prev's products gone or changed (removed, by place in prev).
type termsOf struct {
	all            []*prodTerms
	added, removed map[int32]*prodTerms
}

// assemble builds the index of products from their prodInfos (infos[i]
// is products[i]'s, made with lx, locales and table), computing in one
// pass each what depends on the whole catalog, in the order New always
// did. prev, when not nil, is an index whose prodInfo from[i] is
// infos[i] (-1: none), the products prev shares being in the order they
// had there: what does not depend on the order of the products is
// changed by the products that changed, and more when the products prev
// shares kept their places (see update.go). ts holds the products'
// prodTerms.
func assemble(products []concierge.Product, locales []concierge.Locale, lx *lexicon, keep []string, table *termTable, infos []*prodInfo, prev *Index, from []int32, ts termsOf) *Index {
	ix := &Index{
		lx:       lx,
		products: products,
		docs:     make([]doc, len(products)),
		markers:  map[string][]marker{},
		hanWhole: map[string][]int{},
		scratch:  newScratch(len(products)),
		locales:  slices.Clone(locales),
		keep:     keep,
		table:    table,
		infos:    infos,
		facets:   &facetCache{},

		nameCache: &nameCache{},
	}
	keys := table.snapshot()
	ix.keys = keys
	numKeys := table.numSnapshot()
	d := ix.countTerms(len(keys), len(numKeys), prev, ts)
	for i, in := range infos {
		p := &products[i]
		d := &ix.docs[i]
		d.category = in.category
		d.price = p.Price.Minor
		d.available = p.Stock > 0 || p.Digital
		d.strong = in.strong
		for _, h := range in.hanWhole {
			ix.hanWhole[h] = append(ix.hanWhole[h], i)
		}
	}
	var written, nums *keySet
	if prev != nil {
		written, nums = prev.written, prev.numKeys
	}
	// The rest falls in two parts: the compound words and what reads
	// them or the products' term sets they change (postings, their
	// bounds, kinds, categories), and what reads neither (SKUs, the sets
	// of written words and number keys, vocabulary, proper names,
	// Chinese runs, variants). Neither part writes a field the other
	// reads, so New runs the second beside the first on a large catalog
	// (the race detector checks it in TestParallelBuild), each in its
	// order; Update, which patches prev's, keeps the order of old.
	rest := func() {
		ix.mapSKUs(prev, from)
		ix.written = newKeySet(table.seed, keys, written, ix.counts.written, d.written)
		ix.numKeys = newKeySet(table.seed, numKeys, nums, ix.counts.nums, d.nums)
		ix.buildVocab(keys, prev, d)
		ix.buildNames(keys, prev, from, d)
		ix.buildHanRuns()
		ix.buildVariants()
	}
	compounds := func() {
		ix.splitCompounds(keys, prev, from, d.knownWords(keys, prev, ix))
		ix.layPostings(keys, prev, from, ts)
		ix.layBounds(prev)
		ix.buildKinds(keys)
		ix.buildCategories()
	}
	if workers, _ := splitFor(len(products)); prev == nil && workers > 1 {
		done := make(chan struct{})
		go func() {
			defer close(done)
			rest()
		}()
		compounds()
		<-done
		return ix
	}
	ix.mapSKUs(prev, from)
	ix.written = newKeySet(table.seed, keys, written, ix.counts.written, d.written)
	ix.numKeys = newKeySet(table.seed, numKeys, nums, ix.counts.nums, d.nums)
	ix.splitCompounds(keys, prev, from, d.knownWords(keys, prev, ix))
	ix.layPostings(keys, prev, from, ts)
	ix.layBounds(prev)
	ix.buildKinds(keys)
	ix.buildVocab(keys, prev, d)
	ix.buildNames(keys, prev, from, d)
	ix.buildCategories()
	ix.buildHanRuns()
	ix.buildVariants()
	return ix
}

// buildPostings lays every product's terms out as posting lists, in
// catalog order, in one array: the lists are counted first, so that each
// is a slice of it with room for nothing more than splitCompounds adds.
func (ix *Index) buildPostings(keys []string, all []*prodTerms) {
	count := make([]int32, len(keys))
	total, distinct := 0, 0
	for _, pt := range all {
		for _, t := range pt.terms {
			if count[t.id] == 0 {
				distinct++
			}
			count[t.id]++
		}
		total += len(pt.terms)
	}
	flat := make([]posting, total)
	start := make([]int32, len(keys))
	at := int32(0)
	for id, n := range count {
		start[id] = at
		at += n
	}
	fill := slices.Clone(start)
	for i, pt := range all {
		for _, t := range pt.terms {
			flat[fill[t.id]] = newPosting(int32(i), t.weight)
			fill[t.id]++
		}
	}
	ix.postings = newPostingMap(ix.table.seed, distinct)
	for id, n := range count {
		if n > 0 {
			s := start[id]
			ix.postings.set(keys[id], flat[s:s+n:s+n])
		}
	}
}

// strongConcepts returns, for each concept key ("@lamp") that some
// product has in its name, tags or category, those products in catalog
// order: one pass over the products instead of one per concept.
func (ix *Index) strongConcepts() map[string][]int {
	keys := ix.table.snapshot()
	out := map[string][]int{}
	for i, in := range ix.infos {
		for _, id := range in.strong {
			if k := keys[id]; k[0] == '@' {
				out[k] = append(out[k], i)
			}
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
// that "tea cups" finds it as "teacups" finds "Set of six tea cups". It
// records the words each product gets in ix.split; layPostings adds
// their postings. A product prev shares keeps prev's words unless one of
// its cuts is a word the catalog has come to know or ceased to (changed).
func (ix *Index) splitCompounds(keys []string, prev *Index, from []int32, changed []string) {
	ix.split = make([][]string, len(ix.infos))
	var ids arena[uint32]
	tt := ix.table
	tt.mu.Lock()
	defer tt.mu.Unlock()
	known := func(w string) bool {
		id, ok := tt.lookup(w)
		return ok && int(id) < len(keys) && ix.counts.known[id] > 0
	}
	for i, in := range ix.infos {
		if len(in.cuts) == 0 {
			continue
		}
		if prev != nil && from[i] >= 0 && !cutsAny(in.cuts, changed) {
			ix.split[i] = prev.split[from[i]]
			ix.docs[i].strong = prev.docs[from[i]].strong
			continue
		}
		var parts []uint32
		has := func(id uint32) bool {
			return hasID(in.strong, id) && !slices.Contains(in.splitIn, id) || slices.Contains(parts, id)
		}
		eachCut(in.cuts, func(a, b string) bool {
			if !known(a) || !known(b) {
				return true
			}
			ia, _ := tt.lookup(a)
			ib, _ := tt.lookup(b)
			if has(ia) && has(ib) {
				return true
			}
			for _, part := range []uint32{ia, ib} {
				if !has(part) {
					parts = append(parts, part)
				}
			}
			return true
		})
		if len(parts) > 0 {
			ix.split[i] = make([]string, len(parts))
			for k, id := range parts {
				ix.split[i][k] = tt.keys[id] // the table's copy
			}
		}
		switch {
		case prev == nil || from[i] < 0:
			// in is new: its strong may take the words.
			if len(parts) > 0 {
				in.strong = withIDs(&ids, in.strong, nil, parts)
				ix.docs[i].strong = in.strong
			}
			in.splitIn = ids.clone(parts)
		case !slices.Equal(parts, in.splitIn):
			ix.docs[i].strong = withIDs(&ids, in.strong, in.splitIn, parts)
		}
	}
}

// cutsAny reports whether some cut of packed is cut into one of words.
func cutsAny(packed string, words []string) bool {
	if len(words) == 0 {
		return false
	}
	found := false
	eachCut(packed, func(a, b string) bool {
		found = slices.Contains(words, a) || slices.Contains(words, b)
		return !found
	})
	return found
}

// buildKinds computes kinds, reading each product's concepts once.
func (ix *Index) buildKinds(keys []string) {
	ix.kinds = map[string][]bool{}
	ix.kindCount = map[string]int{}
	type lists struct {
		key                string
		strong, structured []int
	}
	var all []*lists
	of := map[uint32]*lists{} // by id
	for _, c := range concepts {
		if c.kind != productKind {
			continue
		}
		l := &lists{key: conceptKey(c.id)}
		all = append(all, l)
		ix.table.mu.Lock()
		id, ok := ix.table.lookup(l.key)
		ix.table.mu.Unlock()
		if ok && int(id) < len(keys) {
			of[id] = l
		}
	}
	for i, in := range ix.infos {
		for _, id := range in.strong {
			if keys[id][0] != '@' {
				continue
			}
			if l := of[id]; l != nil {
				l.strong = append(l.strong, i)
			}
		}
		for _, id := range in.structured {
			if keys[id][0] != '@' {
				continue
			}
			if l := of[id]; l != nil {
				l.structured = append(l.structured, i)
			}
		}
	}
	for _, l := range all {
		docs := l.strong
		if len(l.structured) > 0 {
			docs = l.structured // declared: only declaring products are of it
		}
		in := make([]bool, len(ix.docs))
		for _, d := range docs {
			in[d] = true
		}
		ix.kinds[l.key] = in
		ix.kindCount[l.key] = len(docs)
	}
}

// buildVocab gathers the words a misspelling may be corrected to: the
// lexicon's and the stop words (prev's when there is one: they depend on
// the lexicon alone), then the catalog's, changed from prev's by the
// words that came or went (d).
func (ix *Index) buildVocab(keys []string, prev *Index, d countDelta) {
	c := &ix.counts
	inVocab := func(id uint32) bool { return c.known[id] > 0 || c.descr[id] > 0 }
	if prev != nil {
		ix.vocabFixed = prev.vocabFixed
		var came, went []string
		for _, ids := range [][]uint32{d.known, d.descr} {
			for _, id := range ids {
				w := keys[id]
				was := prev.counts.has(id)
				switch now := inVocab(id); {
				case now && !was && !ix.vocabFixed[w] && !slices.Contains(came, w):
					came = append(came, w)
				case !now && was && !ix.vocabFixed[w] && !slices.Contains(went, w):
					went = append(went, w)
				}
			}
		}
		if len(came) == 0 && len(went) == 0 {
			ix.vocab = prev.vocab
			return
		}
		ix.vocab = &vocabulary{fixed: prev.vocab.fixed, words: mergeWords(prev.vocab.words, came, went)}
		return
	}
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
	ix.vocabFixed = seen
	// Catalog words come from names, tags, categories and attributes only:
	// descriptions are full of ordinary words ("made", "works") that a
	// misspelling of another ordinary word would land on.
	var words []string
	for id := range keys {
		if inVocab(uint32(id)) && !seen[keys[id]] {
			words = append(words, keys[id])
		}
	}
	slices.Sort(words)
	ix.vocab.words = words
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

// mergeWords returns the sorted words less went, with came (unsorted, none
// of them in words) put in their places: a patch of a sorted word list that
// an update changed by a few words.
func mergeWords(words, came, went []string) []string {
	slices.Sort(came)
	out := make([]string, 0, len(words)+len(came))
	for _, w := range words {
		for len(came) > 0 && came[0] < w {
			out, came = append(out, came[0]), came[1:]
		}
		if !slices.Contains(went, w) {
			out = append(out, w)
		}
	}
	return append(out, came...)
}
