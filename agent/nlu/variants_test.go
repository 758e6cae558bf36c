package nlu_test

import (
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/agent/nlu"
)

// TestVariantSizes: in a shop whose shoes come in 40, 41 and 42, a size
// said as one is never a quantity (nor a bad one), and stays in the
// query; counts beside it are still counts. In a shop without such
// variants, the same words read as before.
func TestVariantSizes(t *testing.T) {
	shop := catalog.New(catalogtest.Load(t, "../catalog/testdata/variants.yaml"), []concierge.Locale{"fr", "en", "zh"})
	lamps := catalog.New(catalogtest.Load(t, "../catalog/testdata/catalog.yaml"), []concierge.Locale{"fr", "en", "zh"})
	tests := []struct {
		ix       *catalog.Index
		text     string
		quantity int
		bad      bool
		query    string // a word the query must keep
	}{
		{shop, "ajoute les chaussures de trail en 42", 0, false, "42"},
		{shop, "la bleue en 42", 0, false, "42"},
		{shop, "the blue one in 42", 0, false, "42"},
		{shop, "taille 42", 0, false, "42"},
		{shop, "pointure 41 en noir", 0, false, "41"},
		{shop, "42码的蓝色", 0, false, "蓝色"},
		{shop, "42", 0, false, "42"},
		{shop, "les chaussures bleues 42", 0, false, "42"},
		{shop, "2 paires de chaussures de trail en 42", 2, false, "42"},
		{shop, "two pairs of the trail shoes in 41", 2, false, "41"},
		// Not a size: a count after "mets-en", a number no variant has.
		{shop, "mets-en 2", 2, false, ""},
		{shop, "ajoute 3 chaussettes", 3, false, "chaussettes"},
		{shop, "je veux 47 chaussures", 47, true, ""},
		// A shop without sizes: 42 of something is too many, as before.
		{lamps, "42 ampoules", 42, true, ""},
	}
	for _, tt := range tests {
		in := nlu.Parse(tt.text, tt.ix, "fr")
		if in.Quantity != tt.quantity || in.BadQuantity != tt.bad {
			t.Errorf("Parse(%q): quantity %d, bad %v; want %d, %v", tt.text, in.Quantity, in.BadQuantity, tt.quantity, tt.bad)
		}
		if tt.query != "" && !containsWord(in.Query, tt.query) {
			t.Errorf("Parse(%q).Query = %q, want it to keep %q", tt.text, in.Query, tt.query)
		}
	}
}
