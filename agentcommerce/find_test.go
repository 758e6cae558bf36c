package agentcommerce_test

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/agentcommerce"
)

// TestFindWithoutTheShopsSearch: a shop without FindFunc filters the
// word match's products itself, a variant group passing when one of its
// variants does, and counts no facets.
func TestFindWithoutTheShopsSearch(t *testing.T) {
	bot := &concierge.Bot{ID: "clothes", Locales: []concierge.Locale{"fr", "en", "zh"}, Currency: "EUR",
		Products: catalogtest.Load(t, "../agent/catalog/testdata/facets.yaml")}
	shop := &agentcommerce.Shop{Bot: bot}
	for _, tc := range []struct {
		name  string
		query string
		f     agentcommerce.Filter
		want  []concierge.SKU
	}{
		{"no filter", "t-shirt", agentcommerce.Filter{}, []concierge.SKU{"TEE-BLU-S"}},
		{"a colour only one variant has", "", agentcommerce.Filter{Attrs: map[string][]string{"Color": {"BLANC"}}}, []concierge.SKU{"TEE-BLU-S", "SHIRT-OX", "SOCKS-3"}},
		{"two attributes one variant has together", "", agentcommerce.Filter{Attrs: map[string][]string{"color": {"blanc"}, "size": {"M", "L"}}}, []concierge.SKU{"TEE-BLU-S"}},
		{"two attributes no variant has together", "", agentcommerce.Filter{Attrs: map[string][]string{"color": {"blanc"}, "size": {"L"}}}, nil},
		{"categories and a price", "", agentcommerce.Filter{Categories: []string{"Accessories", "gifts"}, PriceMin: 1300, PriceMax: 5000}, []concierge.SKU{"SCARF-SILK", "CAP", "GIFT-CARD"}},
		{"in stock (a digital product is)", "", agentcommerce.Filter{InStock: true, Categories: []string{"tops", "gifts"}}, []concierge.SKU{"TEE-BLU-S", "SHIRT-OX", "GIFT-CARD"}},
		{"an attribute no product has", "", agentcommerce.Filter{Attrs: map[string][]string{"fabric": {"lin"}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, facets, faceted, err := shop.Find(tc.query, tc.f, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []concierge.SKU
			for _, p := range ps {
				got = append(got, p.SKU)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("found %v, want %v", got, tc.want)
			}
			if faceted || facets.Total != 0 {
				t.Errorf("facets without the shop's search: %v %+v", faceted, facets)
			}
		})
	}
	// Numbers are read by the shop's search only: a range is refused
	// rather than ignored.
	ps, _, _, err := shop.Find("", agentcommerce.Filter{Ranges: map[string]concierge.Range{"size": {Min: "32"}}}, 0)
	if e := agentcommerce.AsError(err); e == nil || e.Reason != agentcommerce.ReasonInvalid || len(ps) != 0 {
		t.Errorf("a range without the shop's search: %v, %v", ps, err)
	}
}
