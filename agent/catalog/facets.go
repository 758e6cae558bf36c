package catalog

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
)

// Facets and filters. Faceted searches as Search does and counts, over
// every product found (not only the Limit first), the categories, the
// values of the attributes (the variants' sizes and colours and any other
// attribute the catalog writes), price bands and the products in stock:
// concierge.Facets. Query.Categories and Query.Attrs are the filters
// that narrow a search to one of those values; PriceMin, PriceMax and
// InStockOnly the others.
//
// Nothing here knows what a colour or a size is: an attribute is what
// the catalog names it ("color", "couleur", "taille"), matched without
// regard to case or accents, and a value matches a filter written the
// same way or meaning the same to the lexicon ("blue" finds "bleu").

// Limits of what Faceted returns: a facet is an attribute with at most
// maxFacetValues values in the whole catalog (identifiers, links and
// free text are not facets, though they can still be filtered on), of
// which the maxShownValues commonest among the products found are
// returned, for at most maxFacetAttrs attributes. A value longer than
// maxValueRunes is text, not a value.
const (
	maxFacetValues = 100
	maxShownValues = 20
	maxFacetAttrs  = 12
	maxValueRunes  = 60
	// priceBands is how many bands prices are cut into, at most;
	// priceSample how many prices choose the cuts.
	priceBands  = 4
	priceSample = 4096
)

// facetTable is what facets and filters read of each product: its
// category's id, its attributes' value ids and its group. It depends
// only on the products' categories, attributes and groups, which an
// Update that keeps the index's text (prices and stock) does not change,
// so such an Update shares it. It is built on the index's first faceted
// or attribute-filtered search.
type facetTable struct {
	cats   []string // as first written, by id
	docCat []int32  // -1: no category
	attrs  []*facetAttr
	// The attribute values of product i are
	// vals[valStart[i]:valStart[i+1]].
	valStart []int32
	vals     []attrVal
	// docGroup is the group id of a product whose group has two products
	// or more, else -1; groups counts the groups.
	docGroup []int32
	groups   int
	// attrSlot is where each attribute's buckets start in the fixed
	// layout of the counts, -1 for an attribute not counted; fixed is
	// the layout's length; beside vals, valSlot is each value's bucket
	// (-1: not counted) and valCode which of its attribute's buckets it
	// adds to; full are the category and value counts of the catalog's
	// products in no group (facetcount.go).
	attrSlot []int32
	fixed    int
	valSlot  []int32
	valCode  []uint8
	full     []int32
}

// facetAttr is one attribute of the catalog and its values.
type facetAttr struct {
	name   string   // as first written
	values []string // as first written, by id
	folded []string
	terms  []string         // the one term a value analyses to, else ""
	byRaw  map[string]int32 // while building
	byFold map[string]int32 // while building
	axis   bool             // tells some group's variants apart
	facet  bool             // few enough values to be counted
	// nums are the values read as numbers of the attribute's kind, NaN
	// for the others; nil when none is a number (ranges.go). kind is
	// the base unit they are in, unit the unit most write.
	nums       []float64
	kind, unit string
	// counted: a facet, or numbers with a unit however many values
	// (a span is shown, not the values).
	counted bool
}

type attrVal struct{ attr, val int32 }

// facetCache builds an index's facetTable once, and keeps the buffers
// of the products found by faceted searches: on a large catalog a
// search may find most of it, and allocating that much memory anew
// costs more than counting it.
type facetCache struct {
	once  sync.Once
	table *facetTable
	found sync.Pool // *[]scored
	bits  sync.Pool // *[]uint64, cleared: facetCounts.complement
}

// facetTable returns the index's table, building it on first use.
func (ix *Index) facetTable() *facetTable {
	if ix.facets == nil { // an index not made by New
		return ix.buildFacetTable()
	}
	ix.facets.once.Do(func() { ix.facets.table = ix.buildFacetTable() })
	return ix.facets.table
}

