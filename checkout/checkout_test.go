package checkout_test

import (
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/store"
)

// TestPlaceOrder: the order is priced from the catalog in minor units, its
// stock reserved, its payment window the bot's order TTL, and its payment
// request asks exactly the order's total. PlaceOrder leaves the cart alone:
// emptying it is the caller's business.
func TestPlaceOrder(t *testing.T) {
	tests := []struct {
		name   string
		lines  []concierge.CartLine
		total  int64
		titles []string // in the bot's default language
	}{
		{"one line", []concierge.CartLine{line("LAMP-01", 2)}, 9800, []string{"Lampe de chevet Aurore"}},
		{"cents", []concierge.CartLine{line("BULB-02", 3), line("SHADE-02", 1)}, 3*950 + 3400, []string{"Ampoule LED E14 à intensité variable", "Abat-jour plissé en coton"}},
		{"digital", []concierge.CartLine{line("GIFT-50", 2)}, 10000, []string{"Carte cadeau 50 €"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			c := s.customer(s.bot, "en")
			s.inTx(func(tx *store.Tx) error {
				for _, l := range tt.lines {
					if err := tx.SetCartLine(s.ctx, c.conv().ID, l.SKU, l.Quantity); err != nil {
						return err
					}
				}
				return nil
			})
			before := s.stock(s.bot.ID)

			o, pr, err := c.placeOrder(tt.lines...)
			if err != nil {
				t.Fatal(err)
			}
			stored := s.order(o.ID)
			for _, got := range []*concierge.Order{o, stored} {
				if got.Total != eur(tt.total) || got.State != concierge.OrderPending || got.Bot != s.bot.ID ||
					got.Conversation != c.conv().ID || got.Provider != "sandbox" {
					t.Errorf("order %+v, want %d EUR pending for the conversation, by sandbox", got, tt.total)
				}
				if !got.ExpiresAt.Equal(got.CreatedAt.Add(30*time.Minute)) || got.CreatedAt.IsZero() {
					t.Errorf("order created %v, expires %v: want the bot's 30 minutes", got.CreatedAt, got.ExpiresAt)
				}
				if len(got.Lines) != len(tt.lines) {
					t.Fatalf("order lines %+v, want %d", got.Lines, len(tt.lines))
				}
				for i, l := range got.Lines {
					p := s.bot.Product(tt.lines[i].SKU)
					if l.SKU != p.SKU || l.Quantity != tt.lines[i].Quantity || l.Unit != p.Price || l.Title != tt.titles[i] {
						t.Errorf("order line %+v, want %d × %s %q at %+v", l, tt.lines[i].Quantity, p.SKU, tt.titles[i], p.Price)
					}
				}
			}
			if pr.Order != o.ID || pr.Amount != eur(tt.total) || pr.Provider != "sandbox" || !pr.Sandbox ||
				!strings.HasPrefix(pr.URL, "http://shop.test/sandbox/maison-lumiere/pay/"+string(o.ID)+"?") {
				t.Errorf("payment request %+v", pr)
			}
			after := s.stock(s.bot.ID)
			for _, l := range tt.lines {
				if after[l.SKU] != before[l.SKU]-l.Quantity {
					t.Errorf("stock of %s %d, want %d reserved from %d", l.SKU, after[l.SKU], l.Quantity, before[l.SKU])
				}
			}
			if got := c.cart(); len(got) != len(tt.lines) {
				t.Errorf("cart %v after PlaceOrder, want it untouched", got)
			}
		})
	}
}

