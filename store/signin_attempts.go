package store

import (
	"context"
	"fmt"
	"time"
)

// Failed inbox sign-ins are counted in the database, not in a process, so
// that every replica behind a load balancer sees the same failures and an
// attacker gets no more attempts for there being more replicas. A key is
// what handoff counts by: "ip:ADDRESS" or "name:NAME".

// SignInFailures counts the failed sign-ins recorded for key at or after
// since.
func (db *DB) SignInFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, db.q(`SELECT count(*) FROM signin_attempts WHERE key = ? AND at >= ?`),
		key, db.millis(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: sign-in failures: %w", err)
	}
	return n, nil
}

// RecordSignInFailure records one failed sign-in at at under each of keys,
// and deletes every failure older than prune, in one transaction: rows
// past the window count for nothing, and pruning as they are written
// keeps the table as small as the failures of one window.
func (db *DB) RecordSignInFailure(ctx context.Context, keys []string, at, prune time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for _, k := range keys {
			if _, err := tx.exec(ctx, `INSERT INTO signin_attempts (key, at) VALUES (?, ?)`, k, db.millis(at)); err != nil {
				return fmt.Errorf("store: record sign-in failure: %w", err)
			}
		}
		if _, err := tx.exec(ctx, `DELETE FROM signin_attempts WHERE at < ?`, db.millis(prune)); err != nil {
			return fmt.Errorf("store: prune sign-in failures: %w", err)
		}
		return nil
	})
}

// ClearSignInFailures forgets the failures recorded under key; a
// successful sign-in clears its name's.
func (db *DB) ClearSignInFailures(ctx context.Context, key string) error {
	if _, err := db.w.ExecContext(ctx, db.q(`DELETE FROM signin_attempts WHERE key = ?`), key); err != nil {
		return fmt.Errorf("store: clear sign-in failures: %w", err)
	}
	return nil
}
