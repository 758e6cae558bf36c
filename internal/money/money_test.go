package money

import (
	"errors"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, cur string
		want    int64
		err     string // substring of the error; empty means success
	}{
		{"49.00", "EUR", 4900, ""},
		{"49", "EUR", 4900, ""},
		{"49.5", "EUR", 4950, ""},
		{"0.01", "EUR", 1, ""},
		{"0", "EUR", 0, ""},
		{" 12.30 ", "EUR", 1230, ""},
		{"007.10", "USD", 710, ""},
		{"4900", "JPY", 4900, ""},
		{"1.234", "BHD", 1234, ""},
		{"92233720368547758.07", "EUR", 9223372036854775807, ""},

		{"49.001", "EUR", 0, `amount "49.001" has more decimals than EUR allows (2)`},
		{"49.000", "EUR", 0, "has more decimals than EUR allows (2)"},
		{"49.5", "JPY", 0, `amount "49.5" has decimals but JPY has none`},
		{"-1.00", "EUR", 0, "is negative"},
		{"", "EUR", 0, "is empty"},
		{"   ", "EUR", 0, "is empty"},
		{"abc", "EUR", 0, "is not a number"},
		{"49,00", "EUR", 0, "write decimals with a dot"},
		{"1,000.00", "EUR", 0, "is not a number"},
		{"1e3", "EUR", 0, "is not a number"},
		{"+5", "EUR", 0, "is not a number"},
		{".5", "EUR", 0, "is not a number"},
		{"5.", "EUR", 0, "is not a number"},
		{"NaN", "EUR", 0, "is not a number"},
		{"€49", "EUR", 0, "is not a number"},
		{"92233720368547758.08", "EUR", 0, "is too large"},
		{"99999999999999999999", "JPY", 0, "is too large"},
		{"49.00", "XYZ", 0, `unknown currency "XYZ"`},
		{"49.00", "eur", 0, `unknown currency "eur"`},
		{"49.00", "", 0, `unknown currency ""`},
	}
	for _, tt := range tests {
		t.Run(tt.cur+" "+tt.in, func(t *testing.T) {
			got, err := Parse(tt.in, tt.cur)
			if tt.err != "" {
				if err == nil {
					t.Fatalf("Parse(%q, %q) = %v, want an error containing %q", tt.in, tt.cur, got, tt.err)
				}
				if !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse(%q, %q) error = %q, want it to contain %q", tt.in, tt.cur, err, tt.err)
				}
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Input != tt.in {
					t.Fatalf("Parse(%q, %q) error %#v is not a *ParseError with the input", tt.in, tt.cur, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q, %q): %v", tt.in, tt.cur, err)
			}
			want := concierge.Money{Minor: tt.want, Currency: tt.cur}
			if got != want {
				t.Fatalf("Parse(%q, %q) = %+v, want %+v", tt.in, tt.cur, got, want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	const nbsp, nnbsp = "\u00a0", "\u202f"
	tests := []struct {
		m    concierge.Money
		loc  concierge.Locale
		want string
	}{
		{concierge.Money{Minor: 4900, Currency: "EUR"}, "en", "€49.00"},
		{concierge.Money{Minor: 4900, Currency: "EUR"}, "fr", "49,00" + nbsp + "€"},
		{concierge.Money{Minor: 4900, Currency: "EUR"}, "zh", "€49.00"},
		{concierge.Money{Minor: 4900, Currency: "EUR"}, "de", "49,00" + nbsp + "€"},
		{concierge.Money{Minor: 123456, Currency: "EUR"}, "fr", "1" + nnbsp + "234,56" + nbsp + "€"},
		{concierge.Money{Minor: 123456, Currency: "EUR"}, "en", "€1,234.56"},
		{concierge.Money{Minor: 5, Currency: "EUR"}, "en", "€0.05"},
		{concierge.Money{Minor: -2000, Currency: "EUR"}, "en", "-€20.00"},
		{concierge.Money{Minor: 4900, Currency: "JPY"}, "ja", "￥4,900"},
		{concierge.Money{Minor: 4900, Currency: "CNY"}, "zh", "¥49.00"},
		{concierge.Money{Minor: 4900, Currency: "USD"}, "en", "$49.00"},
		{concierge.Money{Minor: 4900, Currency: "EUR"}, "", "€49.00"},
		{concierge.Money{Minor: 4900, Currency: "EUR"}, "xx", "€49.00"},
		{concierge.Money{Minor: 4900, Currency: "XYZ"}, "en", "49.00 XYZ"},
		{concierge.Money{Minor: -5, Currency: ""}, "en", "-0.05 "},
	}
	for _, tt := range tests {
		if got := Format(tt.m, tt.loc); got != tt.want {
			t.Errorf("Format(%+v, %q) = %q, want %q", tt.m, tt.loc, got, tt.want)
		}
	}
}

func TestValidCurrency(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"EUR", true}, {"USD", true}, {"CNY", true}, {"JPY", true}, {"GBP", true},
		{"", false}, {"eur", false}, {"EURO", false}, {"XYZ", false}, {"€", false},
	}
	for _, tt := range tests {
		if got := ValidCurrency(tt.code); got != tt.want {
			t.Errorf("ValidCurrency(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestParseFormatRoundTrip(t *testing.T) {
	for _, s := range []string{"0.00", "6.00", "9.50", "49.00", "150.00", "1234.56"} {
		m, err := Parse(s, "EUR")
		if err != nil {
			t.Fatal(err)
		}
		if got := Format(m, "en"); strings.TrimPrefix(strings.ReplaceAll(got, ",", ""), "€") != s {
			t.Errorf("Format(Parse(%q)) = %q", s, got)
		}
	}
}

// BenchmarkFormat compares formatting with a new formatter each time (the
// package's Format) and with one kept per locale (what agent.Texts does).
func BenchmarkFormat(b *testing.B) {
	m := concierge.Money{Minor: 4900, Currency: "EUR"}
	b.Run("Format", func(b *testing.B) {
		for b.Loop() {
			Format(m, "fr")
		}
	})
	b.Run("Formatter", func(b *testing.B) {
		f := NewFormatter("fr")
		for b.Loop() {
			f.Format(m)
		}
	})
}
