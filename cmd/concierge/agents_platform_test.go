package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// fakePlatform is a UCP platform on a local TLS server: its profile at
// /.well-known/ucp (version, its signing key, and the order capability's
// webhook at /webhooks/orders), whose fetches it counts, and that
// webhook, which hands every request it gets to hits and answers 503
// while down.
type fakePlatform struct {
	srv     *httptest.Server
	key     *httpsig.PrivateKey
	fetches atomic.Int32
	down    atomic.Bool
	hits    chan platformHit
}

// platformHit is one request the platform's webhook received.
type platformHit struct {
	method, host, path, query string
	header                    http.Header
	body                      []byte
}

func newFakePlatform(t *testing.T) *fakePlatform {
	t.Helper()
	key, err := httpsig.GenerateES256()
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePlatform{key: key, hits: make(chan platformHit, 16)}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/ucp":
			p.fetches.Add(1)
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{
				"ucp": map[string]any{"version": ucp.Version, "capabilities": map[string]any{
					ucp.OrderCapability: []any{map[string]any{"version": ucp.Version, "config": map[string]any{"webhook_url": p.srv.URL + "/webhooks/orders"}}}}},
				"signing_keys": []httpsig.JWK{key.JWK()}})
		case "/webhooks/orders":
			b, _ := io.ReadAll(r.Body)
			p.hits <- platformHit{r.Method, r.Host, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), b}
			if p.down.Load() {
				http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte(`{}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// profile is the platform's profile URL.
func (p *fakePlatform) profile() string { return p.srv.URL + "/.well-known/ucp" }

// hit waits for the webhook's next request.
func (p *fakePlatform) hit(t *testing.T, what string) platformHit {
	t.Helper()
	select {
	case h := <-p.hits:
		return h
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: nothing reached the platform's webhook within 30 s", what)
		return platformHit{}
	}
}

// platformShop starts the sample shop with agents (the UCP section
// replaced by ucpSection), on db, reaching p with p's client (profiles
// and order events), its order events retried at once up to attempts.
func platformShop(t *testing.T, db string, p *fakePlatform, ucpSection string, attempts int) *shop {
	t.Helper()
	dbURL := tempSQLite(t)
	if db == "postgres" {
		dbURL = testenv.PostgresURL(t)
	}
	cfg := sampleBot(t) + strings.Replace(agentsSection, `ucp: { enabled: true }`, ucpSection, 1)
	return runMain(t, &Main{ConfigPath: writeBot(t, cfg), DBURL: dbURL, AgentWebhooks: agentcommerce.WebhookConfig{Client: p.srv.Client(),
		MaxAttempts: attempts, BaseDelay: 50 * time.Millisecond, MaxDelay: 100 * time.Millisecond, Poll: 50 * time.Millisecond}})
}

// signedRequest is a request to the shop signed by the platform as UCP's
// REST and MCP bindings ask: @method, @authority, @path, ucp-agent,
// idempotency-key when sent, content-digest and content-type.
func (p *fakePlatform) signedRequest(t *testing.T, s *shop, path string, hdr map[string]string, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("UCP-Agent", `profile="`+p.profile()+`"`)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Digest", httpsig.Digest([]byte(body)))
	components := []string{"@method", "@authority", "@path", "ucp-agent"}
	if req.Header.Get("Idempotency-Key") != "" {
		components = append(components, "idempotency-key")
	}
	components = append(components, "content-digest", "content-type")
	in, sig, err := httpsig.Sign(httpsig.Message{Method: req.Method, Authority: req.URL.Host, Path: req.URL.EscapedPath(), Header: req.Header},
		"sig1", components, p.key, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Signature-Input", in)
	req.Header.Set("Signature", sig)
	return req
}

// mcpResult is a JSON-RPC answer of the shop's MCP server, read from
// JSON or from its one SSE event.
type mcpResult struct {
	status int
	header http.Header
	raw    []byte
	resp   map[string]any
}

// mcpTool calls tool on the shop's MCP server with args (JSON), through
// req when given (a signed request), else unsigned.
func mcpTool(t *testing.T, s *shop, req *http.Request, tool, args string) mcpResult {
	t.Helper()
	if req == nil {
		var err error
		if req, err = http.NewRequest(http.MethodPost, s.base+"/mcp/maison-lumiere", strings.NewReader(mcpBody(tool, args))); err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := mcpResult{status: resp.StatusCode, header: resp.Header}
	r.raw, _ = io.ReadAll(resp.Body)
	text := string(r.raw)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		for _, line := range strings.Split(text, "\n") {
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				text = d
			}
		}
	}
	if err := json.Unmarshal([]byte(text), &r.resp); err != nil {
		t.Fatalf("%s: %d %q is no JSON-RPC response", tool, r.status, r.raw)
	}
	return r
}

// mcpBody is the JSON-RPC request calling tool with args.
func mcpBody(tool, args string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + args + `}}`
}

// TestAgentsShareProfileCache: the server's UCP REST binding and its MCP
// server read platforms' profiles through one cache, so a platform that
// speaks both is fetched once: an MCP call naming its profile fetches
// it, and a signed REST request of the same platform is then verified
// with the keys read then, without a second fetch. Both databases.
func TestAgentsShareProfileCache(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			p := newFakePlatform(t)
			s := platformShop(t, db, p, `ucp: { enabled: true }`, 0)
			create := `{"meta":{"ucp-agent":{"profile":"` + p.profile() + `"}},"checkout":{"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}]}}`
			if r := mcpTool(t, s, nil, "create_checkout", create); r.status != http.StatusOK || jget(r.resp, "result.structuredContent.status") == nil {
				t.Fatalf("MCP create: %d %s", r.status, r.raw)
			}
			if n := p.fetches.Load(); n != 1 {
				t.Fatalf("the MCP call fetched the profile %d times, want 1", n)
			}
			req := p.signedRequest(t, s, "/ucp/maison-lumiere/checkout-sessions", map[string]string{"Idempotency-Key": "share-1"},
				`{"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}]}`)
			code, out, _, _ := doRequest(t, req)
			if code != http.StatusCreated {
				t.Fatalf("signed REST create: %d %v", code, out)
			}
			if n := p.fetches.Load(); n != 1 {
				t.Errorf("the profile was fetched %d times for an MCP call and a signed REST request, want once (one cache)", n)
			}
		})
	}
}

