package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/handoff/hooks"
	"github.com/conciergehq/concierge/internal/testenv"
)

const acpKey = "test-acp-key-0123456789"

// eachACPDB runs fn on SQLite and on PostgreSQL with the sample shop's
// agents allowed more calls a minute than the scripts make.
func eachACPDB(t *testing.T, fn func(t *testing.T, s *shop)) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = testenv.PostgresURL(t)
			}
			fn(t, startShopWith(t, url, func(cfg string) string { return cfg + agentsSection + "  rate_per_minute: 6000\n" }))
		})
	}
}

func acpHeaders(key string) map[string]string {
	h := map[string]string{"Authorization": "Bearer " + acpKey, "API-Version": "2026-04-17", "Request-Id": "req-" + key}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	return h
}

// TestACPAgentBuys: a scripted agent reads the feed, builds a checkout
// over ACP and pays in the sandbox, through the same core as UCP.
func TestACPAgentBuys(t *testing.T) {
	eachACPDB(t, func(t *testing.T, s *shop) {
		st, feed, _ := s.agent(agentCall{"GET", "/acp/maison-lumiere/feed", acpHeaders(""), ""})
		products, _ := feed["products"].([]any)
		var lamp map[string]any
		for _, p := range products {
			if m := p.(map[string]any); m["id"] == "LAMP-01" {
				lamp = m
			}
		}
		// API-Version 2026-04-17: the nested feed, the lamp its own only
		// variant, the id a checkout takes.
		if st != 200 || lamp == nil || jget(lamp, "variants.0.id") != "LAMP-01" || jget(lamp, "variants.0.price.amount") != 4900.0 ||
			jget(lamp, "variants.0.availability.available") != true || jget(lamp, "variants.0.url") != s.base+"/chat/maison-lumiere" {
			t.Fatalf("feed: %d %v", st, lamp)
		}
		path := "/acp/maison-lumiere/checkout_sessions"
		// The agent's price is ignored.
		create := `{"currency":"eur","capabilities":{},"line_items":[{"id":"li","item":{"id":"LAMP-01","unit_amount":1},"quantity":2}]}`
		st, c1, hdr := s.agent(agentCall{"POST", path, acpHeaders("a-create"), create})
		if st != 201 || c1["status"] != "not_ready_for_payment" || jget(c1, "line_items.0.unit_amount") != 4900.0 || jget(c1, "currency") != "eur" ||
			hdr.Get("Idempotency-Key") != "a-create" || hdr.Get("Request-Id") != "req-a-create" {
			t.Fatalf("create: %d %v", st, c1)
		}
		id := c1["id"].(string)
		st, again, hdr := s.agent(agentCall{"POST", path, acpHeaders("a-create"), create})
		if st != 201 || again["id"] != id || hdr.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %v", st, again)
		}
		update := `{"buyer":{"email":"jane@example.com","first_name":"Jane"},
			"fulfillment_details":{"name":"Jane Doe","address":{"name":"Jane Doe","line_one":"1 rue de la Paix","city":"Lyon","state":"","country":"FR","postal_code":"69001"}},
			"selected_fulfillment_options":[{"type":"shipping","option_id":"standard","item_ids":["li_1"]}]}`
		st, c2, _ := s.agent(agentCall{"POST", path + "/" + id, acpHeaders("a-update"), update})
		if st != 200 || c2["status"] != "ready_for_payment" || jget(c2, "totals.3.type") != "total" || jget(c2, "totals.3.amount") != 10290.0 ||
			jget(c2, "selected_fulfillment_options.0.option_id") != "standard" || jget(c2, "capabilities.payment.handlers.0.id") != "sandbox" {
			t.Fatalf("update: %d %v", st, c2)
		}
		pay := func(token string) string {
			return fmt.Sprintf(`{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"spt","token":%q}}}}`, token)
		}
		st, declined, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", acpHeaders("a-fail"), pay("fail_token")})
		if st != 402 || declined["type"] != "invalid_request" || declined["code"] != "payment_declined" {
			t.Fatalf("fail_token: %d %v", st, declined)
		}
		st, done, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", acpHeaders("a-pay"), pay("success_token")})
		orderID, _ := jget(done, "order.id").(string)
		if st != 200 || done["status"] != "completed" || orderID == "" || jget(done, "order.checkout_session_id") != id {
			t.Fatalf("complete: %d %v", st, done)
		}
		o := s.order(orderID)
		if o.State != concierge.OrderPaid || o.Total.Minor != 10290 {
			t.Fatalf("order: %+v", o)
		}
		conv, err := s.m.DB.GetConversation(context.Background(), o.Conversation)
		if err != nil || conv.Channel != "agent:acp" {
			t.Fatalf("conversation: %+v %v", conv, err)
		}
		if st, got, _ := s.agent(agentCall{"GET", path + "/" + id, acpHeaders(""), ""}); st != 200 || got["status"] != "completed" {
			t.Fatalf("get: %d %v", st, got)
		}
		if st, e, _ := s.agent(agentCall{"POST", path + "/" + id + "/cancel", acpHeaders("a-cancel"), ""}); st != 405 {
			t.Fatalf("cancel completed: %d %v, want 405", st, e)
		}
	})
}

