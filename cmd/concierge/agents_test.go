package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
)

// agentsSection lets agents buy from the sample shop.
const agentsSection = `
agents:
  ucp: { enabled: true }
  acp: { api_keys: ["test-acp-key-0123456789"] }
  mcp: { enabled: true }
  shipping:
    - { id: standard, title: { fr: Colissimo, en: Standard }, price: "4.90", countries: [FR, BE, DE], days: "2-4" }
  payment_handlers: [sandbox]
  test_mode: true
`

// agentShop starts the sample shop with agents enabled, on SQLite or
// PostgreSQL.
func agentShop(t *testing.T, db string) *shop {
	url := ""
	if db == "postgres" {
		url = testenv.PostgresURL(t)
	}
	return startShopWith(t, url, func(cfg string) string { return cfg + agentsSection })
}

// eachDB runs fn on SQLite and on PostgreSQL.
func eachDB(t *testing.T, fn func(t *testing.T, s *shop)) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) { fn(t, agentShop(t, db)) })
	}
}

// agentCall is one HTTP request of a scripted agent.
type agentCall struct {
	method, path string
	headers      map[string]string
	body         string
}

func (s *shop) agent(c agentCall) (int, map[string]any, http.Header) {
	s.t.Helper()
	req, err := http.NewRequest(c.method, s.base+c.path, strings.NewReader(c.body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 && json.Unmarshal(b, &out) != nil {
		s.t.Fatalf("%s %s: %d %s: not JSON", c.method, c.path, resp.StatusCode, b)
	}
	return resp.StatusCode, out, resp.Header
}

func ucpHeaders(key string) map[string]string {
	return map[string]string{"UCP-Agent": `profile="https://agent.example/.well-known/ucp"`, "Idempotency-Key": key, "Request-Id": key}
}

// get reads a JSON path like "ucp.status" or "line_items.0.item.price".
func jget(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			fmt.Sscan(p, &i)
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func (s *shop) order(id string) *concierge.Order {
	s.t.Helper()
	o, err := s.m.DB.GetOrder(context.Background(), concierge.OrderID(id))
	if err != nil {
		s.t.Fatal(err)
	}
	return o
}

// TestUCPAgentBuys: a scripted agent discovers the shop, builds a
// checkout, is refused what it may not do, and pays in the sandbox.
func TestUCPAgentBuys(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shop) {
		st, prof, _ := s.agent(agentCall{method: "GET", path: "/ucp/maison-lumiere/.well-known/ucp"})
		services, _ := jget(prof, "ucp.services").(map[string]any)
		handlers, _ := jget(prof, "ucp.payment_handlers").(map[string]any)
		endpoint, _ := jget(services["dev.ucp.shopping"], "0.endpoint").(string)
		if st != 200 || endpoint != s.base+"/ucp/maison-lumiere" || jget(handlers["dev.concierge.sandbox"], "0.id") != "sandbox" {
			t.Fatalf("profile: %d %v", st, prof)
		}
		if st, root, _ := s.agent(agentCall{method: "GET", path: "/.well-known/ucp"}); st != 200 || jget(root, "ucp.version") != "2026-04-08" {
			t.Fatalf("/.well-known/ucp: %d %v", st, root)
		}
		path := "/ucp/maison-lumiere/checkout-sessions"
		// The agent's price is ignored.
		create := `{"currency":"EUR","line_items":[{"item":{"id":"LAMP-01","price":1},"quantity":2}]}`
		st, c1, _ := s.agent(agentCall{"POST", path, ucpHeaders("k-create"), create})
		if st != 201 || c1["status"] != "incomplete" || jget(c1, "line_items.0.item.price") != 4900.0 || jget(c1, "totals.0.amount") != 9800.0 {
			t.Fatalf("create: %d %v", st, c1)
		}
		id := c1["id"].(string)
		st, again, _ := s.agent(agentCall{"POST", path, ucpHeaders("k-create"), create})
		if st != 201 || again["id"] != id {
			t.Fatalf("replay: %d %v", st, again)
		}
		if st, _, _ := s.agent(agentCall{"POST", path, ucpHeaders("k-create"), strings.Replace(create, `"quantity":2`, `"quantity":3`, 1)}); st != 409 {
			t.Fatalf("same key, other body: %d, want 409", st)
		}
		update := `{"buyer":{"email":"jane@example.com","first_name":"Jane"},"line_items":[{"item":{"id":"LAMP-01"},"quantity":2}],
			"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
			"groups":[{"selected_option_id":"standard"}]}]}}`
		st, c2, _ := s.agent(agentCall{"PUT", path + "/" + id, ucpHeaders("k-update"), update})
		if st != 200 || c2["status"] != "ready_for_complete" || jget(c2, "totals.2.amount") != 10290.0 || jget(c2, "fulfillment.methods.0.groups.0.selected_option_id") != "standard" {
			t.Fatalf("update: %d %v", st, c2)
		}
		pay := func(handler, token string) string {
			return fmt.Sprintf(`{"payment":{"instruments":[{"id":"pi_1","handler_id":%q,"type":"card","credential":{"type":"token","token":%q},
				"billing_address":{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}}]}}`, handler, token)
		}
		st, declined, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", ucpHeaders("k-fail"), pay("sandbox", "fail_token")})
		if st != 200 || jget(declined, "ucp.status") != "error" || jget(declined, "messages.0.code") != "payment_failed" {
			t.Fatalf("fail_token: %d %v", st, declined)
		}
		st, done, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", ucpHeaders("k-pay"), pay("sandbox", "success_token")})
		orderID, _ := jget(done, "order.id").(string)
		if st != 200 || done["status"] != "completed" || orderID == "" {
			t.Fatalf("complete: %d %v", st, done)
		}
		o := s.order(orderID)
		if o.State != concierge.OrderPaid || o.Total.Minor != 10290 {
			t.Fatalf("order: %+v", o)
		}
		conv, err := s.m.DB.GetConversation(context.Background(), o.Conversation)
		if err != nil || conv.Channel != "agent:ucp" {
			t.Fatalf("conversation: %+v %v", conv, err)
		}
		if st, got, _ := s.agent(agentCall{"GET", path + "/" + id, ucpHeaders(""), ""}); st != 200 || got["status"] != "completed" {
			t.Fatalf("get: %d %v", st, got)
		}
		// The conformance suite's mock handler is the sandbox in test mode.
		_, c3, _ := s.agent(agentCall{"POST", path, ucpHeaders("k-3"), `{"buyer":{"email":"a@b.co"},"line_items":[{"item":{"id":"GIFT-30"},"quantity":1}]}`})
		if c3["status"] != "ready_for_complete" {
			t.Fatalf("digital checkout: %v", c3)
		}
		if st, d3, _ := s.agent(agentCall{"POST", path + "/" + c3["id"].(string) + "/complete", ucpHeaders("k-3c"), pay("mock_payment_handler", "success_token")}); st != 200 || d3["status"] != "completed" {
			t.Fatalf("mock handler: %d %v", st, d3)
		}
	})
}

// TestUCPBadInput: what the agent may not do is refused and changes
// nothing.
func TestUCPBadInput(t *testing.T) {
	eachDB(t, func(t *testing.T, s *shop) {
		path := "/ucp/maison-lumiere/checkout-sessions"
		_, c, _ := s.agent(agentCall{"POST", path, ucpHeaders("k0"), `{"line_items":[{"item":{"id":"LAMP-02"},"quantity":1}]}`})
		id, _ := c["id"].(string)
		if id == "" {
			t.Fatalf("create: %v", c)
		}
		stock := func() int {
			n, err := s.m.DB.StockLevels(context.Background(), "maison-lumiere")
			if err != nil {
				t.Fatal(err)
			}
			return n["LAMP-02"]
		}
		before := stock()
		huge := `{"line_items":[{"item":{"id":"` + strings.Repeat("A", 70<<10) + `"},"quantity":1}]}`
		for _, tc := range []struct {
			name string
			call agentCall
			want int
			code string
		}{
			{"no UCP-Agent", agentCall{"POST", path, map[string]string{"Idempotency-Key": "x1"}, `{"line_items":[]}`}, 400, ""},
			{"no Idempotency-Key", agentCall{"POST", path, map[string]string{"UCP-Agent": "profile=\"x\""}, `{"line_items":[]}`}, 400, ""},
			{"not JSON", agentCall{"POST", path, ucpHeaders("x2"), `{`}, 400, ""},
			{"huge body", agentCall{"POST", path, ucpHeaders("x3"), huge}, 413, ""},
			{"unknown sku", agentCall{"PUT", path + "/" + id, ucpHeaders("x4"), `{"line_items":[{"item":{"id":"NOPE"},"quantity":1}]}`}, 200, "item_unavailable"},
			{"zero", agentCall{"PUT", path + "/" + id, ucpHeaders("x5"), `{"line_items":[{"item":{"id":"LAMP-02"},"quantity":0}]}`}, 400, ""},
			{"negative", agentCall{"PUT", path + "/" + id, ucpHeaders("x6"), `{"line_items":[{"item":{"id":"LAMP-02"},"quantity":-1}]}`}, 400, ""},
			{"beyond stock", agentCall{"PUT", path + "/" + id, ucpHeaders("x7"), `{"line_items":[{"item":{"id":"LAMP-02"},"quantity":999}]}`}, 200, "out_of_stock"},
			{"currency", agentCall{"PUT", path + "/" + id, ucpHeaders("x8"), `{"currency":"USD"}`}, 400, ""},
			{"unknown session", agentCall{"GET", path + "/chk_nope", ucpHeaders(""), ""}, 404, ""},
			{"other bot", agentCall{"GET", "/ucp/other-shop/checkout-sessions/" + id, ucpHeaders(""), ""}, 404, ""},
			{"not ready", agentCall{"POST", path + "/" + id + "/complete", ucpHeaders("x9"), `{"payment":{"instruments":[{"handler_id":"sandbox","credential":{"token":"success_token"}}]}}`}, 200, "missing"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st, body, _ := s.agent(tc.call)
				if st != tc.want || (tc.code != "" && jget(body, "messages.0.code") != tc.code) {
					t.Fatalf("got %d %v, want %d %s", st, body, tc.want, tc.code)
				}
				_, now, _ := s.agent(agentCall{"GET", path + "/" + id, ucpHeaders(""), ""})
				if now["status"] != "incomplete" || jget(now, "line_items.0.quantity") != 1.0 || stock() != before {
					t.Fatalf("changed: %v, stock %d (was %d)", now, stock(), before)
				}
			})
		}
		// Cancel gives the stock back; a canceled session takes no change.
		if st, cc, _ := s.agent(agentCall{"POST", path + "/" + id + "/cancel", ucpHeaders("c1"), ""}); st != 200 || cc["status"] != "canceled" || stock() != before+1 {
			t.Fatalf("cancel: %d %v stock %d", st, cc, stock())
		}
		if st, _, _ := s.agent(agentCall{"PUT", path + "/" + id, ucpHeaders("c2"), `{"buyer":{"email":"a@b.co"}}`}); st != 409 {
			t.Fatalf("update canceled: %d, want 409", st)
		}
	})
}
