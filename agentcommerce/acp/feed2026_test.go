package acp_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
)

var update = flag.Bool("update", false, "rewrite testdata/feed2026/*.json from the feed served")

// feedSchema is a definition of the spec's feed schema bundle
// (testdata/schema.feed.json), such as ProductsResponse, ready to
// validate decoded JSON.
func feedSchema(t *testing.T, def string) *jsonschema.Resolved {
	t.Helper()
	b, err := os.ReadFile("testdata/schema.feed.json")
	if err != nil {
		t.Fatal(err)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	// The bundle has no root type: the root becomes a reference to one
	// of its definitions.
	s.Ref = "#/$defs/" + def
	rs, err := s.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// validFeed checks raw against the schema's def, and that every url is
// absolute (the schema's format "uri", which the validator does not
// check).
func validFeed(t *testing.T, rs *jsonschema.Resolved, raw []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, raw)
	}
	if err := rs.Validate(v); err != nil {
		t.Errorf("invalid against the spec's schema: %v\n%s", err, raw)
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, y := range x {
				if s, ok := y.(string); ok && k == "url" {
					if u, err := url.Parse(s); err != nil || !u.IsAbs() {
						t.Errorf("url %q is not an absolute URI", s)
					}
				}
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
}

// feedShops are one catalog per case: with variants, without (a product
// alone, a group of one), sold out (and unpriced), in two languages.
func feedShops() []*agentcommerce.Shop {
	eur := func(m int64) concierge.Money { return concierge.Money{Minor: m, Currency: "EUR"} }
	trail := map[concierge.Locale]string{"fr": "Chaussures de trail Alpina", "en": "Alpina trail shoes"}
	shop := func(id, name string, locales []concierge.Locale, ps ...concierge.Product) *agentcommerce.Shop {
		return &agentcommerce.Shop{Bot: &concierge.Bot{ID: concierge.BotID(id), Name: name, Locales: locales, Currency: "EUR", Products: ps,
			Policies: concierge.Policies{OrderTTL: 30 * time.Minute}},
			Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}}, WidgetURL: "https://shop.example/chat/" + id}
	}
	en := []concierge.Locale{"en"}
	return []*agentcommerce.Shop{
		shop("variants", "Trail & Co", en,
			concierge.Product{SKU: "TRAIL-BLU-41", Group: "TRAIL", Name: trail, Price: eur(8900), Stock: 2, Category: "Shoes", Image: "/media/trail-blue.jpg",
				Description: map[concierge.Locale]string{"en": "Mesh upper."}, Attrs: map[string]string{"size": "41", "color": "blue", "material": "mesh"}},
			concierge.Product{SKU: "TRAIL-BLK-42", Group: "TRAIL", Name: trail, Price: eur(9200), Stock: 0, Category: "Shoes", Image: "/media/trail-black.jpg",
				Attrs: map[string]string{"size": "42", "color": "black", "material": "mesh"}},
			concierge.Product{SKU: "TRAIL-BLU-42", Group: "TRAIL", Name: trail, Price: eur(8900), Stock: 1, Category: "Shoes", Image: "/media/trail-blue.jpg",
				Attrs: map[string]string{"size": "42", "color": "blue", "material": "mesh"}}),
		shop("plain", "Lamps", en,
			concierge.Product{SKU: "LAMP-01", Name: map[concierge.Locale]string{"en": "Desk lamp"}, Price: eur(4900), Stock: 3, Image: "https://cdn.example/lamp.jpg"},
			concierge.Product{SKU: "BULB-1", Group: "BULBS", Name: map[concierge.Locale]string{"en": "Bulb"}, Price: eur(390), Stock: 10, Attrs: map[string]string{"watts": "8"}}),
		shop("soldout", "Empty shelves", en,
			concierge.Product{SKU: "MUG-1", Name: map[concierge.Locale]string{"en": "Mug"}, Price: eur(1200), Stock: 0},
			concierge.Product{SKU: "FREE-1", Name: map[concierge.Locale]string{"en": "Sticker"}, Stock: 5}),
		shop("locales", "Boutique", []concierge.Locale{"fr", "en"},
			concierge.Product{SKU: "TRAIL-BLU-41", Group: "TRAIL", Name: trail, Price: eur(8900), Stock: 2,
				Description: map[concierge.Locale]string{"fr": "Tige en mesh.", "en": "Mesh upper."}, Attrs: map[string]string{"taille": "41"}},
			concierge.Product{SKU: "TRAIL-BLU-42", Group: "TRAIL", Name: trail, Price: eur(8900), Stock: 2, Attrs: map[string]string{"taille": "42"}},
			concierge.Product{SKU: "SOCKS", Name: map[concierge.Locale]string{"fr": "Chaussettes"}, Price: eur(900), Stock: 4}),
	}
}

