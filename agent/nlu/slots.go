package nlu

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/conciergehq/concierge/agent/catalog"
)

// seq reports whether the tokens from i on are the folded words ws.
func (p *parse) seq(i int, ws ...string) bool {
	if i < 0 || i+len(ws) > len(p.toks) {
		return false
	}
	for k, w := range ws {
		if !wordMatches(w, p.toks[i+k].norm) {
			return false
		}
	}
	return true
}

// endsBefore reports whether the tokens just before i are the words of one
// of phrases, and returns the length of the match.
func (p *parse) endsBefore(i int, phrases [][]string) int {
	for _, ph := range phrases {
		if p.seq(i-len(ph), ph...) {
			return len(ph)
		}
	}
	return 0
}

// startsAt reports whether the tokens from i are one of phrases, and
// returns the length of the match.
func (p *parse) startsAt(i int, phrases [][]string) int {
	for _, ph := range phrases {
		if p.seq(i, ph...) {
			return len(ph)
		}
	}
	return 0
}

func (p *parse) use(start, end int) {
	for k := max(start, 0); k < end && k < len(p.toks); k++ {
		p.used[k] = true
	}
}

// words splits phrases written with spaces; Chinese phrases are split
// into characters, as messages are.
func words(phrases ...string) [][]string {
	out := make([][]string, 0, len(phrases))
	for _, ph := range phrases {
		toks, _ := lex(ph)
		ws := make([]string, len(toks))
		for i, t := range toks {
			ws[i] = t.norm
		}
		out = append(out, ws)
	}
	return out
}

// Price phrases, by where they stand relative to the amount.
var (
	currencies = words("€", "$", "¥", "£", "eur", "euro", "euros", "dollar", "dollars", "usd", "balle",
		"balles", "bucks", "rmb", "yuan", "yuans", "kuai", "欧元", "欧", "元", "块钱", "块")
	maxBefore = words("moins de", "pas plus de", "max", "maximum", "maxi", "jusqu a", "en dessous de", "sous",
		"inferieur a", "budget de", "budget max", "budget", "moins que", "under", "below", "less than",
		"up to", "no more than", "not more than", "cheaper than", "within", "at most", "budget of",
		"max of", "lower than", "beneath", "<", "< =", "≤", "不超过", "低于", "少于", "最多", "不到", "小于",
		"预算")
	minBefore = words("plus de", "au moins", "minimum", "min", "superieur a", "over", "above", "more than",
		"at least", ">", "> =", "≥", "超过", "高于", "至少", "大于")
	maxAfter  = words("max", "maximum", "maxi", "ou moins", "or less", "tops", "at most", "以下", "以内", "之内", "或以下", "左右")
	minAfter  = words("ou plus", "or more", "et plus", "minimum", "min", "以上", "起")
	rangeFrom = words("entre", "between", "de", "from")
	rangeTo   = words("et", "and", "a", "to", "à", "~", "到", "至")
	// priceTail are words that may follow an amount without making it a
	// quantity: "moins de 50 pour une lampe" but not "moins de 3 lampes".
	priceTail = map[string]bool{
		"max": true, "maximum": true, "maxi": true, "tops": true, "ttc": true, "pour": true, "for": true,
		"svp": true, "stp": true, "please": true, "environ": true, "about": true, "ou": true, "or": true,
		"et": true, "and": true, "total": true, "budget": true, "each": true, "chacune": true, "chacun": true,
	}
	classifiers = map[string]bool{
		"个": true, "盏": true, "只": true, "件": true, "张": true, "份": true, "套": true, "支": true,
		"颗": true, "款": true, "台": true, "把": true, "条": true,
		"盒": true, "包": true, "袋": true, "瓶": true, "罐": true, "双": true, "本": true, "副": true, "箱": true, "对": true,
		"根": true, "卷": true, "块": true, "顶": true, "枚": true, "粒": true, "册": true, "幅": true, "组": true,
		"束": true, "枝": true, "朵": true, "盆": true, "株": true, "棵": true, "杯": true, "壶": true, "听": true,
		"桶": true, "片": true, "部": true, "辆": true, "提": true, "口": true, "筒": true,
	}
)

// amount is a price read in a message, in major units.
type amount struct {
	value      float64
	start, end int // tokens, currency included
	currency   bool
}

