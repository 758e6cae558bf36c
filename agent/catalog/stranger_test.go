package catalog_test

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
)

func TestStranger(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/strangers.yaml"), []concierge.Locale{"fr", "en", "zh"})
	tests := []struct {
		prev, a, b string
		want       bool
	}{
		{"", "espresso", "machine", true},  // another machine than the one sold
		{"", "gaming", "chair", true},      // a use no chair has
		{"", "fountain", "pen", true},      // "fountain" is "mountain" only by a typo
		{"", "pen", "fountain", true},      // either side
		{"", "soy", "milk", false},         // both known
		{"", "lait", "soja", false},        // both known
		{"", "folding", "cart", false},     // both known
		{"cast", "iron", "teapot", false},  // "cast iron" is one material
		{"", "cast", "iron", false},        // the phrase itself
		{"", "pls", "teapot", false},       // too short to name a kind
		{"", "teapot", "please", false},    // an unknown word after a known one is no modifier
		{"", "mountian", "rest", false},    // a typo before a known word is the name's
		{"", "machine", "expresso", false}, // after the known word: not judged
		{"", "espresso", "1", false},       // numbers are not words
	}
	for _, tt := range tests {
		if got := ix.Stranger(tt.prev, tt.a, tt.b); got != tt.want {
			t.Errorf("Stranger(%q, %q, %q) = %v, want %v", tt.prev, tt.a, tt.b, got, tt.want)
		}
	}
}

// A word written in every name of one product is its proper name
// ("Chair One"), unless another product's name uses it as a plain word:
// "camping" is in both names of the camping chair and in the French name
// of the gear cart, so "le chariot de camping" names no chair.
func TestCommonWordIsNoName(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "testdata/strangers.yaml"), []concierge.Locale{"fr", "en", "zh"})
	if got := ix.Resolve("ajoute le chariot de camping"); slices.Contains(got, "CHAIR-ONE") {
		t.Errorf("Resolve(ajoute le chariot de camping) = %v, want no CHAIR-ONE", got)
	}
	if got := ix.Resolve("la chair one"); !slices.Equal(got, []concierge.SKU{"CHAIR-ONE"}) {
		t.Errorf("Resolve(la chair one) = %v, want [CHAIR-ONE]", got)
	}
}
