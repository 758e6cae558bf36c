package main

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCPVariants: on the variants example shop, the go-sdk's MCP client
// finds the trail shoes once, as a group with its six variants (their
// size and colour, price and live stock), gets a variant with its
// options, and buys the variant it chose by its SKU. Both databases.
func TestMCPVariants(t *testing.T) {
	src, err := os.ReadFile("../../examples/variants/trail-et-coton.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(src) + "\nagents:\n  mcp: { enabled: true }\n"
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := tempSQLite(t)
			if db == "postgres" {
				url = testenv.PostgresURL(t)
			}
			s := runMain(t, &Main{ConfigPath: writeBot(t, cfg), DBURL: url})
			ctx := context.Background()
			client := mcp.NewClient(&mcp.Implementation{Name: "test-agent", Version: "1"}, nil)
			cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.base + "/mcp/trail-et-coton", DisableStandaloneSSE: true, MaxRetries: -1}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			call := func(name string, args any) map[string]any {
				t.Helper()
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
				if err != nil || res.IsError {
					t.Fatalf("%s: %v %+v", name, err, res)
				}
				var out map[string]any
				b, _ := json.Marshal(res.StructuredContent)
				json.Unmarshal(b, &out)
				return out
			}
			found := call("search_catalog", map[string]any{"query": "alpina"})
			products, _ := found["products"].([]any)
			if len(products) != 1 || jget(products[0], "group") != "TRAIL-ALPINA" {
				t.Fatalf("search lists the group once: %v", found)
			}
			variants, _ := jget(products[0], "variants").([]any)
			if len(variants) != 6 || jget(variants[0], "id") != "TRAIL-BLU-40" || jget(variants[0], "options.size") != "40" ||
				jget(variants[0], "options.color") != "bleu" || jget(variants[0], "options.material") != nil ||
				jget(variants[0], "price") != 8900.0 || jget(variants[0], "available") != 3.0 {
				t.Fatalf("variants: %v", variants)
			}
			p := call("get_product", map[string]any{"id": "TRAIL-BLK-42"})
			if p["group"] != "TRAIL-ALPINA" || jget(p, "options.size") != "42" || jget(p, "options.color") != "noir" || len(p["variants"].([]any)) != 6 {
				t.Fatalf("get_product of a variant: %v", p)
			}
			if cap := call("get_product", map[string]any{"id": "CAP-01"}); cap["group"] != nil || cap["variants"] != nil {
				t.Fatalf("a product without variants: %v", cap)
			}
			c := call("create_checkout", map[string]any{"items": []any{map[string]any{"id": "TRAIL-BLK-42", "quantity": 1}}, "idempotency_key": "v1"})
			if jget(c, "items.0.id") != "TRAIL-BLK-42" || c["total"] == nil {
				t.Fatalf("checkout of the chosen variant: %v", c)
			}
			after := call("get_product", map[string]any{"id": "TRAIL-BLU-40"})
			for _, v := range after["variants"].([]any) {
				if jget(v, "id") == "TRAIL-BLK-42" && jget(v, "available") != 0.0 {
					t.Errorf("the reserved variant still shows available: %v", v)
				}
			}
		})
	}
}
