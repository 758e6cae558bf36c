package checkout

import (
	"context"
	"log/slog"
	"time"

	"github.com/conciergehq/concierge"
)

// ReconcileStore is what reconciliation reads and locks. InTx runs fn in
// one write transaction.
type ReconcileStore interface {
	PendingOrdersOf(ctx context.Context, provider string, createdBefore, expiresBefore time.Time, limit int) ([]*concierge.Order, error)
	GetOrder(ctx context.Context, id concierge.OrderID) (*concierge.Order, error)
	TakeLease(ctx context.Context, name string, ttl time.Duration) (token string, ok bool, err error)
	ReleaseLease(ctx context.Context, name, token string) error
	InTx(ctx context.Context, fn func(tx concierge.Tx) error) error
}

const (
	// ReconcileAfter leaves a payment's notification this long to arrive
	// before its provider is asked.
	ReconcileAfter = 60 * time.Second
	// reconcileBatch is how many pending orders of one provider a pass
	// looks at.
	reconcileBatch = 50
	// ReconcilePass bounds a whole pass, so that a slow provider does not
	// hold up the sweep that expires orders.
	ReconcilePass = 15 * time.Second
	// LeaseTTL outlasts a pass, so that a lease is never taken over
	// while its holder still works.
	LeaseTTL = 2 * ReconcilePass
	// leaseRelease bounds the release of a lease once its work is done.
	leaseRelease = 5 * time.Second
)

// Reconcile runs one pass as of now over the pending orders of every
// provider that is a concierge.Reconciler, created more than
// ReconcileAfter before now: all of them when all is set, else only those
// whose reservation ran out (so that they are closed at the provider
// before ExpireDue expires them here). Each order is handled under a
// lease shared by the replicas, and only while still pending. A payment
// found is applied as its notification would have been; an order the
// provider closed expires. It returns how many orders changed. Errors are
// logged and the orders tried again on the next pass.
func (s *Service) Reconcile(ctx context.Context, st ReconcileStore, log *slog.Logger, now time.Time, all bool) int {
	ctx, cancel := context.WithTimeout(ctx, ReconcilePass)
	defer cancel()
	expiresBefore := now
	if all {
		expiresBefore = now.Add(100 * 365 * 24 * time.Hour)
	}
	changed := 0
	seen := map[string]bool{}
	for _, p := range s.registry.Providers() {
		if _, ok := p.(concierge.Reconciler); !ok || seen[p.Name()] {
			continue
		}
		seen[p.Name()] = true
		changed += s.reconcileProvider(ctx, st, log, p.Name(), now, expiresBefore)
	}
	return changed
}

// reconcileProvider is one pass over the pending orders of the
// providers named name, whichever bot they are of.
func (s *Service) reconcileProvider(ctx context.Context, st ReconcileStore, log *slog.Logger, name string, now, expiresBefore time.Time) int {
	os, err := st.PendingOrdersOf(ctx, name, now.Add(-ReconcileAfter), expiresBefore, reconcileBatch)
	if err != nil {
		log.Error(name+" reconcile: pending orders", "err", err)
		return 0
	}
	changed := 0
	for _, o := range os {
		if ctx.Err() != nil {
			break
		}
		r, ok := s.registry.Provider(o.Bot, name).(concierge.Reconciler)
		if !ok {
			continue
		}
		ok, err := WithLease(ctx, st, log, name+"-reconcile:"+string(o.ID), func() (bool, error) {
			cur, err := st.GetOrder(ctx, o.ID)
			if err != nil || cur.State != concierge.OrderPending {
				return false, err
			}
			return s.reconcileOrder(ctx, st, log, r, cur, now)
		})
		if err != nil {
			log.Error(name+" reconcile", "bot", o.Bot, "order", o.ID, "err", err)
			if concierge.ErrorCode(err) != concierge.CodeInvalid {
				// The provider or the database is unreachable: try
				// again on the next pass rather than wait on every order.
				break
			}
			continue
		}
		if ok {
			changed++
		}
	}
	return changed
}

// reconcileOrder asks r about o and applies what it found.
func (s *Service) reconcileOrder(ctx context.Context, st ReconcileStore, log *slog.Logger, r concierge.Reconciler, o *concierge.Order, now time.Time) (bool, error) {
	found, err := r.Reconcile(ctx, o, now)
	switch {
	case err != nil:
		return false, err
	case found.Paid != nil:
		var res Applied
		err := st.InTx(ctx, func(tx concierge.Tx) error {
			var err error
			res, err = s.Paid(ctx, tx, o.Bot, *found.Paid)
			return err
		})
		if err != nil {
			return false, err
		}
		if res != AppliedDuplicate {
			log.Info(o.Provider+" reconcile: payment found without notification", "bot", o.Bot, "order", o.ID, "applied", string(res))
		}
		return res != AppliedDuplicate, nil
	case found.Closed:
		var expired bool
		err := st.InTx(ctx, func(tx concierge.Tx) error {
			var err error
			expired, err = s.ProviderExpired(ctx, tx, o.Bot, o.ID)
			return err
		})
		if err == nil && expired {
			log.Info(o.Provider+" reconcile: closed unpaid order", "bot", o.Bot, "order", o.ID)
		}
		return expired, err
	}
	return false, nil
}

// Leases is the part of the store that keeps replicas off one another's
// work.
type Leases interface {
	TakeLease(ctx context.Context, name string, ttl time.Duration) (token string, ok bool, err error)
	ReleaseLease(ctx context.Context, name, token string) error
}

// WithLease runs fn holding the named lease for LeaseTTL, or returns
// false without running it when another replica holds it.
func WithLease(ctx context.Context, l Leases, log *slog.Logger, name string, fn func() (bool, error)) (bool, error) {
	tok, ok, err := l.TakeLease(ctx, name, LeaseTTL)
	if err != nil || !ok {
		return false, err
	}
	defer func() {
		// Released even when the pass's context ran out; a lease left
		// behind would only delay the next pass until it expires.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaseRelease)
		defer cancel()
		if err := l.ReleaseLease(rctx, name, tok); err != nil {
			log.Warn("reconcile: release lease", "lease", name, "err", err)
		}
	}()
	return fn()
}
