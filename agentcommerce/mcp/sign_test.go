package mcp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
	"github.com/conciergehq/concierge/agentcommerce/mcp"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
)

// TestResponsesSigned: every response of the MCP server of a bot with a
// UCP signing key is signed as checkout-mcp.md's "Response Signing"
// says (the REST binding's algorithm: @status, content-digest and
// content-type, Content-Digest of the body sent), and verifies with the
// key the bot's business profile publishes and not with another under
// its kid: a checkout created and completed (SSE results), an unknown
// checkout (a JSON-RPC error sent with its status) and a request without
// the bearer key (401). A bot without a key signs nothing. Both
// databases.
func TestResponsesSigned(t *testing.T) {
	act.EachDB(t, func(t *testing.T, dbURL string) {
		db := act.OpenStore(t, dbURL)
		shop := func(id concierge.BotID) *agentcommerce.Shop {
			return &agentcommerce.Shop{Bot: &concierge.Bot{ID: id, Locales: []concierge.Locale{"en"}, Currency: "EUR", Products: []concierge.Product{
				{SKU: "EBOOK", Name: map[concierge.Locale]string{"en": "Ebook"}, Price: concierge.Money{Minor: 900, Currency: "EUR"}, Stock: 5, Digital: true},
			}, Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}, Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}}}
		}
		svc := act.NewService(t, db, shop("shop"), shop("plain"))
		biz, err := httpsig.GenerateES256()
		if err != nil {
			t.Fatal(err)
		}
		keys := map[concierge.BotID]*httpsig.PrivateKey{"shop": biz}
		profiles := newPlatforms(t).profiles()
		mux := http.NewServeMux()
		mcp.New(mcp.Config{Service: svc, BaseURL: "http://shop.test", Keys: map[concierge.BotID][]string{"shop": {"key-one"}, "plain": {"key-one"}},
			Profiles: profiles, SigningKeys: keys}).Register(mux)
		ucp.New(ucp.Config{Service: svc, BaseURL: "http://shop.test", Bots: []concierge.BotID{"shop"}, MCP: map[concierge.BotID]bool{"shop": true},
			SigningKeys: keys, Keys: profiles}).Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()

		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/ucp/shop/.well-known/ucp", nil)
		code, prof, _, _ := act.Do(t, req)
		var published []httpsig.JWK
		b, _ := json.Marshal(prof["signing_keys"])
		if err := json.Unmarshal(b, &published); code != http.StatusOK || err != nil || len(published) != 1 {
			t.Fatalf("the business profile's signing_keys: %d %s %v", code, b, err)
		}
		other, err := httpsig.GenerateES256()
		if err != nil {
			t.Fatal(err)
		}
		forged := other.JWK()
		forged.Kid = published[0].Kid

		call := func(bot, bearer, tool, args string) (int, http.Header, []byte) {
			t.Helper()
			body := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + args + `}}`
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/mcp/"+bot, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
			if bearer != "" {
				req.Header.Set("Authorization", "Bearer "+bearer)
			}
			code, _, raw, hdr := act.Do(t, req)
			return code, hdr, raw
		}
		meta := `"meta":{"ucp-agent":{"profile":"https://platform.example/ucp"}`
		code, hdr, raw := call("shop", "key-one", "create_checkout", `{`+meta+`},"checkout":{"line_items":[{"item":{"id":"EBOOK"},"quantity":1}],"buyer":{"email":"jane@example.com"}}}`)
		id := ""
		for _, line := range strings.Split(string(raw), "\n") {
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				var r map[string]any
				json.Unmarshal([]byte(d), &r)
				id, _ = jsonPath(r, "result", "structuredContent", "id").(string)
			}
		}
		if code != http.StatusOK || id == "" {
			t.Fatalf("create: %d %s", code, raw)
		}
		type response struct {
			name   string
			status int
			header http.Header
			body   []byte
		}
		responses := []response{{"create", code, hdr, raw}}
		code, hdr, raw = call("shop", "key-one", "complete_checkout", `{`+meta+`,"idempotency-key":"k-1"},"id":"`+id+`",
			"checkout":{"payment":{"instruments":[{"id":"pi_1","handler_id":"sandbox","type":"card","credential":{"type":"token","token":"success_token"}}]}}}`)
		if code != http.StatusOK || !strings.Contains(string(raw), `"status":"completed"`) {
			t.Fatalf("complete: %d %s", code, raw)
		}
		responses = append(responses, response{"complete", code, hdr, raw})
		code, hdr, raw = call("shop", "key-one", "get_checkout", `{`+meta+`},"id":"chk_unknown"}`)
		if code != http.StatusNotFound {
			t.Fatalf("unknown checkout: %d %s", code, raw)
		}
		responses = append(responses, response{"unknown checkout", code, hdr, raw})
		code, hdr, raw = call("shop", "", "get_checkout", `{`+meta+`},"id":"`+id+`"}`)
		if code != http.StatusUnauthorized {
			t.Fatalf("no bearer key: %d %s", code, raw)
		}
		responses = append(responses, response{"no bearer key", code, hdr, raw})

		covers := []string{"@status", "content-digest", "content-type"}
		for _, r := range responses {
			if err := httpsig.CheckDigest(r.header.Get("Content-Digest"), r.body); err != nil {
				t.Errorf("%s: Content-Digest: %v", r.name, err)
			}
			m := httpsig.Message{Status: r.status, Header: r.header}
			if _, err := httpsig.Verify(m, published, covers, time.Now()); err != nil {
				t.Errorf("%s (%d %s): does not verify with the business profile's key: %v (%s)", r.name, r.status, r.header.Get("Content-Type"), err, r.header.Get("Signature-Input"))
			}
			if _, err := httpsig.Verify(m, []httpsig.JWK{forged}, covers, time.Now()); err == nil {
				t.Errorf("%s: verifies with another key under the business's kid", r.name)
			}
		}
		if _, hdr, raw := call("plain", "key-one", "create_checkout", `{"items":[{"id":"EBOOK","quantity":1}]}`); hdr.Get("Signature") != "" || hdr.Get("Signature-Input") != "" {
			t.Errorf("a bot without a signing key signed its response: %v %s", hdr, raw)
		}
	})
}
