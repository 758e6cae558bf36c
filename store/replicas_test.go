package store_test

import (
	"context"
	"errors"
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
		now := time.Unix(1_800_000_000, 0)
		clock := func() time.Time { return now }
		a.SetClock(clock)
		b.SetClock(clock)
		if a.ReplicaID() == b.ReplicaID() || a.ReplicaID() == "" {
			t.Fatalf("replica ids %q and %q: want two different ones", a.ReplicaID(), b.ReplicaID())
		}
		for _, db := range []*store.DB{a, b} {
			if _, err := db.Heartbeat(ctx); err != nil {
				t.Fatal(err)
			}
		}
		bots := []concierge.BotID{"shop"}
		noop := func(context.Context, concierge.Tx, *concierge.Conversation, *concierge.Event) error { return nil }

		// Work: a turn of chat t, a reply due in chat o, a hand-off hook
		// in chat h, a file to fetch in chat m.
		if _, err := a.Ingest(ctx, []concierge.Event{textEvent("o", "o1", "hi")}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.RunTurns(ctx, 10, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "hello"})
			return err
		}, nil); err != nil {
			t.Fatal(err)
		}
		hconv := conversations(t, a, "shop", "h")[0]
		if _, _, err := a.RunTurns(ctx, 10, noop, nil); err != nil {
			t.Fatal(err)
		}
		hookHandOff(t, a, hconv, concierge.StateBot, concierge.StateWaiting, "bot")
		if _, err := a.Ingest(ctx, []concierge.Event{mediaEvent("m", "m1", "image:IMG")}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.RunTurns(ctx, 10, noop, nil); err != nil { // the file stays to fetch
			t.Fatal(err)
		}
		if _, err := a.Ingest(ctx, []concierge.Event{textEvent("t", "t1", "hi")}); err != nil {
			t.Fatal(err)
		}

		// A leases all of it, for an hour.
		turn, err := a.LeaseTurn(ctx, bots, time.Hour, noop)
		if err != nil || turn == nil {
			t.Fatalf("A lease turn: %+v %v", turn, err)
		}
		out, err := a.ClaimOutbox(ctx, 10, time.Hour)
		if err != nil || len(out) != 1 {
			t.Fatalf("A claim outbox: %+v %v", out, err)
		}
		hooks, err := a.ClaimHandoffHooks(ctx, bots, 10, time.Hour)
		if err != nil || len(hooks) != 1 {
			t.Fatalf("A claim hooks: %+v %v", hooks, err)
		}
		files, err := a.ClaimMedia(ctx, bots, 10, time.Hour)
		if err != nil || len(files) != 1 {
			t.Fatalf("A claim media: %+v %v", files, err)
		}
		if _, ok, err := a.TakeLease(ctx, "sweep", time.Hour); err != nil || !ok {
			t.Fatalf("A take lease: %v %v", ok, err)
		}

		// B claims what is free; it reports which kinds it got.
		var bTurn *store.TurnLease
		var bOut [][]concierge.Outbound
		var bHooks []store.HandoffHook
		var bFiles []store.MediaJob
		claim := func() []string {
			t.Helper()
			var got []string
			var err error
			if bTurn, err = b.LeaseTurn(ctx, bots, time.Hour, noop); err != nil {
				t.Fatal(err)
			} else if bTurn != nil {
				got = append(got, "turn")
			}
			if bOut, err = b.ClaimOutbox(ctx, 10, time.Hour); err != nil {
				t.Fatal(err)
			} else if len(bOut) > 0 {
				got = append(got, "outbox")
			}
			if bHooks, err = b.ClaimHandoffHooks(ctx, bots, 10, time.Hour); err != nil {
				t.Fatal(err)
			} else if len(bHooks) > 0 {
				got = append(got, "hook")
			}
			if bFiles, err = b.ClaimMedia(ctx, bots, 10, time.Hour); err != nil {
				t.Fatal(err)
			} else if len(bFiles) > 0 {
				got = append(got, "media")
			}
			if _, ok, err := b.TakeLease(ctx, "sweep", time.Hour); err != nil {
				t.Fatal(err)
			} else if ok {
				got = append(got, "named")
			}
			return got
		}

		// A beat 2 s ago, B just now: A is alive, nothing moves.
		now = now.Add(2 * time.Second)
		if _, err := b.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
		if ids, err := b.Reap(ctx, store.StaleAfter); err != nil || len(ids) != 0 {
			t.Fatalf("reap of a live replica: %v %v", ids, err)
		}
		if got := claim(); len(got) != 0 {
			t.Fatalf("B claimed %v while A's heartbeat is fresh", got)
		}

		// 3.5 s after A's last beat: A is dead, B takes everything over.
		now = now.Add(1500 * time.Millisecond)
		if _, err := b.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
		ids, err := b.Reap(ctx, store.StaleAfter)
		if err != nil || !slices.Equal(ids, []string{a.ReplicaID()}) {
			t.Fatalf("reap: %v %v, want [%s]", ids, err, a.ReplicaID())
		}
		if again, err := b.Reap(ctx, store.StaleAfter); err != nil || len(again) != 0 {
			t.Fatalf("second reap: %v %v, want nothing", again, err)
		}
		if got, want := claim(), []string{"turn", "outbox", "hook", "media", "named"}; !slices.Equal(got, want) {
			t.Fatalf("B claimed %v after A's heartbeat went stale, want %v", got, want)
		}
		rs, err := b.Replicas(ctx)
		if err != nil || len(rs) != 1 || rs[0].ID != b.ReplicaID() {
			t.Fatalf("replicas after the reap: %+v %v, want only B", rs, err)
		}

		// A was only stalled: everything it finishes now is refused.
		if _, err := a.ApplyTurn(ctx, turn, noop, nil); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("A applies its taken-over turn: %v, want ErrLeaseLost", err)
		}
		sent := []concierge.Delivery{{ID: out[0][0].ID, Conversation: out[0][0].Conversation, Status: concierge.DeliveryFailed, Error: "stale"}}
		if err := a.FinishOutbox(ctx, sent, []concierge.ConversationID{out[0][0].Conversation}); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("A finishes its taken-over outbox: %v, want ErrLeaseLost", err)
		}
		if ok, err := a.FinishHandoffHook(ctx, &hooks[0], store.HookResult{Status: store.HookSent}); err != nil || ok {
			t.Errorf("A finishes its taken-over hook: %v %v, want false", ok, err)
		}
		if ok, err := a.FinishMedia(ctx, &files[0], store.MediaResult{Status: store.MediaGone}); err != nil || ok {
			t.Errorf("A finishes its taken-over file: %v %v, want false", ok, err)
		}
		// A's beat registers it again, and says it had been declared dead.
		if revived, err := a.Heartbeat(ctx); err != nil || !revived {
			t.Errorf("A's next heartbeat: revived %v, %v; want true", revived, err)
		}

		// B, the holder, finishes all of it.
		if done, err := b.ApplyTurn(ctx, bTurn, noop, nil); err != nil || !done {
			t.Errorf("B applies the turn: %v %v", done, err)
		}
		msg := bOut[0][0]
		if err := b.FinishOutbox(ctx, []concierge.Delivery{{ID: msg.ID, Conversation: msg.Conversation, Status: concierge.DeliverySent}},
			[]concierge.ConversationID{msg.Conversation}); err != nil {
			t.Errorf("B finishes the outbox: %v", err)
		}
		if ok, err := b.FinishHandoffHook(ctx, &bHooks[0], store.HookResult{Status: store.HookSent}); err != nil || !ok {
			t.Errorf("B finishes the hook: %v %v", ok, err)
		}
		if ok, err := b.FinishMedia(ctx, &bFiles[0], store.MediaResult{Status: store.MediaGone}); err != nil || !ok {
			t.Errorf("B finishes the file: %v %v", ok, err)
		}
		// The message was recorded once, as B sent it, not as A's failure.
		tr, err := b.Transcript(ctx, "shop", concierge.ChannelWeb, "o", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var statuses []string
		for _, e := range tr {
			if e.Dir == "out" {
				statuses = append(statuses, e.Status)
			}
		}
		if !slices.Equal(statuses, []string{"sent"}) {
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
