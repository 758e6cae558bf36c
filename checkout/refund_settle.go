package checkout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/conciergehq/concierge"
)

// RefundTx is the transaction in which a refund's outcome is settled.
type RefundTx interface {
	Order(ctx context.Context, id concierge.OrderID) (*concierge.Order, error)
	// RefundByRef is the refund recorded under the provider's id, or an
	// error wrapping concierge.ErrNotFound.
	RefundByRef(ctx context.Context, provider, ref string) (concierge.Refund, error)
	// SettleRefund moves the refund from status from to status to; false
	// when it was not in from (settled before).
	SettleRefund(ctx context.Context, provider, ref, from, to string) (bool, error)
	// RefundLost records on the order's proposal that its refund failed.
	RefundLost(ctx context.Context, order concierge.OrderID, ref, why string) error
	AddNote(ctx context.Context, n concierge.Note) error
}

// RefundStore is what settling refunds reads, locks and writes.
type RefundStore interface {
	Leases
	GetOrder(ctx context.Context, id concierge.OrderID) (*concierge.Order, error)
	// RefundsInStatus lists up to limit refunds of provider in status,
	// made before before.
	RefundsInStatus(ctx context.Context, provider, status string, before time.Time, limit int) ([]concierge.Refund, error)
	// InRefundTx runs fn in one write transaction.
	InRefundTx(ctx context.Context, fn func(tx RefundTx) error) error
}

const (
	// RefundQueryAfter leaves a refund's notification this long to arrive
	// before the provider is asked.
	RefundQueryAfter = 2 * time.Minute
	refundBatch      = 20
	// reconcileCall bounds one question to a provider.
	reconcileCall = 5 * time.Second
)

// SettleRefund applies how a refund of bot ended: a processing refund
// becomes succeeded, or failed (the money did not go back: the proposal
// shows why and a note asks people to refund by hand). It returns what it
// did: the new status, "processing" (nothing yet), "duplicate" (reported
// before, nothing changed), "not_ours" (made by hand at the provider,
// ignored) or "mismatch" (logged). A refund Concierge asked for but has
// not recorded yet is a CodeUnavailable error, so that the provider
// reports it again.
func (s *Service) SettleRefund(ctx context.Context, st RefundStore, log *slog.Logger, bot concierge.BotID, r concierge.RefundOutcome) (string, error) {
	op := r.Provider + " refund"
	if r.Status == concierge.RefundProcessing {
		return concierge.RefundProcessing, nil
	}
	result := ""
	err := st.InRefundTx(ctx, func(tx RefundTx) error {
		rec, err := tx.RefundByRef(ctx, r.Provider, r.Ref)
		if errors.Is(err, concierge.ErrNotFound) {
			if strings.HasPrefix(r.Key, concierge.RefundKeyPrefix) {
				return concierge.Errorf(concierge.CodeUnavailable, op, "refund %s (%s) is not recorded yet", r.Ref, r.Key)
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
			log.Error(op+": outcome does not match the refund recorded", "bot", bot, "refund", r.Ref,
				"order", o.ID, "reported_order", r.Order, "amount", rec.Amount.Minor, "reported_amount", r.Amount.Minor)
			result = "mismatch"
			return nil
		}
		fresh, err := tx.SettleRefund(ctx, r.Provider, r.Ref, concierge.RefundProcessing, r.Status)
		if err != nil {
			return err
		}
		if !fresh {
			result = "duplicate"
			return nil
		}
		result = r.Status
		if r.Status != concierge.RefundFailed {
			return nil
		}
		why := r.Why
		if why == "" {
			why = fmt.Sprintf("%s could not complete refund %s of order %s (%s): the money did not go back; refund it in the provider's dashboard", r.Provider, r.Ref, o.ID, r.State)
		}
		if err := tx.RefundLost(ctx, o.ID, r.Ref, why); err != nil {
			return err
		}
		return tx.AddNote(ctx, concierge.Note{Conversation: o.Conversation, Author: r.Provider, Text: why})
	})
	if err != nil {
		return "", err
	}
	if result == concierge.RefundFailed {
		log.Error(op+" failed", "bot", bot, "order", r.Order, "refund", r.Ref, "state", r.State)
	}
	return result, nil
}

// ReconcileRefunds asks every provider that is a concierge.RefundQuerier
// about its refunds still processing RefundQueryAfter after they were
// made, and settles those that ended, each under a lease so that two
// replicas do not ask at once. It returns how many it settled; errors
// are logged and the refunds tried again on the next pass.
func (s *Service) ReconcileRefunds(ctx context.Context, st RefundStore, log *slog.Logger, now time.Time) int {
	settled := 0
	seen := map[string]bool{}
	for _, p := range s.registry.Providers() {
		name := p.Name()
		if _, ok := p.(concierge.RefundQuerier); !ok || seen[name] {
			continue
		}
		seen[name] = true
		rs, err := st.RefundsInStatus(ctx, name, concierge.RefundProcessing, now.Add(-RefundQueryAfter), refundBatch)
		if err != nil {
			log.Error(name+" reconcile: processing refunds", "err", err)
			continue
		}
		for _, rec := range rs {
			if ctx.Err() != nil {
				break
			}
			if s.reconcileRefund(ctx, st, log, name, rec) {
				settled++
			}
		}
	}
	return settled
}

// reconcileRefund asks about one processing refund and settles it.
func (s *Service) reconcileRefund(ctx context.Context, st RefundStore, log *slog.Logger, name string, rec concierge.Refund) bool {
	o, err := st.GetOrder(ctx, rec.Order)
	if err != nil {
		log.Error(name+" reconcile: refund's order", "refund", rec.ProviderRef, "err", err)
		return false
	}
	q, ok := s.registry.Provider(o.Bot, name).(concierge.RefundQuerier)
	if !ok {
		return false
	}
	done, err := WithLease(ctx, st, log, name+"-refund:"+rec.ProviderRef, func() (bool, error) {
		cctx, cancel := context.WithTimeout(ctx, reconcileCall)
		out, err := q.RefundOutcome(cctx, rec.ProviderRef)
		cancel()
		if err != nil {
			return false, err
		}
		what, err := s.SettleRefund(ctx, st, log, o.Bot, out)
		return what == concierge.RefundSucceeded || what == concierge.RefundFailed, err
	})
	if err != nil {
		log.Error(name+" reconcile: refund", "bot", o.Bot, "refund", rec.ProviderRef, "err", err)
	}
	return done
}