// amountAt reads a number at i with a currency before or after it.
func (p *parse) amountAt(i int) (amount, bool) {
	if i >= len(p.toks) || p.used[i] {
		return amount{}, false
	}
	n, ok := numberAt(p.toks, i)
	if !ok {
		return amount{}, false
	}
	a := amount{value: n.value, start: n.start, end: n.end}
	if k := p.startsAt(n.end, currencies); k > 0 && !p.sells(n.end) && !p.piecesOf(i, n.end+k) && !p.prefixOfNext(n.end, k) {
		a.end += k
		a.currency = true
	} else if k := p.endsBefore(i, currencies[:4]); k > 0 {
		a.start -= k
		a.currency = true
	}
	return a, true
}

// prefixOfNext reports whether the currency of k tokens at i is written
// against the number after it, apart from the one before: in "2 £25" the
// pound sign is the 25's, and 2 is a count.
func (p *parse) prefixOfNext(i, k int) bool {
	j := i + k
	return !p.toks[i].glued && j < len(p.toks) && p.toks[j].glued && p.toks[j].kind == tNumber
}

// sells reports whether the word at i, slang for money in some shops
// ("3 balles" is 3 euros), is what this shop sells ("3 balles en
// caoutchouc" are three rubber balls).
func (p *parse) sells(i int) bool {
	return p.ix != nil && slang[p.toks[i].norm] && p.ix.Meaningful(p.toks[i].orig)
}

var slang = setOf("balle", "balles", "bucks", "kuai", "块")

// piecesOf reports whether the "块" of the amount at i, ending at end, is
// the counter of a product rather than yuan: "一块墨锭" and "5号墨锭一块"
// are one ink stick, "墨锭50块以下" and "50块的墨锭" a budget. It counts
// when the Chinese words right after it are the catalog's, or when those
// right before the number are and nothing but punctuation follows.
func (p *parse) piecesOf(i, end int) bool {
	if p.ix == nil || p.toks[end-1].norm != "块" {
		return false
	}
	if after := p.hanRun(end, 1); after != "" {
		for _, w := range moneyTail {
			if strings.HasPrefix(after, w) {
				return false // "50块的", "50块左右"
			}
		}
		return p.ix.Meaningful(after)
	}
	// "两块100W太阳能板": a measure between the counter and the product's
	// words ("100", "W") does not make it yuan.
	j := end
	for j < len(p.toks) && j < end+3 && (p.toks[j].kind == tNumber || p.toks[j].kind == tWord || p.toks[j].kind == tCode) {
		j++
	}
	// "两块NP-FZ100电池": a model code the names write, too.
	if j > end && j < len(p.toks) && (p.toks[end].kind == tNumber || p.toks[end].kind == tCode && namesCode(p.ix, p.toks[end].orig) || p.toks[end].kind == tWord && p.ix.NameWord(p.toks[end].norm)) {
		if after := p.hanRun(j, 1); after != "" && p.ix.Meaningful(after) {
			return true
		}
	}
	for _, t := range p.toks[end:] {
		if t.kind != tSymbol {
			return false
		}
	}
	before := p.hanRun(i-1, -1)
	return before != "" && p.ix.Meaningful(before)
}

// moneyTail are what may follow "N块" when it is yuan.
var moneyTail = []string{"的", "钱", "左右", "以下", "以内", "之内", "以上", "起", "多", "一个", "一件", "一盒"}

// hanRun returns the Chinese characters from token i on, going in
// direction dir (+1 after, -1 before), up to anything else; "" when the
// token at i is not one.
func (p *parse) hanRun(i, dir int) string {
	var rs []string
	for ; i >= 0 && i < len(p.toks) && p.toks[i].kind == tHan; i += dir {
		rs = append(rs, p.toks[i].orig)
	}
	if dir < 0 {
		slices.Reverse(rs)
	}
	return strings.Join(rs, "")
}

// looksLikePrice reports whether a, with no currency, is still a price:
// nothing after it makes it a count of things.
func (p *parse) looksLikePrice(a amount) bool {
	if a.currency || a.end >= len(p.toks) {
		return true
	}
	next := p.toks[a.end]
	switch next.kind {
	case tWord:
		return priceTail[next.norm]
	case tHan:
		return !classifiers[next.norm]
	}
	return true
}

// toMinor converts an amount in major units to minor units. The shop's
// currency is assumed to have two decimals (EUR, USD, CNY); that is where
// "moins de 50 euros" becomes 5000.
func toMinor(v float64) int64 { return int64(math.Round(v * 100)) }

