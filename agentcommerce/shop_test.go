package agentcommerce_test

import (
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
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

// rankedBot is a shop in English and French whose lamp shade mentions
// lamps in its description and comes first in the catalog, and whose
// trail shoes are a group of two sizes.
func rankedBot() *concierge.Bot {
	two := func(en, fr string) map[concierge.Locale]string {
		return map[concierge.Locale]string{"en": en, "fr": fr}
	}
	return &concierge.Bot{ID: "b", Locales: []concierge.Locale{"en", "fr"}, Products: []concierge.Product{
		{SKU: "SHADE", Name: two("Linen lamp shade", "Abat-jour en lin"), Description: two("A shade for bedside lamps", "Pour lampes de chevet"), Category: "Lighting"},
		{SKU: "MUG", Name: two("Enamel mug", "Tasse émaillée"), Category: "Kitchen"},
		{SKU: "LAMP", Name: two("Bedside lamp", "Lampe de chevet"), Category: "Lighting"},
		{SKU: "TEAPOT", Name: two("Glass teapot", "Théière en verre"), Category: "Kitchen"},
		{SKU: "SHOE-41", Group: "SHOE", Name: two("Trail running shoes", "Chaussures de trail"), Category: "Shoes", Attrs: map[string]string{"size": "41"}},
		{SKU: "SHOE-42", Group: "SHOE", Name: two("Trail running shoes", "Chaussures de trail"), Category: "Shoes", Attrs: map[string]string{"size": "42"}},
	}}
}

// chatRank is what server wires as Shop.Rank: the chat's index over bot.
func chatRank(bot *concierge.Bot) func(string) []concierge.SKU {
	ix := catalog.New(bot.Products, bot.Locales)
	return func(q string) []concierge.SKU {
		var out []concierge.SKU
		for _, h := range ix.Search(catalog.Query{Text: q}) {
			out = append(out, h.SKU)
		}
		return out
	}
}

// TestShopSearchRanked: with Rank (the chat's index, as server wires
// it) Search finds what the chat finds — a misspelling, an unaccented
// French word, Chinese, a kind of product rather than a passing mention
// in a description — best first, a variant group once under the variant
// the query names best, at most limit; an empty query still lists the
// catalog in order; a SKU the catalog no longer holds is skipped.
// Without Rank, the word match in catalog order, as before.
func TestShopSearchRanked(t *testing.T) {
	bot := rankedBot()
	ranked := &agentcommerce.Shop{Bot: bot, Rank: chatRank(bot)}
	words := &agentcommerce.Shop{Bot: bot}
	stale := &agentcommerce.Shop{Bot: bot, Rank: func(string) []concierge.SKU { return []concierge.SKU{"GONE", "MUG"} }}
	for _, tc := range []struct {
		name  string
		shop  *agentcommerce.Shop
		query string
		limit int
		want  []concierge.SKU
	}{
		{"a lamp, not the shade that mentions lamps", ranked, "lamp", 0, []concierge.SKU{"LAMP"}},
		{"misspelt", ranked, "lmap", 0, []concierge.SKU{"LAMP"}},
		{"French without accents", ranked, "theiere", 0, []concierge.SKU{"TEAPOT"}},
		{"French for mug", ranked, "tasse", 0, []concierge.SKU{"MUG"}},
		{"Chinese", ranked, "灯", 0, []concierge.SKU{"LAMP"}},
		{"the size asked stands for the group", ranked, "running shoe 42", 0, []concierge.SKU{"SHOE-42"}},
		{"a group once", ranked, "chaussures", 0, []concierge.SKU{"SHOE-41"}},
		{"limit", ranked, "kitchen", 1, []concierge.SKU{"MUG"}},
		{"empty query lists the catalog", ranked, " ", 0, []concierge.SKU{"SHADE", "MUG", "LAMP", "TEAPOT", "SHOE-41"}},
		{"unknown words find nothing", ranked, "xyzzy", 0, nil},
		{"a SKU no longer in the catalog", stale, "anything", 0, []concierge.SKU{"MUG"}},
		{"without Rank: every word, catalog order", words, "lamp", 0, []concierge.SKU{"SHADE", "LAMP"}},
		{"without Rank: no typo forgiven", words, "lmap", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []concierge.SKU
			for _, p := range tc.shop.Search(tc.query, tc.limit) {
				got = append(got, p.SKU)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Search(%q, %d) = %v, want %v", tc.query, tc.limit, got, tc.want)
			}
		})
	}
}
