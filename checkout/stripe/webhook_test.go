package stripe

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/conciergehq/concierge"
)

const testSecret = "whsec_test_0123456789abcdefghijklmnopqrstuv"

func testProvider(t testing.TB, apiBase string) *Provider {
	t.Helper()
	p, err := New(Config{SecretKey: "sk_test_123", WebhookSecret: testSecret, APIBase: apiBase,
		ReturnURL: func(bot concierge.BotID, o *concierge.Order) string {
			return "https://shop.example/chat/" + string(bot)
		}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sign(body []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at}).Header
}

// TestVerifyFixtures decodes the shared fixtures, each signed now with
// stripe-go's own test signing helper.
func TestVerifyFixtures(t *testing.T) {
	p := testProvider(t, "")
	tests := []struct {
		file    string
		kind    Kind
		order   concierge.OrderID
		session string
		amount  concierge.Money
		refunds int
	}{
		{"checkout_session_completed.json", KindPaid, "ord_000123", "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ0123456789abcdEFGH", concierge.Money{Minor: 2350, Currency: "USD"}, 0},
		{"checkout_session_expired.json", KindExpired, "ord_000124", "cs_test_b9Y8x7W6v5U4t3S2r1Q0pOnMlKjIhGfEdCbA9876543210zyxwVUTS", concierge.Money{Minor: 2350, Currency: "USD"}, 0},
		{"charge_refunded.json", KindRefunded, "ord_000123", "", concierge.Money{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := fixture(t, tt.file)
			n, err := p.Verify(sign(body, testSecret, time.Now()), body)
			if err != nil {
				t.Fatal(err)
			}
			if n.Kind != tt.kind || n.Order != tt.order || n.Session != tt.session || n.Amount != tt.amount || len(n.Refunds) != tt.refunds {
				t.Fatalf("got %+v", n)
			}
			if tt.kind == KindPaid {
				pay := n.Payment()
				if pay.Provider != "stripe" || pay.ProviderRef != tt.session || pay.Amount != tt.amount {
					t.Fatalf("payment %+v", pay)
				}
			}
			if tt.refunds > 0 && (n.Refunds[0].ProviderRef != "re_3PMexampleRefund000001" || n.Refunds[0].Amount.Minor != 2350) {
				t.Fatalf("refund %+v", n.Refunds[0])
			}
		})
	}
}

// TestVerifyRefuses: anything but a fresh signature by the endpoint's
// secret is unauthorized, and nothing of the body is used.
func TestVerifyRefuses(t *testing.T) {
	p := testProvider(t, "")
	body := fixture(t, "checkout_session_completed.json")
	var sig struct {
		HeaderValue string `json:"header_value"`
	}
	json.Unmarshal(fixture(t, "signature_example.json"), &sig)
	tests := []struct {
		name, header string
		body         []byte
		code         concierge.Code
	}{
		{"no signature", "", body, concierge.CodeUnauthorized},
		{"garbage header", "nonsense", body, concierge.CodeUnauthorized},
		{"other secret", sign(body, "whsec_other", time.Now()), body, concierge.CodeUnauthorized},
		{"body changed after signing", sign(body, testSecret, time.Now()), append([]byte(" "), body...), concierge.CodeUnauthorized},
		{"replayed, older than the tolerance", sign(body, testSecret, time.Now().Add(-DefaultTolerance-time.Minute)), body, concierge.CodeUnauthorized},
		{"the fixture's 2024 signature", sig.HeaderValue, body, concierge.CodeUnauthorized},
		{"signed but not JSON", sign([]byte("hello"), testSecret, time.Now()), []byte("hello"), concierge.CodeInvalid},
		{"too large", "", make([]byte, MaxBodyBytes+1), concierge.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := p.Verify(tt.header, tt.body)
			if err == nil || concierge.ErrorCode(err) != tt.code {
				t.Fatalf("Verify = %+v, %v; want code %s", n, err, tt.code)
			}
		})
	}
	// The fixture's signature is genuine: only its age is wrong.
	if _, err := webhook.ConstructEventWithOptions(body, sig.HeaderValue, testSecret, webhook.ConstructEventOptions{IgnoreTolerance: true}); err != nil {
		t.Fatalf("fixture signature with tolerance ignored: %v", err)
	}
}

// TestVerifyOtherAPIVersion: an endpoint created with a newer API version
// still works (v76's ConstructEvent alone would refuse it).
func TestVerifyOtherAPIVersion(t *testing.T) {
	p := testProvider(t, "")
	body := []byte(strings.Replace(string(fixture(t, "checkout_session_completed.json")), `"2023-10-16"`, `"2025-06-30.basil"`, 1))
	if _, err := webhook.ConstructEvent(body, sign(body, testSecret, time.Now()), testSecret); err == nil {
		t.Fatal("stripe-go's ConstructEvent accepted another API version; the workaround may be unnecessary now")
	}
	n, err := p.Verify(sign(body, testSecret, time.Now()), body)
	if err != nil || n.Kind != KindPaid {
		t.Fatalf("Verify = %+v, %v", n, err)
	}
}

func TestDecodeEventKinds(t *testing.T) {
	completed := fixture(t, "checkout_session_completed.json")
	var ev struct {
		Data struct {
			Object map[string]any `json:"object"`
		} `json:"data"`
	}
	json.Unmarshal(completed, &ev)
	obj := func(edit func(m map[string]any)) json.RawMessage {
		m := map[string]any{}
		for k, v := range ev.Data.Object {
			m[k] = v
		}
		edit(m)
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name, typ string
		raw       json.RawMessage
		kind      Kind
		order     concierge.OrderID
		err       bool
	}{
		{"paid", "checkout.session.completed", obj(func(map[string]any) {}), KindPaid, "ord_000123", false},
		{"unpaid completion waits", "checkout.session.completed", obj(func(m map[string]any) { m["payment_status"] = "unpaid" }), KindIgnored, "ord_000123", false},
		{"async success", "checkout.session.async_payment_succeeded", obj(func(map[string]any) {}), KindPaid, "ord_000123", false},
		{"order from metadata", "checkout.session.completed", obj(func(m map[string]any) { m["client_reference_id"] = nil }), KindPaid, "ord_000123", false},
		{"unknown type", "customer.created", json.RawMessage(`{"object":"customer","id":"cus_1"}`), KindIgnored, "", false},
		{"session event without a session", "checkout.session.completed", json.RawMessage(`{"object":"charge","id":"ch_1"}`), "", "", true},
		{"session event with junk", "checkout.session.expired", json.RawMessage(`[1,2]`), "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := decodeEvent("evt_1", tt.typ, 1717000000, tt.raw)
			if tt.err {
				if err == nil || concierge.ErrorCode(err) != concierge.CodeInvalid {
					t.Fatalf("want invalid, got %+v, %v", n, err)
				}
				return
			}
			if err != nil || n.Kind != tt.kind || n.Order != tt.order {
				t.Fatalf("got %+v, %v", n, err)
			}
		})
	}
}

// FuzzVerify feeds signed arbitrary bodies, seeded with the fixtures:
// Verify never panics, and what it accepts has an event id and a kind.
func FuzzVerify(f *testing.F) {
	for _, name := range []string{"checkout_session_completed.json", "checkout_session_expired.json", "charge_refunded.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"object":"checkout.session","id":"cs_1","amount_total":-5}}}`))
	p := testProvider(f, "")
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := p.Verify(sign(body, testSecret, time.Now()), body)
		if err != nil {
			var ce *concierge.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		if n.EventID == "" || n.Kind == "" {
			t.Fatalf("accepted without id or kind: %+v", n)
		}
	})
}
