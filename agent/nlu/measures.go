package nlu

import (
	"slices"
	"strconv"
	"strings"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// Bounds on a measure said with its unit: "une lampe de plus de 450
// lumens", "backpacks between 30 and 50 litres", "2公斤以下的", "至少
// 1000毫安". They narrow a search (Intent.Measures, catalog.Query.Measures);
// their numbers are never a quantity nor a product's name.

// measureAfter are the words after a measure that bound it; "左右"
// ("about") is no bound.
var (
	measureMax = words("max", "maximum", "maxi", "ou moins", "or less", "at most", "以下", "以内", "之内", "或以下")
	measureMin = words("ou plus", "or more", "et plus", "minimum", "min", "以上", "或以上")
)

// Comparatives that bound a measure, beside the price's words, and the
// bound words that leave the value itself out: "less than 200 ml" is not
// 200 ml, "at most 200 ml" is.
var (
	measureBelow = words("smaller than", "shorter than", "lighter than", "plus petit que", "plus petite que",
		"plus court que", "plus courte que", "plus leger que", "plus legere que")
	measureAbove = words("bigger than", "larger than", "longer than", "heavier than", "plus grand que",
		"plus grande que", "plus long que", "plus longue que", "plus lourd que", "plus lourde que")
	strictWords = setOf("moins de", "under", "below", "less than", "inferieur a", "moins que", "lower than",
		"小于", "低于", "少于", "不到", "plus de", "over", "above", "more than", "superieur a", "超过", "高于", "大于",
		"smaller than", "shorter than", "lighter than", "plus petit que", "plus petite que", "plus court que",
		"plus courte que", "plus leger que", "plus legere que", "bigger than", "larger than", "longer than",
		"heavier than", "plus grand que", "plus grande que", "plus long que", "plus longue que", "plus lourd que",
		"plus lourde que")
)

// strictBound reports whether the words from i to j leave the bound's
// value out.
func (p *parse) strictBound(i, j int) bool {
	var ws []string
	han := ""
	for k := max(i, 0); k < j; k++ {
		if p.toks[k].kind == tHan {
			han += p.toks[k].norm
			continue
		}
		ws = append(ws, p.toks[k].norm)
	}
	return strictWords[strings.Join(ws, " ")] || han != "" && strictWords[han]
}

// measured is a number read with the unit after it.
type measured struct {
	value      float64
	unit       string // as catalog.UnitOf says it, "" when none
	start, end int    // tokens, unit included
}

// measuredAt reads a number at i and the unit right after it, if any.
func (p *parse) measuredAt(i int) (measured, bool) {
	if i >= len(p.toks) || p.used[i] {
		return measured{}, false
	}
	n, ok := numberAt(p.toks, i)
	if !ok || p.toks[n.start].neg {
		return measured{}, false
	}
	m := measured{value: n.value, start: n.start, end: n.end}
	if u, k := p.unitAt(n.end); k > 0 {
		m.unit, m.end = u, n.end+k
	}
	return m, true
}

// unitAt returns the unit the tokens at i write and how many they are:
// a word ("lumens", "kg") or up to two Chinese characters ("公斤", "升").
func (p *parse) unitAt(i int) (string, int) {
	if i >= len(p.toks) {
		return "", 0
	}
	switch t := p.toks[i]; t.kind {
	case tWord:
		if u := catalog.UnitOf(t.norm); u != "" {
			return u, 1
		}
	case tHan:
		if i+1 < len(p.toks) && p.toks[i+1].kind == tHan {
			if u := catalog.UnitOf(t.norm + p.toks[i+1].norm); u != "" {
				return u, 2
			}
		}
		if u := catalog.UnitOf(t.norm); u != "" {
			return u, 1
		}
	}
	return "", 0
}

// boundWord reports whether the k tokens before i that bound a measure
// are such a word here: "max" or "min" that the catalog's names write
// ("Pro Max 256 Go") names a product.
func (p *parse) boundWord(i, k int) bool {
	if k != 1 || p.ix == nil {
		return k > 0
	}
	return !p.ix.NameWord(p.toks[i-1].norm)
}

// extractMeasures fills in.Measures and marks their words used.
func (p *parse) extractMeasures(in *Intent) {
	defer func() {
		if len(in.Measures) > 0 {
			p.bounds = slices.Clone(p.used)
		}
	}()
	end := func(m measured) string {
		s := strconv.FormatFloat(m.value, 'f', -1, 64)
		if m.unit != "" {
			s += " " + m.unit
		}
		return s
	}
	for i := 0; i < len(p.toks); i++ {
		a, ok := p.measuredAt(i)
		if !ok {
			continue
		}
		// A range: "entre 30 et 50 litres", "30 to 50 L", "300到400流明".
		if k := p.startsAt(a.end, rangeTo); k > 0 {
			from := p.endsBefore(a.start, rangeFrom)
			b, ok := p.measuredAt(a.end + k)
			and := p.toks[a.end].norm == "et" || p.toks[a.end].norm == "and"
			if ok && b.unit != "" && (a.unit == "" || a.unit == b.unit) && b.value > a.value && (from > 0 || !and) &&
				(from > 0 || a.unit != "" || p.toks[a.end].kind == tHan || p.toks[a.end].norm == "~") {
				// "de 2 à 3 kg" needs its "de"; "2 to 3 kg" and "2到3公斤" do not.
				in.Measures = append(in.Measures, concierge.Range{Min: end(measured{value: a.value, unit: b.unit}), Max: end(b)})
				p.use(a.start-from, b.end)
				i = b.end - 1
				continue
			}
		}
		if a.unit == "" {
			continue
		}
		maxK := max(p.endsBefore(a.start, maxBefore), p.endsBefore(a.start, measureBelow))
		minK := max(p.endsBefore(a.start, minBefore), p.endsBefore(a.start, measureAbove))
		switch {
		case p.boundWord(a.start, maxK):
			in.Measures = append(in.Measures, concierge.Range{Max: end(a), Strict: p.strictBound(a.start-maxK, a.start)})
			p.use(a.start-maxK, a.end)
		case p.boundWord(a.start, minK):
			in.Measures = append(in.Measures, concierge.Range{Min: end(a), Strict: p.strictBound(a.start-minK, a.start)})
			p.use(a.start-minK, a.end)
		case p.startsAt(a.end, measureMax) > 0:
			in.Measures = append(in.Measures, concierge.Range{Max: end(a)})
			p.use(a.start, a.end+p.startsAt(a.end, measureMax))
		case p.startsAt(a.end, measureMin) > 0:
			in.Measures = append(in.Measures, concierge.Range{Min: end(a)})
			p.use(a.start, a.end+p.startsAt(a.end, measureMin))
		default:
			continue
		}
		i = a.end - 1
	}
}
