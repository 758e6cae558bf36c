package agent_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/store"
)

// TestCartIsPricedFromTheCatalog: whatever is in the cart, its lines and
// total, the order and the payment request are catalog price × quantity in
// minor units (invariant 4).
func TestCartIsPricedFromTheCatalog(t *testing.T) {
	tests := []struct {
		name  string
		lines map[concierge.SKU]int
		total int64
	}{
		{"one line", map[concierge.SKU]int{"LAMP-01": 2}, 9800},
		{"half euros", map[concierge.SKU]int{"BULB-02": 3, "LAMP-03": 1}, 3*950 + 3500},
		{"digital and many", map[concierge.SKU]int{"GIFT-30": 1, "SHADE-01": 4, "BULB-01": 20}, 3000 + 4*2500 + 20*600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			c := s.customer("en")
			c.fill(tt.lines)
			var cv agent.CartView
			c.turn(func(ctx context.Context, tn *agent.Turn) error {
				var err error
				cv, err = tn.Tools.Cart(ctx)
				return err
			})
			want := concierge.Money{Minor: tt.total, Currency: "EUR"}
			if cv.Total != want {
				t.Errorf("cart total %+v, want %+v", cv.Total, want)
			}
			if len(cv.Lines) != len(tt.lines) {
				t.Errorf("cart has %d lines, want %d", len(cv.Lines), len(tt.lines))
			}
			for _, l := range cv.Lines {
				p := s.bot.Product(l.Product.SKU)
				if l.Quantity != tt.lines[p.SKU] || l.Total != p.Price.Mul(l.Quantity) {
					t.Errorf("line %s × %d = %+v, want %d × %+v", p.SKU, l.Quantity, l.Total, tt.lines[p.SKU], p.Price)
				}
			}

			var o *concierge.Order
			var pr *concierge.PaymentRequest
			c.turn(func(ctx context.Context, tn *agent.Turn) error {
				tn.Tools.Consent(true)
				var err error
				o, pr, err = tn.Tools.Checkout(ctx)
				return err
			})
			if o == nil || pr == nil {
				t.Fatal("no order placed")
			}
			stored, err := s.db.GetOrder(s.ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Total != want || pr.Amount != want {
				t.Errorf("order total %+v, payment %+v, want %+v", stored.Total, pr.Amount, want)
			}
			for _, l := range stored.Lines {
				if p := s.bot.Product(l.SKU); l.Unit != p.Price || l.Quantity != tt.lines[l.SKU] {
					t.Errorf("order line %+v, want %d at %+v", l, tt.lines[l.SKU], p.Price)
				}
			}
			if got := c.cart(); len(got) != 0 {
				t.Errorf("the cart holds %v after checkout, want it empty", got)
			}
		})
	}
}

// TestCartPriceIsTheCatalogsNow: the cart stores no price, so a price the
// merchant changes applies to carts already filled.
func TestCartPriceIsTheCatalogsNow(t *testing.T) {
	s := openShop(t)
	c := s.customer("en")
	c.fill(map[concierge.SKU]int{"LAMP-01": 2})
	s.bot.Product("LAMP-01").Price.Minor = 4500 // the shop's bot is the one the agent reads
	var o *concierge.Order
	c.turn(func(ctx context.Context, tn *agent.Turn) error {
		tn.Tools.Consent(true)
		var err error
		o, _, err = tn.Tools.Checkout(ctx)
		return err
	})
	if o == nil || o.Total.Minor != 9000 || o.Lines[0].Unit.Minor != 4500 {
		t.Fatalf("order %+v, want 2 × 45.00 = 90.00", o)
	}
}

