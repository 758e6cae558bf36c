package catalog

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
)

// Numeric attributes. A value such as "450 lm", "1,5 kg", "1000Wh" or
// "42" is a number with at most one unit. A unit measureUnits knows is
// read by measures, in its base unit (g, mm, ml…), so that "800 g" and
// "1.5 kg" compare; another unit ("wh", "k") is a kind of its own, and
// only values written in it compare. Query.Ranges filters by these
// numbers, and the facets say their span (concierge.NumberFacet).

// number is an attribute's value or a range's end read as a number.
type number struct {
	value float64 // in base's unit
	base  string  // the unit's kind: measureUnits' base, the unit as folded, or "" for none
	unit  string  // the unit as folded ("kg"), "" for none
}

// numberPattern is what a number value may look like: a sign, digits
// with one decimal point or comma, and one unit word. measures reads the
// units it knows; the others are read here as written.
var numberPattern = regexp.MustCompile(`^(-?)([0-9]+(?:[.,][0-9]+)?) ?([\pL°%][\pL°%/²³]*)?$`)

// readNumber reads s as a number with at most one unit.
func readNumber(s string) (number, bool) {
	f := strings.TrimSpace(Fold(s))
	if f == "" || !hasDigit(f) {
		return number{}, false
	}
	m := numberPattern.FindStringSubmatch(f)
	if m == nil {
		return number{}, false
	}
	body := f[len(m[1]):]
	var n number
	if ms := measures(body); len(ms) == 1 && measurePattern.FindString(body) == body {
		n = number{value: ms[0].value, base: ms[0].unit, unit: m[3]}
	} else {
		v, err := strconv.ParseFloat(strings.Replace(m[2], ",", ".", 1), 64)
		if err != nil {
			return number{}, false
		}
		n = number{value: v, base: m[3], unit: m[3]}
	}
	if m[1] == "-" {
		n.value = -n.value
	}
	return n, true
}

// inUnit reads a number written without a unit as written in unit: a
// range's bare end in the other end's unit or the attribute's.
func (n number) inUnit(unit string) number {
	if n.unit != "" || unit == "" {
		return n
	}
	if u, ok := measureUnits[unit]; ok {
		return number{value: n.value * u.factor, base: u.base, unit: unit}
	}
	return number{value: n.value, base: unit, unit: unit}
}

// span is a range read: its ends (nil when open), before an attribute's
// unit is given to a bare end.
type span struct {
	lo, hi *number
	strict bool // the ends are left out
}

// readRange reads the range r on attribute name, or says why it is not
// one: an end that is not a number, ends in units of different kinds, or
// a min above the max.
func readRange(name string, r concierge.Range) (span, error) {
	sp := span{strict: r.Strict}
	for _, e := range []struct {
		which, text string
		to          **number
	}{{"min", r.Min, &sp.lo}, {"max", r.Max, &sp.hi}} {
		if strings.TrimSpace(e.text) == "" {
			continue
		}
		n, ok := readNumber(e.text)
		if !ok {
			return span{}, concierge.Errorf(concierge.CodeInvalid, "catalog", "range of %q: %s %q is not a number with at most one unit", name, e.which, e.text)
		}
		*e.to = &n
	}
	if sp.lo == nil || sp.hi == nil {
		return sp, nil
	}
	lo, hi := sp.lo.inUnit(sp.hi.unit), sp.hi.inUnit(sp.lo.unit)
	if lo.base != hi.base {
		return span{}, concierge.Errorf(concierge.CodeInvalid, "catalog", "range of %q: min %q and max %q are in units of different kinds", name, r.Min, r.Max)
	}
	if lo.value > hi.value {
		return span{}, concierge.Errorf(concierge.CodeInvalid, "catalog", "range of %q: min %q is above max %q", name, r.Min, r.Max)
	}
	sp.lo, sp.hi = &lo, &hi
	return sp, nil
}

