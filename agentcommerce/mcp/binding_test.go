package mcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

const profile = `"ucp-agent":{"profile":"https://platform.example/.well-known/ucp"}`

// bindingCall is one tool call and what came back: the result's
// structured content (nil for a JSON-RPC error), whether it is a tool
// error, and the JSON-RPC error.
type bindingCall struct {
	out     map[string]any
	isError bool
	wire    *jsonrpc.Error
	data    map[string]any // the JSON-RPC error's data
}

func callRaw(t *testing.T, cs *sdk.ClientSession, name, args string) bindingCall {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: json.RawMessage(args)})
	var c bindingCall
	if err != nil {
		if !errors.As(err, &c.wire) {
			t.Fatalf("%s %s: %v, not a JSON-RPC error", name, args, err)
		}
		json.Unmarshal(c.wire.Data, &c.data)
		return c
	}
	c.isError = res.IsError
	b, _ := json.Marshal(res.StructuredContent)
	json.Unmarshal(b, &c.out)
	return c
}

// TestBindingMeta: a call that speaks UCP's MCP binding (it carries meta,
// checkout or catalog) must name the platform in meta["ucp-agent"]
// (checkout-mcp.md: required on all requests) and may state the
// protocol version it speaks, checked as the REST binding checks
// UCP-Agent (ucp.RefuseVersion); complete_checkout and cancel_checkout
// also need meta["idempotency-key"] (mcp.openrpc.json). Refusals are the
// JSON-RPC errors overview.md gives for MCP — -32001 with data {code,
// content, continue_url} for invalid_profile_url and version_unsupported,
// invalid params for the missing key — and change nothing: no stock is
// held and the open checkout is neither changed, paid nor canceled.
// Calls with Concierge's flat arguments need no meta, and the current
// version is served. Both databases.
func TestBindingMeta(t *testing.T) {
	agentcommercetest.EachDB(t, func(t *testing.T, url string) {
		srv, _ := variantShop(t, url)
		cs := client(t, srv, "shop", "key-one")
		open := callRaw(t, cs, "create_checkout", `{"items":[{"id":"MUG","quantity":1}]}`)
		id, _ := open.out["id"].(string)
		if id == "" || open.isError {
			t.Fatalf("flat create without meta: %+v", open)
		}
		old := `"ucp-agent":{"profile":"https://platform.example/.well-known/ucp","version":"2026-01-23"}`
		item := `"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":1}]}`
		pay := `"checkout":{"payment":{"instruments":[{"handler_id":"sandbox","credential":{"type":"token","token":"success_token"}}]}}`
		for _, tc := range []struct {
			name, tool, args string
			code             int64
			dataCode         string // the error data's code, for -32001
		}{
			{"checkout without meta", "create_checkout", `{` + item + `}`, -32001, "invalid_profile_url"},
			{"meta without ucp-agent", "create_checkout", `{"meta":{"idempotency-key":"k1"},` + item + `}`, -32001, "invalid_profile_url"},
			{"blank profile", "create_checkout", `{"meta":{"ucp-agent":{"profile":" "}},` + item + `}`, -32001, "invalid_profile_url"},
			{"old version on create", "create_checkout", `{"meta":{` + old + `},` + item + `}`, -32001, "version_unsupported"},
			{"future version on create", "create_checkout", `{"meta":{"ucp-agent":{"profile":"https://p.example/ucp","version":"2099-01-01"}},` + item + `}`, -32001, "version_unsupported"},
			{"flat arguments with an old version", "create_checkout", `{"meta":{` + old + `},"items":[{"id":"MUG","quantity":1}]}`, -32001, "version_unsupported"},
			{"old version on get", "get_checkout", `{"meta":{` + old + `},"id":"` + id + `"}`, -32001, "version_unsupported"},
			{"old version on update", "update_checkout", `{"meta":{` + old + `},"id":"` + id + `",` + item + `}`, -32001, "version_unsupported"},
			{"old version on complete", "complete_checkout", `{"meta":{` + old + `,"idempotency-key":"k2"},"id":"` + id + `",` + pay + `}`, -32001, "version_unsupported"},
			{"old version on cancel", "cancel_checkout", `{"meta":{` + old + `,"idempotency-key":"k3"},"id":"` + id + `"}`, -32001, "version_unsupported"},
			{"complete without meta", "complete_checkout", `{"id":"` + id + `",` + pay + `}`, -32001, "invalid_profile_url"},
			{"complete without idempotency-key", "complete_checkout", `{"meta":{` + profile + `},"id":"` + id + `",` + pay + `}`, jsonrpc.CodeInvalidParams, ""},
			{"cancel without idempotency-key", "cancel_checkout", `{"meta":{` + profile + `},"id":"` + id + `"}`, jsonrpc.CodeInvalidParams, ""},
			{"old version on search", "search_catalog", `{"meta":{` + old + `},"catalog":{"query":"mug"}}`, -32001, "version_unsupported"},
			{"catalog search without meta", "search_catalog", `{"catalog":{"query":"mug"}}`, -32001, "invalid_profile_url"},
			{"lookup without meta", "lookup_catalog", `{"catalog":{"ids":["MUG"]}}`, -32001, "invalid_profile_url"},
			{"old version on get_product", "get_product", `{"meta":{` + old + `},"catalog":{"id":"MUG"}}`, -32001, "version_unsupported"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := callRaw(t, cs, tc.tool, tc.args)
				if c.wire == nil || c.wire.Code != tc.code {
					t.Fatalf("%+v, want JSON-RPC error %d", c, tc.code)
				}
				if tc.dataCode == "" {
					return
				}
				if c.data["code"] != tc.dataCode || c.data["continue_url"] != widgetURL {
					t.Errorf("error data %v, want code %s and continue_url %s", c.data, tc.dataCode, widgetURL)
				}
				if content, _ := c.data["content"].(string); tc.dataCode == "version_unsupported" && !strings.Contains(content, ucp.Version) {
					t.Errorf("content %q does not name the version served", content)
				}
			})
		}
		// Nothing changed: the one mug of the open checkout is all that is
		// held, and the checkout is as it was.
		if m := callRaw(t, cs, "get_product", `{"id":"MUG"}`); m.out["available"] != 4.0 {
			t.Errorf("mugs free after the refusals: %v, want 4", m.out["available"])
		}
		if got := callRaw(t, cs, "get_checkout", `{"id":"`+id+`"}`); got.out["status"] != open.out["status"] || got.out["total"] != open.out["total"] {
			t.Errorf("the open checkout after the refusals: %v, want %v", got.out, open.out)
		}
		// The version served, as a member of ucp-agent, is accepted.
		cur := `{"meta":{"ucp-agent":{"profile":"https://platform.example/.well-known/ucp","version":"` + ucp.Version + `"},"idempotency-key":"k4"},"id":"` + id + `"}`
		if c := callRaw(t, cs, "cancel_checkout", cur); c.wire != nil || c.isError || c.out["status"] != "canceled" {
			t.Errorf("cancel at version %s: %+v", ucp.Version, c)
		}
	})
}

