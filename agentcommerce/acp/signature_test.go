package acp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce/acp"
)

var signingSecret = []byte("acp-signing-secret-0123456789abcdef")

// signedServer serves ACP for f's shop with a signing secret.
func signedServer(t *testing.T, f *fixture) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	acp.New(acp.Config{Service: f.svc, BaseURL: "http://localhost", Keys: map[concierge.BotID][]string{"shop-a": {apiKey}},
		SigningSecrets: map[concierge.BotID][]byte{"shop-a": signingSecret}, Now: f.clock}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// signedPost sends body to path with the given Signature and Timestamp
// (left out when empty).
func signedPost(t *testing.T, base, path, key, sig, ts string, body []byte) (int, map[string]any, http.Header) {
	t.Helper()
	extra := map[string]string{}
	if sig != "" {
		extra["Signature"] = sig
	}
	if ts != "" {
		extra["Timestamp"] = ts
	}
	return postTo(t, base, path, key, string(body), extra)
}

// TestRequestSignatures: with a signing secret in the bot file, a
// request is served only when its Signature is the HMAC of its Timestamp
// and body and the Timestamp is fresh. Unsigned, forged, re-bodied,
// stale and replayed-under-another-key requests are refused with 401 and
// the spec's flat error, and change nothing: no session, no stock held.
func TestRequestSignatures(t *testing.T) {
	body, err := os.ReadFile("testdata/create_with_address.json")
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Replace(body, []byte(`"quantity": 1`), []byte(`"quantity": 5`), 1)
	eachStore(t, nil, func(t *testing.T, f *fixture) {
		srv := signedServer(t, f)
		now := f.clock().UTC()
		ts := now.Format(time.RFC3339)
		good := acp.SignRequest(signingSecret, ts, body)
		stale := now.Add(-acp.SignatureSkew - time.Second).Format(time.RFC3339)
		ahead := now.Add(acp.SignatureSkew + time.Second).Format(time.RFC3339)

		for _, tc := range []struct {
			name, sig, ts string
			body          []byte
			code          string
		}{
			{"unsigned", "", "", body, "signature_required"},
			{"no timestamp", good, "", body, "signature_required"},
			{"timestamp not RFC 3339", acp.SignRequest(signingSecret, "1714557600", body), "1714557600", body, "invalid_timestamp"},
			{"not base64", "not a signature!", ts, body, "invalid_signature"},
			{"another secret", acp.SignRequest([]byte("another-secret-0123456789abcdef0"), ts, body), ts, body, "invalid_signature"},
			{"another body (replay)", good, ts, other, "invalid_signature"},
			{"timestamp changed after signing", good, now.Add(time.Second).Format(time.RFC3339), body, "invalid_signature"},
			{"stale", acp.SignRequest(signingSecret, stale, body), stale, body, "stale_timestamp"},
			{"from the future", acp.SignRequest(signingSecret, ahead, body), ahead, body, "stale_timestamp"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				stock := f.stockOf(t, "LAMP-01")
				st, b, _ := signedPost(t, srv.URL, "/acp/shop-a/checkout_sessions", "k-"+tc.name, tc.sig, tc.ts, tc.body)
				if st != http.StatusUnauthorized || b["type"] != "invalid_request" || b["code"] != tc.code {
					t.Errorf("%d %v, want 401 %s", st, b, tc.code)
				}
				if got := f.stockOf(t, "LAMP-01"); got != stock {
					t.Errorf("stock %d -> %d: a refused request changed it", stock, got)
				}
				if n := f.openOrders(t); n != 0 {
					t.Errorf("%d pending orders after a refusal", n)
				}
			})
		}

		// Signed right: served.
		st, b, _ := signedPost(t, srv.URL, "/acp/shop-a/checkout_sessions", "first", good, ts, body)
		if st != http.StatusCreated || b["status"] != "ready_for_payment" {
			t.Fatalf("signed request: %d %v", st, b)
		}
		stock := f.stockOf(t, "LAMP-01")
		// The same request again (a retry): the stored response.
		st, b2, h := signedPost(t, srv.URL, "/acp/shop-a/checkout_sessions", "first", good, ts, body)
		if st != http.StatusCreated || b2["id"] != b["id"] || h.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retry: %d %v replayed=%q", st, b2, h.Get("Idempotent-Replayed"))
		}
		// The captured request under another Idempotency-Key: refused.
		st, b2, _ = signedPost(t, srv.URL, "/acp/shop-a/checkout_sessions", "second", good, ts, body)
		if st != http.StatusUnauthorized || b2["code"] != "signature_replayed" {
			t.Errorf("replay under another key: %d %v", st, b2)
		}
		if got := f.stockOf(t, "LAMP-01"); got != stock || f.openOrders(t) != 1 {
			t.Errorf("the replay changed something: stock %d -> %d, %d pending orders", stock, got, f.openOrders(t))
		}
		// A fresh signature in standard base64 is accepted.
		f.advance(time.Second)
		ts2 := f.clock().UTC().Format(time.RFC3339)
		sig2, _ := base64.RawURLEncoding.DecodeString(acp.SignRequest(signingSecret, ts2, body))
		if st, b, _ := signedPost(t, srv.URL, "/acp/shop-a/checkout_sessions", "third", base64.StdEncoding.EncodeToString(sig2), ts2, body); st != http.StatusCreated {
			t.Errorf("standard base64: %d %v", st, b)
		}
		// The unsigned fixture server (no secret) still serves unsigned
		// requests: verification is per bot file.
		if st, b, _ := f.post(t, "/acp/shop-a/checkout_sessions", "unsigned", string(body)); st != http.StatusCreated {
			t.Errorf("without a secret: %d %v", st, b)
		}
	})
}

// stockOf is sku's stock as the store holds it (reservations taken).
func (f *fixture) stockOf(t *testing.T, sku concierge.SKU) int {
	t.Helper()
	n, err := f.db.StockLevels(context.Background(), "shop-a")
	if err != nil {
		t.Fatal(err)
	}
	return n[sku]
}

// openOrders counts pending orders: each open session holds one.
func (f *fixture) openOrders(t *testing.T) int {
	t.Helper()
	n, err := f.db.OrderCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n[concierge.OrderPending]
}
