package sandbox

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
)

const goodBody = `{"id":"evt_5f1e0c2d9a7b4e3f8a6c1d2b0e9f7a35","type":"payment.succeeded","bot":"maison-lumiere","order":"ML-7K3Q9D","amount":{"minor":9800,"currency":"EUR"},"created":1773500966}`

func TestVerify(t *testing.T) {
	p := newTestProvider(t, "http://localhost:8080")
	other, err := New(Config{Secret: []byte(strings.Repeat("k", 40)), BaseURL: "http://localhost:8080"})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(goodBody)
	sig := func(b string, at time.Time) string { return p.Sign([]byte(b), at) }
	v1 := func(h string) string { _, s, _ := strings.Cut(h, ",v1="); return s }
	ts := fmt.Sprint(testNow.Unix())
	forged := strings.Repeat("ab", 32)

	tests := []struct {
		name   string
		header string
		body   string
		code   concierge.Code // "" means accepted
		is     error
	}{
		{"good", sig(goodBody, testNow), goodBody, "", nil},
		{"good, signed a little earlier", sig(goodBody, testNow.Add(-4*time.Minute)), goodBody, "", nil},
		{"good, clock a little behind", sig(goodBody, testNow.Add(4*time.Minute)), goodBody, "", nil},
		{"several v1, one matching", "t=" + ts + ",v1=" + forged + ",v1=" + v1(sig(goodBody, testNow)), goodBody, "", nil},
		{"unknown fields ignored", "t=" + ts + ",v0=zz,v1=" + v1(sig(goodBody, testNow)) + ",scheme=x", goodBody, "", nil},
		{"spaces around items", " t=" + ts + " , v1=" + v1(sig(goodBody, testNow)) + " ", goodBody, "", nil},
		{"extra fields in the body", sig(strings.Replace(goodBody, `{`, `{"livemode":false,`, 1), testNow), strings.Replace(goodBody, `{`, `{"livemode":false,`, 1), "", nil},

		{"missing header", "", goodBody, concierge.CodeUnauthorized, ErrNoSignature},
		{"blank header", "   ", goodBody, concierge.CodeUnauthorized, ErrNoSignature},
		{"forged signature", "t=" + ts + ",v1=" + forged, goodBody, concierge.CodeUnauthorized, ErrBadSignature},
		{"wrong secret", other.Sign(body, testNow), goodBody, concierge.CodeUnauthorized, ErrBadSignature},
		{"tampered body", sig(goodBody, testNow), strings.Replace(goodBody, "9800", "1", 1), concierge.CodeUnauthorized, ErrBadSignature},
		{"signature of another timestamp", "t=" + fmt.Sprint(testNow.Unix()+1) + ",v1=" + v1(sig(goodBody, testNow)), goodBody, concierge.CodeUnauthorized, ErrBadSignature},
		{"old timestamp (replay)", sig(goodBody, testNow.Add(-6*time.Minute)), goodBody, concierge.CodeUnauthorized, ErrStale},
		{"very old timestamp", sig(goodBody, time.Unix(1, 0)), goodBody, concierge.CodeUnauthorized, ErrStale},
		{"future timestamp", sig(goodBody, testNow.Add(6*time.Minute)), goodBody, concierge.CodeUnauthorized, ErrStale},
		{"no timestamp", "v1=" + v1(sig(goodBody, testNow)), goodBody, concierge.CodeUnauthorized, ErrBadHeader},
		{"no v1", "t=" + ts, goodBody, concierge.CodeUnauthorized, ErrBadHeader},
		{"only v0", "t=" + ts + ",v0=" + forged, goodBody, concierge.CodeUnauthorized, ErrBadHeader},
		{"two timestamps", "t=" + ts + ",t=" + ts + ",v1=" + v1(sig(goodBody, testNow)), goodBody, concierge.CodeUnauthorized, ErrBadHeader},
		{"negative timestamp", "t=-5,v1=" + forged, goodBody, concierge.CodeUnauthorized, ErrBadHeader},
		{"huge timestamp", "t=99999999999999999999,v1=" + forged, goodBody, concierge.CodeUnauthorized, ErrBadHeader},
		{"not hex", "t=" + ts + ",v1=zz", goodBody, concierge.CodeUnauthorized, ErrBadHeader},
		{"short signature", "t=" + ts + ",v1=abcd", goodBody, concierge.CodeUnauthorized, ErrBadHeader},
		{"item without =", "t=" + ts + ",v1", goodBody, concierge.CodeUnauthorized, ErrBadHeader},
		{"bare signature", v1(sig(goodBody, testNow)), goodBody, concierge.CodeUnauthorized, ErrBadHeader},

		{"bad JSON", sig(`{"id":`, testNow), `{"id":`, concierge.CodeInvalid, nil},
		{"not an object", sig(`[1,2]`, testNow), `[1,2]`, concierge.CodeInvalid, nil},
		{"trailing data", sig(goodBody+`{}`, testNow), goodBody + `{}`, concierge.CodeInvalid, nil},
		{"null", sig(`null`, testNow), `null`, concierge.CodeInvalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := p.Verify(tt.header, []byte(tt.body))
			checkVerify(t, n, err, tt.code, tt.is)
		})
	}
}

