package catalog

import (
	"testing"

	"github.com/conciergehq/concierge"
)

// TestPackSize: the pack a name says it is, in the ways names write it;
// a size written "30 x 40" or a number of no pack is none.
func TestPackSize(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		counter string
	}{
		{"Papier abrasif grain 120 (lot de 10)", 10, ""},
		{"Sandpaper 120 grit (pack of 10)", 10, ""},
		{"Nitrile gloves, box of 100", 100, ""},
		{"Wagons 16T 3-pack", 3, ""},
		{"Tea lights x24", 24, ""},
		{"Carnet 96 feuilles", 96, ""},
		{"砂纸 120目（10张装）", 10, "张"},
		{"Toile coton 30 x 40 cm", 0, ""},
		{"Bench plane No. 4", 0, ""},
		{"Gift card 50 €", 0, ""},
	}
	for _, tt := range tests {
		ix := New([]concierge.Product{{SKU: "P", Name: map[concierge.Locale]string{"en": tt.name}}}, []concierge.Locale{"en"})
		if n, c := ix.PackSize("P"); n != tt.n || c != tt.counter {
			t.Errorf("PackSize(%q) = %d %q, want %d %q", tt.name, n, c, tt.n, tt.counter)
		}
	}
}
