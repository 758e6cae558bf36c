package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// PaymentRecords is an optional capability of the turn's concierge.Tx: a
// store that keeps payments implements it, and a dispute's evidence then
// lists them (two for one order is a duplicate charge). Without it the
// evidence knows only whether the order was paid. The store's Tx
// implements it.
type PaymentRecords interface {
	// OrderPayments lists the payments recorded for order, oldest first.
	OrderPayments(ctx context.Context, order concierge.OrderID) ([]concierge.Payment, error)
}

// ExpectedDelivery is how long after payment an order that ships is
// expected to have arrived. Bot files say nothing of delivery times yet; a
// week is past the sample shop's two to four working days. A dispute over
// an order not marked fulfilled past this is proposed for a full refund.
const ExpectedDelivery = 7 * 24 * time.Hour

// OpenDispute hands the conversation to people with a dispute proposal:
// the customer contests a charge or an order ("I was charged twice", "I
// never received it"). The order is the one named, or else the latest
// paid one. The evidence and the suggested decision are computed here
// from the order, its payments and the policy, never from what a brain
// says: a duplicate charge is proposed for a refund of the duplicate
// payment, an order not delivered past its expected time for a full
// refund, and anything else for a person to investigate, with no amount.
// said is what the customer wrote. Without any order a person still looks,
// with no proposal. The returned proposal is nil then.
func (tl *Tools) OpenDispute(ctx context.Context, ref concierge.OrderID, said string) (*concierge.Proposal, error) {
	os, err := tl.Orders(ctx, ref)
	if err != nil && concierge.ErrorCode(err) != concierge.CodeNotFound {
		return nil, err
	}
	var o *concierge.Order
	switch {
	case ref != "" && len(os) == 1:
		o = os[0] // the order named, whatever its state: the evidence says it
	default:
		for _, x := range os {
			if x.State == concierge.OrderPaid || x.State == concierge.OrderFulfilled {
				o = x
				break
			}
		}
	}
	if err := tl.Handoff(ctx, concierge.HandoffDispute); err != nil {
		return nil, err
	}
	if o == nil {
		return nil, nil
	}
	p, err := tl.disputeProposal(ctx, o, said)
	if err != nil {
		return nil, err
	}
	// People decide (invariant 5): the proposal waits for them in the inbox.
	if hs, ok := tl.tx.(HandoffStore); ok {
		if err := hs.RecordProposal(ctx, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// disputeProposal gathers the evidence of a dispute over o and computes
// the suggested decision and its reason.
func (tl *Tools) disputeProposal(ctx context.Context, o *concierge.Order, said string) (*concierge.Proposal, error) {
	pol, now := tl.shop.Bot.Policies, tl.tx.Now()
	ev := concierge.Evidence{
		OrderState: o.State, OrderTotal: o.Total, PaidAt: o.PaidAt, WindowDays: pol.RefundWindowDays,
		AutoApprove: pol.RefundAutoApproveBelow, CustomerSaid: said, Delivery: tl.deliveryOf(o),
	}
	if !o.PaidAt.IsZero() {
		ev.WithinWindow = pol.RefundWindowDays == 0 || now.Sub(o.PaidAt) <= time.Duration(pol.RefundWindowDays)*24*time.Hour
		if ev.Delivery != concierge.DeliveryDigital {
			ev.ExpectedBy = o.PaidAt.Add(ExpectedDelivery)
		}
	}
	if pr, ok := tl.tx.(PaymentRecords); ok {
		pays, err := pr.OrderPayments(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		ev.Paid = pays
		ev.Payments = len(pays)
	} else if !o.PaidAt.IsZero() {
		ev.Payments = 1
	}
	p := &concierge.Proposal{
		Conversation: tl.conv.ID, Bot: tl.conv.Bot, Kind: concierge.ProposalDispute, Order: o.ID,
		Amount: concierge.Money{Currency: o.Total.Currency}, At: now, Status: concierge.ProposalOpen, Evidence: ev,
	}
	money := func(m concierge.Money) string { return tl.shop.Text.Money("en", m) }
	switch dup, ok := duplicate(o, ev.Paid); {
	case ok:
		p.Suggest, p.Amount = concierge.SuggestApprove, dup.Amount
		p.Why = fmt.Sprintf("Order %s (%s) has %d payments recorded for one order of %s: the last one (%s, %s) is a duplicate charge; refund it.",
			o.ID, money(o.Total), len(ev.Paid), money(o.Total), dup.ProviderRef, money(dup.Amount))
	case overdue(o, ev, now):
		p.Suggest, p.Amount = concierge.SuggestApprove, o.Total
		p.Why = fmt.Sprintf("Order %s was paid %d days ago and no delivery is recorded; it was expected by %s. Refund it in full (%s).",
			o.ID, int(now.Sub(o.PaidAt).Hours()/24), ev.ExpectedBy.Format("2 Jan 2006"), money(o.Total))
	default:
		p.Suggest = concierge.SuggestInvestigate
		p.Why = fmt.Sprintf("Order %s is %s with %d payment(s) recorded and delivery %s: the records do not settle the dispute. Investigate, then enter the amount to refund, if any.",
			o.ID, o.State, ev.Payments, ev.Delivery)
	}
	// A brain's own reasoning replaces the sentence above when it is
	// usable; the amount and the suggestion stay the code's.
	if tl.turn != nil {
		if why, ok := refundReason(tl.turn.RefundNote); ok {
			p.Why = why
		}
	}
	return p, nil
}

// deliveryOf is what the shop knows of o's delivery.
func (tl *Tools) deliveryOf(o *concierge.Order) concierge.DeliveryKnown {
	if o.State == concierge.OrderFulfilled {
		return concierge.DeliveryFulfilled
	}
	digital := len(o.Lines) > 0
	for _, l := range o.Lines {
		if p := tl.shop.Bot.Product(l.SKU); p == nil || !p.Digital {
			digital = false
		}
	}
	if digital {
		return concierge.DeliveryDigital
	}
	return concierge.DeliveryNone
}

// duplicate returns the payment that charged o a second time: with two or
// more payments recorded in o's currency through o's provider, the latest
// (the one a refund through the provider gives back).
func duplicate(o *concierge.Order, pays []concierge.Payment) (concierge.Payment, bool) {
	var same []concierge.Payment
	for _, x := range pays {
		if x.Provider == o.Provider && x.Amount.Currency == o.Total.Currency && x.Amount.Minor > 0 {
			same = append(same, x)
		}
	}
	if len(same) < 2 {
		return concierge.Payment{}, false
	}
	return same[len(same)-1], true
}

// overdue reports whether o was paid, is not delivered as far as the shop
// knows, and is past its expected delivery.
func overdue(o *concierge.Order, ev concierge.Evidence, now time.Time) bool {
	paid := o.State == concierge.OrderPaid
	return paid && ev.Delivery == concierge.DeliveryNone && !ev.ExpectedBy.IsZero() && now.After(ev.ExpectedBy)
}