// TestOrdersOfAnotherConversationAreInvisible: a customer who types
// another customer's order id sees nothing of it and changes nothing.
func TestOrdersOfAnotherConversationAreInvisible(t *testing.T) {
	tests := []struct {
		name string
		call func(ctx context.Context, tl *agent.Tools, ref concierge.OrderID) ([]*concierge.Order, error)
	}{
		{"orders", func(ctx context.Context, tl *agent.Tools, ref concierge.OrderID) ([]*concierge.Order, error) {
			return tl.Orders(ctx, ref)
		}},
		{"cancel", func(ctx context.Context, tl *agent.Tools, ref concierge.OrderID) ([]*concierge.Order, error) {
			o, err := tl.CancelOrder(ctx, ref)
			if o != nil {
				return []*concierge.Order{o}, err
			}
			return nil, err
		}},
		{"refund", func(ctx context.Context, tl *agent.Tools, ref concierge.OrderID) ([]*concierge.Order, error) {
			p, err := tl.RequestRefund(ctx, ref, "please")
			if p != nil && p.Order != nil {
				return []*concierge.Order{p.Order}, err
			}
			return nil, err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			alice, bob := s.customer("en"), s.customer("en")
			theirs := alice.order(map[concierge.SKU]int{"LAMP-02": 1})
			bob.order(map[concierge.SKU]int{"LAMP-03": 1})

			var got []*concierge.Order
			var err error
			bob.turn(func(ctx context.Context, tn *agent.Turn) error {
				got, err = tt.call(ctx, tn.Tools, theirs.ID)
				return nil
			})
			for _, o := range got {
				if o.ID == theirs.ID {
					t.Errorf("bob got alice's order %s", o.ID)
				}
			}
			if tt.name != "refund" && concierge.ErrorCode(err) != concierge.CodeNotFound {
				t.Errorf("err %v, want not found", err)
			}
			o, gerr := s.db.GetOrder(s.ctx, theirs.ID)
			if gerr != nil || o.State != concierge.OrderPending {
				t.Errorf("alice's order is now %+v (%v), want it untouched", o, gerr)
			}
			if n := s.stock()["LAMP-02"]; n != 2 {
				t.Errorf("LAMP-02 stock %d, want 2 (alice's reservation kept)", n)
			}
		})
	}
}

// TestCancelOrder: only an order waiting for payment can be cancelled, and
// cancelling gives its stock back; a paid one needs a refund, which people
// decide.
func TestCancelOrder(t *testing.T) {
	tests := []struct {
		name      string
		prepare   func(s *shop, o *concierge.Order)
		wantErr   error
		wantState concierge.OrderState
		wantStock int // of LAMP-01, 12 at the start, 2 ordered
	}{
		{"pending", func(*shop, *concierge.Order) {}, nil, concierge.OrderCancelled, 12},
		{"paid", func(s *shop, o *concierge.Order) { s.pay(o) }, concierge.ErrBadTransition, concierge.OrderPaid, 10},
		{"already cancelled", func(s *shop, o *concierge.Order) {
			s.inTx(func(tx *store.Tx) error { return s.co.CancelOrder(s.ctx, tx, o) })
		}, concierge.ErrBadTransition, concierge.OrderCancelled, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			c := s.customer("fr")
			o := c.order(map[concierge.SKU]int{"LAMP-01": 2})
			tt.prepare(s, o)
			var err error
			c.turn(func(ctx context.Context, tn *agent.Turn) error {
				_, err = tn.Tools.CancelOrder(ctx, "")
				return nil
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("cancel: %v, want %v", err, tt.wantErr)
			}
			stored, _ := s.db.GetOrder(s.ctx, o.ID)
			if stored.State != tt.wantState {
				t.Errorf("order is %s, want %s", stored.State, tt.wantState)
			}
			if n := s.stock()["LAMP-01"]; n != tt.wantStock {
				t.Errorf("LAMP-01 stock %d, want %d", n, tt.wantStock)
			}
		})
	}
}

