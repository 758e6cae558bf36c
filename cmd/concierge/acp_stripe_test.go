package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
)

// TestACPPaidWithSharedPaymentToken: an ACP agent completes with a
// Stripe Shared Payment Token (the spec's payment_data {token: spt_…,
// provider: stripe}) at a shop whose handler is stripe: one
// PaymentIntent of the server's total is created and confirmed with the
// token as shared_payment_granted_token, and the order is paid once
// across a retried completion and a completion under another key.
// stripe-mock (v0.162.0) refuses shared_payment_granted_token as an
// unknown parameter, so the recording proxy in front of it answers the
// confirmed PaymentIntent as Stripe does for a token that pays; the
// test checks what was sent.
func TestACPPaidWithSharedPaymentToken(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
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
				return cfg + strings.Replace(agentsSection, "payment_handlers: [sandbox]\n  test_mode: true\n", "payment_handlers: [stripe]\n", 1)
			})
			session := acpReady(t, s)
			pay := `{"buyer":{"first_name":"Jane","last_name":"Doe","email":"jane@example.com"},"payment_data":{"token":"spt_123","provider":"stripe"}}`
			st, done, _ := s.agent(agentCall{"POST", session + "/complete", acpHeaders("spt-pay"), pay})
			orderID, _ := jget(done, "order.id").(string)
			if st != 200 || done["status"] != "completed" || orderID == "" {
				t.Fatalf("complete: %d %v", st, done)
			}
			for _, key := range []string{"spt-pay", "spt-pay-again"} {
				if st, again, _ := s.agent(agentCall{"POST", session + "/complete", acpHeaders(key), pay}); st != 200 || jget(again, "order.id") != orderID {
					t.Fatalf("complete again (%s): %d %v", key, st, again)
				}
			}
			if o := s.order(orderID); o.State != concierge.OrderPaid || o.Total.Minor != 10290 {
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
			if len(intents) != 1 || intents[0].form.Get("shared_payment_granted_token") != "spt_123" || intents[0].form.Get("amount") != "10290" ||
				intents[0].form.Get("currency") != "eur" || intents[0].form.Get("confirm") != "true" || intents[0].form.Has("payment_method") || intents[0].key == "" {
				t.Fatalf("PaymentIntents created: %+v; want one of 10290 eur, confirmed with the shared token and an idempotency key", intents)
			}
		})
	}
}
