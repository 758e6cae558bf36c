package catalog

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/conciergehq/concierge"
)

// Numbers inside product names.
//
// "Coffret de six tasses", "Chargeur 65 W", "Carte cadeau 30 €", "1984":
// a number in a name is part of the name, not a quantity. The index keeps,
// for each number written in any name, the words right beside it, so that
// a message's number can be told apart: in "je voudrais le coffret de 6
// tasses" the 6 stands between "coffret" and "tasses" as in a name; in "2
// coffrets" the 2 stands before "coffrets", which no name has.

// CountWords are the cardinal numbers of French and English shoppers
// type, from two up. "un", "one", "a" are left out: they are articles far
// more often than counts, and readers decide them in context.
var countWords = map[string]int{
	"zero": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
	"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
	"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100, "mille": 1000,
	"two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
	"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "hundred": 100, "thousand": 1000,
}

// hanNumerals are the Chinese digits that may stand in a name ("六杯").
var hanNumerals = map[rune]int{
	'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9, '十': 10,
}

// NumberValue returns the value of a folded token that is a number:
// digits ("65", "2,5") or a French or English number word ("six"). The
// NLU reads quantities with the same table, so both sides agree.
func NumberValue(w string) (float64, bool) {
	if v, ok := countWords[w]; ok {
		return float64(v), true
	}
	digits := strings.TrimPrefix(w, "-")
	if digits == "" || digits[0] < '0' || digits[0] > '9' {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(w, ",", "."), 64)
	return v, err == nil
}

// nameToken is a piece of a folded name, cut finer than search tokens so
// that numbers stand alone: "65w" is "65" and "w", Han text is one
// character a token.
type nameToken struct {
	text string
	han  bool
}

// nameTokens cuts folded text into letter runs, digit runs (with a decimal
// separator inside) and single Han characters.
func nameTokens(folded string) []nameToken {
	var out []nameToken
	rs := []rune(folded)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case IsHan(r):
			out = append(out, nameToken{text: string(r), han: true})
			i++
		case (r == '-' || r == '−') && i+1 < len(rs) && unicode.IsDigit(rs[i+1]) && (i == 0 || unicode.IsSpace(rs[i-1])):
			// "Sac de couchage -5 °C": a negative number is the name's.
			j := i + 2
			for j < len(rs) && (unicode.IsDigit(rs[j]) || (rs[j] == '.' || rs[j] == ',') && j+1 < len(rs) && unicode.IsDigit(rs[j+1])) {
				j++ // "-2.50", a lens's power, keeps its decimals
			}
			out = append(out, nameToken{text: "-" + string(rs[i+1:j])})
			i = j
		case unicode.IsDigit(r):
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || (rs[j] == '.' || rs[j] == ',') && j+1 < len(rs) && unicode.IsDigit(rs[j+1])) {
				j++
			}
			k := j
			for k < len(rs) && unicode.IsLetter(rs[k]) && !IsHan(rs[k]) {
				k++
			}
			if k > j && !unitSuffixes[string(rs[j:k])] {
				// "5A" sticks, "e27": a word, not a number; a unit glued
				// to its number ("65W") is two tokens, as in messages.
				for k < len(rs) && (unicode.IsLetter(rs[k]) || unicode.IsDigit(rs[k])) && !IsHan(rs[k]) {
					k++
				}
				out = append(out, nameToken{text: string(rs[i:k])})
				i = k
				continue
			}
			out = append(out, nameToken{text: string(rs[i:j])})
			i = j
		case unicode.IsLetter(r):
			j := i + 1
			for j < len(rs) && unicode.IsLetter(rs[j]) && !IsHan(rs[j]) {
				j++
			}
			out = append(out, nameToken{text: string(rs[i:j])})
			i = j
		default:
			i++
		}
	}
	return out
}

