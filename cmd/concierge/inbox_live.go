package main

import (
	"context"
	"time"

	"github.com/conciergehq/concierge/store"
)

// The inbox's live stream, across replicas. On PostgreSQL the writes the
// inbox shows send NOTIFY inbox when they commit (triggers, migration
// 00015); one listener per process hears them and wakes the open streams,
// so a change made on any replica shows at once and no stream polls every
// second. The streams still poll, slowly, in case a notification is lost
// (the listener reconnecting, say). SQLite, one process with no NOTIFY,
// keeps the one-second poll.

// inboxSafetyPoll is the streams' poll on PostgreSQL.
const inboxSafetyPoll = 15 * time.Second

// inboxPoll is how often the inbox's streams poll: InboxPoll when set,
// else the safety poll on PostgreSQL and 1 s on SQLite.
func (m *Main) inboxPoll() time.Duration {
	switch {
	case m.InboxPoll > 0:
		return m.InboxPoll
	case m.DB.Dialect() == store.Postgres:
		return inboxSafetyPoll
	default:
		return time.Second
	}
}

// listenInbox wakes the inbox's streams on each committed change until
// ctx ends (PostgreSQL only; on SQLite it returns at once).
func (m *Main) listenInbox(ctx context.Context) {
	if m.Inbox == nil {
		return
	}
	m.DB.ListenInbox(ctx, m.Inbox.Changed, m.Log)
}
