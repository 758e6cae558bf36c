package catalog

import (
	"math"
	"slices"
)

// The bounded top-k: what search gives when it sums every posting of the
// query's words then keeps the best covered (topCovered), found without
// reading every posting. A generic word ("lampe", "lamp", "台灯") reaches
// a third of a large lamp shop, yet a search keeps a few products: those
// with the most of the query's words in their name, tags or attributes,
// best score first, then in catalog order.
//
// The products are visited in catalog order, every list at once (one
// cursor per sorted part of a word's list), as WAND does: the cursors are
// ordered by the product they are at, and their bounds (how many words a
// product there can cover, and the most it can score: each part's best
// weight times its word's idf) are added up in that order until they
// could beat the last product kept. A product before that point is on
// the cursors counted only, so it cannot be kept: they jump past it.
// Once the products kept cover as many words as any product could and
// score as high, nothing is read any more; a product read later comes
// after them in catalog order, so an equal score does not displace them.
//
// The result is the same product for product and score for score:
//   - a product's score is summed as search sums it (word by word in the
//     query's order, each list's catalog part before its split words'
//     part, the typed SKU's boost last), so the same float64;
//   - a bound is summed in that same order from numbers no smaller than
//     the product's, and float addition is monotonic, so the bound is
//     never below the score it bounds;
//   - what topCovered keeps does not depend on the order it sees the
//     products in (the most covered is the maximum over the products
//     that pass; the top the best by compare among those that cover
//     that many and fit), so products it would have dropped may be
//     skipped, and products whose SKU was typed are read first.

// maxBoundedLists is the most word lists the bounded top-k takes (each
// gives up to four cursors, three weights and the split words, sorted at
// every step): a longer query sums its postings.
const maxBoundedLists = 16

// wordList is one query word's postings, split where layPostings split
// them: the catalog-ordered part, then the products splitCompounds gave
// the word (always in their name), also in catalog order.
type wordList struct {
	ps          []posting
	main, split []posting
	f           float64 // idf, typo factor included
	bound       *listBound
}

func (ix *Index) wordList(k string, ps []posting, f float64) wordList {
	n := len(ix.splitDocs[k])
	main := ps[:len(ps)-n]
	return wordList{ps: ps, main: main, split: ps[len(ps)-n:], f: f, bound: ix.mainBound(k, main)}
}

// strong reports whether some product has the word in its name, tags or
// attributes.
func (l wordList) strong() bool { return l.bound.max > weightDescription || len(l.split) > 0 }

// cursor walks one sorted part of a word list: postings, or the products
// of one weight w (listBound.byWeight).
type cursor struct {
	ps   []posting
	docs []int32
	w    float32
	at   int
	cur  int32 // the product at at, endDoc past the end
	f    float64
	// word is the list's place in the query, split whether the cursor
	// walks its split words' part: a product is on at most one cursor of
	// a list's catalog part, so the bound of a word is the best of them.
	word  int
	split bool
	// ub is the most a product can score here (best weight × f), cov 1
	// when a product here can cover the word.
	ub  float64
	cov int
}

const endDoc = math.MaxInt32

func (c *cursor) len() int { return max(len(c.ps), len(c.docs)) }

func (c *cursor) docAt(i int) int32 {
	if c.ps != nil {
		return c.ps[i].doc()
	}
	return c.docs[i]
}

func (c *cursor) weightAt(i int) float32 {
	if c.ps != nil {
		return c.ps[i].weight()
	}
	return c.w
}

func (c *cursor) doc() int32 { return c.cur }

// moveTo puts c at place i.
func (c *cursor) moveTo(i int) {
	c.at = i
	if i < c.len() {
		c.cur = c.docAt(i)
	} else {
		c.cur = endDoc
	}
}

// find returns the first place at or after from whose product is at or
// after d, galloping: the cursors of a generic word jump far.
func (c *cursor) find(from int, d int32) int {
	n := c.len()
	if from >= n || c.docAt(from) >= d {
		return from
	}
	lo, step := from, 1
	hi := lo + step
	for hi < n && c.docAt(hi) < d {
		lo = hi
		step *= 2
		hi = lo + step
	}
	hi = min(hi, n)
	// docAt(lo) < d; the answer is in (lo, hi].
	l, r := lo+1, hi
	for l < r {
		m := int(uint(l+r) >> 1)
		if c.docAt(m) < d {
			l = m + 1
		} else {
			r = m
		}
	}
	return l
}

func (c *cursor) seek(d int32) { c.moveTo(c.find(c.at, d)) }

// cursors returns the cursors of lists, in their order: for each list,
// its catalog part by weight when its bound has it so, else whole, then
// its split words.
func cursors(lists []wordList) []cursor {
	cs := make([]cursor, 0, 2*len(lists))
	for j, l := range lists {
		if lb := l.bound; lb.byWeight[0] != nil || lb.byWeight[1] != nil || lb.byWeight[2] != nil {
			for i := len(lb.byWeight) - 1; i >= 0; i-- {
				if w := float32(i + 1); len(lb.byWeight[i]) > 0 {
					cs = append(cs, cursor{docs: lb.byWeight[i], w: w, f: l.f, word: j, ub: float64(w) * l.f, cov: b2i(w > weightDescription)})
				}
			}
		} else if len(l.main) > 0 {
			cs = append(cs, cursor{ps: l.main, f: l.f, word: j, ub: float64(lb.max) * l.f, cov: b2i(lb.max > weightDescription)})
		}
		if len(l.split) > 0 {
			cs = append(cs, cursor{ps: l.split, f: l.f, word: j, split: true, ub: float64(weightName) * l.f, cov: 1})
		}
	}
	return cs
}