// unitSuffixes are the units a name may glue to its number ("65W",
// "500ml"); the parser splits the same ones from a message's numbers.
var unitSuffixes = map[string]bool{
	"eur": true, "euro": true, "euros": true, "x": true, "w": true, "k": true, "lm": true,
	"cm": true, "mm": true, "m": true, "h": true, "pcs": true, "pc": true, "usd": true, "rmb": true,
	"ml": true, "cl": true, "l": true, "kg": true, "g": true, "mah": true, "gb": true, "go": true, "tb": true, "v": true,
}

// UnitSuffix reports whether w (folded) is a unit that may be glued to a
// number: "50eur", "100w", "2x".
func UnitSuffix(w string) bool { return unitSuffixes[w] }

// numKey is the key of a number beside a word in some name.
func numKey(side byte, word string, v float64) string {
	return string(side) + "|" + word + "|" + strconv.FormatFloat(v, 'f', -1, 64)
}

// addNameNumbers records the neighbours of the numbers in p's names:
// the nearest meaningful word on each side, stemmed, or the two Chinese
// characters beside it (one at the end of a run), since a Chinese count
// is followed by a measure word that names share with messages ("三双" in
// "三双袜子" and in "3双装"). A number with no neighbour is a name by
// itself ("1984"); every number of a name is recorded too (NamesNumber).
// What it records depends on p alone (see prodInfo.nums).
func (ix *Index) addNameNumbers(p *concierge.Product) {
	for _, name := range namesWithValues(p) {
		f := Fold(name)
		ix.recordWords(f)
		toks := nameTokens(f)
		for k := 0; k < len(toks); k++ {
			t := toks[k]
			if nameConj[t.text] && k > 0 && k+1 < len(toks) {
				ix.addNum("C|" + ix.neighbourWord(toks[k-1]) + "|" + ix.neighbourWord(toks[k+1]))
			}
			v, n, ok := ix.numberIn(toks, k)
			if !ok {
				continue
			}
			ix.addNum(numKey('A', "", v))
			if k+n+1 < len(toks) && (toks[k+n].text == "x" || toks[k+n].text == "×") {
				if w, ok := NumberValue(toks[k+n+1].text); ok {
					ix.addNum(dimensionKey(v, w)) // "12 x 85 g"
				}
			}
			left, right := ix.neighbour(toks, k, -1), ix.neighbour(toks, k+n-1, +1)
			ix.recordSides(left, right, v)
			if k >= 2 && !toks[k-1].han && !toks[k-2].han && isWord(toks[k-1].text) && isWord(toks[k-2].text) {
				// "Spider-Man 2" is also said "spiderman 2".
				ix.addNum(numKey('L', stem(toks[k-2].text+toks[k-1].text), v))
			}
			if tail := latinAfter(toks, k+n); tail != "" {
				ix.addNum(numKey('S', tail, v)) // "… 12 red roses"
			}
			if k > 0 && !toks[k-1].han && connectors[toks[k-1].text] && toks[k-1].text != "x" && left != "" {
				// "boîte de 12", "box of 50": a pack's size after "of".
				ix.addNum(numKey('D', "", v))
			}
			k += n - 1
		}
	}
}

// namesWithValues returns a product's names, and for a variant, each
// name followed by each attribute value that holds a number: "Comté AOP
// 250 g" affined "18 mois" is also "Comté AOP 250 g 18 mois", so that
// "un comté 18 mois" reads 18 as the variant's and not as a count.
func namesWithValues(p *concierge.Product) []string {
	names := make([]string, 0, len(p.Name)*2)
	for _, n := range p.Name {
		names = append(names, n)
	}
	if p.Group == "" {
		return names
	}
	for _, k := range slices.Sorted(maps.Keys(p.Attrs)) {
		v := p.Attrs[k]
		if !strings.ContainsFunc(v, unicode.IsDigit) {
			continue
		}
		for _, n := range p.Name {
			names = append(names, n+" "+v)
		}
	}
	return names
}

