package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/conciergehq/concierge"
)

// RecordRefund records a refund of an order; it returns false, changing
// nothing, for a refund recorded before (same provider and provider ref)
// except that a newer status replaces the old one.
func (tx *Tx) RecordRefund(ctx context.Context, r concierge.Refund) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO refunds (provider, provider_ref, order_id, amount_minor, currency, reason, status, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_ref) DO NOTHING`,
		r.Provider, r.ProviderRef, string(r.Order), r.Amount.Minor, r.Amount.Currency, r.Reason, r.Status, tx.db.millis(r.At))
	if err != nil {
		return false, fmt.Errorf("store: record refund: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	if r.Status != "" {
		if _, err := tx.exec(ctx, `UPDATE refunds SET status = ? WHERE provider = ? AND provider_ref = ?`, r.Status, r.Provider, r.ProviderRef); err != nil {
			return false, fmt.Errorf("store: record refund: %w", err)
		}
	}
	return false, nil
}

// RecordRefunds records refunds a provider reported, each of an order of
// bot; refunds of orders this store does not know (or another bot's) are
// skipped and counted.
func (db *DB) RecordRefunds(ctx context.Context, bot concierge.BotID, rs []concierge.Refund) (recorded, skipped int, err error) {
	err = db.InTx(ctx, func(tx *Tx) error {
		recorded, skipped = 0, 0
		for _, r := range rs {
			o, err := tx.Order(ctx, r.Order)
			if errors.Is(err, concierge.ErrNotFound) || (err == nil && o.Bot != bot) {
				skipped++
				continue
			}
			if err != nil {
				return err
			}
			fresh, err := tx.RecordRefund(ctx, r)
			if err != nil {
				return err
			}
			if fresh {
				recorded++
			}
		}
		return nil
	})
	return recorded, skipped, err
}

// Refunds lists the refunds recorded for an order, oldest first.
func (db *DB) Refunds(ctx context.Context, order concierge.OrderID) ([]concierge.Refund, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT provider, provider_ref, amount_minor, currency, reason, status, at
		FROM refunds WHERE order_id = ? ORDER BY at, provider_ref`), string(order))
	if err != nil {
		return nil, fmt.Errorf("store: refunds: %w", err)
	}
	defer rows.Close()
	var out []concierge.Refund
	for rows.Next() {
		r := concierge.Refund{Order: order}
		var at int64
		if err := rows.Scan(&r.Provider, &r.ProviderRef, &r.Amount.Minor, &r.Amount.Currency, &r.Reason, &r.Status, &at); err != nil {
			return nil, fmt.Errorf("store: refunds: %w", err)
		}
		r.At = fromMillis(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
