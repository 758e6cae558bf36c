package mcp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/httpsig"
	"github.com/conciergehq/concierge/agentcommerce/mcp"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
)

// platforms serves the test platforms' UCP profiles from one local TLS
// server, whatever host their URL names (https://platform.example/…):
// the profile reader's client dials that server for every host. A path
// ending in /old declares protocol version 2025-01-01, /missing is 404,
// /junk is not JSON; any other path is a profile of version 2026-04-08
// publishing key's public half in signing_keys; one ending in /hooked
// also declares the order capability's webhook,
// https://platform.example/webhooks/orders, whose requests go to hits.
type platforms struct {
	srv     *httptest.Server
	key     *httpsig.PrivateKey
	fetches atomic.Int32
	hits    chan hit
}

// hit is one request the platforms' order webhook received.
type hit struct {
	method, host, path string
	header             http.Header
	body               []byte
}

func newPlatforms(t *testing.T) *platforms {
	t.Helper()
	key, err := httpsig.GenerateES256()
	if err != nil {
		t.Fatal(err)
	}
	p := &platforms{key: key, hits: make(chan hit, 16)}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/webhooks/orders" {
			b, _ := io.ReadAll(r.Body)
			p.hits <- hit{r.Method, r.Host, r.URL.EscapedPath(), r.Header.Clone(), b}
			w.Write([]byte(`{}`))
			return
		}
		p.fetches.Add(1)
		version := ucp.Version
		prof := map[string]any{"version": version}
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			http.NotFound(w, r)
			return
		case strings.HasSuffix(r.URL.Path, "/junk"):
			w.Write([]byte("<html>not a profile</html>"))
			return
		case strings.HasSuffix(r.URL.Path, "/old"):
			prof["version"] = "2025-01-01"
		case strings.HasSuffix(r.URL.Path, "/hooked"):
			prof["capabilities"] = map[string]any{ucp.OrderCapability: []any{map[string]any{"version": version,
				"config": map[string]any{"webhook_url": "https://platform.example/webhooks/orders"}}}}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"ucp": prof, "signing_keys": []httpsig.JWK{key.JWK()}})
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// profiles is the profile reader the MCP handler is given: a
// ucp.ProfileKeys whose client reaches p for any host.
func (p *platforms) profiles() *ucp.ProfileKeys {
	roots := x509.NewCertPool()
	roots.AddCert(p.srv.Certificate())
	addr := p.srv.Listener.Addr().String()
	return &ucp.ProfileKeys{Client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		// httptest's certificate names example.com.
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "example.com"},
	}}}
}

