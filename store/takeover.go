package store

import (
	"context"
	"errors"
	"fmt"
)

// TakeOver makes this process the one server of a SQLite store: it locks
// the file PATH.lock next to the database, failing with ErrInUse if
// another live process holds it, and then releases every lease, since
// the only process that could hold one is a predecessor that died. The
// lock lasts until Close or the process's death (the kernel drops it,
// even after SIGKILL). Serving calls it once, after Migrate; commands
// that only read or migrate do not.
//
// On PostgreSQL TakeOver does nothing: replicas share the database, and
// a lease may belong to a live one.
func (db *DB) TakeOver(ctx context.Context) error {
	if db.dialect != SQLite || db.path == ":memory:" {
		return nil
	}
	if db.lock == nil {
		f, err := lockFile(db.path + ".lock")
		if err != nil {
			return err
		}
		db.lock = f
	}
	return db.ReleaseLeases(ctx)
}

// ErrInUse is returned by TakeOver when another live process serves the
// same SQLite file.
var ErrInUse = errors.New("store: database in use by another process")

// ReleaseLeases ends every lease in the store at once: the turn, outbox,
// hand-off hook, agent event and media leases, the named leases and the WeChat token
// refresh lease. Work a dead process held is then taken by the next
// claim instead of after its lease expires. It refuses on PostgreSQL,
// where a lease may belong to a live replica.
func (db *DB) ReleaseLeases(ctx context.Context) error {
	if db.dialect != SQLite {
		return errors.New("store: release leases: only on SQLite, which one process owns")
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		for _, q := range []string{
			`UPDATE conversations SET turn_lease_until = 0, turn_lease_owner = '', send_lease_until = 0, send_lease_owner = ''
				WHERE turn_lease_until <> 0 OR turn_lease_owner <> '' OR send_lease_until <> 0 OR send_lease_owner <> ''`,
			`UPDATE handoffs SET hook_lease_until = 0, hook_lease_owner = '' WHERE hook_lease_until <> 0 OR hook_lease_owner <> ''`,
			`UPDATE media SET lease_until = 0, lease_owner = '' WHERE lease_until <> 0 OR lease_owner <> ''`,
			`UPDATE agent_events SET lease_until = 0, lease_owner = '' WHERE lease_until <> 0 OR lease_owner <> ''`,
			`DELETE FROM leases`,
			`DELETE FROM replicas`,
			`UPDATE wechat_tokens SET lease_until = 0, lease_owner = '' WHERE lease_until <> 0 OR lease_owner <> ''`,
		} {
			if _, err := tx.execOnce(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: release leases: %w", err)
	}
	return nil
}
