package ucp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/conciergehq/concierge/store"
)

// shop serves UCP for one bot over a real SQLite store.
type shop struct {
	db  *store.DB
	srv *httptest.Server
}

func newShop(t *testing.T, cfg ucp.Config) *shop {
	t.Helper()
	db := act.OpenStore(t, act.SQLite(t))
	bot := &concierge.Bot{ID: "shop-a", Name: "Shop", Locales: []concierge.Locale{"en"}, Currency: "EUR",
		Products: []concierge.Product{{SKU: "GIFT-30", Name: map[concierge.Locale]string{"en": "Gift card"},
			Price: concierge.Money{Minor: 3000, Currency: "EUR"}, Stock: 10, Digital: true}},
		Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}
	sh := &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}}, WidgetURL: "http://localhost/chat/shop-a"}
	cfg.Service = act.NewService(t, db, sh)
	cfg.BaseURL, cfg.Bots = "http://localhost", []concierge.BotID{bot.ID}
	mux := http.NewServeMux()
	ucp.New(cfg).Register(mux)
	s := &shop{db: db, srv: httptest.NewServer(mux)}
	t.Cleanup(s.srv.Close)
	return s
}

func (s *shop) stock(t *testing.T) int {
	n, err := s.db.StockLevels(context.Background(), "shop-a")
	if err != nil {
		t.Fatal(err)
	}
	return n["GIFT-30"]
}

// agent is a platform with a signing key and a profile that publishes it.
type agent struct {
	key     *httpsig.PrivateKey
	profile *httptest.Server
}

func newAgent(t *testing.T) *agent {
	seed, _ := base64.RawURLEncoding.DecodeString("n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU") // RFC 9421 B.1.4
	k, err := httpsig.NewEd25519(seed)
	if err != nil {
		t.Fatal(err)
	}
	a := &agent{key: k}
	a.profile = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"ucp": map[string]any{"version": ucp.Version}, "signing_keys": []httpsig.JWK{k.JWK()}})
	}))
	t.Cleanup(a.profile.Close)
	return a
}

func (a *agent) header() string { return `profile="` + a.profile.URL + `/.well-known/ucp"` }

// request builds a signed UCP request; tamper changes it after signing.
func (a *agent) request(t *testing.T, base, method, path, key, body string, components []string, signer *httpsig.PrivateKey, tamper func(*http.Request)) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("UCP-Agent", a.header())
	req.Header.Set("Idempotency-Key", key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Digest", httpsig.Digest([]byte(body)))
	}
	if signer != nil {
		u, _ := url.Parse(base)
		in, sig, err := httpsig.Sign(httpsig.Message{Method: method, Authority: u.Host, Path: path, Header: req.Header}, "sig1", components, signer, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Signature-Input", in)
		req.Header.Set("Signature", sig)
	}
	if tamper != nil {
		tamper(req)
	}
	return req
}

// do sends req; the response is its status and headers, with its body.
func do(t *testing.T, req *http.Request) (*http.Response, []byte, map[string]any) {
	t.Helper()
	st, out, b, h := act.Do(t, req)
	if st == 0 {
		t.FailNow()
	}
	return &http.Response{StatusCode: st, Header: h}, b, out
}

var full = []string{"@method", "@authority", "@path", "ucp-agent", "idempotency-key", "content-digest", "content-type"}

const create = `{"line_items":[{"item":{"id":"GIFT-30"},"quantity":1}],"buyer":{"email":"jane@example.com"}}`