// TestPlaceOrderRefuses: a refused order leaves no order and takes no
// stock, even when the caller commits its transaction.
func TestPlaceOrderRefuses(t *testing.T) {
	tests := []struct {
		name  string
		lines []concierge.CartLine
		edit  func(s *shop) *concierge.Bot // the bot to order from; nil: the sample
		code  concierge.Code
		is    error
	}{
		{"empty", nil, nil, concierge.CodeConflict, concierge.ErrEmptyCart},
		{"unknown product", []concierge.CartLine{line("LAMP-01", 1), line("NOPE", 1)}, nil, concierge.CodeNotFound, nil},
		{"zero quantity", []concierge.CartLine{line("LAMP-01", 0)}, nil, concierge.CodeInvalid, nil},
		{"negative quantity", []concierge.CartLine{line("LAMP-01", 2), line("LAMP-03", -1)}, nil, concierge.CodeInvalid, nil},
		{"first line short", []concierge.CartLine{line("LAMP-02", 4), line("LAMP-01", 1)}, nil, concierge.CodeConflict, concierge.ErrOutOfStock},
		{"priced in another currency", []concierge.CartLine{line("LAMP-01", 1)}, func(s *shop) *concierge.Bot {
			s.bot.Product("LAMP-01").Price.Currency = "USD"
			return s.bot
		}, concierge.CodeInternal, nil},
		{"no payment provider", []concierge.CartLine{line("LAMP-01", 1)}, func(s *shop) *concierge.Bot {
			b := *s.bot
			b.ID = "no-provider"
			return &b
		}, concierge.CodeUnavailable, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			c := s.customer(s.bot, "fr")
			if tt.edit != nil {
				c.bot = tt.edit(s)
			}
			before := s.stock(s.bot.ID)
			o, pr, err := c.placeOrder(tt.lines...)
			if concierge.ErrorCode(err) != tt.code || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("err %v (code %q), want code %q", err, concierge.ErrorCode(err), tt.code)
			}
			if o != nil || pr != nil {
				t.Errorf("got order %+v and payment %+v with the error", o, pr)
			}
			if n := countOrders(s, c); n != 0 {
				t.Errorf("%d orders stored, want none", n)
			}
			if after := s.stock(s.bot.ID); !maps.Equal(after, before) {
				t.Errorf("stock changed: %v, was %v", diff(after, before), before)
			}
		})
	}
}

// TestPlaceOrderReservesAllOrNothing: when the second line is short the
// first is not reserved either, even if the caller goes on and commits —
// which the agent does when its brain shows "one of the products has just
// run short".
func TestPlaceOrderReservesAllOrNothing(t *testing.T) {
	s := openShop(t)
	c := s.customer(s.bot, "fr")
	_, _, err := c.placeOrder(line("LAMP-01", 1), line("LAMP-02", 4)) // 12 and 3 in stock
	if !errors.Is(err, concierge.ErrOutOfStock) {
		t.Fatalf("err %v, want ErrOutOfStock", err)
	}
	if n := countOrders(s, c); n != 0 {
		t.Errorf("%d orders stored, want none", n)
	}
	st := s.stock(s.bot.ID)
	if st["LAMP-02"] != 3 {
		t.Errorf("LAMP-02 stock %d, want 3", st["LAMP-02"])
	}
	if st["LAMP-01"] != 12 {
		t.Errorf("LAMP-01 stock %d, want 12: the short line must undo the lines reserved before it", st["LAMP-01"])
	}
}

// TestOrderTTL: the payment window is the bot's order_ttl, 30 minutes
// when it has none.
func TestOrderTTL(t *testing.T) {
	for _, tt := range []struct {
		ttl, want time.Duration
	}{
		{30 * time.Minute, 30 * time.Minute}, // the sample bot's
		{0, 30 * time.Minute},
		{2 * time.Hour, 2 * time.Hour},
		{90 * time.Second, 90 * time.Second},
	} {
		t.Run(tt.ttl.String(), func(t *testing.T) {
			s := openShop(t)
			s.bot.Policies.OrderTTL = tt.ttl
			c := s.customer(s.bot, "fr")
			o := s.order(c.mustOrder(line("LAMP-03", 1)).ID)
			if got := o.ExpiresAt.Sub(o.CreatedAt); got != tt.want {
				t.Errorf("payment window %v, want %v", got, tt.want)
			}
		})
	}
}

