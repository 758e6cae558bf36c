package mcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent/catalog"
	"github.com/conciergehq/concierge/agent/catalog/catalogtest"
	"github.com/conciergehq/concierge/agentcommerce"
	"github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/mcp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// clothesShop serves over MCP the clothes shop of agent/catalog's facet
// tests (a linen t-shirt in sizes and colours, slim jeans, a shirt, a
// sweater, accessories and a gift card, in fr, en and zh), with the
// chat's faceted search as server wires it into Shop.FindFunc.
func clothesShop(t *testing.T, url string) *httptest.Server {
	t.Helper()
	bot := &concierge.Bot{ID: "clothes", Locales: []concierge.Locale{"fr", "en", "zh"}, Currency: "EUR",
		Products: catalogtest.Load(t, "../../agent/catalog/testdata/facets.yaml")}
	ix := catalog.New(bot.Products, bot.Locales)
	find := func(q string, f agentcommerce.Filter) ([]concierge.SKU, concierge.Facets, error) {
		query := catalog.Query{Text: q, Categories: f.Categories, PriceMin: f.PriceMin, PriceMax: f.PriceMax, Attrs: f.Attrs, Ranges: f.Ranges, InStockOnly: f.InStock}
		if err := query.Check(); err != nil {
			return nil, concierge.Facets{}, err
		}
		hits, facets := ix.Faceted(query)
		var out []concierge.SKU
		for _, h := range hits {
			out = append(out, h.SKU)
		}
		return out, facets, nil
	}
	db := agentcommercetest.OpenStore(t, url)
	svc := agentcommercetest.NewService(t, db, &agentcommerce.Shop{Bot: bot, Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}},
		WidgetURL: widgetURL, FindFunc: find})
	h := mcp.New(mcp.Config{Service: svc, BaseURL: "http://shop.test", Profiles: newPlatforms(t).profiles(), Keys: map[concierge.BotID][]string{"clothes": {"key-one"}}})
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestFilteredSearchAndFacets: search_catalog with filters lists only
// the products that pass them (a variant group once) and the facets of
// all it found, both with the flat arguments and over UCP's catalog
// binding (whose availability in_stock is applied, and whose attributes
// filter is Concierge's extension); a filter nothing passes lists
// nothing. Both databases.
func TestFilteredSearchAndFacets(t *testing.T) {
	agentcommercetest.EachDB(t, func(t *testing.T, url string) {
		cs := client(t, clothesShop(t, url), "clothes", "key-one")
		call := func(args string) map[string]any {
			t.Helper()
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "search_catalog", Arguments: json.RawMessage(args)})
			if err != nil || res.IsError {
				t.Fatalf("search_catalog %s: %v %+v", args, err, res)
			}
			var out map[string]any
			b, _ := json.Marshal(res.StructuredContent)
			json.Unmarshal(b, &out)
			return out
		}
		meta := `"meta":{"ucp-agent":{"profile":"https://platform.example/.well-known/ucp"}}`
		for _, tc := range []struct {
			name, args string
			ids        []string // the products' ids (SKUs, or for UCP a group's id), in order
			idField    string
			total      float64
			facet      []any // a path in the facets and the value there
		}{
			{"a colour said in English", `{"attributes":{"color":["blue"]}}`, []string{"TEE-BLU-S", "JEANS-32"}, "id", 2,
				[]any{"attributes", 0, "values", 0, "value", "bleu"}},
			{"words, a category and a price", `{"query":"coton","categories":["accessories"],"price_max":2000}`, []string{"SOCKS-3"}, "id", 1,
				[]any{"price_bands", 0, "min", 1200.0}},
			{"in stock and a size", `{"in_stock":true,"attributes":{"size":["M"]}}`, []string{"TEE-WHT-M"}, "id", 1,
				[]any{"attributes", 0, "values", 0, "value", "blanc"}},
			{"UCP: white and in stock", `{` + meta + `,"catalog":{"filters":{"attributes":{"color":["blanc"]},"availability":["in_stock"]}}}`,
				[]string{"TEE-LIN", "SHIRT-OX", "SOCKS-3"}, "id", 3, []any{"categories", 0, "value", "tops"}},
			{"UCP: Chinese words and a price", `{` + meta + `,"catalog":{"query":"牛仔裤","filters":{"price":{"min":6000}}}}`,
				[]string{"JEANS-SLIM"}, "id", 1, []any{"attributes", 1, "values", 0, "value", "34"}},
			{"a size range: the jeans in 34, not the t-shirt's S, M, L", `{"ranges":{"size":{"min":"33"}}}`, []string{"JEANS-34"}, "id", 1,
				[]any{"attributes", 1, "numbers", "min", "34"}},
			{"UCP: a size range and its span", `{` + meta + `,"catalog":{"filters":{"attribute_ranges":{"size":{"max":"40"}}}}}`,
				[]string{"JEANS-SLIM"}, "id", 1, []any{"attributes", 1, "numbers", "max", "34"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out := call(tc.args)
				if got := ids(out["products"], tc.idField); !slices.Equal(got, tc.ids) {
					t.Errorf("products %v, want %v", got, tc.ids)
				}
				if got := jsonPath(out, "facets", "total"); got != tc.total {
					t.Errorf("facets.total %v, want %v: %v", got, tc.total, out["facets"])
				}
				path, want := tc.facet[:len(tc.facet)-1], tc.facet[len(tc.facet)-1]
				if got := jsonPath(out["facets"], path...); got != want {
					t.Errorf("facets %v = %v, want %v: %v", path, got, want, out["facets"])
				}
				if msgs := out["messages"]; msgs != nil {
					t.Errorf("messages %v: every filter applies", msgs)
				}
			})
		}
		out := call(`{"query":"t-shirt","attributes":{"size":["XL"]}}`)
		if ps, _ := out["products"].([]any); len(ps) != 0 || jsonPath(out, "facets", "total") != 0.0 {
			t.Errorf("a size no t-shirt has: %v", out)
		}
		// A bad range says why: a tool error with the flat arguments,
		// UCP's invalid_request over its binding.
		res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "search_catalog", Arguments: json.RawMessage(`{"ranges":{"size":{"min":"40","max":"32"}}}`)})
		if b, _ := json.Marshal(res); err != nil || !res.IsError || !strings.Contains(string(b), `range of \"size\": min \"40\" is above max \"32\"`) {
			t.Errorf("a range upside down: %s, %v", b, err)
		}
		_, err = cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "search_catalog", Arguments: json.RawMessage(`{` + meta + `,"catalog":{"filters":{"attribute_ranges":{"size":{"min":"XL"}}}}}`)})
		if err == nil || !strings.Contains(err.Error(), `invalid_request: filters.attribute_ranges: catalog: range of "size": min "XL" is not a number`) {
			t.Errorf("UCP: a range that is no number: %v", err)
		}
	})
}

func ids(list any, field string) []string {
	var out []string
	items, _ := list.([]any)
	for _, x := range items {
		m, _ := x.(map[string]any)
		id, _ := m[field].(string)
		out = append(out, id)
	}
	return out
}