// TestFeed2026: with API-Version 2026-04-17 the feed is the spec's
// ProductsResponse, each answer valid against the spec's schema and
// equal to its golden file: a variant group is one product with its
// SKUs as variants (variant_options the attributes that differ, so not
// material), a product without a group or alone in it is its own only
// variant, prices in minor units, availability from live stock (sold out
// and unpriced are not available), text in the language asked when the
// bot speaks it (else its default, and a missing name falls back).
// Links are the shop's web chat. Both databases.
func TestFeed2026(t *testing.T) {
	rs := feedSchema(t, "ProductsResponse")
	// The validator must see the schema's requirements, or the checks
	// below prove nothing.
	for _, bad := range []string{`{"products":[{"id":"P"}]}`, `{"products":[{"id":"P","variants":[{"id":"V","title":"T","price":{"amount":"1.00","currency":"EUR"}}]}]}`} {
		var v any
		json.Unmarshal([]byte(bad), &v)
		if rs.Validate(v) == nil {
			t.Fatalf("the schema accepts %s", bad)
		}
	}
	cases := []struct{ name, bot, lang, wantLang string }{
		{"variants", "variants", "", "en"},
		{"no_variants", "plain", "", "en"},
		{"out_of_stock", "soldout", "", "en"},
		{"locales_default", "locales", "", "fr"},
		{"locales_en", "locales", "en-GB,en;q=0.9", "en"},
		{"locales_unspoken", "locales", "de", "fr"},
	}
	act.EachDB(t, func(t *testing.T, dbURL string) {
		db := act.OpenStore(t, dbURL)
		shops := feedShops()
		keys := map[concierge.BotID][]string{}
		for _, s := range shops {
			keys[s.Bot.ID] = []string{apiKey}
		}
		mux := http.NewServeMux()
		acp.New(acp.Config{Service: act.NewService(t, db, shops...), BaseURL: "https://shop.example", Keys: keys}).Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				req, _ := http.NewRequest("GET", srv.URL+"/acp/"+c.bot+"/feed", nil)
				req.Header.Set("Authorization", "Bearer "+apiKey)
				req.Header.Set("API-Version", acp.Version)
				if c.lang != "" {
					req.Header.Set("Accept-Language", c.lang)
				}
				st, _, raw, h := act.Do(t, req)
				if st != 200 {
					t.Fatalf("feed: %d %s", st, raw)
				}
				if got := h.Get("Content-Language"); got != c.wantLang {
					t.Errorf("Content-Language %q, want %q", got, c.wantLang)
				}
				validFeed(t, rs, raw)
				golden(t, filepath.Join("testdata", "feed2026", c.name+".json"), raw)
			})
		}
	})
}

// golden compares raw, indented, with the file at path (rewritten with
// -update).
func golden(t *testing.T, path string, raw []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs:\n got %s\nwant %s", path, buf.Bytes(), want)
	}
}

// TestFeedVersions: API-Version chooses the feed's format. No version and
// the versions before 2026-04-17 get the flat feed (enable_search…),
// 2026-04-17 the nested one, another version 400
// unsupported_api_version; every version needs the key.
func TestFeedVersions(t *testing.T) {
	db := act.OpenStore(t, act.SQLite(t))
	shops := feedShops()[:1]
	mux := http.NewServeMux()
	acp.New(acp.Config{Service: act.NewService(t, db, shops...), BaseURL: "https://shop.example",
		Keys: map[concierge.BotID][]string{shops[0].Bot.ID: {apiKey}}}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, c := range []struct {
		version, key string
		status       int
		want         string // a field of the first product, or the error code
	}{
		{"", apiKey, 200, "enable_search"},
		{"2026-01-30", apiKey, 200, "enable_search"},
		{"2025-09-29", apiKey, 200, "enable_search"},
		{acp.Version, apiKey, 200, "variants"},
		{"2099-01-01", apiKey, 400, "unsupported_api_version"},
		{acp.Version, "", 401, "unauthorized"},
		{acp.Version, "wrong-key", 401, "unauthorized"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/acp/variants/feed", nil)
		if c.key != "" {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
		if c.version != "" {
			req.Header.Set("API-Version", c.version)
		}
		st, body, raw, _ := act.Do(t, req)
		if st != c.status {
			t.Errorf("%q: %d %s, want %d", c.version, st, raw, c.status)
			continue
		}
		if st != 200 {
			if body["code"] != c.want {
				t.Errorf("%q: code %v, want %s", c.version, body["code"], c.want)
			}
			continue
		}
		products, _ := body["products"].([]any)
		if len(products) == 0 {
			t.Errorf("%q: no products: %s", c.version, raw)
			continue
		}
		if _, ok := products[0].(map[string]any)[c.want]; !ok {
			t.Errorf("%q: first product has no %s: %s", c.version, c.want, raw)
		}
	}
}
