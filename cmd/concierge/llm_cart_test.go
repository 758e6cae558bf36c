package main

import (
	"context"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// sixCupSet is a product whose name holds a number, added to the sample
// catalog for the tests of the cart rule.
const sixCupSet = `    - sku: CUPS-6
      category: gifts
      name: { fr: Coffret de six tasses, en: Set of six cups, zh: 六杯套装 }
      price: "36.00"
      stock: 20
      tags: [gift, ceramic]
`

// TestLLMCartGrounded: the cart rule binds the LLM brain. A model that
// reads "six" in "le coffret de six tasses" as a quantity is refused with
// the reason, corrects itself to one set, and a model that adds a product
// the customer never named is refused too; the cart holds what the
// customer asked for.
func TestLLMCartGrounded(t *testing.T) {
	var reasons []string
	f := newFakeModel(t, func(req openai.ChatCompletionRequest) (int, any) {
		user, res := turn(req)
		switch {
		case strings.Contains(user, "six tasses") && len(res) == 0:
			return calls(call("add_to_cart", `{"sku":"CUPS-6","quantity":6}`))
		case strings.Contains(user, "six tasses") && len(res) == 1:
			reasons = append(reasons, res[0])
			return calls(call("add_to_cart", `{"sku":"CUPS-6"}`))
		case strings.Contains(user, "six tasses"):
			return say("C'est ajouté.")
		case strings.Contains(user, "bonjour") && len(res) == 0:
			return calls(call("add_to_cart", `{"sku":"LAMP-01","quantity":1}`))
		case strings.Contains(user, "bonjour") && len(res) == 1:
			reasons = append(reasons, res[0])
			return say("Bonjour ! Que cherchez-vous ?")
		}
		return say("?")
	})
	y := strings.Replace(sampleBot(t), "kind: rules ", "kind: llm   ", 1)
	y = strings.Replace(y, `    api_key: "${LLM_API_KEY:-}"`, "    api_key: \"${LLM_API_KEY:-}\"\n    headers: { X-Gateway: shop-1 }", 1)
	y = strings.Replace(y, "  products:\n", "  products:\n"+sixCupSet, 1)
	if !strings.Contains(y, "CUPS-6") || !strings.Contains(y, "kind: llm") {
		t.Fatal("could not rewrite the sample bot file")
	}
	s := runLLMShop(t, f, y, nil)
	c := s.customer("fr")

	c.say("bonjour")
	c.say("je voudrais le coffret de six tasses")
	if len(reasons) != 2 {
		t.Fatalf("the model was refused %d times, want 2: %q", len(reasons), reasons)
	}
	if !strings.Contains(reasons[0], "did not name") || !strings.Contains(reasons[0], "LAMP-01") {
		t.Errorf("refusal of an unasked product = %s", reasons[0])
	}
	if !strings.Contains(reasons[1], "asked for 1") || !strings.Contains(reasons[1], "not 6") {
		t.Errorf("refusal of 6 sets = %s", reasons[1])
	}
	lines, err := s.m.DB.CartOf(context.Background(), mustConv(t, s, c).ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0].SKU != "CUPS-6" || lines[0].Quantity != 1 {
		t.Fatalf("cart = %+v, want 1 × CUPS-6", lines)
	}
}