// extractPrice fills PriceMin and PriceMax from ranges ("entre 30 et 60 €"),
// bounds ("moins de 50 euros", "under 60", "五十欧以下", "<50€") and bare
// amounts ("une lampe à 40 €" is a budget, so a maximum).
func (p *parse) extractPrice(in *Intent) {
	for i := 0; i < len(p.toks); i++ {
		a, ok := p.amountAt(i)
		if !ok {
			continue
		}
		// A range: "entre 30 et 60 €", "30-60€", "30 à 60 euros", "30到60元".
		j := a.end
		if k := p.startsAt(j, rangeTo); k > 0 {
			j += k
		}
		if b, ok := p.amountAt(j); ok && j > a.end || ok && b.start == a.end && p.toks[a.end].kind == tNumber {
			from := p.endsBefore(a.start, rangeFrom)
			if (a.currency || b.currency || from > 0 && p.toks[a.start-from].norm != "de") && b.value > a.value {
				in.PriceMin, in.PriceMax = toMinor(a.value), toMinor(b.value)
				p.use(a.start-from, b.end)
				i = b.end - 1
				continue
			}
		}
		if k := p.endsBefore(a.start, maxBefore); k > 0 && p.looksLikePrice(a) {
			in.PriceMax = toMinor(a.value)
			p.use(a.start-k, a.end+p.startsAt(a.end, maxAfter))
			i = a.end - 1
			continue
		}
		if k := p.endsBefore(a.start, minBefore); k > 0 && p.looksLikePrice(a) && (a.currency || a.value >= 10) {
			in.PriceMin = toMinor(a.value)
			p.use(a.start-k, a.end+p.startsAt(a.end, minAfter))
			i = a.end - 1
			continue
		}
		if k := p.startsAt(a.end, maxAfter); k > 0 && (a.currency || p.toks[a.end].kind == tHan) {
			in.PriceMax = toMinor(a.value)
			p.use(a.start, a.end+k)
			i = a.end + k - 1
			continue
		}
		if k := p.startsAt(a.end, minAfter); k > 0 && a.currency {
			in.PriceMin = toMinor(a.value)
			p.use(a.start, a.end+k)
			i = a.end + k - 1
			continue
		}
		if a.currency && p.ix != nil && p.ix.NamesNumber(a.value) {
			// "a £50 gift voucher" where a name writes the 50, with no
			// "under" nor "max": the name's amount, not a budget.
			p.markNamed(number{value: a.value, start: a.start, end: a.end})
			i = a.end - 1
			continue
		}
		if a.currency {
			in.PriceMax = toMinor(a.value)
			p.use(a.start, a.end)
			i = a.end - 1
		}
	}
}

// ordinalWords are the 1-based positions French and English name; -1 is
// the last.
var ordinalWords = func() map[string]int {
	m := map[string]int{
		"premier": 1, "premiere": 1, "premiers": 1, "premieres": 1, "1er": 1, "1ere": 1, "1re": 1,
		"deuxieme": 2, "second": 2, "seconde": 2, "troisieme": 3, "quatrieme": 4, "cinquieme": 5,
		"sixieme": 6, "septieme": 7, "huitieme": 8, "neuvieme": 9, "dixieme": 10,
		"first": 1, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
		"tenth": 10, "1st": 1, "2nd": 2, "2nde": 2, "3rd": 3,
		"dernier": -1, "derniere": -1, "derniers": -1, "dernieres": -1, "last": -1, "penultimate": -2,
	}
	for n := 2; n <= 10; n++ {
		s := strconv.Itoa(n)
		for _, suf := range []string{"e", "eme", "th"} {
			if _, ok := m[s+suf]; !ok {
				m[s+suf] = n
			}
		}
	}
	return m
}()

// firstN returns 1..n, or the last n positions when n counts from the end.
func firstN(n int, fromEnd bool) []int {
	out := make([]int, 0, n)
	for k := 1; k <= n; k++ {
		if fromEnd {
			out = append(out, k-n-1)
		} else {
			out = append(out, k)
		}
	}
	return out
}

