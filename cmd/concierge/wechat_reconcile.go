package main

import (
	"context"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/store"
)

// reconcileEvery is how often every pending order of a provider whose
// notifications may be lost (WeChat Pay) is queried; expired ones are
// handled on every sweep, before ExpireDue.
const reconcileEvery = 30 * time.Second

// ReconcileWeChatPay runs one reconciliation pass as of now (see
// checkout.Service.Reconcile) and, with all, settles the refunds still
// processing (checkout.Service.ReconcileRefunds). It returns how many orders
// it changed (paid or expired).
func (m *Main) ReconcileWeChatPay(ctx context.Context, now time.Time, all bool) int {
	changed := m.Checkout.Reconcile(ctx, reconcileStore{m.DB}, m.Log, now, all)
	if all {
		rctx, cancel := context.WithTimeout(ctx, checkout.ReconcilePass)
		m.Checkout.ReconcileRefunds(rctx, refundStore{m.DB}, m.Log, now)
		cancel()
	}
	if changed > 0 && m.Dispatcher != nil {
		m.Dispatcher.Wake()
	}
	return changed
}

// reconcileStore is the store as checkout's reconciliation sees it.
type reconcileStore struct{ *store.DB }

func (s reconcileStore) InTx(ctx context.Context, fn func(tx concierge.Tx) error) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

// refundStore is the store as checkout's refund settlement sees it.
type refundStore struct{ *store.DB }

func (s refundStore) InRefundTx(ctx context.Context, fn func(tx checkout.RefundTx) error) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

// hasWeChatPay reports whether some bot takes WeChat Pay, whose
// notifications may be lost.
func (m *Main) hasWeChatPay() bool {
	for _, h := range m.hooks {
		if h != nil && h.WeChatPay != nil {
			return true
		}
	}
	return false
}