// TestACPBadInput: what the agent may not do is refused with ACP's flat
// error and changes nothing.
func TestACPBadInput(t *testing.T) {
	eachACPDB(t, func(t *testing.T, s *shop) {
		path := "/acp/maison-lumiere/checkout_sessions"
		create := `{"currency":"eur","line_items":[{"item":{"id":"LAMP-02"},"quantity":1}]}`
		_, c, _ := s.agent(agentCall{"POST", path, acpHeaders("b0"), create})
		id, _ := c["id"].(string)
		if id == "" {
			t.Fatalf("create: %v", c)
		}
		stock := func() int {
			n, err := s.m.DB.StockLevels(context.Background(), "maison-lumiere")
			if err != nil {
				t.Fatal(err)
			}
			return n["LAMP-02"]
		}
		before := stock()
		with := func(key string, change func(h map[string]string)) map[string]string {
			h := acpHeaders(key)
			change(h)
			return h
		}
		item := func(sku string, q int) string {
			return fmt.Sprintf(`{"line_items":[{"item":{"id":%q},"quantity":%d}]}`, sku, q)
		}
		for _, tc := range []struct {
			name string
			call agentCall
			want int
			code string
		}{
			{"no key", agentCall{"POST", path, with("x1", func(h map[string]string) { delete(h, "Authorization") }), create}, 401, "unauthorized"},
			{"unknown key", agentCall{"POST", path, with("x2", func(h map[string]string) { h["Authorization"] = "Bearer nope-nope-nope-nope" }), create}, 401, "unauthorized"},
			{"feed without key", agentCall{"GET", "/acp/maison-lumiere/feed", map[string]string{}, ""}, 401, "unauthorized"},
			{"no API-Version", agentCall{"POST", path, with("x3", func(h map[string]string) { delete(h, "API-Version") }), create}, 400, "unsupported_api_version"},
			{"bad API-Version", agentCall{"POST", path, with("x4", func(h map[string]string) { h["API-Version"] = "2024-01-01" }), create}, 400, "unsupported_api_version"},
			{"no Idempotency-Key", agentCall{"POST", path, acpHeaders(""), create}, 400, "idempotency_key_required"},
			{"replay with another body", agentCall{"POST", path, acpHeaders("b0"), strings.Replace(create, `"quantity":1`, `"quantity":2`, 1)}, 422, "idempotency_conflict"},
			{"not JSON", agentCall{"POST", path, acpHeaders("x5"), `{`}, 400, "invalid"},
			{"zero", agentCall{"POST", path + "/" + id, acpHeaders("x6"), item("LAMP-02", 0)}, 400, "invalid"},
			{"negative", agentCall{"POST", path + "/" + id, acpHeaders("x7"), item("LAMP-02", -1)}, 400, "invalid"},
			{"beyond stock", agentCall{"POST", path + "/" + id, acpHeaders("x8"), item("LAMP-02", 999)}, 400, "out_of_stock"},
			{"unknown sku", agentCall{"POST", path + "/" + id, acpHeaders("x9"), item("NOPE", 1)}, 400, "invalid"},
			{"create unknown sku", agentCall{"POST", path, acpHeaders("x10"), item("NOPE", 1)}, 400, "invalid"},
			{"create beyond stock", agentCall{"POST", path, acpHeaders("x11"), item("LAMP-02", 999)}, 400, "out_of_stock"},
			{"currency", agentCall{"POST", path + "/" + id, acpHeaders("x12"), `{"currency":"usd"}`}, 400, "invalid"},
			{"unknown session", agentCall{"GET", path + "/chk_nope", acpHeaders(""), ""}, 404, "not_found"},
			{"other bot", agentCall{"GET", "/acp/other-shop/checkout_sessions/" + id, acpHeaders(""), ""}, 404, "not_found"},
			{"not ready", agentCall{"POST", path + "/" + id + "/complete", acpHeaders("x13"), `{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"spt","token":"success_token"}}}}`}, 400, "missing"},
			{"no payment_data", agentCall{"POST", path + "/" + id + "/complete", acpHeaders("x14"), `{}`}, 400, "missing"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st, body, _ := s.agent(tc.call)
				if st != tc.want || body["code"] != tc.code || (body["type"] != "invalid_request") {
					t.Fatalf("got %d %v, want %d %s", st, body, tc.want, tc.code)
				}
				_, now, _ := s.agent(agentCall{"GET", path + "/" + id, acpHeaders(""), ""})
				if now["status"] != "not_ready_for_payment" || jget(now, "line_items.0.quantity") != 1.0 || stock() != before {
					t.Fatalf("changed: %v, stock %d (was %d)", now, stock(), before)
				}
			})
		}
		// Cancel gives the stock back; a canceled session takes no change.
		if st, cc, _ := s.agent(agentCall{"POST", path + "/" + id + "/cancel", acpHeaders("c1"), ""}); st != 200 || cc["status"] != "canceled" || stock() != before+1 {
			t.Fatalf("cancel: %d %v stock %d", st, cc, stock())
		}
		if st, _, _ := s.agent(agentCall{"POST", path + "/" + id, acpHeaders("c2"), `{"buyer":{"email":"a@b.co"}}`}); st != 409 {
			t.Fatalf("update canceled: %d, want 409", st)
		}
	})
}

