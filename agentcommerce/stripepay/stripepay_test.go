package stripepay_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/stripepay"
	"github.com/conciergehq/concierge/internal/testenv"
)

const secretKey = "sk_test_agents0123456789"

func order() *concierge.Order {
	return &concierge.Order{ID: "ord_1", Total: concierge.Money{Minor: 5390, Currency: "EUR"}}
}

// TestStripeMock: stripe-mock checks the PaymentIntent request against
// Stripe's OpenAPI (amount, currency, payment method, confirm, automatic
// payment methods without redirects, metadata) and answers its fixture,
// a PaymentIntent that still requires a payment method: stripe-mock
// never settles a payment, so the answer is read as declined, and
// nothing is treated as paid that Stripe did not say succeeded.
func TestStripeMock(t *testing.T) {
	p, err := stripepay.New(stripepay.Config{SecretKey: secretKey, APIBase: testenv.StripeMock(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Charge(context.Background(), order(), "pm_card_visa")
	if !errors.Is(err, agentcommerce.ErrPaymentDeclined) || !strings.Contains(err.Error(), "requires_payment_method") {
		t.Fatalf("charge: %v, want stripe-mock's fixture read as declined", err)
	}
}

// fakeStripe answers PaymentIntent creations as Stripe does, with the
// outcome the test picks, and records what it was sent.
type fakeStripe struct {
	mu     sync.Mutex
	answer func(form url.Values) (int, string)
	keys   []string
	forms  []url.Values
}

func (f *fakeStripe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(b))
	f.mu.Lock()
	f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
	f.forms = append(f.forms, form)
	f.mu.Unlock()
	if r.URL.Path != "/v1/payment_intents" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	st, body := f.answer(form)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(st)
	io.WriteString(w, body)
}

func TestChargeOutcomes(t *testing.T) {
	f := &fakeStripe{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	p, err := stripepay.New(stripepay.Config{SecretKey: secretKey, APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	intent := func(status string) func(url.Values) (int, string) {
		return func(url.Values) (int, string) {
			return 200, `{"id":"pi_123","object":"payment_intent","amount":5390,"currency":"eur","status":"` + status + `"}`
		}
	}

	f.answer = intent("succeeded")
	ref, err := p.Charge(ctx, order(), "pm_card_visa")
	if err != nil || ref != "pi_123" {
		t.Fatalf("succeeded: %q %v", ref, err)
	}
	form := f.forms[0]
	if form.Get("amount") != "5390" || form.Get("currency") != "eur" || form.Get("payment_method") != "pm_card_visa" || form.Get("confirm") != "true" ||
		form.Get("automatic_payment_methods[allow_redirects]") != "never" || form.Get("metadata[concierge_order]") != "ord_1" {
		t.Errorf("request: %v", form)
	}
	// The same completion again reaches the same PaymentIntent; another
	// card is another attempt.
	p.Charge(ctx, order(), "pm_card_visa")
	p.Charge(ctx, order(), "pm_card_mastercard")
	if f.keys[0] == "" || f.keys[0] != f.keys[1] || f.keys[2] == f.keys[0] {
		t.Errorf("idempotency keys %q", f.keys)
	}

	for name, c := range map[string]struct {
		answer   func(url.Values) (int, string)
		declined bool
	}{
		"card declined": {func(url.Values) (int, string) {
			return 402, `{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined."}}`
		}, true},
		"needs another payment method": {intent("requires_payment_method"), true},
		"needs 3-D Secure":             {intent("requires_action"), true},
		"processing":                   {intent("processing"), false},
		"bad key": {func(url.Values) (int, string) {
			return 401, `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: ` + secretKey + `"}}`
		}, false},
	} {
		f.answer = c.answer
		ref, err := p.Charge(ctx, order(), "pm_card_visa")
		switch {
		case name == "processing":
			if err != nil || ref != "pi_123" {
				t.Errorf("%s: %q %v", name, ref, err)
			}
		case errors.Is(err, agentcommerce.ErrPaymentDeclined) != c.declined || err == nil:
			t.Errorf("%s: %v, declined want %v", name, err, c.declined)
		case strings.Contains(err.Error(), secretKey):
			t.Errorf("%s: the secret key is in the error: %v", name, err)
		}
	}
	if _, err := p.Charge(ctx, order(), "tok_visa"); !errors.Is(err, agentcommerce.ErrPaymentDeclined) {
		t.Errorf("a token that is not a PaymentMethod: %v", err)
	}
}

// TestStripeMockSharedToken: stripe-mock's OpenAPI (v0.162.0) predates
// Shared Payment Tokens, so it refuses the shared_payment_granted_token
// parameter as unknown, where Stripe accounts in the agentic-commerce
// preview take it. The refusal is read as an error that is not a
// payment: nothing is paid on an answer Stripe did not give.
func TestStripeMockSharedToken(t *testing.T) {
	p, err := stripepay.New(stripepay.Config{SecretKey: secretKey, APIBase: testenv.StripeMock(t)})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := p.Charge(context.Background(), order(), "spt_123")
	if err == nil || ref != "" || errors.Is(err, agentcommerce.ErrPaymentDeclined) || !strings.Contains(err.Error(), "400") {
		t.Fatalf("charge: %q %v, want stripe-mock's 400 for a parameter it does not know, not a payment nor a decline", ref, err)
	}
}

// TestSharedPaymentToken: an ACP agent's Shared Payment Token is sent
// as Stripe's shared_payment_granted_token on one confirmed
// PaymentIntent of the order's total, with no PaymentMethod of its own;
// a retry of the same completion reuses the idempotency key, another
// token gets another; Stripe's answers are read as for a PaymentMethod.
func TestSharedPaymentToken(t *testing.T) {
	f := &fakeStripe{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	p, err := stripepay.New(stripepay.Config{SecretKey: secretKey, APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f.answer = func(url.Values) (int, string) {
		return 200, `{"id":"pi_spt","object":"payment_intent","amount":5390,"currency":"eur","status":"succeeded"}`
	}
	ref, err := p.Charge(ctx, order(), "spt_granted_1")
	if err != nil || ref != "pi_spt" {
		t.Fatalf("charge: %q %v", ref, err)
	}
	form := f.forms[0]
	if form.Get("shared_payment_granted_token") != "spt_granted_1" || form.Get("amount") != "5390" || form.Get("currency") != "eur" ||
		form.Get("confirm") != "true" || form.Has("payment_method") || form.Has("automatic_payment_methods[enabled]") ||
		form.Get("metadata[concierge_order]") != "ord_1" {
		t.Errorf("request: %v", form)
	}
	p.Charge(ctx, order(), "spt_granted_1")
	p.Charge(ctx, order(), "spt_granted_2")
	if f.keys[0] == "" || f.keys[0] != f.keys[1] || f.keys[2] == f.keys[0] {
		t.Errorf("idempotency keys %q", f.keys)
	}
	// A token whose limits Stripe refuses (spent, expired, over its
	// amount) comes back as a card error: declined.
	f.answer = func(url.Values) (int, string) {
		return 402, `{"error":{"type":"card_error","code":"shared_payment_token_expired","message":"The shared payment token has expired."}}`
	}
	if _, err := p.Charge(ctx, order(), "spt_granted_3"); !errors.Is(err, agentcommerce.ErrPaymentDeclined) {
		t.Errorf("refused token: %v, want declined", err)
	}
}