// compoundNumber finds numbers joined by a slash or a hyphen without
// spaces: sizes, ranges and scales such as "3/4" (a guitar), "3-6"
// (ages), "1:76" (a model's scale), "7'2" (a surfboard's feet and
// inches).
var compoundNumber = regexp.MustCompile(`[0-9]+(?:[.,][0-9]+)?(?:[/:'-][0-9]+(?:[.,][0-9]+)?)+`)

// recordWords records the words of a folded name as they are written,
// letters and digits together ("700x25c", "ffp2"), and its compound
// numbers ("3/4", "3-6"), so that the parser can tell a word of a name
// from an order reference and a size from two numbers.
func (ix *Index) recordWords(folded string) {
	words := strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) || IsHan(r) })
	for j, w := range words {
		ix.addNum("W|" + w)
		if j > 0 {
			ix.addNum("B|" + words[j-1] + " " + w)
		}
	}
	rs := []rune(folded)
	for i := 0; i+1 < len(rs); i++ {
		if IsHan(rs[i]) && IsHan(rs[i+1]) {
			ix.addNum("W|" + string(rs[i:i+2]))
		}
	}
	if !strings.ContainsAny(folded, "/:'-’") {
		return // no compound number: the pattern needs one of these
	}
	for _, c := range compoundNumber.FindAllString(strings.ReplaceAll(folded, "’", "'"), -1) {
		ix.addNum("K|" + c)
	}
}

// addNum records k as a key of the numbers and words of the names of
// the product being analysed (only the analyser's scratch index is
// written to).
func (ix *Index) addNum(k string) { ix.analysedNums[k] = true }

// hasNum reports whether k is a key of the numbers and words of the
// names (numKeys, or analysedNums while a product is analysed).
func (ix *Index) hasNum(k string) bool {
	if ix.analysedNums != nil {
		return ix.analysedNums[k]
	}
	return ix.numKeys != nil && ix.numKeys.has(k)
}

// anyNums reports whether the names have keys of numbers and words.
func (ix *Index) anyNums() bool {
	return len(ix.analysedNums) > 0 || ix.numKeys != nil && ix.numKeys.len() > 0
}

// NameWord reports whether some name writes the folded word w as one
// word: "700x25c" is a size of a product, not an order reference.
func (ix *Index) NameWord(w string) bool { return ix.hasNum("W|" + w) }

// HanPair reports whether some name writes the two Chinese characters
// of s together: "茶几" (a coffee table) is no "几" (a few).
func (ix *Index) HanPair(s string) bool { return ix.hanPairs[s] }

// NameBigram reports whether some name writes the folded words a and b
// one after the other: "sans huile" of "Friteuse sans huile" is a kind of
// fryer, not "without oil".
func (ix *Index) NameBigram(a, b string) bool { return ix.hasNum("B|" + a + " " + b) }

// NamesCompound reports whether some name writes the numbers of c joined
// as c does ("3-6", "3/4"): then they are one size, not two numbers.
func (ix *Index) NamesCompound(c string) bool { return ix.hasNum("K|" + c) }

// recordSides records a number of a name with its two neighbours (""
// for none). A number's place in a message is compared with these pairs
// (NumberInName). A Chinese neighbour is recorded both as its nearest
// character and as the two nearest: after a counter word ("双", "杯") the
// next character decides too, since "三双" counts in "三双袜子" and names
// in "3双装"; other words are compared alone ("五常" rice, "7号" tea).
func (ix *Index) recordSides(left, right string, v float64) {
	if left == "" && right == "" {
		ix.addNum(numKey('N', "", v)) // "1984"
		return
	}
	for _, l := range variants(left, 'L') {
		for _, r := range variants(right, 'R') {
			ix.addNum(pairKey(l, r, v))
		}
		if l != "*" {
			ix.addNum(numKey('L', l, v)) // the left side, whatever follows
		}
	}
	for _, r := range variants(right, 'R') {
		if rs := []rune(r); len(rs) == 1 && counters[rs[0]] {
			continue // "三双" counts in "改成三双": only "双装" is the name's
		}
		if r != "*" && r != numberNeighbour {
			ix.addNum(numKey('R', r, v)) // the right side, whatever precedes
		}
	}
}

