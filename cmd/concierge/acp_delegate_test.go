package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
)

// acpReady creates an ACP session of two lamps, ready for payment
// (10290 with shipping), and returns its path.
func acpReady(t *testing.T, s *shop) string {
	t.Helper()
	path := "/acp/maison-lumiere/checkout_sessions"
	st, c, _ := s.agent(agentCall{"POST", path, acpHeaders("d-create"), `{"currency":"eur","line_items":[{"item":{"id":"LAMP-01"},"quantity":2}],
		"buyer":{"email":"jane@example.com","first_name":"Jane"},
		"fulfillment_details":{"name":"Jane","address":{"name":"Jane","line_one":"1 rue de la Paix","city":"Lyon","state":"","postal_code":"69001","country":"FR"}},
		"selected_fulfillment_options":[{"type":"shipping","option_id":"standard","item_ids":[]}]}`})
	if st != 201 || c["status"] != "ready_for_payment" {
		t.Fatalf("create: %d %v", st, c)
	}
	return path + "/" + c["id"].(string)
}

// TestACPDelegatedPayment: through the server, in test mode, an agent
// asks the shop's delegate_payment for a vault token bound to its
// session and completes with it: the order is paid once, the token
// cannot pay another session, and the server's log never holds the
// card's number (the rows are checked in package acp's tests).
func TestACPDelegatedPayment(t *testing.T) {
	eachACPDB(t, func(t *testing.T, s *shop) {
		session := acpReady(t, s)
		id := session[strings.LastIndex(session, "/")+1:]
		delegate := fmt.Sprintf(`{"payment_method":{"type":"card","card_number_type":"fpan","virtual":false,"number":"4242424242424242",
			"exp_month":"11","exp_year":"2035","cvc":"223","display_card_funding_type":"credit","display_brand":"visa","display_last4":"4242","metadata":{}},
			"allowance":{"reason":"one_time","max_amount":10290,"currency":"eur","checkout_session_id":%q,"merchant_id":"maison-lumiere","expires_at":"2099-01-01T00:00:00Z"},
			"risk_signals":[{"type":"card_testing","score":3,"action":"authorized"}],"metadata":{}}`, id)
		st, vt, _ := s.agent(agentCall{"POST", "/acp/maison-lumiere/agentic_commerce/delegate_payment", acpHeaders("d-vault"), delegate})
		token, _ := vt["id"].(string)
		if st != 201 || !strings.HasPrefix(token, "vt_") {
			t.Fatalf("delegate_payment: %d %v", st, vt)
		}
		pay := `{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"vault_token","token":"` + token + `"}}}}`
		st, done, _ := s.agent(agentCall{"POST", session + "/complete", acpHeaders("d-pay"), pay})
		orderID, _ := jget(done, "order.id").(string)
		if st != 200 || done["status"] != "completed" || orderID == "" {
			t.Fatalf("complete: %d %v", st, done)
		}
		if o := s.order(orderID); o.State != concierge.OrderPaid || o.Total.Minor != 10290 {
			t.Fatalf("order: %+v", o)
		}
		other := acpReady2(t, s)
		if st, e, _ := s.agent(agentCall{"POST", other + "/complete", acpHeaders("d-pay-2"), pay}); st != 402 || e["code"] != "payment_declined" {
			t.Errorf("the spent token on another session: %d %v", st, e)
		}
		if strings.Contains(s.logs.String(), "4242424242424242") {
			t.Error("the card number is in the server's log")
		}
	})
}

// acpReady2 is a second ready session, under other keys.
func acpReady2(t *testing.T, s *shop) string {
	t.Helper()
	st, c, _ := s.agent(agentCall{"POST", "/acp/maison-lumiere/checkout_sessions", acpHeaders("d-create-2"), `{"currency":"eur","line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
		"buyer":{"email":"joe@example.com"},
		"fulfillment_details":{"address":{"name":"Joe","line_one":"2 rue de la Paix","city":"Lyon","state":"","postal_code":"69001","country":"FR"}}}`})
	if st != 201 || c["status"] != "ready_for_payment" {
		t.Fatalf("create: %d %v", st, c)
	}
	return "/acp/maison-lumiere/checkout_sessions/" + c["id"].(string)
}
