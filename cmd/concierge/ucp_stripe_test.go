package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
)

// TestUCPPaidThroughStripe: an agent buys over UCP and pays with the
// shop's Stripe handler, end to end through the server: the session
// completes, one PaymentIntent of the server's total is created and
// confirmed with the agent's payment method, and the order is paid once,
// however often the completion is retried. Stripe is stripe-mock behind a
// recording proxy that answers a confirmed PaymentIntent as Stripe does
// for a card that pays (stripe-mock's fixture never succeeds).
func TestUCPPaidThroughStripe(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) { ucpPaidThroughStripe(t, db) })
	}
}

func ucpPaidThroughStripe(t *testing.T, db string) {
	url := ""
	if db == "postgres" {
		url = testenv.PostgresURL(t)
	}
	proxy := newStripeProxy(t)
	proxy.succeed = true
	s := startShopWith(t, url, func(cfg string) string {
		cfg = rewrite(t, cfg, map[string]string{
			"payments:\n  sandbox: { enabled: true }": fmt.Sprintf("payments:\n  stripe: { secret_key: sk_test_123, webhook_secret: %q, api_base: %q }", whSecret, proxy.URL),
		})
		agents := strings.Replace(agentsSection, "payment_handlers: [sandbox]\n  test_mode: true\n", "payment_handlers: [stripe]\n", 1)
		return cfg + agents
	})
	path := "/ucp/maison-lumiere/checkout-sessions"
	st, c1, _ := s.agent(agentCall{"POST", path, ucpHeaders("s-create"), `{"currency":"EUR","line_items":[{"item":{"id":"LAMP-01"},"quantity":2}]}`})
	if st != 201 {
		t.Fatalf("create: %d %v", st, c1)
	}
	id := c1["id"].(string)
	update := `{"buyer":{"email":"jane@example.com","first_name":"Jane"},"line_items":[{"item":{"id":"LAMP-01"},"quantity":2}],
		"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
		"groups":[{"selected_option_id":"standard"}]}]}}`
	if st, c2, _ := s.agent(agentCall{"PUT", path + "/" + id, ucpHeaders("s-update"), update}); st != 200 || c2["status"] != "ready_for_complete" {
		t.Fatalf("update: %d %v", st, c2)
	}
	pay := `{"payment":{"instruments":[{"id":"pi_1","handler_id":"stripe","type":"card","credential":{"type":"token","token":"pm_card_visa"},
		"billing_address":{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}}]}}`
	st, done, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", ucpHeaders("s-pay"), pay})
	orderID, _ := jget(done, "order.id").(string)
	if st != 200 || done["status"] != "completed" || orderID == "" {
		t.Fatalf("complete: %d %v", st, done)
	}
	// A retry of the same completion replays it; nothing is charged again.
	if st, again, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", ucpHeaders("s-pay"), pay}); st != 200 || jget(again, "order.id") != orderID {
		t.Fatalf("retry: %d %v", st, again)
	}
	o := s.order(orderID)
	if o.State != concierge.OrderPaid || o.Total.Minor != 10290 {
		t.Fatalf("order: %+v", o)
	}
	var intents []stripeCall
	proxy.mu.Lock()
	for _, c := range proxy.calls {
		if c.method == "POST" && c.path == "/v1/payment_intents" {
			intents = append(intents, c)
		}
	}
	proxy.mu.Unlock()
	if len(intents) != 1 || intents[0].form.Get("amount") != "10290" || intents[0].form.Get("currency") != "eur" ||
		intents[0].form.Get("payment_method") != "pm_card_visa" || intents[0].form.Get("confirm") != "true" {
		t.Fatalf("PaymentIntents created: %+v; want one of 10290 eur, confirmed with pm_card_visa", intents)
	}
}
