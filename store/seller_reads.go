package store

import (
	"context"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

// The reads behind a seller's everyday questions, outside any
// transaction.

// OrdersSince returns bot's orders created at or after since, newest
// first.
func (db *DB) OrdersSince(ctx context.Context, bot concierge.BotID, since time.Time) ([]*concierge.Order, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT `+orderCols+` FROM orders WHERE bot = ? AND created_at >= ? ORDER BY created_at DESC, id DESC`),
		string(bot), db.millis(since))
	if err != nil {
		return nil, fmt.Errorf("store: orders since: %w", err)
	}
	return scanOrders(rows)
}

// PaidOrdersSince returns bot's orders paid at or after since, whatever
// happened to them after (fulfilled, refunded), newest first.
func (db *DB) PaidOrdersSince(ctx context.Context, bot concierge.BotID, since time.Time) ([]*concierge.Order, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT `+orderCols+` FROM orders WHERE bot = ? AND paid_at >= ? AND paid_at > 0 ORDER BY paid_at DESC, id DESC`),
		string(bot), db.millis(since))
	if err != nil {
		return nil, fmt.Errorf("store: paid orders since: %w", err)
	}
	return scanOrders(rows)
}

// Revenue sums the payments recorded for bot's orders at or after since,
// one amount per currency, and the refunds recorded in the same time.
func (db *DB) Revenue(ctx context.Context, bot concierge.BotID, since time.Time) (paid, refunded []concierge.Money, err error) {
	sum := func(query string) ([]concierge.Money, error) {
		rows, err := db.r.QueryContext(ctx, db.q(query), string(bot), db.millis(since))
		if err != nil {
			return nil, fmt.Errorf("store: revenue: %w", err)
		}
		out, err := collect(rows, func(r interface{ Scan(...any) error }) (concierge.Money, error) {
			var m concierge.Money
			return m, r.Scan(&m.Currency, &m.Minor)
		})
		if err != nil {
			return nil, fmt.Errorf("store: revenue: %w", err)
		}
		return out, nil
	}
	if paid, err = sum(`SELECT p.currency, SUM(p.amount_minor) FROM payments p JOIN orders o ON o.id = p.order_id
		WHERE o.bot = ? AND p.at >= ? GROUP BY p.currency ORDER BY p.currency`); err != nil {
		return nil, nil, err
	}
	if refunded, err = sum(`SELECT r.currency, SUM(r.amount_minor) FROM refunds r JOIN orders o ON o.id = r.order_id
		WHERE o.bot = ? AND r.at >= ? GROUP BY r.currency ORDER BY r.currency`); err != nil {
		return nil, nil, err
	}
	return paid, refunded, nil
}