// TestBindingOutcomes: over UCP's MCP binding, business outcomes are the
// tool's result with UCP's envelope (ucp.status "error", messages with
// the REST binding's codes, continue_url), not tool errors, as
// checkout-mcp.md's "Business Outcomes" says; protocol errors are
// JSON-RPC errors whose data is the REST binding's {code, content};
// with Concierge's flat arguments the same refusals stay tool errors
// (isError) the model reads. None changes the stock or the checkout.
// Both databases.
func TestBindingOutcomes(t *testing.T) {
	agentcommercetest.EachDB(t, func(t *testing.T, url string) {
		srv, _ := variantShop(t, url)
		cs := client(t, srv, "shop", "key-one")
		meta := func(key string) string {
			if key == "" {
				return `"meta":{` + profile + `}`
			}
			return `"meta":{` + profile + `,"idempotency-key":"` + key + `"}`
		}
		// ready: two mugs to Lyon with a buyer; bare: one mug, no buyer.
		ready := callRaw(t, cs, "create_checkout", `{`+meta("c1")+`,"checkout":{"buyer":{"email":"jane@example.com"},
			"line_items":[{"item":{"id":"MUG"},"quantity":2}],
			"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
			"groups":[{"selected_option_id":"standard"}]}]}}}`)
		bare := callRaw(t, cs, "create_checkout", `{`+meta("c2")+`,"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":1}]}}`)
		canceled := callRaw(t, cs, "create_checkout", `{"items":[{"id":"T-BLU-42","quantity":1}]}`)
		if ready.out["status"] != "ready_for_complete" || bare.out["status"] != "incomplete" || canceled.out["id"] == nil {
			t.Fatalf("setup: %v / %v / %v", ready.out, bare.out, canceled.out)
		}
		readyID, bareID, canceledID := ready.out["id"].(string), bare.out["id"].(string), canceled.out["id"].(string)
		if c := callRaw(t, cs, "cancel_checkout", `{"id":"`+canceledID+`"}`); c.out["status"] != "canceled" {
			t.Fatalf("cancel: %+v", c)
		}
		declined := `"checkout":{"payment":{"instruments":[{"handler_id":"sandbox","credential":{"type":"token","token":"fail_token"}}]}}`
		paid := `"checkout":{"payment":{"instruments":[{"handler_id":"sandbox","credential":{"type":"token","token":"success_token"}}]}}`
		for _, tc := range []struct {
			name, tool, args string
			business         string // the message's code of a business outcome
			wire             int64  // else the JSON-RPC error's code
			dataCode         string // and its data's code
			toolError        bool   // else a tool error (flat arguments)
		}{
			{name: "out of stock on create", tool: "create_checkout", args: `{` + meta("o1") + `,"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":4}]}}`, business: "out_of_stock"},
			{name: "unknown item on create", tool: "create_checkout", args: `{` + meta("o2") + `,"checkout":{"line_items":[{"item":{"id":"NOPE"},"quantity":1}]}}`, business: "item_unavailable"},
			{name: "out of stock on update", tool: "update_checkout", args: `{` + meta("") + `,"id":"` + bareID + `","checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":9}]}}`, business: "out_of_stock"},
			{name: "payment declined", tool: "complete_checkout", args: `{` + meta("o3") + `,"id":"` + readyID + `",` + declined + `}`, business: "payment_failed"},
			{name: "missing buyer and address", tool: "complete_checkout", args: `{` + meta("o4") + `,"id":"` + bareID + `",` + paid + `}`, business: "missing"},
			{name: "quantity 0", tool: "create_checkout", args: `{` + meta("o5") + `,"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":0}]}}`, wire: jsonrpc.CodeInvalidParams, dataCode: "invalid_request"},
			{name: "another currency", tool: "create_checkout", args: `{` + meta("o6") + `,"checkout":{"currency":"USD","line_items":[{"item":{"id":"MUG"},"quantity":1}]}}`, wire: jsonrpc.CodeInvalidParams, dataCode: "invalid_request"},
			{name: "unknown checkout", tool: "get_checkout", args: `{` + meta("") + `,"id":"chk_nope"}`, wire: -32000, dataCode: "not_found"},
			{name: "complete a canceled checkout", tool: "complete_checkout", args: `{` + meta("o7") + `,"id":"` + canceledID + `",` + paid + `}`, wire: -32000, dataCode: "finished"},
			{name: "key reused with another body", tool: "create_checkout", args: `{` + meta("c1") + `,"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":1}]}}`, wire: -32000, dataCode: "idempotency_conflict"},
			{name: "flat: out of stock", tool: "create_checkout", args: `{"items":[{"id":"MUG","quantity":4}]}`, toolError: true},
			{name: "flat: payment declined", tool: "complete_checkout", args: `{"id":"` + readyID + `","payment_handler":"sandbox","payment_token":"fail_token"}`, toolError: true},
			{name: "flat: unknown checkout", tool: "get_checkout", args: `{"id":"chk_nope"}`, toolError: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := callRaw(t, cs, tc.tool, tc.args)
				switch {
				case tc.business != "":
					if c.wire != nil || c.isError || jsonPath(c.out, "ucp", "status") != "error" || jsonPath(c.out, "ucp", "version") != ucp.Version ||
						jsonPath(c.out, "messages", 0, "type") != "error" || jsonPath(c.out, "messages", 0, "code") != tc.business || c.out["continue_url"] != widgetURL {
						t.Errorf("%+v, want a result with ucp.status error and message %s", c, tc.business)
					}
				case tc.toolError:
					if c.wire != nil || !c.isError {
						t.Errorf("%+v, want a tool error", c)
					}
				default:
					if c.wire == nil || c.wire.Code != tc.wire || c.data["code"] != tc.dataCode || c.data["content"] == "" {
						t.Errorf("%+v, want JSON-RPC error %d with data code %s", c, tc.wire, tc.dataCode)
					}
				}
			})
		}
		// 2 + 1 mugs held by the open checkouts, nothing by the refusals;
		// ready is still open and unpaid.
		if m := callRaw(t, cs, "get_product", `{"id":"MUG"}`); m.out["available"] != 2.0 {
			t.Errorf("mugs free: %v, want 2", m.out["available"])
		}
		if got := callRaw(t, cs, "get_checkout", `{`+meta("")+`,"id":"`+readyID+`"}`); got.out["status"] != "ready_for_complete" {
			t.Errorf("the ready checkout after a declined payment: %v", got.out["status"])
		}
	})
}

