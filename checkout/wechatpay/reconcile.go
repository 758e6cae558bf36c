package wechatpay

import (
	"context"
	"errors"
	"time"

	"github.com/conciergehq/concierge"
)

// ReconcileCall bounds one query or close made while reconciling.
const ReconcileCall = 5 * time.Second

var _ concierge.Reconciler = (*Provider)(nil)

// Reconcile queries pending order o at WeChat Pay for checkout's sweep: a
// payment whose notification never came is returned to be applied; an
// order whose reservation ran out unpaid is closed at WeChat Pay, so that
// it can no longer be paid, and reported Closed. A payment made while it
// was being closed (ORDERPAID) is queried again and returned. Orders in
// other states (USERPAYING, REFUND …) are not this sweep's to end; people
// or the notification settle them. A refusal by WeChat Pay is a
// CodeInvalid error wrapping the *APIError.
func (p *Provider) Reconcile(ctx context.Context, o *concierge.Order, now time.Time) (concierge.Reconciled, error) {
	st, err := p.queryBounded(ctx, o.ID)
	var api *APIError
	switch {
	case errors.As(err, &api) && api.Code == "ORDERNOTEXIST":
		// The payment page was never opened: nothing to close there.
		st = &TradeState{State: "NOTEXIST"}
	case err != nil:
		return concierge.Reconciled{}, reconcileError(err)
	}
	if st.State == "SUCCESS" {
		return paidBy(o, st, now)
	}
	if !o.ExpiresAt.Before(now) {
		return concierge.Reconciled{}, nil
	}
	switch st.State {
	case "NOTPAY", "PAYERROR":
		cctx, cancel := context.WithTimeout(ctx, ReconcileCall)
		err := p.CloseOrder(cctx, o.ID)
		cancel()
		if errors.As(err, &api) && api.Code == "ORDERPAID" {
			// Paid just now: apply it.
			if st, err = p.queryBounded(ctx, o.ID); err != nil {
				return concierge.Reconciled{}, reconcileError(err)
			}
			if st.State == "SUCCESS" {
				return paidBy(o, st, now)
			}
			return concierge.Reconciled{}, nil
		}
		if err != nil {
			return concierge.Reconciled{}, reconcileError(err)
		}
	case "CLOSED", "REVOKED", "NOTEXIST":
	default:
		return concierge.Reconciled{}, nil
	}
	return concierge.Reconciled{Closed: true}, nil
}

func (p *Provider) queryBounded(ctx context.Context, id concierge.OrderID) (*TradeState, error) {
	ctx, cancel := context.WithTimeout(ctx, ReconcileCall)
	defer cancel()
	return p.QueryOrder(ctx, id)
}

// paidBy is the payment a query found, as the notification would have
// brought it: exactly once on (wechatpay, transaction id).
func paidBy(o *concierge.Order, st *TradeState, now time.Time) (concierge.Reconciled, error) {
	if st.TransactionID == "" {
		return concierge.Reconciled{}, concierge.Errorf(concierge.CodeInvalid, "wechatpay reconcile", "a paid order without transaction id")
	}
	return concierge.Reconciled{Paid: &concierge.Payment{Order: o.ID, Provider: ProviderName, ProviderRef: st.TransactionID,
		Amount: st.Amount, At: now.UTC()}}, nil
}

// reconcileError marks WeChat Pay's refusals as concerning one order
// only; anything else (WeChat Pay unreachable) ends the pass.
func reconcileError(err error) error {
	var api *APIError
	if errors.As(err, &api) {
		return &concierge.Error{Code: concierge.CodeInvalid, Op: "wechatpay reconcile", Err: err}
	}
	return err
}
