package llm

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/agent/rules"
)

// TestModelErrorsCarryNoSecret: whatever the model's server does — not
// there, 500 with the request echoed, an HTML page — the error the brain
// logs and falls back on carries neither the API key nor a gateway key,
// from the base URL's query or from a header.
func TestModelErrorsCarryNoSecret(t *testing.T) {
	const apiKey, gatewayKey, queryKey = "sk-test-0123456789abcdef", "gw-secret-98765", "qk-secret-55555"
	echo := func(w http.ResponseWriter, r *http.Request, status int, html bool) {
		body := r.URL.String() + " " + r.Header.Get("Authorization") + " " + r.Header.Get("X-Gateway-Key")
		if html {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			io.WriteString(w, "<html><body>bad gateway "+body+"</body></html>")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, `{"error":{"message":"upstream failed for `+strings.ReplaceAll(body, `"`, "")+`","type":"server_error"}}`)
	}
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}
	for _, tt := range []struct {
		name string
		base func(t *testing.T) string
	}{
		{"unreachable", func(*testing.T) string { return closed() }},
		{"500 echoing the request", func(t *testing.T) string {
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { echo(w, r, 500, false) }))
			t.Cleanup(s.Close)
			return s.URL
		}},
		{"garbage", func(t *testing.T) string {
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { echo(w, r, 502, true) }))
			t.Cleanup(s.Close)
			return s.URL
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(Config{BaseURL: tt.base(t) + "/v1?key=" + queryKey, Model: "m", APIKey: apiKey,
				Headers: map[string]string{"X-Gateway-Key": gatewayKey}}, rules.Brain{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.call(context.Background(), nil, &Usage{}, false)
			if err == nil {
				t.Fatal("the call did not fail")
			}
			for _, secret := range []string{apiKey, gatewayKey, queryKey} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error carries a secret: %v", err)
				}
			}
		})
	}
}
