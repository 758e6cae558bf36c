package main

// Executing approved refunds (issue 6, invariant 5): a supervisor's
// approval in the inbox refunds the order through the provider it was paid
// with. handoff decides when and records the outcome; this file finds the
// provider of the order's bot and calls it.

import (
	"context"
	"strconv"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/sandbox"
	"github.com/conciergehq/concierge/checkout/stripe"
	tgpay "github.com/conciergehq/concierge/checkout/telegram"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/handoff"
	"github.com/conciergehq/concierge/internal/money"
	"github.com/conciergehq/concierge/store"
)

// inboxRefunds implements handoff.Refunder over the bots' providers.
type inboxRefunds struct{ m *Main }

var (
	_ handoff.Refunder      = inboxRefunds{}
	_ handoff.RefundChecker = inboxRefunds{}
)

// CheckRefund refuses, at decision time, an amount the order's provider
// cannot refund: Telegram Stars (refundStarPayment) gives back a whole
// payment, never part of it.
func (r inboxRefunds) CheckRefund(ctx context.Context, o *concierge.Order, paid []concierge.Payment, amount concierge.Money) error {
	if o.Provider != tgpay.ProviderName {
		return nil
	}
	for _, p := range paid {
		if p.Provider == o.Provider && p.Amount != amount {
			return concierge.Errorf(concierge.CodeInvalid, "decide",
				"Telegram Stars refunds only a whole payment: approve all of %s or refuse; nothing was decided", money.Format(p.Amount, "en"))
		}
	}
	return nil
}

// SimulatedRefund is the status of a sandbox refund: the sandbox moves no
// money, so its refund is only recorded, marked as such.
const SimulatedRefund = "simulated"

func (r inboxRefunds) Refund(ctx context.Context, pr *concierge.Proposal, key string) (concierge.Refund, error) {
	const op = "refund"
	var o *concierge.Order
	var conv *concierge.Conversation
	err := r.m.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if o, err = tx.Order(ctx, pr.Order); err != nil {
			return err
		}
		conv, err = tx.Conversation(ctx, o.Conversation)
		return err
	})
	if err != nil {
		return concierge.Refund{}, err
	}
	if o.Bot != pr.Bot {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "order %s is not of bot %s", o.ID, pr.Bot)
	}
	if o.State != concierge.OrderPaid && o.State != concierge.OrderFulfilled {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeConflict, op, "order %s is %s: there is nothing to refund", o.ID, o.State)
	}
	pays, err := r.m.DB.Payments(ctx, o.ID)
	if err != nil {
		return concierge.Refund{}, err
	}
	var paid *concierge.Payment
	for i := range pays {
		if pays[i].Provider == o.Provider {
			paid = &pays[i]
		}
	}
	if paid == nil {
		return concierge.Refund{}, concierge.Errorf(concierge.CodeConflict, op, "order %s has no %s payment recorded", o.ID, o.Provider)
	}
	// The amount the supervisor decided, which may differ from the AI's.
	amount := pr.RefundAmount()
	reason := "requested_by_customer"
	h := r.m.hooks[o.Bot]
	switch o.Provider {
	case sandbox.ProviderName:
		// A test provider without money: the refund is simulated, and
		// its status says so.
		return concierge.Refund{Order: o.ID, Provider: sandbox.ProviderName, ProviderRef: "simulated-" + key,
			Amount: amount, Reason: "simulated sandbox refund", Status: SimulatedRefund, At: time.Now()}, nil
	case stripe.ProviderName:
		if h == nil || h.Stripe == nil {
			break
		}
		var p checkout.Refunder = h.Stripe
		return p.Refund(ctx, o, *paid, amount, reason, key)
	case wechatpay.ProviderName:
		if h == nil || h.WeChatPay == nil {
			break
		}
		// key (proposal-<id>) is the out_refund_no: a retry is the same
		// refund at WeChat Pay. The refund is processing until WeChat
		// Pay reports how it ended (wechat_refund.go); refund_desc is
		// shown to the customer in WeChat.
		var p checkout.Refunder = h.WeChatPay.Provider
		return p.Refund(ctx, o, *paid, amount, "订单 "+string(o.ID)+" 退款", key)
	case tgpay.ProviderName:
		if h == nil || h.Telegram == nil || h.Telegram.Pay == nil {
			break
		}
		// refundStarPayment returns Stars only. An order paid by card
		// through the bot's payment provider (its invoice was not in
		// Stars) is refunded in that provider's dashboard; calling it
		// would record a refund that moved no money.
		if due, err := h.Telegram.Pay.Charge(o); err != nil || due.Currency != tgpay.Stars {
			return concierge.Refund{}, concierge.Errorf(concierge.CodeUnavailable, op,
				"order %s was paid by card through Telegram's payment provider, which Concierge cannot refund; refund it in that provider's dashboard", o.ID)
		}
		// Telegram refunds a whole Stars payment and takes no key; the
		// inbox calls it again only while no refund is recorded.
		if amount != paid.Amount {
			return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "Telegram refunds the whole payment (%d %s), not part of it", paid.Amount.Minor, paid.Amount.Currency)
		}
		user, err := strconv.ParseInt(string(conv.Chat), 10, 64)
		if err != nil {
			return concierge.Refund{}, concierge.Errorf(concierge.CodeInvalid, op, "conversation %d has no Telegram user id", conv.ID)
		}
		if err := h.Telegram.Pay.RefundStars(ctx, user, paid.ProviderRef); err != nil {
			return concierge.Refund{}, err
		}
		return concierge.Refund{Order: o.ID, Provider: tgpay.ProviderName, ProviderRef: paid.ProviderRef,
			Amount: paid.Amount, Reason: reason, Status: "succeeded", At: time.Now()}, nil
	}
	return concierge.Refund{}, concierge.Errorf(concierge.CodeUnavailable, op, "bot %s cannot refund %s payments from the inbox; refund it in the provider's dashboard", o.Bot, o.Provider)
}
