package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/conciergehq/concierge"
)

const sellerChangeCols = `id, person_id, bot, conversation_id, locale, action, target, before_value, after_value, args, state, result, created_at, expires_at`

func scanSellerChange(row interface{ Scan(...any) error }) (concierge.SellerChange, error) {
	var c concierge.SellerChange
	var bot, loc string
	var created, expires int64
	err := row.Scan(&c.ID, &c.Person, &bot, &c.Conversation, &loc, &c.Action, &c.Target, &c.Before, &c.After, &c.Args, &c.State, &c.Result, &created, &expires)
	c.Bot, c.Locale, c.CreatedAt, c.ExpiresAt = concierge.BotID(bot), concierge.Locale(loc), fromMillis(created), fromMillis(expires)
	return c, err
}

// AddSellerChange stores a change asked from a chat, to be confirmed;
// it sets c.ID, c.State and c.CreatedAt.
func (tx *Tx) AddSellerChange(ctx context.Context, c *concierge.SellerChange) error {
	c.State, c.CreatedAt = concierge.ChangeProposed, tx.now
	err := tx.queryRow(ctx, `INSERT INTO seller_changes (person_id, bot, conversation_id, locale, action, target, before_value, after_value, args, state, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Person, string(c.Bot), c.Conversation, string(c.Locale), c.Action, c.Target, c.Before, c.After, c.Args, c.State,
		tx.db.millis(tx.now), tx.db.millis(c.ExpiresAt)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("store: add seller change: %w", err)
	}
	return nil
}

// SellerChange reads a change, or an error wrapping concierge.ErrNotFound.
func (tx *Tx) SellerChange(ctx context.Context, id int64) (*concierge.SellerChange, error) {
	c, err := scanSellerChange(tx.queryRow(ctx, `SELECT `+sellerChangeCols+` FROM seller_changes WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: seller change: %w", concierge.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: seller change: %w", err)
	}
	return &c, nil
}

// DecideSellerChange moves a proposed change of person's to state
// (confirmed or cancelled) while it has not expired; false when it was
// decided before or expired, so a second press changes nothing.
func (tx *Tx) DecideSellerChange(ctx context.Context, id, person int64, state string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE seller_changes SET state = ?, confirmed_at = ? WHERE id = ? AND person_id = ? AND state = 'proposed' AND expires_at > ?`,
		state, tx.db.millis(tx.now), id, person, tx.db.millis(tx.now))
	if err != nil {
		return false, fmt.Errorf("store: decide seller change: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ClaimSellerChanges takes up to limit confirmed changes for lease: a
// change taken by a worker that died is taken again once its lease ran
// out. Applying a change twice is harmless (a stock set twice to one
// count; a second refund decision is refused by the inbox), and
// FinishSellerChange records the outcome once.
func (db *DB) ClaimSellerChanges(ctx context.Context, limit int, lease time.Duration) ([]concierge.SellerChange, error) {
	var out []concierge.SellerChange
	err := db.InTx(ctx, func(tx *Tx) error {
		now := db.millis(tx.now)
		rows, err := tx.query(ctx, `SELECT `+sellerChangeCols+` FROM seller_changes WHERE state = 'confirmed' AND claimed_until < ? ORDER BY id LIMIT ?`, now, limit)
		if err != nil {
			return fmt.Errorf("store: claim seller changes: %w", err)
		}
		cs, err := collect(rows, scanSellerChange)
		if err != nil {
			return fmt.Errorf("store: claim seller changes: %w", err)
		}
		for _, c := range cs {
			res, err := tx.exec(ctx, `UPDATE seller_changes SET claimed_until = ? WHERE id = ? AND state = 'confirmed' AND claimed_until < ?`,
				now+lease.Milliseconds(), c.ID, now)
			if err != nil {
				return fmt.Errorf("store: claim seller changes: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

// FinishSellerChange records a confirmed change's outcome (applied or
// failed, with a sentence); false when it was recorded before.
func (tx *Tx) FinishSellerChange(ctx context.Context, id int64, state, result string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE seller_changes SET state = ?, result = ?, done_at = ? WHERE id = ? AND state = 'confirmed'`,
		state, result, tx.db.millis(tx.now), id)
	if err != nil {
		return false, fmt.Errorf("store: finish seller change: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RecordAudit writes an entry to the audit log at the transaction's time.
func (tx *Tx) RecordAudit(ctx context.Context, e concierge.AuditEntry) error {
	_, err := tx.exec(ctx, `INSERT INTO audit_log (at, person, bot, action, target, before_value, after_value, via, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.db.millis(tx.now), e.Person, string(e.Bot), e.Action, e.Target, e.Before, e.After, e.Via, e.Detail)
	if err != nil {
		return fmt.Errorf("store: record audit: %w", err)
	}
	return nil
}

// AuditLog lists the last limit entries of the audit log, newest first.
func (db *DB) AuditLog(ctx context.Context, limit int) ([]concierge.AuditEntry, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT id, at, person, bot, action, target, before_value, after_value, via, detail FROM audit_log ORDER BY id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (concierge.AuditEntry, error) {
		var e concierge.AuditEntry
		var at int64
		var bot string
		err := r.Scan(&e.ID, &at, &e.Person, &bot, &e.Action, &e.Target, &e.Before, &e.After, &e.Via, &e.Detail)
		e.At, e.Bot = fromMillis(at), concierge.BotID(bot)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	return out, nil
}

// SetStock sets the live stock of one of bot's products to n (at least
// zero) and returns the count before. It is the one place a person
// changes a count; orders keep reserving and releasing from it. A
// product without a stock row gets one.
func (tx *Tx) SetStock(ctx context.Context, bot concierge.BotID, sku concierge.SKU, n int) (int, error) {
	if n < 0 {
		return 0, concierge.Errorf(concierge.CodeInvalid, "set stock", "a stock cannot be below zero (%d)", n)
	}
	before, err := tx.Stock(ctx, bot, sku)
	if err != nil {
		return 0, err
	}
	_, err = tx.exec(ctx, `INSERT INTO stock (bot, sku, quantity) VALUES (?, ?, ?) ON CONFLICT (bot, sku) DO UPDATE SET quantity = excluded.quantity`,
		string(bot), string(sku), n)
	if err != nil {
		return 0, fmt.Errorf("store: set stock: %w", err)
	}
	if n != before {
		tx.stockChanged(bot)
	}
	return before, nil
}

// ConfirmedSellerChanges counts the changes confirmed and not yet
// applied or failed: zero means the applier has nothing in hand.
func (db *DB) ConfirmedSellerChanges(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, db.q(`SELECT count(*) FROM seller_changes WHERE state = 'confirmed'`)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: confirmed seller changes: %w", err)
	}
	return n, nil
}