// variants returns how a neighbour is compared: "*" for none, a Latin
// word as it is, a Chinese one as its nearest character and as the pair.
func variants(w string, side byte) []string {
	if w == "" {
		return []string{"*"}
	}
	rs := []rune(w)
	if !IsHan(rs[0]) || len(rs) == 1 {
		return []string{w}
	}
	near := string(rs[0])
	if side == 'L' {
		near = string(rs[len(rs)-1])
	}
	return []string{near, w}
}

func pairKey(l, r string, v float64) string {
	return "P|" + l + "|" + r + "|" + strconv.FormatFloat(v, 'f', -1, 64)
}

// compared returns how a message's neighbour of a number is compared with
// names: a Latin word as it is; a Chinese one by its nearest character,
// or by the pair when that character is a counter.
func compared(w string, side byte) string {
	if w == "" {
		return ""
	}
	rs := []rune(w)
	if !IsHan(rs[0]) {
		return w
	}
	near := rs[0]
	if side == 'L' {
		near = rs[len(rs)-1]
	}
	if counters[near] {
		return w
	}
	return string(near)
}

// counters are the Chinese measure words that count things: after a
// number they make it a quantity unless the next character is the name's.
var counters = map[rune]bool{
	'个': true, '件': true, '双': true, '本': true, '瓶': true, '盒': true, '包': true, '套': true, '只': true,
	'支': true, '片': true, '罐': true, '袋': true, '杯': true, '条': true, '台': true, '副': true, '对': true,
	'箱': true, '盏': true, '张': true, '份': true, '颗': true, '把': true, '款': true, '册': true,
	'根': true, '卷': true, '块': true, '顶': true, '枚': true, '粒': true, '幅': true, '组': true,
	'口': true, // a wok, a pot: "两口铁锅"
	'筒': true, // a tube of shuttlecocks, a can of balls: "三筒羽毛球"

}

// numberIn reads the number at toks[k]: digits, a number word, or a run
// of Chinese numerals ("二十五"), and how many tokens it takes.
func (ix *Index) numberIn(toks []nameToken, k int) (float64, int, bool) {
	if !toks[k].han {
		v, ok := NumberValue(toks[k].text)
		return v, 1, ok
	}
	total, cur, n := 0, 0, 0
	for k+n < len(toks) && toks[k+n].han {
		v, ok := hanNumerals[[]rune(toks[k+n].text)[0]]
		if !ok {
			break
		}
		if v == 10 {
			total += max(cur, 1) * 10
			cur = 0
		} else {
			cur = cur*10 + v
		}
		n++
	}
	return float64(total + cur), n, n > 0
}

// neighbour returns the nearest meaningful word of toks on one side of k:
// the next word that is not a connector for Latin text, the two Chinese
// characters beside it (hanPair) when the neighbour is Chinese.
func (ix *Index) neighbour(toks []nameToken, k, dir int) string {
	j := k + dir
	if j < 0 || j >= len(toks) {
		return ""
	}
	if toks[j].han {
		var hs []string
		for ; j >= 0 && j < len(toks) && toks[j].han && len(hs) < 2; j += dir {
			hs = append(hs, toks[j].text)
		}
		return hanPair(hs, dir)
	}
	if toks[k].han {
		return stem(toks[j].text)
	}
	for ; j >= 0 && j < len(toks) && !toks[j].han; j += dir {
		w := toks[j].text
		if _, isNum := NumberValue(w); isNum && !spelledBesideDigits(toks[k].text, w) {
			return numberNeighbour
		}
		if !connectors[w] && !articles[w] {
			return stem(w)
		}
	}
	if j >= 0 && j < len(toks) {
		// "奶酪刀 No. 2": past the connector, the Chinese word is the
		// neighbour; without it the 2 would be a name by itself and
		// every 2 of a message the name's.
		var hs []string
		for ; j >= 0 && j < len(toks) && toks[j].han && len(hs) < 2; j += dir {
			hs = append(hs, toks[j].text)
		}
		return hanPair(hs, dir)
	}
	return ""
}