// TestOrderIDs: an order id is the initials of the bot id, a dash, and six
// characters that cannot be misheard (no 0/O, 1/I/L); they do not repeat.
func TestOrderIDs(t *testing.T) {
	tests := []struct {
		bot    concierge.BotID
		prefix string
	}{
		{"maison-lumiere", "ML"},
		{"atelier-nord", "AN"},
		{"shop", "S"},
		{"a-b-c-d", "ABC"},
		{"x--y", "XY"},
	}
	s := openShop(t, "shop", "a-b-c-d", "x--y")
	seen := map[concierge.OrderID]bool{}
	for _, tt := range tests {
		t.Run(string(tt.bot), func(t *testing.T) {
			re := regexp.MustCompile(`^` + tt.prefix + `-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$`)
			c := s.customer(s.bots[tt.bot], "en")
			for range 40 {
				o := c.mustOrder(line("GIFT-30", 1))
				if !re.MatchString(string(o.ID)) {
					t.Fatalf("order id %q, want %s", o.ID, re)
				}
				if seen[o.ID] {
					t.Fatalf("order id %s drawn twice", o.ID)
				}
				seen[o.ID] = true
			}
		})
	}
}

// TestPaidExactlyOnce: a provider that notifies three times pays the order
// once: one payment row, the order paid, one "paid" message (invariant 1).
func TestPaidExactlyOnce(t *testing.T) {
	s := openShop(t)
	c := s.customer(s.bot, "fr")
	o := c.mustOrder(line("LAMP-01", 1))
	p := s.payment(o, o.Total)
	var got []checkout.Applied
	for range 3 {
		res, err := s.paid(s.bot.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res)
	}
	if want := []checkout.Applied{checkout.AppliedPaid, checkout.AppliedDuplicate, checkout.AppliedDuplicate}; !slices.Equal(got, want) {
		t.Errorf("applied %v, want %v", got, want)
	}
	pays, err := s.db.Payments(s.ctx, o.ID)
	if err != nil || len(pays) != 1 || pays[0].ProviderRef != p.ProviderRef || pays[0].Amount != o.Total {
		t.Errorf("payments %+v (%v), want one of %+v", pays, err, o.Total)
	}
	if o := s.order(o.ID); o.State != concierge.OrderPaid || o.PaidAt.IsZero() {
		t.Errorf("order %+v, want paid with a time", o)
	}
	replies := c.replies()
	want := s.texts.T("fr", "order_paid", map[string]any{"ID": o.ID})
	if len(replies) != 1 || replies[0].Kind != concierge.MessageOrder || replies[0].Text != want ||
		replies[0].Order == nil || replies[0].Order.State != concierge.OrderPaid {
		t.Errorf("messages %+v, want one order message %q", replies, want)
	}
	if n := s.stock(s.bot.ID)["LAMP-01"]; n != 11 {
		t.Errorf("LAMP-01 stock %d, want 11: a paid order keeps its stock", n)
	}
	if st := c.conv().State; st != concierge.StateBot {
		t.Errorf("conversation %s, want bot", st)
	}
}

