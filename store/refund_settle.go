package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// RefundByRef loads the refund provider recorded as ref, or ErrNotFound.
func (tx *Tx) RefundByRef(ctx context.Context, provider, ref string) (concierge.Refund, error) {
	r := concierge.Refund{Provider: provider, ProviderRef: ref}
	var order string
	var at int64
	err := tx.queryRow(ctx, `SELECT order_id, amount_minor, currency, reason, status, at FROM refunds WHERE provider = ? AND provider_ref = ?`,
		provider, ref).Scan(&order, &r.Amount.Minor, &r.Amount.Currency, &r.Reason, &r.Status, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return r, concierge.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: refund %s: %w", ref, err)
	}
	r.Order, r.At = concierge.OrderID(order), fromMillis(at)
	return r, nil
}

// SettleRefund moves a refund from status from to status to; it reports
// false, changing nothing, when the refund is not in from (settled
// before), so that an outcome reported many times is applied once.
func (tx *Tx) SettleRefund(ctx context.Context, provider, ref, from, to string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE refunds SET status = ? WHERE provider = ? AND provider_ref = ? AND status = ?`, to, provider, ref, from)
	if err != nil {
		return false, fmt.Errorf("store: settle refund %s: %w", ref, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RefundLost records on the approved proposals whose refund ref is ref why
// the provider could not complete it, for people to see in the inbox.
func (tx *Tx) RefundLost(ctx context.Context, order concierge.OrderID, ref, why string) error {
	if _, err := tx.exec(ctx, `UPDATE proposals SET refund_error = ? WHERE order_id = ? AND refund_ref = ?`, why, string(order), ref); err != nil {
		return fmt.Errorf("store: refund lost: %w", err)
	}
	return nil
}

// RefundsInStatus lists up to limit refunds of provider in status recorded
// before before, oldest first: the sweeper asks the provider about them.
func (db *DB) RefundsInStatus(ctx context.Context, provider, status string, before time.Time, limit int) ([]concierge.Refund, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT order_id, provider_ref, amount_minor, currency, reason, at FROM refunds
		WHERE provider = ? AND status = ? AND at < ? ORDER BY at LIMIT ?`), provider, status, db.millis(before), limit)
	if err != nil {
		return nil, fmt.Errorf("store: refunds in status: %w", err)
	}
	defer rows.Close()
	var out []concierge.Refund
	for rows.Next() {
		r := concierge.Refund{Provider: provider, Status: status}
		var order string
		var at int64
		if err := rows.Scan(&order, &r.ProviderRef, &r.Amount.Minor, &r.Amount.Currency, &r.Reason, &at); err != nil {
			return nil, fmt.Errorf("store: refunds in status: %w", err)
		}
		r.Order, r.At = concierge.OrderID(order), fromMillis(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
