package stripe

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
)

// recorder keeps the requests the provider sends, on their way to
// stripe-mock, so the test can read the form and the headers.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path string
	header       http.Header
	form         url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, req.Header.Clone(), form})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) last(t *testing.T, path string) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.reqs) - 1; i >= 0; i-- {
		if r.reqs[i].path == path {
			return r.reqs[i]
		}
	}
	t.Fatalf("no request to %s", path)
	return recorded{}
}

func mockProvider(t *testing.T, now time.Time) (*Provider, *recorder) {
	base := testenv.StripeMock(t)
	rec := &recorder{}
	p, err := New(Config{SecretKey: "sk_test_123", WebhookSecret: testSecret, APIBase: base,
		Client: &http.Client{Transport: rec, Timeout: 10 * time.Second}, Now: func() time.Time { return now },
		ReturnURL: func(bot concierge.BotID, o *concierge.Order) string {
			return "https://shop.example/chat/" + string(bot)
		}})
	if err != nil {
		t.Fatal(err)
	}
	return p, rec
}

func testOrder(now time.Time, ttl time.Duration) *concierge.Order {
	eur := func(m int64) concierge.Money { return concierge.Money{Minor: m, Currency: "EUR"} }
	return &concierge.Order{ID: "ML-7K3Q9D", Bot: "maison-lumiere", State: concierge.OrderPending, Provider: ProviderName,
		Lines: []concierge.OrderLine{
			{SKU: "LAMP-01", Title: "Aurore bedside lamp", Quantity: 2, Unit: eur(4900)},
			{SKU: "LAMP-02", Title: "Zenith desk lamp", Quantity: 1, Unit: eur(7900)},
		},
		Total: eur(2*4900 + 7900), CreatedAt: now, ExpiresAt: now.Add(ttl)}
}

// TestRequestCreatesCheckoutSession runs against stripe-mock, which checks
// every parameter against Stripe's OpenAPI spec, and reads what was sent.
func TestRequestCreatesCheckoutSession(t *testing.T) {
	now := time.Now()
	p, rec := mockProvider(t, now)
	bot := &concierge.Bot{ID: "maison-lumiere", Currency: "EUR"}
	for _, tt := range []struct {
		name   string
		ttl    time.Duration
		expiry time.Time
	}{
		{"an hour's order keeps its expiry", time.Hour, now.Add(time.Hour)},
		{"a 30 minute order gets Stripe's minimum and a minute", 30 * time.Minute, now.Add(31 * time.Minute)},
		{"a week's order gets Stripe's maximum", 7 * 24 * time.Hour, now.Add(24 * time.Hour)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := testOrder(now, tt.ttl)
			pr, err := p.Request(context.Background(), bot, o)
			if err != nil {
				t.Fatal(err)
			}
			if pr.URL == "" || pr.Provider != "stripe" || pr.Amount != o.Total || pr.Order != o.ID || pr.Sandbox {
				t.Fatalf("payment request %+v", pr)
			}
			r := rec.last(t, "/v1/checkout/sessions")
			want := map[string]string{
				"mode":                "payment",
				"client_reference_id": "ML-7K3Q9D",
				"metadata[order_id]":  "ML-7K3Q9D",
				"metadata[bot]":       "maison-lumiere",
				"payment_intent_data[metadata][order_id]":       "ML-7K3Q9D",
				"line_items[0][quantity]":                       "2",
				"line_items[0][price_data][currency]":           "eur",
				"line_items[0][price_data][unit_amount]":        "4900",
				"line_items[0][price_data][product_data][name]": "Aurore bedside lamp",
				"line_items[1][quantity]":                       "1",
				"line_items[1][price_data][unit_amount]":        "7900",
				"expires_at":                                    strconv.FormatInt(tt.expiry.Unix(), 10),
				"success_url":                                   "https://shop.example/chat/maison-lumiere?paid=ML-7K3Q9D",
				"cancel_url":                                    "https://shop.example/chat/maison-lumiere?order=ML-7K3Q9D",
			}
			for k, v := range want {
				if got := r.form.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if k := r.header.Get("Idempotency-Key"); k != "concierge-checkout-ML-7K3Q9D" {
				t.Errorf("Idempotency-Key = %q", k)
			}
			if v := r.header.Get("Stripe-Version"); v != "2023-10-16" {
				t.Errorf("Stripe-Version = %q", v)
			}
		})
	}
}

func TestRequestRefusesEmptyOrder(t *testing.T) {
	p := testProvider(t, "http://127.0.0.1:1")
	_, err := p.Request(context.Background(), &concierge.Bot{ID: "b"}, &concierge.Order{ID: "X"})
	if concierge.ErrorCode(err) != concierge.CodeInvalid {
		t.Fatalf("err = %v", err)
	}
}

// TestRequestStripeDown: an unreachable API is unavailable (the turn fails
// and the customer is told), never a half-made payment request.
func TestRequestStripeDown(t *testing.T) {
	p := testProvider(t, "http://127.0.0.1:1")
	_, err := p.Request(context.Background(), &concierge.Bot{ID: "maison-lumiere"}, testOrder(time.Now(), time.Hour))
	if concierge.ErrorCode(err) != concierge.CodeUnavailable {
		t.Fatalf("err = %v", err)
	}
}

func TestRefund(t *testing.T) {
	now := time.Now()
	p, rec := mockProvider(t, now)
	o := testOrder(now, time.Hour)
	paid := concierge.Payment{Order: o.ID, Provider: ProviderName, ProviderRef: "cs_test_123", Amount: o.Total}
	r, err := p.Refund(context.Background(), concierge.RefundRequest{Order: o, Paid: paid, Amount: concierge.Money{Minor: 4900, Currency: "EUR"}, Reason: "requested_by_customer", Key: "decision-7"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ProviderRef == "" || r.Order != o.ID || r.Amount.Minor != 4900 || r.Status == "" {
		t.Fatalf("refund %+v", r)
	}
	req := rec.last(t, "/v1/refunds")
	if req.form.Get("amount") != "4900" || req.form.Get("payment_intent") == "" || req.form.Get("reason") != "requested_by_customer" {
		t.Fatalf("refund form %v", req.form)
	}
	if k := req.header.Get("Idempotency-Key"); k != "concierge-refund-ML-7K3Q9D-decision-7" {
		t.Fatalf("Idempotency-Key = %q", k)
	}
	for _, bad := range []struct {
		name   string
		amount concierge.Money
		key    string
	}{
		{"more than paid", concierge.Money{Minor: o.Total.Minor + 1, Currency: "EUR"}, "k"},
		{"zero", concierge.Money{Currency: "EUR"}, "k"},
		{"other currency", concierge.Money{Minor: 1, Currency: "USD"}, "k"},
		{"no key", concierge.Money{Minor: 1, Currency: "EUR"}, ""},
	} {
		if _, err := p.Refund(context.Background(), concierge.RefundRequest{Order: o, Paid: paid, Amount: bad.amount, Reason: "", Key: bad.key}); concierge.ErrorCode(err) != concierge.CodeInvalid {
			t.Errorf("%s: err = %v", bad.name, err)
		}
	}
}
