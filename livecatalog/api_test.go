package livecatalog_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/livecatalog"
)

const token = "0123456789abcdef0123456789abcdef"

// TestAPI: the HTTP API refuses wrong tokens, bad bodies and oversized
// ones with JSON errors and changes nothing; a good batch is what the
// next search sees once the response is in.
func TestAPI(t *testing.T) {
	db := openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "shop.db"))
	r := newReplica(t, db)
	api := livecatalog.NewAPI(nil)
	api.Add(r.cat, token)
	srv := httptest.NewServer(api)
	defer srv.Close()

	call := func(method, path, auth, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, path, b)
		}
		return resp.StatusCode, out
	}
	good := `[{"sku": "MUG-01", "price": "7.50"}]`
	for _, tc := range []struct {
		name, method, path, auth, body string
		status                         int
		row                            float64
		field                          string
	}{
		{"no token", "POST", "/api/catalog/shop/products", "", good, 401, 0, ""},
		{"wrong token", "POST", "/api/catalog/shop/products", "Bearer " + token + "x", good, 401, 0, ""},
		{"not bearer", "POST", "/api/catalog/shop/products", "Basic " + token, good, 401, 0, ""},
		{"wrong token on delete", "DELETE", "/api/catalog/shop/products/MUG-01", "Bearer nope", "", 401, 0, ""},
		{"unknown bot", "POST", "/api/catalog/other/products", "Bearer " + token, good, 404, 0, ""},
		{"not json", "POST", "/api/catalog/shop/products", "Bearer " + token, `sku=MUG-01`, 400, 0, ""},
		{"empty", "POST", "/api/catalog/shop/products", "Bearer " + token, `[]`, 400, 0, ""},
		{"unknown field", "POST", "/api/catalog/shop/products", "Bearer " + token, `[{"sku": "MUG-01", "price": "7.50"}, {"sku": "POT-01", "colour": "red"}]`, 422, 2, "colour"},
		{"stock not a number", "POST", "/api/catalog/shop/products", "Bearer " + token, `{"products": [{"sku": "POT-01", "stock": "many"}]}`, 422, 1, "stock"},
		{"bad currency", "POST", "/api/catalog/shop/products", "Bearer " + token, `[{"sku": "MUG-01", "price": "7.50"}, {"sku": "POT-01", "price": "20.00 USD"}]`, 422, 2, "price"},
		{"negative stock", "POST", "/api/catalog/shop/products", "Bearer " + token, `[{"sku": "MUG-01", "price": "7.50"}, {"sku": "POT-01", "stock": -3}]`, 422, 2, "stock"},
		{"oversized", "POST", "/api/catalog/shop/products", "Bearer " + token, `[` + strings.Repeat(`{"sku": "MUG-01", "stock": 1},`, livecatalog.MaxBody/28) + `{}]`, 413, 0, ""},
		{"delete unknown", "DELETE", "/api/catalog/shop/products/NOPE-1", "Bearer " + token, "", 404, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, out := call(tc.method, tc.path, tc.auth, tc.body)
			if st != tc.status || out["error"] == nil {
				t.Fatalf("status %d %v, want %d with an error", st, out, tc.status)
			}
			if row, _ := out["row"].(float64); row != tc.row {
				t.Errorf("row %v, want %v (%v)", out["row"], tc.row, out)
			}
			if field, _ := out["field"].(string); field != tc.field {
				t.Errorf("field %q, want %q (%v)", field, tc.field, out)
			}
		})
	}
	if got := r.found("mug"); got != 900 {
		t.Fatalf("refused requests changed the mug to %d", got)
	}
	if changes, _, _ := db.CatalogChanges(context.Background(), "shop", 0); len(changes) != 0 {
		t.Fatalf("refused requests stored %d changes", len(changes))
	}

	st, out := call("POST", "/api/catalog/shop/products", "Bearer "+token, `{"products": [{"sku": "MUG-01", "price": "7.50", "stock": 12}, {"sku": "POT-01", "price": 19}]}`)
	if st != 200 || out["upserted"] != 2.0 {
		t.Fatalf("good batch: %d %v", st, out)
	}
	if got := r.found("mug"); got != 750 {
		t.Fatalf("after the POST the search finds the mug at %d, want 750", got)
	}
	if got := r.found("tea pot"); got != 1900 {
		t.Fatalf("after the POST the search finds the pot at %d, want 1900", got)
	}
	st, out = call("DELETE", "/api/catalog/shop/products/POT-01", "Bearer "+token, "")
	if st != 200 || out["deleted"] != "POT-01" {
		t.Fatalf("delete: %d %v", st, out)
	}
	if got := r.found("tea pot"); got != -1 {
		t.Fatalf("after the DELETE the pot is still found at %d", got)
	}
}
