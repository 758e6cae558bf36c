package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ClaimAgentFlight records that this replica is handling the agent's
// request with key in scope, whose body hashes to hash, for lease (renewed
// while it runs, see RenewLeases), unless another holder's claim of the
// key has not run out. It returns the token that releases the claim, or,
// when the key is busy, "" and the busy request's hash.
//
// The claim is committed before the request's work starts, so every
// replica sees it. It is read first through the read pool: on SQLite the
// work of the request in flight holds the one writer, and the answer
// "busy" must not wait for it. The write is one upsert whose update only
// happens over an expired claim, so of two replicas racing for a key
// exactly one wins.
func (db *DB) ClaimAgentFlight(ctx context.Context, scope, key, hash string, lease time.Duration) (token, busyHash string, err error) {
	const op = "store: claim agent request"
	var until int64
	err = db.r.QueryRowContext(ctx, db.q(`SELECT request_hash, lease_until FROM agent_flights WHERE scope = ? AND key = ?`), scope, key).
		Scan(&busyHash, &until)
	switch {
	case err == nil && until > db.millis(db.now()):
		return "", busyHash, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return "", "", fmt.Errorf("%s: %w", op, err)
	}
	token, busyHash = db.leaseToken(), ""
	var at time.Time
	err = db.InTx(ctx, func(tx *Tx) error {
		at = tx.now
		res, err := tx.exec(ctx, `INSERT INTO agent_flights (scope, key, request_hash, owner, lease_until) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, owner = excluded.owner, lease_until = excluded.lease_until
			WHERE agent_flights.lease_until <= ?`,
			scope, key, hash, token, db.millis(tx.now.Add(lease)), db.millis(tx.now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return tx.queryRow(ctx, `SELECT request_hash FROM agent_flights WHERE scope = ? AND key = ?`, scope, key).Scan(&busyHash)
	})
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", op, err)
	}
	if busyHash != "" {
		return "", busyHash, nil
	}
	db.hold(flightHeld(key, token), at, lease)
	return token, "", nil
}

// ReleaseAgentFlight ends the claim token holds on key in scope, if it
// still holds it (a claim taken over after its lease ran out is the new
// holder's).
func (db *DB) ReleaseAgentFlight(ctx context.Context, scope, key, token string) error {
	db.drop(flightHeld(key, token))
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM agent_flights WHERE scope = ? AND key = ? AND owner = ?`, scope, key, token)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release agent request: %w", err)
	}
	return nil
}

// flightHeld names a claim for RenewLeases: the owner token is unique, the
// key narrows the update to the primary key's prefix.
func flightHeld(key, token string) heldKey {
	return heldKey{kind: leaseFlight, name: key, owner: token}
}

// AgentFlightLive reports whether a claim of key in scope has not run
// out. It reads through the read pool, so it does not wait for the
// transaction of the request in flight (SQLite's one writer).
func (db *DB) AgentFlightLive(ctx context.Context, scope, key string) (bool, error) {
	var until int64
	err := db.r.QueryRowContext(ctx, db.q(`SELECT lease_until FROM agent_flights WHERE scope = ? AND key = ?`), scope, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: agent request in flight: %w", err)
	}
	return until > db.millis(db.now()), nil
}
