package catalog

import (
	"math"
	"math/bits"
)

// Counting the facets. Each product found adds one to the buckets it is
// in (facetTable's fixed layout, then the price bands), a variant group
// once per bucket. A product in no group adds only to its category's and
// its values' buckets, and to local counts of the total and the stock:
// the buckets of the products with an attribute, with a number or
// another value are sums of its values' buckets, made once at the end
// (finish), which spares the loop the increments of a few counters that
// every product would add to one after the other.
//
// When a search finds most of a large catalog, the catalog's own counts
// (facetTable.full, counted once per table) less those of the products
// not found cost less than counting the products found: each product
// found then costs a bit, its price band and its stock, and only the
// products not found have their category and values read. Both ways give
// the same counts.

// complementMin is the smallest catalog counted by its complement: below
// it, counting what was found is as fast as the bit set.
const complementMin = 4096

// Buckets of the fixed layout (facetTable.layout).
const (
	totalB = 0
	stockB = 1
	catB   = 2
)

// facetCounts are the counters of one faceted search: counts of the
// products in no group, grouped of the variant groups, added up by
// finish.
type facetCounts struct {
	ix      *Index
	t       *facetTable
	counts  []int32
	grouped []int32
	cuts    []int64
	bandB   int
	// seen holds bucket<<32|group for the groups already counted in a
	// bucket: a group counts once in each.
	seen map[uint64]bool
}

// layout gives the fixed buckets their places: the total, in stock, each
// category, then for each counted attribute attrNums buckets and one per
// value. It also notes, beside each product's values, which of those
// buckets they add to (valCode), and counts full.
func (t *facetTable) layout() {
	t.attrSlot = make([]int32, len(t.attrs))
	n := int32(catB + len(t.cats))
	for a, fa := range t.attrs {
		t.attrSlot[a] = -1
		if fa.counted {
			t.attrSlot[a] = n
			n += int32(attrNums + len(fa.values))
		}
	}
	t.fixed = int(n)
	t.valCode = make([]uint8, len(t.vals))
	t.valSlot = make([]int32, len(t.vals))
	for i, v := range t.vals {
		fa := t.attrs[v.attr]
		t.valSlot[i] = -1
		if fa.counted {
			t.valSlot[i] = t.attrSlot[v.attr] + attrNums + v.val
		}
		switch {
		case !fa.counted:
		case fa.nums == nil:
			t.valCode[i] = codeCounted
		case math.IsNaN(fa.nums[v.val]):
			t.valCode[i] = codeCounted | codeOther
		default:
			t.valCode[i] = codeCounted | codeNumber
		}
	}
	t.full = make([]int32, t.fixed)
	for d := range t.docCat {
		if t.docGroup[d] < 0 {
			t.addValues(t.full, d, 1)
		}
	}
}

// What a product's value adds to (facetTable.valCode).
const (
	codeCounted = 1 << iota // the attribute is counted
	codeNumber              // a number of the attribute's kind
	codeOther               // not one, of an attribute with numbers
)

// addValues adds delta to the category and value buckets of product d,
// which is in no group.
func (t *facetTable) addValues(counts []int32, d int, delta int32) {
	if c := t.docCat[d]; c >= 0 {
		counts[catB+int(c)] += delta
	}
	for _, b := range t.valSlot[t.valStart[d]:t.valStart[d+1]] {
		if b >= 0 {
			counts[b] += delta
		}
	}
}

// band returns the bucket of the price band of product d.
func (c *facetCounts) band(d int) int {
	band := 0
	for band < len(c.cuts) && c.ix.docs[d].price >= c.cuts[band] {
		band++
	}
	return c.bandB + band
}