// TestVerifyPayload checks the fields of an authentic body.
func TestVerifyPayload(t *testing.T) {
	p := newTestProvider(t, "http://localhost:8080")
	tests := []struct {
		name    string
		from    string
		to      string
		message string
	}{
		{"missing id", `"id":"evt_5f1e0c2d9a7b4e3f8a6c1d2b0e9f7a35",`, ``, "no id"},
		{"missing type", `"type":"payment.succeeded",`, ``, "no type"},
		{"unknown type", `"payment.succeeded"`, `"payment.refunded"`, "unknown type"},
		{"missing bot", `"bot":"maison-lumiere",`, ``, "no bot"},
		{"missing order", `"order":"ML-7K3Q9D",`, ``, "no order"},
		{"missing amount", `"amount":{"minor":9800,"currency":"EUR"},`, ``, "non-positive amount"},
		{"zero amount", `"minor":9800`, `"minor":0`, "non-positive amount"},
		{"negative amount", `"minor":9800`, `"minor":-9800`, "non-positive amount"},
		{"missing currency", `,"currency":"EUR"`, ``, "currency"},
		{"bad currency", `"EUR"`, `"euro"`, "currency"},
		{"missing created", `,"created":1773500966`, ``, "creation time"},
		{"amount as string", `"minor":9800`, `"minor":"9800"`, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(goodBody, tt.from, tt.to, 1)
			if body == goodBody {
				t.Fatalf("the replacement of %s changed nothing", tt.from)
			}
			n, err := p.Verify(p.Sign([]byte(body), testNow), []byte(body))
			checkVerify(t, n, err, concierge.CodeInvalid, nil)
			if err != nil && !strings.Contains(concierge.ErrorMessage(err), tt.message) {
				t.Errorf("message %q does not say %q", concierge.ErrorMessage(err), tt.message)
			}
		})
	}
}

func TestVerifyResult(t *testing.T) {
	p := newTestProvider(t, "http://localhost:8080")
	n, err := p.Verify(p.Sign([]byte(goodBody), testNow), []byte(goodBody))
	if err != nil {
		t.Fatal(err)
	}
	want := Notification{
		ID:      "evt_5f1e0c2d9a7b4e3f8a6c1d2b0e9f7a35",
		Type:    TypePaymentSucceeded,
		Bot:     "maison-lumiere",
		Order:   "ML-7K3Q9D",
		Amount:  concierge.Money{Minor: 9800, Currency: "EUR"},
		Created: 1773500966,
	}
	if *n != want {
		t.Errorf("Verify = %+v; want %+v", *n, want)
	}
	pay := n.Payment()
	if pay.Provider != "sandbox" || pay.ProviderRef != want.ID || pay.Order != want.Order || pay.Amount != want.Amount || !pay.At.Equal(time.Unix(want.Created, 0)) {
		t.Errorf("Payment = %+v", pay)
	}
}

// TestVerifyTolerance checks that Config.Tolerance is honoured.
func TestVerifyTolerance(t *testing.T) {
	p, err := New(Config{Secret: testSecret, BaseURL: "http://localhost:8080", Now: func() time.Time { return testNow }, Tolerance: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{-10 * time.Second, 0, 10 * time.Second} {
		if _, err := p.Verify(p.Sign([]byte(goodBody), testNow.Add(d)), []byte(goodBody)); err != nil {
			t.Errorf("signed %v from now: %v", d, err)
		}
	}
	for _, d := range []time.Duration{-11 * time.Second, 11 * time.Second} {
		if _, err := p.Verify(p.Sign([]byte(goodBody), testNow.Add(d)), []byte(goodBody)); !errors.Is(err, ErrStale) {
			t.Errorf("signed %v from now: %v; want ErrStale", d, err)
		}
	}
}

func TestSign(t *testing.T) {
	p := newTestProvider(t, "http://localhost:8080")
	// Computed independently: printf '%s' '1773500966.{}' | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
	got := p.Sign([]byte("{}"), time.Unix(1773500966, 0))
	ts, sig, ok := strings.Cut(got, ",v1=")
	if !ok || ts != "t=1773500966" {
		t.Fatalf("Sign = %q; want t=1773500966,v1=<hex>", got)
	}
	if _, err := hex.DecodeString(sig); err != nil || len(sig) != 64 {
		t.Fatalf("Sign signature %q is not 64 hex digits", sig)
	}
	if sig != signV1Vector {
		t.Errorf("Sign = %s; want v1=%s", got, signV1Vector)
	}
}

func checkVerify(t *testing.T, n *Notification, err error, code concierge.Code, is error) {
	t.Helper()
	if code == "" {
		if err != nil || n == nil {
			t.Fatalf("Verify = %v, %v; want accepted", n, err)
		}
		return
	}
	if n != nil {
		t.Errorf("Verify returned a notification with error %v", err)
	}
	if got := concierge.ErrorCode(err); got != code {
		t.Fatalf("Verify error = %v (code %q); want code %q", err, got, code)
	}
	var ce *concierge.Error
	if !errors.As(err, &ce) {
		t.Errorf("Verify error %T is not a *concierge.Error", err)
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("Verify error = %v; want %v", err, is)
	}
	if strings.Contains(err.Error(), string(testSecret)) || strings.Contains(err.Error(), hex.EncodeToString(testSecret)) {
		t.Errorf("Verify error %q contains the secret", err)
	}
}

// signV1Vector is HMAC-SHA256("1773500966.{}") keyed by testSecret, computed
// with openssl, not with this package.
const signV1Vector = "eea1185b352d74776ccdacafad8fe292b50c0763401f4e62d3c8dff19a3762dc"
