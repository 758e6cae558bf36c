package catalog

import (
	"slices"
	"sync"
)

// accum holds one search's per-product sums. Its arrays are as long as
// the catalog but only the products the query's postings reach are
// touched, listed and cleared afterwards, so a search costs what its
// terms' posting lists hold, not the size of the catalog. Accums are
// reused through the index's pool.
type accum struct {
	score []float64
	// covered counts, per product, the query's words it has in its name,
	// tags or attributes.
	covered []uint8
	touched []int32
}

// scratch is what an index's searches read besides its postings: the
// pool of accums, and the bounds of the long posting lists (layBounds). A
// pointer, so that an Index may be copied: a copy that keeps the postings
// (Update of prices and stock) keeps their bounds.
type scratch struct {
	pool sync.Pool
	// bounds holds what the bounded top-k (bounded.go) reads of each
	// term whose catalog-ordered postings are at least boundedLen long,
	// instead of the postings themselves.
	bounds map[string]*listBound
}

// listBound is what layBounds keeps of a long posting list: its best
// field weight, the most a product there can score for the word, and,
// when the list mixes weights, its products by weight (byWeight[w-1],
// each in catalog order), so that the bounded top-k may skip the
// products that have a generic word in their description alone, or only
// in their tags, once it has found better.
type listBound struct {
	max      float32
	byWeight [3][]int32
	// uniform is set when every posting of the list has weight max
	// (byWeight is then empty: the list is its one weight's products).
	uniform bool
}

// boundedLen is the shortest posting list whose bound is kept: a shorter
// one is read whole when its bound is asked (mainBound), which costs
// about what a map entry saves, and most terms (each product's proper
// name) have short lists.
const boundedLen = 64

// layBounds sets the bounds of ix's posting lists, reusing prev's for
// the lists ix shares with it (Update keeps the lists of the words the
// changed products do not have): the build and Update call it after
// laying the postings, so the bounds always describe them.
func (ix *Index) layBounds(prev *Index) {
	b := map[string]*listBound{}
	ix.postings.each(func(k string, ps []posting) {
		n := len(ix.splitDocs[k])
		main := ps[:len(ps)-n]
		if len(main) < boundedLen {
			return
		}
		if prev != nil {
			// The same array and length: the same list (lists are never
			// written once laid; a changed one is a new array).
			if old := prev.postings.get(k); len(old) == len(ps) && &old[0] == &ps[0] && len(prev.splitDocs[k]) == n && prev.scratch.bounds[k] != nil {
				b[k] = prev.scratch.bounds[k]
				return
			}
		}
		b[k] = newListBound(main)
	})
	ix.scratch.bounds = b
}

func newListBound(main []posting) *listBound {
	lb := &listBound{max: maxWeight(main)}
	var n [3]int
	for _, p := range main {
		if p.weight() != weightDescription && p.weight() != weightTag && p.weight() != weightName {
			return lb // a weight of another kind: the list is walked whole
		}
		n[int(p.weight())-1]++
	}
	if slices.Contains(n[:], len(main)) {
		lb.uniform = true
		return lb // one weight: the list itself
	}
	for i := range n {
		lb.byWeight[i] = make([]int32, 0, n[i])
	}
	for _, p := range main {
		i := int(p.weight()) - 1
		lb.byWeight[i] = append(lb.byWeight[i], p.doc())
	}
	return lb
}

// maxWeight returns the best weight of ps (0 for none).
func maxWeight(ps []posting) float32 {
	var m float32
	for _, p := range ps {
		m = max(m, p.weight())
	}
	return m
}

// mainBound returns what layBounds keeps of term k's catalog-ordered
// postings main, or a bound made by reading them when they are short.
func (ix *Index) mainBound(k string, main []posting) *listBound {
	if b := ix.scratch.bounds[k]; b != nil {
		return b
	}
	return &listBound{max: maxWeight(main)}
}

func newScratch(n int) *scratch {
	s := &scratch{}
	s.pool.New = func() any { return &accum{score: make([]float64, n), covered: make([]uint8, n)} }
	return s
}

func (ix *Index) acquire() *accum { return ix.scratch.pool.Get().(*accum) }

// release clears what a search touched and returns the accum to the pool.
func (ix *Index) release(a *accum) {
	for _, d := range a.touched {
		a.score[d] = 0
		a.covered[d] = 0
	}
	a.touched = a.touched[:0]
	ix.scratch.pool.Put(a)
}

