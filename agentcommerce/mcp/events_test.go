package mcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
	"github.com/conciergehq/concierge/agentcommerce/mcp"
	"github.com/conciergehq/concierge/agentcommerce/sqlagents"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/conciergehq/concierge/store"
)

// signedTool calls tool on srv's /mcp/shop with a POST signed by key as
// UCP's MCP binding says (signatures.md, "MCP Transport"): UCP-Agent
// naming profile, Content-Digest, and a signature over @method,
// @authority, @path, ucp-agent, content-digest and content-type.
func signedTool(t *testing.T, srv *httptest.Server, key *httpsig.PrivateKey, profile, tool, args string) wireCall {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + args + `}}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/mcp/shop", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("UCP-Agent", `profile="`+profile+`"`)
	req.Header.Set("Content-Digest", httpsig.Digest([]byte(body)))
	u, _ := url.Parse(srv.URL)
	in, sig, err := httpsig.Sign(httpsig.Message{Method: http.MethodPost, Authority: u.Host, Path: "/mcp/shop", Header: req.Header}, "sig1",
		[]string{"@method", "@authority", "@path", "ucp-agent", "content-digest", "content-type"}, key, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Signature-Input", in)
	req.Header.Set("Signature", sig)
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	req.Header.Set("Authorization", "Bearer key-one")
	code, _, raw, hdr := act.Do(t, req)
	c := wireCall{status: code, contentType: hdr.Get("Content-Type")}
	text := string(raw)
	for _, line := range strings.Split(text, "\n") {
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			text = d
		}
	}
	if err := json.Unmarshal([]byte(text), &c.resp); err != nil {
		t.Fatalf("signed %s: %d %q is no JSON-RPC response", tool, code, raw)
	}
	return c
}

// TestOrderEventsOfSignedPlatform: a checkout created over UCP's MCP
// binding by a signed /mcp POST, whose platform's profile declares an
// order webhook, gets UCP's order event there once it is paid, exactly
// as a checkout created over UCP's REST binding: queued as a UCP event,
// sent by UCP's sender (agentcommerce.Webhooks with ucp.Handler's
// requests) with UCP-Agent naming the business profile, Webhook-Id (the
// body's event_id), Content-Digest and an RFC 9421 signature that
// verifies with the business's key and not with another under its kid,
// the order entity as body; sent once. An unsigned call naming the same
// profile is only a claim: its checkout gets no event. Both databases.
func TestOrderEventsOfSignedPlatform(t *testing.T) {
	act.EachDB(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := act.OpenStore(t, dbURL)
		bot := &concierge.Bot{ID: "shop", Locales: []concierge.Locale{"en"}, Currency: "EUR", Products: []concierge.Product{
			{SKU: "EBOOK", Name: map[concierge.Locale]string{"en": "Ebook"}, Price: concierge.Money{Minor: 900, Currency: "EUR"}, Stock: 5, Digital: true},
		}, Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}
		svc := act.NewService(t, db, &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}}})
		biz, err := httpsig.GenerateES256()
		if err != nil {
			t.Fatal(err)
		}
		keys := map[concierge.BotID]*httpsig.PrivateKey{"shop": biz}
		p := newPlatforms(t)
		profiles := p.profiles()
		h := mcp.New(mcp.Config{Service: svc, BaseURL: "http://shop.test", Keys: map[concierge.BotID][]string{"shop": {"key-one"}}, Profiles: profiles, SigningKeys: keys})
		mux := http.NewServeMux()
		h.Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		// UCP's sender, as server/agents.go wires it: the REST binding's
		// handler builds the requests, the platforms' client reaches the
		// webhook.
		rest := ucp.New(ucp.Config{Service: svc, BaseURL: "http://shop.test", Bots: []concierge.BotID{"shop"}, SigningKeys: keys, Keys: profiles})
		sender := agentcommerce.NewWebhooks(agentcommerce.WebhookConfig{Protocol: agentcommerce.UCP, Events: sqlagents.Events{DB: db}, Requests: rest, Client: profiles.Client})

		const profile = "https://platform.example/hooked"
		buy := func(signed bool, key string) (id, order string) {
			t.Helper()
			create := `{"meta":{"ucp-agent":{"profile":"` + profile + `"}},"checkout":{"line_items":[{"item":{"id":"EBOOK"},"quantity":1}],"buyer":{"email":"jane@example.com"}}}`
			var c wireCall
			if signed {
				c = signedTool(t, srv, p.key, profile, "create_checkout", create)
			} else {
				c = postTool(t, srv, "", "create_checkout", create)
			}
			id, _ = jsonPath(c.resp, "result", "structuredContent", "id").(string)
			if c.status != http.StatusOK || jsonPath(c.resp, "result", "structuredContent", "status") != "ready_for_complete" {
				t.Fatalf("create (signed %v): %d %v", signed, c.status, c.resp)
			}
			c = postTool(t, srv, "", "complete_checkout", `{"meta":{"ucp-agent":{"profile":"`+profile+`"},"idempotency-key":"`+key+`"},"id":"`+id+`",
				"checkout":{"payment":{"instruments":[{"id":"pi_1","handler_id":"sandbox","type":"card","credential":{"type":"token","token":"success_token"}}]}}}`)
			order, _ = jsonPath(c.resp, "result", "structuredContent", "order_id").(string)
			if c.status != http.StatusOK || order == "" {
				t.Fatalf("complete (signed %v): %d %v", signed, c.status, c.resp)
			}
			return id, order
		}
		events := func(id string) []store.AgentEventState {
			t.Helper()
			var conv concierge.ConversationID
			if err := svc.View(ctx, func(tx agentcommerce.Tx) error {
				s, err := svc.Get(ctx, tx, "shop", id)
				if err == nil {
					conv = s.Conversation
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			es, err := db.AgentEventsOfConversation(ctx, conv)
			if err != nil {
				t.Fatal(err)
			}
			return es
		}

		claimed, _ := buy(false, "k-claim")
		id, order := buy(true, "k-signed")
		if es := events(claimed); len(es) != 0 {
			t.Errorf("an unsigned call's checkout has order events: %+v", es)
		}
		if es := events(id); len(es) != 1 || es[0].Protocol != string(agentcommerce.UCP) || es[0].Type != string(agentcommerce.OrderCreate) {
			t.Fatalf("the signed platform's checkout's events: %+v, want one UCP order_create", es)
		}
		if n, err := sender.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("UCP's sender: %d events, %v; want 1", n, err)
		}
		var got hit
		select {
		case got = <-p.hits:
		case <-time.After(10 * time.Second):
			t.Fatal("no order event reached the platform's webhook")
		}
		var o map[string]any
		if err := json.Unmarshal(got.body, &o); err != nil || o["checkout_id"] != id || o["id"] != order || o["event_id"] != got.header.Get("Webhook-Id") ||
			jsonPath(o, "ucp", "capabilities", ucp.OrderCapability) == nil || o["line_items"] == nil || o["totals"] == nil {
			t.Fatalf("order event: %s %v", got.body, err)
		}
		if got.method != http.MethodPost || got.host != "platform.example" || got.header.Get("UCP-Agent") != `profile="http://shop.test/ucp/shop/.well-known/ucp"` ||
			got.header.Get("Webhook-Timestamp") == "" {
			t.Errorf("order event's request: %s %s %v", got.method, got.host, got.header)
		}
		if err := httpsig.CheckDigest(got.header.Get("Content-Digest"), got.body); err != nil {
			t.Errorf("digest: %v", err)
		}
		m := httpsig.Message{Method: got.method, Authority: got.host, Path: got.path, Header: got.header}
		covers := []string{"@method", "@authority", "@path", "ucp-agent", "webhook-id", "webhook-timestamp", "content-digest", "content-type"}
		if _, err := httpsig.Verify(m, []httpsig.JWK{biz.JWK()}, covers, time.Now()); err != nil {
			t.Errorf("the event does not verify with the business's key: %v", err)
		}
		other, err := httpsig.GenerateES256()
		if err != nil {
			t.Fatal(err)
		}
		forged := other.JWK()
		forged.Kid = biz.JWK().Kid
		if _, err := httpsig.Verify(m, []httpsig.JWK{forged}, covers, time.Now()); err == nil {
			t.Error("the event verifies with another key under the business's kid")
		}
		if es := events(id); len(es) != 1 || es[0].Status != store.HookSent || es[0].Attempts != 1 {
			t.Errorf("after delivery: %+v, want sent after one attempt", es)
		}
		if n, err := sender.RunOnce(ctx); err != nil || n != 0 {
			t.Errorf("a second pass claimed %d events (%v): a sent event is never sent again", n, err)
		}
		select {
		case h := <-p.hits:
			t.Errorf("a second request reached the webhook: %s", h.body)
		default:
		}
	})
}