func (ix *Index) buildFacetTable() *facetTable {
	n := len(ix.products)
	t := &facetTable{docCat: make([]int32, n), valStart: make([]int32, n+1), docGroup: make([]int32, n)}
	catID := map[string]int32{}
	attrID := map[string]int32{} // by the key as written, then folded
	axes := map[string]bool{}
	for _, ks := range ix.variants.axes {
		for _, k := range ks {
			axes[Fold(k)] = true
		}
	}
	groupID := map[string]int32{}
	for i := range ix.products {
		p := &ix.products[i]
		t.docCat[i] = -1
		if c := ix.docs[i].category; c != "" {
			id, ok := catID[c]
			if !ok {
				id = int32(len(t.cats))
				catID[c] = id
				t.cats = append(t.cats, strings.TrimSpace(p.Category))
			}
			t.docCat[i] = id
		}
		t.docGroup[i] = -1
		if p.Group != "" && len(ix.variants.groups[p.Group]) >= 2 {
			id, ok := groupID[p.Group]
			if !ok {
				id = int32(len(groupID))
				groupID[p.Group] = id
			}
			t.docGroup[i] = id
		}
		for k, v := range p.Attrs {
			v = strings.TrimSpace(v)
			if v == "" || utf8.RuneCountInString(v) > maxValueRunes {
				continue
			}
			a, ok := attrID[k]
			if !ok {
				fk := Fold(strings.TrimSpace(k))
				if a, ok = attrID["\x00"+fk]; !ok {
					a = int32(len(t.attrs))
					t.attrs = append(t.attrs, &facetAttr{name: strings.TrimSpace(k), byRaw: map[string]int32{}, byFold: map[string]int32{}, axis: axes[fk]})
					attrID["\x00"+fk] = a
				}
				attrID[k] = a
			}
			t.vals = append(t.vals, attrVal{a, t.attrs[a].value(ix.lx, v)})
		}
		t.valStart[i+1] = int32(len(t.vals))
	}
	t.groups = len(groupID)
	for _, a := range t.attrs {
		a.facet = len(a.values) <= maxFacetValues
		a.numbers()
		// Many bare numbers may be identifiers (GTIN, model numbers):
		// filtered by range, not shown.
		a.counted = a.facet || a.numeric() && a.unit != ""
		a.byRaw, a.byFold = nil, nil
	}
	t.layout()
	return t
}

// value returns the id of raw, a trimmed value of a, adding it.
func (a *facetAttr) value(lx *lexicon, raw string) int32 {
	if id, ok := a.byRaw[raw]; ok {
		return id
	}
	f := Fold(raw)
	id, ok := a.byFold[f]
	if !ok {
		id = int32(len(a.values))
		a.byFold[f] = id
		a.values = append(a.values, raw)
		a.folded = append(a.folded, f)
		a.terms = append(a.terms, oneTerm(lx, f))
	}
	a.byRaw[raw] = id
	return id
}

// oneTerm returns the term folded text analyses to when it is one term
// ("bleue" and "blue" are one colour), else "".
func oneTerm(lx *lexicon, folded string) string {
	if ts := lx.analyze(folded); len(ts) == 1 {
		return ts[0].key
	}
	return ""
}

// of returns product i's attribute values.
func (t *facetTable) of(i int) []attrVal { return t.vals[t.valStart[i]:t.valStart[i+1]] }

// filters returns what q.Categories, q.Attrs, q.Ranges and q.Measures
// keep, or nil when q has none. A category or attribute the catalog does
// not have keeps nothing: the shopper asked for it; so does a bad range
// (Check).
func (ix *Index) filters(q Query) func(int) bool {
	measured := ix.measureFilter(q)
	if len(q.Categories) == 0 && len(q.Attrs) == 0 && len(q.Ranges) == 0 {
		return measured
	}
	var cats map[string]bool
	if len(q.Categories) > 0 {
		cats = make(map[string]bool, len(q.Categories))
		for _, c := range q.Categories {
			cats[Fold(strings.TrimSpace(c))] = true
		}
	}
	type want struct {
		attr int32
		ok   []bool // by value id
	}
	var wants []want
	var t *facetTable
	if len(q.Attrs) > 0 || len(q.Ranges) > 0 {
		t = ix.facetTable()
		for _, k := range sortedKeys(q.Attrs) {
			if len(q.Attrs[k]) == 0 {
				continue // named with no value: no constraint
			}
			a := t.attr(k)
			if a < 0 {
				return func(int) bool { return false }
			}
			wants = append(wants, want{a, t.attrs[a].matching(ix.lx, q.Attrs[k])})
		}
		for _, k := range sortedKeys(q.Ranges) {
			sp, err := readRange(k, q.Ranges[k])
			if err != nil {
				return func(int) bool { return false }
			}
			if sp.lo == nil && sp.hi == nil {
				continue // named with no end: no constraint
			}
			a := t.attr(k)
			if a < 0 {
				return func(int) bool { return false }
			}
			wants = append(wants, want{a, t.attrs[a].inRange(sp)})
		}
	}
	return func(i int) bool {
		if cats != nil && !cats[ix.docs[i].category] {
			return false
		}
		if measured != nil && !measured(i) {
			return false
		}
		for _, w := range wants {
			if !slices.ContainsFunc(t.of(i), func(v attrVal) bool { return v.attr == w.attr && w.ok[v.val] }) {
				return false
			}
		}
		return true
	}
}

