package main

import (
	"context"
	"errors"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/store"
)

// WeChat Pay reconciliation (issue 5): an order whose payment notification
// never arrives is queried at WeChat Pay and, paid, applied as the
// notification would have been; unpaid when its reservation runs out, it
// is closed at WeChat Pay (so it can no longer be paid) and expires,
// releasing its stock.
const (
	// wechatReconcileEvery is how often every pending WeChat Pay order is
	// queried; expired ones are handled on every sweep, before ExpireDue.
	wechatReconcileEvery = 30 * time.Second
	// wechatReconcileAfter leaves the notification this long to arrive.
	wechatReconcileAfter = 60 * time.Second
	wechatReconcileBatch = 50
	wechatReconcileCall  = 5 * time.Second  // one query or close
	wechatReconcilePass  = 15 * time.Second // a whole pass
)

// hasWeChatPay reports whether some bot takes WeChat Pay.
func (m *Main) hasWeChatPay() bool {
	for _, h := range m.hooks {
		if h != nil && h.WeChatPay != nil {
			return true
		}
	}
	return false
}

// ReconcileWeChatPay runs one reconciliation pass as of now over the
// pending WeChat Pay orders created more than a minute before now: all of
// them when all is set, else only those whose reservation ran out. It
// returns how many orders it changed (paid or expired). Errors are logged
// and the orders are tried again on the next pass; the pass gives up after
// wechatReconcilePass. Each order is handled under a lease shared by the
// replicas. With all, the refunds still processing are queried too
// (wechat_refund.go).
func (m *Main) ReconcileWeChatPay(ctx context.Context, now time.Time, all bool) int {
	ctx, cancel := context.WithTimeout(ctx, wechatReconcilePass)
	defer cancel()
	expiresBefore := now
	if all {
		expiresBefore = now.Add(100 * 365 * 24 * time.Hour)
	}
	os, err := m.DB.PendingOrdersOf(ctx, wechatpay.ProviderName, now.Add(-wechatReconcileAfter), expiresBefore, wechatReconcileBatch)
	if err != nil {
		m.Log.Error("wechatpay reconcile: pending orders", "err", err)
		return 0
	}
	changed := 0
	for _, o := range os {
		if ctx.Err() != nil {
			break
		}
		p := m.WeChatPayProvider(o.Bot)
		if p == nil {
			continue
		}
		// Under the order's lease, so that two replicas never query or
		// close the same order at once; and only while it is still
		// pending, since another replica may have settled it since the
		// list was read.
		ok, err := m.withLease(ctx, "wechatpay-reconcile:"+string(o.ID), func() (bool, error) {
			cur, err := m.DB.GetOrder(ctx, o.ID)
			if err != nil || cur.State != concierge.OrderPending {
				return false, err
			}
			return m.reconcileWeChatOrder(ctx, p, cur, now)
		})
		if err != nil {
			m.Log.Error("wechatpay reconcile", "bot", o.Bot, "order", o.ID, "err", err)
			var api *wechatpay.APIError
			if !errors.As(err, &api) {
				// WeChat Pay or the database is unreachable: try again
				// on the next pass rather than wait on every order.
				break
			}
			continue
		}
		if ok {
			changed++
		}
	}
	if all {
		m.reconcileWeChatRefunds(ctx, now)
	}
	if changed > 0 && m.Dispatcher != nil {
		m.Dispatcher.Wake()
	}
	return changed
}

// reconcileWeChatOrder queries o at WeChat Pay and applies its payment, or
// closes and expires it when its reservation ran out unpaid.
func (m *Main) reconcileWeChatOrder(ctx context.Context, p *wechatpay.Provider, o *concierge.Order, now time.Time) (bool, error) {
	st, err := m.queryWeChat(ctx, p, o.ID)
	var api *wechatpay.APIError
	switch {
	case errors.As(err, &api) && api.Code == "ORDERNOTEXIST":
		// The payment page was never opened: nothing to close there.
		st = &wechatpay.TradeState{State: "NOTEXIST"}
	case err != nil:
		return false, err
	}
	if st.State == "SUCCESS" {
		return m.applyWeChatPayment(ctx, o, st, now)
	}
	if !o.ExpiresAt.Before(now) {
		return false, nil
	}
	switch st.State {
	case "NOTPAY", "PAYERROR":
		cctx, cancel := context.WithTimeout(ctx, wechatReconcileCall)
		err := p.CloseOrder(cctx, o.ID)
		cancel()
		if errors.As(err, &api) && api.Code == "ORDERPAID" {
			// Paid just now: apply it.
			if st, err = m.queryWeChat(ctx, p, o.ID); err != nil {
				return false, err
			}
			if st.State == "SUCCESS" {
				return m.applyWeChatPayment(ctx, o, st, now)
			}
			return false, nil
		}
		if err != nil {
			return false, err
		}
	case "CLOSED", "REVOKED", "NOTEXIST":
	default:
		// USERPAYING, REFUND …: not ours to end; people or the
		// notification settle it.
		return false, nil
	}
	var expired bool
	err = m.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		expired, err = m.Checkout.ProviderExpired(ctx, tx, o.Bot, o.ID)
		return err
	})
	if err == nil && expired {
		m.Log.Info("wechatpay reconcile: closed unpaid order", "bot", o.Bot, "order", o.ID)
	}
	return expired, err
}

func (m *Main) queryWeChat(ctx context.Context, p *wechatpay.Provider, id concierge.OrderID) (*wechatpay.TradeState, error) {
	ctx, cancel := context.WithTimeout(ctx, wechatReconcileCall)
	defer cancel()
	return p.QueryOrder(ctx, id)
}

// applyWeChatPayment applies a payment found by a query through the path
// of the notification: exactly once on (wechatpay, transaction id).
func (m *Main) applyWeChatPayment(ctx context.Context, o *concierge.Order, st *wechatpay.TradeState, now time.Time) (bool, error) {
	if st.TransactionID == "" {
		return false, concierge.Errorf(concierge.CodeInvalid, "wechatpay reconcile", "a paid order without transaction id")
	}
	pay := concierge.Payment{Order: o.ID, Provider: wechatpay.ProviderName, ProviderRef: st.TransactionID, Amount: st.Amount, At: now.UTC()}
	var res checkout.Applied
	err := m.DB.InTx(ctx, func(tx *store.Tx) error {
		var err error
		res, err = m.Checkout.Paid(ctx, tx, o.Bot, pay)
		return err
	})
	if err != nil {
		return false, err
	}
	if res != checkout.AppliedDuplicate {
		m.Log.Info("wechatpay reconcile: payment found without notification", "bot", o.Bot, "order", o.ID, "applied", string(res))
	}
	return res != checkout.AppliedDuplicate, nil
}
