package agentcommerce_test

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
)

// TestShopServes: an option of a service level that names the buyer's
// country replaces the options of that level serving anywhere; options
// without a level, or of another level, are unaffected.
func TestShopServes(t *testing.T) {
	shop := &agentcommerce.Shop{Shipping: []agentcommerce.ShippingOption{
		{ID: "std-ship", Level: "standard"},
		{ID: "exp-ship-us", Level: "express", Countries: []string{"US"}},
		{ID: "exp-ship-intl", Level: "express"},
		{ID: "pickup", Countries: []string{"FR"}},
		{ID: "courier"},
	}}
	for _, tc := range []struct {
		country string
		want    []string
	}{
		{"US", []string{"std-ship", "exp-ship-us", "courier"}},
		{"us", []string{"std-ship", "exp-ship-us", "courier"}},
		{"CA", []string{"std-ship", "exp-ship-intl", "courier"}},
		{"FR", []string{"std-ship", "exp-ship-intl", "pickup", "courier"}},
	} {
		var got []string
		for _, o := range shop.Shipping {
			if shop.Serves(o, tc.country) {
				got = append(got, o.ID)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.country, got, tc.want)
		}
	}
}

// TestShopVariants: a group's variants in catalog order and the
// attributes that differ between them (case aside); a product alone in
// its group, or in none, has no variants; Search lists a group once.
func TestShopVariants(t *testing.T) {
	en := func(s string) map[concierge.Locale]string { return map[concierge.Locale]string{"en": s} }
	bot := &concierge.Bot{ID: "b", Products: []concierge.Product{
		{SKU: "TEE-S", Group: "TEE", Name: en("Tee"), Attrs: map[string]string{"size": "S", "material": "cotton", "color": "Blue"}},
		{SKU: "CAP", Name: en("Cap"), Attrs: map[string]string{"size": "M"}},
		{SKU: "TEE-M", Group: "TEE", Name: en("Tee"), Attrs: map[string]string{"size": "M", "material": "cotton", "color": "blue"}},
		{SKU: "MUG", Group: "MUG", Name: en("Mug")},
	}}
	shop := &agentcommerce.Shop{Bot: bot}
	vs, axes := shop.Variants(&bot.Products[2])
	var skus []concierge.SKU
	for _, v := range vs {
		skus = append(skus, v.SKU)
	}
	if !slices.Equal(skus, []concierge.SKU{"TEE-S", "TEE-M"}) || !slices.Equal(axes, []string{"size"}) {
		t.Errorf("variants %v axes %v", skus, axes)
	}
	if o := agentcommerce.Options(&bot.Products[0], axes); len(o) != 1 || o["size"] != "S" {
		t.Errorf("options %v", o)
	}
	for _, i := range []int{1, 3} {
		if vs, axes := shop.Variants(&bot.Products[i]); vs != nil || axes != nil {
			t.Errorf("%s: variants %v %v", bot.Products[i].SKU, vs, axes)
		}
	}
	var found []concierge.SKU
	for _, p := range shop.Search("", 10) {
		found = append(found, p.SKU)
	}
	if !slices.Equal(found, []concierge.SKU{"TEE-S", "CAP", "MUG"}) {
		t.Errorf("search: %v", found)
	}
}
