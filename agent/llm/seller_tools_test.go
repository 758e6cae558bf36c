package llm

import (
	"errors"
	"slices"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// TestDecodeSellerCall: a seller call is read only when it names one of
// the seller's operations with arguments matching its schema.
func TestDecodeSellerCall(t *testing.T) {
	good := []struct {
		name, args string
		want       SellerCall
	}{
		{"stock", `{"lang":"fr","product":" Aurore "}`, SellerCall{Op: "stock", Lang: "fr", Product: "Aurore"}},
		{"orders", `{"lang":"zh","period":"week"}`, SellerCall{Op: "orders", Lang: "zh", Period: "week"}},
		{"set_stock", `{"lang":"en","product":"LAMP-01","count":0}`, SellerCall{Op: "set_stock", Lang: "en", Product: "LAMP-01"}},
		{"set_stock", `{"lang":"en","product":"LAMP-01","count":-2}`, SellerCall{Op: "set_stock", Lang: "en", Product: "LAMP-01", N: -2}},
		{"set_price", `{"lang":"en","product":"Luna","price":"39 $"}`, SellerCall{Op: "set_price", Lang: "en", Product: "Luna", Amount: "39 $"}},
		{"refuse_refund", `{"lang":"en","refund":17,"reason":"Used"}`, SellerCall{Op: "refuse_refund", Lang: "en", ID: "17", Reason: "Used"}},
		{"hand_back", `{"lang":"fr","conversation":88}`, SellerCall{Op: "hand_back", Lang: "fr", ID: "88"}},
		{"order", `{"lang":"en","id":"ML-K7QF3X"}`, SellerCall{Op: "order", Lang: "en", ID: "ML-K7QF3X"}},
	}
	for _, c := range good {
		got, err := decodeSellerCall(c.name, c.args)
		if err != nil || got != c.want {
			t.Errorf("%s %s = %+v, %v; want %+v", c.name, c.args, got, err, c.want)
		}
	}
	bad := []struct{ name, args string }{
		{"drop_tables", `{"lang":"en"}`},
		{"search_products", `{"query":"lamp"}`}, // a customer's tool
		{"stock", `{"lang":"en"}`},              // no product
		{"stock", `{"product":"Aurore"}`},       // no language
		{"stock", `{"lang":"de","product":"Aurore"}`},
		{"orders", `{"lang":"en","period":"year"}`},
		{"set_stock", `{"lang":"en","product":"LAMP-01","count":"lots"}`},
		{"set_stock", `{"lang":"en","product":"LAMP-01","count":3,"price":"1 €"}`},
		{"approve_refund", `{"lang":"en","refund":"seventeen"}`},
		{"approve_refund", `not json`},
	}
	for _, c := range bad {
		if got, err := decodeSellerCall(c.name, c.args); !errors.Is(err, ErrNoSellerOp) {
			t.Errorf("%s %s = %+v, %v; want ErrNoSellerOp", c.name, c.args, got, err)
		}
	}
}

// TestDecodeSellerCalls: one answer may ask for several operations, read
// in order with a repeated call counted once; one bad call among them,
// none, or more than MaxSellerOps, and nothing is read.
func TestDecodeSellerCalls(t *testing.T) {
	tc := func(name, args string) openai.ToolCall {
		return openai.ToolCall{Type: openai.ToolTypeFunction, Function: openai.FunctionCall{Name: name, Arguments: args}}
	}
	stock := tc("stock", `{"lang":"en","product":"Aurore"}`)
	setPrice := tc("set_price", `{"lang":"en","product":"Luna","price":"39 €"}`)
	got, err := decodeSellerCalls([]openai.ToolCall{stock, setPrice, stock})
	want := []SellerCall{{Op: "stock", Lang: "en", Product: "Aurore"}, {Op: "set_price", Lang: "en", Product: "Luna", Amount: "39 €"}}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("decodeSellerCalls = %+v, %v; want %+v", got, err, want)
	}
	five := []openai.ToolCall{stock, setPrice, tc("orders", `{"lang":"en"}`), tc("revenue", `{"lang":"en"}`), tc("inbox", `{"lang":"en"}`)}
	if _, err := decodeSellerCalls(five[:MaxSellerOps]); err != nil {
		t.Errorf("%d operations refused: %v", MaxSellerOps, err)
	}
	for name, calls := range map[string][]openai.ToolCall{
		"none":              nil,
		"one bad among two": {stock, tc("set_stock", `{"lang":"en","product":"LAMP-01","count":"lots"}`)},
		"an unknown one":    {tc("drop_tables", `{"lang":"en"}`), stock},
		"too many":          five,
	} {
		if got, err := decodeSellerCalls(calls); !errors.Is(err, ErrNoSellerOp) || got != nil {
			t.Errorf("%s: %+v, %v; want ErrNoSellerOp and nothing", name, got, err)
		}
	}
}
