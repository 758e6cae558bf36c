package checkout_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/store"
)

// failed applies a failed-payment report for bot in its own transaction,
// committed whatever Failed returns, so that anything written before an
// error would show.
func (s *shop) failed(bot *concierge.Bot, f concierge.PaymentFailure) (checkout.Applied, error) {
	s.t.Helper()
	var res checkout.Applied
	var err error
	s.inTx(func(tx *store.Tx) error {
		res, err = s.co.Failed(s.ctx, tx, bot, f)
		return nil
	})
	return res, err
}

// failure is a declined attempt on o with a fresh provider reference.
func (s *shop) failure(o *concierge.Order, code, reason string) concierge.PaymentFailure {
	s.evts++
	return concierge.PaymentFailure{Order: o.ID, Provider: "stripe", ProviderRef: fmt.Sprintf("ch_%d", s.evts), Code: code, Reason: reason, At: time.Now()}
}

func (s *shop) failures(o *concierge.Order) []concierge.PaymentFailure {
	s.t.Helper()
	fs, err := s.db.PaymentFailures(s.ctx, o.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return fs
}

// TestPaymentFailedRecordedOnce: a failed attempt is recorded, the order
// keeps waiting with its stock, the customer is told in their language,
// and the provider's redelivery changes nothing.
func TestPaymentFailedRecordedOnce(t *testing.T) {
	for _, loc := range []concierge.Locale{"en", "fr", "zh"} {
		t.Run(string(loc), func(t *testing.T) {
			s := openShop(t)
			c := s.customer(s.bot, loc)
			o := c.mustOrder(line("LAMP-04", 1))
			stock := s.stock(s.bot.ID)
			c.replies()
			f := s.failure(o, "card_declined", "Your card was declined.")
			if res, err := s.failed(s.bot, f); res != checkout.AppliedFailed || err != nil {
				t.Fatalf("applied %q, %v; want %q", res, err, checkout.AppliedFailed)
			}
			if got := s.order(o.ID).State; got != concierge.OrderPending {
				t.Errorf("order is %s, want it still pending", got)
			}
			if got := s.stock(s.bot.ID); got["LAMP-04"] != stock["LAMP-04"] {
				t.Errorf("stock %d, want %d still reserved", got["LAMP-04"], stock["LAMP-04"])
			}
			if conv := c.conv(); conv.State != concierge.StateBot {
				t.Errorf("conversation %s after one failure, want bot", conv.State)
			}
			want := s.texts.T(loc, "order_payment_failed", map[string]any{"ID": o.ID})
			if r := c.replies(); len(r) != 1 || r[0].Kind != concierge.MessageOrder || r[0].Text != want {
				t.Errorf("messages %+v, want the order with %q", r, want)
			}
			for range 2 {
				if res, err := s.failed(s.bot, f); res != checkout.AppliedDuplicate || err != nil {
					t.Errorf("redelivery applied %q, %v; want duplicate", res, err)
				}
			}
			if fs := s.failures(o); len(fs) != 1 || fs[0].ProviderRef != f.ProviderRef || fs[0].Code != "card_declined" {
				t.Errorf("failures %+v, want the one attempt", fs)
			}
			if r := c.replies(); len(r) != 0 {
				t.Errorf("the redelivery said %+v", r)
			}
		})
	}
}

// TestPaymentFailedHandsOff: the bot file's N-th failed attempt on one
// order hands the conversation off once, with reason payment_problem and a
// packet counting the attempts and quoting the providers; 0 never does.
func TestPaymentFailedHandsOff(t *testing.T) {
	reasons := []struct{ code, reason string }{
		{"insufficient_funds", "Your card has insufficient funds."},
		{"NOTENOUGH", "余额不足"},
		{"", ""},
	}
	tests := []struct {
		name  string
		limit int
		at    int // the attempt that hands off; 0 none
	}{
		{"default of two", 2, 2},
		{"first attempt", 1, 1},
		{"disabled", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			s.bot.Handoff.AfterFailedPayments = tt.limit
			c := s.customer(s.bot, "en")
			o := c.mustOrder(line("LAMP-04", 1))
			c.replies()
			for i, r := range reasons {
				n := i + 1
				res, err := s.failed(s.bot, s.failure(o, r.code, r.reason))
				if err != nil {
					t.Fatalf("attempt %d: %v", n, err)
				}
				replies := c.replies()
				if n != tt.at {
					failed := s.texts.T("en", "order_payment_failed", map[string]any{"ID": o.ID})
					if res != checkout.AppliedFailed || len(replies) != 1 || replies[0].Text != failed {
						t.Errorf("attempt %d: applied %q, said %+v; want %q and %q", n, res, replies, checkout.AppliedFailed, failed)
					}
					continue
				}
				if res != checkout.AppliedHandedOff {
					t.Fatalf("attempt %d applied %q, want %q", n, res, checkout.AppliedHandedOff)
				}
				want := s.texts.T("en", "order_payment_failed_handoff", map[string]any{"ID": o.ID})
				if len(replies) != 2 || replies[0].Kind != concierge.MessageOrder || replies[0].Text != want || replies[1].Kind != concierge.MessageHandoff {
					t.Errorf("attempt %d said %+v, want the order with %q, then the hand-off notice", n, replies, want)
				}
				p, err := s.db.Packet(s.ctx, c.id)
				if err != nil || p == nil {
					t.Fatalf("packet: %v, %v", p, err)
				}
				if p.Reason != concierge.HandoffPayment || p.By != "checkout" || p.LastOrder != o.ID ||
					!strings.Contains(p.Summary, fmt.Sprintf("%d failed payment attempts on order %s", n, o.ID)) {
					t.Errorf("packet %+v, want %d failed attempts on %s for %q", p, n, o.ID, concierge.HandoffPayment)
				}
				for _, r := range reasons[:n] {
					if !strings.Contains(p.Summary, r.code) || !strings.Contains(p.Summary, r.reason) {
						t.Errorf("packet summary %q does not give %q / %q", p.Summary, r.code, r.reason)
					}
				}
			}
			hs, err := s.db.Handoffs(s.ctx, c.id)
			if err != nil {
				t.Fatal(err)
			}
			wantState, wantHandoffs := concierge.StateWaiting, 1
			if tt.at == 0 {
				wantState, wantHandoffs = concierge.StateBot, 0
			}
			if len(hs) != wantHandoffs {
				t.Fatalf("%d hand-offs after %d failures, want %d: %+v", len(hs), len(reasons), wantHandoffs, hs)
			}
			if wantHandoffs == 1 && (hs[0].Reason != concierge.HandoffPayment || hs[0].By != "checkout" || hs[0].To != concierge.StateWaiting) {
				t.Errorf("hand-off %+v, want to waiting for %q by checkout", hs[0], concierge.HandoffPayment)
			}
			if got := c.conv().State; got != wantState {
				t.Errorf("conversation %s, want %s", got, wantState)
			}
			if got := s.order(o.ID).State; got != concierge.OrderPending {
				t.Errorf("order %s, want pending", got)
			}
			if fs := s.failures(o); len(fs) != len(reasons) {
				t.Errorf("%d failures recorded, want %d", len(fs), len(reasons))
			}
		})
	}
}

