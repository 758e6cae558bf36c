package catalog

import (
	"github.com/conciergehq/concierge"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// measure is a quantity with its unit that a name or a request writes:
// "90 cm", "1,5 L", "250克". Values are in the unit's base (mm, ml, g).
type measure struct {
	unit  string
	value float64
}

// measureUnits maps a unit as written (folded) to its base unit and the
// factor to it.
var measureUnits = map[string]struct {
	base   string
	factor float64
}{
	"mm": {"mm", 1}, "cm": {"mm", 10}, "m": {"mm", 1000}, "毫米": {"mm", 1}, "厘米": {"mm", 10}, "米": {"mm", 1000},
	"ml": {"ml", 1}, "cl": {"ml", 10}, "l": {"ml", 1000}, "毫升": {"ml", 1}, "升": {"ml", 1000},
	"g": {"g", 1}, "kg": {"g", 1000}, "克": {"g", 1}, "千克": {"g", 1000}, "公斤": {"g", 1000},
	"w": {"w", 1}, "瓦": {"w", 1}, "v": {"v", 1}, "mah": {"mah", 1}, "lm": {"lm", 1},
	"gb": {"gb", 1}, "go": {"gb", 1}, "tb": {"gb", 1000},
	// A noise reduction ("SNR 35 dB"), a loudness.
	"db": {"db", 1}, "分贝": {"db", 1},
	// A bow's draw weight, a dumbbell's in pounds; a length in inches.
	"lb": {"lb", 1}, "lbs": {"lb", 1}, "磅": {"lb", 1},
	"inch": {"mm", 25.4}, "inches": {"mm", 25.4}, "pouce": {"mm", 25.4}, "pouces": {"mm", 25.4}, "英寸": {"mm", 25.4},
}

var measurePattern = regexp.MustCompile(`([0-9]+(?:[.,][0-9]+)?)\s*(毫米|厘米|毫升|千克|公斤|英寸|分贝|米|升|克|瓦|磅|mah|mm|cm|ml|cl|kg|gb|go|tb|lm|lbs|lb|inches|inch|pouces|pouce|db|m|l|g|w|v)`)

// labelled returns the numbers folded text writes after a word, or
// before "号", as measures whose unit is that word ("force 2.5" is a
// force of 2.5, "3号" a 号 of 3). Asked for beside a name's own label
// ("Anches ténor force 3", strength 3), they tell the name apart:
// "anches clarinette force 2.5" does not ask for the force-3 reeds.
func labelled(folded string) []measure {
	var out []measure
	for _, m := range labelPattern.FindAllStringSubmatchIndex(folded, -1) {
		word, num := "", ""
		if m[2] >= 0 {
			word, num = folded[m[2]:m[3]], folded[m[4]:m[5]]
			if next := strings.Fields(folded[m[5]:]); len(next) > 0 {
				if _, unit := measureUnits[strings.Trim(next[0], ".,;:!?()")]; unit {
					continue // "packs of 20 mm": a measure, not the pack's size
				}
				if packWords[stem(word)] {
					continue // "3 packs 0.71 picks": the picks' size; "le lot 100" ends
				}
			}
		} else {
			word, num = "号", folded[m[6]:m[7]]
		}
		if v, ok := NumberValue(strings.ReplaceAll(num, ",", ".")); ok {
			out = append(out, measure{unit: "label:" + stem(word), value: v})
		}
	}
	return out
}

// labelPattern finds a Latin word and the number after it, the number
// standing alone ("33rd" is no number of a label), or a number before
// "号".
var labelPattern = regexp.MustCompile(`(?:(?:^|[^\pL\pN])(\pL+) ([0-9]+(?:[.,][0-9]+)?)(?:$|[^\pL\pN.,])|([0-9]+(?:[.,][0-9]+)?) ?号)`)

// packPattern finds a pack's size as a name writes it: "lot de 50",
// "pack of 10" (see attrLabels).
var packPattern = regexp.MustCompile(`(?:^|[^\pL\pN])(\pL+) (?:de|of|d) ([0-9]+)(?:$|[^\pL\pN.,])`)

// attrLabels are the labelled numbers of a folded name that say one of
// the product's attribute values: "force 3" of reeds of strength 3, not
// the "boîte de 10" nor a model's "Ace 98" of no such attribute.
func attrLabels(folded string, attrs map[string]string) []measure {
	var out []measure
	for _, m := range packPattern.FindAllStringSubmatch(folded, -1) {
		// "lot de 50", "pack of 10": the pack's size, which "le lot de
		// 100" (read "lot 100") contradicts.
		if v, ok := NumberValue(m[2]); ok && packWords[stem(m[1])] {
			out = append(out, measure{unit: "label:" + stem(m[1]), value: v})
		}
	}
	for _, m := range labelled(folded) {
		for _, v := range attrs {
			if x, ok := NumberValue(strings.ReplaceAll(strings.TrimSpace(v), ",", ".")); ok && x == m.value {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// askedMeasures are the measures and labelled numbers a request writes.
func askedMeasures(folded string) []measure {
	if !hasDigit(folded) {
		return nil // both patterns read digits: spare them
	}
	return append(measures(folded), labelled(folded)...)
}

// startsDigit reports a token that is a number ("3", "2.5").
func startsDigit(s string) bool {
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// CountOfMeasure reads an amount asked in the unit the products are
// measured in ("3 kg of red PLA" where the spools are of 1 kg, "2 litres
// of IPA" where the bottle is 1 L): it returns how many of them make the
// amount, when every product query finds that writes a measure of that
// kind writes the same one, none writes the amount itself, and the
// amount is a whole number (2 to 99) of it; 0 otherwise.
func (ix *Index) CountOfMeasure(query string, value float64, unit string) int {
	u, ok := measureUnits[amountUnits[unit]]
	if !ok || value <= 0 {
		return 0
	}
	asked := value * u.factor
	each := 0.0
	for _, h := range ix.Search(Query{Text: query, Limit: 8}) {
		p := ix.Product(h.SKU)
		if p == nil || h.Score <= 0 {
			continue
		}
		for _, name := range p.Name {
			for _, m := range measures(Fold(name)) {
				if m.unit != u.base {
					continue
				}
				if m.value == asked || each != 0 && m.value != each {
					return 0
				}
				each = m.value
			}
		}
	}
	if each == 0 {
		return 0
	}
	n := asked / each
	if n != float64(int(n)) || n < 2 || n > 99 {
		return 0
	}
	return int(n)
}

// amountUnits are the units an amount is said in, spelt out or not, as
// measureUnits writes them.
var amountUnits = map[string]string{
	"kg": "kg", "kilo": "kg", "kilos": "kg", "kilogramme": "kg", "kilogrammes": "kg", "kilogram": "kg", "kilograms": "kg",
	"g": "g", "gramme": "g", "grammes": "g", "gram": "g", "grams": "g",
	"l": "l", "litre": "l", "litres": "l", "liter": "l", "liters": "l",
	"ml": "ml", "cl": "cl", "m": "m", "metre": "m", "metres": "m", "meter": "m", "meters": "m",
	"公斤": "公斤", "千克": "千克", "克": "克", "升": "升", "米": "米",
}

// AmountUnit reports whether the folded word w is a unit an amount is
// said in ("kg", "litres", "公斤").
func AmountUnit(w string) bool { _, ok := amountUnits[w]; return ok }

// measures returns the measures folded text writes. A Latin unit must end
// its word ("90 cm", not "90 cmx"), a number must start its own ("4-6",
// not "a4 6l" read as 4).
func measures(folded string) []measure {
	var out []measure
	for _, m := range measurePattern.FindAllStringSubmatchIndex(folded, -1) {
		start, end := m[0], m[1]
		if r, _ := utf8.DecodeLastRuneInString(folded[:start]); start > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r)) && !IsHan(r) {
			continue
		}
		unit := folded[m[4]:m[5]]
		if r, _ := utf8.DecodeRuneInString(folded[end:]); end < len(folded) && !IsHan([]rune(unit)[0]) && (unicode.IsLetter(r) || unicode.IsDigit(r)) && !IsHan(r) {
			continue
		}
		v, err := strconv.ParseFloat(strings.Replace(folded[m[2]:m[3]], ",", ".", 1), 64)
		if err != nil {
			continue
		}
		u := measureUnits[unit]
		out = append(out, measure{unit: u.base, value: v * u.factor})
	}
	return out
}

// withoutOtherMeasures drops from found the products that, for a measure
// the query states ("a light bar 90 cm"), write the same kind of measure
// in its name with other values only ("LED light bar 60 cm"): a product that
// contradicts a stated size is not what was asked. Products that write no
// such measure stay; the query's other words judge them.
func (ix *Index) withoutOtherMeasures(folded string, found []scored) []scored {
	asked := askedMeasures(folded)
	if len(asked) == 0 {
		return found
	}
	out := found[:0]
	for _, f := range found {
		if ix.fitsMeasures(f.doc, asked) {
			out = append(out, f)
		}
	}
	return out
}

// fitsMeasures reports whether product doc's names write, for each unit
// of asked they write at all, one of the values asked in that unit: a
// message may list several items ("a zip of 20 cm and one of 50 cm").
// Attributes are not read: a backpack's weight is no answer to "2 kg
// dumbbells" said beside it, and variants are told apart by Narrow.
func (ix *Index) fitsMeasures(doc int, asked []measure) bool {
	p := &ix.products[doc]
	var have []measure
	for _, n := range p.Name {
		folded := Fold(n)
		have = append(have, measures(folded)...)
		have = append(have, attrLabels(folded, p.Attrs)...)
	}
	for _, h := range have {
		same, fits := false, false
		for _, a := range asked {
			if a.unit == h.unit {
				same = true
				fits = fits || slices.ContainsFunc(have, func(x measure) bool { return x == a })
			}
		}
		if same && !fits {
			return false
		}
	}
	return true
}

// MeasuresFit returns the products of skus whose names do not contradict
// a size text states: "a 2 kg silk quilt" names no "Silk quilt 1 kg".
func (ix *Index) MeasuresFit(skus []concierge.SKU, text string) []concierge.SKU {
	if len(skus) == 0 {
		return skus
	}
	asked := askedMeasures(Fold(text))
	if len(asked) == 0 {
		return skus
	}
	var out []concierge.SKU
	for _, s := range skus {
		if i, ok := ix.skus[compact(Fold(string(s)))]; !ok || ix.fitsMeasures(i, asked) {
			out = append(out, s)
		}
	}
	return out
}

// MeasureOnly reports whether text says only the measure value writes, in
// any spelling of its unit: "90厘米的" or "90cm" for "90 cm"; "90厘米的卷帘"
// says more.
func MeasureOnly(text, value string) bool {
	folded := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(Fold(text)), "的"))
	loc := measurePattern.FindStringIndex(folded)
	if loc == nil || loc[0] != 0 || loc[1] != len(folded) {
		return false
	}
	got, want := measures(folded), measures(Fold(value))
	return len(got) == 1 && len(want) == 1 && got[0] == want[0]
}

// MeasuredOne returns the one of skus whose name or attributes write the
// measure text says, when text says nothing else ("the 80 cm one", "le
// 80 cm", "80厘米的那个" after the 60 and 80 cm targets were shown): a
// pick among them by their size. "" when text says more, or no measure,
// or fits none or several.
func (ix *Index) MeasuredOne(text string, skus []concierge.SKU) concierge.SKU {
	folded := Fold(text)
	asked := measures(folded)
	if len(asked) == 0 || len(skus) < 2 {
		return ""
	}
	if rest := measurePattern.ReplaceAllString(folded, " "); len(ix.lx.analyze(rest)) > 0 {
		return "" // "the 80 cm target faces": more than a size
	}
	var found concierge.SKU
	for _, s := range skus {
		d, ok := ix.skus[compact(Fold(string(s)))]
		if !ok || !ix.writesMeasure(d, asked) {
			continue
		}
		if found != "" {
			return ""
		}
		found = s
	}
	return found
}

// DescribedOne returns the one of skus whose names say every colour or
// material text says, when text says nothing else ("the black one", "la
// noire", "黑色的" after the stainless and the black handles were shown):
// a pick among them by what they are. "" when text says more or no such
// word, or fits none or several.
func (ix *Index) DescribedOne(text string, skus []concierge.SKU) concierge.SKU {
	terms := ix.lx.analyze(Fold(text))
	if len(terms) == 0 || len(skus) < 2 {
		return ""
	}
	for _, t := range terms {
		if t.kind != conceptTerm || ix.lx.kinds[t.key[1:]] != attribute {
			return "" // "the black knob": more than a colour
		}
	}
	var found concierge.SKU
	for _, s := range skus {
		p := ix.Product(s)
		if p == nil {
			return ""
		}
		has := map[string]bool{}
		for _, name := range p.Name {
			for _, t := range ix.nameTerms(name) {
				has[t.key] = true
			}
		}
		if !slices.ContainsFunc(terms, func(t term) bool { return !has[t.key] }) {
			if found != "" {
				return ""
			}
			found = s
		}
	}
	return found
}
