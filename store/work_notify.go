package store

import (
	"context"
	"log/slog"
	"time"
)

// WorkListenerName is the application_name of the connection ListenWork
// holds, followed by the schema in parentheses (see pg_stat_activity).
const WorkListenerName = "concierge work listener"

// Work is a kind of new work a NOTIFY announces.
type Work string

// The kinds of work announced across replicas.
const (
	WorkTurns  Work = "turns"  // pending inbound messages: the turn runners
	WorkOutbox Work = "outbox" // pending outbound messages: the outbox
)

// workChannels maps the NOTIFY channels of migration 00022 to their work.
var workChannels = map[string]Work{"concierge_turns": WorkTurns, "concierge_outbox": WorkOutbox}

// ListenWork calls notified whenever a transaction, on any replica, commits
// new pending inbound (WorkTurns) or outbound (WorkOutbox) messages of this
// schema, until ctx ends. It holds one connection of the pool for itself;
// when that connection is lost it reconnects with a backoff and then
// announces both kinds once, since notifications sent meanwhile are lost.
// The workers' polls remain the fallback. On SQLite, one process whose
// workers are woken in-process, it returns at once.
func (db *DB) ListenWork(ctx context.Context, notified func(Work), log *slog.Logger) {
	// In a fixed order: the last, LISTEN concierge_turns, is what
	// pg_stat_activity shows once the listener is in place.
	db.listenLoop(ctx, WorkListenerName, []string{"concierge_outbox", "concierge_turns"},
		func(ch string) {
			if w, ok := workChannels[ch]; ok {
				notified(w)
			}
		},
		func() { notified(WorkTurns); notified(WorkOutbox) },
		func(err error, retry time.Duration) {
			log.Warn("replica: work listener lost its connection; workers poll until it is back", "err", err, "retry_in", retry)
		})
}