// TestPaymentSucceedsAfterFailure: a declined card, then a card that
// works, pays the order once; a late failure report for the paid order is
// recorded and tells nobody.
func TestPaymentSucceedsAfterFailure(t *testing.T) {
	s := openShop(t)
	c := s.customer(s.bot, "en")
	o := c.mustOrder(line("LAMP-04", 1))
	if res, err := s.failed(s.bot, s.failure(o, "card_declined", "declined")); res != checkout.AppliedFailed || err != nil {
		t.Fatalf("failure applied %q, %v", res, err)
	}
	c.replies()
	p := s.payment(o, o.Total)
	for i, want := range []checkout.Applied{checkout.AppliedPaid, checkout.AppliedDuplicate} {
		if res, err := s.paid(s.bot.ID, p); res != want || err != nil {
			t.Fatalf("payment %d applied %q, %v; want %q", i, res, err, want)
		}
	}
	if got := s.order(o.ID); got.State != concierge.OrderPaid {
		t.Fatalf("order %s, want paid", got.State)
	}
	if ps, _ := s.db.Payments(s.ctx, o.ID); len(ps) != 1 {
		t.Errorf("%d payments, want 1", len(ps))
	}
	paid := s.texts.T("en", "order_paid", map[string]any{"ID": o.ID})
	if r := c.replies(); len(r) != 1 || r[0].Text != paid {
		t.Errorf("messages %+v, want one saying %q", r, paid)
	}
	if res, err := s.failed(s.bot, s.failure(o, "card_declined", "late")); res != checkout.AppliedNotPending || err != nil {
		t.Errorf("late failure applied %q, %v; want %q", res, err, checkout.AppliedNotPending)
	}
	if r := c.replies(); len(r) != 0 {
		t.Errorf("the late failure said %+v", r)
	}
	if got := s.order(o.ID).State; got != concierge.OrderPaid {
		t.Errorf("order %s after a late failure, want paid", got)
	}
	if hs, _ := s.db.Handoffs(s.ctx, c.id); len(hs) != 0 {
		t.Errorf("hand-offs %+v, want none", hs)
	}
}

// TestPaymentFailedRefused: a report for another bot's order, for no
// order, or without a reference is an error and records nothing.
func TestPaymentFailedRefused(t *testing.T) {
	s := openShop(t)
	c := s.customer(s.bot, "en")
	o := c.mustOrder(line("LAMP-04", 1))
	c.replies()
	tests := []struct {
		name string
		bot  *concierge.Bot
		f    concierge.PaymentFailure
		code concierge.Code
	}{
		{"another bot", s.other, s.failure(o, "x", "y"), concierge.CodeInvalid},
		{"no reference", s.bot, concierge.PaymentFailure{Order: o.ID, Provider: "stripe"}, concierge.CodeInvalid},
		{"unknown order", s.bot, concierge.PaymentFailure{Order: "ML-NOPE", Provider: "stripe", ProviderRef: "ch_x"}, concierge.CodeNotFound},
		{"no bot", nil, s.failure(o, "x", "y"), concierge.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.failed(tt.bot, tt.f)
			if err == nil || concierge.ErrorCode(err) != tt.code && !(tt.code == concierge.CodeNotFound && errors.Is(err, concierge.ErrNotFound)) {
				t.Fatalf("applied %q, %v; want a %v error", res, err, tt.code)
			}
		})
	}
	if fs := s.failures(o); len(fs) != 0 {
		t.Errorf("failures %+v recorded by refused reports", fs)
	}
	if r := c.replies(); len(r) != 0 {
		t.Errorf("refused reports said %+v", r)
	}
}