// TestPaymentProblems: a payment that does not match its order, or comes
// for an order no longer waiting, is recorded but does not pay it; people
// take the conversation over, and the customer is told.
func TestPaymentProblems(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(s *shop, o *concierge.Order)
		amount  func(o *concierge.Order) concierge.Money
		state   concierge.OrderState
		records int    // payment rows in the end
		text    string // what the customer is told: order_<text>
	}{
		{"a cent short", nil, func(o *concierge.Order) concierge.Money { return eur(o.Total.Minor - 1) }, concierge.OrderPending, 1, "payment_mismatch"},
		{"too much", nil, func(o *concierge.Order) concierge.Money { return eur(o.Total.Minor + 100) }, concierge.OrderPending, 1, "payment_mismatch"},
		{"another currency", nil, func(o *concierge.Order) concierge.Money {
			return concierge.Money{Minor: o.Total.Minor, Currency: "USD"}
		}, concierge.OrderPending, 1, "payment_mismatch"},
		{"expired order", func(s *shop, o *concierge.Order) {
			s.clock.Advance(31 * time.Minute)
			s.expireDue(10)
		}, total, concierge.OrderExpired, 1, "payment_late"},
		{"cancelled order", func(s *shop, o *concierge.Order) {
			s.inTx(func(tx *store.Tx) error { return s.co.CancelOrder(s.ctx, tx, o) })
		}, total, concierge.OrderCancelled, 1, "payment_late"},
		{"second charge of a paid order", func(s *shop, o *concierge.Order) {
			if res, err := s.paid(s.bot.ID, s.payment(o, o.Total)); res != checkout.AppliedPaid || err != nil {
				s.t.Fatalf("first payment: %v, %v", res, err)
			}
		}, total, concierge.OrderPaid, 2, "payment_duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			c := s.customer(s.bot, "en")
			o := c.mustOrder(line("LAMP-04", 1))
			if tt.prepare != nil {
				tt.prepare(s, o)
			}
			c.replies()
			p := s.payment(o, tt.amount(o))
			res, err := s.paid(s.bot.ID, p)
			if err != nil || res != checkout.AppliedProblem {
				t.Fatalf("applied %q, %v; want %q", res, err, checkout.AppliedProblem)
			}
			if got := s.order(o.ID).State; got != tt.state {
				t.Errorf("order is %s, want %s", got, tt.state)
			}
			if pays, _ := s.db.Payments(s.ctx, o.ID); len(pays) != tt.records {
				t.Errorf("%d payments recorded, want %d", len(pays), tt.records)
			}
			conv := c.conv()
			if conv.State != concierge.StateWaiting {
				t.Errorf("conversation %s, want waiting", conv.State)
			}
			hs, _ := s.db.Handoffs(s.ctx, conv.ID)
			if len(hs) != 1 || hs[0].Reason != concierge.HandoffPayment || hs[0].By != "checkout" ||
				hs[0].From != concierge.StateBot || hs[0].To != concierge.StateWaiting || hs[0].At.IsZero() {
				t.Errorf("hand-offs %+v, want one for %q by checkout", hs, concierge.HandoffPayment)
			}
			replies := c.replies()
			want := s.texts.T("en", "order_"+tt.text, map[string]any{"ID": o.ID})
			if len(replies) != 2 || replies[0].Kind != concierge.MessageOrder || replies[0].Text != want || replies[1].Kind != concierge.MessageHandoff {
				t.Errorf("messages %+v, want the order with %q, then the hand-off", replies, want)
			}

			// The provider retries the same notification: nothing more.
			if res, err := s.paid(s.bot.ID, p); res != checkout.AppliedDuplicate || err != nil {
				t.Errorf("the retry applied %q, %v; want duplicate", res, err)
			}
			if hs, _ := s.db.Handoffs(s.ctx, conv.ID); len(hs) != 1 {
				t.Errorf("%d hand-offs after the retry, want 1", len(hs))
			}
			if r := c.replies(); len(r) != 0 {
				t.Errorf("the retry said %+v", r)
			}
		})
	}
}

func total(o *concierge.Order) concierge.Money { return o.Total }

// TestPaymentProblemWithPeople: a payment problem in a conversation a
// person already has is recorded and told to the customer, but hands
// nothing off again and does not say "I'm handing you over".
func TestPaymentProblemWithPeople(t *testing.T) {
	s := openShop(t)
	c := s.customer(s.bot, "en")
	o := c.mustOrder(line("LAMP-04", 1))
	s.inTx(func(tx *store.Tx) error {
		conv, err := tx.Conversation(s.ctx, c.id)
		if err != nil {
			return err
		}
		conv.State = concierge.StateHuman
		return tx.SaveConversation(s.ctx, conv)
	})
	c.replies()
	if res, err := s.paid(s.bot.ID, s.payment(o, eur(o.Total.Minor-1))); err != nil || res != checkout.AppliedProblem {
		t.Fatalf("applied %q, %v; want %q", res, err, checkout.AppliedProblem)
	}
	if conv := c.conv(); conv.State != concierge.StateHuman {
		t.Errorf("conversation %s, want still human", conv.State)
	}
	if hs, _ := s.db.Handoffs(s.ctx, c.id); len(hs) != 0 {
		t.Errorf("hand-offs %+v, want none", hs)
	}
	replies := c.replies()
	if len(replies) != 1 || replies[0].Kind != concierge.MessageOrder {
		t.Errorf("messages %+v, want only the order with the mismatch notice", replies)
	}
}