// TestCheckoutConsent: with the policy "consent before checkout", no
// order is placed until the customer agreed; the question is remembered.
// Without the policy, nothing is asked.
func TestCheckoutConsent(t *testing.T) {
	tests := []struct {
		name    string
		policy  string
		consent bool
		wantErr error
	}{
		{"asked, not agreed", "checkout", false, agent.ErrConsentNeeded},
		{"asked, agreed", "checkout", true, nil},
		{"never asked", "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			s.bot.Policies.ConsentBefore = tt.policy
			c := s.customer("en")
			c.fill(map[concierge.SKU]int{"LAMP-03": 2})
			var o *concierge.Order
			var err error
			c.turn(func(ctx context.Context, tn *agent.Turn) error {
				if tt.consent {
					tn.Tools.Consent(true)
				}
				o, _, err = tn.Tools.Checkout(ctx)
				return nil
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("checkout: %v, want %v", err, tt.wantErr)
			}
			orders, stock, cart, mem := c.orders(), s.stock()["LAMP-03"], c.cart(), c.conv().Memory
			if tt.wantErr != nil {
				if o != nil || len(orders) != 0 || stock != 20 || cart["LAMP-03"] != 2 {
					t.Errorf("refused checkout left order %v, %d orders, stock %d, cart %v", o, len(orders), stock, cart)
				}
				if mem.Pending != "consent" {
					t.Errorf("memory %+v does not remember the consent question", mem)
				}
				return
			}
			if len(orders) != 1 || stock != 18 || len(cart) != 0 || mem.LastOrder != o.ID {
				t.Errorf("checkout: %d orders, stock %d, cart %v, memory %+v", len(orders), stock, cart, mem)
			}
		})
	}
}

// TestCheckoutOfAnEmptyCart places nothing, whether or not the customer
// agreed.
func TestCheckoutOfAnEmptyCart(t *testing.T) {
	for _, consent := range []bool{false, true} {
		t.Run(map[bool]string{false: "not agreed", true: "agreed"}[consent], func(t *testing.T) {
			s := openShop(t)
			c := s.customer("en")
			var err error
			c.turn(func(ctx context.Context, tn *agent.Turn) error {
				tn.Tools.Consent(consent)
				_, _, err = tn.Tools.Checkout(ctx)
				return nil
			})
			if !errors.Is(err, concierge.ErrEmptyCart) {
				t.Errorf("checkout of an empty cart: %v, want ErrEmptyCart", err)
			}
			if n := len(c.orders()); n != 0 {
				t.Errorf("%d orders, want none", n)
			}
		})
	}
}

