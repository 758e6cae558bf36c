package llm

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// stated is one amount of money a text states.
type stated struct {
	Text string // as written, marker included
	// Minor are its possible readings in the bot's currency, in minor
	// units: "1,234 €" may be 1234.00 or (in French) 1.234, which EUR
	// cannot hold. Empty when the amount is in another currency or has no
	// reading the currency can hold.
	Minor   []int64
	Foreign bool // in another currency than the bot's
}

// A number is digits with the separators people write in en, fr, de and
// zh: groups of three after spaces (also the non-breaking ones money.Format
// writes), dots, commas or apostrophes, and a decimal dot or comma. Space
// grouping is only taken with exact groups of three, so "2 49 €" is "2"
// and "49 €", not 249.
const numberPattern = `\d{1,3}(?:[ \x{00A0}\x{202F}]\d{3})+(?:[.,]\d+)?|\d+(?:[.,'’]\d+)*`

// Markers are what tells an amount of money from a number: a currency
// symbol, maybe with letters ("US$", "CN¥", "$CA", "£GB"), an ISO code
// ("EUR", checked afterwards), or a currency word. Anything else ("2
// lamps", "2024", "20 %") is not money.
const (
	prefixPattern = `[A-Za-z]{0,3}[€$¥￥£₩₹₽]|[A-Za-z]{3}|人民币`
	suffixPattern = `[€$¥￥£₩₹₽](?:[A-Za-z]{1,2}\b)?|[A-Za-z]{2,3}[€$¥￥£₩₹₽]|(?i:euros?|dollars?|yuans?)\b|[A-Za-z]{3}\b|欧元|美元|人民币|块钱|块|元`
	spacePattern  = `[ \t\x{00A0}\x{202F}]?`
)

var amountRE = regexp.MustCompile(`(?:(` + prefixPattern + `)` + spacePattern + `)?(` + numberPattern + `)(?:` + spacePattern + `(` + suffixPattern + `))?`)

// aliases are the currencies a marker may mean, beyond the symbols
// money.Format writes for the bot's currency (see botMarkers).
var aliases = map[string][]string{
	"€": {"EUR"}, "euro": {"EUR"}, "euros": {"EUR"}, "欧元": {"EUR"},
	"$":      {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "TWD", "MXN"},
	"dollar": {"USD", "CAD", "AUD", "NZD", "HKD", "SGD"}, "dollars": {"USD", "CAD", "AUD", "NZD", "HKD", "SGD"},
	"us$": {"USD"}, "$us": {"USD"}, "美元": {"USD"},
	"¥": {"CNY", "JPY"}, "￥": {"CNY", "JPY"}, "cn¥": {"CNY"}, "jp¥": {"JPY"}, "rmb": {"CNY"}, "人民币": {"CNY"},
	"元": {"CNY"}, "块": {"CNY"}, "块钱": {"CNY"}, "yuan": {"CNY"}, "yuans": {"CNY"},
	"£": {"GBP"}, "£gb": {"GBP"}, "₩": {"KRW"}, "₹": {"INR"}, "₽": {"RUB"},
}

// codes are the ISO codes taken as money when written beside a number.
// Other valid codes are left alone: "TOP 10" is not 10 Tongan paʻanga.
var codes = map[string]bool{"EUR": true, "USD": true, "CNY": true, "GBP": true, "JPY": true, "CHF": true,
	"CAD": true, "AUD": true, "HKD": true, "SGD": true, "TWD": true}

// moneyReader finds the amounts of money in a text for a bot's currency.
type moneyReader struct {
	currency string
	digits   int
	own      map[string]bool // markers of the bot's currency, lower case
}

// newMoneyReader returns a reader for amounts in currency. The bot's own
// markers are taken from money.Format in the languages the shop speaks
// and the ones the model may answer in, so that every amount the shop
// itself writes ("49,00 €", "€49.00", "CN¥49.00", "CHF 49.00") is read.
func newMoneyReader(currency string, locales []concierge.Locale) *moneyReader {
	r := &moneyReader{currency: currency, own: map[string]bool{strings.ToLower(currency): true}}
	r.digits, _ = money.Digits(currency)
	for _, loc := range append([]concierge.Locale{"en", "fr", "zh", "de"}, locales...) {
		s := money.Format(concierge.Money{Minor: 1, Currency: currency}, loc)
		sym := strings.TrimFunc(strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) || r == '.' || r == ',' {
				return -1
			}
			return r
		}, s), func(r rune) bool { return unicode.IsSpace(r) || r == 0xA0 || r == 0x202F })
		if sym != "" {
			r.own[strings.ToLower(sym)] = true
		}
	}
	for m, cs := range aliases {
		if slices.Contains(cs, currency) {
			r.own[m] = true
		}
	}
	return r
}

// kind says what a marker is: the bot's currency, another currency, or
// not money at all.
type kind int

const (
	notMoney kind = iota
	ownMoney
	foreignMoney
)

func (r *moneyReader) kind(marker string) kind {
	if marker == "" {
		return notMoney
	}
	low := strings.ToLower(marker)
	if r.own[low] {
		return ownMoney
	}
	if _, ok := aliases[low]; ok || codes[strings.ToUpper(marker)] {
		return foreignMoney
	}
	// Any other symbol with letters ("A$", "$CA") is some currency, not ours.
	if strings.ContainsAny(marker, "€$¥￥£₩₹₽") {
		return foreignMoney
	}
	return notMoney
}

