package ucp_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agentcommerce"
	act "github.com/conciergehq/concierge/agentcommerce/agentcommercetest"
	"github.com/conciergehq/concierge/agentcommerce/ucp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// catalogShop serves UCP for a shop selling trail shoes in three
// variants (two sizes, two colours) and a mug without variants, whose
// catalog is read live from bot.
type catalogShop struct {
	srv *httptest.Server
	bot atomic.Pointer[concierge.Bot]
}

func eur(minor int64) concierge.Money { return concierge.Money{Minor: minor, Currency: "EUR"} }

func trailShoe(sku, size, color string, price int64, stock int) concierge.Product {
	return concierge.Product{SKU: concierge.SKU(sku), Group: "TRAIL-ALPINA", Category: "Shoes", Tags: []string{"trail"},
		Name:        map[concierge.Locale]string{"en": "Alpina trail running shoes", "fr": "Chaussures de trail Alpina"},
		Description: map[concierge.Locale]string{"en": "Light shoes for mountain trails."},
		Image:       "/chat/static/img/trail-" + color + ".svg",
		Price:       eur(price), Stock: stock, Attrs: map[string]string{"size": size, "color": color, "material": "mesh"}}
}

// newCatalogShop starts the shop; options may add products (before
// its stock is seeded) and set the shop's fields, such as Rank.
func newCatalogShop(t *testing.T, url string, options ...func(s *catalogShop, bot *concierge.Bot, sh *agentcommerce.Shop)) *catalogShop {
	t.Helper()
	db := act.OpenStore(t, url)
	bot := &concierge.Bot{ID: "shop-a", Name: "Shop", Locales: []concierge.Locale{"en", "fr"}, Currency: "EUR", Products: []concierge.Product{
		trailShoe("TRAIL-BLU-41", "41", "bleu", 8900, 2),
		trailShoe("TRAIL-BLU-42", "42", "bleu", 8900, 4),
		trailShoe("TRAIL-BLK-42", "42", "noir", 9200, 1),
		{SKU: "MUG", Name: map[concierge.Locale]string{"en": "Enamel mug"}, Category: "Kitchen", Price: eur(1200), Stock: 5},
	}}
	s := &catalogShop{}
	sh := &agentcommerce.Shop{Bot: bot, Live: s.bot.Load, Handlers: map[string]agentcommerce.Payer{"sandbox": agentcommerce.Sandbox{}},
		WidgetURL: "http://localhost/chat/shop-a"}
	for _, o := range options {
		o(s, bot, sh)
	}
	s.bot.Store(bot)
	svc := act.NewService(t, db, sh)
	h := ucp.New(ucp.Config{Service: svc, BaseURL: "http://localhost", Bots: []concierge.BotID{"shop-a"}})
	mux := http.NewServeMux()
	h.Register(mux)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// call posts body to path as a UCP platform and returns the status and
// the decoded body.
func (s *catalogShop) call(t *testing.T, method, path, body string, header ...string) (int, map[string]any, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("UCP-Agent", `profile="https://platform.example/.well-known/ucp"`)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	st, out, b, _ := act.Do(t, req)
	return st, out, b
}

// golden compares b, indented, with testdata/name.
func golden(t *testing.T, name string, b []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatalf("%s: %v: %s", name, err, b)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs (go test -run %s -update to rewrite):\n%s", name, t.Name(), buf.Bytes())
	}
}

func ids(list any, field string) []string {
	var out []string
	items, _ := list.([]any)
	for _, x := range items {
		id, _ := jget(x, field).(string)
		out = append(out, id)
	}
	return out
}

