package catalog

import (
	"cmp"
	"slices"
)

// The top-k by weight combination: what topCovered returns after every
// posting is summed, found by reading the products in the order they can
// be kept instead of in catalog order.
//
// A product's score and the words it covers depend only on the weight
// each query word has in it (name, tags, description, or absent): every
// product with the same weights scores the same float64, summed in the
// query's word order as search sums it. So the combinations of weights
// are listed first, without reading a posting, and ordered by the words
// they cover, then by score; the products of a combination are the
// intersection of its words' lists of those weights (listBound.byWeight),
// without the words it lacks, read in catalog order. Walking the
// combinations best first, the first product that passes the filters
// fixes the most covered (no later combination covers more), and once the
// top is full nothing that scores less, or as much but later in the
// catalog, is read.
//
// This is where the bounded walk (bounded.go) gives up: "warm bedside
// lamp" has its best of "warm" (bulbs named warm), of "bedside" and of
// "lamp" on different products, so no per-word bound parts the lamps
// from the rest until every one is read. Here the combination "warm in
// the name, bedside and lamp in the name", which no product has, is one
// intersection found empty, and the next one gives the top.

// maxComboWords is the most query words whose weight combinations are
// listed (each has up to three weights or none: 4⁴ combinations).
const maxComboWords = 4

// weightCombo is one weight per query word: pick[j] is the class of
// word j (-1 when the products lack it).
type weightCombo struct {
	pick  [maxComboWords]int8
	cov   int
	score float64
}

// topByWeights returns what topCovered returns after every posting of
// lists is summed, for a query without typed SKUs; false when it does
// not apply (a word with split products or weights other than name, tag
// and description, too many words) or reads more than summing would.
func (ix *Index) topByWeights(lists []wordList, pass, fits func(int) bool, skuDocs []int, s Sort, limit int) ([]scored, bool) {
	top, ok, _ := ix.topByWeightsTried(lists, pass, fits, skuDocs, s, limit)
	return top, ok
}

// topByWeightsTried is topByWeights; tried is false when it does not
// apply, true when it does, answered or not (past its budget, the
// bounded walk would not save the sum either: see searchDocs).
func (ix *Index) topByWeightsTried(lists []wordList, pass, fits func(int) bool, skuDocs []int, s Sort, limit int) (top []scored, ok, tried bool) {
	if len(skuDocs) > 0 || len(lists) == 0 || len(lists) > maxComboWords || limit <= 0 {
		return nil, false, false
	}
	classes := make([][]cursor, len(lists))
	total := 0
	for j, l := range lists {
		cs, ok := weightClasses(l)
		if !ok {
			return nil, false, false
		}
		classes[j] = cs
		total += len(l.ps)
	}
	combos := listCombos(lists, classes)
	top = make([]scored, 0, limit+1)
	insert := func(f scored) {
		if len(top) == limit && ix.compare(f, top[limit-1], s) >= 0 {
			return
		}
		i, _ := slices.BinarySearchFunc(top, f, func(a, b scored) int { return ix.compare(a, b, s) })
		top = slices.Insert(top, i, f)
		if len(top) > limit {
			top = top[:limit]
		}
	}
	// full reports whether the top is full and keeps nothing that scores
	// score and comes at doc or later.
	full := func(score float64, doc int) bool {
		if len(top) < limit {
			return false
		}
		last := top[limit-1]
		return score < last.score || score == last.score && doc > last.doc
	}
	// Past a budget, the combinations cost more than the sum: a step (a
	// product of a combination's rarest list sought in the others, or of
	// one of two classes whose meeting is walked) costs a few times what
	// adding a posting does, so half the postings bound the loss.
	budget := total/2 + 64
	steps := 0
	most := -1
	in := make([]cursor, 0, len(lists))
	out := make([]cursor, 0, len(lists))
	// Two classes that no product has together empty every combination
	// with both: each pair is walked once ("warm" in a name and "lamp"
	// in a name, when only bulbs are named warm).
	pairs := newPairs(classes)
	for _, cb := range combos {
		if most >= 0 && cb.cov < most || full(cb.score, -1) {
			break // combos are ordered: none after covers more or scores more
		}
		if !pairs.meet(&cb, len(lists), &steps) {
			if steps > budget {
				return nil, false, true
			}
			continue
		}
		in, out = in[:0], out[:0]
		for j, k := range cb.pick[:len(lists)] {
			if k >= 0 {
				in = append(in, classes[j][k])
			} else {
				out = append(out, classes[j]...)
			}
		}
		// The rarest list leads; the others are sought.
		slices.SortFunc(in, func(a, b cursor) int { return cmp.Compare(a.len(), b.len()) })
		for i := range in {
			in[i].moveTo(0)
		}
		for i := range out {
			out[i].moveTo(0)
		}
		for d := in[0].cur; d != endDoc; d = in[0].cur {
			if steps++; steps > budget {
				return nil, false, true
			}
			if next := intersect(in, d); next != d {
				in[0].seek(next)
				continue
			}
			in[0].moveTo(in[0].at + 1)
			if onAny(out, d) {
				continue // another combination's
			}
			i := int(d)
			if full(cb.score, i) {
				break // the rest of the combination comes later
			}
			if !pass(i) {
				continue
			}
			if most < 0 {
				most = cb.cov
			}
			if fits(i) {
				insert(scored{doc: i, score: cb.score})
			}
		}
	}
	return top, true, true
}