// attr returns the id of the attribute named name, without regard to
// case or accents, or -1.
func (t *facetTable) attr(name string) int32 {
	fk := Fold(strings.TrimSpace(name))
	for a, fa := range t.attrs {
		if Fold(fa.name) == fk {
			return int32(a)
		}
	}
	return -1
}

// matching returns which of a's values one of asked names: written the
// same, or analysed to the same term.
func (a *facetAttr) matching(lx *lexicon, asked []string) []bool {
	ok := make([]bool, len(a.values))
	for _, s := range asked {
		f := Fold(strings.TrimSpace(s))
		term := oneTerm(lx, f)
		for id := range a.values {
			if a.folded[id] == f || term != "" && a.terms[id] == term {
				ok[id] = true
			}
		}
	}
	return ok
}

// Faceted returns what Search returns for q, and the facets of every
// product q finds, whatever q.Limit.
func (ix *Index) Faceted(q Query) ([]Hit, concierge.Facets) {
	terms, unknown := ix.queryTerms(q.Text)
	all := q
	all.Limit, all.unsorted = 0, true
	var buf *[]scored
	if ix.facets != nil {
		buf, _ = ix.facets.found.Get().(*[]scored)
		if buf == nil {
			buf = new([]scored)
		}
		all.found = *buf
	}
	found := ix.searchDocs(all, terms, unknown, anyPath)
	f := ix.facetsOf(found)
	var hits []Hit
	if q.Limit == 0 {
		// Every product found is shown: sort them instead of searching
		// again.
		found = ix.best(found, q.Sort, 0)
		hits = make([]Hit, len(found))
		for i, s := range found {
			hits[i] = Hit{SKU: ix.products[s.doc].SKU, Score: s.score}
		}
	} else {
		hits = ix.search(q, terms, unknown)
	}
	if buf != nil {
		*buf = found[:0]
		ix.facets.found.Put(buf)
	}
	return hits, f
}

// facetsOf counts the facets of the products found.
func (ix *Index) facetsOf(found []scored) concierge.Facets {
	if len(found) == 0 {
		return concierge.Facets{}
	}
	t := ix.facetTable()
	cuts, lo, hi := ix.priceCuts(found)
	counts := ix.count(found, cuts, ix.byComplement(found))
	bandB := t.fixed
	f := concierge.Facets{Total: int(counts[totalB]), InStock: int(counts[stockB]), Currency: ix.products[found[0].doc].Price.Currency}
	f.Categories = countedValues(t.cats, counts[catB:catB+len(t.cats)], len(t.cats))
	f.Prices = bands(cuts, lo, hi, counts[bandB:bandB+len(cuts)+1])
	type attrCount struct {
		facet concierge.AttrFacet
		axis  bool
		with  int32 // products with the attribute
	}
	var attrs []attrCount
	for a, fa := range t.attrs {
		b := int(t.attrSlot[a])
		if b < 0 || counts[b] == 0 {
			continue
		}
		ac := attrCount{facet: concierge.AttrFacet{Name: fa.name, Values: []concierge.FacetValue{}}, axis: fa.axis, with: counts[b]}
		vc := counts[b+attrNums : b+attrNums+len(fa.values)]
		if fa.facet {
			ac.facet.Values = countedValues(fa.values, vc, maxShownValues)
		}
		if counts[b+1] > 0 {
			ac.facet.Numbers = fa.span(vc, counts[b+1], counts[b+2])
		}
		attrs = append(attrs, ac)
	}
	slices.SortFunc(attrs, func(a, b attrCount) int {
		if a.axis != b.axis {
			if a.axis {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.with, a.with), strings.Compare(a.facet.Name, b.facet.Name))
	})
	for _, a := range attrs[:min(len(attrs), maxFacetAttrs)] {
		f.Attrs = append(f.Attrs, a.facet)
	}
	return f
}

