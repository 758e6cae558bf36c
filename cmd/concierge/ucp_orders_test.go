package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge/agentcommerce/httpsig"
)

// rfcEd25519Key is RFC 9421 B.1.4's test key as PKCS#8 base64 DER.
const rfcEd25519Key = "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF"

// TestUCPOrderWebhookServed: the server built from a bot file with
// agents.ucp.webhook_url and signing_key delivers a UCP purchase's order
// to a local platform receiver, signed with the key its business profile
// publishes.
func TestUCPOrderWebhookServed(t *testing.T) {
	type hit struct {
		header http.Header
		host   string
		path   string
		query  string
		method string
		body   []byte
	}
	got := make(chan hit, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- hit{r.Header.Clone(), r.Host, r.URL.EscapedPath(), r.URL.RawQuery, r.Method, b}
		w.Write([]byte(`{}`))
	}))
	defer recv.Close()
	s := startShopWith(t, "", func(cfg string) string {
		return cfg + strings.Replace(agentsSection, `ucp: { enabled: true }`,
			`ucp: { enabled: true, signing_key: "`+rfcEd25519Key+`", webhook_url: "`+recv.URL+`/webhooks/ucp/orders" }`, 1)
	})
	// The platform reads the business's keys from its profile.
	st, prof, _ := s.agent(agentCall{"GET", "/ucp/maison-lumiere/.well-known/ucp", nil, ""})
	if st != 200 {
		t.Fatalf("profile: %d %v", st, prof)
	}
	var keys []httpsig.JWK
	b, _ := json.Marshal(prof["signing_keys"])
	if err := json.Unmarshal(b, &keys); err != nil || len(keys) != 1 {
		t.Fatalf("signing_keys: %s %v", b, err)
	}
	if caps, _ := jget(prof, "ucp.capabilities").(map[string]any); caps["dev.ucp.shopping.order"] == nil {
		t.Errorf("the profile does not list the order capability: %v", caps)
	}

	path := "/ucp/maison-lumiere/checkout-sessions"
	st, c, _ := s.agent(agentCall{"POST", path, ucpHeaders("o-create"), `{"buyer":{"email":"jane@example.com"},
		"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
		"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
		"groups":[{"selected_option_id":"standard"}]}]}}`})
	if st != 201 || c["status"] != "ready_for_complete" {
		t.Fatalf("create: %d %v", st, c)
	}
	id := c["id"].(string)
	st, done, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", ucpHeaders("o-pay"),
		`{"payment":{"instruments":[{"id":"pi_1","handler_id":"sandbox","type":"card","credential":{"type":"token","token":"success_token"}}]}}`})
	if st != 200 || done["status"] != "completed" {
		t.Fatalf("complete: %d %v", st, done)
	}
	select {
	case h := <-got:
		var o map[string]any
		if err := json.Unmarshal(h.body, &o); err != nil || o["checkout_id"] != id || o["id"] != jget(done, "order.id") {
			t.Fatalf("order event: %s %v", h.body, err)
		}
		if err := httpsig.CheckDigest(h.header.Get("Content-Digest"), h.body); err != nil {
			t.Errorf("digest: %v", err)
		}
		m := httpsig.Message{Method: h.method, Authority: h.host, Path: h.path, Query: h.query, Header: h.header}
		if _, err := httpsig.Verify(m, keys, []string{"@method", "@authority", "@path", "content-digest"}, time.Now()); err != nil {
			t.Errorf("signature with the profile's key: %v (%s / %s)", err, h.header.Get("Signature-Input"), h.header.Get("Signature"))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no order event within 30 s (the sender polls every 2 s)")
	}
}

// TestAgentBuyerCustomerCommand: a person who bought through a UCP agent
// is found by their email: `customer export --email` prints their
// checkout (email, address), `customer erase --email` erases it, after
// which the session is unknown to the agent API and no longer found, and
// another buyer's checkout is untouched.
func TestAgentBuyerCustomerCommand(t *testing.T) {
	s := agentShop(t, "sqlite")
	path := "/ucp/maison-lumiere/checkout-sessions"
	buy := func(key, email string) string {
		st, c, _ := s.agent(agentCall{"POST", path, ucpHeaders(key), `{"buyer":{"email":"` + email + `"},
			"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
			"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"7 impasse Quorvik","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
			"groups":[{"selected_option_id":"standard"}]}]}}`})
		if st != 201 {
			t.Fatalf("create: %d %v", st, c)
		}
		return c["id"].(string)
	}
	jane, other := buy("g-1", "Jane.Buyer@example.com"), buy("g-2", "other@example.com")

	code, out, errOut := runCmd(t, "", "customer", "export", "--db", s.m.DBURL, "--bot", "maison-lumiere", "--email", "jane.buyer@example.com")
	if code != 0 || !strings.Contains(out, "Jane.Buyer@example.com") || !strings.Contains(out, "7 impasse Quorvik") || !strings.Contains(out, jane) || strings.Contains(out, other) {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "", "customer", "erase", "--db", s.m.DBURL, "--bot", "maison-lumiere", "--email", "jane.buyer@example.com", "--yes")
	if code != 0 || !strings.Contains(out, "on agent:ucp") {
		t.Fatalf("erase: exit %d\n%s%s", code, out, errOut)
	}
	if st, body, _ := s.agent(agentCall{"GET", path + "/" + jane, ucpHeaders(""), ""}); st != 404 {
		t.Errorf("the erased checkout is still served: %d %v", st, body)
	}
	if code, _, errOut := runCmd(t, "", "customer", "export", "--db", s.m.DBURL, "--bot", "maison-lumiere", "--email", "jane.buyer@example.com"); code != 1 || !strings.Contains(errOut, "no agent checkout") {
		t.Errorf("after the erasure: exit %d %s", code, errOut)
	}
	if st, body, _ := s.agent(agentCall{"GET", path + "/" + other, ucpHeaders(""), ""}); st != 200 || jget(body, "buyer.email") != "other@example.com" {
		t.Errorf("another buyer's checkout: %d %v", st, body)
	}
}
