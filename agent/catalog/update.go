package catalog

import (
	"maps"
	"slices"

	"github.com/conciergehq/concierge"
)

// Update returns the index of products, which are ix's products after a
// change, and whether it kept ix's terms. Prices and stock change many
// times a day, names seldom: when the products are ix's, in the same
// order, with the same names, descriptions, category, tags, attributes,
// group and digital flag, and only prices, stock or fields the index does
// not read changed, the new index shares all of ix's terms, postings and
// vocabulary and copies only the per-product prices and stock (a few
// dozen bytes a product), and Update reports true.
//
// Otherwise (a product renamed, added, withdrawn or moved) it analyses
// only the products whose indexed fields differ from ix's product of the
// same SKU, reuses ix's analysis of the others, and assembles the index
// again from them: the result is New's on the same products, for a
// fraction of its cost. When the change alters the lexicon itself (a new
// proper name that is a stop word, a capital letter after a word, see
// lexiconWith), moves products the index had before each other, or the
// locales differ, every product is analysed again with New.
//
// changed, when not nil, lists the SKUs that may differ from ix's, and
// only those are compared field by field; nil compares every product.
// ix is left as it is: searches running on it are not disturbed.
func (ix *Index) Update(products []concierge.Product, locales []concierge.Locale, changed []concierge.SKU) (*Index, bool) {
	if !slices.Equal(locales, ix.locales) {
		return New(products, locales), false
	}
	if ix.sameText(products, changed) {
		nx := *ix
		nx.products = products
		nx.docs = slices.Clone(ix.docs)
		for i := range products {
			nx.docs[i].price = products[i].Price.Minor
			nx.docs[i].available = products[i].Stock > 0 || products[i].Digital
		}
		return &nx, true
	}
	return ix.reanalyse(products), false
}

// reanalyse is Update's way when the indexed text changed: it reuses
// ix's prodInfo of every product whose indexed fields are unchanged.
func (ix *Index) reanalyse(products []concierge.Product) *Index {
	was := make(map[concierge.SKU]int, len(ix.products))
	for i := range ix.products {
		was[ix.products[i].SKU] = i
	}
	infos := make([]*prodInfo, len(products))
	from := make([]int32, len(products))
	keep, letters := make([][]string, len(products)), make([][]string, len(products))
	shared := sharedLexicon()
	for i := range products {
		if j, ok := was[products[i].SKU]; ok && sameIndexed(&ix.products[j], &products[i]) {
			infos[i], from[i] = ix.infos[j], int32(j)
			keep[i], letters[i] = infos[i].keep(), infos[i].letters()
			continue
		}
		from[i] = -1
		keep[i], letters[i] = lexiconParts(shared, &products[i])
	}
	lx, kw := lexiconWith(keep, letters)
	if !slices.Equal(kw, ix.keep) || !maps.Equal(lx.letters, ix.lx.letters) {
		// The analysis of every product depends on the lexicon.
		return New(products, ix.locales)
	}
	if !inOrder(from) {
		// A reordered catalog: every posting list changes anyway.
		return New(products, ix.locales)
	}
	// The terms of the products that changed, new and old: the old
	// version is analysed again (the same lexicon gives the same terms).
	ts := termsOf{added: map[int32]*prodTerms{}, removed: map[int32]*prodTerms{}}
	kept := make([]bool, len(ix.products))
	an := newAnalyser(ix.lx, ix.locales, ix.table)
	ix.table.mu.Lock()
	for i := range products {
		if infos[i] == nil {
			infos[i], ts.added[int32(i)] = an.analyseProduct(&products[i], keep[i], letters[i])
		} else {
			kept[from[i]] = true
		}
	}
	for j := range ix.products {
		if !kept[j] {
			_, ts.removed[int32(j)] = an.analyseProduct(&ix.products[j], ix.infos[j].keep(), ix.infos[j].letters())
		}
	}
	ix.table.mu.Unlock()
	return assemble(products, ix.locales, ix.lx, ix.keep, ix.table, infos, ix, from, ts)
}

// sameText reports whether products are ix's with the same indexed text:
// the same SKUs in the same order, and, for changed (all when nil), the
// same fields the index reads apart from price and stock.
func (ix *Index) sameText(products []concierge.Product, changed []concierge.SKU) bool {
	if len(products) != len(ix.products) {
		return false
	}
	for i := range products {
		if products[i].SKU != ix.products[i].SKU {
			return false
		}
	}
	if changed == nil {
		for i := range products {
			if !sameIndexed(&ix.products[i], &products[i]) {
				return false
			}
		}
		return true
	}
	for _, sku := range changed {
		i, ok := ix.skus[compact(Fold(string(sku)))]
		if !ok || ix.products[i].SKU != sku || !sameIndexed(&ix.products[i], &products[i]) {
			return false
		}
	}
	return true
}