// group counts product d of group g in every bucket it is in, unless
// another of the group's products already counted there.
func (c *facetCounts) group(d int, g int32) {
	add := func(b int) {
		k := uint64(b)<<32 | uint64(g)
		if !c.seen[k] {
			c.seen[k] = true
			c.grouped[b]++
		}
	}
	t := c.t
	add(totalB)
	if c.ix.docs[d].available {
		add(stockB)
	}
	if cat := t.docCat[d]; cat >= 0 {
		add(catB + int(cat))
	}
	add(c.band(d))
	for i := t.valStart[d]; i < t.valStart[d+1]; i++ {
		code := t.valCode[i]
		if code == 0 {
			continue
		}
		b := int(t.attrSlot[t.vals[i].attr])
		add(b)
		switch {
		case code&codeNumber != 0:
			add(b + 1)
		case code&codeOther != 0:
			add(b + 2)
		}
		add(int(t.valSlot[i]))
	}
}

// forward counts the products found one by one.
func (c *facetCounts) forward(found []scored) {
	t, docs, counts := c.t, c.ix.docs, c.counts
	var total, stock int32
	for _, s := range found {
		d := s.doc
		if g := t.docGroup[d]; g >= 0 {
			c.group(d, g)
			continue
		}
		total++
		if docs[d].available {
			stock++
		}
		counts[c.band(d)]++
		t.addValues(counts, d, 1)
	}
	counts[totalB] += total
	counts[stockB] += stock
}

// complement counts the products found as the catalog's counts less
// those of the products not found; in is a cleared bit set of at least
// one bit per product, left set.
func (c *facetCounts) complement(found []scored, in []uint64) {
	t, docs, counts := c.t, c.ix.docs, c.counts
	copy(counts, t.full)
	var total, stock int32
	for _, s := range found {
		d := s.doc
		in[d>>6] |= 1 << (d & 63)
		if g := t.docGroup[d]; g >= 0 {
			c.group(d, g)
			continue
		}
		total++
		if docs[d].available {
			stock++
		}
		counts[c.band(d)]++
	}
	counts[totalB] += total
	counts[stockB] += stock
	n := len(t.docCat)
	for w := 0; w*64 < n; w++ {
		out := ^in[w]
		if rest := n - w*64; rest < 64 {
			out &= 1<<rest - 1
		}
		for out != 0 {
			d := w*64 + bits.TrailingZeros64(out)
			out &= out - 1
			if t.docGroup[d] < 0 {
				t.addValues(counts, d, -1)
			}
		}
	}
}

// finish sums the values' buckets of the products in no group into their
// attributes' (with it, with a number, with another value), then adds
// the groups' counts.
func (c *facetCounts) finish() {
	for a, fa := range c.t.attrs {
		b := int(c.t.attrSlot[a])
		if b < 0 {
			continue
		}
		var with, nums, other int32
		for v, n := range c.counts[b+attrNums : b+attrNums+len(fa.values)] {
			with += n
			switch {
			case fa.nums == nil:
			case math.IsNaN(fa.nums[v]):
				other += n
			default:
				nums += n
			}
		}
		c.counts[b], c.counts[b+1], c.counts[b+2] = with, nums, other
	}
	for i, n := range c.grouped {
		c.counts[i] += n
	}
}

// count counts the facets of the products found, into counts of the
// fixed layout followed by one bucket per price band.
func (ix *Index) count(found []scored, cuts []int64, complement bool) []int32 {
	t := ix.facetTable()
	c := &facetCounts{ix: ix, t: t, counts: make([]int32, t.fixed+len(cuts)+1), cuts: cuts, bandB: t.fixed}
	if t.groups > 0 {
		c.seen = map[uint64]bool{}
		c.grouped = make([]int32, len(c.counts))
	}
	if !complement {
		c.forward(found)
		c.finish()
		return c.counts
	}
	words := (len(ix.docs) + 63) / 64
	var buf *[]uint64
	if ix.facets != nil {
		buf, _ = ix.facets.bits.Get().(*[]uint64)
	}
	if buf == nil || len(*buf) < words {
		buf = &[]uint64{}
		*buf = make([]uint64, words)
	}
	c.complement(found, (*buf)[:words])
	c.finish()
	clear(*buf)
	if ix.facets != nil {
		ix.facets.bits.Put(buf)
	}
	return c.counts
}

// byComplement reports whether counting found by its complement costs
// less: most of a large catalog.
func (ix *Index) byComplement(found []scored) bool {
	return len(ix.docs) >= complementMin && 2*len(found) > len(ix.docs)
}
