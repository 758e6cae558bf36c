package main

// WeChat Pay refunds (issue 5): the inbox's refund execution asks WeChat
// Pay to refund (refund.go); WeChat Pay answers at once with a refund id
// and refunds later, so the refund is recorded processing and settled
// here, once, by its notification (POST /webhooks/{bot}/wechatpay/refund)
// or, when that never comes, by a refund query in the sweeper.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/checkout/wechatpay"
	"github.com/conciergehq/concierge/store"
)

const (
	// wechatRefundQueryAfter leaves a refund's notification this long to
	// arrive before the sweeper asks WeChat Pay.
	wechatRefundQueryAfter = 2 * time.Minute
	wechatRefundBatch      = 20
)

// settleWeChatRefund applies how a refund of bot ended: a processing
// refund becomes succeeded, or failed (the money did not go back: the
// proposal shows why and a note asks people to refund by hand). It
// returns what it did; an outcome reported again changes nothing
// ("duplicate"). A refund Concierge asked for but has not recorded yet is
// an error, so that WeChat Pay reports it again; one it did not ask for
// (made in the merchant platform) is ignored.
func (m *Main) settleWeChatRefund(ctx context.Context, bot concierge.BotID, r *wechatpay.RefundResult) (string, error) {
	const op = "wechatpay refund"
	status := r.Status()
	if status == wechatpay.RefundProcessing {
		return "processing", nil
	}
	result := ""
	err := m.DB.InTx(ctx, func(tx *store.Tx) error {
		rec, err := tx.RefundByRef(ctx, wechatpay.ProviderName, r.RefundID)
		if errors.Is(err, concierge.ErrNotFound) {
			if strings.HasPrefix(r.OutRefundNo, "proposal-") {
				return concierge.Errorf(concierge.CodeUnavailable, op, "refund %s (%s) is not recorded yet", r.RefundID, r.OutRefundNo)
			}
			result = "not_ours"
			return nil
		}
		if err != nil {
			return err
		}
		o, err := tx.Order(ctx, rec.Order)
		if err != nil {
			return err
		}
		if o.Bot != bot || (r.Order != "" && r.Order != o.ID) || r.Amount != rec.Amount {
			m.Log.Error("wechatpay refund: outcome does not match the refund recorded", "bot", bot, "refund", r.RefundID,
				"order", o.ID, "reported_order", r.Order, "amount", rec.Amount.Minor, "reported_amount", r.Amount.Minor)
			result = "mismatch"
			return nil
		}
		fresh, err := tx.SettleRefund(ctx, wechatpay.ProviderName, r.RefundID, wechatpay.RefundProcessing, status)
		if err != nil {
			return err
		}
		if !fresh {
			result = "duplicate"
			return nil
		}
		result = status
		if status != wechatpay.RefundFailed {
			return nil
		}
		why := fmt.Sprintf("WeChat Pay could not complete refund %s of order %s (%s): the money did not go back; refund it in the merchant platform", r.RefundID, o.ID, r.State)
		if err := tx.RefundLost(ctx, o.ID, r.RefundID, why); err != nil {
			return err
		}
		return tx.AddNote(ctx, concierge.Note{Conversation: o.Conversation, Author: "wechatpay", Text: why})
	})
	if err != nil {
		return "", err
	}
	if result == wechatpay.RefundFailed {
		m.Log.Error("wechatpay refund failed", "bot", bot, "order", r.Order, "refund", r.RefundID, "state", r.State)
	}
	return result, nil
}

// reconcileWeChatRefunds asks WeChat Pay about the refunds still
// processing some minutes after they were made, and settles those that
// ended, each under a lease so that two replicas do not ask at once. It
// returns how many it settled.
func (m *Main) reconcileWeChatRefunds(ctx context.Context, now time.Time) int {
	rs, err := m.DB.RefundsInStatus(ctx, wechatpay.ProviderName, wechatpay.RefundProcessing, now.Add(-wechatRefundQueryAfter), wechatRefundBatch)
	if err != nil {
		m.Log.Error("wechatpay reconcile: processing refunds", "err", err)
		return 0
	}
	settled := 0
	for _, rec := range rs {
		if ctx.Err() != nil {
			break
		}
		o, err := m.DB.GetOrder(ctx, rec.Order)
		if err != nil {
			m.Log.Error("wechatpay reconcile: refund's order", "refund", rec.ProviderRef, "err", err)
			continue
		}
		p := m.WeChatPayProvider(o.Bot)
		if p == nil {
			continue
		}
		done, err := checkout.WithLease(ctx, m.DB, m.Log, "wechatpay-refund:"+rec.ProviderRef, func() (bool, error) {
			cctx, cancel := context.WithTimeout(ctx, wechatpay.ReconcileCall)
			res, err := p.QueryRefund(cctx, rec.ProviderRef)
			cancel()
			if err != nil {
				return false, err
			}
			what, err := m.settleWeChatRefund(ctx, o.Bot, res)
			return what == wechatpay.RefundSucceeded || what == wechatpay.RefundFailed, err
		})
		if err != nil {
			m.Log.Error("wechatpay reconcile: refund", "bot", o.Bot, "refund", rec.ProviderRef, "err", err)
			continue
		}
		if done {
			settled++
		}
	}
	return settled
}
