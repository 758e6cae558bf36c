package catalog_test

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

func named(sku, en, fr string) concierge.Product {
	return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"en": en, "fr": fr}}
}

// TestSKUSpelledByNameWords: words that join into a SKU but are the
// name's own words ("toile 50 x 70" for TOILE-50X70) do not name that
// product by its SKU, since another name spells them too; the SKU as
// written, or typed with a space where the name lacks its words, does.
func TestSKUSpelledByNameWords(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		named("TOILE-50X70", "Stretched cotton canvas 50 x 70 cm", "Toile sur châssis coton 50 x 70 cm"),
		named("TOILE-LIN-50X70", "Stretched linen canvas 50 x 70 cm", "Toile sur châssis lin 50 x 70 cm"),
		named("LAMP-02", "Zenith desk lamp", "Lampe de bureau Zénith"),
	}, []concierge.Locale{"fr", "en"})
	tests := []struct {
		text string
		want []concierge.SKU
	}{
		{"ajoute une toile 50 x 70", nil},
		{"ajoute TOILE-50X70", []concierge.SKU{"TOILE-50X70"}},
		{"ajoute toile-50x70", []concierge.SKU{"TOILE-50X70"}},
		{"add lamp 02", []concierge.SKU{"LAMP-02"}},
	}
	for _, tt := range tests {
		if got := ix.Resolve(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Resolve(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestInNamedOrder: products named one after the other, each by a word of
// its own, are in the order named; otherwise the order given stands.
func TestInNamedOrder(t *testing.T) {
	ix := catalog.New([]concierge.Product{
		named("ROPE-95", "Dynamic rope 9.5 mm 60 m", "Corde dynamique 9,5 mm 60 m"),
		named("ROPE-98", "Dynamic rope 9.8 mm 60 m", "Corde dynamique 9,8 mm 60 m"),
		named("BOOK-PAT", "100 pastry recipes", "100 recettes de pâtisserie"),
		named("BOOK-VEG", "Vegetarian cooking for all", "Cuisine végétarienne pour tous"),
		{SKU: "TABLE-180", Name: map[concierge.Locale]string{"zh": "柚木长桌 1.8米"}},
		{SKU: "TABLE-120", Name: map[concierge.Locale]string{"zh": "柚木圆桌 1.2米"}},
	}, []concierge.Locale{"fr", "en", "zh"})
	tests := []struct {
		text string
		skus []concierge.SKU
		want []concierge.SKU
	}{
		{"between the 9.5 mm rope and the 9.8 mm rope", []concierge.SKU{"ROPE-98", "ROPE-95"}, []concierge.SKU{"ROPE-95", "ROPE-98"}},
		{"la corde 9,8 ou la 9,5 ?", []concierge.SKU{"ROPE-95", "ROPE-98"}, []concierge.SKU{"ROPE-98", "ROPE-95"}},
		// Two words of one request, not two products named in turn.
		{"un livre de recettes végétariennes", []concierge.SKU{"BOOK-VEG", "BOOK-PAT"}, []concierge.SKU{"BOOK-VEG", "BOOK-PAT"}},
		// One not named by a word of its own: the order stands.
		{"the 9.8 mm rope", []concierge.SKU{"ROPE-95", "ROPE-98"}, []concierge.SKU{"ROPE-95", "ROPE-98"}},
		// Chinese names in one run of characters, told apart by "和".
		{"我在柚木圆桌和柚木长桌之间犹豫", []concierge.SKU{"TABLE-180", "TABLE-120"}, []concierge.SKU{"TABLE-120", "TABLE-180"}},
		{"柚木长桌还是圆桌", []concierge.SKU{"TABLE-120", "TABLE-180"}, []concierge.SKU{"TABLE-180", "TABLE-120"}},
		{"柚木圆桌长桌", []concierge.SKU{"TABLE-180", "TABLE-120"}, []concierge.SKU{"TABLE-180", "TABLE-120"}},
	}
	for _, tt := range tests {
		if got := ix.InNamedOrder(tt.text, tt.skus); !slices.Equal(got, tt.want) {
			t.Errorf("InNamedOrder(%q, %v) = %v, want %v", tt.text, tt.skus, got, tt.want)
		}
	}
}
