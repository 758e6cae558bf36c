package catalog_test

import (
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
)

// TestInSaidOrder: names made of the same words in another order are told
// apart by the order the customer says them (Chinese names are read as
// overlapping pairs of characters, so "英标转欧标" and "欧标转英标" are
// not the same words, and need no order); words
// that do not order them leave the choice to the caller, and words said
// in neither order ask.
func TestInSaidOrder(t *testing.T) {
	p := func(sku string, fr, en, zh string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"fr": fr, "en": en, "zh": zh},
			Price: concierge.Money{Minor: 900, Currency: "EUR"}, Stock: 5}
	}
	ix := catalog.New([]concierge.Product{
		p("EU-UK", "Adaptateur de voyage Europe vers Royaume-Uni", "Travel adapter EU to UK", "旅行转换插头 欧标转英标"),
		p("UK-EU", "Adaptateur de voyage Royaume-Uni vers Europe", "Travel adapter UK to EU", "旅行转换插头 英标转欧标"),
		p("WORLD", "Adaptateur de voyage universel", "Universal travel adapter", "万能旅行转换插头"),
	}, []concierge.Locale{"fr", "en", "zh"})
	both := []concierge.SKU{"EU-UK", "UK-EU", "WORLD"}
	tests := []struct {
		text string
		want concierge.SKU
		ok   bool
	}{
		{"travel adapter UK to EU", "UK-EU", true},
		{"adaptor EU UK", "EU-UK", true},
		{"l'adaptateur Royaume-Uni vers Europe", "UK-EU", true},
		{"a travel adapter", "", false},
		{"travel adapter for the UK", "", false},
	}
	for _, tt := range tests {
		got, ok := ix.InSaidOrder(tt.text, both)
		if got != tt.want || ok != tt.ok {
			t.Errorf("InSaidOrder(%q) = %q, %v; want %q, %v", tt.text, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := ix.InSaidOrder("travel adapter UK to EU", []concierge.SKU{"UK-EU", "WORLD"}); ok {
		t.Error("InSaidOrder without the other order's product: ok, want not ok")
	}
}
