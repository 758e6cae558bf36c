package acp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
)

// TestFeedVariants: the sizes and colours of one product are items of
// their own sharing item_group_id and item_group_title, with the feed
// spec's color and size and the other differing attribute as a custom
// variant pair; what all variants share (material) and a product without
// a group carry none of it. Both databases (stock is live).
func TestFeedVariants(t *testing.T) {
	act.EachDB(t, func(t *testing.T, url string) {
		db := act.OpenStore(t, url)
		eur := func(m int64) concierge.Money { return concierge.Money{Minor: m, Currency: "EUR"} }
		name := map[concierge.Locale]string{"en": "Alpina trail shoes"}
		bot := &concierge.Bot{ID: "shop-a", Name: "Shop", Locales: []concierge.Locale{"en"}, Currency: "EUR",
			Products: []concierge.Product{
				{SKU: "TRAIL-BLU-41", Group: "TRAIL", Name: name, Price: eur(8900), Stock: 2, Attrs: map[string]string{"size": "41", "color": "blue", "material": "mesh", "width": "regular"}},
				{SKU: "TRAIL-BLK-42", Group: "TRAIL", Name: name, Price: eur(9200), Stock: 0, Attrs: map[string]string{"size": "42", "color": "black", "material": "mesh", "width": "wide"}},
				{SKU: "SOCKS", Name: map[concierge.Locale]string{"en": "Socks"}, Price: eur(900), Stock: 5, Attrs: map[string]string{"size": "M"}},
			},
			Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}
		shop := &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}}, WidgetURL: "http://localhost/chat/shop-a"}
		svc := act.NewService(t, db, shop)
		mux := http.NewServeMux()
		acp.New(acp.Config{Service: svc, BaseURL: "http://localhost", Keys: map[concierge.BotID][]string{bot.ID: {apiKey}}}).Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		req, _ := http.NewRequest("GET", srv.URL+"/acp/shop-a/feed", nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		st, body, raw, _ := act.Do(t, req)
		products, _ := body["products"].([]any)
		if st != 200 || len(products) != 3 {
			t.Fatalf("feed: %d %s", st, raw)
		}
		want := []map[string]any{
			{"id": "TRAIL-BLU-41", "item_group_id": "TRAIL", "item_group_title": "Alpina trail shoes", "color": "blue", "size": "41",
				"Custom_variant1_category": "width", "Custom_variant1_option": "regular", "availability": "in_stock", "price": "89.00 EUR"},
			{"id": "TRAIL-BLK-42", "item_group_id": "TRAIL", "color": "black", "size": "42",
				"Custom_variant1_category": "width", "Custom_variant1_option": "wide", "availability": "out_of_stock", "price": "92.00 EUR"},
			{"id": "SOCKS", "item_group_id": nil, "size": nil, "Custom_variant1_category": nil},
		}
		for i, w := range want {
			p := products[i].(map[string]any)
			for k, v := range w {
				if p[k] != v {
					t.Errorf("%s: %s = %v, want %v", w["id"], k, p[k], v)
				}
			}
			if _, ok := p["Custom_variant2_category"]; ok {
				t.Errorf("%s: material is the same for every variant, yet a second custom variant: %v", w["id"], p)
			}
		}
	})
}
