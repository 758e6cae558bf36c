package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/conciergehq/concierge"
)

// CatalogChanges returns bot's catalog changes with a version above after,
// oldest first, and the highest version returned (after when none).
// Replicas poll it to apply what another replica was told.
func (db *DB) CatalogChanges(ctx context.Context, bot concierge.BotID, after int64) ([]concierge.CatalogChange, int64, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT sku, patch, deleted, version FROM catalog_overrides
		WHERE bot = ? AND version > ? ORDER BY version, sku`), string(bot), after)
	if err != nil {
		return nil, after, fmt.Errorf("store: catalog changes: %w", err)
	}
	defer rows.Close()
	var out []concierge.CatalogChange
	last := after
	for rows.Next() {
		var c concierge.CatalogChange
		var sku, patch string
		var deleted int
		if err := rows.Scan(&sku, &patch, &deleted, &c.Version); err != nil {
			return nil, after, fmt.Errorf("store: catalog changes: %w", err)
		}
		c.SKU, c.Patch, c.Deleted = concierge.SKU(sku), []byte(patch), deleted != 0
		last = max(last, c.Version)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, after, fmt.Errorf("store: catalog changes: %w", err)
	}
	return out, last, nil
}

// ChangeCatalog records changes to bot's catalog in one transaction. It
// reads the current changes of skus and hands them to fn, which returns the
// rows to write (merged as it sees fit) and the stock on hand to set for
// some SKUs (see setOnHand); an error from fn changes nothing. The bot's
// version counter is raised first, so concurrent callers for one bot run
// one after the other and see each other's rows.
func (db *DB) ChangeCatalog(ctx context.Context, bot concierge.BotID, skus []concierge.SKU,
	fn func(current map[concierge.SKU]concierge.CatalogChange) ([]concierge.CatalogChange, map[concierge.SKU]int, error)) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var version int64
		err := tx.queryRow(ctx, `INSERT INTO catalog_versions (bot, version) VALUES (?, 1)
			ON CONFLICT (bot) DO UPDATE SET version = catalog_versions.version + 1 RETURNING version`, string(bot)).Scan(&version)
		if err != nil {
			return fmt.Errorf("store: change catalog: %w", err)
		}
		current := map[concierge.SKU]concierge.CatalogChange{}
		for _, sku := range skus {
			var patch string
			var deleted int
			var c concierge.CatalogChange
			err := tx.queryRow(ctx, `SELECT patch, deleted, version FROM catalog_overrides WHERE bot = ? AND sku = ?`,
				string(bot), string(sku)).Scan(&patch, &deleted, &c.Version)
			if err == nil {
				c.SKU, c.Patch, c.Deleted = sku, []byte(patch), deleted != 0
				current[sku] = c
			} else if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: change catalog: %w", err)
			}
		}
		rows, onHand, err := fn(current)
		if err != nil {
			return err
		}
		for _, c := range rows {
			deleted := 0
			if c.Deleted {
				deleted = 1
			}
			_, err := tx.exec(ctx, `INSERT INTO catalog_overrides (bot, sku, patch, deleted, version, updated_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (bot, sku) DO UPDATE SET patch = excluded.patch, deleted = excluded.deleted, version = excluded.version, updated_at = excluded.updated_at`,
				string(bot), string(c.SKU), string(c.Patch), deleted, version, tx.db.millis(tx.now))
			if err != nil {
				return fmt.Errorf("store: change catalog: %w", err)
			}
		}
		return tx.setOnHand(ctx, bot, onHand)
	})
}

// SetStockOnHand sets the live stock of products from the merchant's count
// of what is on hand (a refreshed feed's), as ChangeCatalog does.
func (db *DB) SetStockOnHand(ctx context.Context, bot concierge.BotID, onHand map[concierge.SKU]int) error {
	if len(onHand) == 0 {
		return nil
	}
	return db.InTx(ctx, func(tx *Tx) error { return tx.setOnHand(ctx, bot, onHand) })
}

// setOnHand sets the live stock of each SKU to what the merchant has on
// hand less what open orders (pending payment) reserve: those orders took
// their units from the live count when they were placed and give them back
// if they are cancelled or expire, so the merchant's count must not hand
// the same units out twice. Paid orders are taken to be in the merchant's
// count already.
func (tx *Tx) setOnHand(ctx context.Context, bot concierge.BotID, onHand map[concierge.SKU]int) error {
	if len(onHand) == 0 {
		return nil
	}
	reserved, err := tx.reserved(ctx, bot)
	if err != nil {
		return err
	}
	for sku, n := range onHand {
		q := max(0, n-reserved[sku])
		_, err := tx.exec(ctx, `INSERT INTO stock (bot, sku, quantity) VALUES (?, ?, ?)
			ON CONFLICT (bot, sku) DO UPDATE SET quantity = excluded.quantity`, string(bot), string(sku), q)
		if err != nil {
			return fmt.Errorf("store: set stock: %w", err)
		}
	}
	// Told even when a count is set to what it was: a feed's
	// availability is pushed only when it differs (acp.FeedPusher).
	tx.stockChanged(bot)
	return nil
}

// reserved sums the quantities of bot's orders pending payment by SKU.
func (tx *Tx) reserved(ctx context.Context, bot concierge.BotID) (map[concierge.SKU]int, error) {
	rows, err := tx.query(ctx, `SELECT lines FROM orders WHERE bot = ? AND state = ?`, string(bot), string(concierge.OrderPending))
	if err != nil {
		return nil, fmt.Errorf("store: reserved stock: %w", err)
	}
	defer rows.Close()
	out := map[concierge.SKU]int{}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("store: reserved stock: %w", err)
		}
		var lines []concierge.OrderLine
		if err := json.Unmarshal([]byte(raw), &lines); err != nil {
			return nil, fmt.Errorf("store: reserved stock: %w", err)
		}
		for _, l := range lines {
			out[l.SKU] += l.Quantity
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reserved stock: %w", err)
	}
	return out, nil
}
