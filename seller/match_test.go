package seller

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
)

func TestMatch(t *testing.T) {
	products := []concierge.Product{
		{SKU: "LAMP-01", Name: map[concierge.Locale]string{"fr": "Lampe de chevet Aurore", "en": "Aurore bedside lamp", "zh": "欧若拉床头灯"}},
		{SKU: "LAMP-03", Name: map[concierge.Locale]string{"fr": "Lampe tactile Luna", "en": "Luna touch lamp", "zh": "露娜触控台灯"}},
		{SKU: "LAMP-04", Name: map[concierge.Locale]string{"fr": "Lampe en céramique Céleste", "en": "Céleste ceramic lamp", "zh": "星空陶瓷床头灯"}},
		{SKU: "LAMP-06", Name: map[concierge.Locale]string{"fr": "Lampe réveil Éveil", "en": "Éveil sunrise alarm lamp"}},
	}
	for _, tc := range []struct {
		q    string
		want []concierge.SKU
	}{
		{"LAMP-01", []concierge.SKU{"LAMP-01"}},
		{"lamp-03", []concierge.SKU{"LAMP-03"}},
		{"the Aurore lamp", []concierge.SKU{"LAMP-01"}},
		{"la lampe Aurore", []concierge.SKU{"LAMP-01"}},
		{"the luna lamps", []concierge.SKU{"LAMP-03"}},
		{"celeste", []concierge.SKU{"LAMP-04"}}, // accents aside
		{"EVEIL", []concierge.SKU{"LAMP-06"}},
		{"欧若拉床头灯", []concierge.SKU{"LAMP-01"}},
		{"露娜", []concierge.SKU{"LAMP-03"}},
		{"lamp", []concierge.SKU{"LAMP-01", "LAMP-03", "LAMP-04", "LAMP-06"}}, // ambiguous
		{"床头灯", []concierge.SKU{"LAMP-01", "LAMP-04"}},
		{"the unicorn lamp", nil},
		{"LAMP-99", nil},
		{"the", nil},
	} {
		var got []concierge.SKU
		for _, p := range Match(products, tc.q) {
			got = append(got, p.SKU)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Match(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}