// TestACPOrderWebhookServed: with agents.acp.webhook_url in the bot file,
// the server's sender delivers the order_create of a purchase to the
// agent's receiver, signed with webhook_secret.
func TestACPOrderWebhookServed(t *testing.T) {
	const secret = "acp-webhook-secret-0123456789"
	got := make(chan string, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := hooks.Verify([]byte(secret), r.Header.Get("Merchant-Signature"), b, time.Now(), 0); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			got <- "bad signature: " + err.Error()
			return
		}
		got <- string(b)
	}))
	defer recv.Close()
	s := startShopWith(t, "", func(cfg string) string {
		return cfg + strings.Replace(agentsSection, `acp: { api_keys: ["test-acp-key-0123456789"] }`,
			`acp: { api_keys: ["test-acp-key-0123456789"], webhook_url: "`+recv.URL+`/order_events", webhook_secret: "`+secret+`" }`, 1)
	})
	path := "/acp/maison-lumiere/checkout_sessions"
	st, c, _ := s.agent(agentCall{"POST", path, acpHeaders("w-create"), `{"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
		"buyer":{"email":"jane@example.com"},
		"fulfillment_details":{"address":{"name":"Jane","line_one":"1 rue de la Paix","city":"Lyon","state":"","country":"FR","postal_code":"69001"}}}`})
	if st != 201 || c["status"] != "ready_for_payment" {
		t.Fatalf("create: %d %v", st, c)
	}
	id := c["id"].(string)
	st, done, _ := s.agent(agentCall{"POST", path + "/" + id + "/complete", acpHeaders("w-pay"),
		`{"payment_data":{"handler_id":"sandbox","instrument":{"type":"card","credential":{"type":"token","token":"success_token"}}}}`})
	if st != 200 || done["status"] != "completed" {
		t.Fatalf("complete: %d %v", st, done)
	}
	select {
	case b := <-got:
		if !strings.Contains(b, `"type":"order_create"`) || !strings.Contains(b, `"checkout_session_id":"`+id+`"`) {
			t.Fatalf("event: %s", b)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no order event within 30 s (the sender polls every 2 s)")
	}
}

// TestACPFeedPushServed: the server built from a bot file with
// agents.acp.feed pushes the catalog, as 2026-04-17 products, to the
// agent's Feed API as it starts: a PATCH of /feeds/{feed_id}/products
// with the bearer token and API-Version.
func TestACPFeedPushServed(t *testing.T) {
	const token = "agent-feed-token-0123456789"
	got := make(chan string, 4)
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch {
		case r.Header.Get("Authorization") != "Bearer "+token || r.Header.Get("API-Version") != "2026-04-17":
			w.WriteHeader(http.StatusUnauthorized)
			got <- "refused: " + r.Method + " " + r.URL.Path
		case r.Method == http.MethodGet && r.URL.Path == "/feeds/feed_1/products":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"products":[]}`))
		case r.Method == http.MethodPatch && r.URL.Path == "/feeds/feed_1/products":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"feed_1","accepted":true}`))
			got <- string(b)
		default:
			w.WriteHeader(http.StatusNotFound)
			got <- "unexpected: " + r.Method + " " + r.URL.Path
		}
	}))
	defer agent.Close()
	const apiToken = "catalog-api-token-0123456789abcdef0123"
	s := startShopWith(t, "", func(cfg string) string {
		cfg = rewrite(t, cfg, map[string]string{"catalog:\n  products:": "catalog:\n  api_token: " + apiToken + "\n  products:"})
		return cfg + strings.Replace(agentsSection, `acp: { api_keys: ["test-acp-key-0123456789"] }`,
			`acp: { api_keys: ["test-acp-key-0123456789"], feed: { url: "`+agent.URL+`", token: "`+token+`", feed_id: feed_1, every: 1h } }`, 1)
	})
	push := func(what string) string {
		t.Helper()
		select {
		case b := <-got:
			return b
		case <-time.After(30 * time.Second): // a hang, not a synchronisation
			t.Fatalf("no feed pushed within 30 s of %s", what)
			return ""
		}
	}
	if b := push("the start"); !strings.Contains(b, `"id":"LAMP-01"`) || !strings.Contains(b, `"variants":[`) || !strings.Contains(b, `"availability":{"available":true,"status":"in_stock"}`) {
		t.Fatalf("push: %s", b)
	}
	// A price changed through the catalog API is pushed at once, not an
	// hour later.
	if st, body := catalogAPI(t, s.base, "POST", "/api/catalog/maison-lumiere/products", apiToken, `[{"sku": "LAMP-01", "price": "12.34"}]`); st != 200 {
		t.Fatalf("catalog API: %d %s", st, body)
	}
	if b := push("the catalog change"); !strings.Contains(b, `"amount":1234`) {
		t.Fatalf("push after the change: %s", b)
	}
}
