package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/conciergehq/concierge"
)

// RecordPaymentFailure stores a verified report of a failed payment
// attempt. It returns false, and changes nothing, when the same (provider,
// provider ref) was recorded before, so a redelivered report counts once.
func (tx *Tx) RecordPaymentFailure(ctx context.Context, f concierge.PaymentFailure) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO payment_failures (provider, provider_ref, order_id, code, reason, at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (provider, provider_ref) DO NOTHING`,
		f.Provider, f.ProviderRef, string(f.Order), f.Code, f.Reason, tx.db.millis(f.At))
	if err != nil {
		return false, fmt.Errorf("store: record payment failure: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const paymentFailuresQuery = `SELECT provider, provider_ref, code, reason, at FROM payment_failures WHERE order_id = ? ORDER BY at, provider, provider_ref`

// PaymentFailures lists the failed attempts recorded for an order, oldest
// first, in tx.
func (tx *Tx) PaymentFailures(ctx context.Context, order concierge.OrderID) ([]concierge.PaymentFailure, error) {
	rows, err := tx.query(ctx, paymentFailuresQuery, string(order))
	if err != nil {
		return nil, fmt.Errorf("store: payment failures: %w", err)
	}
	return scanPaymentFailures(rows, order)
}

// PaymentFailures lists the failed attempts recorded for an order, oldest
// first.
func (db *DB) PaymentFailures(ctx context.Context, order concierge.OrderID) ([]concierge.PaymentFailure, error) {
	rows, err := db.r.QueryContext(ctx, db.q(paymentFailuresQuery), string(order))
	if err != nil {
		return nil, fmt.Errorf("store: payment failures: %w", err)
	}
	return scanPaymentFailures(rows, order)
}

func scanPaymentFailures(rows *sql.Rows, order concierge.OrderID) ([]concierge.PaymentFailure, error) {
	defer rows.Close()
	var out []concierge.PaymentFailure
	for rows.Next() {
		f := concierge.PaymentFailure{Order: order}
		var at int64
		if err := rows.Scan(&f.Provider, &f.ProviderRef, &f.Code, &f.Reason, &at); err != nil {
			return nil, fmt.Errorf("store: payment failures: %w", err)
		}
		f.At = fromMillis(at)
		out = append(out, f)
	}
	return out, rows.Err()
}
