package store

import (
	"context"
	"fmt"
)

// Setting returns the value stored under name, storing make() first if
// there is none. Replicas racing to create it all end up with the first
// one stored.
func (db *DB) Setting(ctx context.Context, name string, make func() (string, error)) (string, error) {
	var v string
	err := db.InTx(ctx, func(tx *Tx) error {
		fresh, err := make()
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
			return err
		}
		return tx.queryRow(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	})
	if err != nil {
		return "", fmt.Errorf("store: setting %s: %w", name, err)
	}
	return v, nil
}
