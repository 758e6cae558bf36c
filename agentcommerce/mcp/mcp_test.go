package mcp_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/mcp"
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
	h := mcp.New(mcp.Config{Service: svc, BaseURL: "http://shop.test", Keys: map[concierge.BotID][]string{"shop": {"key-one", "key-two"}}, RatePerMinute: 1})
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	post := func(path, key string) (int, http.Header) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(initialize))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		code, _, _, hdr := agentcommercetest.Do(t, req)
		return code, hdr
	}
	if code, hdr := post("/mcp/shop", ""); code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("no key: %d %q, want 401 with WWW-Authenticate: Bearer", code, hdr.Get("WWW-Authenticate"))
	}
	if code, _ := post("/mcp/shop", "key-three"); code != http.StatusUnauthorized {
		t.Fatalf("unknown key: %d, want 401", code)
	}
	if code, _ := post("/mcp/other", "key-one"); code != http.StatusNotFound {
		t.Fatalf("a bot without MCP: %d, want 404", code)
	}
	// The burst is 5 at one request a minute: the sixth in a row waits.
	for i := range 5 {
		if code, _ := post("/mcp/shop", "key-one"); code != http.StatusOK {
			t.Fatalf("request %d with a key: %d, want 200", i+1, code)
		}
	}
	code, hdr := post("/mcp/shop", "key-one")
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Fatalf("sixth request: %d (Retry-After %q), want 429 with Retry-After", code, hdr.Get("Retry-After"))
	}
	if code, _ := post("/mcp/shop", "key-two"); code != http.StatusOK {
		t.Fatalf("another key after the first was limited: %d, want 200", code)
	}
}
