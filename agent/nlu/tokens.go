package nlu

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/conciergehq/concierge/agent/catalog"
)

// tokKind says what a token is made of.
type tokKind uint8

const (
	tWord   tokKind = iota // letters, or letters and digits ("e27")
	tNumber                // digits, maybe with a decimal part ("49,90")
	tHan                   // one Chinese character
	tSymbol                // one symbol: "€", "<", an emoji
	tCode                  // a hyphenated code with digits: "LAMP-02", "ML-7K3Q9D"
)

// tok is one token of a message. Chinese is cut into characters so that
// Chinese cues and French or English cues match the same way, one token
// after another.
type tok struct {
	orig string // as typed
	norm string // folded: lower case, no accents
	kind tokKind
	// glued is set when nothing separated the token from the previous one
	// ("50€", Chinese characters); it keeps Chinese words together in a
	// query.
	glued bool
	// sep is set when a comma, semicolon or full stop came before the
	// token: items of a list are separated so.
	sep bool
	// colon is set when a colon came before the token: it cuts a count
	// from its parts ("deux ciseaux : un de 6 mm et un de 20 mm") but not
	// a name ("Ticket to Ride: Europe").
	colon bool
	// neg is set on a number typed with a minus sign ("-2").
	neg bool
	// joiner is the slash or hyphen typed between this number and the
	// number before it, without spaces ("3/4", "3-6"); 0 otherwise.
	joiner rune
	// elided is set on a word an apostrophe ends ("d'", "l'").
	elided bool
	// hyphen is set on a word a hyphen joins to the number before it
	// ("pin" of "8-pin").
	hyphen bool
}

// codePattern finds hyphenated codes with a digit (SKUs, order numbers), so
// that the digits of "LAMP-02" are not read as a quantity.
//
// "2-in-1", "3-en-1" are matched first: a kind of product, one word,
// neither a code nor a count.
var codePattern = regexp.MustCompile(`(?i)[0-9]+-(?:in|en|em)-[0-9]+|[A-Za-z]{1,10}-[A-Za-z0-9]*[0-9][A-Za-z0-9]*`)

// lex cuts text into tokens and reports whether it asks a question.
func lex(text string) (toks []tok, question bool) {
	if !strings.Contains(text, "-") {
		return lexPlain(text, nil, false)
	}
	last := 0
	for _, m := range codePattern.FindAllStringIndex(text, -1) {
		if r, _ := utf8.DecodeLastRuneInString(text[:m[0]]); isAlnum(r) && !catalog.IsHan(r) {
			continue // part of a longer word
		}
		toks, question = lexPlain(text[last:m[0]], toks, question)
		code := text[m[0]:m[1]]
		kind := tCode
		if code[0] >= '0' && code[0] <= '9' {
			kind = tWord // "2-in-1"
		}
		toks = append(toks, tok{orig: code, norm: strings.ToLower(code), kind: kind})
		last = m[1]
	}
	return lexPlain(text[last:], toks, question)
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// lexPlain appends the tokens of text, which holds no code.
func lexPlain(text string, toks []tok, question bool) ([]tok, bool) {
	rs := []rune(text)
	glued, sep, colon, minus, hyphen := false, false, false, false, false
	var joiner rune
	for i := 0; i < len(rs); {
		r := rs[i]
		before := len(toks)
		switch {
		case catalog.IsHan(r):
			toks = append(toks, tok{orig: string(r), norm: string(r), kind: tHan, glued: glued})
			glued = true
			i++
		case isAlnum(r) || unicode.Is(unicode.Mn, r):
			j := i
			for j < len(rs) && (isAlnum(rs[j]) && !catalog.IsHan(rs[j]) || unicode.Is(unicode.Mn, rs[j]) ||
				(rs[j] == '.' || rs[j] == ',') && j > i && j+1 < len(rs) && unicode.IsDigit(rs[j-1]) && unicode.IsDigit(rs[j+1])) {
				j++
			}
			toks = appendWord(toks, string(rs[i:j]), glued)
			glued = true
			i = j
		case r == '?' || r == '？':
			question = true
			glued, sep = false, true
			i++
		case (r == '-' || r == '−') && i+1 < len(rs) && unicode.IsDigit(rs[i+1]) && (i == 0 || unicode.IsSpace(rs[i-1]) || catalog.IsHan(rs[i-1])):
			glued, minus = false, true
			i++
		case (r == '/' || r == '-' || r == '–' || r == ':' || r == '\'' || r == '’') && i > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i-1]) && unicode.IsDigit(rs[i+1]):
			// "3/4", "3-6", "7'2": joined numbers, one size or two
			// numbers (joinNumbers decides with the catalog).
			glued, joiner = false, r
			if r == '’' {
				joiner = '\''
			}
			i++
		case r == '-' && i > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i-1]) && unicode.IsLetter(rs[i+1]) && !catalog.IsHan(rs[i+1]):
			// "8-pin", "6-pack": the word is joined to the number.
			glued, hyphen = false, true
			i++
		case unicode.IsSpace(r) || r == '\'' || r == '’' || r == '-' || unicode.IsPunct(r) && !isSymbolPunct(r):
			if (r == '\'' || r == '’') && glued && len(toks) > 0 && toks[len(toks)-1].kind == tWord {
				toks[len(toks)-1].elided = true
			}
			if strings.ContainsRune(",;.!、，；。！…", r) {
				sep = true
			}
			colon = colon || r == ':' || r == '：'
			glued = false
			i++
		default:
			// Symbols (currency, comparison, emoji) are tokens. An emoji's
			// variation selectors and joiners belong to it.
			j := i + 1
			for j < len(rs) && (rs[j] == 0xFE0F || rs[j] == 0x200D || unicode.Is(unicode.Sk, rs[j])) {
				j++
			}
			s := string(rs[i:j])
			toks = append(toks, tok{orig: s, norm: s, kind: tSymbol, glued: glued})
			glued = true
			i = j
		}
		if len(toks) > before {
			toks[before].sep = sep && before > 0
			toks[before].colon = colon && before > 0
			toks[before].neg = minus && toks[before].kind == tNumber
			toks[before].hyphen = hyphen
			if toks[before].kind == tNumber {
				toks[before].joiner = joiner
			}
			sep, colon, minus, joiner, hyphen = false, false, false, 0, false
		}
	}
	return toks, question
}

