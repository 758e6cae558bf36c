package ucp_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/conciergehq/concierge/internal/testenv"
)

// callAgent makes an unsigned UCP request with agent as its UCP-Agent
// header and returns its status, its body and its headers.
func (s *orderShop) callAgent(t *testing.T, agent, method, path, key, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("UCP-Agent", agent)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

// lampStock is the free stock of the lamp, as the catalog shows it.
func (s *orderShop) lampStock(t *testing.T) float64 {
	t.Helper()
	st, out, _ := s.callAgent(t, `profile="https://platform.example/.well-known/ucp"`, "POST", "/ucp/shop-a/catalog/lookup", "", `{"ids":["LAMP-01"]}`)
	q, ok := jget(out, "products.0.variants.0.availability.quantity").(float64)
	if st != http.StatusOK || !ok {
		t.Fatalf("lookup: %d %v", st, out)
	}
	return q
}

const lampCheckout = `{"line_items":[{"item":{"id":"LAMP-01"},"quantity":2}]}`

// TestVersionNegotiation: the business profile declares the one protocol
// version Concierge speaks and no supported_versions (the spec's "only
// version"), and is served whatever version the caller states. Every
// operation validates the platform's protocol version — the one its
// UCP-Agent states (as a parameter of profile or a member of its own) and
// the one its signed profile declares — and refuses any other with the
// REST binding's 422 version_unsupported (with the web chat as
// continue_url), before anything is read or changed: no stock is held,
// and the Idempotency-Key is not kept.
func TestVersionNegotiation(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
			if db == "postgres" {
				url = testenv.PostgresURL(t)
			}
			current, old := newPlatform(t), newPlatform(t)
			old.version = "2026-01-23"
			shop := newOrderShop(t, url, "", ucp.Config{Keys: &ucp.ProfileKeys{Client: current.srv.Client()}})
			current.shop, old.shop = shop, shop
			const profile = `profile="https://platform.example/.well-known/ucp"`

			// Discovery: the current version, no older ones, and served to
			// a caller stating a version this shop does not speak.
			for _, agent := range []string{profile, profile + `; version="2099-01-01"`} {
				st, prof, _ := shop.callAgent(t, agent, "GET", "/ucp/shop-a/.well-known/ucp", "", "")
				u, _ := prof["ucp"].(map[string]any)
				if st != http.StatusOK || u == nil || u["version"] != ucp.Version {
					t.Fatalf("profile (%s): %d %v", agent, st, prof)
				}
				if _, ok := u["supported_versions"]; ok {
					t.Errorf("profile declares supported_versions %v; Concierge serves %s only", u["supported_versions"], ucp.Version)
				}
			}

			stock := shop.lampStock(t)
			for _, c := range []struct {
				name, agent, version string
			}{
				{"a parameter of profile", profile + `; version="2026-01-23"`, "2026-01-23"},
				{"a member of its own", profile + `, version="2099-01-01"`, "2099-01-01"},
				{"a token", profile + `;version=2026-01-11`, "2026-01-11"},
			} {
				st, out, hdr := shop.callAgent(t, c.agent, "POST", "/ucp/shop-a/checkout-sessions", "k-version", lampCheckout)
				content, _ := out["content"].(string)
				if st != http.StatusUnprocessableEntity || out["code"] != "version_unsupported" || out["id"] != nil ||
					!strings.Contains(content, c.version) || !strings.Contains(content, ucp.Version) ||
					out["continue_url"] != "http://localhost/chat/shop-a" || hdr.Get("Signature") == "" {
					t.Errorf("create with the version as %s: %d %v", c.name, st, out)
				}
			}
			if got := shop.lampStock(t); got != stock {
				t.Fatalf("refused creates changed the stock: %v, was %v", got, stock)
			}

			// The version this shop speaks, in either form, is served; the
			// refused requests kept no Idempotency-Key, so k-version is new.
			st, c, _ := shop.callAgent(t, profile+`; version="`+ucp.Version+`"`, "POST", "/ucp/shop-a/checkout-sessions", "k-version", lampCheckout)
			if st != http.StatusCreated || c["status"] == nil {
				t.Fatalf("create at %s: %d %v", ucp.Version, st, c)
			}
			if v, _ := jget(c, "ucp.version").(string); v != ucp.Version {
				t.Errorf("response version %q", v)
			}
			id := c["id"].(string)
			if st, out, _ := shop.callAgent(t, profile+`, version="`+ucp.Version+`"`, "GET", "/ucp/shop-a/checkout-sessions/"+id, "", ""); st != http.StatusOK || out["id"] != id {
				t.Errorf("get at %s: %d %v", ucp.Version, st, out)
			}
			stock = shop.lampStock(t)

			// Every operation validates: reads, updates, cancel, the
			// catalog.
			for _, op := range []struct{ method, path, key, body string }{
				{"GET", "/ucp/shop-a/checkout-sessions/" + id, "", ""},
				{"PUT", "/ucp/shop-a/checkout-sessions/" + id, "k-u", `{"line_items":[{"item":{"id":"LAMP-01"},"quantity":5}]}`},
				{"POST", "/ucp/shop-a/checkout-sessions/" + id + "/cancel", "k-c", ""},
				{"POST", "/ucp/shop-a/catalog/search", "", `{"query":"lamp"}`},
				{"GET", "/ucp/shop-a/orders/ord_x", "", ""},
			} {
				st, out, _ := shop.callAgent(t, profile+`; version="2026-01-23"`, op.method, op.path, op.key, op.body)
				if st != http.StatusUnprocessableEntity || out["code"] != "version_unsupported" {
					t.Errorf("%s %s at 2026-01-23: %d %v", op.method, op.path, st, out)
				}
			}
			if st, out, _ := shop.callAgent(t, profile, "GET", "/ucp/shop-a/checkout-sessions/"+id, "", ""); st != http.StatusOK || out["status"] == "canceled" || jget(out, "line_items.0.quantity") != 2.0 {
				t.Errorf("refused update and cancel changed the checkout: %d %v", st, out)
			}
			if got := shop.lampStock(t); got != stock {
				t.Errorf("refused calls changed the stock: %v, was %v", got, stock)
			}

			// A signed platform's version is its profile's: an older one is
			// refused, checkout and Get Order alike, the current one served.
			st, out := shop.callAs(t, old, "POST", "/ucp/shop-a/checkout-sessions", "k-old", lampCheckout)
			if st != http.StatusUnprocessableEntity || out["code"] != "version_unsupported" || !strings.Contains(out["content"].(string), "2026-01-23") {
				t.Errorf("signed create by a 2026-01-23 platform: %d %v", st, out)
			}
			session, orderID := shop.buyAs(t, current, "-current")
			if st, o := shop.callAs(t, current, "GET", "/ucp/shop-a/orders/"+orderID, "", ""); st != http.StatusOK || o["checkout_id"] != session {
				t.Errorf("get order by the current platform: %d %v", st, o)
			}
			if st, o := shop.callAs(t, old, "GET", "/ucp/shop-a/orders/"+orderID, "", ""); st != http.StatusUnprocessableEntity || o["code"] != "version_unsupported" || o["id"] != nil {
				t.Errorf("get order by a 2026-01-23 platform: %d %v", st, o)
			}
			if got := shop.lampStock(t); got != stock-1 {
				t.Errorf("stock after one signed purchase: %v, want %v", got, stock-1)
			}
		})
	}
}