// TestSearchRanked: search_catalog, with the flat query and with UCP's
// catalog argument, finds products as the chat's search does (the shop's
// Rank): a plural and a misspelling the word match missed, and the
// variant a size names first among its group's. Both databases.
func TestSearchRanked(t *testing.T) {
	agentcommercetest.EachDB(t, func(t *testing.T, url string) {
		srv, _ := variantShop(t, url)
		cs := client(t, srv, "shop", "key-one")
		for _, tc := range []struct{ args, path, want string }{
			{`{"query":"mugs"}`, "products.0.id", "MUG"},
			{`{"query":"trial shoes"}`, "products.0.group", "TRAIL"},
			{`{"meta":{` + profile + `},"catalog":{"query":"mugs"}}`, "products.0.id", "MUG"},
			{`{"meta":{` + profile + `},"catalog":{"query":"shoes 42 black"}}`, "products.0.variants.0.id", "T-BLK-42"},
		} {
			c := callRaw(t, cs, "search_catalog", tc.args)
			var path []any
			for _, k := range strings.Split(tc.path, ".") {
				if k == "0" {
					path = append(path, 0)
				} else {
					path = append(path, k)
				}
			}
			if c.wire != nil || c.isError || jsonPath(c.out, path...) != tc.want {
				t.Errorf("search_catalog %s: %s = %v, want %s (%+v)", tc.args, tc.path, jsonPath(c.out, path...), tc.want, c)
			}
		}
	})
}