// numberNeighbour stands for a number beside a number in a name ("3x3",
// "2-4 joueurs"): such a number is not a name by itself, and no message
// word is compared with it.
const numberNeighbour = "#"

// hanPair joins up to two Chinese characters read going in dir (nearest
// first) in reading order.
func hanPair(hs []string, dir int) string {
	if len(hs) == 2 && dir < 0 {
		return hs[1] + hs[0]
	}
	return strings.Join(hs, "")
}

func dimensionKey(a, b float64) string {
	return "X|" + strconv.FormatFloat(a, 'f', -1, 64) + "|" + strconv.FormatFloat(b, 'f', -1, 64)
}

// NamesDimension reports whether some product's name writes "a x b"
// ("Pâtée 12 x 85 g", "Rubik's 3x3"): a message that writes it so names
// that size; elsewhere "2 x 25 m" is two of a 25 m hose.
func (ix *Index) NamesDimension(a, b float64) bool { return ix.hasNum(dimensionKey(a, b)) }

// NamesNumber reports whether some product's name writes the number v:
// "the 50 one" among gift cards of 25 and 50, "1984" among books.
func (ix *Index) NamesNumber(v float64) bool { return ix.hasNum(numKey('A', "", v)) }

// NameHasNumber reports whether some name of the product sku writes the
// number v ("moka pot, 3 cups" has 3).
func (ix *Index) NameHasNumber(sku concierge.SKU, v float64) bool {
	p := ix.Product(sku)
	if p == nil {
		return false
	}
	for _, name := range p.Name {
		for _, t := range nameTokens(Fold(name)) {
			if w, ok := NumberValue(t.text); ok && w == v {
				return true
			}
		}
	}
	return false
}

