package mcp_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/mcp"
)

// TestCompleteInProgress: while complete_checkout is being processed
// (held inside the payment handler), get_checkout and a second
// complete_checkout answer the checkout with status
// complete_in_progress at once, charging nothing; update_checkout and
// cancel_checkout are refused at once, changing nothing: with Concierge's
// flat arguments as a tool error naming complete_in_progress, over UCP's
// MCP binding as its protocol error (-32000, data code
// complete_in_progress, HTTP 409 beside it). Afterwards the checkout is
// completed, charged once, with the items it had, and each refusal is a
// line of its transcript after the completion's. Both databases.
func TestCompleteInProgress(t *testing.T) {
	act.EachDB(t, func(t *testing.T, url string) {
		db := act.OpenStore(t, url)
		payer := act.NewHeldPayer()
		defer payer.Release()
		bot := &concierge.Bot{ID: "shop", Locales: []concierge.Locale{"en"}, Currency: "EUR", Products: []concierge.Product{
			{SKU: "MUG", Name: map[concierge.Locale]string{"en": "Mug"}, Price: concierge.Money{Minor: 900, Currency: "EUR"}, Stock: 5},
		}, Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}
		svc := act.NewService(t, db, &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"held": payer}})
		h := mcp.New(mcp.Config{Service: svc, BaseURL: "http://shop.test", Profiles: newPlatforms(t).profiles(), Keys: map[concierge.BotID][]string{"shop": nil}})
		mux := http.NewServeMux()
		h.Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()

		cs := client(t, srv, "shop", "")
		open := callRaw(t, cs, "create_checkout", `{"items":[{"id":"MUG","quantity":1}],"buyer":{"email":"jane@example.com"},
			"address":{"name":"Jane","line_one":"1 rue de la Paix","city":"Lyon","postal_code":"69001","country":"FR"}}`)
		id, _ := open.out["id"].(string)
		if open.isError || open.out["status"] != "ready_for_complete" {
			t.Fatalf("create: %+v", open)
		}
		pay := `{"id":"` + id + `","payment_handler":"held","payment_token":"tok_1","idempotency_key":"p1"}`
		first := make(chan bindingCall, 1)
		go func() { first <- callRaw(t, client(t, srv, "shop", ""), "complete_checkout", pay) }()
		payer.WaitEntered(t)
		during := func(tool, args string) bindingCall {
			t.Helper()
			return act.During(t, payer, tool+" "+args, func() bindingCall { return callRaw(t, client(t, srv, "shop", ""), tool, args) })
		}
		if c := during("get_checkout", `{"id":"`+id+`"}`); c.isError || c.out["status"] != "complete_in_progress" || c.out["order_id"] != nil {
			t.Errorf("get_checkout during the completion: %+v", c)
		}
		if c := during("complete_checkout", `{"id":"`+id+`","payment_handler":"held","payment_token":"tok_1","idempotency_key":"p2"}`); c.isError || c.out["status"] != "complete_in_progress" {
			t.Errorf("a second complete_checkout during the completion: %+v", c)
		}
		for _, tc := range []struct{ tool, args string }{
			{"update_checkout", `{"id":"` + id + `","items":[{"id":"MUG","quantity":3}],"idempotency_key":"u1"}`},
			{"cancel_checkout", `{"id":"` + id + `","idempotency_key":"c1"}`},
		} {
			c := act.During(t, payer, tc.tool, func() wireCall { return postTool(t, srv, "", tc.tool, tc.args) })
			text, _ := jsonPath(c.resp, "result", "content", 0, "text").(string)
			if c.status != http.StatusOK || jsonPath(c.resp, "result", "isError") != true || !strings.Contains(text, "complete_in_progress") {
				t.Errorf("%s (flat) during the completion: %+v, want a tool error naming complete_in_progress", tc.tool, c)
			}
		}
		const meta = `"meta":{"ucp-agent":{"profile":"https://platform.example/ucp"},"idempotency-key":"b1"}`
		for _, tc := range []struct{ tool, args string }{
			{"update_checkout", `{` + meta + `,"id":"` + id + `","checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":3}]}}`},
			{"cancel_checkout", `{` + meta + `,"id":"` + id + `"}`},
		} {
			if c := during(tc.tool, tc.args); c.wire == nil || c.wire.Code != -32000 || c.data["code"] != "complete_in_progress" || c.data["content"] == "" {
				t.Errorf("%s (binding) during the completion: %+v, want -32000 complete_in_progress", tc.tool, c)
			}
			c := act.During(t, payer, tc.tool+" over HTTP", func() wireCall { return postTool(t, srv, "", tc.tool, tc.args) })
			if c.status != http.StatusConflict || jsonPath(c.resp, "error", "data", "code") != "complete_in_progress" {
				t.Errorf("%s (binding) over HTTP during the completion: %+v, want 409 beside the JSON-RPC error", tc.tool, c)
			}
		}
		if n := payer.Charges(); n != 1 {
			t.Errorf("%d charges during the completion, want 1", n)
		}
		payer.Release()
		if c := <-first; c.isError || c.out["status"] != "completed" {
			t.Fatalf("the completion: %+v", c)
		}
		// The six refusals are in the transcript, after the completion's
		// line (its release wrote them, once its transaction had ended).
		lines := act.Transcript(t, db, svc, "shop", id, agentcommerce.MCP)
		const update, cancel = "MCP agent's call to update the checkout was refused — complete_in_progress: ",
			"MCP agent's call to cancel the checkout was refused — complete_in_progress: "
		// In the order sent: flat, then each binding call twice.
		want := []string{"MCP agent paid the checkout with held — completed", update, cancel, update, update, cancel, cancel}
		if len(lines) < len(want) {
			t.Fatalf("transcript after the completion: %q", lines)
		}
		for i, w := range want {
			if got := lines[len(lines)-len(want)+i]; !strings.HasPrefix(got, w) {
				t.Errorf("transcript line %d from the end: %q, want %q…", len(want)-i, got, w)
			}
		}
		c := callRaw(t, cs, "get_checkout", `{"id":"`+id+`"}`)
		if c.out["status"] != "completed" || c.out["order_id"] == nil {
			t.Errorf("get_checkout after the completion: %+v", c)
		}
		if items, _ := c.out["items"].([]any); len(items) != 1 || items[0].(map[string]any)["quantity"] != float64(1) {
			t.Errorf("the refused update changed the items: %v", c.out["items"])
		}
		if n := payer.Charges(); n != 1 {
			t.Errorf("%d charges in all, want 1", n)
		}
	})
}