// TestOrderWritesRefused: the order capability's REST binding defines Get
// Order only (order-rest.md), so a platform that tries to change an order
// — the conformance suite's PUT /orders/{id} adding a fulfillment event or
// an adjustment, or any other method — is refused with 405 and Allow:
// GET, HEAD, and the order reads the same afterwards (no shipment, no
// refund, no event for the platform).
func TestOrderWritesRefused(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
			if db == "postgres" {
				url = testenv.PostgresURL(t)
			}
			p := newPlatform(t)
			shop := newOrderShop(t, url, "", ucp.Config{Keys: &ucp.ProfileKeys{Client: p.srv.Client()}})
			p.shop = shop
			_, orderID := shop.buyAs(t, p, "-w")
			path := "/ucp/shop-a/orders/" + orderID
			st, before := shop.callAs(t, p, "GET", path, "", "")
			if st != http.StatusOK || before["id"] != orderID {
				t.Fatalf("get order: %d %v", st, before)
			}
			shipped := `{"fulfillment":{"events":[{"id":"evt_x","type":"shipped","occurred_at":"2026-05-01T10:00:00Z","line_items":[{"id":"li_1","quantity":1}]}]}}`
			refund := `{"adjustments":[{"id":"adj_x","type":"refund","status":"completed","occurred_at":"2026-05-01T10:00:00Z","amount":5390}]}`
			for _, c := range []struct{ method, body string }{
				{"PUT", shipped}, {"PUT", refund}, {"PATCH", refund}, {"POST", shipped}, {"DELETE", ""},
			} {
				// Signed by the platform that created the checkout, with an
				// Idempotency-Key: still not a write the spec offers.
				req, _ := http.NewRequest(c.method, shop.srv.URL+path, strings.NewReader(c.body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", "k-"+c.method)
				p.sign(t, req, c.body)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var out map[string]any
				json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode != http.StatusMethodNotAllowed || out["code"] != "method_not_allowed" ||
					!strings.Contains(resp.Header.Get("Allow"), "GET") || resp.Header.Get("Signature") == "" {
					t.Errorf("%s %s: %d %v (Allow %q)", c.method, path, resp.StatusCode, out, resp.Header.Get("Allow"))
				}
			}
			st, after := shop.callAs(t, p, "GET", path, "", "")
			b1, _ := json.Marshal(before)
			b2, _ := json.Marshal(after)
			if st != http.StatusOK || string(b1) != string(b2) {
				t.Errorf("the order changed:\nbefore %s\nafter  %s", b1, b2)
			}
			if n := len(jget(after, "fulfillment.events").([]any)) + len(after["adjustments"].([]any)); n != 0 {
				t.Errorf("order has %d events or adjustments after refused writes", n)
			}
			// Another bot's path is unknown, whatever the method.
			if st, out, _ := shop.callAgent(t, `profile="https://platform.example/.well-known/ucp"`, "PUT", "/ucp/shop-b/orders/"+orderID, "k", refund); st != http.StatusNotFound {
				t.Errorf("PUT on another bot: %d %v", st, out)
			}
		})
	}
}
