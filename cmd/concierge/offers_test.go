package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/web"
	"github.com/conciergehq/concierge/offers/offerstest"
)

const atelierKey = "atelier-secret-3c9d7e1f"

// supplierBot is the sample bot with a supplier of made-to-order lamps,
// its key from the environment.
func supplierBot(t *testing.T, sup *offerstest.Supplier) *Main {
	cfg := rewrite(t, sampleBot(t), map[string]string{"catalog:\n  products:\n": `catalog:
  sources:
    - format: http
      name: atelier
      url: "` + sup.URL + `/lamps?q={query}&n={quantity}"
      headers: { X-Api-Key: "${ATELIER_KEY}" }
      offers: { list: data.rooms, id: code, title: name, price: rate.amount, currency: rate.currency, available: left }
      timeout: 2s
      cache_ttl: 1m
  products:
`})
	env := map[string]string{"ATELIER_KEY": atelierKey}
	return &Main{ConfigPath: writeBot(t, cfg), DBURL: tempSQLite(t), Getenv: func(k string) string { return env[k] }}
}

// TestSupplierOffersServe: serve wires a bot file's supplier: a customer
// on the web widget finds its lamp beside the catalog's, puts it in the
// cart at the supplier's price, and pays the price the supplier asks at
// checkout after it raised it; the key goes to the supplier and nowhere
// else.
func TestSupplierOffersServe(t *testing.T) {
	sup := offerstest.Start(t, offerstest.Room{Code: "BRASS-1", Name: "Made-to-order brass lamp", Price: 129.0, Left: 2})
	s := runMain(t, supplierBot(t, sup))
	c := s.customer("en")
	brass := concierge.OfferSKU("atelier", "BRASS-1")

	found := c.say("I'm looking for a made-to-order brass lamp")
	for range 5 { // the offer may be on a later page of the list
		next := nextPage(found)
		if hasCard(found, brass) || next == nil {
			break
		}
		found = c.post(next.Label, next.Value)
	}
	if !hasCard(found, brass) {
		t.Fatalf("the supplier's lamp was not shown:%s", dump(found))
	}
	c.press(found, "add:"+string(brass))
	sup.SetPrice("BRASS-1", 149.0)
	es := c.post("checkout", "checkout")
	es = c.press(es, "consent:yes") // the sample shop asks before the first order
	if !strings.Contains(dump(es), "changed from €129.00 to €149.00") {
		t.Fatalf("the new price was not told before payment:%s", dump(es))
	}
	for _, e := range es {
		if e.Message.Kind == concierge.MessagePayment {
			t.Fatalf("a payment was asked at the old price:%s", dump(es))
		}
	}
	es = c.press(es, "checkout")
	pay := find(t, es, concierge.MessagePayment).Message.Payment
	if pay.Amount.Minor != 14900 {
		t.Errorf("payment of %v, want the supplier's new 149.00", pay.Amount)
	}

	r := sup.Requests()
	if len(r) < 3 || r[0].Header.Get("X-Api-Key") != atelierKey {
		t.Errorf("supplier requests %+v: want the search and two checks, with the key", r)
	}
	var all bytes.Buffer
	for _, e := range c.history() {
		all.WriteString(e.Message.Text + e.Message.Fallback)
	}
	if strings.Contains(all.String()+s.logs.String(), atelierKey) {
		t.Error("the supplier's key reached the transcript or the log")
	}
}

// nextPage is the "next page" button of a list in es, or nil.
func nextPage(es []web.Entry) *concierge.Button {
	for _, e := range es {
		if p := e.Message.Pager; p != nil && p.Next != nil {
			return p.Next
		}
	}
	return nil
}

