package nlu_test

import (
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/agent/nlu"
)

// TestCheckStrangers: a proposer (the LLM brain) may not add the one
// product a known word finds when the word before it, unknown to the
// shop, names another kind ("an espresso machine" is no soy-milk
// machine); the product's own words still allow it.
func TestCheckStrangers(t *testing.T) {
	ix := catalog.New(catalogtest.Load(t, "../catalog/testdata/strangers.yaml"), []concierge.Locale{"fr", "en", "zh"})
	tests := []struct {
		text string
		sku  concierge.SKU
		ok   bool
	}{
		{"add an espresso machine", "SOY-1L", false},
		{"add a fountain pen", "REST-MOUNTAIN", false},
		{"add the soy milk maker", "SOY-1L", true},
		{"ajoute la machine à lait de soja", "SOY-1L", true},
		{"add the mountain brush rest", "REST-MOUNTAIN", true},
		{"add a cast iron teapot", "TEAPOT-IRON", true},
	}
	for _, tt := range tests {
		err := nlu.Check(tt.text, ix, "en", nlu.Pointable{}, nlu.CartChange{SKU: tt.sku, Add: true})
		if (err == nil) != tt.ok {
			t.Errorf("Check(%q, add %s) = %v, want ok=%v", tt.text, tt.sku, err, tt.ok)
		}
	}
}
