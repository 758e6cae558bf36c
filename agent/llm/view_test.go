package llm

import (
	"encoding/json"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
)

// TestSearchViewHasFacets: the model reads a search's facets with the
// price bands as the shop writes prices, and the filters that select
// each band; a search without facets (another tool) shows none.
func TestSearchViewHasFacets(t *testing.T) {
	shop, lamp, _ := guardShop(t, "EUR")
	turn := &agent.Turn{Shop: shop, Conv: &concierge.Conversation{}, Locale: "fr"}
	r := &agent.Result{Products: []agent.ProductView{{Product: lamp, Stock: 3}}, Facets: &concierge.Facets{Total: 3, InStock: 2, Currency: "EUR",
		Categories: []concierge.FacetValue{{Value: "lamps", Count: 3}},
		Attrs:      []concierge.AttrFacet{{Name: "color", Values: []concierge.FacetValue{{Value: "bleu", Count: 2}, {Value: "noir", Count: 1}}}},
		Prices:     []concierge.PriceBand{{Min: 1200, Max: 2499, Count: 2}, {Min: 2500, Max: 4900, Count: 1}}}}
	var got struct {
		Facets *struct {
			Total      int `json:"total_found"`
			InStock    int `json:"in_stock"`
			Categories []concierge.FacetValue
			Attributes []concierge.AttrFacet
			Bands      []struct {
				From, To string
				PriceMin int64 `json:"price_min"`
				PriceMax int64 `json:"price_max"`
				Count    int
			} `json:"price_bands"`
		}
	}
	if err := json.Unmarshal([]byte(view(turn, r)), &got); err != nil {
		t.Fatal(err)
	}
	f := got.Facets
	eur := func(minor int64) string { return shop.Text.Money("fr", concierge.Money{Minor: minor, Currency: "EUR"}) }
	if f == nil {
		t.Fatalf("no facets in %s", view(turn, r))
	}
	if f.Total != 3 || f.InStock != 2 || len(f.Categories) != 1 || len(f.Attributes) != 1 || f.Attributes[0].Values[0].Value != "bleu" {
		t.Errorf("facets = %+v", f)
	}
	if len(f.Bands) != 2 || f.Bands[0].From != eur(1200) || f.Bands[0].To != eur(2499) || f.Bands[1].PriceMin != 2500 || f.Bands[1].PriceMax != 4900 || f.Bands[0].Count != 2 {
		t.Errorf("bands = %+v", f.Bands)
	}
	r.Facets = nil
	got.Facets = nil
	if err := json.Unmarshal([]byte(view(turn, r)), &got); err != nil || got.Facets != nil {
		t.Errorf("a result without facets shows %+v (%v)", got.Facets, err)
	}
}