// extractOrdinals reads positions in what was shown: "la deuxième" [2],
// "the first two" [1 2], "les deux premières" [1 2], "第一个" [1], "前两个"
// [1 2], "the last one" [-1], "number 3" [3].
func (p *parse) extractOrdinals(in *Intent) {
	add := func(ns ...int) {
		for _, n := range ns {
			if n != 0 && !containsInt(in.Ordinals, n) {
				in.Ordinals = append(in.Ordinals, n)
			}
		}
	}
	count := func(i int) (number, bool) {
		if i < 0 || i >= len(p.toks) || p.used[i] {
			return number{}, false
		}
		n, ok := numberAt(p.toks, i)
		if !ok && (p.toks[i].norm == "un" || p.toks[i].norm == "une" || p.toks[i].norm == "one") {
			return number{value: 1, start: i, end: i + 1}, true
		}
		return n, ok && n.value >= 1 && n.value <= 20
	}
	for i := 0; i < len(p.toks); i++ {
		t := p.toks[i]
		if p.used[i] {
			continue
		}
		if t.kind == tHan {
			p.hanOrdinal(i, add, count)
			continue
		}
		if p.seq(i, "avant", "dernier*") || p.seq(i, "second", "to", "last") {
			k := 2
			if p.toks[i].norm == "second" {
				k = 3
			}
			add(-2)
			p.use(i, i+k)
			continue
		}
		v, ok := ordinalWords[t.norm]
		if ok && i > 0 && notOrdinalAfter[p.toks[i-1].norm] {
			ok = false // "wait a second", "cheapest first", "en premier"
		}
		if ok {
			// "the first two", "les deux premiers": a count after or before;
			// "the second one" is just the second.
			if n, ok := count(i + 1); ok && (p.toks[i+1].kind == tNumber || isCountWord(p.toks[i+1].norm)) {
				if n.value == 1 || v != 1 && v != -1 {
					add(v)
					p.use(i, n.end)
					continue
				}
				add(firstN(int(n.value), v < 0)...)
				p.use(i, n.end)
				continue
			}
			if i > 0 {
				if n, ok := count(i - 1); ok && (v == 1 || v == -1) && isPlural(t.norm) {
					add(firstN(int(n.value), v < 0)...)
					p.use(i-1, i+1)
					continue
				}
			}
			add(v)
			p.use(i, i+1)
			continue
		}
		// "la 1 et la 3", "the 2": an article before a bare small number.
		if (t.norm == "la" || t.norm == "le" || t.norm == "the") && i+1 < len(p.toks) && p.toks[i+1].kind == tNumber {
			if n, ok := count(i + 1); ok && !n.words && (n.end == len(p.toks) || p.toks[n.end].kind != tWord ||
				p.toks[n.end].norm == "et" || p.toks[n.end].norm == "and" || p.toks[n.end].norm == "ou" || p.toks[n.end].norm == "or") {
				add(int(n.value))
				p.use(i, n.end)
				i = n.end - 1
				continue
			}
		}
		// "number 2", "n°2", "#2", "option 2", "top 3".
		if k := p.startsAt(i, numberMarks); k > 0 {
			if n, ok := count(i + k); ok && !n.words {
				add(int(n.value))
				p.use(i, n.end)
				i = n.end - 1
			}
			continue
		}
		if t.norm == "top" {
			if n, ok := count(i + 1); ok {
				add(firstN(int(n.value), false)...)
				p.use(i, n.end)
			}
		}
	}
}

// numberMarks introduce a position ("number 2", "n°2", "#2"); orderMarks
// an order number.
var (
	numberMarks = words("number", "numero", "num", "no", "n °", "#", "option", "choix", "choice")
	orderMarks  = words("commande", "order", "订单", "#", "n °", "no", "numero", "number")
)

// notOrdinalAfter are words after which an ordinal word is not a position
// in what was shown.
var notOrdinalAfter = setOf("a", "one", "cheapest", "expensive", "price", "prix", "cher", "chere", "en", "d",
	"lowest", "highest", "come", "served")

// isCountWord reports whether w can be a count after an ordinal ("the
// first two"), as opposed to a noun.
func isCountWord(w string) bool {
	_, ok := numberWords[w]
	return ok || w == "un" || w == "une" || w == "one"
}

func isPlural(w string) bool { return strings.HasSuffix(w, "s") }

// hanOrdinal reads Chinese positions at i: 第N, 前N, 最后N / 最后一个, 倒数第N.
func (p *parse) hanOrdinal(i int, add func(...int), count func(int) (number, bool)) {
	t := p.toks[i].norm
	switch {
	case t == "第":
		if n, ok := count(i + 1); ok {
			add(int(n.value))
			p.use(i, p.skipClassifier(n.end))
		}
	case t == "前" || t == "后" && (i == 0 || p.toks[i-1].norm != "最"):
		if n, ok := count(i + 1); ok && n.end < len(p.toks) && classifiers[p.toks[n.end].norm] {
			add(firstN(int(n.value), t == "后")...)
			p.use(i, p.skipClassifier(n.end))
		}
	case p.seq(i, "倒", "数", "第"):
		if n, ok := count(i + 3); ok {
			add(-int(n.value))
			p.use(i, p.skipClassifier(n.end))
		}
	case p.seq(i, "最", "后"):
		end := i + 2
		if n, ok := count(end); ok && n.value > 1 {
			add(firstN(int(n.value), true)...)
			end = n.end
		} else {
			if ok {
				end = n.end
			}
			add(-1)
		}
		p.use(i, p.skipClassifier(end))
	}
}

