package store_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// eachReplicaPair runs fn with two stores on one database (a fresh SQLite
// file, a fresh PostgreSQL schema), as two replicas would open it.
func eachReplicaPair(t *testing.T, fn func(t *testing.T, a, b *store.DB)) {
	second := func(t *testing.T, url string) *store.DB {
		db, err := store.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	t.Run("sqlite", func(t *testing.T) {
		url := "sqlite:" + filepath.Join(t.TempDir(), "test.db")
		a := open(t, url)
		fn(t, a, second(t, url))
	})
	t.Run("postgres", func(t *testing.T) {
		url := testenv.PostgresURL(t)
		a := open(t, url)
		fn(t, a, second(t, url))
	})
}

// TestTakeoverOnStaleHeartbeat: replica A holds every kind of lease (a
// planned turn, an outbox conversation, a hand-off hook, a media fetch,
// a named lease), all for an hour, and then stops beating. While its
// heartbeat is fresh replica B can claim none of that work; once it is
// older than the stale limit B reaps A and claims all of it at once,
// long before the leases would have run out. A, which was only stalled,
// then changes nothing: its turn, outbox results, hook and fetch are
// refused as no longer its own.
func TestTakeoverOnStaleHeartbeat(t *testing.T) {
	eachReplicaPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		now := fakeClock(a, b)
		if a.ReplicaID() == b.ReplicaID() || a.ReplicaID() == "" {
			t.Fatalf("replica ids %q and %q: want two different ones", a.ReplicaID(), b.ReplicaID())
		}
		beat(t, a, b)
		seedLeasedWork(t, a)
		// A leases all of it, for an hour.
		w := claimLeasedWork(t, a, time.Hour)
		if got := w.kinds(); !slices.Equal(got, allLeasedKinds) {
			t.Fatalf("A claimed %v, want %v", got, allLeasedKinds)
		}
		// B claims what is free.
		var bw leasedWork
		claim := func() []string {
			t.Helper()
			bw = claimLeasedWork(t, b, time.Hour)
			return bw.kinds()
		}

		// A beat 2 s ago, B just now: A is alive, nothing moves.
		*now = now.Add(2 * time.Second)
		beat(t, b)
		if ids, err := b.Reap(ctx, store.StaleAfter); err != nil || len(ids) != 0 {
			t.Fatalf("reap of a live replica: %v %v", ids, err)
		}
		if got := claim(); len(got) != 0 {
			t.Fatalf("B claimed %v while A's heartbeat is fresh", got)
		}

		// 3.5 s after A's last beat: A is dead, B takes everything over.
		*now = now.Add(1500 * time.Millisecond)
		beat(t, b)
		ids, err := b.Reap(ctx, store.StaleAfter)
		if err != nil || !slices.Equal(ids, []string{a.ReplicaID()}) {
			t.Fatalf("reap: %v %v, want [%s]", ids, err, a.ReplicaID())
		}
		if again, err := b.Reap(ctx, store.StaleAfter); err != nil || len(again) != 0 {
			t.Fatalf("second reap: %v %v, want nothing", again, err)
		}
		if got := claim(); !slices.Equal(got, allLeasedKinds) {
			t.Fatalf("B claimed %v after A's heartbeat went stale, want %v", got, allLeasedKinds)
		}
		rs, err := b.Replicas(ctx)
		if err != nil || len(rs) != 1 || rs[0].ID != b.ReplicaID() {
			t.Fatalf("replicas after the reap: %+v %v, want only B", rs, err)
		}

		// A was only stalled: everything it finishes now is refused.
		if refused := w.finish(t, a, concierge.DeliveryFailed); !slices.Equal(refused, allLeasedKinds[:4]) {
			t.Errorf("A's completions of its taken-over work: %v refused, want %v", refused, allLeasedKinds[:4])
		}
		// A's beat registers it again, and says it had been declared dead.
		if revived, err := a.Heartbeat(ctx); err != nil || !revived {
			t.Errorf("A's next heartbeat: revived %v, %v; want true", revived, err)
		}

		// B, the holder, finishes all of it.
		if refused := bw.finish(t, b, concierge.DeliverySent); len(refused) != 0 {
			t.Errorf("B's completions refused: %v", refused)
		}
		// The message was recorded once, as B sent it, not as A's failure.
		if statuses := outStatuses(t, b, "o"); !slices.Equal(statuses, []string{"sent"}) {
			t.Errorf("outbound statuses %v, want [sent]", statuses)
		}
	})
}

// TestDeregister: a replica never reaps itself however old its
// own row is; one that stops cleanly leaves the table and releases the
// leases it still held, which nobody would reap any more.
func TestDeregister(t *testing.T) {
	eachReplicaPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		now := time.Unix(1_800_000_000, 0)
		a.SetClock(func() time.Time { return now })
		b.SetClock(func() time.Time { return now })
		if revived, err := a.Heartbeat(ctx); err != nil || revived {
			t.Fatalf("first beat: revived %v, %v", revived, err)
		}
		now = now.Add(time.Hour)
		if ids, err := a.Reap(ctx, store.StaleAfter); err != nil || len(ids) != 0 {
			t.Fatalf("A reaped %v (%v): a replica must not reap itself", ids, err)
		}
		if _, ok, err := a.TakeLease(ctx, "sweep", time.Hour); err != nil || !ok {
			t.Fatalf("A take lease: %v %v", ok, err)
		}
		if n, err := a.Deregister(ctx); err != nil || n != 1 {
			t.Fatalf("deregister: released %d leases (%v), want A's one", n, err)
		}
		if _, ok, err := b.TakeLease(ctx, "sweep", time.Hour); err != nil || !ok {
			t.Fatalf("B take lease after A deregistered: %v %v, want it free", ok, err)
		}
		if ids, err := b.Reap(ctx, store.StaleAfter); err != nil || len(ids) != 0 {
			t.Fatalf("B reaped %v (%v) after A deregistered", ids, err)
		}
		if rs, err := b.Replicas(ctx); err != nil || len(rs) != 0 {
			t.Fatalf("replicas: %+v %v, want none", rs, err)
		}
	})
}
