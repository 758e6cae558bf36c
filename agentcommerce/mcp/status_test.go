package mcp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
)

// wireCall is one raw tools/call over Streamable HTTP: the HTTP status,
// the Content-Type, and the JSON-RPC response (read from the JSON body
// or the SSE event).
type wireCall struct {
	status      int
	contentType string
	resp        map[string]any
}

func postTool(t *testing.T, srv *httptest.Server, agent, tool, args string) wireCall {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + args + `}}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/mcp/shop", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	req.Header.Set("Authorization", "Bearer key-one")
	if agent != "" {
		req.Header.Set("UCP-Agent", agent)
	}
	code, _, raw, hdr := agentcommercetest.Do(t, req)
	c := wireCall{status: code, contentType: hdr.Get("Content-Type")}
	text := string(raw)
	if strings.HasPrefix(c.contentType, "text/event-stream") {
		for _, line := range strings.Split(text, "\n") {
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				text = d
			}
		}
	}
	if err := json.Unmarshal([]byte(text), &c.resp); err != nil {
		t.Fatalf("%s %s: %d %q is no JSON-RPC response", tool, args, code, raw)
	}
	return c
}

// TestWireStatus: over Streamable HTTP, a JSON-RPC error of UCP's
// binding is sent with the HTTP status overview.md pairs with it (the
// REST binding's status for its code: 400 invalid_profile_url, 422
// version_unsupported, 404 not_found, 409 idempotency_conflict and
// finished, 400 for invalid params), as a plain application/json
// JSON-RPC response; results — business outcomes and tool errors
// included — stay 200. The UCP-Agent HTTP header names the platform as
// meta["ucp-agent"] does: it is enough for a binding call, its version
// is checked (also on a call with the flat arguments), and a header
// naming another platform than meta, or no profile, is refused. Every
// refusal changes nothing. Both databases.
func TestWireStatus(t *testing.T) {
	agentcommercetest.EachDB(t, func(t *testing.T, url string) {
		srv, _ := variantShop(t, url)
		const header = `profile="https://platform.example/.well-known/ucp"`
		meta := `"meta":{` + profile + `}`
		open := postTool(t, srv, "", "create_checkout", `{`+meta+`,"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":1}]}}`)
		id, _ := jsonPath(open.resp, "result", "structuredContent", "id").(string)
		if open.status != http.StatusOK || id == "" {
			t.Fatalf("create: %+v", open)
		}
		canceled := postTool(t, srv, "", "create_checkout", `{"items":[{"id":"T-BLU-42","quantity":1}]}`)
		canceledID, _ := jsonPath(canceled.resp, "result", "structuredContent", "id").(string)
		if c := postTool(t, srv, "", "cancel_checkout", `{"id":"`+canceledID+`"}`); jsonPath(c.resp, "result", "structuredContent", "status") != "canceled" {
			t.Fatalf("cancel: %+v", c)
		}
		old := `profile="https://platform.example/.well-known/ucp"; version="2026-01-23"`
		item := `"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":1}]}`
		paid := `"checkout":{"payment":{"instruments":[{"handler_id":"sandbox","credential":{"type":"token","token":"success_token"}}]}}`
		for _, tc := range []struct {
			name, agent, tool, args string
			status                  int
			rpc                     float64 // the JSON-RPC error's code; 0 for a result
			dataCode                string
		}{
			{"no profile anywhere", "", "create_checkout", `{` + item + `}`, 400, -32001, "invalid_profile_url"},
			{"old version in meta", "", "create_checkout", `{"meta":{"ucp-agent":{"profile":"https://p.example/ucp","version":"2026-01-23"}},` + item + `}`, 422, -32001, "version_unsupported"},
			{"old version in the header", old, "create_checkout", `{` + meta + `,` + item + `}`, 422, -32001, "version_unsupported"},
			{"old version in the header, flat arguments", old, "create_checkout", `{"items":[{"id":"MUG","quantity":1}]}`, 422, -32001, "version_unsupported"},
			{"old version in the header, catalog", old, "search_catalog", `{"query":"mug"}`, 422, -32001, "version_unsupported"},
			{"header without a profile", `version="2026-04-08"`, "create_checkout", `{` + item + `}`, 400, -32001, "invalid_profile_url"},
			{"header and meta name two platforms", `profile="https://other.example/ucp"`, "create_checkout", `{` + meta + `,` + item + `}`, 400, -32001, "invalid_profile_url"},
			{"quantity 0", "", "create_checkout", `{` + meta + `,"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":0}]}}`, 400, -32602, "invalid_request"},
			{"cancel without a key", "", "cancel_checkout", `{` + meta + `,"id":"` + id + `"}`, 400, -32602, ""},
			{"unknown checkout", "", "get_checkout", `{` + meta + `,"id":"chk_nope"}`, 404, -32000, "not_found"},
			{"complete a canceled checkout", "", "complete_checkout", `{"meta":{` + profile + `,"idempotency-key":"w1"},"id":"` + canceledID + `",` + paid + `}`, 409, -32000, "finished"},
			{"key reused with another body", "", "update_checkout", `{"meta":{` + profile + `,"idempotency-key":"w2"},"id":"` + id + `",` + item + `}`, 200, 0, ""},
			{"… and replayed with another", "", "update_checkout", `{"meta":{` + profile + `,"idempotency-key":"w2"},"id":"` + id + `","checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":2}]}}`, 409, -32000, "idempotency_conflict"},
			{"business outcome: out of stock", "", "create_checkout", `{` + meta + `,"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":9}]}}`, 200, 0, ""},
			{"tool error: flat unknown checkout", "", "get_checkout", `{"id":"chk_nope"}`, 200, 0, ""},
			{"the header alone names the platform", header, "create_checkout", `{` + item + `}`, 200, 0, ""},
			{"the header at the served version", header + `; version="` + ucp.Version + `"`, "get_checkout", `{` + meta + `,"id":"` + id + `"}`, 200, 0, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := postTool(t, srv, tc.agent, tc.tool, tc.args)
				if c.status != tc.status {
					t.Errorf("HTTP %d, want %d (%v)", c.status, tc.status, c.resp)
				}
				if tc.rpc == 0 {
					if c.resp["result"] == nil {
						t.Errorf("%v, want a result", c.resp)
					}
					return
				}
				if c.contentType != "application/json" || c.resp["id"] != 7.0 {
					t.Errorf("Content-Type %q, id %v: want the JSON-RPC response as application/json", c.contentType, c.resp["id"])
				}
				if got := jsonPath(c.resp, "error", "code"); got != tc.rpc {
					t.Errorf("JSON-RPC error %v, want %v (%v)", got, tc.rpc, c.resp)
				}
				if tc.dataCode != "" && jsonPath(c.resp, "error", "data", "code") != tc.dataCode {
					t.Errorf("error data %v, want code %s", jsonPath(c.resp, "error", "data"), tc.dataCode)
				}
			})
		}
		// Nothing was held by the refusals: the open checkout's mug and the
		// one the header-only create holds.
		cs := client(t, srv, "shop", "key-one")
		if m := callRaw(t, cs, "get_product", `{"id":"MUG"}`); m.out["available"] != 3.0 {
			t.Errorf("mugs free after the refusals: %v, want 3", m.out["available"])
		}
	})
}