// topBounded returns what topCovered returns after every posting of lists
// and the typed SKUs' boost are summed (see the comment at the top).
//
// It gives up (false) when the bounds do not save reading the lists.
func (ix *Index) topBounded(lists []wordList, pass, fits func(int) bool, skuDocs []int, s Sort, limit int) ([]scored, bool) {
	cs := cursors(lists)
	for i := range cs {
		cs[i].moveTo(0)
	}
	most := 0
	top := make([]scored, 0, limit+1)
	cmp := func(a, b scored) int { return ix.compare(a, b, s) }
	insert := func(f scored) {
		if len(top) == limit && cmp(f, top[limit-1]) >= 0 {
			return
		}
		i, _ := slices.BinarySearchFunc(top, f, cmp)
		top = slices.Insert(top, i, f)
		if len(top) > limit {
			top = top[:limit]
		}
	}
	// The typed SKUs first: they stay whatever they cover, and count in
	// the most covered when they pass.
	var typed []scored
	for _, d := range skuDocs {
		c, score := scoreOf(cs, int32(d))
		score += skuBoost
		if !pass(d) {
			continue
		}
		most = max(most, c)
		if fits(d) {
			typed = append(typed, scored{doc: d, score: score})
		}
	}
	// beats reports whether a product whose bounds are c and ub could
	// be kept or raise the most covered. The products read come in
	// catalog order, so one that scores as much as the last kept comes
	// after it.
	beats := func(c int, ub float64) bool {
		switch {
		case c != most:
			return c > most
		case len(top) < limit:
			return true
		}
		return ub > top[limit-1].score
	}
	ord := make([]int, len(cs))
	for i := range ord {
		ord[i] = i
	}
	mainCov, splitCov := make([]int, len(lists)), make([]int, len(lists))
	mainUB, splitUB := make([]float64, len(lists)), make([]float64, len(lists))
	// When the bounds do not part the products (the best of every word
	// is never on one product, so the walk visits every product the
	// rarest of them reaches), stepping through the cursors costs more
	// than summing the lists: past a budget, sum them.
	budget := 0
	for _, l := range lists {
		budget += len(l.ps)
	}
	budget = budget/32 + 64
	for steps := 0; ; steps++ {
		if steps > budget {
			return nil, false
		}
		// Insertion sort: the cursors move a little at each step.
		for i := 1; i < len(ord); i++ {
			for j := i; j > 0 && cs[ord[j]].cur < cs[ord[j-1]].cur; j-- {
				ord[j], ord[j-1] = ord[j-1], ord[j]
			}
		}
		// The bound of the first cursors, grown one at a time: per word,
		// the best of its catalog part's cursors (a product is on one)
		// plus its split words', summed in the words' order as a
		// product's score is.
		pivot := -1
		for w := range mainCov {
			mainCov[w], mainUB[w], splitCov[w], splitUB[w] = 0, 0, 0, 0
		}
		for j, ci := range ord {
			cu := &cs[ci]
			if cu.cur == endDoc {
				break
			}
			if w := cu.word; cu.split {
				splitCov[w], splitUB[w] = cu.cov, cu.ub
			} else {
				mainCov[w], mainUB[w] = max(mainCov[w], cu.cov), max(mainUB[w], cu.ub)
			}
			c, ub := 0, 0.0
			for w := range mainCov {
				c, ub = c+mainCov[w], ub+mainUB[w]
				c, ub = c+splitCov[w], ub+splitUB[w]
			}
			if beats(c, ub) {
				pivot = j
				break
			}
		}
		if pivot < 0 {
			break
		}
		d := cs[ord[pivot]].doc()
		if cs[ord[0]].doc() != d {
			// No product before d is on enough cursors to be kept.
			for _, ci := range ord[:pivot] {
				cs[ci].seek(d)
			}
			continue
		}
		c, score := 0, 0.0
		for i := range cs {
			cu := &cs[i]
			for cu.cur == d {
				w := cu.weightAt(cu.at)
				score += float64(w) * cu.f
				if w > weightDescription {
					c++
				}
				cu.moveTo(cu.at + 1)
			}
		}
		i := int(d)
		// As topCovered: the bound first, then the filters, which have no
		// effect on a product that cannot be kept.
		if len(skuDocs) > 0 && slices.Contains(skuDocs, i) || c < most || c == most && len(top) == limit && score <= top[limit-1].score {
			continue
		}
		if !pass(i) {
			continue
		}
		if c > most {
			most = c
			top = top[:0]
		}
		if fits(i) {
			insert(scored{doc: i, score: score})
		}
	}
	for _, f := range typed {
		insert(f)
	}
	return top, true
}

// scoreOf sums what the cursors' lists give product d, in their order,
// as search sums it, and counts the words it covers.
func scoreOf(cs []cursor, d int32) (int, float64) {
	c, score := 0, 0.0
	for i := range cs {
		cu := &cs[i]
		for j := cu.find(0, d); j < cu.len() && cu.docAt(j) == d; j++ {
			w := cu.weightAt(j)
			score += float64(w) * cu.f
			if w > weightDescription {
				c++
			}
		}
	}
	return c, score
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