// isSymbolPunct reports punctuation that means something in a shopping
// message: "<50", "#2", "n°2".
func isSymbolPunct(r rune) bool { return r == '#' || r == '%' || r == '°' }

// appendWord appends a run of letters and digits, splitting a number from
// a unit glued to it ("60eur", "2x", "x2").
func appendWord(toks []tok, w string, glued bool) []tok {
	norm := catalog.Fold(w)
	d := 0
	for d < len(norm) && (norm[d] >= '0' && norm[d] <= '9' || norm[d] == '.' || norm[d] == ',') {
		d++
	}
	switch {
	case d == len(norm):
		return append(toks, tok{orig: w, norm: norm, kind: tNumber, glued: glued})
	case d > 0 && catalog.UnitSuffix(norm[d:]):
		return append(toks,
			tok{orig: w[:d], norm: norm[:d], kind: tNumber, glued: glued},
			tok{orig: w[d:], norm: norm[d:], kind: tWord, glued: true})
	case len(norm) > 1 && norm[0] == 'x' && allDigits(norm[1:]):
		return append(toks,
			tok{orig: w[:1], norm: "x", kind: tWord, glued: glued},
			tok{orig: w[1:], norm: norm[1:], kind: tNumber, glued: true})
	}
	return append(toks, tok{orig: w, norm: norm, kind: tWord, glued: glued})
}

