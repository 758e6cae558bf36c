package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
)

// flowerShop starts the UCP conformance suite's flower shop
// (testdata/flower_shop: the samples' products.csv, inventory.csv and
// shipping_rates.csv, imported as they are by flower-shop.yaml), on
// SQLite or PostgreSQL.
func flowerShop(t *testing.T, db string) *shop {
	t.Helper()
	url := tempSQLite(t)
	if db == "postgres" {
		url = testenv.PostgresURL(t)
	}
	path, err := filepath.Abs("testdata/flower_shop/flower-shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return runMain(t, &Main{ConfigPath: path, DBURL: url})
}

// optionIDs are the fulfillment option ids of a UCP checkout.
func optionIDs(c map[string]any) []string {
	var ids []string
	opts, _ := jget(c, "fulfillment.methods.0.groups.0.options").([]any)
	for _, o := range opts {
		id, _ := jget(o, "id").(string)
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// TestFlowerShopUCP: the conformance suite's flower shop, its catalog and
// shipping rates imported from the samples' CSV files, sells over UCP as
// the suite's checks expect: bouquet_roses at 3500 cents, the options of
// a US address (exp-ship-us replacing exp-ship-intl of its service level)
// and of a Canadian one, totals with the chosen option, gardenias out of
// stock and pink_wumpus unknown (both refused, nothing held), a purchase
// paid with the suite's mock_payment_handler, and its simulated shipment
// (Simulation-Secret, test mode) marking the order fulfilled. Both
// databases.
func TestFlowerShopUCP(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			s := flowerShop(t, db)
			ctx := context.Background()
			stock := func(sku concierge.SKU) int {
				n, err := s.m.DB.StockLevels(ctx, "flower-shop")
				if err != nil {
					t.Fatal(err)
				}
				return n[sku]
			}
			if stock("bouquet_roses") != 1000 || stock("gardenias") != 0 || stock("orchid_white") != 800 {
				t.Fatalf("inventory.csv not imported as stock: roses %d, gardenias %d, orchid %d", stock("bouquet_roses"), stock("gardenias"), stock("orchid_white"))
			}
			st, prof, _ := s.agent(agentCall{method: "GET", path: "/.well-known/ucp"})
			if st != 200 || jget(prof, "ucp.version") != "2026-04-08" {
				t.Fatalf("profile: %d %v", st, prof)
			}
			path := "/ucp/flower-shop/checkout-sessions"
			st, c, _ := s.agent(agentCall{"POST", path, ucpHeaders("k-create"),
				`{"currency":"USD","buyer":{"full_name":"John Doe","email":"john.doe@example.com"},"line_items":[{"item":{"id":"bouquet_roses","title":"Red Rose"},"quantity":1}]}`})
			if st != 201 || jget(c, "line_items.0.item.price") != 3500.0 || jget(c, "line_items.0.item.title") != "Bouquet of Red Roses" || c["currency"] != "USD" {
				t.Fatalf("create: %d %v", st, c)
			}
			id := c["id"].(string)
			dest := func(country, postal string) string {
				return fmt.Sprintf(`"fulfillment":{"methods":[{"id":"method_1","type":"shipping","destinations":[{"id":"dest_1","full_name":"John Doe","street_address":"123 Main St","address_locality":"Springfield","address_region":"IL","postal_code":%q,"address_country":%q}],"selected_destination_id":"dest_1"`, postal, country)
			}
			line := `"line_items":[{"item":{"id":"bouquet_roses"},"quantity":1}]`
			_, ca, _ := s.agent(agentCall{"PUT", path + "/" + id, ucpHeaders("k-ca"), `{` + line + `,` + dest("CA", "M5V 2H1") + `}]}}`})
			if got := optionIDs(ca); !slices.Equal(got, []string{"exp-ship-intl", "std-ship"}) {
				t.Errorf("Canadian options %v, want exp-ship-intl and std-ship: %v", got, ca)
			}
			_, us, _ := s.agent(agentCall{"PUT", path + "/" + id, ucpHeaders("k-us"), `{` + line + `,` + dest("US", "62704") + `}]}}`})
			if got := optionIDs(us); !slices.Equal(got, []string{"exp-ship-us", "std-ship"}) {
				t.Errorf("US options %v, want exp-ship-us and std-ship: %v", got, us)
			}
			st, ready, _ := s.agent(agentCall{"PUT", path + "/" + id, ucpHeaders("k-pick"),
				`{` + line + `,` + dest("US", "62704") + `,"groups":[{"id":"package_1","selected_option_id":"exp-ship-us"}]}]}}`})
			totals, _ := ready["totals"].([]any)
			if st != 200 || ready["status"] != "ready_for_complete" || len(totals) == 0 || jget(totals[len(totals)-1], "amount") != 5000.0 {
				t.Fatalf("exp-ship-us chosen: %d %v", st, ready)
			}

			for _, tc := range []struct{ sku, code string }{{"gardenias", "out_of_stock"}, {"pink_wumpus", "item_unavailable"}} {
				st, bad, _ := s.agent(agentCall{"POST", path, ucpHeaders("k-" + tc.sku), `{"line_items":[{"item":{"id":"` + tc.sku + `"},"quantity":1}]}`})
				if st != 200 || jget(bad, "ucp.status") != "error" || jget(bad, "messages.0.code") != tc.code {
					t.Errorf("%s: %d %v, want the %s message", tc.sku, st, bad, tc.code)
				}
			}

			st, done, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", ucpHeaders("k-pay"),
				`{"payment":{"instruments":[{"id":"instr_1","handler_id":"mock_payment_handler","type":"card","credential":{"type":"token","token":"success_token"}}]}}`})
			orderID, _ := jget(done, "order.id").(string)
			if st != 200 || done["status"] != "completed" || orderID == "" || jget(done, "order.permalink_url") == nil {
				t.Fatalf("complete: %d %v", st, done)
			}
			if o := s.order(orderID); o.State != concierge.OrderPaid || o.Total.Minor != 5000 || o.Total.Currency != "USD" {
				t.Fatalf("order: %+v", o)
			}
			if n := stock("bouquet_roses"); n != 999 {
				t.Errorf("roses in stock after the sale: %d, want 999", n)
			}

			ship := func(secret string) (int, map[string]any) {
				st, body, _ := s.agent(agentCall{"POST", "/testing/simulate-shipping/" + orderID, map[string]string{"Simulation-Secret": secret}, ""})
				return st, body
			}
			if st, body := ship("not-the-secret"); st != 403 || s.order(orderID).State != concierge.OrderPaid {
				t.Fatalf("wrong secret: %d %v", st, body)
			}
			st, shipped := ship("flower-shop-simulation-secret")
			if st != 200 || jget(shipped, "fulfillment.events.0.type") != "shipped" || s.order(orderID).State != concierge.OrderFulfilled {
				t.Fatalf("simulated shipment: %d %v", st, shipped)
			}
		})
	}
}

// TestSimulateShippingNeedsTestMode: the sample shop's agents section
// enables test mode without a simulation secret, so the simulation
// endpoint does not exist there.
func TestSimulateShippingNeedsTestMode(t *testing.T) {
	s := agentShop(t, "sqlite")
	for _, p := range []string{"/testing/simulate-shipping/ML-AAAAAA", "/ucp/maison-lumiere/testing/simulate-shipping/ML-AAAAAA"} {
		if st, body, _ := s.agent(agentCall{"POST", p, map[string]string{"Simulation-Secret": "anything-at-all-0123"}, ""}); st != 404 {
			t.Errorf("%s: %d %v, want 404", p, st, body)
		}
	}
}
