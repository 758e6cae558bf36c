package money

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/bojanz/currency"

	"github.com/conciergehq/concierge"
)

// symbolLocales are the locales whose currency symbols ParseListed
// recognises: "€", "$", "CA$", "¥", "￥", "CHF"… as shop systems and
// spreadsheets in these markets write them.
var symbolLocales = []currency.Locale{
	currency.NewLocale("en"), currency.NewLocale("en-US"), currency.NewLocale("en-CA"),
	currency.NewLocale("en-AU"), currency.NewLocale("en-GB"), currency.NewLocale("en-IN"),
	currency.NewLocale("fr"), currency.NewLocale("fr-CA"), currency.NewLocale("fr-CH"),
	currency.NewLocale("de"), currency.NewLocale("de-CH"), currency.NewLocale("es"),
	currency.NewLocale("es-MX"), currency.NewLocale("pt-BR"), currency.NewLocale("it"),
	currency.NewLocale("nl"), currency.NewLocale("zh"), currency.NewLocale("zh-Hant"),
	currency.NewLocale("ja"), currency.NewLocale("ko"), currency.NewLocale("ru"),
}

// extraSymbols are signs that CLDR does not list as symbols but that
// Chinese and Japanese feeds use.
var extraSymbols = map[string][]string{
	"CNY": {"元", "RMB", "¥", "￥"},
	"JPY": {"円", "¥", "￥"},
}

// ParseListed reads a price as a product feed or a spreadsheet lists it,
// in the shop's currency: "49.00 EUR", "EUR 49.00", "49,00 €", "€49",
// "¥64.00", "1 234,50 €", "1,234.50 USD". A code or symbol, when present,
// must be shopCurrency's ("¥" is CNY's or JPY's, "$" is USD's, CAD's…); a
// price in another currency is refused rather than converted. Digits may be
// grouped with spaces, apostrophes, dots or commas; when both a dot and a
// comma appear, the last is the decimal separator. A lone comma followed by
// exactly three digits ("1,234") is refused as ambiguous, unless the
// currency has three decimals. The amount is then checked as Parse checks
// it. Every error is a *ParseError
// whose Input is s.
func ParseListed(s, shopCurrency string) (concierge.Money, error) {
	fail := func(format string, args ...any) (concierge.Money, error) {
		return concierge.Money{}, &ParseError{Input: s, Currency: shopCurrency, Reason: fmt.Sprintf(format, args...)}
	}
	digits, ok := Digits(shopCurrency)
	if !ok {
		return fail("has an unknown currency %q", shopCurrency)
	}
	number, sign := splitSign(strings.TrimSpace(s))
	switch {
	case number == "" && sign == "":
		return fail("is empty")
	case number == "" && !currencySign(sign, shopCurrency):
		return fail("is not a number (write it as in \"49.00 %s\")", shopCurrency)
	case number == "":
		return fail("is empty")
	case strings.IndexFunc(sign, unicode.IsDigit) >= 0 || strings.Contains(sign, " "):
		return fail("is not a number (write it as in \"49.00 %s\")", shopCurrency)
	case sign != "" && !currencySign(sign, shopCurrency):
		if ValidCurrency(strings.ToUpper(sign)) {
			return fail("is in %s but the shop sells in %s", strings.ToUpper(sign), shopCurrency)
		}
		return fail("is not in %s (%q is not its code or symbol)", shopCurrency, sign)
	}
	normal, ok := normalise(number, digits)
	if !ok && normal == "ambiguous" {
		return fail("is ambiguous: write it without the comma, or with a dot for decimals")
	}
	if !ok {
		return fail("is not a number (write it as in \"49.00 %s\")", shopCurrency)
	}
	m, err := Parse(normal, shopCurrency)
	if err != nil {
		pe := err.(*ParseError)
		pe.Input = s
		return concierge.Money{}, pe
	}
	return m, nil
}

// splitSign separates the number from a currency code or symbol written
// before or after it.
func splitSign(t string) (number, sign string) {
	isNum := func(r rune) bool {
		return unicode.IsDigit(r) || r == '.' || r == ',' || r == '\'' || r == '-' || unicode.IsSpace(r) || r == '\u202f' || r == '\u00a0'
	}
	start := strings.IndexFunc(t, func(r rune) bool { return unicode.IsDigit(r) || r == '-' })
	if start < 0 {
		return "", strings.TrimSpace(t)
	}
	end := start
	for i, r := range t[start:] {
		if !isNum(r) {
			break
		}
		end = start + i + len(string(r))
	}
	before, after := strings.TrimSpace(t[:start]), strings.TrimSpace(t[end:])
	switch {
	case before != "" && after != "":
		return strings.TrimSpace(t[start:end]), before + " " + after
	case before != "":
		return strings.TrimSpace(t[start:end]), before
	}
	return strings.TrimSpace(t[start:end]), after
}

// currencySign reports whether sign is code itself or one of its symbols.
func currencySign(sign, code string) bool {
	if strings.EqualFold(sign, code) {
		return true
	}
	for _, s := range extraSymbols[code] {
		if sign == s {
			return true
		}
	}
	for _, l := range symbolLocales {
		if sym, ok := currency.GetSymbol(code, l); ok && sym == sign {
			return true
		}
	}
	return false
}

// normalise turns a grouped number with a dot or a comma for decimals into
// the form Parse reads, or reports false. A negative number is kept
// negative so that Parse refuses it with its own words.
func normalise(t string, digits int) (string, bool) {
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	t = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u202f' || r == '\u00a0' || r == '\'' {
			return -1
		}
		return r
	}, t)
	dec := -1 // index of the decimal separator
	lastDot, lastComma := strings.LastIndexByte(t, '.'), strings.LastIndexByte(t, ',')
	switch {
	case lastDot >= 0 && lastComma >= 0:
		dec = max(lastDot, lastComma)
	case lastDot >= 0 && strings.Count(t, ".") == 1:
		dec = lastDot
	case lastComma >= 0 && strings.Count(t, ",") == 1:
		// "49,00" is 49. "1,234" may be 1234 or 1.234: refuse to guess
		// about money, unless the currency has three decimals.
		switch {
		case len(t)-lastComma-1 != 3 || digits == 3:
			dec = lastComma
		default:
			return "ambiguous", false
		}
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case i == dec:
			b.WriteByte('.')
		case c == '.' || c == ',':
			// A group separator: exactly three digits follow it, and
			// digits precede it.
			run := 0
			for j := i + 1; j < len(t) && t[j] >= '0' && t[j] <= '9'; j++ {
				run++
			}
			if run != 3 || i == 0 {
				return "", false
			}
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		default:
			return "", false
		}
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	return out, out != "" && out != "-"
}
