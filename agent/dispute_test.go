package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/agent"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/store"
)

// TestOpenDispute: a dispute hands the conversation to people with a
// proposal whose suggestion and amount the code computes from the order,
// its payments and its delivery: a duplicate charge is refunded by the
// duplicate's amount, an order not delivered past its expected time in
// full, anything else is investigated with no amount.
func TestOpenDispute(t *testing.T) {
	tests := []struct {
		name    string
		sku     concierge.SKU
		second  bool          // a second payment is recorded for the order
		later   time.Duration // how long after payment the customer writes
		name2   bool          // the customer names the order
		suggest concierge.Suggestion
		amount  func(o *concierge.Order) int64
		why     string
	}{
		{"duplicate charge", "LAMP-02", true, time.Hour, false, concierge.SuggestApprove,
			func(o *concierge.Order) int64 { return o.Total.Minor }, "duplicate charge"},
		{"not delivered past the expected time", "LAMP-02", false, agent.ExpectedDelivery + 24*time.Hour, true, concierge.SuggestApprove,
			func(o *concierge.Order) int64 { return o.Total.Minor }, "no delivery is recorded"},
		{"not yet expected", "LAMP-02", false, 2 * 24 * time.Hour, false, concierge.SuggestInvestigate,
			func(*concierge.Order) int64 { return 0 }, "do not settle"},
		{"digital: nothing to deliver", "GIFT-50", false, agent.ExpectedDelivery + 24*time.Hour, false, concierge.SuggestInvestigate,
			func(*concierge.Order) int64 { return 0 }, "delivery digital"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openShop(t)
			c := s.customer("en")
			o := c.order(map[concierge.SKU]int{tt.sku: 1})
			s.pay(o)
			if tt.second {
				// The provider reported a second charge of the same order.
				s.inTx(func(tx *store.Tx) error {
					_, err := tx.RecordPayment(s.ctx, concierge.Payment{Order: o.ID, Provider: sandbox.ProviderName, ProviderRef: "evt_again", Amount: o.Total, At: time.Now()})
					return err
				})
			}
			s.clock.mu.Lock()
			s.clock.now = s.clock.now.Add(tt.later)
			s.clock.mu.Unlock()

			ref := concierge.OrderID("")
			if tt.name2 {
				ref = o.ID
			}
			var p *concierge.Proposal
			var err error
			c.turn(func(ctx context.Context, tn *agent.Turn) error {
				p, err = tn.Tools.OpenDispute(ctx, ref, "I never got it and I was charged")
				return err
			})
			if err != nil || p == nil {
				t.Fatalf("OpenDispute: %+v, %v", p, err)
			}
			conv := c.conv()
			if conv.State != concierge.StateWaiting {
				t.Errorf("conversation %s, want waiting", conv.State)
			}
			ps, err := s.db.Proposals(s.ctx, conv.ID)
			if err != nil || len(ps) != 1 {
				t.Fatalf("proposals %+v, %v", ps, err)
			}
			got := ps[0]
			if got.Kind != concierge.ProposalDispute || got.Order != o.ID || got.Suggest != tt.suggest ||
				got.Amount != (concierge.Money{Minor: tt.amount(o), Currency: o.Total.Currency}) {
				t.Errorf("proposal %s for %s suggests %s of %+v; want dispute for %s suggesting %s of %d",
					got.Kind, got.Order, got.Suggest, got.Amount, o.ID, tt.suggest, tt.amount(o))
			}
			if !strings.Contains(got.Why, tt.why) {
				t.Errorf("reason %q lacks %q", got.Why, tt.why)
			}
			ev := got.Evidence
			wantPays := 1
			if tt.second {
				wantPays = 2
			}
			if ev.Payments != wantPays || len(ev.Paid) != wantPays || ev.OrderState != concierge.OrderPaid || ev.PaidAt.IsZero() ||
				ev.CustomerSaid != "I never got it and I was charged" || ev.WindowDays != s.bot.Policies.RefundWindowDays || !ev.WithinWindow {
				t.Errorf("evidence %+v", ev)
			}
			wantDelivery := concierge.DeliveryNone
			if tt.sku == "GIFT-50" {
				wantDelivery = concierge.DeliveryDigital
			}
			if ev.Delivery != wantDelivery {
				t.Errorf("delivery %q, want %q", ev.Delivery, wantDelivery)
			}
			if pk, err := s.db.Packet(s.ctx, conv.ID); err != nil || pk.Reason != concierge.HandoffDispute {
				t.Errorf("packet %+v, %v; want reason dispute", pk, err)
			}
			if o2, _ := s.db.GetOrder(s.ctx, o.ID); o2.State != concierge.OrderPaid {
				t.Errorf("order %s is %s: a dispute changes nothing until people decide", o.ID, o2.State)
			}
		})
	}
}

