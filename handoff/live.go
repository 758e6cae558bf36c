package handoff

import "sync"

// bell wakes every waiter at once: each takes the current channel, and
// ring closes it and puts a fresh one in its place. No waiter is
// registered, so a stream that ends leaves nothing behind.
type bell struct {
	mu sync.Mutex
	ch chan struct{}
}

func (b *bell) init() { b.ch = make(chan struct{}) }

// wait returns a channel closed at the next ring.
func (b *bell) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ch
}

func (b *bell) ring() {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.ch)
	b.ch = make(chan struct{})
}

// Changed tells the open live streams that what the inbox shows may have
// changed, so they read Store.Version now rather than at their next poll.
// cmd/concierge calls it when the database says a change committed
// (PostgreSQL's NOTIFY), on any replica; it is safe to call at any time,
// from any goroutine, and costs each open stream one Version read.
func (in *Inbox) Changed() { in.changes.ring() }

// EndStreams ends the open live streams and makes new ones end as soon as
// they have started; pages are still served. cmd/concierge calls it when
// the server starts shutting down, since a stream never ends by itself and
// would otherwise hold the shutdown for its whole grace period. The
// browser reconnects (to another replica, or to the restarted server).
// It may be called more than once.
func (in *Inbox) EndStreams() { in.endOnce.Do(func() { close(in.end) }) }