// skipClassifier returns i, or i+1 when token i is a Chinese classifier.
func (p *parse) skipClassifier(i int) int {
	if i < len(p.toks) && classifiers[p.toks[i].norm] {
		return i + 1
	}
	return i
}

func containsInt(s []int, n int) bool {
	for _, x := range s {
		if x == n {
			return true
		}
	}
	return false
}

// extractOrder reads an order reference: a hyphenated code that is not a
// SKU ("ML-7K3Q9D"), a word mixing letters and digits ("A1B2C3"), or a long
// number after "commande", "order", "订单" or "#".
func (p *parse) extractOrder(in *Intent, isSKU func(string) bool) {
	for i, t := range p.toks {
		var ref string
		switch {
		case t.kind == tCode && !isSKU(t.orig):
			ref = t.orig
		case t.kind == tWord && looksLikeOrderRef(t.orig) && !isSKU(t.orig):
			ref = t.orig
		case t.kind == tNumber && len(t.norm) >= 5 && allDigits(t.norm) &&
			p.endsBefore(i, orderMarks) > 0:
			ref = t.orig
		}
		if ref != "" {
			in.Order = strings.ToUpper(ref)
			p.use(i, i+1)
			return
		}
	}
}

// looksLikeOrderRef reports whether w reads as an order reference: 5 to 12
// letters and digits, mixed at least twice ("A1B2C3", "7K3Q9D"), or typed
// in capitals with both ("ABC123"). "e27", "gu10", "2700k" do not.
func looksLikeOrderRef(w string) bool {
	if len(w) < 5 || len(w) > 12 {
		return false
	}
	changes, letters, digits, upper := 0, 0, 0, true
	for i, r := range w {
		if r > unicode.MaxASCII || !isAlnum(r) {
			return false
		}
		isD := unicode.IsDigit(r)
		if isD {
			digits++
		} else {
			letters++
			upper = upper && unicode.IsUpper(r)
		}
		if i > 0 && isD != unicode.IsDigit(rune(w[i-1])) {
			changes++
		}
	}
	if letters == 0 || digits == 0 {
		return false
	}
	return changes >= 2 || upper && len(w) >= 6
}

// Quantity context.
var (
	units = map[string]bool{
		"w": true, "watt": true, "watts": true, "k": true, "kelvin": true, "lm": true, "lumen": true,
		"lumens": true, "cm": true, "mm": true, "m": true, "h": true, "heure": true, "heures": true,
		"hour": true, "hours": true, "an": true, "ans": true, "year": true, "years": true, "jour": true,
		"jours": true, "day": true, "days": true, "min": true, "minute": true, "minutes": true, "%": true,
		"°": true, "fois": true, "times": true, "瓦": true, "年": true, "天": true, "小": true, "分": true, "号": true,
		"ml": true, "cl": true, "l": true, "kg": true, "g": true, "mah": true, "gb": true, "go": true, "tb": true, "v": true,
		"litre": true, "litres": true, "liter": true, "liters": true, "kilo": true, "kilos": true,
		"gramme": true, "grammes": true, "gram": true, "grams": true, "metre": true, "metres": true,
		"meter": true, "meters": true, "pouce": true, "pouces": true, "inch": true, "inches": true,
		"公": true, "克": true, "升": true, "毫": true,
		"厘": true, "米": true,
	}
	// notCount are words after which "one" is a pronoun, not a number.
	notCount = map[string]bool{
		"which": true, "this": true, "that": true, "the": true, "each": true, "any": true, "every": true,
		"no": true, "other": true, "another": true, "first": true, "last": true, "next": true, "same": true,
		"new": true, "right": true, "only": true, "a": true, "favourite": true, "favorite": true, "cheapest": true,
		"brighter": true, "better": true, "best": true, "cheaper": true, "big": true, "small": true,
	}
	// refBefore makes a following number a reference ("ces deux", "these
	// two", "这两个"), not a quantity.
	refBefore = map[string]bool{
		"ces": true, "these": true, "those": true, "这": true, "那": true, "前": true, "后": true,
		"entre": true, "between": true, "of": true,
		// "the one with 2 stems" (withWords): what a product has, not
		// how many are wanted.
		"with": true, "avec": true, "带": true,
	}
)