// attrNums is where an attribute's value counts start among its
// buckets: after the products with it, with a number and with another
// value.
const attrNums = 3

// span is the NumberFacet of a's values counted: the lowest and highest
// number with a count, as first written, and the products with a number
// (nums) or another value (other).
func (a *facetAttr) span(counts []int32, nums, other int32) *concierge.NumberFacet {
	lo, hi := -1, -1
	for id, n := range counts {
		x := a.nums[id]
		if n == 0 || math.IsNaN(x) {
			continue
		}
		if lo < 0 || x < a.nums[lo] {
			lo = id
		}
		if hi < 0 || x > a.nums[hi] {
			hi = id
		}
	}
	return &concierge.NumberFacet{Min: a.values[lo], Max: a.values[hi], Count: int(nums), NotNumbers: int(other)}
}

// countedValues returns the values with a count, the most first, then
// numbers ascending, then in catalog order (the order a shop writes S,
// M, L), at most limit of them.
func countedValues(values []string, counts []int32, limit int) []concierge.FacetValue {
	type counted struct {
		id    int
		n     int32
		num   float64
		isNum bool
	}
	var cs []counted
	for id, n := range counts {
		if n > 0 {
			x, err := strconv.ParseFloat(strings.ReplaceAll(values[id], ",", "."), 64)
			cs = append(cs, counted{id, n, x, err == nil})
		}
	}
	slices.SortFunc(cs, func(a, b counted) int {
		switch {
		case a.n != b.n:
			return cmp.Compare(b.n, a.n)
		case a.isNum && b.isNum && a.num != b.num:
			return cmp.Compare(a.num, b.num)
		case a.isNum != b.isNum:
			if a.isNum {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.id, b.id)
	})
	out := make([]concierge.FacetValue, 0, min(len(cs), limit))
	for _, c := range cs[:min(len(cs), limit)] {
		out = append(out, concierge.FacetValue{Value: values[c.id], Count: int(c.n)})
	}
	return out
}

// priceCuts chooses where the price bands of the products found start:
// at most priceBands-1 round prices at the quantiles of their prices (a
// sample of them on a large result), each leaving products on both
// sides. lo and hi are the lowest and highest price found.
func (ix *Index) priceCuts(found []scored) (cuts []int64, lo, hi int64) {
	step := max(1, len(found)/priceSample)
	sample := make([]int64, 0, min(len(found), priceSample+1))
	lo, hi = ix.docs[found[0].doc].price, ix.docs[found[0].doc].price
	for _, s := range found {
		p := ix.docs[s.doc].price
		lo, hi = min(lo, p), max(hi, p)
	}
	for i := 0; i < len(found); i += step {
		sample = append(sample, ix.docs[found[i].doc].price)
	}
	slices.Sort(sample)
	for j := 1; j < priceBands; j++ {
		c := roundPrice(sample[len(sample)*j/priceBands])
		if c > lo && c <= hi && (len(cuts) == 0 || c > cuts[len(cuts)-1]) {
			cuts = append(cuts, c)
		}
	}
	return cuts, lo, hi
}

// bands are the price bands the cuts make from lo to hi, with their
// counts; bands without products are left out.
func bands(cuts []int64, lo, hi int64, counts []int32) []concierge.PriceBand {
	var out []concierge.PriceBand
	for b := range counts {
		band := concierge.PriceBand{Min: lo, Max: hi, Count: int(counts[b])}
		if b > 0 {
			band.Min = cuts[b-1]
		}
		if b < len(cuts) {
			band.Max = cuts[b] - 1
		}
		if band.Count > 0 {
			out = append(out, band)
		}
	}
	return out
}

// roundPrice rounds a price in minor units to one significant digit, or
// to a half step below three (1234 → 1000, 1750 → 2000, 2890 → 3000,
// 12900 → 15000), so that bands read "10 to 20" rather than "12.34 to
// 19.87", whatever the currency's minor unit.
func roundPrice(p int64) int64 {
	if p < 10 {
		return p
	}
	m := int64(1)
	for m*10 <= p {
		m *= 10
	}
	if p < 3*m {
		m /= 2
	}
	return (p + m/2) / m * m
}
