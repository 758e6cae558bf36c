package store

import (
	"context"
	"fmt"
	"time"
)

// TakeLease claims the lease name for ttl unless another holder's has not
// run out; it returns the token that releases it and whether it was won.
// The claim is one upsert whose update only happens over an expired
// lease, so of two replicas racing for it exactly one wins, on SQLite and
// on PostgreSQL alike.
func (db *DB) TakeLease(ctx context.Context, name string, ttl time.Duration) (string, bool, error) {
	token := db.leaseToken()
	var won bool
	var at time.Time
	err := db.InTx(ctx, func(tx *Tx) error {
		at = tx.now
		res, err := tx.exec(ctx, `INSERT INTO leases (name, owner, lease_until) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
			WHERE leases.lease_until <= ?`,
			name, token, db.millis(tx.now.Add(ttl)), db.millis(tx.now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	if err != nil {
		return "", false, fmt.Errorf("store: take lease %s: %w", name, err)
	}
	if won {
		db.hold(namedHeld(name, token), at, ttl)
	}
	return token, won, nil
}

// ReleaseLease gives up the lease name if token still holds it.
func (db *DB) ReleaseLease(ctx context.Context, name, token string) error {
	db.drop(namedHeld(name, token))
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM leases WHERE name = ? AND owner = ?`, name, token)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

func namedHeld(name, token string) heldKey {
	return heldKey{kind: leaseNamed, name: name, owner: token}
}
