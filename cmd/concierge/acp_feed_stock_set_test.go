package main

import (
	"strings"
	"testing"

	"github.com/conciergehq/concierge/internal/testenv"
)

// TestACPFeedPushOnStockSet: the server built from a bot file with
// agents.acp.feed pushes the stock the merchant sets at once, as it
// pushes a stock change from an order, rather than at the end of its
// hour: LAMP-04's stock set to 0 through the catalog API (the seller's
// assistant sets stock through the same Upsert, server/seller.go) is
// pushed out_of_stock, and set back to 5 is pushed in_stock. The store
// tells OnStockChange's listener of the stock it sets, so the push does
// not hang on the catalog's sink. Both databases.
func TestACPFeedPushOnStockSet(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = testenv.PostgresURL(t)
			}
			const token = "agent-feed-token-0123456789"
			const apiToken = "catalog-api-token-0123456789abcdef0123"
			agentURL, push := feedAgent(t, token)
			s := startShopWith(t, url, func(cfg string) string {
				cfg = rewrite(t, cfg, map[string]string{"catalog:\n  products:": "catalog:\n  api_token: " + apiToken + "\n  products:"})
				return cfg + strings.Replace(agentsSection, `acp: { api_keys: ["test-acp-key-0123456789"] }`,
					`acp: { api_keys: ["test-acp-key-0123456789"], feed: { url: "`+agentURL+`", token: "`+token+`", feed_id: feed_1, every: 1h } }`, 1)
			})
			if st := feedAvailability(t, push("the start"), "LAMP-04"); st != "in_stock" {
				t.Fatalf("LAMP-04 at the start: %q, want in_stock", st)
			}
			for _, c := range []struct{ stock, want string }{{"0", "out_of_stock"}, {"5", "in_stock"}} {
				if st, body := catalogAPI(t, s.base, "POST", "/api/catalog/maison-lumiere/products", apiToken, `[{"sku": "LAMP-04", "stock": `+c.stock+`}]`); st != 200 {
					t.Fatalf("catalog API: %d %s", st, body)
				}
				if st := feedAvailability(t, push("the stock set to "+c.stock), "LAMP-04"); st != c.want {
					t.Fatalf("LAMP-04 after its stock was set to %s: %q, want %s", c.stock, st, c.want)
				}
			}
		})
	}
}
