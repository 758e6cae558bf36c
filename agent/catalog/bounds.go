package catalog

import (
	"math"
	"slices"
	"strings"

	"github.com/conciergehq/concierge"
)

// Bounds on a measure the shopper names by its unit, not by an
// attribute: "plus de 450 lumens", "under 2 kg", "300到400流明". The
// catalog decides where the measure is written: an attribute whose
// values are numbers of that kind ("weight: 1.2 kg"), an attribute of
// bare numbers named by the unit ("lumens: 350"), or the names
// themselves ("Sac à dos 45 L"). Query.Measures keeps the products that
// write some number of the kind within the bound, and drops those that
// write none: a product that does not say its weight is not shown as
// "under 2 kg".

// spelledUnits are the units shoppers spell out, by the symbol measures
// reads. Pounds are left out: "under 18 pounds" is a price more often
// than a weight.
var spelledUnits = map[string]string{
	"lumen": "lm", "lumens": "lm", "流明": "lm",
	"watt": "w", "watts": "w", "瓦特": "w",
	"volt": "v", "volts": "v", "伏": "v", "伏特": "v",
	"litre": "l", "litres": "l", "liter": "l", "liters": "l", "公升": "l",
	"millilitre": "ml", "millilitres": "ml", "milliliter": "ml", "milliliters": "ml",
	"gramme": "g", "grammes": "g", "gram": "g", "grams": "g",
	"kilo": "kg", "kilos": "kg", "kilogramme": "kg", "kilogrammes": "kg", "kilogram": "kg", "kilograms": "kg",
	"metre": "m", "metres": "m", "meter": "m", "meters": "m",
	"centimetre": "cm", "centimetres": "cm", "centimeter": "cm", "centimeters": "cm",
	"millimetre": "mm", "millimetres": "mm", "millimeter": "mm", "millimeters": "mm",
}

// UnitOf returns the unit word writes, as measures reads units: a
// spelt-out unit as its symbol ("lumens" → "lm", "litres" → "l"), a
// symbol or a Chinese unit folded ("KG" → "kg", "公斤" as it is); ""
// when word is no unit.
func UnitOf(word string) string {
	f := Fold(strings.TrimSpace(word))
	if _, ok := measureUnits[f]; ok {
		return f
	}
	return spelledUnits[f]
}

// measureFilter returns what q.Measures keep, or nil when it has none. A
// bound whose ends are no measure ("abc", no unit on either end) keeps
// nothing, as a bad range does.
func (ix *Index) measureFilter(q Query) func(int) bool {
	if len(q.Measures) == 0 {
		return nil
	}
	type bound struct {
		sp   span
		kind string
		// keep says, for each attribute of the facet table, which of its
		// values the bound keeps; nil for an attribute not of the kind.
		keep [][]bool
	}
	t := ix.facetTable()
	var bs []bound
	for _, r := range q.Measures {
		sp, err := readRange("measure", r)
		if err != nil {
			return func(int) bool { return false }
		}
		var kind string
		for _, n := range []*number{sp.lo, sp.hi} {
			if n != nil && n.unit != "" {
				kind = n.base
			}
		}
		if kind == "" {
			return func(int) bool { return false }
		}
		b := bound{sp: sp, kind: kind, keep: make([][]bool, len(t.attrs))}
		for a, fa := range t.attrs {
			b.keep[a] = fa.measuredIn(kind, sp)
		}
		bs = append(bs, b)
	}
	return func(doc int) bool {
		for _, b := range bs {
			if !ix.measures(doc, t, b.kind, b.sp, b.keep) {
				return false
			}
		}
		return true
	}
}

// measuredIn returns which of a's values are numbers of kind within sp,
// or nil when a holds no numbers of that kind. An attribute of bare
// numbers named by a unit ("lumens") holds numbers in that unit.
func (a *facetAttr) measuredIn(kind string, sp span) []bool {
	if !a.numeric() {
		return nil
	}
	if a.kind == kind {
		return a.inRange(sp)
	}
	u := UnitOf(a.name)
	mu, ok := measureUnits[u]
	if a.kind != "" || !ok || mu.base != kind {
		return nil
	}
	named := *a
	named.kind, named.unit = kind, u
	named.nums = make([]float64, len(a.nums))
	for i, x := range a.nums {
		named.nums[i] = x * mu.factor
	}
	return named.inRange(sp)
}

// measures reports whether product doc writes a number of kind within
// sp: in an attribute keep knows, or in one of its names.
func (ix *Index) measures(doc int, t *facetTable, kind string, sp span, keep [][]bool) bool {
	for _, v := range t.of(doc) {
		if k := keep[v.attr]; k != nil && k[v.val] {
			return true
		}
	}
	lo, hi := spanEnds(sp)
	for _, name := range ix.products[doc].Name {
		if slices.ContainsFunc(measures(Fold(name)), func(m measure) bool {
			return m.unit == kind && m.value >= lo && m.value <= hi
		}) {
			return true
		}
	}
	return false
}

// spanEnds returns sp's ends in their base unit, widened (span.widen).
func spanEnds(sp span) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if sp.lo != nil {
		lo = sp.lo.value
	}
	if sp.hi != nil {
		hi = sp.hi.value
	}
	return sp.widen(lo, hi)
}

// CheckMeasures reports a bound of ms that is no measure, as a
// *concierge.Error of code invalid.
func CheckMeasures(ms []concierge.Range) error {
	for _, r := range ms {
		sp, err := readRange("measure", r)
		if err != nil {
			return err
		}
		if (sp.lo == nil || sp.lo.unit == "") && (sp.hi == nil || sp.hi.unit == "") {
			return concierge.Errorf(concierge.CodeInvalid, "catalog", "measure bound %q to %q: neither end has a unit", r.Min, r.Max)
		}
	}
	return nil
}
