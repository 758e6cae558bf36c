package server

import (
	"context"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/checkout"
	"github.com/conciergehq/concierge/store"
)

const (
	// reconcileEvery is how often every pending order of a provider whose
	// notifications may be lost (WeChat Pay) is queried; expired ones are
	// handled on every sweep, before their expiry here.
	reconcileEvery = 30 * time.Second
	// retentionEvery is how often conversations past their bot's
	// retention are erased: the policy counts in days.
	retentionEvery = 10 * time.Minute
)

// sweep runs the periodic jobs: retention (the store's), reconciliation
// of lost payments and refunds, and the expiry of unpaid orders
// (checkout's).
func (m *Main) sweep(ctx context.Context) {
	every := m.SweepEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var lastRetention, lastReconcile time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if time.Since(lastRetention) >= retentionEvery {
			lastRetention = time.Now()
			m.DB.EraseRetained(ctx, m.Bots, time.Now(), m.Log)
		}
		// Every order every 30 s, expired ones on every sweep so that
		// they are closed at the provider before they expire here.
		all := time.Since(lastReconcile) >= reconcileEvery
		if all {
			lastReconcile = time.Now()
		}
		m.Reconcile(ctx, time.Now(), all)
		if m.Checkout.ExpireAll(ctx, checkoutStore{m.DB}, m.Log) > 0 {
			m.Dispatcher.Wake()
		}
	}
}

// Reconcile runs one reconciliation pass as of now over the
// providers that are Reconcilers (checkout.Service.Reconcile) and, with
// all, settles the refunds still processing (ReconcileRefunds). It
// returns how many orders it changed (paid or expired).
func (m *Main) Reconcile(ctx context.Context, now time.Time, all bool) int {
	changed := m.Checkout.Reconcile(ctx, checkoutStore{m.DB}, m.Log, now, all)
	if all {
		rctx, cancel := context.WithTimeout(ctx, checkout.ReconcilePass)
		m.Checkout.ReconcileRefunds(rctx, checkoutStore{m.DB}, m.Log, now)
		cancel()
	}
	if changed > 0 && m.Dispatcher != nil {
		m.Dispatcher.Wake()
	}
	return changed
}

// checkoutStore is the store as checkout's jobs see it: the same
// transaction under the interface each job asks for.
type checkoutStore struct{ *store.DB }

func (s checkoutStore) InTx(ctx context.Context, fn func(tx concierge.Tx) error) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

func (s checkoutStore) InRefundTx(ctx context.Context, fn func(tx checkout.RefundTx) error) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

func (s checkoutStore) InExpiryTx(ctx context.Context, fn func(tx checkout.ExpiryTx) error) error {
	return s.DB.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}
