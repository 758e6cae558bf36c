package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCPAgentBuys: the go-sdk's MCP client searches the catalog and
// checks out, paid in the sandbox, through the same core as UCP and ACP.
func TestMCPAgentBuys(t *testing.T) {
	eachACPDB(t, func(t *testing.T, s *shop) {
		ctx := context.Background()
		client := mcp.NewClient(&mcp.Implementation{Name: "test-agent", Version: "1"}, nil)
		cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.base + "/mcp/maison-lumiere", DisableStandaloneSSE: true, MaxRetries: -1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		tools, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tl := range tools.Tools {
			names = append(names, tl.Name)
		}
		if got := strings.Join(names, ","); !strings.Contains(got, "search_catalog") || !strings.Contains(got, "complete_checkout") || !strings.Contains(got, "lookup_catalog") || len(names) != 8 {
			t.Fatalf("tools: %s", got)
		}
		call := func(name string, args any) (map[string]any, bool) {
			t.Helper()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var out map[string]any
			if !res.IsError {
				b, _ := json.Marshal(res.StructuredContent)
				json.Unmarshal(b, &out)
			}
			return out, res.IsError
		}
		found, _ := call("search_catalog", map[string]any{"query": "lamp"})
		if jget(found, "products.0.id") == nil || jget(found, "products.0.currency") != "EUR" {
			t.Fatalf("search: %v", found)
		}
		if p, isErr := call("get_product", map[string]any{"id": "LAMP-01"}); isErr || p["price"] != 4900.0 {
			t.Fatalf("get_product: %v", p)
		}
		if _, isErr := call("create_checkout", map[string]any{"items": []any{map[string]any{"id": "LAMP-01", "quantity": 0}}}); !isErr {
			t.Fatal("quantity 0 accepted")
		}
		c, isErr := call("create_checkout", map[string]any{"items": []any{map[string]any{"id": "LAMP-01", "quantity": 1}}, "idempotency_key": "m1",
			"buyer":   map[string]any{"email": "jane@example.com"},
			"address": map[string]any{"line_one": "1 rue de la Paix", "city": "Lyon", "postal_code": "69001", "country": "FR"}})
		if isErr || c["status"] != "ready_for_complete" || c["total"] != 5390.0 {
			t.Fatalf("create: %v", c)
		}
		id := c["id"].(string)
		if again, _ := call("create_checkout", map[string]any{"items": []any{map[string]any{"id": "LAMP-01", "quantity": 1}}, "idempotency_key": "m1",
			"buyer":   map[string]any{"email": "jane@example.com"},
			"address": map[string]any{"line_one": "1 rue de la Paix", "city": "Lyon", "postal_code": "69001", "country": "FR"}}); again["id"] != id {
			t.Fatalf("replay: %v", again)
		}
		if _, isErr := call("complete_checkout", map[string]any{"id": id, "payment_handler": "sandbox", "payment_token": "fail_token"}); !isErr {
			t.Fatal("fail_token paid")
		}
		done, isErr := call("complete_checkout", map[string]any{"id": id, "payment_handler": "sandbox", "payment_token": "success_token", "idempotency_key": "m2"})
		if isErr || done["status"] != "completed" || done["order_id"] == nil {
			t.Fatalf("complete: %v", done)
		}
		o := s.order(done["order_id"].(string))
		conv, err := s.m.DB.GetConversation(ctx, o.Conversation)
		if o.State != concierge.OrderPaid || o.Total.Minor != 5390 || err != nil || conv.Channel != "agent:mcp" {
			t.Fatalf("order: %+v %+v %v", o, conv, err)
		}
		if got, _ := call("get_checkout", map[string]any{"id": id}); got["status"] != "completed" {
			t.Fatalf("get: %v", got)
		}
	})
}