// extractQuantity reads how many items are meant: "2 lampes", "deux",
// "x3", "make it 4", "mets-en une", "une seule", "just one", "两个". Prices,
// ordinals, units ("60 W") and references ("ces deux") are not quantities.
func (p *parse) extractQuantity(in *Intent) {
	for i := 0; i < len(p.toks); i++ {
		if p.used[i] {
			continue
		}
		if q, end := p.quantityAt(i); q > 0 {
			in.Quantity = q
			p.qtyAt = i
			if i > 0 && !p.used[i-1] && (p.toks[i-1].norm == "x" || p.toks[i-1].norm == "×") {
				i-- // "x2": the sign is the count's, no word to search
			}
			p.use(i, end)
			return
		}
	}
}

// quantityAt returns the quantity read at token i and the end of its
// tokens, or 0.
func (p *parse) quantityAt(i int) (int, int) {
	t := p.toks[i]
	prev, next := "", ""
	if i > 0 {
		prev = p.toks[i-1].norm
	}
	if i+1 < len(p.toks) {
		next = p.toks[i+1].norm
	}
	switch t.norm {
	case "a", "an":
		if countNouns[next] && !p.articleOfName(i) {
			return 1, p.skipCountNoun(i + 1) // "a pair of boots" is one pair
		}
		return 0, 0
	case "un", "une":
		if countNouns[next] && !p.articleOfName(i) {
			return 1, p.skipCountNoun(i + 1)
		}
		// An article unless it stands alone at the end ("mets-en une"),
		// or is "un seul", "juste une", "qu'une", "une de plus".
		if next == "seul" || next == "seule" || prev == "juste" || prev == "qu" || prev == "que" || prev == "seulement" ||
			next == "de" && i+2 < len(p.toks) && p.toks[i+2].norm == "plus" || next == "" && prev == "en" {
			return 1, i + 1
		}
		return 0, 0
	case "one":
		if prev == "only" && (i < 2 || p.toks[i-2].norm != "the") && next != "of" {
			return 1, i + 1 // "sorry, only one", not "the only one in blue"
		}
		if notCount[prev] || next == "of" || p.pronounOne(i) {
			return 0, 0
		}
		return 1, i + 1
	case "single":
		if prev == "a" {
			return 1, i + 1
		}
		return 0, 0
	}
	n, ok := numberAt(p.toks, i)
	// Up to 99 a number may be a count too large to take (refused);
	// beyond, only where the merchant sells that many on one line.
	if !ok || n.value != math.Trunc(n.value) || n.value < 1 || n.value > float64(max(99, p.max)) {
		return 0, 0
	}
	end := n.end
	after := ""
	if end < len(p.toks) {
		after = p.toks[end].norm
	}
	if p.measure(end - 1) {
		return 0, 0 // "6杯的摩卡壶", "24枝的红玫瑰": a measure of the thing, not a count
	}
	if (t.norm == "俩" || t.norm == "仨") && prev == "们" {
		return 0, 0 // "我们俩": the two of us
	}
	if t.kind == tHan {
		// Chinese counts things with a classifier: "两个", "三盏".
		if !classifiers[after] && prev != "要" && prev != "来" && prev != "买" && prev != "订" && t.norm != "俩" && t.norm != "仨" {
			return 0, 0
		}
		if refBefore[prev] {
			return 0, 0
		}
		if k := p.skipClassifier(end); k > end && k < len(p.toks) && p.toks[k].norm == "装" {
			return 0, 0 // "四只装": a pack of four, the size of what is sold
		}
		if k := p.skipClassifier(end); n.value == 1 && t.norm == "一" && k < len(p.toks) && p.toks[k].kind == tHan {
			// "一本漫画" is "a comic" as much as "one comic"; after the
			// product ("绿色瑜伽垫一个") it is a count.
			p.indefOne = true
		}
		return int(n.value), p.skipClassifier(end)
	}
	if units[after] || refBefore[prev] {
		return 0, 0
	}
	if i > 0 && p.toks[i-1].kind == tWord && articleWords[strings.ToLower(p.toks[i-1].orig)] && prev != "one" &&
		t.norm != "" && t.norm[0] >= '0' && t.norm[0] <= '9' { // "a dozen" counts
		// "a 6 ft leash", "un 9 pieds": the article counts one, and the
		// number is the name's.
		if p.ix != nil && p.ix.NamesNumber(n.value) {
			p.markNamed(n)
		}
		return 0, 0
	}
	if (prev == "les" || prev == "the") && (end == len(p.toks) || p.toks[end].kind == tSymbol) {
		return 0, 0 // "je prends les deux": both of what was shown
	}
	if (prev == "des" || prev == "d" || prev == "the" && n.start > 1 && p.toks[n.start-2].norm == "of") && (end == len(p.toks) || p.toks[end].kind == tSymbol) {
		return 0, 0 // "le moins cher des deux", "the cheaper of the two": which, not how many
	}
	if k := p.skipClassifier(end); k > end {
		return int(n.value), k // "3支护手霜": the counter is the count's
	}
	return int(n.value), p.skipCountNoun(end)
}