// sameIndexed reports whether a and b agree on every field New reads but
// the price and the stock.
func sameIndexed(a, b *concierge.Product) bool {
	return a.SKU == b.SKU && a.Category == b.Category && a.Group == b.Group && a.Digital == b.Digital &&
		maps.Equal(a.Name, b.Name) && maps.Equal(a.Description, b.Description) &&
		maps.Equal(a.Attrs, b.Attrs) && slices.Equal(a.Tags, b.Tags)
}

// termCounts count, per term id, the products whose prodInfo gives the
// term a role: a word of the name, tags or category (known, the words
// splitCompounds cuts into), of the tags, category or attributes (descr,
// never a proper name), a written literal, a key of nameNums. A set made
// of those with a count is changed by the products that changed instead
// of being gathered again from every product.
type termCounts struct {
	known, descr, written, nums []int32
	// common counts the products with several Latin names that have
	// the word in one only: it is no proper name (buildNames).
	common []int32
}

// has reports whether id is a word of the vocabulary.
func (c *termCounts) has(id uint32) bool {
	return int(id) < len(c.known) && (c.known[id] > 0 || c.descr[id] > 0)
}

// countDelta lists the ids whose count went from 0 or to 0 (some may have
// come back).
type countDelta struct {
	known, descr, written, nums, common []uint32
}

// countTerms counts ix's terms (n of them, and nums keys of nameNums),
// from prev's counts and the products that changed when prev is not nil.
func (ix *Index) countTerms(n, nums int, prev *Index, ts termsOf) countDelta {
	c := &ix.counts
	var d countDelta
	if prev == nil {
		c.known, c.descr, c.written, c.nums, c.common = make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, nums), make([]int32, n)
		for i, in := range ix.infos {
			c.add(in, ts.all[i], 1, nil)
		}
		return d
	}
	grow := func(a []int32, n int) []int32 {
		out := make([]int32, n)
		copy(out, a)
		return out
	}
	p := &prev.counts
	c.known, c.descr, c.written, c.nums, c.common = grow(p.known, n), grow(p.descr, n), grow(p.written, n), grow(p.nums, nums), grow(p.common, n)
	for i, pt := range ts.added {
		c.add(ix.infos[i], pt, 1, &d)
	}
	for j, pt := range ts.removed {
		c.add(prev.infos[j], pt, -1, &d)
	}
	return d
}

// add adds sign to the counts of in's terms, noting in d (when not nil)
// those that left or reached 0.
func (c *termCounts) add(in *prodInfo, pt *prodTerms, sign int32, d *countDelta) {
	step := func(count []int32, ids []uint32, moved *[]uint32) {
		for _, id := range ids {
			was := count[id]
			count[id] += sign
			if d != nil && (was == 0) != (count[id] == 0) {
				*moved = append(*moved, id)
			}
		}
	}
	var dk, dd, dw, dn, dc *[]uint32
	if d != nil {
		dk, dd, dw, dn, dc = &d.known, &d.descr, &d.written, &d.nums, &d.common
	}
	step(c.known, pt.strongWords, dk)
	step(c.descr, pt.structWords, dd)
	step(c.written, pt.written, dw)
	step(c.nums, pt.nums, dn)
	if in.latin > 1 {
		var common []uint32
		for _, w := range in.nameCounts {
			if w.n == 1 {
				common = append(common, w.word)
			}
		}
		step(c.common, common, dc)
	}
}

// knownWords returns the words that joined or left the words of names,
// tags and categories (counts.known) since prev.
func (d countDelta) knownWords(keys []string, prev *Index, ix *Index) []string {
	var out []string
	for _, id := range d.known {
		was := int(id) < len(prev.counts.known) && prev.counts.known[id] > 0
		if now := ix.counts.known[id] > 0; now != was && !slices.Contains(out, keys[id]) {
			out = append(out, keys[id])
		}
	}
	return out
}

