package catalog

import (
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
)

// skuBoost is added to a product whose SKU the query spells out.
const skuBoost = 10.0

// typoFactor discounts a match found by correcting a misspelling.
const typoFactor = 0.8

// Search returns the products matching q, best first (or in q.Sort order).
//
// Every known word of the text counts: a product scores for each word by
// the best field it appears in (name, then tags, category and attributes,
// then description), weighted by how rare the word is. Words that mean a
// kind of product ("lamp", "灯泡", "abat-jour") are required: a product
// must be of one of the kinds asked for, so "lampe" returns lamps, not the
// shade described as "for bedside lamps". Words the catalog does not know
// are ignored, unless no word is known, in which case nothing matches.
func (ix *Index) Search(q Query) []Hit {
	terms, unknown := ix.queryTerms(q.Text)
	return ix.search(q, terms, unknown)
}

// search is Search with the query's terms already read.
func (ix *Index) search(q Query, terms []term, unknown int) []Hit {
	return ix.searchBy(q, terms, unknown, anyPath)
}

// topPath says how a search with a limit, by relevance, finds its top:
// every way gives the same hits, which tests check.
type topPath uint8

const (
	// anyPath tries the weight combinations (combos.go), then the
	// bounded walk (bounded.go), then sums every posting.
	anyPath topPath = iota
	// sumPath sums every posting of the query's words.
	sumPath
	// walkPath tries the bounded walk, then sums.
	walkPath
	// comboPath tries the weight combinations, then sums.
	comboPath
)

// searchBy is search, finding the top by path.
func (ix *Index) searchBy(q Query, terms []term, unknown int, path topPath) []Hit {
	found := ix.searchDocs(q, terms, unknown, path)
	hits := make([]Hit, len(found))
	for i, f := range found {
		hits[i] = Hit{SKU: ix.products[f.doc].SKU, Score: f.score}
	}
	return hits
}

// searchDocs is searchBy's products found, by index; unordered when
// q.unsorted (facets.go).
func (ix *Index) searchDocs(q Query, terms []term, unknown int, path topPath) []scored {
	folded := Fold(q.Text)
	skuDocs := ix.skuMentions(folded)
	words := len(terms) > 0 || len(skuDocs) > 0
	if !words && unknown > 0 {
		return nil
	}
	var types []string
	// other is set when a word that is not a kind of product finds some
	// product by its name, tags or attributes.
	other := false
	lists := make([]wordList, 0, len(terms))
	for _, t := range terms {
		ps := ix.postings.get(t.key)
		if len(ps) == 0 {
			continue
		}
		f := ix.idf(len(ps))
		if t.typo {
			f *= typoFactor
		}
		l := ix.wordList(t.key, ps, f)
		if t.kind == conceptTerm && ix.lx.kinds[t.key[1:]] == productKind {
			types = append(types, t.key)
		} else {
			other = other || l.strong()
		}
		lists = append(lists, l)
	}
	// The bounded top-k gives what summing every posting then topCovered
	// give, reading only the postings that can change the answer; it
	// orders by score, so the price sorts and the unlimited search sum.
	bounded := path != sumPath && q.Limit > 0 && q.Sort != PriceAsc && q.Sort != PriceDesc && len(lists) > 0 && len(lists) <= maxBoundedLists
	// acc sums each product's score and counts the query's words it has
	// in its name, tags or attributes: a description's passing mention
	// does not count.
	var acc *accum
	sum := func() {
		acc = ix.acquire()
		for _, l := range lists {
			for _, p := range l.ps {
				acc.add(p.doc(), float64(p.weight())*l.f)
				if p.weight() > weightDescription && acc.covered[p.doc()] < 255 {
					acc.covered[p.doc()]++
				}
			}
		}
		for _, d := range skuDocs {
			acc.add(int32(d), skuBoost)
		}
	}
	defer func() {
		if acc != nil {
			ix.release(acc)
		}
	}()
	if !bounded {
		sum()
	}
	var ofKind *kindFilter
	if len(types) > 0 {
		// A product whose whole Chinese name was typed is of the kind
		// asked for, whatever a word inside it means ("蜂蜜润唇膏" is a
		// lip balm, though "唇膏" alone is a lipstick).
		ofKind = ix.ofKind(types, append(skuDocs, ix.hanWholeDocs(folded)...))
		if other && !ix.anyOfKind(types, ofKind) {
			// The shop has no product of the kind, and the other words
			// find products: the kind word was a purpose ("AirPods,
			// they're gifts for my kids"), not what to show.
			ofKind = nil
		}
	}
	category := Fold(q.Category)
	excluded := ix.excluded(q.Exclude, terms)
	extra := ix.filters(q)
	pass := func(i int) bool {
		d := &ix.docs[i]
		switch {
		case excluded != nil && excluded[i]:
		case category != "" && d.category != category:
		case q.PriceMax > 0 && d.price > q.PriceMax:
		case q.PriceMin > 0 && d.price < q.PriceMin:
		case q.InStockOnly && !d.available:
		case ofKind != nil && !ofKind.has(i):
		case extra != nil && !extra(i):
		default:
			return true
		}
		return false
	}
	found := q.found[:0]
	if q.Limit > 0 {
		// withoutOtherMeasures, one product at a time, after the most
		// covered is counted.
		asked := askedMeasures(folded)
		fits := func(i int) bool { return len(asked) == 0 || ix.fitsMeasures(i, asked) }
		ok, tried := false, false
		if bounded && path != walkPath {
			found, ok, tried = ix.topByWeightsTried(lists, pass, fits, skuDocs, q.Sort, q.Limit)
		}
		if bounded && !tried && path != comboPath {
			found, ok = ix.topBounded(lists, pass, fits, skuDocs, q.Sort, q.Limit)
		}
		if !ok {
			if acc == nil {
				sum()
			}
			found = ix.topCovered(acc, words, pass, fits, skuDocs, q.Sort, q.Limit)
		}
	} else {
		ix.candidates(acc, words, func(i int) {
			if pass(i) {
				found = append(found, scored{doc: i, score: acc.score[i]})
			}
		})
		found = keepBestCovered(found, acc.covered, skuDocs)
		// After: a contradicted size leaves nothing rather than promoting a
		// product found by the number alone.
		found = ix.withoutOtherMeasures(folded, found)
		if !q.unsorted {
			found = ix.best(found, q.Sort, q.Limit)
		}
	}
	return found
}