// countNouns are the words a count is of rather than the product:
// "2 paires de semelles", "three bottles of olive oil", "4 exemplaires".
var countNouns = setOf("paire", "paires", "pair", "pairs", "exemplaire", "exemplaires", "copy", "copies",
	"unit", "units", "unite", "unites", "piece", "pieces", "pack", "packs", "boite", "boites", "box", "boxes",
	"bouteille", "bouteilles", "bottle", "bottles", "tube", "tubes", "flacon", "flacons", "lot", "lots",
	"tin", "tins", "sachet", "sachets", "bag", "bags", "jar", "jars", "pcs", "sac", "sacs", "paquet", "paquets",
	"packet", "packets", "carton", "cartons", "rouleau", "rouleaux", "roll", "rolls")

// skipCountNoun returns the end of a count's tokens past a count noun and
// its "de"/"of" ("2 paires de" semelles), or end.
func (p *parse) skipCountNoun(end int) int {
	if end < len(p.toks) && (p.toks[end].norm == "x" || p.toks[end].norm == "×") {
		return end + 1 // "2x thé vert", "2 × Earl Grey"
	}
	if end < len(p.toks) && countNouns[p.toks[end].norm] {
		k := end + 1
		if k < len(p.toks) && (p.toks[k].norm == "de" || p.toks[k].norm == "d" || p.toks[k].norm == "of") {
			k++
		}
		if k < len(p.toks) && p.toks[k].kind == tNumber {
			// "un lot de 4 verres": the lot is the product's; "a roll of
			// 120 film": what follows the count is the name's number,
			// whatever the merchant's bound on a line.
			n, ok := numberAt(p.toks, k)
			if ok && p.ix != nil && p.ix.NamesNumber(n.value) {
				p.markNamed(n)
				if !p.ix.NameWord(p.toks[end].norm) && p.ix.NumberInName(n.value, nil, p.wordsFrom(n.end, +1)) {
					return k // "2 copies of 7 Wonders": the copies are the count's, the 7 the name's
				}
			}
			return end
		}
		if w := p.toks[end].norm; p.ix != nil && (packNouns[w] && p.packOfFound(w, k) || p.headOfFound(w, end, k)) {
			// "2 packs of 16T wagons" where a name says "3-pack": the
			// pack is what is counted and what is asked for; the word
			// stays for the products to be told apart. So does a
			// container the words find as a product's own: "un sac de
			// golf" is a golf bag, not a bag of golf.
			return end
		}
		return k
	}
	return end
}

// packOfFound reports whether some product the words from token k find
// has the pack word w in its name: "2 packs of 16T wagons" where the
// wagon is sold alone and as a "3-pack", not "6 packs of Saaz" where only
// other products come in packs.
func (p *parse) packOfFound(w string, k int) bool {
	var words []string
	for i := k; i < len(p.toks) && !p.toks[i].sep; i++ {
		words = append(words, p.toks[i].norm)
	}
	one := strings.TrimSuffix(w, "s")
	for _, h := range p.ix.Search(catalog.Query{Text: strings.Join(words, " "), Limit: 8}) {
		if h.Score <= 0 {
			continue
		}
		for _, name := range p.ix.Product(h.SKU).Name {
			for _, nw := range strings.FieldsFunc(catalog.Fold(name), func(r rune) bool { return !isAlnum(r) }) {
				if nw == w || nw == one {
					return true
				}
			}
		}
	}
	return false
}

// packNouns are the count nouns that name a pack of several things, which
// a catalog may sell beside the thing alone.
var packNouns = setOf("pack", "packs", "lot", "lots", "set", "sets", "coffret", "coffrets", "carton", "cartons")

// articleOfName reports whether the article at i stands before a count
// noun that is itself a word of some product's name and says no "of"
// after it: "un sac" in a shop that sells a "Sac à main" asks for the
// bag, where "un sac de terreau" counts bags of compost.
func (p *parse) articleOfName(i int) bool {
	if p.ix == nil || i+1 >= len(p.toks) {
		return false
	}
	if k := i + 2; k < len(p.toks) && (p.toks[k].norm == "de" || p.toks[k].norm == "d" || p.toks[k].norm == "of") {
		return false
	}
	return p.ix.NameWord(p.toks[i+1].norm)
}

