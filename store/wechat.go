package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LoadAccessToken returns the shared WeChat access token of app and its
// expiry, or "" when none is stored.
func (db *DB) LoadAccessToken(ctx context.Context, app string) (string, time.Time, error) {
	var tok string
	var exp int64
	err := db.r.QueryRowContext(ctx, db.q(`SELECT token, expires_at FROM wechat_tokens WHERE app_id = ?`), app).Scan(&tok, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("store: wechat token: %w", err)
	}
	return tok, time.UnixMilli(exp).UTC(), nil
}

// LeaseAccessToken claims app's token refresh until until, unless another
// replica holds a lease that has not run out at now. The lease carries
// this replica as its holder, so that when its heartbeat stops Reap
// releases it and another replica refreshes at once. It is not renewed
// (see RenewLeases): it covers one call to WeChat, bounded by the
// caller's deadline, and it is released only by a saved token, so a
// failed fetch must leave it to run out (docs/decisions.md).
func (db *DB) LeaseAccessToken(ctx context.Context, app string, now, until time.Time) (bool, error) {
	var won bool
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO wechat_tokens (app_id) VALUES (?) ON CONFLICT (app_id) DO NOTHING`, app); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE wechat_tokens SET lease_until = ?, lease_owner = ? WHERE app_id = ? AND lease_until <= ?`,
			until.UnixMilli(), db.leaseToken(), app, now.UnixMilli())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: wechat token lease: %w", err)
	}
	return won, nil
}

// SaveAccessToken stores app's fresh token and releases the lease.
func (db *DB) SaveAccessToken(ctx context.Context, app, token string, expires time.Time) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO wechat_tokens (app_id, token, expires_at, lease_until, lease_owner) VALUES (?, ?, ?, 0, '')
			ON CONFLICT (app_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, lease_until = 0, lease_owner = ''`,
			app, token, expires.UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save wechat token: %w", err)
	}
	return nil
}

// DropAccessToken forgets token if it is still app's stored one.
func (db *DB) DropAccessToken(ctx context.Context, app, token string) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE wechat_tokens SET token = '', expires_at = 0 WHERE app_id = ? AND token = ?`, app, token)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: drop wechat token: %w", err)
	}
	return nil
}