// scored is a product found, by its index.
type scored struct {
	doc   int
	score float64
}

// best orders products found and keeps the first limit (all if limit is
// 0); ties keep catalog order. A small limit over many products keeps a
// short sorted list instead of sorting everything.
func (ix *Index) best(found []scored, s Sort, limit int) []scored {
	cmp := func(a, b scored) int { return ix.compare(a, b, s) }
	if limit <= 0 || limit*4 > len(found) {
		slices.SortFunc(found, cmp)
		if limit > 0 && len(found) > limit {
			found = found[:limit]
		}
		return found
	}
	top := make([]scored, 0, limit+1)
	for _, f := range found {
		if len(top) == limit && cmp(f, top[limit-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, f, cmp)
		top = slices.Insert(top, i, f)
		if len(top) > limit {
			top = top[:limit]
		}
	}
	return top
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// queryTerms analyses query text, corrects misspelt words and drops words
// the catalog does not know, counting them. Each term appears once.
func (ix *Index) queryTerms(text string) (terms []term, unknown int) {
	raw := ix.joinSplit(ix.lx.analyze(Fold(text)))
	seen := make(map[string]bool, len(raw))
	add := func(t term) {
		if !seen[t.key] {
			seen[t.key] = true
			terms = append(terms, t)
		}
	}
	knownAt := map[int]bool{} // Han runs (by position) with a known term
	for _, t := range raw {
		if t.kind == hanGram && len(ix.postings.get(t.key)) > 0 || t.kind == conceptTerm {
			knownAt[t.pos] = true // a count ("一双") is no word of the kind
		}
	}
	for k, t := range raw {
		switch {
		case t.kind == conceptTerm, len(ix.postings.get(t.key)) > 0:
			// A concept is a shopping word even when no product has it.
			add(t)
		case t.kind == hanGram && !knownAt[t.pos] && (k+1 == len(raw) || raw[k+1].pos != t.pos):
			// A Chinese word no name writes ("蜂蜜" where names say
			// "洋槐蜜"): its last character, the kind it ends with,
			// finds the words of that kind (hanHeads).
			rs := []rune(t.key)
			if h := hanHeadKey(hanHead(rs)); len(rs) == 2 && len(ix.postings.get(h)) > 0 {
				add(term{key: h, kind: literal, pos: t.pos})
			} else {
				unknown++
			}
		case t.kind == hanGram:
			unknown++
		default:
			fixed, ok := ix.correct(t)
			if !ok {
				unknown++
			}
			for _, f := range fixed {
				add(f)
			}
		}
	}
	return terms, unknown
}

// joinSplit replaces two neighbouring words by the one word the catalog
// writes for them: "tea pot" is the teapot, "kettle bell" the kettlebell
// (names split the other way are joined at indexing, see joinedPairs).
func (ix *Index) joinSplit(raw []term) []term {
	for i := 0; i+1 < len(raw); i++ {
		a, b := raw[i], raw[i+1]
		if a.kind != literal || b.kind != literal || b.pos != a.pos+1 || a.word == "" || b.word == "" {
			continue
		}
		j := stem(a.word + b.word)
		if !ix.written.has(j) {
			continue
		}
		raw[i] = term{key: j, kind: literal, pos: a.pos, word: a.word + b.word}
		raw = append(raw[:i+1], raw[i+2:]...)
	}
	return raw
}

// correct returns what a Latin word the catalog does not know probably
// meant: the closest catalog or lexicon word within the typo tolerance for
// its length. A misspelt stop word yields no term but counts as corrected.
func (ix *Index) correct(t term) ([]term, bool) {
	// The word as typed first: the stem of a misspelling can be wrong
	// ("deks" is not the plural of "dek").
	w, ok := ix.closest(t.word, ix.vocab)
	if !ok && t.word != t.key {
		w, ok = ix.closest(t.key, ix.vocab)
	}
	if !ok {
		return nil, false
	}
	switch w.from {
	case fromStop:
		return nil, true
	case fromLexicon:
		var out []term
		for _, p := range ix.lx.phrases[w.word] {
			if len(p.stems) == 1 {
				for _, c := range p.concepts {
					out = append(out, term{key: conceptKey(c), kind: conceptTerm, pos: t.pos, typo: true})
				}
			}
		}
		return out, len(out) > 0
	}
	return []term{{key: w.word, kind: literal, pos: t.pos, typo: true, word: t.word}}, true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// skuMentions returns the products whose SKU appears in folded text, as a
// word ("lamp-02", "LAMP02") or two ("lamp 02").
func (ix *Index) skuMentions(folded string) []int {
	if len(ix.skus) == 0 || !strings.ContainsFunc(folded, func(r rune) bool { return r >= '0' && r <= '9' }) {
		return nil
	}
	var out []int
	toks := tokenize(folded)
	for i := range toks {
		if toks[i].han {
			continue
		}
		if d, n, ok := ix.joinedSKU(toks, i); ok && !slices.Contains(out, d) && (n > 1 || hasDigit(toks[i].text)) {
			out = append(out, d)
		}
	}
	return out
}

// hanWholeDocs returns the products whose whole Chinese name the folded
// text contains (hanWhole).
func (ix *Index) hanWholeDocs(folded string) []int {
	if len(ix.hanWhole) == 0 {
		return nil
	}
	var out []int
	seen := map[int]bool{}
	for _, t := range tokenize(folded) {
		if !t.han {
			continue
		}
		for _, m := range ix.wholeHanNames(t.text, 0, nil) {
			for _, d := range m.docs {
				if !seen[d] {
					seen[d] = true
					out = append(out, d)
				}
			}
		}
	}
	return out
}

// Finds reports whether searching for text would find any of skus by
// their name, tags, category or attributes: whether the text describes
// those products, or asks for another kind of product ("des ampoules pour
// la Zénith" does not find the Zénith, a lamp). It looks at those
// products only, so it costs the same on any catalog.
func (ix *Index) Finds(text string, skus []concierge.SKU) bool {
	terms, _ := ix.queryTerms(text)
	return ix.finds(terms, skus)
}

func (ix *Index) finds(terms []term, skus []concierge.SKU) bool {
	var types []string
	for _, t := range terms {
		if t.kind == conceptTerm && ix.lx.kinds[t.key[1:]] == productKind && len(ix.postings.get(t.key)) > 0 {
			types = append(types, t.key)
		}
	}
	for _, sku := range skus {
		d, ok := ix.skus[compact(Fold(string(sku)))]
		if !ok {
			continue
		}
		if len(types) > 0 && !slices.ContainsFunc(types, func(k string) bool { return ix.kinds[k][d] }) {
			continue
		}
		for _, t := range terms {
			if ix.hasKey(ix.docs[d].strong, t.key) || ix.hasKey(ix.infos[d].structured, t.key) {
				return true
			}
		}
	}
	return false
}

// DescribedOnly reports whether query finds sku only through its
// description: no word of it is in the product's name, tags, category or
// attributes ("une imprimante" and a ream "for printers"). Such a product
// is related to what was asked, not what was asked.
func (ix *Index) DescribedOnly(query string, sku concierge.SKU) bool {
	terms, _ := ix.queryTerms(query)
	return len(terms) > 0 && !ix.finds(terms, []concierge.SKU{sku}) && ix.spells(terms, sku) == 0
}

// keepBestCovered keeps the products that have as many of the query's
// words in their name, tags or attributes as the best of them (a product
// that only mentions them in its description goes when another has them): for "glass teapot" the glass teapot, not the
// cast-iron one that is only a teapot; for "green tea" green teas, not a
// black tea nor tea cups. Every stated word is a wish; a product missing
// one the best product has contradicts or ignores it. A product whose SKU
// was typed always stays.
func keepBestCovered(found []scored, covered []uint8, skuDocs []int) []scored {
	var most uint8
	for _, f := range found {
		most = max(most, covered[f.doc])
	}
	if most == 0 {
		return found
	}
	out := found[:0]
	for _, f := range found {
		if covered[f.doc] == most || slices.Contains(skuDocs, f.doc) {
			out = append(out, f)
		}
	}
	return out
}

// excluded returns which products have a word of the ruled-out text that
// the query itself does not ask for, or nil when nothing is ruled out.
func (ix *Index) excluded(text string, asked []term) map[int]bool {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	if parts := strings.Split(text, ExcludeSep); len(parts) > 1 {
		// "不要S号也不要L号": each part rules out its own products.
		var out map[int]bool
		for _, part := range parts {
			if ex := ix.excluded(part, asked); ex != nil {
				if out == nil {
					out = ex
					continue
				}
				for i, x := range ex {
					out[i] = out[i] || x
				}
			}
		}
		return out
	}
	neg, _ := ix.queryTerms(text)
	// A product is ruled out when it has every word of what was ruled out
	// that some product has: "not the 100 ml one" is the 100 ml bottle,
	// not every bottle measured in ml.
	var count map[int]uint8
	n := 0
	for _, t := range neg {
		if slices.ContainsFunc(asked, func(a term) bool { return a.key == t.key }) {
			continue
		}
		has := false
		for _, p := range ix.postings.get(t.key) {
			if p.weight() > weightDescription {
				if count == nil {
					count = map[int]uint8{}
				}
				if count[int(p.doc())] < 255 {
					count[int(p.doc())]++
				}
				has = true
			}
		}
		if has {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make(map[int]bool, len(count))
	ruled := measures(Fold(text))
	dropped := 0
	for d, c := range count {
		// "not the 5.5 m": the 4.5 m cover has a 5 and an m, but not
		// that measure.
		out[d] = int(c) == n && (len(ruled) == 0 || ix.writesMeasure(d, ruled))
		if out[d] {
			dropped++
		}
	}
	if dropped <= maxWithoutChecks {
		// "Not the one with the headrest": the chair "without headrest"
		// only names it to say it has none. Its names are read, so only
		// when few products are ruled out (a product told from its
		// sibling, not every black thing of a large catalog).
		for d, x := range out {
			if x && ix.namesWithout(d, neg) {
				out[d] = false
			}
		}
	}
	return out
}

// maxWithoutChecks bounds how many ruled-out products excluded reads the
// names of.
const maxWithoutChecks = 64

// withoutWords say that a product lacks what the next word names.
var withoutWords = map[string]bool{"without": true, "sans": true, "no": true, "non": true, "无": true, "不带": true, "免": true}

// namesWithout reports whether product doc's names write the words of
// neg only after a word that says it lacks them ("Ergo office chair
// without headrest", "Ergo人体工学椅 无头枕"), and write them somewhere.
func (ix *Index) namesWithout(doc int, neg []term) bool {
	may := false
	for _, name := range ix.products[doc].Name {
		may = may || mayWriteWithout(name)
	}
	if !may {
		return false // spare the analysis: most names say no "without"
	}
	keys := map[string]bool{}
	for _, t := range neg {
		keys[t.key] = true
	}
	seen := false
	for _, name := range ix.products[doc].Name {
		toks := tokenize(Fold(name))
		terms := ix.nameTerms(name)
		ruled := make([]bool, len(toks)) // tokens that write a ruled-out word
		for _, t := range terms {
			if keys[t.key] && t.pos >= 0 && t.pos < len(toks) {
				ruled[t.pos] = true
			}
		}
		for _, t := range terms {
			if !keys[t.key] || t.pos < 0 || t.pos >= len(toks) {
				continue
			}
			seen = true
			tok := toks[t.pos]
			if !tok.han {
				// "sans appui-tête": the negation before the phrase.
				j := t.pos - 1
				for j >= 0 && ruled[j] && !toks[j].han {
					j--
				}
				if j < 0 || !withoutWords[toks[j].text] {
					return false
				}
				continue
			}
			// Within a Han run: the characters before the word.
			w := t.word
			if w == "" {
				w = strings.TrimPrefix(t.key, "@")
			}
			k := strings.Index(tok.text, w)
			if k < 0 {
				return false
			}
			before := []rune(tok.text[:k])
			negated := len(before) >= 1 && withoutWords[string(before[len(before)-1:])] ||
				len(before) >= 2 && withoutWords[string(before[len(before)-2:])]
			if !negated {
				return false
			}
		}
	}
	return seen
}

// writesMeasure reports whether product doc writes one of ms in a name or
// an attribute.
func (ix *Index) writesMeasure(doc int, ms []measure) bool {
	p := &ix.products[doc]
	texts := make([]string, 0, len(p.Name)+len(p.Attrs))
	for _, n := range p.Name {
		texts = append(texts, n)
	}
	for _, v := range p.Attrs {
		texts = append(texts, v)
	}
	for _, t := range texts {
		for _, m := range measures(Fold(t)) {
			if slices.Contains(ms, m) {
				return true
			}
		}
	}
	return false
}

// ExcludeSep separates the parts of a Query.Exclude that were ruled out
// apart ("not the S, nor the L").
const ExcludeSep = " ; "

// Look is what one reading of a query finds: its category, whether it
// describes the products a message named, its best hits, and how much of
// the first hit's name it says.
type Look struct {
	Category string
	Finds    bool
	Hits     []Hit
	Spelled  float64
}

// LookUp reads query once and answers what CategoryOf, Finds, Search
// (with exclude and limit) and Spells of the first hit would: the parser
// asks all four of every message.
func (ix *Index) LookUp(query, exclude string, named []concierge.SKU, limit int) Look {
	terms, unknown := ix.queryTerms(query)
	l := Look{Category: ix.categoryOf(terms), Hits: ix.search(Query{Text: query, Exclude: exclude, Limit: limit}, terms, unknown)}
	if len(named) > 0 {
		l.Finds = ix.finds(terms, named)
	}
	if len(l.Hits) > 0 {
		l.Spelled = ix.spells(terms, l.Hits[0].SKU)
	}
	return l
}

// withoutNeedles are withoutWords as a name may write them, cased.
var withoutNeedles = []string{"without", "Without", "WITHOUT", "sans", "Sans", "SANS", "no ", "No ", "non ", "Non ", "无", "不带", "免"}

// mayWriteWithout reports whether name may write one of withoutWords,
// without folding it.
func mayWriteWithout(name string) bool {
	for _, n := range withoutNeedles {
		if strings.Contains(name, n) {
			return true
		}
	}
	return false
}
