package agent

import (
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/money"
)

// TestTextsMoney checks that Texts.Money, which remembers what it
// formatted, answers what money.Format does, the first time and the next,
// for each catalog's locale and for one without a catalog.
func TestTextsMoney(t *testing.T) {
	tx, err := LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	amounts := []concierge.Money{
		{Minor: 4900, Currency: "EUR"}, {Minor: 123456, Currency: "EUR"}, {Minor: 39900, Currency: "CNY"},
		{Minor: 1250, Currency: "USD"}, {Minor: 50, Currency: "XTR"}, {Minor: -700, Currency: "EUR"},
	}
	for _, loc := range []concierge.Locale{"fr", "en", "zh", "de", ""} {
		for _, m := range amounts {
			want := money.Format(m, loc)
			for i := range 2 {
				if got := tx.Money(loc, m); got != want {
					t.Errorf("Money(%q, %v) call %d = %q, want %q", loc, m, i+1, got, want)
				}
			}
		}
	}
	if fr, en := tx.Money("fr", amounts[0]), tx.Money("en", amounts[0]); fr == en {
		t.Errorf("fr and en format 49 € the same (%q): the memo mixes locales", fr)
	}
}

func BenchmarkTextsMoney(b *testing.B) {
	tx, err := LoadTexts()
	if err != nil {
		b.Fatal(err)
	}
	m := concierge.Money{Minor: 4900, Currency: "EUR"}
	for b.Loop() {
		tx.Money("fr", m)
	}
}

// TestTextsPlainMemo checks that a reply without data, which T remembers,
// is the same on every call and per locale, and that replies with data are
// still filled in each time.
func TestTextsPlainMemo(t *testing.T) {
	tx, err := LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []concierge.Locale{"fr", "en", "zh", "xx"} {
		first := tx.T(loc, "btn_next", nil)
		if first == "" || first == "btn_next" {
			t.Fatalf("%s: btn_next = %q", loc, first)
		}
		if again := tx.T(loc, "btn_next", map[string]any{}); again != first {
			t.Errorf("%s: second call %q, first %q", loc, again, first)
		}
	}
	if tx.T("fr", "btn_next", nil) == tx.T("en", "btn_next", nil) {
		t.Error("fr and en give the same text: the memo mixes locales")
	}
	if _, ok := tx.plain.Load(textKey{"xx", "btn_next"}); ok {
		t.Error("a locale without a catalog was remembered")
	}
}