// NumberInName reports whether the number v, standing in a message with
// the words before it (nearest first) and after it (nearest first), is
// written as part of a product's name: whether some name has v right
// after the first meaningful word before it, or right before the first
// meaningful word after it. Words are folded; Chinese characters are one
// word each. Stop words ("de", "of") are skipped, as in names.
func (ix *Index) NumberInName(v float64, before, after []string) bool {
	if !ix.anyNums() {
		return false
	}
	if ix.hasNum(numKey('N', "", v)) {
		return true // "1984"
	}
	l := compared(ix.firstMeaningful(before, -1), 'L')
	r := compared(ix.firstMeaningful(after, +1), 'R')
	// A number after the word it follows in a name is the name's ("iPhone
	// 15 screen protector", "le coffret de six", "Marathon 42"): counts
	// come before what they count. A number that opens the phrase counts
	// ("3 paires de chaussettes en mérinos"), unless a name opens with it
	// and the same word after it ("1984", "25欧元礼品卡", "五常大米").
	if l != "" && ix.hasNum(numKey('L', l, v)) {
		if rs := []rune(r); len(rs) > 0 && counters[rs[0]] && !ix.hasNum(numKey('R', r, v)) && !ix.hasNum(pairKey(l, string(rs[0]), v)) && !ix.hasNum(pairKey(l, r, v)) {
			// "跑步袜三包" of "跑步袜（3双装）": a counter the name does
			// not write after its number counts packs of it; "叠叠塔10块
			// 加入购物车" of "叠叠塔 10块" writes the name's, after the
			// same word.
			return false
		}
		return true
	}
	if l != "" && r != "" && ix.hasNum(numKey('R', r, v)) && (ix.afterNameWords(before) || len([]rune(r)) == 2 && containsHan(r)) {
		// After the product's words and before the word that follows
		// it in a name: "une galette des rois pour 4 personnes" when a
		// name says "4 personnes"; a count would open the phrase.
		return true
	}
	if l != "" && len(before) > 0 && connectors[before[0]] && before[0] != "x" && ix.hasNum(numKey('D', "", v)) && ix.afterNameWords(before) {
		// "masques chirurgicaux de 50", "macarons de 12": a pack's size
		// said after the product, as names write "boîte de 50".
		return true
	}
	for n := 2; n <= 4; n++ {
		// "send 12 red roses" when a name ends "12 red roses": the words
		// after the number are all the rest of the name, so the number
		// is the name's. A count is followed by other words ("3
		// t-shirts col V" when a name ends "3 t-shirts blancs").
		if tail := wordsAfter(after, n); tail != "" && ix.hasNum(numKey('S', tail, v)) {
			return true
		}
	}
	if len(before) > 0 && connectors[before[0]] && before[0] != "x" && r != "" && ix.hasNum(numKey('R', r, v)) {
		// "la boîte de 12 couleurs" of "Couleurs … 12 couleurs": after
		// "de" or "of", and before the word a name writes after it, a
		// number says what the thing holds; a count would open the
		// phrase ("2 boîtes de 12 couleurs").
		return true
	}
	if rs := []rune(r); len(rs) == 1 && IsHan(rs[0]) && !counters[rs[0]] && ix.hasNum(numKey('R', r, v)) {
		// "12色国画颜料" of "国画颜料 12色": a Chinese count takes a
		// counter before what it counts ("两盒"); a number before the
		// character a name writes after it, with no counter, is the
		// name's wherever it stands.
		return true
	}
	if len(before) > 0 && !spelled(before[0]) && r != "" && ix.hasNum(pairKey(numberNeighbour, r, v)) {
		// "six" of "12 six-sided dice": after a number written in
		// digits, before the word a name writes there.
		if _, isNum := NumberValue(before[0]); isNum {
			return true
		}
	}
	return r != "" && ix.hasNum(pairKey("*", r, v))
}

// latinAfter returns the stems of the words that follow token k-1 of a
// name to its end, joined by spaces, when they are two to four Latin
// words ("12 red roses"), or "".
func latinAfter(toks []nameToken, k int) string {
	if n := len(toks) - k; n < 2 || n > 4 {
		return ""
	}
	ws := make([]string, 0, 4)
	for _, t := range toks[k:] {
		if t.han {
			return ""
		}
		ws = append(ws, t.text)
	}
	return wordsAfter(ws, len(ws))
}

// wordsAfter returns the stems of the first n words of ws joined by
// spaces, when they are all words of letters, or "".
func wordsAfter(ws []string, n int) string {
	if len(ws) < n {
		return ""
	}
	stems := make([]string, n)
	for i, w := range ws[:n] {
		if w == "" || containsHan(w) || !strings.ContainsFunc(w, unicode.IsLetter) {
			return ""
		}
		if _, isNum := NumberValue(w); isNum {
			return ""
		}
		stems[i] = stem(w)
	}
	return strings.Join(stems, " ")
}

// NumberInNameAcross is NumberInName for a number after a comma: the
// words on both sides must be the name's ("Vitamine C 1000 mg, 20
// comprimés"), since a comma usually ends an item ("橄榄油，一袋米").
func (ix *Index) NumberInNameAcross(v float64, before, after []string) bool {
	l := compared(ix.firstMeaningful(before, -1), 'L')
	r := compared(ix.firstMeaningful(after, +1), 'R')
	return l != "" && r != "" && ix.hasNum(pairKey(l, r, v))
}