// TestSignedRequestsAndResponses: a request signed with the key its
// profile publishes is served, and the response is signed with the key
// the business profile publishes; forged, unsigned (when required),
// under-covered or unknown-key requests are refused with 401 and change
// nothing.
func TestSignedRequestsAndResponses(t *testing.T) {
	biz, err := httpsig.GenerateES256()
	if err != nil {
		t.Fatal(err)
	}
	a := newAgent(t)
	s := newShop(t, ucp.Config{SigningKeys: map[concierge.BotID]*httpsig.PrivateKey{"shop-a": biz}, Keys: &ucp.ProfileKeys{Client: a.profile.Client()}})

	// The business profile publishes the key; the profile itself is signed.
	resp, body, prof := do(t, a.request(t, s.srv.URL, "GET", "/ucp/shop-a/.well-known/ucp", "", "", nil, nil, nil))
	var keys []httpsig.JWK
	raw, _ := json.Marshal(prof["signing_keys"])
	json.Unmarshal(raw, &keys)
	if resp.StatusCode != 200 || len(keys) != 1 || keys[0] != biz.JWK() {
		t.Fatalf("profile: %d %s", resp.StatusCode, body)
	}
	checkResponse := func(name string, resp *http.Response, body []byte) {
		t.Helper()
		if err := httpsig.CheckDigest(resp.Header.Get("Content-Digest"), body); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := httpsig.Verify(httpsig.Message{Status: resp.StatusCode, Header: resp.Header}, keys, []string{"@status", "content-digest", "content-type"}, time.Now()); err != nil {
			t.Errorf("%s: response signature: %v (%s / %s)", name, err, resp.Header.Get("Signature-Input"), resp.Header.Get("Signature"))
		}
	}
	checkResponse("profile", resp, body)

	before := s.stock(t)
	other, _ := httpsig.GenerateES256()
	other.KeyID = a.key.KeyID // claims the agent's kid
	for _, c := range []struct {
		name, code string
		req        *http.Request
	}{
		{"body changed after signing", "signature_invalid", a.request(t, s.srv.URL, "POST", "/ucp/shop-a/checkout-sessions", "k-forged", create, full, a.key, func(r *http.Request) {
			b := []byte(`{"line_items":[{"item":{"id":"GIFT-30"},"quantity":9}],"buyer":{"email":"jane@example.com"}}`)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			r.Header.Set("Content-Digest", httpsig.Digest(b))
		})},
		{"another key under the agent's kid", "signature_invalid", a.request(t, s.srv.URL, "POST", "/ucp/shop-a/checkout-sessions", "k-other", create, full, other, nil)},
		{"idempotency-key not covered", "coverage_insufficient", a.request(t, s.srv.URL, "POST", "/ucp/shop-a/checkout-sessions", "k-cover", create, full[:4], a.key, nil)},
		{"key not in the profile", "key_not_found", a.request(t, s.srv.URL, "POST", "/ucp/shop-a/checkout-sessions", "k-kid", create, full, biz, nil)},
		{"signed for another path", "signature_invalid", a.request(t, s.srv.URL, "POST", "/ucp/shop-a/checkout-sessions", "k-path", create, full, a.key, func(r *http.Request) {
			r.URL.Path = "/ucp/shop-a/checkout-sessions/x/cancel"
		})},
	} {
		resp, body, out := do(t, c.req)
		if resp.StatusCode != http.StatusUnauthorized || out["code"] != c.code {
			t.Errorf("%s: %d %s, want 401 %s", c.name, resp.StatusCode, body, c.code)
		}
	}
	if got := s.stock(t); got != before {
		t.Fatalf("refused requests changed the stock: %d, was %d", got, before)
	}

	resp, body, out := do(t, a.request(t, s.srv.URL, "POST", "/ucp/shop-a/checkout-sessions", "k-good", create, full, a.key, nil))
	if resp.StatusCode != http.StatusCreated || out["id"] == nil {
		t.Fatalf("signed create: %d %s", resp.StatusCode, body)
	}
	checkResponse("create", resp, body)
	if got := s.stock(t); got != before-1 {
		t.Fatalf("stock %d after the signed create, want %d", got, before-1)
	}
	// Unsigned requests pass unless signatures are required.
	if resp, body, _ := do(t, a.request(t, s.srv.URL, "POST", "/ucp/shop-a/checkout-sessions", "k-unsigned", create, nil, nil, nil)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("unsigned: %d %s", resp.StatusCode, body)
	}
}

func TestRequireSignatures(t *testing.T) {
	a := newAgent(t)
	s := newShop(t, ucp.Config{RequireSignatures: map[concierge.BotID]bool{"shop-a": true}, Keys: &ucp.ProfileKeys{Client: a.profile.Client()}})
	before := s.stock(t)
	resp, body, out := do(t, a.request(t, s.srv.URL, "POST", "/ucp/shop-a/checkout-sessions", "k1", create, nil, nil, nil))
	if resp.StatusCode != http.StatusUnauthorized || out["code"] != "signature_required" || s.stock(t) != before {
		t.Fatalf("unsigned: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("Signature") != "" {
		t.Error("a response signed without a signing key")
	}
	if resp, body, _ := do(t, a.request(t, s.srv.URL, "POST", "/ucp/shop-a/checkout-sessions", "k2", create, full, a.key, nil)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("signed: %d %s", resp.StatusCode, body)
	}
}

// TestProfileKeysHTTPSOnly: keys are read only from https profiles.
func TestProfileKeysHTTPSOnly(t *testing.T) {
	var pk ucp.ProfileKeys
	if _, err := pk.Keys(context.Background(), "http://agent.example/.well-known/ucp"); err == nil {
		t.Fatal("an http profile was fetched")
	}
}
