package server

import (
	"context"
	"sync"
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

// inboxCoalesce is how long notifications are gathered before the open
// streams are woken: a busy queue commits many changes a second, and each
// wake costs every open stream on every replica one version read.
const inboxCoalesce = 100 * time.Millisecond

// listenInbox wakes the inbox's streams on committed changes until ctx
// ends (PostgreSQL only; on SQLite it returns at once), at most once per
// inboxCoalesce.
func (m *Main) listenInbox(ctx context.Context) {
	if m.Inbox == nil {
		return
	}
	m.DB.ListenInbox(ctx, coalesce(ctx, inboxCoalesce, m.Inbox.Changed), m.Log)
}

// coalesce returns a function that calls f once, window after the first
// of any number of calls made meanwhile. The pending mark is cleared
// before f runs, so a call during f schedules another: no change is left
// unannounced. When ctx ends, a pending call is dropped and later calls
// do nothing, so no timer outlives the server.
func coalesce(ctx context.Context, window time.Duration, f func()) func() {
	return coalesceAfter(ctx, func(g func()) func() bool { return time.AfterFunc(window, g).Stop }, f)
}

// coalesceAfter is coalesce with its timer given: after arranges for g to
// run once, later, and returns what cancels that (tests fire it by hand).
func coalesceAfter(ctx context.Context, after func(g func()) (stop func() bool), f func()) func() {
	var mu sync.Mutex
	var stop func() bool // non-nil while a call is pending
	context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if stop != nil {
			stop()
		}
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if stop != nil || ctx.Err() != nil {
			return
		}
		stop = after(func() {
			mu.Lock()
			stop = nil
			mu.Unlock()
			if ctx.Err() == nil {
				f()
			}
		})
	}
}