// afterNameWords reports whether the words before a number (nearest
// first) are a name's: "galette des rois pour 4 personnes" follows the
// product, where "add 3 pairs" or "改成三双" follows a verb and counts.
func (ix *Index) afterNameWords(before []string) bool {
	if len(before) >= 2 && containsHan(before[0]) && containsHan(before[1]) {
		return ix.hasNum("W|" + before[1] + before[0])
	}
	for _, w := range before {
		if connectors[w] || articles[w] {
			continue
		}
		if ix.hasNum("W|"+w) || len(w) >= 5 && ix.Meaningful(w) {
			return true // "escabaeu 3 marches": a typo of a name's word
		}
	}
	return false
}

func (ix *Index) firstMeaningful(ws []string, dir int) string {
	for i, w := range ws {
		if w == "" {
			return ""
		}
		if containsHan(w) {
			hs := []string{w}
			if i+1 < len(ws) && containsHan(ws[i+1]) {
				hs = append(hs, ws[i+1])
			}
			return hanPair(hs, dir)
		}
		if !strings.ContainsFunc(w, unicode.IsLetter) && !strings.ContainsFunc(w, unicode.IsDigit) {
			continue // "°" in "n°7", "€"
		}
		if _, isNum := NumberValue(w); isNum && !spelled(w) {
			return ""
		}
		if !connectors[w] && !articles[w] {
			return stem(w)
		}
	}
	return ""
}

// spelledBesideDigits reports a number word written in letters beside a
// number written in digits: in "12 six-sided dice" the "six" is a word of
// what is counted, not a second number ("2-4 joueurs" has two).
func spelledBesideDigits(num, w string) bool {
	return strings.ContainsFunc(num, unicode.IsDigit) && spelled(w)
}

// spelled reports a word of letters only ("six", not "12" nor "3x3").
func spelled(w string) bool {
	return w != "" && !strings.ContainsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
}

// articles never stand beside a number as part of a name: "the 50" is
// pointed at, and "The Three Musketeers" is named by "Musketeers".
var articles = map[string]bool{"the": true, "le": true, "la": true, "les": true, "l": true, "un": true, "une": true,
	"a": true, "an": true, "this": true, "ce": true, "cette": true}

// nameConj are the words that join items in a message and may also join
// words in a name ("Thé vert jasmin et menthe", "黑和白").
var nameConj = map[string]bool{"and": true, "et": true, "和": true, "跟": true, "与": true, "、": true}

// ConjInName reports whether the conjunction conj between the folded
// words before and after it is written so in some product's name: "jasmin
// et menthe" is one tea, not two items.
func (ix *Index) ConjInName(before, conj, after string) bool {
	if before == "" || after == "" {
		return false
	}
	w := func(s string) string {
		if containsHan(s) {
			return s
		}
		return stem(s)
	}
	return ix.hasNum("C|" + w(before) + "|" + w(after))
}

// Meaningful reports whether text has words the catalog knows: a name, a
// shopping word, a word of some product.
func (ix *Index) Meaningful(text string) bool {
	terms, _ := ix.queryTerms(text)
	return len(terms) > 0 || len(ix.skuMentions(Fold(text))) > 0
}

// StartsPhrase reports whether text starts with a shopping phrase of
// several words ("sans fil" is cordless): its first word is then part of
// a meaning, not a word on its own.
func (ix *Index) StartsPhrase(text string) bool {
	for _, t := range ix.lx.analyze(Fold(text)) {
		return t.kind == conceptTerm && t.pos == 0 && len(tokenize(Fold(text))) > 1
	}
	return false
}

// neighbourWord is how a name token is compared with a message's word:
// Han characters as they are, Latin words stemmed.
func (ix *Index) neighbourWord(t nameToken) string {
	if t.han {
		return t.text
	}
	return stem(t.text)
}

// connectors are the small words that may stand between a number and its
// word in a name or a message ("coffret de six tasses", "set of 6").
// Other stop words break the link: in "un cadeau à 30 €" the 30 is a
// budget, not part of "Carte cadeau 30 €".
var connectors = map[string]bool{"de": true, "d": true, "du": true, "des": true, "of": true, "n": true, "no": true, "x": true}
