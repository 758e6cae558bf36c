package acp_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce/acp"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
)

// TestFeedLocaleQuery: GET /acp/{bot}/feed?locale= serves the feed in
// another of the bot's languages, nested (equal to the golden file of
// that language) and flat alike, and wins over Accept-Language; a
// regional tag is its language. A language the bot does not have, an
// empty or malformed value is 400 invalid at param locale, naming the
// bot's languages, and never falls back. Both databases.
func TestFeedLocaleQuery(t *testing.T) {
	rs := feedSchema(t, "ProductsResponse")
	act.EachDB(t, func(t *testing.T, dbURL string) {
		db := act.OpenStore(t, dbURL)
		shops := feedShops()
		mux := http.NewServeMux()
		acp.New(acp.Config{Service: act.NewService(t, db, shops...), BaseURL: "https://shop.example",
			Keys: map[concierge.BotID][]string{"locales": {apiKey}}}).Register(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		get := func(query, version, lang string) (int, map[string]any, []byte, http.Header) {
			req, _ := http.NewRequest("GET", srv.URL+"/acp/locales/feed"+query, nil)
			req.Header.Set("Authorization", "Bearer "+apiKey)
			if version != "" {
				req.Header.Set("API-Version", version)
			}
			if lang != "" {
				req.Header.Set("Accept-Language", lang)
			}
			return act.Do(t, req)
		}
		for _, c := range []struct{ query, lang, want, golden string }{
			{"?locale=en", "", "en", "locales_en"},
			{"?locale=en-GB", "fr", "en", "locales_en"},
			{"?locale=FR", "en", "fr", "locales_default"},
			{"", "en", "en", "locales_en"},
		} {
			st, _, raw, h := get(c.query, acp.Version, c.lang)
			if st != 200 || h.Get("Content-Language") != c.want {
				t.Errorf("%q (Accept-Language %q): %d, Content-Language %q, want 200 %s: %s", c.query, c.lang, st, h.Get("Content-Language"), c.want, raw)
				continue
			}
			validFeed(t, rs, raw)
			golden(t, filepath.Join("testdata", "feed2026", c.golden+".json"), raw)
		}
		// The flat feed too: French by default, English when asked.
		for _, c := range []struct{ query, want, title string }{
			{"", "fr", "Chaussures de trail Alpina"},
			{"?locale=en", "en", "Alpina trail shoes"},
		} {
			st, body, raw, h := get(c.query, "", "")
			products, _ := body["products"].([]any)
			if st != 200 || h.Get("Content-Language") != c.want || len(products) == 0 || products[0].(map[string]any)["title"] != c.title {
				t.Errorf("flat %q: %d, Content-Language %q: %s; want %s, first title %q", c.query, st, h.Get("Content-Language"), raw, c.want, c.title)
			}
		}
		for _, q := range []string{"?locale=de", "?locale=", "?locale=%3Cscript%3E", "?locale=de&locale=fr"} {
			for _, v := range []string{acp.Version, ""} {
				st, body, raw, _ := get(q, v, "fr")
				if st != 400 || body["type"] != "invalid_request" || body["code"] != "invalid" || body["param"] != "locale" {
					t.Errorf("%q (API-Version %q): %d %s, want 400 invalid at locale", q, v, st, raw)
				}
				if msg, _ := body["message"].(string); strings.Contains(q, "de") && !strings.Contains(msg, `"de" is not one of this shop's languages (fr, en)`) {
					t.Errorf("%q: message %q", q, msg)
				}
			}
		}
	})
}