// TestPaymentRefused: a notification for another bot's order, or for no
// order, is an error and leaves no trace — even when the caller commits.
func TestPaymentRefused(t *testing.T) {
	tests := []struct {
		name string
		bot  func(s *shop) concierge.BotID
		ref  func(o *concierge.Order) concierge.OrderID
		code concierge.Code
	}{
		{"another bot's order", func(s *shop) concierge.BotID { return s.other.ID }, func(o *concierge.Order) concierge.OrderID { return o.ID }, concierge.CodeInvalid},
		{"no such order", func(s *shop) concierge.BotID { return s.bot.ID }, func(*concierge.Order) concierge.OrderID { return "ML-ZZZZZZ" }, concierge.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			c := s.customer(s.bot, "fr")
			o := c.mustOrder(line("LAMP-01", 1))
			p := s.payment(o, o.Total)
			p.Order = tt.ref(o)
			res, err := s.paid(tt.bot(s), p)
			if err == nil || concierge.ErrorCode(err) != tt.code || res != "" {
				t.Errorf("applied %q, %v; want an error of code %q", res, err, tt.code)
			}
			if pays, _ := s.db.Payments(s.ctx, p.Order); len(pays) != 0 {
				t.Errorf("payments recorded: %+v", pays)
			}
			if got := s.order(o.ID).State; got != concierge.OrderPending {
				t.Errorf("order is %s, want pending", got)
			}
			conv := c.conv()
			if hs, _ := s.db.Handoffs(s.ctx, conv.ID); conv.State != concierge.StateBot || len(hs) != 0 {
				t.Errorf("conversation %s with hand-offs %+v, want untouched", conv.State, hs)
			}
			if r := c.replies(); len(r) != 0 {
				t.Errorf("messages %+v, want none", r)
			}

			// The same notification sent to the right bot still pays.
			if tt.name == "another bot's order" {
				if res, err := s.paid(s.bot.ID, p); res != checkout.AppliedPaid || err != nil {
					t.Errorf("then to its own bot: %q, %v; want paid", res, err)
				}
			}
		})
	}
}

// TestExpireDue: only orders still waiting for payment whose window has
// closed expire; their stock comes back and their customers are told.
func TestExpireDue(t *testing.T) {
	s := openShop(t)
	a, b, c, d := s.customer(s.bot, "fr"), s.customer(s.bot, "en"), s.customer(s.bot, "zh"), s.customer(s.bot, "fr")
	oa := a.mustOrder(line("LAMP-02", 1))
	s.clock.Advance(20 * time.Minute)
	ob := b.mustOrder(line("LAMP-02", 1))
	oc := c.mustOrder(line("LAMP-01", 1))
	od := d.mustOrder(line("LAMP-03", 2))
	if res, err := s.paid(s.bot.ID, s.payment(oc, oc.Total)); res != checkout.AppliedPaid || err != nil {
		t.Fatalf("pay C: %v %v", res, err)
	}
	s.inTx(func(tx *store.Tx) error { return s.co.CancelOrder(s.ctx, tx, od) })
	for _, x := range []*customer{a, b, c, d} {
		x.replies()
	}

	s.clock.Advance(11 * time.Minute) // A's window closed 1 minute ago, B's closes in 19
	if n := s.expireDue(100); n != 1 {
		t.Fatalf("expired %d orders, want 1", n)
	}
	for id, want := range map[concierge.OrderID]concierge.OrderState{oa.ID: concierge.OrderExpired, ob.ID: concierge.OrderPending, oc.ID: concierge.OrderPaid, od.ID: concierge.OrderCancelled} {
		if got := s.order(id).State; got != want {
			t.Errorf("order %s is %s, want %s", id, got, want)
		}
	}
	st := s.stock(s.bot.ID)
	if st["LAMP-02"] != 2 || st["LAMP-01"] != 11 || st["LAMP-03"] != 20 {
		t.Errorf("stock LAMP-02 %d, LAMP-01 %d, LAMP-03 %d; want 2 (A released, B held), 11 (paid), 20 (cancelled)", st["LAMP-02"], st["LAMP-01"], st["LAMP-03"])
	}
	ra := a.replies()
	want := s.texts.T("fr", "order_expired", map[string]any{"ID": oa.ID})
	if len(ra) != 1 || ra[0].Kind != concierge.MessageOrder || ra[0].Text != want || ra[0].Order.State != concierge.OrderExpired {
		t.Errorf("A was told %+v, want %q", ra, want)
	}
	for _, x := range []*customer{b, c, d} {
		if r := x.replies(); len(r) != 0 {
			t.Errorf("%s was told %+v", x.chat, r)
		}
	}

	if n := s.expireDue(100); n != 0 {
		t.Errorf("a second sweep expired %d, want 0", n)
	}
	if r := a.replies(); len(r) != 0 {
		t.Errorf("A was told again: %+v", r)
	}
	s.clock.Advance(20 * time.Minute)
	if n := s.expireDue(100); n != 1 || s.order(ob.ID).State != concierge.OrderExpired || s.stock(s.bot.ID)["LAMP-02"] != 3 {
		t.Errorf("B's turn: expired %d, B %s, LAMP-02 %d; want 1, expired, 3", n, s.order(ob.ID).State, s.stock(s.bot.ID)["LAMP-02"])
	}
}