// jget reads a dotted path (object keys, array indexes) from v.
func jget(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// TestCatalogSearchAndLookup: the business profile declares the catalog's
// search and lookup; a search lists the trail shoes once, as one product
// whose variants are the three SKUs with their sizes and colours,
// prices in minor units and live stock (a checkout's reservation shows),
// the featured variant one that can be bought; a page at a time with a
// cursor; lookup resolves a group and a variant of it to one product with
// each identifier's input, and names unknown identifiers; get_product
// narrows by the buyer's selections with availability signals, relaxing
// what no variant has; the catalog is the live one. Both databases.
func TestCatalogSearchAndLookup(t *testing.T) {
	act.EachDB(t, func(t *testing.T, url string) {
		s := newCatalogShop(t, url)

		st, prof, _ := s.call(t, "GET", "/ucp/shop-a/.well-known/ucp", "")
		caps, _ := jget(prof, "ucp.capabilities").(map[string]any)
		for _, c := range []string{ucp.CatalogSearch, ucp.CatalogLookup} {
			if st != 200 || jget(caps[c], "0.version") != ucp.Version {
				t.Fatalf("profile does not declare %s: %d %v", c, st, jget(prof, "ucp.capabilities"))
			}
		}

		st, res, b := s.call(t, "POST", "/ucp/shop-a/catalog/search", `{"query":"trail shoes"}`)
		if st != 200 {
			t.Fatalf("search: %d %s", st, b)
		}
		golden(t, "catalog_search_trail.json", b)

		// A checkout reserves every blue 41 and the black 42: they read
		// out of stock, and the featured variant is the blue 42.
		st, _, b = s.call(t, "POST", "/ucp/shop-a/checkout-sessions", `{"line_items":[{"item":{"id":"TRAIL-BLU-41"},"quantity":2},{"item":{"id":"TRAIL-BLK-42"},"quantity":1}]}`, "Idempotency-Key", "k1")
		if st != 201 {
			t.Fatalf("checkout: %d %s", st, b)
		}
		_, res, _ = s.call(t, "POST", "/ucp/shop-a/catalog/search", `{"query":"alpina"}`)
		p := jget(res, "products.0")
		if got := ids(jget(p, "variants"), "id"); strings.Join(got, ",") != "TRAIL-BLU-42,TRAIL-BLU-41,TRAIL-BLK-42" {
			t.Errorf("variants after the reservation: %v, want the blue 42 first", got)
		}
		if jget(p, "variants.1.availability.available") != false || jget(p, "variants.1.availability.quantity") != 0.0 ||
			jget(p, "variants.0.availability.quantity") != 4.0 {
			t.Errorf("availability after the reservation: %v", jget(p, "variants"))
		}

		// Pages of one: the shoes, the mug, then nothing more.
		var seen []string
		body := `{"filters":{"price":{"min":1000}},"pagination":{"limit":1}}`
		for range 3 {
			st, res, b = s.call(t, "POST", "/ucp/shop-a/catalog/search", body)
			if st != 200 || jget(res, "pagination.total_count") != 2.0 {
				t.Fatalf("page: %d %s", st, b)
			}
			seen = append(seen, ids(res["products"], "id")...)
			c, _ := jget(res, "pagination.cursor").(string)
			if (c != "") != (jget(res, "pagination.has_next_page") == true) {
				t.Fatalf("cursor %q with has_next_page %v", c, jget(res, "pagination.has_next_page"))
			}
			if c == "" {
				break
			}
			body = `{"filters":{"price":{"min":1000}},"pagination":{"limit":1,"cursor":"` + c + `"}}`
		}
		if strings.Join(seen, ",") != "TRAIL-ALPINA,MUG" {
			t.Errorf("pages: %v", seen)
		}
		for filters, want := range map[string]string{
			`{"categories":["kitchen"]}`:                              "MUG",
			`{"price":{"min":9000}}`:                                  "TRAIL-ALPINA", // the black pair costs 92.00
			`{"price":{"max":1000}}`:                                  "",
			`{"categories":["Shoes","Kitchen"],"price":{"max":1200}}`: "MUG",
			`{"categories":["shoes"],"price":{"max":8900}}`:           "TRAIL-ALPINA",
		} {
			_, res, _ := s.call(t, "POST", "/ucp/shop-a/catalog/search", `{"filters":`+filters+`}`)
			if got := strings.Join(ids(res["products"], "id"), ","); got != want {
				t.Errorf("filters %s: %q, want %q", filters, got, want)
			}
		}

		st, res, b = s.call(t, "POST", "/ucp/shop-a/catalog/lookup", `{"ids":["TRAIL-BLK-42","TRAIL-ALPINA","MUG","NOPE","MUG"]}`)
		if st != 200 {
			t.Fatalf("lookup: %d %s", st, b)
		}
		golden(t, "catalog_lookup.json", b)

		// get_product: the black ones, of which no 41 exists.
		st, _, b = s.call(t, "POST", "/ucp/shop-a/catalog/product", `{"id":"TRAIL-ALPINA","selected":[{"name":"Color","label":"NOIR"}]}`)
		if st != 200 {
			t.Fatalf("get_product: %d %s", st, b)
		}
		golden(t, "catalog_product_noir.json", b)
		// Black in 41 does not exist: the size goes, as preferences say.
		_, res, _ = s.call(t, "POST", "/ucp/shop-a/catalog/product", `{"id":"TRAIL-ALPINA","selected":[{"name":"size","label":"41"},{"name":"color","label":"noir"}],"preferences":["color","size"]}`)
		if sel, _ := json.Marshal(jget(res, "product.selected")); string(sel) != `[{"label":"noir","name":"color"}]` {
			t.Errorf("relaxed selection: %s, want color noir", sel)
		}
		// A variant's id: that variant first, its own options selected.
		_, res, _ = s.call(t, "POST", "/ucp/shop-a/catalog/product", `{"id":"TRAIL-BLU-41","selected":[{"name":"color","label":"noir"}]}`)
		if jget(res, "product.variants.0.id") != "TRAIL-BLU-41" || len(jget(res, "product.selected").([]any)) != 2 || jget(res, "product.selected.0.label") != "bleu" || jget(res, "product.selected.1.label") != "41" {
			t.Errorf("get_product by variant: %v", res["product"])
		}
		// A product without variants is its own variant, without options.
		_, res, _ = s.call(t, "POST", "/ucp/shop-a/catalog/product", `{"id":"MUG"}`)
		if jget(res, "product.id") != "MUG" || jget(res, "product.variants.0.id") != "MUG" || jget(res, "product.options") != nil ||
			jget(res, "product.price_range.min.amount") != 1200.0 {
			t.Errorf("get_product MUG: %v", res)
		}

		// The live catalog: a new price shows at once.
		b2 := *s.bot.Load()
		b2.Products = append([]concierge.Product(nil), b2.Products...)
		b2.Products[3].Price = eur(1500)
		s.bot.Store(&b2)
		_, res, _ = s.call(t, "POST", "/ucp/shop-a/catalog/lookup", `{"ids":["MUG"]}`)
		if jget(res, "products.0.variants.0.price.amount") != 1500.0 {
			t.Errorf("lookup after the price change: %v", res)
		}
	})
}

// TestCatalogBadInput: every malformed catalog request is refused with
// UCP's error (a transport error with its code, or for get_product's
// unknown id the spec's 200 with ucp.status error and an unrecoverable
// message) and changes no stock.
func TestCatalogBadInput(t *testing.T) {
	act.EachDB(t, func(t *testing.T, url string) {
		s := newCatalogShop(t, url)
		many := make([]string, 51)
		for i := range many {
			many[i] = `"ID-` + string(rune('A'+i%26)) + string(rune('a'+i/26)) + `"`
		}
		for _, c := range []struct {
			name, path, body string
			header           []string
			status           int
			code             string
		}{
			{"no UCP-Agent", "search", `{"query":"mug"}`, []string{"UCP-Agent", ""}, 400, "invalid_request"},
			{"not JSON", "search", `{"query":`, nil, 400, "invalid_request"},
			{"nothing to search", "search", `{}`, nil, 400, "invalid_request"},
			{"blank query", "search", `{"query":"   "}`, nil, 400, "invalid_request"},
			{"huge query", "search", `{"query":"` + strings.Repeat("mug ", 126) + `"}`, nil, 400, "invalid_request"},
			{"limit 0", "search", `{"query":"mug","pagination":{"limit":0}}`, nil, 400, "invalid_request"},
			{"negative limit", "search", `{"query":"mug","pagination":{"limit":-3}}`, nil, 400, "invalid_request"},
			{"limit not a number", "search", `{"query":"mug","pagination":{"limit":"ten"}}`, nil, 400, "invalid_request"},
			{"forged cursor", "search", `{"query":"mug","pagination":{"cursor":"not-a-cursor"}}`, nil, 400, "invalid_request"},
			{"negative cursor", "search", `{"query":"mug","pagination":{"cursor":"bzotMQ"}}`, nil, 400, "invalid_request"},
			{"unsupported purpose", "search", `{"query":"mug","purpose":"swap","reference_ids":["MUG"]}`, nil, 400, "invalid_request"},
			{"no ids", "lookup", `{"ids":[]}`, nil, 400, "invalid_request"},
			{"too many ids", "lookup", `{"ids":[` + strings.Join(many, ",") + `]}`, nil, 400, "request_too_large"},
			{"ids not a list", "lookup", `{"ids":"MUG"}`, nil, 400, "invalid_request"},
			{"no id", "product", `{}`, nil, 400, "invalid_request"},
			{"option selected twice", "product", `{"id":"TRAIL-ALPINA","selected":[{"name":"size","label":"41"},{"name":"Size","label":"42"}]}`, nil, 400, "invalid_request"},
			{"unknown product", "product", `{"id":"NOPE"}`, nil, 200, "not_found"},
			{"huge id", "product", `{"id":"` + strings.Repeat("x", 300) + `"}`, nil, 200, "not_found"},
		} {
			t.Run(c.name, func(t *testing.T) {
				st, res, b := s.call(t, "POST", "/ucp/shop-a/catalog/"+c.path, c.body, c.header...)
				if st != c.status {
					t.Fatalf("%d %s, want %d", st, b, c.status)
				}
				if c.status == 200 {
					if jget(res, "ucp.status") != "error" || jget(res, "messages.0.code") != c.code || jget(res, "messages.0.severity") != "unrecoverable" || res["product"] != nil {
						t.Errorf("%s, want ucp.status error with an unrecoverable %s", b, c.code)
					}
					return
				}
				if res["code"] != c.code || res["content"] == "" {
					t.Errorf("%s, want code %s", b, c.code)
				}
			})
		}
		// A limit above the most is clamped, not refused (search.md).
		if st, res, b := s.call(t, "POST", "/ucp/shop-a/catalog/search", `{"query":"mug","pagination":{"limit":100000}}`); st != 200 || len(res["products"].([]any)) != 1 {
			t.Errorf("a large limit: %d %s", st, b)
		}
		// Unknown lookup ids are not an error: fewer products and a message.
		st, res, b := s.call(t, "POST", "/ucp/shop-a/catalog/lookup", `{"ids":["NOPE"]}`)
		if st != 200 || len(res["products"].([]any)) != 0 || jget(res, "messages.0.code") != "not_found" || jget(res, "messages.0.content") != "NOPE" {
			t.Errorf("lookup of an unknown id: %d %s", st, b)
		}
		// Nothing was reserved by any of it.
		_, res, _ = s.call(t, "POST", "/ucp/shop-a/catalog/lookup", `{"ids":["TRAIL-BLU-41","TRAIL-BLU-42","TRAIL-BLK-42","MUG"]}`)
		for _, v := range []string{"products.0.variants.0", "products.0.variants.1", "products.0.variants.2", "products.1.variants.0"} {
			if q := jget(res, v+".availability.quantity"); q == 0.0 || q == nil {
				t.Errorf("%s: quantity %v", v, q)
			}
		}
	})
}
