package mcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/mcp"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestAuthAndLimits: a bot whose MCP server has keys refuses a request
// without one or with another (401, with the scheme to use), serves one
// with a key, and limits each key (429 with Retry-After) while another
// key keeps its own allowance. A bot without MCP is 404.
func TestAuthAndLimits(t *testing.T) {
	db := agentcommercetest.OpenStore(t, agentcommercetest.SQLite(t))
	bot := &concierge.Bot{ID: "shop", Locales: []concierge.Locale{"en"}, Currency: "EUR", Products: []concierge.Product{
		{SKU: "MUG", Name: map[concierge.Locale]string{"en": "Mug"}, Price: concierge.Money{Minor: 900, Currency: "EUR"}, Stock: 5},
	}}
	svc := agentcommercetest.NewService(t, db, &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}}})
	h := mcp.New(mcp.Config{Service: svc, BaseURL: "http://shop.test", Profiles: newPlatforms(t).profiles(), Keys: map[concierge.BotID][]string{"shop": {"key-one", "key-two"}}, RatePerMinute: 1})
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	post := func(path, key string) (int, http.Header, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(initialize))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		code, out, _, hdr := agentcommercetest.Do(t, req)
		return code, hdr, out
	}
	// Refusals before the request is read are UCP's MCP protocol errors:
	// the HTTP status, and a JSON-RPC error -32000 saying why.
	if code, hdr, out := post("/mcp/shop", ""); code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") ||
		jsonPath(out, "error", "code") != -32000.0 || jsonPath(out, "error", "data", "code") != "unauthorized" {
		t.Fatalf("no key: %d %q %v, want 401 with WWW-Authenticate: Bearer and JSON-RPC error -32000", code, hdr.Get("WWW-Authenticate"), out)
	}
	if code, _, _ := post("/mcp/shop", "key-three"); code != http.StatusUnauthorized {
		t.Fatalf("unknown key: %d, want 401", code)
	}
	if code, _, _ := post("/mcp/other", "key-one"); code != http.StatusNotFound {
		t.Fatalf("a bot without MCP: %d, want 404", code)
	}
	// The burst is 5 at one request a minute: the sixth in a row waits.
	for i := range 5 {
		if code, _, _ := post("/mcp/shop", "key-one"); code != http.StatusOK {
			t.Fatalf("request %d with a key: %d, want 200", i+1, code)
		}
	}
	code, hdr, out := post("/mcp/shop", "key-one")
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || jsonPath(out, "error", "code") != -32000.0 || jsonPath(out, "error", "data", "retry_after") != 10.0 {
		t.Fatalf("sixth request: %d (Retry-After %q) %v, want 429 with Retry-After and JSON-RPC error -32000 with retry_after", code, hdr.Get("Retry-After"), out)
	}
	if code, _, _ := post("/mcp/shop", "key-two"); code != http.StatusOK {
		t.Fatalf("another key after the first was limited: %d, want 200", code)
	}
}