// freeRE finds what says "it costs nothing" without a number: "the lamp
// is free", "c'est gratuit", "免费送你". It is read as an amount of zero,
// which only a product the shop prices at zero makes true. Bare "free" is
// left alone ("feel free to ask", "a free moment"), as are "sans frais"
// and other phrases shops use for delivery, which Concierge does not price.
var freeRE = regexp.MustCompile(`(?i)\b(?:for free|free of charge|at no (?:extra )?cost|costs? nothing|(?:is|are|it's|it is|they're|they are|be) (?:totally |completely |entirely )?free\b|gratuit(?:e|s|es)?|gratuitement|ne (?:co[uû]te|vous co[uû]tera) rien)\b|免费|不要钱|白送|零元`)

// amounts returns the amounts of money text states: the phrases saying
// something is free first (as zero), then the numbers with a currency, in
// order.
func (r *moneyReader) amounts(text string) []stated {
	var out []stated
	for _, m := range freeRE.FindAllStringIndex(text, -1) {
		out = append(out, stated{Text: text[m[0]:m[1]], Minor: []int64{0}})
	}
	for _, m := range amountRE.FindAllStringSubmatchIndex(text, -1) {
		prefix, num, suffix := group(text, m, 1), group(text, m, 2), group(text, m, 3)
		pk, sk := r.kind(prefix), r.kind(suffix)
		if pk != notMoney && !standsAlone(text, m[2]) && isLetter(prefix) {
			pk = notMoney // "JEUR 49": a word ending in a code
		}
		if pk == notMoney && !standsAlone(text, m[4]) {
			continue // "LAMP-01 €", "A12": a number glued to a word
		}
		if suffix == "块" && followedByHan(text[m[7]:]) {
			sk = notMoney // "3块电池" is three batteries
		}
		if pk == notMoney && sk == notMoney {
			continue // "2 lamps", "2024", "20 %", "for 49"
		}
		start, end := m[4], m[5]
		if pk != notMoney {
			start = m[2]
		}
		if sk != notMoney {
			end = m[7]
		}
		s := stated{Text: strings.TrimSpace(text[start:end])}
		if pk == foreignMoney && sk != ownMoney || sk == foreignMoney && pk != ownMoney {
			s.Foreign = true
			out = append(out, s)
			continue
		}
		// "49€90", as French shops write it, is 49.90 €.
		if strings.HasPrefix(suffix, "€") && len(suffix) == len("€") && !strings.ContainsAny(num, ".,") {
			if cents, ok := twoDigits(text[end:]); ok {
				num += "," + cents
				s.Text += cents
			}
		}
		s.Minor = r.readings(num)
		out = append(out, s)
	}
	return out
}

// group returns submatch i of m in text, or "".
func group(text string, m []int, i int) string {
	if m[2*i] < 0 {
		return ""
	}
	return text[m[2*i]:m[2*i+1]]
}

// standsAlone reports whether the number starting at i is not glued to a
// Latin letter or a digit before it, nor to a word by a hyphen ("LAMP-01";
// "30-50 €" and "-10 €" stand alone).
func standsAlone(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, n := utf8.DecodeLastRuneInString(text[:i])
	if r == '-' || r == '_' {
		r, _ = utf8.DecodeLastRuneInString(text[:i-n])
		return !(unicode.IsLetter(r) && r < 0x2E80)
	}
	return !(unicode.IsLetter(r) && r < 0x2E80 || unicode.IsDigit(r))
}

// isLetter reports whether s starts with a Latin letter.
func isLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r < 0x2E80 && unicode.IsLetter(r)
}

// followedByHan reports whether s starts with a Chinese character.
func followedByHan(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.Is(unicode.Han, r)
}

// twoDigits returns the two digits s starts with, when no third follows.
func twoDigits(s string) (string, bool) {
	if len(s) < 2 || !isDigit(s[0]) || !isDigit(s[1]) || len(s) > 2 && isDigit(s[2]) {
		return "", false
	}
	return s[:2], true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// readings returns the values num may mean in minor units of the bot's
// currency, parsed by money.Parse once its separators are known: the last
// dot or comma may be the decimal mark ("49,00", "1.234,56", "1,234.56"),
// or every separator may group thousands ("1,234", "1 234", "1'234").
// A reading the currency cannot hold ("49,999" in EUR as a decimal) is
// not one.
func (r *moneyReader) readings(num string) []int64 {
	var digits []string // runs of digits
	var seps []rune     // the separators between them
	cur := strings.Builder{}
	for _, c := range num {
		if c >= '0' && c <= '9' {
			cur.WriteRune(c)
			continue
		}
		digits = append(digits, cur.String())
		seps = append(seps, c)
		cur.Reset()
	}
	digits = append(digits, cur.String())
	var out []int64
	add := func(whole, frac string) {
		s := whole
		if frac != "" {
			s += "." + frac
		}
		if m, err := money.Parse(s, r.currency); err == nil && !slices.Contains(out, m.Minor) {
			out = append(out, m.Minor)
		}
	}
	if len(seps) == 0 {
		add(num, "")
		return out
	}
	// The last separator as the decimal mark, the others grouping.
	if last := seps[len(seps)-1]; last == '.' || last == ',' {
		if grouped(digits[:len(digits)-1], seps[:len(seps)-1], last) {
			add(strings.Join(digits[:len(digits)-1], ""), digits[len(digits)-1])
		}
	}
	// Every separator grouping.
	if grouped(digits, seps, 0) {
		add(strings.Join(digits, ""), "")
	}
	return out
}

// grouped reports whether digits, separated by seps, are thousands
// groups: one separator throughout (other than decimal), a first group of
// one to three digits and groups of three after it.
// Without separators, any run of digits is one group ("1234,56").
func grouped(digits []string, seps []rune, decimal rune) bool {
	if len(digits) == 0 || digits[0] == "" {
		return false
	}
	if len(seps) > 0 && len(digits[0]) > 3 {
		return false
	}
	for i, s := range seps {
		if s == decimal || s != seps[0] || len(digits[i+1]) != 3 {
			return false
		}
	}
	return true
}