// joinNumbers makes one word of numbers joined by a slash ("3/4", "24/7":
// a size or a date, never a count) or by a hyphen when some name writes
// them so ("ages 3-6"): they stay in the query and no reader of counts,
// prices or positions sees them. Other hyphens ("30-50 €") keep two
// numbers.
func joinNumbers(toks []tok, ix *catalog.Index) []tok {
	out := toks[:0]
	for _, t := range toks {
		if t.joiner != 0 && len(out) > 0 {
			prev := &out[len(out)-1]
			word := prev.norm + string(t.joiner) + t.norm
			if (prev.kind == tNumber || prev.kind == tWord && prev.joiner != 0) &&
				(t.joiner == '/' || ix != nil && ix.NamesCompound(strings.ReplaceAll(word, "–", "-"))) {
				prev.orig += string(t.joiner) + t.orig
				prev.norm = word
				prev.kind, prev.joiner = tWord, t.joiner
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// splitSizes reads a size written tight ("30x40") as three words, the way
// names write it ("30 x 40"), unless some name writes it tight too ("4x6"
// prints): then it is that name's word.
func splitSizes(toks []tok, ix *catalog.Index) []tok {
	var out []tok
	for i, t := range toks {
		d := strings.IndexAny(t.norm, "x*")
		if t.kind != tWord || d <= 0 || d+1 >= len(t.norm) || !allDigits(t.norm[:d]) || !allDigits(t.norm[d+1:]) ||
			ix == nil || ix.NameWord(t.norm) {
			if out != nil {
				out = append(out, t)
			}
			continue
		}
		if out == nil {
			out = append(make([]tok, 0, len(toks)+2), toks[:i]...)
		}
		out = append(out,
			tok{orig: t.orig[:d], norm: t.norm[:d], kind: tNumber, glued: t.glued, sep: t.sep},
			tok{orig: t.orig[d : d+1], norm: "x", kind: tWord, glued: true},
			tok{orig: t.orig[d+1:], norm: t.norm[d+1:], kind: tNumber, glued: true})
	}
	if out == nil {
		return toks
	}
	return out
}

// joinNameCodes makes one word again of an "x" and the number glued to
// it ("X5") when some name writes that word ("Camera drone X5"): a
// model's name, not "times 5".
func joinNameCodes(toks []tok, ix *catalog.Index) []tok {
	if ix == nil {
		return toks
	}
	var out []tok
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.norm == "x" && i+1 < len(toks) && toks[i+1].glued && toks[i+1].kind == tNumber && ix.NameWord("x"+toks[i+1].norm) {
			if out == nil {
				out = append(make([]tok, 0, len(toks)), toks[:i]...)
			}
			out = append(out, tok{orig: t.orig + toks[i+1].orig, norm: "x" + toks[i+1].norm, kind: tWord, glued: t.glued, sep: t.sep})
			i++
			continue
		}
		if out != nil {
			out = append(out, t)
		}
	}
	if out == nil {
		return toks
	}
	return out
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// hanUnits are the Chinese units a number may be said before in
// characters ("两公斤", "一斤"), longest first; 斤 is half a kilogram.
var hanUnits = []struct {
	unit, as string
	factor   float64
}{
	{"公斤", "公斤", 1}, {"千克", "千克", 1}, {"毫升", "毫升", 1}, {"公升", "升", 1}, {"厘米", "厘米", 1}, {"毫米", "毫米", 1},
	{"斤", "克", 500}, {"克", "克", 1}, {"升", "升", 1}, {"米", "米", 1},
}

// hanMeasures writes a measure said with Chinese numerals or in 斤 as
// the catalog's names write measures: "两公斤核桃" as "2公斤核桃", "一斤
// 红枣" as "500克红枣" (names write 克 and 公斤, not 斤). A number so
// written is a measure, not a count: "一斤" is no "一个".
func hanMeasures(toks []tok) []tok {
	var out []tok
	for i := 0; i < len(toks); i++ {
		if v, k := oldWeight(toks, i); k > 0 {
			// "半斤" is 250克, "二两" 100克 (两, a tenth of a 斤, is
			// also "two": only after another numeral).
			if out == nil {
				out = append(make([]tok, 0, len(toks)), toks[:i]...)
			}
			num := strconv.Itoa(v)
			out = append(out, tok{orig: num, norm: num, kind: tNumber, glued: toks[i].glued, sep: toks[i].sep},
				tok{orig: "克", norm: "克", kind: tHan, glued: true})
			i += k - 1
			continue
		}
		var n number
		ok := false
		switch toks[i].kind {
		case tHan:
			n, ok = hanNumberAt(toks, i)
		case tNumber:
			n, ok = numberAt(toks, i)
		}
		if !ok {
			if out != nil {
				out = append(out, toks[i])
			}
			continue
		}
		var unit string
		var factor float64
		k := 0
		for _, u := range hanUnits {
			rs := []rune(u.unit)
			if n.end+len(rs) > len(toks) {
				continue
			}
			same := true
			for j, r := range rs {
				same = same && toks[n.end+j].kind == tHan && toks[n.end+j].norm == string(r)
			}
			if same {
				unit, factor, k = u.as, u.factor, len(rs)
				break
			}
		}
		after := n.end + k
		if k == 0 || toks[i].kind == tNumber && factor == 1 ||
			unit == "米" && after < len(toks) && toks[after].norm == "色" { // "米色" is beige
			if out != nil {
				out = append(out, toks[i])
			}
			continue
		}
		if out == nil {
			out = append(make([]tok, 0, len(toks)), toks[:i]...)
		}
		value := n.value * factor
		if unit == "克" && factor != 1 && value >= 1000 {
			value, unit = value/1000, "公斤" // "两斤" is 1公斤, as names write it
		}
		v := strconv.FormatFloat(value, 'f', -1, 64)
		out = append(out, tok{orig: v, norm: v, kind: tNumber, glued: toks[i].glued, sep: toks[i].sep})
		for _, r := range unit {
			out = append(out, tok{orig: string(r), norm: string(r), kind: tHan, glued: true})
		}
		i = after - 1
	}
	if out == nil {
		return toks
	}
	return out
}

// oldWeight reads "半斤" (250 g), "半公斤" (500 g) and a numeral before
// "两" ("二两", 100 g; 50 g each) at i, in grams, with how many tokens it
// takes; 0 when there is none. "三两个" (two or three) is no weight.
func oldWeight(toks []tok, i int) (grams, k int) {
	at := func(j int, s string) bool { return j < len(toks) && toks[j].kind == tHan && toks[j].norm == s }
	switch {
	case at(i, "半") && at(i+1, "斤"):
		return 250, 2
	case at(i, "半") && at(i+1, "公") && at(i+2, "斤"):
		return 500, 3
	}
	if i >= len(toks) || toks[i].kind != tHan || toks[i].norm == "两" {
		return 0, 0
	}
	d, ok := hanDigits[toks[i].norm]
	if !ok || d < 1 || d > 9 || !at(i+1, "两") || i+2 < len(toks) && toks[i+2].kind == tHan && classifiers[toks[i+2].norm] {
		return 0, 0
	}
	if i > 0 && toks[i-1].kind == tHan {
		if _, digit := hanDigits[toks[i-1].norm]; digit {
			return 0, 0 // "十二两" and longer numerals: not read here
		}
	}
	return d * 50, 2
}
