package llm

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
)

// TestDecodeArguments: a tool call's arguments are held to the schema the
// model was given; what breaks it is a tool error naming the field, and
// nothing runs.
func TestDecodeArguments(t *testing.T) {
	byName, _, err := schemas()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tool, args string
		want       agent.Action // nil: refused
		errHas     string
	}{
		{"search_products", `{"query":"lampe","sort":"price_asc","price_max":5000}`, agent.SearchCall{Query: "lampe", Sort: "price_asc", PriceMax: 5000}, ""},
		{"search_products", `{"query":"t-shirt","attributes":{"color":["bleu"],"size":["M","L"]},"in_stock":true}`,
			agent.SearchCall{Query: "t-shirt", Attributes: map[string][]string{"color": {"bleu"}, "size": {"M", "L"}}, InStock: true}, ""},
		{"search_products", `{"query":"t-shirt","attributes":{"color":"bleu"}}`, nil, "cannot unmarshal"},
		{"search_products", `{"query":"lampe","ranges":{"lumens":{"min":"400","max":800},"weight":{"max":"1.5 kg"}}}`,
			agent.SearchCall{Query: "lampe", Ranges: map[string]concierge.Range{"lumens": {Min: "400", Max: "800"}, "weight": {Max: "1.5 kg"}}}, ""},
		{"search_products", `{"query":"lampe","ranges":{"lumens":{"from":400}}}`, nil, `unknown field "from"`},
		{"search_products", `{"query":"lampe","sort":"cheapest"}`, nil, "sort must be one of relevance, price_asc, price_desc"},
		{"search_products", `{"query":"lampe","price_max":-1}`, nil, "price_max must be at least 0"},
		{"search_products", `{}`, nil, "query is required"},
		{"show_product", `{"sku":"LAMP-01"}`, agent.ShowCall{SKU: "LAMP-01"}, ""},
		{"show_product", ``, nil, "sku is required"},
		{"show_product", `{"sku": `, nil, "invalid arguments for show_product"},
		{"show_product", `{"sku":42}`, nil, "invalid arguments for show_product"},
		{"compare_products", `{"skus":["LAMP-01"]}`, nil, "skus needs at least 2 items"},
		{"compare_products", `{"skus":["A","B","C","D","E"]}`, nil, "skus takes at most 4 items"},
		{"add_to_cart", `{"sku":"LAMP-01","quantity":2}`, agent.AddToCartCall{SKU: "LAMP-01", Quantity: 2}, ""},
		{"add_to_cart", `{"sku":"LAMP-01"}`, agent.AddToCartCall{SKU: "LAMP-01"}, ""},
		{"add_to_cart", `{"sku":"LAMP-01","quantity":0}`, nil, "quantity must be at least 1"},
		{"add_to_cart", `{"sku":"LAMP-01","quantity":-3}`, nil, "quantity must be at least 1"},
		{"add_to_cart", `{"sku":"LAMP-01","quantity":500}`, nil, "quantity must be at most 20"},
		{"add_to_cart", `{"sku":"LAMP-01","price":0}`, nil, `unknown field "price"`},
		{"set_quantity", `{"sku":"LAMP-01","quantity":0}`, agent.SetQuantityCall{SKU: "LAMP-01"}, ""},
		{"set_quantity", `{"sku":"LAMP-01"}`, nil, "quantity is required"},
		{"set_quantity", `{"sku":"LAMP-01","quantity":null}`, nil, "quantity is required"},
		{"record_consent", `{"agreed":true}`, agent.ConsentCall{Agreed: true}, ""},
		{"record_consent", `{}`, nil, "agreed is required"},
		{"request_refund", `{"reason":"cassée","amount":50000}`, nil, `unknown field "amount"`},
		{"request_refund", `{"order":"A1"}`, nil, "reason is required"},
		{"handoff_to_human", `{"reason":"dispute"}`, agent.HandoffCall{Reason: "dispute"}, ""},
		{"handoff_to_human", `{"reason":"vip_customer"}`, nil, "reason must be one of asked, dispute, complaint, other"},
		{"view_cart", `{}`, agent.ViewCartCall{}, ""},
		{"checkout", ``, agent.CheckoutCall{}, ""},
		{"checkout", `{"total":0}`, nil, `unknown field "total"`},
	} {
		t.Run(tc.tool+" "+tc.args, func(t *testing.T) {
			got, err := byName[tc.tool].decode(tc.args)
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) || !strings.Contains(err.Error(), "call it again") {
					t.Fatalf("decode = %#v, %v; want an error with %q", got, err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflectEqual(got, tc.want) {
				t.Errorf("decode = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func reflectEqual(a, b agent.Action) bool {
	// The argument types hold strings, numbers and slices of SKUs only.
	if c, ok := a.(agent.CompareCall); ok {
		d, ok := b.(agent.CompareCall)
		return ok && slices.Equal(c.SKUs, d.SKUs)
	}
	return reflect.DeepEqual(a, b) // SearchCall's attributes are a map
}

// TestToolsDocumented: docs/llm.md's table of tool schemas lists every
// tool the model is offered, in order, with exactly its arguments, and
// marks the optional ones with "?".
func TestToolsDocumented(t *testing.T) {
	raw, err := os.ReadFile("../../docs/llm.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start := strings.Index(doc, "## Tool schemas")
	if start < 0 {
		t.Fatal("docs/llm.md has no Tool schemas section")
	}
	doc = doc[start:]
	doc = doc[:strings.Index(doc[3:], "\n## ")+3]
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| (.*) \\|$")
	arg := regexp.MustCompile("`([a-z_]+)(\\??)`")
	var documented []string
	args := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		documented = append(documented, m[1])
		for _, a := range arg.FindAllStringSubmatch(m[2], -1) {
			args[m[1]] = append(args[m[1]], a[1]+a[2])
		}
	}
	_, defs, err := schemas()
	if err != nil {
		t.Fatal(err)
	}
	var offered []string
	for _, d := range defs {
		name := d.Function.Name
		offered = append(offered, name)
		params := d.Function.Parameters.(map[string]any)
		props, _ := params["properties"].(map[string]any)
		req, _ := params["required"].([]any)
		var want []string
		for p := range props {
			if slices.Contains(req, any(p)) {
				want = append(want, p)
			} else {
				want = append(want, p+"?")
			}
		}
		slices.Sort(want)
		got := slices.Sorted(slices.Values(args[name]))
		if !slices.Equal(got, want) {
			t.Errorf("docs/llm.md documents %s with %v; its schema has %v", name, got, want)
		}
	}
	if !slices.Equal(documented, offered) {
		t.Errorf("docs/llm.md documents tools %v; the model is offered %v", documented, offered)
	}
}