// client connects the go-sdk's client to the bot's MCP server at srv,
// with key as its bearer key (none when empty).
func client(t *testing.T, srv *httptest.Server, bot, key string) *sdk.ClientSession {
	t.Helper()
	hc := srv.Client()
	if key != "" {
		hc = &http.Client{Transport: bearer{key: key, next: http.DefaultTransport}}
	}
	c := sdk.NewClient(&sdk.Implementation{Name: "test-agent", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), &sdk.StreamableClientTransport{Endpoint: srv.URL + "/mcp/" + bot, HTTPClient: hc, DisableStandaloneSSE: true, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

type bearer struct {
	key  string
	next http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return b.next.RoundTrip(r)
}

// chatRank is the chat's ranked search over the live catalog, as
// server wires it into Shop.Rank.
func chatRank(live *atomic.Pointer[concierge.Bot]) func(string) []concierge.SKU {
	return func(q string) []concierge.SKU {
		b := live.Load()
		var out []concierge.SKU
		for _, h := range catalog.New(b.Products, b.Locales).Search(catalog.Query{Text: q}) {
			out = append(out, h.SKU)
		}
		return out
	}
}

// widgetURL is variantShop's web chat, the fallback continue_url.
const widgetURL = "http://shop.test/chat/shop"

// variantShop is a shop selling trail shoes in three variants and a mug,
// shipped at 4.90,
// its catalog read live from the returned pointer, served over MCP with
// bearer key "key-one".
func variantShop(t *testing.T, url string) (*httptest.Server, *atomic.Pointer[concierge.Bot]) {
	t.Helper()
	eur := func(m int64) concierge.Money { return concierge.Money{Minor: m, Currency: "EUR"} }
	shoe := func(sku, size, color string, price int64, stock int) concierge.Product {
		return concierge.Product{SKU: concierge.SKU(sku), Group: "TRAIL", Name: map[concierge.Locale]string{"en": "Trail shoes"}, Price: eur(price), Stock: stock,
			Attrs: map[string]string{"size": size, "color": color, "material": "mesh"}}
	}
	bot := &concierge.Bot{ID: "shop", Locales: []concierge.Locale{"en"}, Currency: "EUR", Products: []concierge.Product{
		shoe("T-BLU-41", "41", "blue", 8900, 2), shoe("T-BLU-42", "42", "blue", 8900, 4), shoe("T-BLK-42", "42", "black", 9200, 1),
		{SKU: "MUG", Name: map[concierge.Locale]string{"en": "Mug"}, Price: eur(900), Stock: 5},
	}}
	live := &atomic.Pointer[concierge.Bot]{}
	live.Store(bot)
	db := agentcommercetest.OpenStore(t, url)
	svc := agentcommercetest.NewService(t, db, &agentcommerce.Shop{Bot: bot, Live: live.Load, Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}},
		WidgetURL: widgetURL, Rank: chatRank(live),
		Shipping: []agentcommerce.ShippingOption{{ID: "standard", Title: map[concierge.Locale]string{"en": "Standard"}, Price: eur(490)}}})
	h := mcp.New(mcp.Config{Service: svc, BaseURL: "http://shop.test", Profiles: newPlatforms(t).profiles(), Keys: map[concierge.BotID][]string{"shop": {"key-one"}}})
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, live
}

// TestToolAnnotations: tools/list tells a client that the catalog tools
// (search_catalog, get_product, lookup_catalog)
// and get_checkout only read, that create_checkout only adds, and that
// update, complete and cancel change or spend what exists (destructive)
// but may be repeated with the same input; only complete reaches the
// payment provider outside the shop. The go-sdk client, with the bearer
// key, reads them.
func TestToolAnnotations(t *testing.T) {
	srv, _ := variantShop(t, agentcommercetest.SQLite(t))
	res, err := client(t, srv, "shop", "key-one").ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	type hints struct{ readOnly, destructive, idempotent, openWorld bool }
	want := map[string]hints{
		"search_catalog":    {readOnly: true, idempotent: true},
		"lookup_catalog":    {readOnly: true, idempotent: true},
		"get_product":       {readOnly: true, idempotent: true},
		"get_checkout":      {readOnly: true, idempotent: true},
		"create_checkout":   {},
		"update_checkout":   {destructive: true, idempotent: true},
		"complete_checkout": {destructive: true, idempotent: true, openWorld: true},
		"cancel_checkout":   {destructive: true, idempotent: true},
	}
	got := map[string]hints{}
	for _, tool := range res.Tools {
		a := tool.Annotations
		if a == nil || a.DestructiveHint == nil && !a.ReadOnlyHint || a.OpenWorldHint == nil || a.Title == "" {
			t.Errorf("%s: annotations %+v: every hint must be stated, with a title", tool.Name, a)
			continue
		}
		got[tool.Name] = hints{a.ReadOnlyHint, a.DestructiveHint != nil && *a.DestructiveHint, a.IdempotentHint, *a.OpenWorldHint}
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("%s: %+v, want %+v", name, g, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("tools %v, want %d", got, len(want))
	}
}

// TestVariantChoicesAndLiveCatalog: search_catalog lists the trail shoes
// once with the choices a buyer makes (size and color, not the material
// they share) and every variant; get_product of one variant says which
// it is; a product without variants has no choices; a price changed in
// the live catalog shows in the next call. Both databases.
func TestVariantChoicesAndLiveCatalog(t *testing.T) {
	agentcommercetest.EachDB(t, func(t *testing.T, url string) {
		srv, live := variantShop(t, url)
		cs := client(t, srv, "shop", "key-one")
		call := func(name string, args any) map[string]any {
			t.Helper()
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
			if err != nil || res.IsError {
				t.Fatalf("%s: %v %+v", name, err, res)
			}
			var out map[string]any
			b, _ := json.Marshal(res.StructuredContent)
			json.Unmarshal(b, &out)
			return out
		}
		found := call("search_catalog", map[string]any{"query": "trail"})
		b, _ := json.Marshal(found["products"])
		var products []mcp.Product
		if err := json.Unmarshal(b, &products); err != nil || len(products) != 1 {
			t.Fatalf("search lists the group once: %s", b)
		}
		p := products[0]
		if c, _ := json.Marshal(p.Choices); string(c) != `[{"name":"color","values":["blue","black"]},{"name":"size","values":["41","42"]}]` {
			t.Errorf("choices %s", c)
		}
		if len(p.Variants) != 3 || p.Variants[2].ID != "T-BLK-42" || p.Variants[2].Options["color"] != "black" || p.Variants[2].Price != 9200 || p.Variants[2].Available != 1 {
			t.Errorf("variants %+v", p.Variants)
		}
		got := call("get_product", map[string]any{"id": "T-BLK-42"})
		if got["id"] != "T-BLK-42" || got["options"].(map[string]any)["size"] != "42" || len(got["choices"].([]any)) != 2 {
			t.Errorf("get_product of a variant: %v", got)
		}
		if mug := call("get_product", map[string]any{"id": "MUG"}); mug["choices"] != nil || mug["variants"] != nil || mug["price"] != 900.0 {
			t.Errorf("a product without variants: %v", mug)
		}
		next := *live.Load()
		next.Products = slices.Clone(next.Products)
		next.Products[3].Price.Minor = 1100
		live.Store(&next)
		if mug := call("get_product", map[string]any{"id": "MUG"}); mug["price"] != 1100.0 {
			t.Errorf("get_product after the price change: %v", mug["price"])
		}
		if s := call("search_catalog", map[string]any{"query": "mug"}); jsonPath(s, "products", 0, "price") != 1100.0 {
			t.Errorf("search after the price change: %v", s)
		}
	})
}

func jsonPath(v any, path ...any) any {
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// TestUCPBinding: an agent speaking UCP's MCP binding (checkout-mcp.md)
// buys with only its arguments — meta with the idempotency key and UCP's
// checkout object, with the ids and fields the spec's examples carry —
// and gets UCP's checkout object back (envelope, line items, totals,
// fulfillment, order); a retry under the same meta key is the same
// checkout; mixing the flat arguments with checkout is refused and
// creates nothing. Both databases.
func TestUCPBinding(t *testing.T) {
	agentcommercetest.EachDB(t, func(t *testing.T, url string) {
		srv, _ := variantShop(t, url)
		cs := client(t, srv, "shop", "key-one")
		call := func(name, args string) (map[string]any, bool) {
			t.Helper()
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: json.RawMessage(args)})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var out map[string]any
			b, _ := json.Marshal(res.StructuredContent)
			json.Unmarshal(b, &out)
			if res.IsError {
				b, _ := json.Marshal(res.Content)
				return map[string]any{"error": string(b)}, true
			}
			return out, false
		}
		create := `{"meta":{"ucp-agent":{"profile":"https://platform.example/.well-known/ucp"},"idempotency-key":"u-create"},
			"checkout":{"currency":"EUR","buyer":{"email":"jane@example.com","first_name":"Jane"},
			"line_items":[{"id":"li_1","item":{"id":"MUG","price":1},"quantity":2}],
			"fulfillment":{"methods":[{"id":"shipping_1","type":"shipping","line_item_ids":["li_1"],
				"destinations":[{"id":"dest_home","street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
				"groups":[{"id":"package_1","selected_option_id":"standard"}]}]}}}`
		c, failed := call("create_checkout", create)
		if failed || c["status"] != "ready_for_complete" || jsonPath(c, "ucp", "version") != ucp.Version ||
			jsonPath(c, "line_items", 0, "item", "id") != "MUG" || jsonPath(c, "line_items", 0, "item", "price") != 900.0 ||
			jsonPath(c, "totals", 2, "type") != "total" || jsonPath(c, "totals", 2, "amount") != 2290.0 ||
			jsonPath(c, "fulfillment", "methods", 0, "groups", 0, "selected_option_id") != "standard" || c["total"] != 2290.0 {
			t.Fatalf("create over the UCP binding: %v", c)
		}
		again, _ := call("create_checkout", create)
		if again["id"] != c["id"] {
			t.Fatalf("the same meta idempotency-key made another checkout: %v then %v", c["id"], again["id"])
		}
		_, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "create_checkout", Arguments: json.RawMessage(
			`{"meta":{"ucp-agent":{"profile":"https://platform.example/.well-known/ucp"}},"items":[{"id":"MUG","quantity":1}],"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":1}]}}`)})
		if wire := (*jsonrpc.Error)(nil); !errors.As(err, &wire) || wire.Code != jsonrpc.CodeInvalidParams || !strings.Contains(wire.Message, "not both") {
			t.Errorf("flat and UCP arguments together: %v, want JSON-RPC invalid params", err)
		}
		done, failed := call("complete_checkout", `{"meta":{"ucp-agent":{"profile":"https://platform.example/.well-known/ucp"},"idempotency-key":"u-complete"},"id":"`+c["id"].(string)+`",
			"checkout":{"payment":{"instruments":[{"id":"pi_1","handler_id":"sandbox","type":"card","credential":{"type":"token","token":"success_token"}}]}}}`)
		if failed || done["status"] != "completed" || jsonPath(done, "order", "id") == nil || jsonPath(done, "order", "id") != done["order_id"] {
			t.Fatalf("complete over the UCP binding: %v", done)
		}
		// Only the one checkout holds stock: 5 mugs, 2 bought.
		if m, _ := call("get_product", `{"id":"MUG"}`); m["available"] != 3.0 {
			t.Errorf("mugs left: %v, want 3", m["available"])
		}
	})
}