// TestOpenDisputeWithoutOrder: with no paid order people still look, with
// no proposal; a brain's assessment never sets the amount.
func TestOpenDisputeWithoutOrder(t *testing.T) {
	s := openShop(t)
	c := s.customer("en")
	var p *concierge.Proposal
	var err error
	c.turn(func(ctx context.Context, tn *agent.Turn) error {
		p, err = tn.Tools.OpenDispute(ctx, "", "I was charged twice")
		return err
	})
	if err != nil || p != nil {
		t.Fatalf("OpenDispute without order: %+v, %v", p, err)
	}
	if st := c.conv().State; st != concierge.StateWaiting {
		t.Errorf("conversation %s, want waiting", st)
	}
	if ps, _ := s.db.Proposals(s.ctx, c.conv().ID); len(ps) != 0 {
		t.Errorf("proposals %+v, want none", ps)
	}
}

// TestDisputeAssessment: a brain's assessment becomes the proposal's
// reason; "refund 500" in it changes neither the amount nor the
// suggestion, which stay the code's.
func TestDisputeAssessment(t *testing.T) {
	s := openShop(t)
	c := s.customer("en")
	o := c.order(map[concierge.SKU]int{"LAMP-02": 1})
	s.pay(o)
	const note = "The customer says the parcel never came; refund 500 EUR now."
	c.turn(func(ctx context.Context, tn *agent.Turn) error {
		tn.RefundNote = note
		_, err := tn.Tools.OpenDispute(ctx, "", "never came")
		return err
	})
	ps, err := s.db.Proposals(s.ctx, c.conv().ID)
	if err != nil || len(ps) != 1 {
		t.Fatalf("proposals %+v, %v", ps, err)
	}
	if ps[0].Why != note || ps[0].Suggest != concierge.SuggestInvestigate || ps[0].Amount.Minor != 0 {
		t.Errorf("proposal %+v; want the note as reason, investigate, no amount", ps[0])
	}
}

// TestHandoffCallDispute: the LLM brain's handoff_to_human with reason
// dispute goes through OpenDispute: a proposal computed by the code, for
// the order named, with the model's assessment as its reason.
func TestHandoffCallDispute(t *testing.T) {
	s := openShop(t)
	c := s.customer("en")
	o := c.order(map[concierge.SKU]int{"LAMP-02": 1})
	s.pay(o)
	s.inTx(func(tx *store.Tx) error {
		_, err := tx.RecordPayment(s.ctx, concierge.Payment{Order: o.ID, Provider: sandbox.ProviderName, ProviderRef: "evt_again", Amount: o.Total, At: time.Now()})
		return err
	})
	const assessment = "Two identical charges a minute apart; looks like a double submission."
	var res *agent.Result
	var err error
	c.turn(func(ctx context.Context, tn *agent.Turn) error {
		res, err = agent.HandoffCall{Reason: "dispute", Summary: "double charge", Order: concierge.OrderID(strings.ToLower(string(o.ID))), Assessment: assessment}.Do(ctx, tn)
		return err
	})
	if err != nil || res == nil || !res.HandedOff {
		t.Fatalf("handoff_to_human dispute: %+v, %v", res, err)
	}
	ps, err := s.db.Proposals(s.ctx, c.conv().ID)
	if err != nil || len(ps) != 1 {
		t.Fatalf("proposals %+v, %v", ps, err)
	}
	if p := ps[0]; p.Kind != concierge.ProposalDispute || p.Order != o.ID || p.Why != assessment ||
		p.Suggest != concierge.SuggestApprove || p.Amount != o.Total || p.Evidence.Payments != 2 {
		t.Errorf("proposal %+v; want a dispute on %s refunding the duplicate %+v for the model's reason", p, o.ID, o.Total)
	}
	if pk, err := s.db.Packet(s.ctx, c.conv().ID); err != nil || pk.Reason != concierge.HandoffDispute || !strings.Contains(pk.Summary, "double charge") {
		t.Errorf("packet %+v, %v", pk, err)
	}
}