// pronounOne reports whether "one" at i stands for a product described
// before it ("the 50 one", "the black one", "that blue one") rather than
// counting.
func (p *parse) pronounOne(i int) bool {
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		switch t := p.toks[k]; {
		case t.kind == tNumber && k == i-1:
			return true
		case t.norm == "the" || t.norm == "this" || t.norm == "that" || t.norm == "which":
			return true
		}
	}
	return false
}

// refWords point at something shown.
var (
	refAlways = map[string]bool{
		"celle": true, "celui": true, "ceux": true, "celles": true, "ca": true, "cela": true, "ceci": true,
		"ces": true, "cette": true, "cet": true, "it": true, "this": true, "these": true,
		"those": true, "them": true, "both": true, "它": true, "它们": true,
	}
	subjects   = map[string]bool{"je": true, "j": true, "tu": true, "on": true, "nous": true, "vous": true}
	objectPron = map[string]bool{"la": true, "le": true, "les": true, "l": true, "en": true}
	// pronounFollow may follow an object pronoun after an imperative
	// ("ajoute-la au panier", "prends-en deux").
	pronounFollow = map[string]bool{
		"au": true, "aux": true, "dans": true, "svp": true, "stp": true, "aussi": true, "merci": true,
		"please": true, "moi": true,
	}
	thatRelative = map[string]bool{
		"is": true, "was": true, "has": true, "have": true, "can": true, "will": true, "would": true,
		"gives": true, "works": true, "fits": true, "comes": true, "are": true, "does": true,
	}
)

// extractRef reports whether the message points at something shown: "la",
// "celle-ci", "ces deux", "it", "those two", "这个", "它".
func (p *parse) extractRef() bool {
	for i, t := range p.toks {
		prev, next := "", ""
		if i > 0 {
			prev = p.toks[i-1].norm
		}
		if i+1 < len(p.toks) {
			next = p.toks[i+1].norm
		}
		switch {
		case refAlways[t.norm]:
			return true
		case t.norm == "that":
			if !thatRelative[next] || i == 0 {
				return true
			}
		case t.norm == "one" && (prev == "this" || prev == "that" || prev == "the"):
			return true
		case t.norm == "les" && (next == "deux" || next == "2") && (i+2 == len(p.toks) || p.toks[i+2].kind == tSymbol):
			return true
		case objectPron[t.norm] && subjects[prev]:
			return true
		case objectPron[t.norm] && i > 0 && p.toks[i-1].kind == tWord && !subjects[prev] &&
			(next == "" || pronounFollow[next] || i+1 < len(p.toks) && p.toks[i+1].kind == tNumber ||
				isCountWord(next) && next != "un" && next != "une" || i+1 < len(p.toks) && p.toks[i+1].kind == tSymbol):
			return true
		case t.kind == tHan && (t.norm == "这" || t.norm == "那") &&
			(classifiers[next] || next == "些" || next == "种" || next == "两" || next == "几" || next == "二"):
			return true
		case t.norm == "都" && (next == "要" || prev == "个"):
			return true
		}
	}
	return false
}

// namesCode reports whether some name writes the parts of a hyphenated
// code one after the other: "S-04" of "Safale S-04 ale yeast" is a
// product's model, not an order reference, although the name's words are
// "s" and "04".
func namesCode(ix *catalog.Index, code string) bool {
	parts := strings.FieldsFunc(catalog.Fold(code), func(r rune) bool { return !isAlnum(r) })
	if len(parts) < 2 {
		return false
	}
	for i := 1; i < len(parts); i++ {
		if !ix.NameBigram(parts[i-1], parts[i]) {
			return false
		}
	}
	return true
}

// headOfFound reports a French container noun followed by "de" that is
// the first word of a product the words find: "un sac de golf" where a
// name starts "Sac trépied" is a golf bag, not a bag of golf ("2 sachets
// de Saaz" stays a count of sachets: no name starts with "sachet").
func (p *parse) headOfFound(w string, at, k int) bool {
	if k-at != 2 || p.toks[at+1].norm != "de" && p.toks[at+1].norm != "d" || k >= len(p.toks) {
		return false
	}
	words := []string{w}
	for i := k; i < len(p.toks) && !p.toks[i].sep; i++ {
		words = append(words, p.toks[i].norm)
	}
	one := strings.TrimSuffix(w, "s")
	for _, h := range p.ix.Search(catalog.Query{Text: strings.Join(words, " "), Limit: 8}) {
		for _, name := range p.ix.Product(h.SKU).Name {
			f := strings.FieldsFunc(catalog.Fold(name), func(r rune) bool { return !isAlnum(r) })
			if len(f) > 0 && (f[0] == w || f[0] == one) {
				return true
			}
		}
	}
	return false
}