// TestPlatformProfile: the profile a call names (meta["ucp-agent"] or
// the UCP-Agent header) must be an https URL, as the REST binding's
// (ucp.CheckProfileURL), and is read from a local profile server through
// the REST binding's reader (ucp.ProfileKeys), once for several calls:
// a profile that is not https is -32001 invalid_profile_url (400), one
// that cannot be read profile_unreachable (424), one that is not JSON
// profile_malformed (422), one declaring another protocol version
// version_unsupported (422). A POST signed (RFC 9421) with the key the
// profile publishes is served; signed with another key, or with a body
// changed after signing, it is refused before it is read (401, -32000).
// Each refusal changes nothing: the stock is as before. Both databases.
func TestPlatformProfile(t *testing.T) {
	act.EachDB(t, func(t *testing.T, dbURL string) {
		db := act.OpenStore(t, dbURL)
		bot := &concierge.Bot{ID: "shop", Locales: []concierge.Locale{"en"}, Currency: "EUR", Products: []concierge.Product{
			{SKU: "MUG", Name: map[concierge.Locale]string{"en": "Mug"}, Price: concierge.Money{Minor: 900, Currency: "EUR"}, Stock: 5},
		}, Policies: concierge.Policies{OrderTTL: 30 * time.Minute}}
		svc := act.NewService(t, db, &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}}})
		p := newPlatforms(t)
		h := mcp.New(mcp.Config{Service: svc, BaseURL: "http://shop.test", Keys: map[concierge.BotID][]string{"shop": {"key-one"}}, Profiles: p.profiles()})
		mux := http.NewServeMux()
		h.Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		stock := func() int {
			t.Helper()
			levels, err := db.StockLevels(context.Background(), "shop")
			if err != nil {
				t.Fatal(err)
			}
			return levels["MUG"]
		}
		create := func(profile string) string {
			return `{"meta":{"ucp-agent":{"profile":"` + profile + `"}},"checkout":{"line_items":[{"item":{"id":"MUG"},"quantity":1}]}}`
		}

		for _, tc := range []struct {
			name, agent, args string
			status            int
			code              string
		}{
			{"http profile", "", create("http://platform.example/ucp"), 400, "invalid_profile_url"},
			{"no host", "", create("https:///ucp"), 400, "invalid_profile_url"},
			{"http profile in the header", `profile="http://platform.example/ucp"`, `{"items":[{"id":"MUG","quantity":1}]}`, 400, "invalid_profile_url"},
			{"profile not found", "", create("https://platform.example/missing"), 424, "profile_unreachable"},
			{"profile not JSON", "", create("https://platform.example/junk"), 422, "profile_malformed"},
			{"profile of another version", "", create("https://platform.example/old"), 422, "version_unsupported"},
			{"header's profile of another version", `profile="https://platform.example/old"`, `{"items":[{"id":"MUG","quantity":1}]}`, 422, "version_unsupported"},
		} {
			c := postTool(t, srv, tc.agent, "create_checkout", tc.args)
			if c.status != tc.status || jsonPath(c.resp, "error", "code") != -32001.0 || jsonPath(c.resp, "error", "data", "code") != tc.code {
				t.Errorf("%s: %d %v, want %d and -32001 %s", tc.name, c.status, c.resp, tc.status, tc.code)
			}
		}
		if n := stock(); n != 5 {
			t.Fatalf("stock after the refusals: %d, want 5", n)
		}

		before := p.fetches.Load()
		for i := range 2 {
			c := postTool(t, srv, "", "create_checkout", create("https://platform.example/ucp"))
			if c.status != http.StatusOK || jsonPath(c.resp, "result", "structuredContent", "status") == nil {
				t.Fatalf("create %d with a readable profile: %+v", i+1, c)
			}
		}
		if n := p.fetches.Load() - before; n != 1 {
			t.Errorf("the profile was fetched %d times for two calls, want once (cached)", n)
		}
		if n := stock(); n != 3 {
			t.Fatalf("stock after two checkouts: %d, want 3", n)
		}

		other, err := httpsig.GenerateES256()
		if err != nil {
			t.Fatal(err)
		}
		signed := func(key *httpsig.PrivateKey, tamper bool) wireCall {
			t.Helper()
			body := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"create_checkout","arguments":` + create("https://platform.example/ucp") + `}}`
			hdr := http.Header{}
			hdr.Set("Content-Type", "application/json")
			hdr.Set("UCP-Agent", `profile="https://platform.example/ucp"`)
			hdr.Set("Content-Digest", httpsig.Digest([]byte(body)))
			u, _ := url.Parse(srv.URL)
			in, sig, err := httpsig.Sign(httpsig.Message{Method: http.MethodPost, Authority: u.Host, Path: "/mcp/shop", Header: hdr}, "sig1",
				[]string{"@method", "@authority", "@path", "ucp-agent", "content-digest", "content-type"}, key, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if tamper { // another body, with its own digest, under the first's signature
				body = strings.Replace(body, `"quantity":1`, `"quantity":2`, 1)
				hdr.Set("Content-Digest", httpsig.Digest([]byte(body)))
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/mcp/shop", strings.NewReader(body))
			req.Header = hdr
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
			req.Header.Set("Authorization", "Bearer key-one")
			req.Header.Set("Signature-Input", in)
			req.Header.Set("Signature", sig)
			code, _, raw, rh := act.Do(t, req)
			c := wireCall{status: code, contentType: rh.Get("Content-Type")}
			text := string(raw)
			for _, line := range strings.Split(text, "\n") {
				if d, ok := strings.CutPrefix(line, "data: "); ok {
					text = d
				}
			}
			if err := json.Unmarshal([]byte(text), &c.resp); err != nil {
				t.Fatalf("signed call: %d %q is no JSON-RPC response", code, raw)
			}
			return c
		}
		if c := signed(p.key, false); c.status != http.StatusOK || jsonPath(c.resp, "result", "structuredContent", "status") == nil {
			t.Fatalf("signed with the profile's key: %+v", c)
		}
		if n := stock(); n != 2 {
			t.Fatalf("stock after the signed checkout: %d, want 2", n)
		}
		for _, tc := range []struct {
			name   string
			key    *httpsig.PrivateKey
			tamper bool
			code   string
		}{
			{"another key", other, false, "key_not_found"},
			{"body changed after signing", p.key, true, "signature_invalid"},
		} {
			c := signed(tc.key, tc.tamper)
			if c.status != http.StatusUnauthorized || jsonPath(c.resp, "error", "code") != -32000.0 || jsonPath(c.resp, "error", "data", "code") != tc.code {
				t.Errorf("signed, %s: %d %v, want 401 and -32000 %s", tc.name, c.status, c.resp, tc.code)
			}
		}
		if n := stock(); n != 2 {
			t.Errorf("stock after the refused signed calls: %d, want 2", n)
		}
	})
}
