package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge/internal/testenv"
)

// feedAvailability is the availability status the pushed products give
// variant sku, or "" when it is not among them.
func feedAvailability(t *testing.T, body, sku string) string {
	t.Helper()
	var feed struct {
		Products []struct {
			Variants []struct {
				ID           string `json:"id"`
				Availability *struct {
					Status string `json:"status"`
				} `json:"availability"`
			} `json:"variants"`
		} `json:"products"`
	}
	if err := json.Unmarshal([]byte(body), &feed); err != nil {
		t.Fatalf("pushed feed: %v: %s", err, body)
	}
	for _, p := range feed.Products {
		for _, v := range p.Variants {
			if v.ID == sku && v.Availability != nil {
				return v.Availability.Status
			}
		}
	}
	return ""
}

// TestACPFeedPushOnOrder: the server built from a bot file with
// agents.acp.feed pushes a stock change that an order makes as it pushes
// a catalog change, at once rather than at the end of its hour: an ACP
// checkout that reserves the last lamps of LAMP-04 pushes it
// out_of_stock, and canceling that checkout, which gives the lamps back,
// pushes it in_stock. (Expiry gives stock back through the same store
// transition: store's TestOnStockChange.) Both databases.
func TestACPFeedPushOnOrder(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = testenv.PostgresURL(t)
			}
			const token = "agent-feed-token-0123456789"
			agentURL, push := feedAgent(t, token)
			s := startShopWith(t, url, func(cfg string) string {
				return cfg + strings.Replace(agentsSection, `acp: { api_keys: ["test-acp-key-0123456789"] }`,
					`acp: { api_keys: ["test-acp-key-0123456789"], feed: { url: "`+agentURL+`", token: "`+token+`", feed_id: feed_1, every: 1h } }`, 1) +
					"  rate_per_minute: 6000\n"
			})
			if st := feedAvailability(t, push("the start"), "LAMP-04"); st != "in_stock" {
				t.Fatalf("LAMP-04 at the start: %q, want in_stock", st)
			}
			st, c, _ := s.agent(agentCall{"POST", "/acp/maison-lumiere/checkout_sessions", acpHeaders("stock-create"),
				`{"currency":"eur","line_items":[{"item":{"id":"LAMP-04"},"quantity":7}]}`})
			if st != http.StatusCreated {
				t.Fatalf("create: %d %v", st, c)
			}
			if st := feedAvailability(t, push("the order that took the last lamps"), "LAMP-04"); st != "out_of_stock" {
				t.Fatalf("LAMP-04 after its last lamps were reserved: %q, want out_of_stock", st)
			}
			id, _ := c["id"].(string)
			if st, c, _ := s.agent(agentCall{"POST", "/acp/maison-lumiere/checkout_sessions/" + id + "/cancel", acpHeaders("stock-cancel"), `{}`}); st != http.StatusOK || c["status"] != "canceled" {
				t.Fatalf("cancel: %d %v", st, c)
			}
			if st := feedAvailability(t, push("the cancellation"), "LAMP-04"); st != "in_stock" {
				t.Fatalf("LAMP-04 after the cancellation: %q, want in_stock", st)
			}
		})
	}
}

// feedAgent is an agent's Feed API (ACP) that accepts the pushes of feed
// feed_1 made with token and hands their bodies to push, in order: push
// fails the test after 30 s without one (a hang, not a synchronisation),
// and returns "unexpected: …" for a request the API does not answer.
func feedAgent(t *testing.T, token string) (url string, push func(what string) string) {
	t.Helper()
	got := make(chan string, 16)
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/feeds/feed_1/products":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"products":[]}`))
		case r.Method == http.MethodPatch && r.URL.Path == "/feeds/feed_1/products" && r.Header.Get("Authorization") == "Bearer "+token:
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"feed_1","accepted":true}`))
			got <- string(b)
		default:
			w.WriteHeader(http.StatusNotFound)
			got <- "unexpected: " + r.Method + " " + r.URL.Path
		}
	}))
	t.Cleanup(agent.Close)
	return agent.URL, func(what string) string {
		t.Helper()
		select {
		case b := <-got:
			return b
		case <-time.After(30 * time.Second):
			t.Fatalf("no feed pushed within 30 s of %s", what)
			return ""
		}
	}
}