// add adds s to product d's score; every addition is positive, so a
// product is touched when its score leaves 0.
func (a *accum) add(d int32, s float64) {
	if a.score[d] == 0 {
		a.touched = append(a.touched, d)
	}
	a.score[d] += s
}

// kindFilter says which products are of one of the kinds a query asks
// for, or spelt out by SKU (see ofKind), without a list of the whole
// catalog.
type kindFilter struct {
	kinds []([]bool)
	extra []int
	// extraSet holds extra when it is long (a Chinese name typed whole
	// may name thousands of products).
	extraSet map[int]bool
}

func (ix *Index) ofKind(types []string, extra []int) *kindFilter {
	f := &kindFilter{extra: extra}
	if len(extra) > 16 {
		f.extraSet = make(map[int]bool, len(extra))
		for _, d := range extra {
			f.extraSet[d] = true
		}
	}
	for _, t := range types {
		if of := ix.kinds[t]; of != nil {
			f.kinds = append(f.kinds, of)
		}
	}
	return f
}

func (f *kindFilter) has(d int) bool {
	for _, of := range f.kinds {
		if of[d] {
			return true
		}
	}
	if f.extraSet != nil {
		return f.extraSet[d]
	}
	return slices.Contains(f.extra, d)
}

// any reports whether some product of the catalog passes the filter.
func (ix *Index) anyOfKind(types []string, f *kindFilter) bool {
	if len(f.extra) > 0 {
		return true
	}
	for _, t := range types {
		if ix.kindCount[t] > 0 {
			return true
		}
	}
	return false
}

// candidates calls fn with each product a search may return: those its
// words reach, or every product when it has none (filters alone).
func (ix *Index) candidates(a *accum, words bool, fn func(int)) {
	if words {
		for _, d := range a.touched {
			fn(int(d))
		}
		return
	}
	for i := range ix.docs {
		fn(i)
	}
}

// compare orders products found: by price first for the price sorts,
// then by score, best first, then in catalog order.
func (ix *Index) compare(a, b scored, s Sort) int {
	if s == PriceAsc || s == PriceDesc {
		// Read only for these sorts: the streaming top-k compares many
		// products, and each price is a load from another cache line.
		if pa, pb := ix.docs[a.doc].price, ix.docs[b.doc].price; pa != pb && s == PriceAsc {
			return cmpInt(pa, pb)
		} else if pa != pb {
			return cmpInt(pb, pa)
		}
	}
	switch {
	case a.score > b.score:
		return -1
	case a.score < b.score:
		return 1
	}
	return a.doc - b.doc
}

// topCovered returns what keepBestCovered, then dropping the products
// fits refuses, then best(limit) return for the candidates that pass,
// without listing them all: it keeps the first limit of those with the
// most words covered so far, starting again when a product covers more.
// A product whose SKU was typed stays whatever it covers but counts in
// the most covered, as in keepBestCovered; so does one fits refuses.
func (ix *Index) topCovered(a *accum, words bool, pass, fits func(int) bool, skuDocs []int, s Sort, limit int) []scored {
	var most uint8
	top := make([]scored, 0, limit+1)
	insert := func(f scored) {
		if len(top) == limit && ix.compare(f, top[limit-1], s) >= 0 {
			return
		}
		i, _ := slices.BinarySearchFunc(top, f, func(x, y scored) int { return ix.compare(x, y, s) })
		top = slices.Insert(top, i, f)
		if len(top) > limit {
			top = top[:limit]
		}
	}
	var typed []scored
	ix.candidates(a, words, func(i int) {
		c := a.covered[i]
		typedSKU := len(skuDocs) > 0 && slices.Contains(skuDocs, i)
		f := scored{doc: i, score: a.score[i]}
		// A product that covers fewer words than the most, or as many
		// but ranks after a full top's last, cannot be kept: pass and
		// fits (the filters, and the sizes in its names) are not asked
		// of it. They have no effect, and only a product that passes
		// raises the most, so the result is the same; on a generic word
		// most of a large catalog's products stop here.
		if !typedSKU && (c < most || c == most && len(top) == limit && ix.compare(f, top[limit-1], s) >= 0) {
			return
		}
		if !pass(i) {
			return
		}
		if c > most {
			most = c
			top = top[:0]
		}
		// fits reads the product's names (a size said in the query):
		// asked only of a product that could be kept.
		if c != most && !typedSKU || !fits(i) {
			return
		}
		if typedSKU {
			typed = append(typed, f)
		} else {
			insert(f)
		}
	})
	for _, f := range typed {
		insert(f)
	}
	return top
}