// TestExpireDueHonoursItsLimit: a sweep expires at most limit orders; the
// next sweep takes the rest.
func TestExpireDueHonoursItsLimit(t *testing.T) {
	s := openShop(t)
	c := s.customer(s.bot, "en")
	for range 3 {
		c.mustOrder(line("BULB-01", 2))
	}
	s.clock.Advance(time.Hour)
	if n := s.expireDue(2); n != 2 {
		t.Errorf("first sweep expired %d, want 2", n)
	}
	if n := s.expireDue(2); n != 1 {
		t.Errorf("second sweep expired %d, want 1", n)
	}
	if n := s.stock(s.bot.ID)["BULB-01"]; n != 120 {
		t.Errorf("BULB-01 stock %d, want 120", n)
	}
}

// TestCancelOrder: cancelling an order waiting for payment releases its
// stock; any other state, or a copy of the order that is out of date, is
// refused and changes nothing.
func TestCancelOrder(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(s *shop, o *concierge.Order) *concierge.Order // returns the copy to cancel
		err     error
		state   concierge.OrderState
		stock   int // of LAMP-05: 5, 2 ordered
	}{
		{"pending", func(s *shop, o *concierge.Order) *concierge.Order { return o }, nil, concierge.OrderCancelled, 5},
		{"paid", func(s *shop, o *concierge.Order) *concierge.Order {
			s.paid(s.bot.ID, s.payment(o, o.Total))
			return s.order(o.ID)
		}, concierge.ErrBadTransition, concierge.OrderPaid, 3},
		{"expired", func(s *shop, o *concierge.Order) *concierge.Order {
			s.clock.Advance(time.Hour)
			s.expireDue(10)
			return s.order(o.ID)
		}, concierge.ErrBadTransition, concierge.OrderExpired, 5},
		{"paid meanwhile (stale copy)", func(s *shop, o *concierge.Order) *concierge.Order {
			stale := *o
			s.paid(s.bot.ID, s.payment(o, o.Total))
			return &stale
		}, concierge.ErrBadTransition, concierge.OrderPaid, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			c := s.customer(s.bot, "fr")
			o := tt.prepare(s, c.mustOrder(line("LAMP-05", 2)))
			c.replies()
			var err error
			s.inTx(func(tx *store.Tx) error {
				err = s.co.CancelOrder(s.ctx, tx, o)
				return nil
			})
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("cancel: %v, want %v", err, tt.err)
			}
			if got := s.order(o.ID).State; got != tt.state {
				t.Errorf("order is %s, want %s", got, tt.state)
			}
			if n := s.stock(s.bot.ID)["LAMP-05"]; n != tt.stock {
				t.Errorf("LAMP-05 stock %d, want %d", n, tt.stock)
			}
			if r := c.replies(); len(r) != 0 {
				t.Errorf("cancelling said %+v; the agent, not checkout, answers the customer", r)
			}
		})
	}
}

func countOrders(s *shop, c *customer) int {
	var n int
	id := c.conv().ID
	s.inTx(func(tx *store.Tx) error {
		os, err := tx.Orders(s.ctx, id)
		n = len(os)
		return err
	})
	return n
}

func diff(a, b map[concierge.SKU]int) map[concierge.SKU]int {
	out := map[concierge.SKU]int{}
	for k, v := range a {
		if b[k] != v {
			out[k] = v - b[k]
		}
	}
	return out
}
