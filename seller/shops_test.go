package seller

import "testing"

// TestParseShop: "shop NAME" in en, fr and zh chooses a shop, "shops"
// alone lists them, and a word that only begins like one is not a choice.
func TestParseShop(t *testing.T) {
	for _, tc := range []struct {
		in   string
		name string
		ok   bool
	}{
		{"shop Atelier Nord", "atelier nord", true},
		{"Shops", "", true},
		{"boutique : maison lumière", "maison lumière", true},
		{"店铺 阿特利尔", "阿特利尔", true},
		{"商店阿特利尔", "阿特利尔", true},
		{"shopping list", "", false},
		{"stock of the shop lamp", "", false},
	} {
		name, ok := parseShop(tc.in)
		if name != tc.name || ok != tc.ok {
			t.Errorf("parseShop(%q) = %q, %v; want %q, %v", tc.in, name, ok, tc.name, tc.ok)
		}
	}
}
