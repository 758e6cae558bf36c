package main

import (
	"context"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
)

// TestPurchaseInThreeTurns is the promise of the README: a customer who
// names a product gets from search to the payment button in at most three
// turns, pays on the sandbox page, is told in the chat, and can ask for
// their order — in French, English and Chinese.
func TestPurchaseInThreeTurns(t *testing.T) {
	tests := []struct {
		locale, search   string
		sku              concierge.SKU
		paidWord, status string
		statusWord       string
	}{
		{"fr", "je cherche une lampe de bureau", "LAMP-02", "payée", "où en est ma commande ?", "payée"},
		{"en", "a warm bedside lamp under 60 euros", "LAMP-01", "paid", "order status", "paid"},
		{"zh", "我想买台灯", "LAMP-02", "已支付", "我的订单", "已付款"},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			s := startShop(t, "")
			c := s.customer(tt.locale)
			found := c.say(tt.search)
			if !hasCard(found, tt.sku) {
				t.Fatalf("search %q: no card of %s in %s", tt.search, tt.sku, dump(found))
			}
			for _, card := range find(t, found, concierge.MessageCards).Message.Cards {
				if card.Title == "" || card.PriceText == "" || card.StockText == "" || card.Image == "" {
					t.Errorf("card %+v lacks image, name, price or stock", card)
				}
			}
			consent := c.press(found, "buy:"+string(tt.sku))
			payment := c.press(consent, "consent:yes")
			pm := find(t, payment, concierge.MessagePayment)
			if c.turns > 3 {
				t.Fatalf("payment button after %d turns, want at most 3", c.turns)
			}
			price := s.m.Bots[0].Product(tt.sku).Price
			if pm.Message.Payment.Amount != price {
				t.Fatalf("amount %+v, want the catalog's %+v", pm.Message.Payment.Amount, price)
			}
			order := pm.Message.Payment.Order
			s.pay(pm.Message.Payment)
			paid := c.replies()
			if !strings.Contains(dump(paid), tt.paidWord) || !strings.Contains(dump(paid), string(order)) {
				t.Fatalf("after payment the chat says %s; want %q and order %s", dump(paid), tt.paidWord, order)
			}
			st := c.say(tt.status)
			om := find(t, st, concierge.MessageOrder)
			if om.Message.Order.ID != order || om.Message.Order.State != concierge.OrderPaid || !strings.Contains(om.Message.Order.StateText, tt.statusWord) {
				t.Fatalf("order status: %s", dump(st))
			}
			o, err := s.m.DB.GetOrder(context.Background(), order)
			if err != nil || o.State != concierge.OrderPaid || o.Total != price {
				t.Fatalf("stored order %+v, %v", o, err)
			}
		})
	}
}

// TestCompareCartAndQuantities walks the rest of the loop: compare what was
// shown, add with a quantity, change it, remove, and check out by words.
func TestCompareCartAndQuantities(t *testing.T) {
	s := startShop(t, "")
	c := s.customer("en")
	found := c.say("do you have bedside lamps")
	if len(find(t, found, concierge.MessageCards).Message.Cards) < 2 {
		t.Fatalf("want several bedside lamps: %s", dump(found))
	}
	cmp := find(t, c.say("compare the first two"), concierge.MessageComparison)
	if n := len(cmp.Message.Comparison.Products); n != 2 || len(cmp.Message.Comparison.Rows) < 3 {
		t.Fatalf("comparison: %+v", cmp.Message.Comparison)
	}
	cmp2 := find(t, c.say("which one is brighter, Aurore or Zenith?"), concierge.MessageComparison)
	if cmp2.Message.Comparison.Products[0].SKU != "LAMP-01" || cmp2.Message.Comparison.Products[1].SKU != "LAMP-02" {
		t.Fatalf("named comparison: %+v", cmp2.Message.Comparison.Products)
	}
	cart := find(t, c.say("add three Zenith lamps"), concierge.MessageCart).Message.Cart
	if len(cart.Lines) != 1 || cart.Lines[0].SKU != "LAMP-02" || cart.Lines[0].Quantity != 3 {
		t.Fatalf("cart after add: %+v", cart)
	}
	cart = find(t, c.say("make it 2"), concierge.MessageCart).Message.Cart
	if cart.Lines[0].Quantity != 2 || cart.Total.Minor != 2*7900 {
		t.Fatalf("cart after change: %+v", cart)
	}
	cart = find(t, c.say("add 2 Aurore lamps"), concierge.MessageCart).Message.Cart
	if len(cart.Lines) != 2 || cart.Total.Minor != 2*7900+2*4900 {
		t.Fatalf("cart with two lines: %+v", cart)
	}
	after := c.say("remove the Zenith")
	cart = find(t, after, concierge.MessageCart).Message.Cart
	if len(cart.Lines) != 1 || cart.Lines[0].SKU != "LAMP-01" {
		t.Fatalf("cart after remove: %s", dump(after))
	}
	ask := c.say("checkout please")
	if !strings.Contains(dump(ask), "agree") {
		t.Fatalf("consent not asked: %s", dump(ask))
	}
	pm := find(t, c.say("yes, I agree"), concierge.MessagePayment)
	if pm.Message.Payment.Amount.Minor != 2*4900 {
		t.Fatalf("payment %+v", pm.Message.Payment)
	}
	if v := find(t, c.say("what's in my cart"), concierge.MessageText); !strings.Contains(v.Message.Text, "empty") {
		t.Fatalf("cart after checkout should be empty: %q", v.Message.Text)
	}
}

