package stripe

import (
	"encoding/json"
	"testing"
	"time"

	sgo "github.com/stripe/stripe-go/v76"

	"github.com/conciergehq/concierge"
)

// TestVerifyFailedEvents decodes the failed-payment events, signed now
// with stripe-go's test signing helper: a declined card on the order's
// PaymentIntent (its metadata names the order), a bank debit that failed
// on the Checkout Session, and that same debit's PaymentIntent event,
// which is left to the session event so one failure counts once.
func TestVerifyFailedEvents(t *testing.T) {
	p := testProvider(t, "")
	tests := []struct {
		file   string
		kind   Kind
		order  concierge.OrderID
		bot    concierge.BotID
		ref    string
		code   string
		reason string
	}{
		{"payment_intent_payment_failed.json", KindFailed, "ord_000126", "maison-lumiere", "ch_3PMexampleCARD0000decl1", "insufficient_funds", "Your card has insufficient funds."},
		{"checkout_session_async_payment_failed.json", KindFailed, "ord_000125", "maison-lumiere", "cs_test_c7D8asyncFailedSepa0000000000000000000000000000000XYZ", "async_payment_failed", "The delayed payment (such as a bank debit) failed."},
		{"payment_intent_payment_failed_sepa.json", KindIgnored, "ord_000125", "maison-lumiere", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := fixture(t, tt.file)
			// The fixture has the shape stripe-go v76 reads.
			var ev sgo.Event
			if err := json.Unmarshal(body, &ev); err != nil || ev.Data == nil {
				t.Fatalf("not a stripe-go event: %v", err)
			}
			n, err := p.Verify(sign(body, testSecret, time.Now()), body)
			if err != nil {
				t.Fatal(err)
			}
			if n.Kind != tt.kind || n.Order != tt.order || n.Bot != tt.bot || n.EventID != ev.ID || n.Type != string(ev.Type) {
				t.Fatalf("got %+v", n)
			}
			if tt.kind != KindFailed {
				return
			}
			f := n.Failure()
			want := concierge.PaymentFailure{Order: tt.order, Provider: ProviderName, ProviderRef: tt.ref, Code: tt.code, Reason: tt.reason, At: time.Unix(ev.Created, 0).UTC()}
			if f != want {
				t.Errorf("failure %+v, want %+v", f, want)
			}
		})
	}
}

// TestFailedAttemptRef: the attempt is named by the charge Stripe made for
// it, whichever field carries it; without one, by the event, which Stripe
// sends once per attempt (and redelivers with the same id).
func TestFailedAttemptRef(t *testing.T) {
	tests := []struct {
		name string
		pi   string
		ref  string
		code string
	}{
		{"charge in the error", `{"id":"pi_1","object":"payment_intent","metadata":{"order_id":"O-1"},"latest_charge":"ch_old","last_payment_error":{"charge":"ch_new","code":"card_declined","decline_code":"stolen_card","message":"Your card was declined.","type":"card_error","payment_method":{"type":"card"}}}`, "ch_new", "stolen_card"},
		{"latest charge only", `{"id":"pi_1","object":"payment_intent","metadata":{"order_id":"O-1"},"latest_charge":"ch_9","last_payment_error":{"code":"expired_card","message":"Your card has expired.","type":"card_error"}}`, "ch_9", "expired_card"},
		{"no charge", `{"id":"pi_1","object":"payment_intent","metadata":{"order_id":"O-1"},"latest_charge":null,"last_payment_error":null}`, "evt_9", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := decodeEvent("evt_9", "payment_intent.payment_failed", 1717200000, json.RawMessage(tt.pi))
			if err != nil {
				t.Fatal(err)
			}
			if n.Kind != KindFailed || n.AttemptRef != tt.ref || n.FailCode != tt.code || n.Order != "O-1" {
				t.Errorf("got %+v, want ref %q code %q", n, tt.ref, tt.code)
			}
		})
	}
	if _, err := decodeEvent("evt_9", "payment_intent.payment_failed", 1, json.RawMessage(`{"id":"cs_1","object":"checkout.session"}`)); concierge.ErrorCode(err) != concierge.CodeInvalid {
		t.Errorf("a session in a payment_intent event: err = %v, want invalid", err)
	}
}