// TestUCPCatalogBinding: over UCP's catalog MCP binding, search_catalog
// with a catalog argument answers UCP's search response (the trail shoes
// one product with its three variants, a cursor for the next page),
// lookup_catalog resolves a group and a variant with their inputs and
// names an unknown id, get_product narrows by a selection and answers an
// unknown id with UCP's not_found (not a tool error), and a refused request (too many ids, a forged
// cursor, both argument shapes) is JSON-RPC's invalid params or a tool
// error. Both databases.
func TestUCPCatalogBinding(t *testing.T) {
	agentcommercetest.EachDB(t, func(t *testing.T, url string) {
		srv, _ := variantShop(t, url)
		cs := client(t, srv, "shop", "key-one")
		call := func(name, args string) (map[string]any, *sdk.CallToolResult, error) {
			t.Helper()
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: json.RawMessage(args)})
			var out map[string]any
			if res != nil {
				b, _ := json.Marshal(res.StructuredContent)
				json.Unmarshal(b, &out)
			}
			return out, res, err
		}
		meta := `"meta":{"ucp-agent":{"profile":"https://platform.example/.well-known/ucp"}}`
		out, res, err := call("search_catalog", `{`+meta+`,"catalog":{"query":"trail","context":{"address_country":"FR","intent":"running"},"pagination":{"limit":10}}}`)
		if err != nil || res.IsError || jsonPath(out, "ucp", "version") != ucp.Version || jsonPath(out, "products", 0, "id") != "TRAIL" ||
			len(jsonPath(out, "products", 0, "variants").([]any)) != 3 || jsonPath(out, "products", 0, "variants", 2, "price", "amount") != 9200.0 ||
			jsonPath(out, "pagination", "total_count") != 1.0 {
			b, _ := json.Marshal(res)
			t.Fatalf("search over the UCP binding: %v %s %v", err, b, out)
		}
		out, _, _ = call("search_catalog", `{`+meta+`,"catalog":{"filters":{"price":{"min":100}},"pagination":{"limit":1}}}`)
		if jsonPath(out, "pagination", "has_next_page") != true || jsonPath(out, "pagination", "cursor") == nil {
			t.Errorf("first page of one: %v", out["pagination"])
		}
		out, res, err = call("lookup_catalog", `{`+meta+`,"catalog":{"ids":["T-BLK-42","TRAIL","NOPE"]}}`)
		if err != nil || res.IsError || len(out["products"].([]any)) != 1 || len(jsonPath(out, "products", 0, "variants").([]any)) != 2 ||
			jsonPath(out, "products", 0, "variants", 1, "inputs", 0, "match") != "exact" || jsonPath(out, "messages", 0, "content") != "NOPE" {
			t.Fatalf("lookup over the UCP binding: %v %v %v", err, res, out)
		}
		out, res, err = call("get_product", `{`+meta+`,"catalog":{"id":"TRAIL","selected":[{"name":"color","label":"black"}]}}`)
		if err != nil || res.IsError || jsonPath(out, "product", "id") != "TRAIL" || len(jsonPath(out, "product", "variants").([]any)) != 1 ||
			jsonPath(out, "product", "variants", 0, "id") != "T-BLK-42" || jsonPath(out, "product", "selected", 0, "label") != "black" {
			t.Fatalf("get_product over the UCP binding: %v %v %v", err, res, out)
		}
		out, res, err = call("get_product", `{`+meta+`,"catalog":{"id":"NOPE"}}`)
		if err != nil || res.IsError || jsonPath(out, "ucp", "status") != "error" || jsonPath(out, "messages", 0, "severity") != "unrecoverable" {
			t.Errorf("get_product of an unknown id over the UCP binding: %v %v %v, want ucp.status error", err, res, out)
		}
		for _, args := range []string{`{` + meta + `,"id":"MUG","catalog":{"id":"MUG"}}`, `{}`} {
			if _, res, err := call("get_product", args); err != nil || !res.IsError {
				t.Errorf("get_product %s: %v %+v, want a tool error", args, err, res)
			}
		}
		many := make([]string, 51)
		for i := range many {
			many[i] = `"id-` + strconv.Itoa(i) + `"`
		}
		for name, args := range map[string]string{
			"too many ids":    `{` + meta + `,"catalog":{"ids":[` + strings.Join(many, ",") + `]}}`,
			"forged cursor":   `{` + meta + `,"catalog":{"query":"trail","pagination":{"cursor":"zzz"}}}`,
			"nothing to find": `{` + meta + `,"catalog":{}}`,
		} {
			tool := "search_catalog"
			if strings.Contains(args, "ids") {
				tool = "lookup_catalog"
			}
			_, _, err := call(tool, args)
			var wire *jsonrpc.Error
			if !errors.As(err, &wire) || wire.Code != jsonrpc.CodeInvalidParams {
				t.Errorf("%s: %v, want JSON-RPC invalid params", name, err)
			}
		}
		if _, res, err := call("search_catalog", `{`+meta+`,"query":"trail","catalog":{"query":"trail"}}`); err != nil || !res.IsError {
			t.Errorf("both argument shapes: %v %+v, want a tool error", err, res)
		}
	})
}