// TestHandoff: asking for a person, or not being understood twice, marks
// the conversation as waiting for a human, tells the customer, and the
// bot stays silent afterwards.
func TestHandoff(t *testing.T) {
	s := startShop(t, "")
	ctx := context.Background()
	state := func(c *customer) concierge.ConversationState {
		conv, err := s.m.DB.FindConversation(ctx, "maison-lumiere", concierge.ChannelWeb, concierge.ChatID(c.session))
		if err != nil {
			t.Fatal(err)
		}
		return conv.State
	}
	for _, tt := range []struct{ locale, text string }{{"fr", "je veux parler à un humain"}, {"en", "can I talk to a real person"}, {"zh", "转人工"}} {
		c := s.customer(tt.locale)
		find(t, c.say(tt.text), concierge.MessageHandoff)
		if st := state(c); st != concierge.StateWaiting {
			t.Fatalf("%s: state %s, want waiting", tt.locale, st)
		}
		hs, _ := s.m.DB.Handoffs(ctx, mustConv(t, s, c).ID)
		if len(hs) != 1 || hs[0].Reason != concierge.HandoffAsked {
			t.Fatalf("handoff records: %+v", hs)
		}
	}
	c := s.customer("en")
	first := c.say("asdfghjkl")
	if find(t, first, concierge.MessageText); state(c) != concierge.StateBot {
		t.Fatal("one miss must not hand off yet")
	}
	find(t, c.say("qwertyuiop zxcv"), concierge.MessageHandoff)
	if state(c) != concierge.StateWaiting {
		t.Fatal("two misses must hand off")
	}
	// The bot is silent now: the message is stored for the human, no reply.
	c.n++
	c.postSilently("hello?")
	if es := c.history(); es[len(es)-1].From != "customer" {
		t.Fatalf("bot answered while waiting for a human: %s", dump(es))
	}
}

func mustConv(t *testing.T, s *shop, c *customer) *concierge.Conversation {
	conv, err := s.m.DB.FindConversation(context.Background(), "maison-lumiere", concierge.ChannelWeb, concierge.ChatID(c.session))
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

// TestPurchaseOnPostgres runs a purchase with the store on PostgreSQL.
func TestPurchaseOnPostgres(t *testing.T) {
	s := startShop(t, testenv.PostgresURL(t))
	c := s.customer("en")
	pm := find(t, c.press(c.press(c.say("tell me more about the Zenith"), "buy:LAMP-02"), "consent:yes"), concierge.MessagePayment)
	s.pay(pm.Message.Payment)
	if !strings.Contains(dump(c.replies()), "paid") {
		t.Fatal("no paid confirmation")
	}
}

// TestTakeItAndPay: "I'll take it, checkout please" adds what was shown
// and goes straight to checkout.
func TestTakeItAndPay(t *testing.T) {
	s := startShop(t, "")
	c := s.customer("en")
	c.say("tell me more about the Zenith")
	ask := c.say("I'll take it, checkout please")
	if !strings.Contains(dump(ask), "agree") {
		t.Fatalf("want the consent question: %s", dump(ask))
	}
	pm := find(t, c.say("yes, I agree"), concierge.MessagePayment)
	if pm.Message.Payment.Amount.Minor != 7900 {
		t.Fatalf("payment %+v", pm.Message.Payment)
	}
}

// TestRefineSearch: "something cheaper?" and "under 50?" narrow the last
// search instead of starting over.
func TestRefineSearch(t *testing.T) {
	s := startShop(t, "")
	for _, tt := range []struct{ locale, first, refine string }{
		{"fr", "je cherche une lampe de bureau", "quelque chose de moins cher ?"},
		{"zh", "我想买台灯", "有没有便宜一点的"},
		{"en", "looking for a desk lamp", "anything under 50 euros?"},
	} {
		c := s.customer(tt.locale)
		c.say(tt.first)
		cards := find(t, c.say(tt.refine), concierge.MessageCards).Message.Cards
		for _, card := range cards {
			if p := s.m.Bots[0].Product(card.SKU); p.Category != "desk" {
				t.Errorf("%s: %q shows %s (%s), want desk lamps only", tt.locale, tt.refine, card.SKU, p.Category)
			}
		}
		if len(cards) > 1 && cards[0].Price.Minor > cards[1].Price.Minor && tt.locale != "en" {
			t.Errorf("%s: not cheapest first: %v then %v", tt.locale, cards[0].Price, cards[1].Price)
		}
	}
}