// layPostings sets ix.postings and ix.splitDocs: each term's products in
// catalog order, then those splitCompounds gave it. When every product
// prev shares is where it was in prev, only the lists of the terms of the
// products that changed, or whose split words did, are made again;
// otherwise prev's lists are renumbered (remap).
func (ix *Index) layPostings(keys []string, prev *Index, from []int32, ts termsOf) {
	if prev == nil || !samePlaces(from) {
		if prev == nil {
			ix.buildPostings(keys, ts.all)
		} else {
			ix.remapPostings(keys, prev, from, ts)
		}
		ix.splitDocs = map[string][]int32{}
		for i, parts := range ix.split {
			for _, w := range parts {
				ix.postings.set(w, append(ix.postings.get(w), newPosting(int32(i), weightName)))
				ix.splitDocs[w] = append(ix.splitDocs[w], int32(i))
			}
		}
		return
	}
	// termsChanged[i]: product i's terms may differ from prev's i;
	// splitChanged[i]: its split words may.
	termsChanged := make(map[int32]bool)
	splitChanged := make(map[int32]bool)
	affected := map[string]bool{}
	for i := range max(len(ix.infos), len(prev.infos)) {
		if i < len(ix.infos) && i < len(prev.infos) && from[i] == int32(i) {
			if !slices.Equal(ix.split[i], prev.split[i]) {
				splitChanged[int32(i)] = true
				for _, w := range ix.split[i] {
					affected[w] = true
				}
				for _, w := range prev.split[i] {
					affected[w] = true
				}
			}
			continue
		}
		termsChanged[int32(i)], splitChanged[int32(i)] = true, true
		if i < len(prev.infos) {
			for _, t := range ts.removed[int32(i)].terms {
				affected[keys[t.id]] = true
			}
			for _, w := range prev.split[i] {
				affected[w] = true
			}
		}
		if i < len(ix.infos) {
			for _, t := range ts.added[int32(i)].terms {
				affected[keys[t.id]] = true
			}
			for _, w := range ix.split[i] {
				affected[w] = true
			}
		}
	}
	added := ts.addedByTerm(keys)
	splitAdded := map[string][]int32{}
	for i := range int32(len(ix.infos)) {
		if splitChanged[i] {
			for _, w := range ix.split[i] {
				splitAdded[w] = append(splitAdded[w], i)
			}
		}
	}
	ix.postings = prev.postings.clone()
	ix.splitDocs = maps.Clone(prev.splitDocs)
	for k := range affected {
		old := prev.postings.get(k)
		oldSplit := prev.splitDocs[k]
		main := old[:len(old)-len(oldSplit)]
		list := make([]posting, 0, len(main)+len(added[k])+len(oldSplit)+len(splitAdded[k]))
		list = mergePostings(list, main, added[k], termsChanged)
		var split []int32
		for _, d := range mergeDocs(oldSplit, splitAdded[k], splitChanged) {
			split = append(split, d)
			list = append(list, newPosting(d, weightName))
		}
		ix.postings.set(k, list)
		if len(split) == 0 {
			delete(ix.splitDocs, k)
		} else {
			ix.splitDocs[k] = split
		}
	}
}

// addedByTerm returns the postings of the products in ts.added, by term,
// in catalog order.
func (ts termsOf) addedByTerm(keys []string) map[string][]posting {
	places := slices.Sorted(maps.Keys(ts.added))
	out := map[string][]posting{}
	for _, i := range places {
		for _, t := range ts.added[i].terms {
			k := keys[t.id]
			out[k] = append(out[k], newPosting(i, t.weight))
		}
	}
	return out
}

// remapPostings sets ix.postings, without the split words, from prev's:
// the postings of the products prev shares, at their new places (in the
// same order, see inOrder), with those of the products that are new or
// changed.
func (ix *Index) remapPostings(keys []string, prev *Index, from []int32, ts termsOf) {
	place := make([]int32, len(prev.infos)) // in ix, or -1
	for j := range place {
		place[j] = -1
	}
	for i, j := range from {
		if j >= 0 {
			place[j] = int32(i)
		}
	}
	added := ts.addedByTerm(keys)
	ix.postings = newPostingMap(prev.postings.seed, prev.postings.len()+len(added))
	prev.postings.each(func(k string, old []posting) {
		main := old[:len(old)-len(prev.splitDocs[k])]
		more := added[k]
		list := make([]posting, 0, len(main)+len(more))
		for _, p := range main {
			at := place[p.doc()]
			if at < 0 {
				continue
			}
			for len(more) > 0 && more[0].doc() < at {
				list, more = append(list, more[0]), more[1:]
			}
			list = append(list, newPosting(at, p.weight()))
		}
		list = append(list, more...)
		delete(added, k)
		ix.postings.set(k, list)
	})
	for k, list := range added {
		ix.postings.set(k, list)
	}
}

// inOrder reports whether the products shared with the index before
// (from[i] >= 0) are in the order they had there.
func inOrder(from []int32) bool {
	last := int32(-1)
	for _, j := range from {
		if j >= 0 {
			if j < last {
				return false
			}
			last = j
		}
	}
	return true
}

// samePlaces reports whether every product the new index shares with
// prev is at the index it had there.
func samePlaces(from []int32) bool {
	for i, j := range from {
		if j >= 0 && j != int32(i) {
			return false
		}
	}
	return true
}