// pairs remembers, for two classes of different words, whether some
// product is in both.
type pairs struct {
	classes [][]cursor
	at      []int  // the first class of each word in known
	known   []int8 // by pair of classes: 0 not yet walked, 1 they meet, -1 not
	n       int
}

func newPairs(classes [][]cursor) *pairs {
	p := &pairs{classes: classes, at: make([]int, len(classes))}
	for j, cs := range classes {
		p.at[j] = p.n
		p.n += len(cs)
	}
	p.known = make([]int8, p.n*p.n)
	return p
}

// meet reports whether every two classes of cb's words meet, walking the
// pairs not yet known; each step a product read counts in steps.
func (p *pairs) meet(cb *weightCombo, words int, steps *int) bool {
	for a := 0; a < words; a++ {
		if cb.pick[a] < 0 {
			continue
		}
		for b := a + 1; b < words; b++ {
			if cb.pick[b] < 0 {
				continue
			}
			i, j := p.at[a]+int(cb.pick[a]), p.at[b]+int(cb.pick[b])
			if p.known[i*p.n+j] == 0 {
				p.known[i*p.n+j] = -1
				if meets(p.classes[a][cb.pick[a]], p.classes[b][cb.pick[b]], steps) {
					p.known[i*p.n+j] = 1
				}
			}
			if p.known[i*p.n+j] < 0 {
				return false
			}
		}
	}
	return true
}

// meets reports whether some product is on both x and y (copies: their
// places do not matter), counting the products read in steps.
func meets(x, y cursor, steps *int) bool {
	x.moveTo(0)
	y.moveTo(0)
	for x.cur != endDoc && y.cur != endDoc {
		*steps++
		switch {
		case x.cur == y.cur:
			return true
		case x.cur < y.cur:
			x.seek(y.cur)
		default:
			y.seek(x.cur)
		}
	}
	return false
}

// intersect seeks in[1:] to d and returns d when all are at it, else
// the product the first that passed it is at (endDoc past its end).
func intersect(in []cursor, d int32) int32 {
	for k := 1; k < len(in); k++ {
		in[k].seek(d)
		if in[k].cur != d {
			return in[k].cur
		}
	}
	return d
}

// onAny reports whether product d is on one of the cursors out, which
// only move forward: d rises through a combination's walk.
func onAny(out []cursor, d int32) bool {
	for i := range out {
		out[i].seek(d)
		if out[i].cur == d {
			return true
		}
	}
	return false
}

// weightClasses returns a word list's products by weight, each a cursor
// with its weight w: the build's byWeight lists, the list itself when its
// postings all have one weight, or a short list split here. False when
// the list has split products (a second posting for a product) or a
// weight that is not a field's.
func weightClasses(l wordList) ([]cursor, bool) {
	if len(l.split) > 0 || len(l.main) == 0 {
		return nil, false
	}
	lb := l.bound
	var cs []cursor
	switch {
	case lb.byWeight[0] != nil || lb.byWeight[1] != nil || lb.byWeight[2] != nil:
		for i := len(lb.byWeight) - 1; i >= 0; i-- {
			if len(lb.byWeight[i]) > 0 {
				cs = append(cs, cursor{docs: lb.byWeight[i], w: float32(i + 1)})
			}
		}
	case lb.uniform:
		cs = append(cs, cursor{ps: l.main, w: lb.max})
	case len(l.main) < boundedLen:
		var by [3][]int32
		for _, p := range l.main {
			if p.weight() != weightDescription && p.weight() != weightTag && p.weight() != weightName {
				return nil, false
			}
			by[int(p.weight())-1] = append(by[int(p.weight())-1], p.doc())
		}
		for i := len(by) - 1; i >= 0; i-- {
			if len(by[i]) > 0 {
				cs = append(cs, cursor{docs: by[i], w: float32(i + 1)})
			}
		}
	default:
		return nil, false
	}
	return cs, true
}

// listCombos returns every combination of one class (or none) per word
// but the empty one, with the words it covers and its score summed as
// search sums a product's, most covered first, then best scored.
func listCombos(lists []wordList, classes [][]cursor) []weightCombo {
	var out []weightCombo
	var pick [maxComboWords]int8
	var rec func(j int)
	rec = func(j int) {
		if j == len(lists) {
			cb := weightCombo{pick: pick}
			any := false
			for w, k := range pick[:len(lists)] {
				if k < 0 {
					continue
				}
				any = true
				wt := classes[w][k].w
				cb.score += float64(wt) * lists[w].f
				if wt > weightDescription {
					cb.cov++
				}
			}
			if any {
				out = append(out, cb)
			}
			return
		}
		for k := -1; k < len(classes[j]); k++ {
			pick[j] = int8(k)
			rec(j + 1)
		}
	}
	rec(0)
	slices.SortStableFunc(out, func(a, b weightCombo) int {
		if a.cov != b.cov {
			return cmp.Compare(b.cov, a.cov)
		}
		return cmp.Compare(b.score, a.score)
	})
	return out
}
