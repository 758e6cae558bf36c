package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// InboxListenerName is the application_name of the connection ListenInbox
// holds, followed by the schema in parentheses, so an operator (or a test)
// can find it in pg_stat_activity.
const InboxListenerName = "concierge inbox listener"

// ListenInbox calls changed whenever a transaction that changed what the
// inbox shows commits (PostgreSQL's NOTIFY inbox, sent by the triggers of
// migration 00015), until ctx ends. It holds one connection of the pool
// for itself. When that connection is lost it reconnects with a backoff
// (up to 30 s) and then calls changed once, since notifications sent while
// it was away are lost. On SQLite, which has no NOTIFY, it returns at once.
func (db *DB) ListenInbox(ctx context.Context, changed func(), log *slog.Logger) {
	if db.dialect != Postgres {
		return
	}
	backoff := 100 * time.Millisecond
	for first := true; ; first = false {
		err := db.listenInbox(ctx, changed, func() {
			backoff = 100 * time.Millisecond // listening again
			if !first {
				changed()
			}
		})
		if ctx.Err() != nil {
			return
		}
		log.Warn("inbox: listener lost its connection; the live stream polls until it is back", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// listenInbox listens on one connection until it fails or ctx ends,
// calling listening once LISTEN is in place.
func (db *DB) listenInbox(ctx context.Context, changed, listening func()) error {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: listen inbox: %w", err)
	}
	defer conn.Close()
	var schema string
	if err := conn.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("store: listen inbox: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if _, err := pc.Exec(ctx, `SELECT set_config('application_name', $1, false)`, InboxListenerName+" ("+schema+")"); err != nil {
			return errors.Join(err, driver.ErrBadConn)
		}
		if _, err := pc.Exec(ctx, `LISTEN inbox`); err != nil {
			return errors.Join(err, driver.ErrBadConn)
		}
		listening()
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				// The connection is left listening (or broken): the
				// pool must not hand it to anyone else.
				return errors.Join(err, driver.ErrBadConn)
			}
			// Another schema on the same database has its own inbox.
			if n.Payload == schema {
				changed()
			}
		}
	})
	return fmt.Errorf("store: listen inbox: %w", err)
}