// TestCartChangesEnforceStockAndLimits: a refused change leaves the cart as
// it was, even though the brain goes on and the turn commits.
func TestCartChangesEnforceStockAndLimits(t *testing.T) {
	start := map[concierge.SKU]int{"LAMP-02": 1} // LAMP-02 has 3 in stock
	type change func(ctx context.Context, tl *agent.Tools) error
	set := func(sku concierge.SKU, q int) change {
		return func(ctx context.Context, tl *agent.Tools) error { _, err := tl.SetQuantity(ctx, sku, q); return err }
	}
	add := func(sku concierge.SKU, q int) change {
		return func(ctx context.Context, tl *agent.Tools) error { _, err := tl.AddToCart(ctx, sku, q); return err }
	}
	remove := func(sku concierge.SKU) change {
		return func(ctx context.Context, tl *agent.Tools) error { _, err := tl.RemoveFromCart(ctx, sku); return err }
	}
	tests := []struct {
		name     string
		reserved int // LAMP-02 reserved by another customer's order first
		change   change
		code     concierge.Code
		is       error
		want     map[concierge.SKU]int
	}{
		{"set beyond stock", 0, set("LAMP-02", 4), concierge.CodeConflict, concierge.ErrOutOfStock, start},
		{"add beyond stock", 0, add("LAMP-02", 3), concierge.CodeConflict, concierge.ErrOutOfStock, start},
		{"stock reserved by an order", 2, set("LAMP-02", 2), concierge.CodeConflict, concierge.ErrOutOfStock, start},
		{"over the line limit", 0, set("BULB-01", agent.MaxQuantity+1), concierge.CodeInvalid, nil, start},
		{"add over the line limit", 0, add("BULB-01", agent.MaxQuantity+1), concierge.CodeInvalid, nil, start},
		{"add up over the line limit", 0, add("LAMP-02", agent.MaxQuantity), concierge.CodeInvalid, nil, start},
		{"negative", 0, set("LAMP-02", -1), concierge.CodeInvalid, nil, start},
		{"unknown product", 0, add("NOPE", 1), concierge.CodeNotFound, nil, start},
		{"all the stock", 0, set("LAMP-02", 3), "", nil, map[concierge.SKU]int{"LAMP-02": 3}},
		{"exactly the limit", 0, add("BULB-01", agent.MaxQuantity), "", nil, map[concierge.SKU]int{"LAMP-02": 1, "BULB-01": 20}},
		{"remove", 0, remove("LAMP-02"), "", nil, map[concierge.SKU]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			if tt.reserved > 0 {
				s.customer("en").order(map[concierge.SKU]int{"LAMP-02": tt.reserved})
			}
			c := s.customer("en")
			c.fill(start)
			var err error
			_, failed := c.turn(func(ctx context.Context, tn *agent.Turn) error {
				err = tt.change(ctx, tn.Tools)
				return nil // a brain that shows the refusal and goes on
			})
			if failed {
				t.Fatal("the turn failed")
			}
			if concierge.ErrorCode(err) != tt.code || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("err %v (code %q), want code %q", err, concierge.ErrorCode(err), tt.code)
			}
			if got := c.cart(); !maps.Equal(got, tt.want) {
				t.Errorf("cart %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLineLimitIsTheMerchants: policies.max_quantity replaces the default
// bound of a cart line, for raising it (a shop selling by the dozen) and
// for lowering it.
func TestLineLimitIsTheMerchants(t *testing.T) {
	tests := []struct {
		limit, quantity int
		code            concierge.Code
	}{
		{30, 30, ""},
		{30, 31, concierge.CodeInvalid},
		{5, 5, ""},
		{5, 6, concierge.CodeInvalid},
		{0, agent.MaxQuantity, ""}, // no bound set: the default
		{0, agent.MaxQuantity + 1, concierge.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("limit %d quantity %d", tt.limit, tt.quantity), func(t *testing.T) {
			s := openShopWith(t, func(sh *agent.Shop) { sh.Bot.Policies.MaxQuantity = tt.limit })
			c := s.customer("en")
			var err error
			if _, failed := c.turn(func(ctx context.Context, tn *agent.Turn) error {
				_, err = tn.Tools.SetQuantity(ctx, "BULB-01", tt.quantity)
				return nil
			}); failed {
				t.Fatal("the turn failed")
			}
			if concierge.ErrorCode(err) != tt.code {
				t.Fatalf("SetQuantity(%d) with limit %d: err %v, want code %q", tt.quantity, tt.limit, err, tt.code)
			}
			want := map[concierge.SKU]int{"BULB-01": tt.quantity}
			if tt.code != "" {
				want = map[concierge.SKU]int{}
			}
			if got := c.cart(); !maps.Equal(got, want) {
				t.Errorf("cart %v, want %v", got, want)
			}
		})
	}
}

// TestHandoff: handing off records who, why and when, and the
// conversation then waits for a person; a second hand-off in the same turn
// records nothing more.
func TestHandoff(t *testing.T) {
	for _, reason := range []concierge.HandoffReason{concierge.HandoffAsked, concierge.HandoffRefund, concierge.HandoffFailed} {
		t.Run(string(reason), func(t *testing.T) {
			s := openShop(t)
			c := s.customer("fr")
			c.turn(func(ctx context.Context, tn *agent.Turn) error {
				tn.Conv.Memory.Pending, tn.Conv.Memory.FailedTurns = concierge.QuestionConsent, 1
				return nil
			})
			before := s.clock.now
			c.turn(func(ctx context.Context, tn *agent.Turn) error {
				if err := tn.Tools.Handoff(ctx, reason); err != nil {
					return err
				}
				return tn.Tools.Handoff(ctx, "again")
			})
			conv := c.conv()
			if conv.State != concierge.StateWaiting || conv.Memory.Pending != "" || conv.Memory.FailedTurns != 0 {
				t.Errorf("conversation %+v, want waiting with no question pending", conv)
			}
			hs, err := s.db.Handoffs(s.ctx, conv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(hs) != 1 {
				t.Fatalf("%d hand-offs recorded, want 1: %+v", len(hs), hs)
			}
			h := hs[0]
			if h.Reason != reason || h.By != "bot" || h.From != concierge.StateBot || h.To != concierge.StateWaiting || !h.At.After(before) || h.At.After(s.clock.now) {
				t.Errorf("hand-off %+v, want %q by bot, bot → waiting, during the turn", h, reason)
			}
		})
	}
}

// TestTurnIsSilentWhenPeopleOwnTheConversation: while a conversation waits
// for a person or has one, the brain is not asked and nothing is sent;
// the message stays in the transcript for the person.
func TestTurnIsSilentWhenPeopleOwnTheConversation(t *testing.T) {
	for _, state := range []concierge.ConversationState{concierge.StateWaiting, concierge.StateHuman, concierge.StateClosed} {
		t.Run(string(state), func(t *testing.T) {
			s := openShop(t)
			c := s.customer("en")
			c.turn(nil)
			conv := c.conv()
			conv.State = state
			s.inTx(func(tx *store.Tx) error { return tx.SaveConversation(s.ctx, conv) })
			calls := s.brain.calls()
			for _, ev := range []concierge.Event{
				{Kind: concierge.EventText, Text: "hello?"},
				{Kind: concierge.EventButton, Value: "add:LAMP-01"},
				{Kind: concierge.EventSubscribe},
			} {
				if replies, failed := c.send(ev); len(replies) != 0 || failed {
					t.Errorf("%s: %d replies (failed %v), want silence", ev.Kind, len(replies), failed)
				}
			}
			if s.brain.calls() != calls {
				t.Errorf("the brain was asked %d times", s.brain.calls()-calls)
			}
			if got := c.conv().State; got != state {
				t.Errorf("state %s, want %s", got, state)
			}
			es, _ := s.db.Transcript(s.ctx, s.bot.ID, concierge.ChannelWeb, c.chat, 0, 100)
			var in int
			for _, e := range es {
				if e.Dir == "in" && e.Status == "done" {
					in++
				}
			}
			if in != 4 {
				t.Errorf("%d inbound messages kept as handled, want 4", in)
			}
		})
	}
}

// TestFailApologizes: a turn that fails leaves the customer one apology in
// their language, and none of the error's words — on their first message
// as on a later one.
func TestFailApologizes(t *testing.T) {
	for _, loc := range []concierge.Locale{"fr", "en", "zh"} {
		for _, first := range []bool{true, false} {
			t.Run(string(loc)+map[bool]string{true: "/first message", false: "/later"}[first], func(t *testing.T) {
				s := openShop(t)
				c := s.customer(loc)
				if !first {
					c.turn(nil)
				}
				replies, failed := c.turn(func(ctx context.Context, tn *agent.Turn) error {
					return errors.New("database exploded at 10.0.0.7")
				})
				if !failed {
					t.Fatal("the turn did not fail")
				}
				want := s.texts.T(loc, "error_generic", nil)
				if len(replies) != 1 || replies[0].Kind != concierge.MessageText || replies[0].Text != want || want == "error_generic" {
					t.Fatalf("replies %+v, want one %q", replies, want)
				}
				if strings.Contains(replies[0].Text, "exploded") {
					t.Error("the apology leaks the error")
				}
			})
		}
	}
}

// TestFailedTurnLeavesNothing: whatever a brain did before failing — cart,
// order, stock, hand-off, memory, messages — is undone with the turn.
func TestFailedTurnLeavesNothing(t *testing.T) {
	tests := []struct {
		name string
		do   func(ctx context.Context, tn *agent.Turn) error
	}{
		{"cart", func(ctx context.Context, tn *agent.Turn) error {
			_, err := tn.Tools.AddToCart(ctx, "LAMP-01", 2)
			return err
		}},
		{"order", func(ctx context.Context, tn *agent.Turn) error {
			if _, err := tn.Tools.AddToCart(ctx, "LAMP-01", 2); err != nil {
				return err
			}
			tn.Tools.Consent(true)
			_, _, err := tn.Tools.Checkout(ctx)
			return err
		}},
		{"handoff", func(ctx context.Context, tn *agent.Turn) error {
			return tn.Tools.Handoff(ctx, concierge.HandoffAsked)
		}},
		{"search and say", func(ctx context.Context, tn *agent.Turn) error {
			pvs, err := tn.Tools.Search(ctx, agent.SearchArgs{Query: "lamp"})
			tn.ShowProducts("look", pvs)
			tn.SetLocale("zh")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			c := s.customer("fr")
			c.turn(nil)
			before := c.conv()
			stock := s.stock()
			replies, failed := c.turn(func(ctx context.Context, tn *agent.Turn) error {
				if err := tt.do(ctx, tn); err != nil {
					t.Errorf("before failing: %v", err)
				}
				return errors.New("brain: the model went away")
			})
			if !failed {
				t.Fatal("the turn did not fail")
			}
			if len(replies) != 1 || replies[0].Text != s.texts.T("fr", "error_generic", nil) {
				t.Errorf("replies %+v, want only the apology", replies)
			}
			after := c.conv()
			if after.State != before.State || after.Locale != before.Locale || after.Memory.Focus != before.Memory.Focus ||
				len(after.Memory.Shown) != len(before.Memory.Shown) || after.Memory.Consent != before.Memory.Consent || after.Memory.LastOrder != "" {
				t.Errorf("conversation %+v, was %+v", after, before)
			}
			if cart := c.cart(); len(cart) != 0 {
				t.Errorf("cart %v, want empty", cart)
			}
			if n := len(c.orders()); n != 0 {
				t.Errorf("%d orders, want none", n)
			}
			if got := s.stock(); !maps.Equal(got, stock) {
				t.Errorf("stock changed: LAMP-01 %d, was %d", got["LAMP-01"], stock["LAMP-01"])
			}
			if hs, _ := s.db.Handoffs(s.ctx, after.ID); len(hs) != 0 {
				t.Errorf("hand-offs %+v, want none", hs)
			}
		})
	}
}

// TestCheckoutShortOfStockReservesNothing: an order refused because one
// line is short takes no stock for the other lines, even when the brain
// goes on after the refusal (as the rules brain does).
func TestCheckoutShortOfStockReservesNothing(t *testing.T) {
	s := openShop(t)
	c := s.customer("en")
	c.fill(map[concierge.SKU]int{"LAMP-01": 1})
	c.fill(map[concierge.SKU]int{"LAMP-02": 3})
	s.customer("en").order(map[concierge.SKU]int{"LAMP-02": 1}) // now only 2 left
	var err error
	c.turn(func(ctx context.Context, tn *agent.Turn) error {
		tn.Tools.Consent(true)
		_, _, err = tn.Tools.Checkout(ctx)
		return nil
	})
	if !errors.Is(err, concierge.ErrOutOfStock) {
		t.Fatalf("checkout: %v, want ErrOutOfStock", err)
	}
	if n := len(c.orders()); n != 0 {
		t.Errorf("%d orders, want none", n)
	}
	if got := c.cart(); !maps.Equal(got, map[concierge.SKU]int{"LAMP-01": 1, "LAMP-02": 3}) {
		t.Errorf("cart %v, want it kept", got)
	}
	if n := s.stock()["LAMP-01"]; n != 12 {
		t.Errorf("LAMP-01 stock %d after a refused order, want 12: the turn commits (the brain handled ErrOutOfStock), so the refused order must have reserved nothing", n)
	}
}

// TestUnsubscribeMarksTheConversationUndeliverable: when the platform says
// the customer blocked the bot, sends stop until they write again.
func TestUnsubscribeMarksTheConversationUndeliverable(t *testing.T) {
	s := openShop(t)
	c := s.customer("en")
	c.turn(nil)
	if replies, _ := c.send(concierge.Event{Kind: concierge.EventUnsubscribe}); len(replies) != 0 {
		t.Errorf("replies to an unsubscribe: %+v", replies)
	}
	if !c.conv().Undeliverable {
		t.Fatal("an unsubscribe must mark the conversation undeliverable")
	}
	c.turn(nil)
	if c.conv().Undeliverable {
		t.Error("still undeliverable after the customer wrote again")
	}
}
