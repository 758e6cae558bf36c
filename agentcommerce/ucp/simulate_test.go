package ucp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/conciergehq/concierge/internal/testenv"
)

const simSecret = "sim-secret-0123456789"

// simulate posts the conformance suite's simulated shipment to path
// with secret (none when empty) and returns its status and body.
func (s *orderShop) simulate(t *testing.T, path, secret string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", s.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("UCP-Agent", `profile="https://platform.example/.well-known/ucp"`)
	if secret != "" {
		req.Header.Set("Simulation-Secret", secret)
	}
	st, out, _, _ := act.Do(t, req)
	return st, out
}

func (s *orderShop) state(t *testing.T, id string) concierge.OrderState {
	t.Helper()
	o, err := s.db.GetOrder(context.Background(), concierge.OrderID(id))
	if err != nil {
		t.Fatal(err)
	}
	return o.State
}

// TestSimulateShipping: the conformance suite's POST
// /testing/simulate-shipping/{order_id} ships a paid order with the
// bot's Simulation-Secret and the order webhook then carries the
// shipment; a wrong or missing secret is 403, an unknown order 404, an
// unpaid one 409, each changing nothing; a bot not in test mode has no
// such endpoint (404). Both databases.
func TestSimulateShipping(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			url := act.SQLite(t)
			if db == "postgres" {
				url = testenv.PostgresURL(t)
			}
			got := make(chan map[string]any, 10)
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var o map[string]any
				json.NewDecoder(r.Body).Decode(&o)
				got <- o
			}))
			defer recv.Close()
			var woken atomic.Int32
			shop := newOrderShop(t, url, recv.URL+"/orders", ucp.Config{SimulationSecrets: map[concierge.BotID]string{"shop-a": simSecret},
				Shipped: func() { woken.Add(1) }})
			wh := agentcommerce.NewWebhooks(agentcommerce.WebhookConfig{Protocol: agentcommerce.UCP, Events: act.Events{DB: shop.db}, Requests: shop.h, Now: shop.clock})
			_, orderID := shop.buy(t)
			if n, err := wh.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("order created: %d %v", n, err)
			}
			if o := <-got; o["id"] != orderID || len(o["fulfillment"].(map[string]any)["events"].([]any)) != 0 {
				t.Fatalf("created order: %v", o)
			}
			// An unpaid order: a session whose order is still pending.
			_, open := shop.call(t, "POST", "/ucp/shop-a/checkout-sessions", "k-open", `{"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}]}`)
			var pending string
			err := shop.svc.View(ctx, func(tx agentcommerce.Tx) error {
				s, err := shop.svc.Get(ctx, tx, "shop-a", open["id"].(string))
				if err == nil {
					pending = string(s.Order)
				}
				return err
			})
			if err != nil || pending == "" {
				t.Fatalf("open session's order: %q %v", pending, err)
			}
			if st, body := shop.simulate(t, "/ucp/shop-a/testing/simulate-shipping/"+pending, simSecret); st != http.StatusConflict || shop.state(t, pending) != concierge.OrderPending {
				t.Errorf("unpaid order: %d %v, now %s", st, body, shop.state(t, pending))
			}

			path := "/ucp/shop-a/testing/simulate-shipping/" + orderID
			for _, tc := range []struct {
				name, path, secret string
				status             int
			}{
				{"no secret", path, "", http.StatusForbidden},
				{"wrong secret", path, simSecret + "x", http.StatusForbidden},
				{"unknown order", "/ucp/shop-a/testing/simulate-shipping/ML-NOPE00", simSecret, http.StatusNotFound},
				{"another bot", "/ucp/shop-b/testing/simulate-shipping/" + orderID, simSecret, http.StatusNotFound},
			} {
				if st, body := shop.simulate(t, tc.path, tc.secret); st != tc.status {
					t.Errorf("%s: %d %v, want %d", tc.name, st, body, tc.status)
				}
				if s := shop.state(t, orderID); s != concierge.OrderPaid {
					t.Fatalf("%s: the order is %s", tc.name, s)
				}
			}
			if n, err := wh.RunOnce(ctx); err != nil || n != 0 || woken.Load() != 0 {
				t.Fatalf("refusals sent events: %d %v, woke %d", n, err, woken.Load())
			}

			st, o := shop.simulate(t, path, simSecret)
			ev, _ := first(o["fulfillment"].(map[string]any)["events"]).(map[string]any)
			if st != http.StatusOK || o["id"] != orderID || ev == nil || ev["type"] != "shipped" {
				t.Fatalf("simulate: %d %v", st, o)
			}
			if s := shop.state(t, orderID); s != concierge.OrderFulfilled || woken.Load() != 1 {
				t.Fatalf("order %s, woke %d", s, woken.Load())
			}
			if n, err := wh.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("order shipped: %d %v", n, err)
			}
			shipped := <-got
			ev, _ = first(shipped["fulfillment"].(map[string]any)["events"]).(map[string]any)
			if shipped["id"] != orderID || ev == nil || ev["type"] != "shipped" {
				t.Fatalf("shipped order event: %v", shipped)
			}
			// Again: the order as it is, no second event.
			if st, o := shop.simulate(t, path, simSecret); st != http.StatusOK || o["id"] != orderID || woken.Load() != 1 {
				t.Fatalf("simulate again: %d %v, woke %d", st, o, woken.Load())
			}
			if n, err := wh.RunOnce(ctx); err != nil || n != 0 {
				t.Fatalf("second shipment sent events: %d %v", n, err)
			}
			// The root path of a shop with one UCP bot is the same endpoint.
			if st, o := shop.simulate(t, "/testing/simulate-shipping/"+orderID, simSecret); st != http.StatusOK || o["id"] != orderID {
				t.Fatalf("root path: %d %v", st, o)
			}
		})
	}
}

// TestSimulateShippingOff: without test mode (no simulation secret) the
// endpoint does not exist, whatever the secret.
func TestSimulateShippingOff(t *testing.T) {
	shop := newOrderShop(t, act.SQLite(t), "", ucp.Config{})
	_, orderID := shop.buy(t)
	for _, p := range []string{"/ucp/shop-a/testing/simulate-shipping/", "/testing/simulate-shipping/"} {
		for _, secret := range []string{"", simSecret} {
			if st, body := shop.simulate(t, p+orderID, secret); st != http.StatusNotFound {
				t.Errorf("%s with %q: %d %v, want 404", p, secret, st, body)
			}
		}
	}
	if s := shop.state(t, orderID); s != concierge.OrderPaid {
		t.Errorf("the order is %s", s)
	}
}