// doRequest sends req and reads its JSON answer.
func doRequest(t *testing.T, req *http.Request) (int, map[string]any, []byte, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp.StatusCode, out, b, resp.Header
}

// TestMCPOrderEventsServed: through the server built from a bot file
// with agents.ucp.signing_key, a platform that creates checkouts over
// UCP's MCP binding with signed /mcp POSTs, and whose profile declares
// an order webhook, gets UCP's order events there, as a UCP REST
// checkout does: signed with the key the business profile publishes,
// retried by the same sender, and, once given up on, listed among the
// inbox's failed events as a UCP event, whose Retry delivers it again
// under the same Webhook-Id. The MCP server's answers to complete_checkout
// are signed with the same key. Both databases.
func TestMCPOrderEventsServed(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			p := newFakePlatform(t)
			p.down.Store(true)
			s := platformShop(t, db, p, `ucp: { enabled: true, signing_key: "`+rfcEd25519Key+`" }`, 1)
			s.addPerson("sue", concierge.RoleSupervisor, 3)

			st, prof, _ := s.agent(agentCall{"GET", "/ucp/maison-lumiere/.well-known/ucp", nil, ""})
			var keys []httpsig.JWK
			b, _ := json.Marshal(prof["signing_keys"])
			if err := json.Unmarshal(b, &keys); st != 200 || err != nil || len(keys) != 1 {
				t.Fatalf("the business profile's signing_keys: %d %s %v", st, b, err)
			}
			meta := `"meta":{"ucp-agent":{"profile":"` + p.profile() + `"}`
			buy := func(k string) (id, order string) {
				t.Helper()
				create := mcpBody("create_checkout", `{`+meta+`},"checkout":{"buyer":{"email":"jane@example.com"},
					"line_items":[{"item":{"id":"LAMP-01"},"quantity":1}],
					"fulfillment":{"methods":[{"type":"shipping","destinations":[{"street_address":"1 rue de la Paix","address_locality":"Lyon","postal_code":"69001","address_country":"FR"}],
					"groups":[{"selected_option_id":"standard"}]}]}}}`)
				r := mcpTool(t, s, p.signedRequest(t, s, "/mcp/maison-lumiere", nil, create), "create_checkout", "")
				id, _ = jget(r.resp, "result.structuredContent.id").(string)
				if r.status != http.StatusOK || jget(r.resp, "result.structuredContent.status") != "ready_for_complete" {
					t.Fatalf("signed MCP create %s: %d %s", k, r.status, r.raw)
				}
				r = mcpTool(t, s, nil, "complete_checkout", `{`+meta+`,"idempotency-key":"pay-`+k+`"},"id":"`+id+`",
					"checkout":{"payment":{"instruments":[{"id":"pi_1","handler_id":"sandbox","type":"card","credential":{"type":"token","token":"success_token"}}]}}}`)
				order, _ = jget(r.resp, "result.structuredContent.order_id").(string)
				if r.status != http.StatusOK || order == "" {
					t.Fatalf("MCP complete %s: %d %s", k, r.status, r.raw)
				}
				// The answer is signed as checkout-mcp.md's Response
				// Signing says, with the business profile's key.
				if err := httpsig.CheckDigest(r.header.Get("Content-Digest"), r.raw); err != nil {
					t.Errorf("MCP complete %s: Content-Digest: %v", k, err)
				}
				if _, err := httpsig.Verify(httpsig.Message{Status: r.status, Header: r.header}, keys, []string{"@status", "content-digest", "content-type"}, time.Now()); err != nil {
					t.Errorf("MCP complete %s: the response does not verify with the business profile's key: %v", k, err)
				}
				return id, order
			}
			verify := func(h platformHit, what string) {
				t.Helper()
				if err := httpsig.CheckDigest(h.header.Get("Content-Digest"), h.body); err != nil {
					t.Errorf("%s: digest: %v", what, err)
				}
				m := httpsig.Message{Method: h.method, Authority: h.host, Path: h.path, Query: h.query, Header: h.header}
				if _, err := httpsig.Verify(m, keys, []string{"@method", "@authority", "@path", "ucp-agent", "webhook-id", "content-digest"}, time.Now()); err != nil {
					t.Errorf("%s: the signature does not verify with the business profile's key: %v", what, err)
				}
			}

			idA, orderA := buy("a")
			first := p.hit(t, "order a, refused")
			p.down.Store(false)
			// Order b's event is sent after order a's outcome is recorded
			// (one sender, one batch after the other).
			_, orderB := buy("b")
			second := p.hit(t, "order b")
			var o map[string]any
			if json.Unmarshal(second.body, &o); o["id"] != orderB || o["event_id"] != second.header.Get("Webhook-Id") {
				t.Fatalf("order b's event: %s", second.body)
			}
			verify(second, "order b's event")
			es, err := s.m.DB.AgentEventsOfConversation(ctx, s.order(orderA).Conversation)
			if err != nil || len(es) != 1 || es[0].Status != store.HookFailed || es[0].Protocol != "ucp" {
				t.Fatalf("order a's events: %+v %v, want one failed UCP event", es, err)
			}

			sue := s.person("sue")
			sue.signIn()
			code, list := sue.get("/inbox/agent-events")
			if code != http.StatusOK || !strings.Contains(list, fmt.Sprintf(`id="failed-event-order-%d">%s</a>`, es[0].ID, orderA)) ||
				!strings.Contains(list, "<td>ucp</td>") || !strings.Contains(list, "HTTP 503") {
				t.Fatalf("the failed events: %d\n%s", code, list)
			}
			sue.mustPost(fmt.Sprintf("/inbox/e/%d/retry", es[0].ID), url.Values{"from": {"failed"}})
			again := p.hit(t, "order a, retried")
			if again.header.Get("Webhook-Id") != first.header.Get("Webhook-Id") || string(again.body) != string(first.body) {
				t.Errorf("the retried event is not the first: %s %s / %s %s", first.header.Get("Webhook-Id"), first.body, again.header.Get("Webhook-Id"), again.body)
			}
			if json.Unmarshal(again.body, &o); o["checkout_id"] != idA || o["id"] != orderA {
				t.Errorf("order a's event: %s", again.body)
			}
			verify(again, "order a's retried event")
		})
	}
}