// mergePostings appends to out the postings of old whose product did not
// change and those of added, in catalog order.
func mergePostings(out, old, added []posting, changed map[int32]bool) []posting {
	for _, p := range old {
		if changed[p.doc()] {
			continue
		}
		for len(added) > 0 && added[0].doc() < p.doc() {
			out, added = append(out, added[0]), added[1:]
		}
		out = append(out, p)
	}
	return append(out, added...)
}

// mergeDocs is mergePostings for lists of products.
func mergeDocs(old, added []int32, changed map[int32]bool) []int32 {
	var out []int32
	for _, d := range old {
		if changed[d] {
			continue
		}
		for len(added) > 0 && added[0] < d {
			out, added = append(out, added[0]), added[1:]
		}
		out = append(out, d)
	}
	return append(out, added...)
}

// sortedNames returns the keys of names sorted: prev's name words with
// those that came and went when there is prev, which saves sorting them
// all again.
func sortedNames(names map[string][]int, prev *Index) []string {
	if prev == nil {
		return sortedKeys(names)
	}
	var came []string
	for w := range names {
		if _, ok := prev.names[w]; !ok {
			came = append(came, w)
		}
	}
	slices.Sort(came)
	words := make([]string, 0, len(names))
	for _, w := range prev.nameWords.words {
		for len(came) > 0 && came[0] < w {
			words, came = append(words, came[0]), came[1:]
		}
		if _, ok := names[w]; ok {
			words = append(words, w)
		}
	}
	return append(words, came...)
}

// mapSKUs sets ix.skus: prev's with the SKUs of the products that changed
// when the others kept their places, else from every product. The last
// product with a compact SKU has it, as in a map filled in catalog order.
func (ix *Index) mapSKUs(prev *Index, from []int32) {
	if prev == nil || !samePlaces(from) {
		ix.skus = make(map[string]int, len(ix.infos))
		for i, in := range ix.infos {
			if in.skuKey != "" {
				ix.skus[in.skuKey] = i
			}
		}
		return
	}
	var touched []string
	for i := range max(len(ix.infos), len(prev.infos)) {
		if i < len(ix.infos) && i < len(prev.infos) && from[i] == int32(i) {
			continue
		}
		if i < len(prev.infos) {
			touched = append(touched, prev.infos[i].skuKey)
		}
		if i < len(ix.infos) {
			touched = append(touched, ix.infos[i].skuKey)
		}
	}
	ix.skus = maps.Clone(prev.skus)
	for _, k := range touched {
		delete(ix.skus, k)
	}
	for i, in := range ix.infos {
		if in.skuKey != "" && slices.Contains(touched, in.skuKey) {
			ix.skus[in.skuKey] = i
		}
	}
}

// changedPlaces returns, when the products ix shares with prev kept
// their places, the places whose product is new, changed or gone.
func changedPlaces(ix, prev *Index, from []int32) []int {
	var out []int
	for i := range max(len(ix.infos), len(prev.infos)) {
		if i >= len(ix.infos) || i >= len(prev.infos) || from[i] != int32(i) {
			out = append(out, i)
		}
	}
	return out
}

// patchNames is buildNames' ix.names and ix.nameWords from prev's when
// the products prev shares kept their places: only the words of the
// products that changed, and those that became or ceased to be a tag or
// attribute (counts.descr) or a plain word of some name (counts.common),
// are looked at again.
func (ix *Index) patchNames(keys []string, prev *Index, from []int32, d countDelta) {
	affected := map[uint32][]int{} // word → products it names
	for _, i := range changedPlaces(ix, prev, from) {
		for _, infos := range [][]*prodInfo{prev.infos, ix.infos} {
			if i < len(infos) {
				for _, c := range infos[i].nameCounts {
					affected[c.word] = nil
				}
			}
		}
	}
	for _, id := range append(slices.Clone(d.descr), d.common...) {
		affected[id] = nil
	}
	ix.names = maps.Clone(prev.names)
	if len(affected) == 0 {
		ix.nameWords = prev.nameWords
		return
	}
	for i, in := range ix.infos {
		for _, c := range in.nameCounts {
			if docs, ok := affected[c.word]; ok && (c.n >= 2 || in.latin == 1) {
				affected[c.word] = append(docs, i)
			}
		}
	}
	var came, went []string
	for id, docs := range affected {
		w := keys[id]
		_, was := prev.names[w]
		if len(docs) == 0 || ix.counts.descr[id] > 0 || ix.counts.common[id] > 0 {
			delete(ix.names, w)
			if was {
				went = append(went, w)
			}
			continue
		}
		ix.names[w] = docs
		if !was {
			came = append(came, w)
		}
	}
	if len(came) == 0 && len(went) == 0 {
		ix.nameWords = prev.nameWords
		return
	}
	ix.nameWords = newVocabulary(mergeWords(prev.nameWords.words, came, went))
}
