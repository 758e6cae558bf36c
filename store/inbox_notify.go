package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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
	db.listenLoop(ctx, InboxListenerName, []string{"inbox"}, func(string) { changed() }, changed,
		func(err error, retry time.Duration) {
			log.Warn("inbox: listener lost its connection; the live stream polls until it is back", "err", err, "retry_in", retry)
		})
}

// listenLoop listens on channels with listen until ctx ends, reconnecting
// with a backoff (up to 30 s) when the connection is lost, and calling
// missed once it listens again, since notifications sent while it was away
// are lost. lost reports each loss. On SQLite it returns at once.
func (db *DB) listenLoop(ctx context.Context, name string, channels []string, notified func(channel string), missed func(), lost func(err error, retry time.Duration)) {
	if db.dialect != Postgres {
		return
	}
	backoff := 100 * time.Millisecond
	for first := true; ; first = false {
		err := db.listen(ctx, name, channels, notified, func() {
			backoff = 100 * time.Millisecond // listening again
			if !first {
				missed()
			}
		})
		if ctx.Err() != nil {
			return
		}
		lost(err, backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// listen listens on channels on one connection of its own, named
// "name (SCHEMA)" in pg_stat_activity, until it fails or ctx ends,
// calling listening once LISTEN is in place and notified for each
// notification of this schema.
func (db *DB) listen(ctx context.Context, name string, channels []string, notified func(channel string), listening func()) error {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	defer conn.Close()
	var schema string
	if err := conn.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if _, err := pc.Exec(ctx, `SELECT set_config('application_name', $1, false)`, name+" ("+schema+")"); err != nil {
			return errors.Join(err, driver.ErrBadConn)
		}
		for _, ch := range channels {
			// Channel names are the store's own constants.
			if _, err := pc.Exec(ctx, `LISTEN `+ch); err != nil {
				return errors.Join(err, driver.ErrBadConn)
			}
		}
		listening()
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				// The connection is left listening (or broken): the
				// pool must not hand it to anyone else.
				return errors.Join(err, driver.ErrBadConn)
			}
			// Another schema on the same database has its own work.
			if n.Payload == schema {
				notified(n.Channel)
			}
		}
	})
	return fmt.Errorf("store: listen %s: %w", strings.Join(channels, ", "), err)
}