// TestValidateSupplier: validate counts a bot file's suppliers without
// asking them, and reports a bad supplier source at its position without
// the value of its environment variables.
func TestValidateSupplier(t *testing.T) {
	env := map[string]string{"SUPPLIER_TOKEN": "tok-4a8b2c", "SECRET_URL": "not a url sekrit-url-value", "SECRET_TOKEN": "sekrit token value!", "SECRET_TIMEOUT": "sekrit-timeout-value"}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"validate", "../../config/testdata/good/supplier.yaml"}, strings.NewReader(""), &out, &errb, getenv)
	if code != 0 || !strings.Contains(out.String(), "ok (bot hotel, 1 products; 2 suppliers asked at each search)") {
		t.Errorf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	code = run(t.Context(), []string{"validate", "../../config/testdata/bad/bad-supplier.yaml"}, strings.NewReader(""), &out, &errb, getenv)
	if code != 1 || !strings.Contains(errb.String(), "bad-supplier.yaml:15:12: catalog.sources[1].url: unknown slot {day}") {
		t.Errorf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
	for _, v := range env {
		if strings.Contains(out.String()+errb.String(), v) {
			t.Errorf("validate showed the value %q", v)
		}
	}
}

// TestSupplierOffersLLM: the LLM brain searches with the supplier's
// slots, puts the offer the customer points at in the cart, and a
// checkout after the supplier raised its price places no order, tells the
// model why, and leaves the new price in the cart.
func TestSupplierOffersLLM(t *testing.T) {
	sup := offerstest.Start(t,
		offerstest.Room{Code: "BRASS-1", Name: "Made-to-order brass lamp", Price: 129.0, Left: 2},
		offerstest.Room{Code: "OAK-2", Name: "Made-to-order oak lamp", Price: 89.0, Left: 1})
	var checkoutResults []string
	f := newFakeModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		user, res := turn(req)
		switch {
		case strings.Contains(user, "made to measure") && len(res) == 0:
			return calls(call("search_products", `{"query":"made-to-order","from":"2026-12-24","quantity":1}`))
		case strings.Contains(user, "made to measure"):
			return say("Our workshop can make a brass lamp or an oak lamp.")
		case strings.Contains(user, "first one") && len(res) == 0:
			return calls(call("add_to_cart", `{"sku":"@atelier/BRASS-1"}`))
		case strings.Contains(user, "first one"):
			return say("It is in your cart.")
		case strings.Contains(user, "pay") && len(res) == 0:
			return calls(call("checkout", `{}`))
		case strings.Contains(user, "pay"):
			checkoutResults = append(checkoutResults, res[0])
			return say("The workshop changed its price: please look at your cart before paying.")
		}
		return say("?")
	})
	y := supplierBot(t, sup)
	cfg, err := os.ReadFile(y.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	bot := rewrite(t, string(cfg), map[string]string{"kind: rules ": "kind: llm   ", "  consent: { before: checkout }\n": "",
		`    api_key: "${LLM_API_KEY:-}"`: "    api_key: \"${LLM_API_KEY:-}\"\n    headers: { X-Gateway: shop-1 }"})
	s := runLLMShop(t, f, bot, func(m *Main) {
		m.Getenv = func(k string) string {
			return map[string]string{"ATELIER_KEY": atelierKey, "LLM_BASE_URL": f.srv.URL + "/v1", "LLM_MODEL": "test-model", "LLM_API_KEY": "test-key"}[k]
		}
	})
	c := s.customer("en")

	c.say("Do you have lamps made to measure?")
	if r := sup.Requests(); len(r) == 0 || !strings.Contains(r[0].URL, "q=made-to-order") {
		t.Fatalf("the supplier was asked %+v", r)
	}
	c.say("I'll take the first one")
	lines, err := s.m.DB.CartOf(t.Context(), mustConv(t, s, c).ID)
	if err != nil || len(lines) != 1 || lines[0].Offer == nil || lines[0].Offer.Price.Minor != 12900 {
		t.Fatalf("cart %+v (%v): want the brass lamp at 129.00", lines, err)
	}
	sup.SetPrice("BRASS-1", 149.0)
	es := c.say("Let me pay")
	for _, e := range es {
		if e.Message.Kind == concierge.MessagePayment {
			t.Fatalf("a payment was asked after the price changed:%s", dump(es))
		}
	}
	if len(checkoutResults) == 0 || !strings.Contains(checkoutResults[0], "now costs 14900 (was 12900") {
		t.Errorf("the model was told %q", checkoutResults)
	}
	lines, _ = s.m.DB.CartOf(t.Context(), mustConv(t, s, c).ID)
	if len(lines) != 1 || lines[0].Offer.Price.Minor != 14900 {
		t.Errorf("cart %+v: want the new price", lines)
	}
	if conv := mustConv(t, s, c); conv.Memory.LastOrder != "" {
		t.Errorf("an order was placed: %s", conv.Memory.LastOrder)
	}
}
