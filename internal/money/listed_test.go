package money

import (
	"strings"
	"testing"
)

func TestParseListed(t *testing.T) {
	tests := []struct {
		in, cur string
		want    int64
		err     string // substring of the error; empty means success
	}{
		{"49.00 EUR", "EUR", 4900, ""},
		{"EUR 49.00", "EUR", 4900, ""},
		{"49,00 €", "EUR", 4900, ""},
		{"49,00\u00a0€", "EUR", 4900, ""},
		{"€49", "EUR", 4900, ""},
		{"49", "EUR", 4900, ""},
		{"1 234,50 €", "EUR", 123450, ""},
		{"1\u202f234,50 €", "EUR", 123450, ""},
		{"1.234,50 EUR", "EUR", 123450, ""},
		{"1,234.50 USD", "USD", 123450, ""},
		{"1,234,567 USD", "USD", 123456700, ""},
		{"1,234 BHD", "BHD", 1234, ""},
		{"1,234 USD", "USD", 0, "is ambiguous"},
		{"$12.99", "USD", 1299, ""},
		{"CHF 1'234.50", "CHF", 123450, ""},
		{"¥64.00", "CNY", 6400, ""},
		{"64.00 元", "CNY", 6400, ""},
		{"￥64", "CNY", 6400, ""},
		{"¥6400", "JPY", 6400, ""},
		{"49.00 eur", "EUR", 4900, ""},

		{"¥64.00", "JPY", 0, "has decimals but JPY has none"},
		{"¥64.00", "EUR", 0, `is not in EUR ("¥" is not its code or symbol)`},
		{"49.00 USD", "EUR", 0, "is in USD but the shop sells in EUR"},
		{"49.001 EUR", "EUR", 0, "more decimals than EUR allows"},
		{"-5.00 EUR", "EUR", 0, "is negative"},
		{"", "EUR", 0, "is empty"},
		{"EUR", "EUR", 0, "is empty"},
		{"quarante EUR", "EUR", 0, "is not a number"},
		{"4x9 EUR", "EUR", 0, "is not a number"},
		{"1,23,4 EUR", "EUR", 0, "is not a number"},
		{"12.34.5", "EUR", 0, "is not a number"},
		{"49.00", "XYZ", 0, "unknown currency"},
	}
	for _, tt := range tests {
		t.Run(tt.cur+" "+tt.in, func(t *testing.T) {
			got, err := ParseListed(tt.in, tt.cur)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseListed(%q, %q) = %v, %v; want an error containing %q", tt.in, tt.cur, got, err, tt.err)
				}
				if pe, ok := err.(*ParseError); !ok || pe.Input != tt.in {
					t.Errorf("error %#v: want a *ParseError with the input", err)
				}
				return
			}
			if err != nil || got.Minor != tt.want || got.Currency != tt.cur {
				t.Fatalf("ParseListed(%q, %q) = %v, %v; want %d %s", tt.in, tt.cur, got, err, tt.want, tt.cur)
			}
		})
	}
}