// Check reports a bad filter of q, as a *concierge.Error of code
// invalid: a range whose end is not a number with at most one unit
// ("abc", "4-6"), whose ends are in units of different kinds ("1 kg" to
// "40 cm"), or whose min is above its max. Search and Faceted find
// nothing for such a query; callers check first to tell the shopper or
// the agent why.
func (q Query) Check() error {
	for _, k := range sortedKeys(q.Ranges) {
		if _, err := readRange(k, q.Ranges[k]); err != nil {
			return err
		}
	}
	return CheckMeasures(q.Measures)
}

// numbers reads a's values as numbers once its values are all known.
// The kind is the one most values written with a unit are in (the first
// seen on a tie), unit the unit most of those write, and a value written
// without a unit is read in it ("300" among "450 lm"); with no unit
// anywhere, the kind is bare numbers. A value of another kind, or no
// number, is NaN.
func (a *facetAttr) numbers() {
	read := make([]number, len(a.values))
	ok := make([]bool, len(a.values))
	kinds, units := map[string]int{}, map[string]int{}
	var kindOrder, unitOrder []string
	numeric := false
	for id, v := range a.values {
		if read[id], ok[id] = readNumber(v); !ok[id] {
			continue
		}
		numeric = true
		if n := read[id]; n.unit != "" {
			if kinds[n.base] == 0 {
				kindOrder = append(kindOrder, n.base)
			}
			kinds[n.base]++
		}
	}
	if !numeric {
		return
	}
	if len(kindOrder) > 0 {
		a.kind = mostOf(kindOrder, kinds)
		for id, n := range read {
			if ok[id] && n.unit != "" && n.base == a.kind {
				if units[n.unit] == 0 {
					unitOrder = append(unitOrder, n.unit)
				}
				units[n.unit]++
			}
		}
		a.unit = mostOf(unitOrder, units)
	}
	a.nums = make([]float64, len(a.values))
	for id := range a.values {
		a.nums[id] = math.NaN()
		if n := read[id].inUnit(a.unit); ok[id] && n.base == a.kind {
			a.nums[id] = n.value
		}
	}
}

// mostOf returns the key of order counted most, the first on a tie.
func mostOf(order []string, counts map[string]int) string {
	best := order[0]
	for _, k := range order {
		if counts[k] > counts[best] {
			best = k
		}
	}
	return best
}

// numeric reports whether some of a's values are numbers.
func (a *facetAttr) numeric() bool { return a.nums != nil }

// inRange returns which of a's values sp keeps: numbers of a's kind
// between its ends (a bare end read in a's unit). A range of another
// kind keeps none.
func (a *facetAttr) inRange(sp span) []bool {
	ok := make([]bool, len(a.values))
	if !a.numeric() {
		return ok
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	for _, e := range []struct {
		n *number
		v *float64
	}{{sp.lo, &lo}, {sp.hi, &hi}} {
		if e.n == nil {
			continue
		}
		n := e.n.inUnit(a.unit)
		if n.base != a.kind {
			return ok
		}
		*e.v = n.value
	}
	lo, hi = sp.widen(lo, hi)
	for id, x := range a.nums {
		ok[id] = x >= lo && x <= hi // NaN: no number of the kind
	}
	return ok
}

// widen moves the ends lo and hi, in the span's base unit, by the last
// bit a unit's factor may lose (0.3 kg is 300 g give or take it):
// outwards, or inwards when the span leaves its ends out ("less than
// 200 ml"). An open end (±∞) stays open.
func (sp span) widen(lo, hi float64) (float64, float64) {
	tol := 1e-9
	if sp.strict {
		tol = -tol
	}
	if !math.IsInf(lo, 0) {
		lo -= tol * max(1, math.Abs(lo))
	}
	if !math.IsInf(hi, 0) {
		hi += tol * max(1, math.Abs(hi))
	}
	return lo, hi
}
