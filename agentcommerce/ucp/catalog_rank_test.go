package ucp_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
)

// ranked gives the shop two more mugs and, as server wires it, the
// chat's ranked search over its live catalog as Rank.
func ranked(s *catalogShop, bot *concierge.Bot, sh *agentcommerce.Shop) {
	mug := func(sku, en, fr string) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Name: map[concierge.Locale]string{"en": en, "fr": fr}, Category: "Kitchen", Price: eur(1500), Stock: 3}
	}
	bot.Products = append(bot.Products, mug("MUG-STONE", "Stoneware mug", "Tasse en grès"), mug("MUG-TRAVEL", "Travel mug", "Tasse de voyage"))
	sh.Rank = func(q string) []concierge.SKU {
		b := s.bot.Load()
		var out []concierge.SKU
		for _, h := range catalog.New(b.Products, b.Locales).Search(catalog.Query{Text: q}) {
			out = append(out, h.SKU)
		}
		return out
	}
}

// TestCatalogSearchRanked: UCP's catalog search finds products as the
// chat does when the shop has Rank: a misspelt French word, a colour
// only the variant has (which becomes the featured variant), a French
// word for mugs, each of which the word match missed; filters still
// apply to the ranked results; and pages of one follow the ranked order
// of the full page, with no product skipped or repeated. Both databases.
func TestCatalogSearchRanked(t *testing.T) {
	act.EachDB(t, func(t *testing.T, url string) {
		s := newCatalogShop(t, url, ranked)
		search := func(body string) map[string]any {
			t.Helper()
			st, out, raw := s.call(t, http.MethodPost, "/ucp/shop-a/catalog/search", body)
			if st != http.StatusOK {
				t.Fatalf("search %s: %d %s", body, st, raw)
			}
			return out
		}
		for _, tc := range []struct {
			name, body string
			want       []string // product ids, in order
			featured   string   // the first product's first variant
		}{
			{"misspelt French", `{"query":"chausures"}`, []string{"TRAIL-ALPINA"}, "TRAIL-BLU-41"},
			{"the colour of one variant", `{"query":"chaussures noir"}`, []string{"TRAIL-ALPINA"}, "TRAIL-BLK-42"},
			{"French for mugs", `{"query":"tasses"}`, []string{"MUG-STONE", "MUG-TRAVEL"}, "MUG-STONE"},
			{"with a price filter", `{"query":"mug","filters":{"price":{"max":1200}}}`, []string{"MUG"}, "MUG"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out := search(tc.body)
				if got := ids(out["products"], "id"); !slices.Equal(got, tc.want) || jget(out, "products.0.variants.0.id") != tc.featured {
					t.Errorf("products %v (featured %v), want %v (featured %s)", got, jget(out, "products.0.variants.0.id"), tc.want, tc.featured)
				}
			})
		}
		all := ids(search(`{"query":"mug","pagination":{"limit":10}}`)["products"], "id")
		if len(all) != 3 {
			t.Fatalf("mugs: %v, want 3", all)
		}
		var paged []string
		cursor := ""
		for range 5 {
			body := `{"query":"mug","pagination":{"limit":1}}`
			if cursor != "" {
				body = `{"query":"mug","pagination":{"limit":1,"cursor":"` + cursor + `"}}`
			}
			out := search(body)
			paged = append(paged, ids(out["products"], "id")...)
			if jget(out, "pagination.total_count") != 3.0 {
				t.Errorf("total_count %v, want 3", jget(out, "pagination.total_count"))
			}
			next, _ := jget(out, "pagination.cursor").(string)
			if jget(out, "pagination.has_next_page") != (next != "") {
				t.Errorf("has_next_page %v with cursor %q", jget(out, "pagination.has_next_page"), next)
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if !slices.Equal(paged, all) {
			t.Errorf("pages of one: %v, want the full page's order %v", paged, all)
		}
	})
}
