// Package money parses, checks and formats amounts of money for the rest of
// Concierge. It owns the translation between the text a merchant writes
// ("49.00") or a customer reads ("49,00 €") and concierge.Money, which is an
// integer count of minor units, and it is the only package that knows about
// github.com/bojanz/currency.
//
// Any package may import it: config parses catalog prices with it, and the
// agent, checkout and the adapters format amounts with it. It imports only
// the root package and the currency library.
package money

import (
	"fmt"
	"math"
	"strings"

	"github.com/bojanz/currency"

	"github.com/conciergehq/concierge"
)

// ParseError says why a text is not an amount of a currency. Input is the
// text as given; Reason completes a sentence whose subject is the amount
// (for example "has more decimals than EUR allows (2)"), so that callers can
// name the amount their own way ("price \"49.001\" has more …") or hide
// Input when it is a secret.
type ParseError struct {
	Input    string
	Currency string
	Reason   string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("amount %q %s", e.Input, e.Reason)
}

// ValidCurrency reports whether code is an ISO 4217 currency code that
// Concierge can price in, such as "EUR", "USD" or "CNY". Codes are
// upper case; "eur" is not valid.
func ValidCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	return currency.IsValid(code)
}

// Digits returns the number of minor-unit digits of a currency (2 for EUR,
// 0 for JPY, 3 for BHD), and false when the currency is unknown.
func Digits(code string) (int, bool) {
	if !ValidCurrency(code) {
		return 0, false
	}
	d, ok := currency.GetDigits(code)
	return int(d), ok
}

// Parse reads a decimal amount written with a dot, such as "49.00", "49.5"
// or "1200", in the given currency and returns it in minor units. It refuses
// what a price in a bot file must not be: an empty or signed text, digit
// grouping, an exponent, more decimals than the currency has, an unknown
// currency or an amount too large for an int64 of minor units. Surrounding
// spaces are ignored. Every error is a *ParseError.
func Parse(s string, currencyCode string) (concierge.Money, error) {
	fail := func(format string, args ...any) (concierge.Money, error) {
		return concierge.Money{}, &ParseError{Input: s, Currency: currencyCode, Reason: fmt.Sprintf(format, args...)}
	}
	digits, ok := Digits(currencyCode)
	if !ok {
		return fail("has an unknown currency %q", currencyCode)
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return fail("is empty")
	}
	if t[0] == '-' {
		return fail("is negative")
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if !allDigits(whole) || (hasDot && !allDigits(frac)) {
		if strings.Contains(t, ",") && !strings.ContainsAny(t, " '") {
			return fail("is not a number (write decimals with a dot, as in \"49.00\")")
		}
		return fail("is not a number (write it as in \"49.00\")")
	}
	if len(frac) > digits {
		// Trailing zeros beyond the currency's precision ("49.000" EUR)
		// change nothing, but they are most likely a typo; refuse them too.
		if digits == 0 {
			return fail("has decimals but %s has none", currencyCode)
		}
		return fail("has more decimals than %s allows (%d)", currencyCode, digits)
	}
	minor, ok := toMinor(whole, frac, digits)
	if !ok {
		return fail("is too large")
	}
	return concierge.Money{Minor: minor, Currency: currencyCode}, nil
}

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// toMinor computes whole.frac × 10^digits, padding frac with zeros, and
// reports false on int64 overflow.
func toMinor(whole, frac string, digits int) (int64, bool) {
	var n int64
	add := func(c byte) bool {
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return false
		}
		n = n*10 + d
		return true
	}
	for i := 0; i < len(whole); i++ {
		if !add(whole[i]) {
			return 0, false
		}
	}
	for i := 0; i < digits; i++ {
		c := byte('0')
		if i < len(frac) {
			c = frac[i]
		}
		if !add(c) {
			return 0, false
		}
	}
	return n, true
}

// Format shows m as a customer reading loc expects it, following CLDR:
// "49,00 €" in French, "€49.00" in English and Chinese. The separators may
// be non-breaking spaces (U+00A0, U+202F) so that a chat client never wraps
// an amount. An unknown locale formats as English; an unknown currency falls
// back to the amount with two decimals followed by the code; Telegram Stars
// (XTR) show as a whole number and a star.
func Format(m concierge.Money, loc concierge.Locale) string {
	return NewFormatter(loc).Format(m)
}

// A Formatter formats amounts for one locale, as Format does. Building one
// resolves the locale's CLDR number format, which costs about as much as
// formatting an amount, so code that formats many amounts (every product
// card shows a price) keeps one per locale. It is safe for concurrent use:
// nothing changes it after NewFormatter.
type Formatter struct{ f *currency.Formatter }

// NewFormatter returns the formatter of loc (English when empty).
func NewFormatter(loc concierge.Locale) *Formatter {
	if loc == "" {
		loc = "en"
	}
	return &Formatter{f: currency.NewFormatter(currency.NewLocale(string(loc)))}
}

// Format shows m in the formatter's locale; see the package's Format.
func (f *Formatter) Format(m concierge.Money) string {
	if m.Currency == "XTR" {
		// Telegram Stars: whole Stars, no minor unit, shown as the app does.
		return fmt.Sprintf("%d ⭐", m.Minor)
	}
	a, err := currency.NewAmountFromInt64(m.Minor, m.Currency)
	if err != nil || !ValidCurrency(m.Currency) {
		sign, n := "", m.Minor
		if n < 0 {
			sign, n = "-", -n
		}
		return fmt.Sprintf("%s%d.%02d %s", sign, n/100, n%100, m.Currency)
	}
	return f.f.Format(a)
}
