package store_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

var leaseBots = []concierge.BotID{"shop"}

func noopTurn(context.Context, concierge.Tx, *concierge.Conversation, *concierge.Event) error {
	return nil
}

// seedLeasedWork makes one piece of work of each leased kind, through
// db: a turn of chat t, a reply due in chat o, a hand-off hook in chat h
// and a file to fetch in chat m. The named lease "sweep" needs no row.
func seedLeasedWork(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Ingest(ctx, []concierge.Event{textEvent("o", "o1", "hi")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.RunTurns(ctx, 10, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
		_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "hello"})
		return err
	}, nil); err != nil {
		t.Fatal(err)
	}
	hconv := conversations(t, db, "shop", "h")[0]
	if _, _, err := db.RunTurns(ctx, 10, noopTurn, nil); err != nil {
		t.Fatal(err)
	}
	hookHandOff(t, db, hconv, concierge.StateBot, concierge.StateWaiting, "bot")
	if _, err := db.Ingest(ctx, []concierge.Event{mediaEvent("m", "m1", "image:IMG")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.RunTurns(ctx, 10, noopTurn, nil); err != nil { // the file stays to fetch
		t.Fatal(err)
	}
	if _, err := db.Ingest(ctx, []concierge.Event{textEvent("t", "t1", "hi")}); err != nil {
		t.Fatal(err)
	}
}

// leasedWork is what one replica claimed of seedLeasedWork's work.
type leasedWork struct {
	turn  *store.TurnLease
	out   [][]concierge.Outbound
	hooks []store.HandoffHook
	files []store.MediaJob
	named string // the token of the named lease "sweep"; "" if not won
}

// kinds names the kinds of work w holds, in a fixed order.
func (w *leasedWork) kinds() []string {
	var got []string
	for _, k := range []struct {
		name string
		has  bool
	}{{"turn", w.turn != nil}, {"outbox", len(w.out) > 0}, {"hook", len(w.hooks) > 0}, {"media", len(w.files) > 0}, {"named", w.named != ""}} {
		if k.has {
			got = append(got, k.name)
		}
	}
	return got
}

// claimLeasedWork claims, through db and for ttl, every kind of work
// that is free.
func claimLeasedWork(t *testing.T, db *store.DB, ttl time.Duration) leasedWork {
	t.Helper()
	ctx := context.Background()
	var w leasedWork
	var err error
	if w.turn, err = db.LeaseTurn(ctx, leaseBots, ttl, noopTurn); err != nil {
		t.Fatal(err)
	}
	if w.out, err = db.ClaimOutbox(ctx, 10, ttl); err != nil {
		t.Fatal(err)
	}
	if w.hooks, err = db.ClaimHandoffHooks(ctx, leaseBots, 10, ttl); err != nil {
		t.Fatal(err)
	}
	if w.files, err = db.ClaimMedia(ctx, leaseBots, 10, ttl); err != nil {
		t.Fatal(err)
	}
	tok, ok, err := db.TakeLease(ctx, "sweep", ttl)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		w.named = tok
	}
	return w
}

// finish completes all of w through db, recording the outbox message
// with sent, and reports what was refused as no longer db's.
func (w *leasedWork) finish(t *testing.T, db *store.DB, sent concierge.DeliveryStatus) (refused []string) {
	t.Helper()
	ctx := context.Background()
	if w.turn != nil {
		if _, err := db.ApplyTurn(ctx, w.turn, noopTurn, nil); errors.Is(err, store.ErrLeaseLost) {
			refused = append(refused, "turn")
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if len(w.out) > 0 {
		m := w.out[0][0]
		err := db.FinishOutbox(ctx, []concierge.Delivery{{ID: m.ID, Conversation: m.Conversation, Status: sent, Error: "test"}},
			[]concierge.ConversationID{m.Conversation})
		if errors.Is(err, store.ErrLeaseLost) {
			refused = append(refused, "outbox")
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if len(w.hooks) > 0 {
		if ok, err := db.FinishHandoffHook(ctx, &w.hooks[0], store.HookResult{Status: store.HookSent}); err != nil {
			t.Fatal(err)
		} else if !ok {
			refused = append(refused, "hook")
		}
	}
	if len(w.files) > 0 {
		if ok, err := db.FinishMedia(ctx, &w.files[0], store.MediaResult{Status: store.MediaGone}); err != nil {
			t.Fatal(err)
		} else if !ok {
			refused = append(refused, "media")
		}
	}
	if w.named != "" {
		if err := db.ReleaseLease(ctx, "sweep", w.named); err != nil {
			t.Fatal(err)
		}
	}
	return refused
}

// fakeClock sets one clock on every db, at a fixed time, and returns it:
// the test moves it with *now = now.Add(d).
func fakeClock(dbs ...*store.DB) *time.Time {
	now := time.Unix(1_800_000_000, 0)
	for _, db := range dbs {
		db.SetClock(func() time.Time { return now })
	}
	return &now
}

// beat records a heartbeat of each db, as its RunHeartbeat would.
func beat(t *testing.T, dbs ...*store.DB) {
	t.Helper()
	for _, db := range dbs {
		if _, err := db.Heartbeat(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// outStatuses lists the statuses of the outbound messages of chat.
func outStatuses(t *testing.T, db *store.DB, chat concierge.ChatID) []string {
	t.Helper()
	tr, err := db.Transcript(context.Background(), "shop", concierge.ChannelWeb, chat, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, e := range tr {
		if e.Dir == "out" {
			statuses = append(statuses, e.Status)
		}
	}
	return statuses
}

var allLeasedKinds = []string{"turn", "outbox", "hook", "media", "named"}

// TestRenewLongWork: replica A claims every kind of work for 10 s and is
// still at it 25 s later, renewing as its heartbeat tick does. Replica B,
// trying to claim all along, gets none of it (without the renewals it
// would have had all of it at 10 s), and A's completions are accepted.
// Renewal writes only leases past half their length, and forgets what
// was finished.
func TestRenewLongWork(t *testing.T) {
	eachReplicaPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		now := fakeClock(a, b)
		seedLeasedWork(t, a)
		const ttl = 10 * time.Second
		w := claimLeasedWork(t, a, ttl)
		if got := w.kinds(); !slices.Equal(got, allLeasedKinds) {
			t.Fatalf("A claimed %v, want %v", got, allLeasedKinds)
		}
		if n := a.HeldLeases(); n != 5 {
			t.Fatalf("A holds %d leases of work in progress, want 5", n)
		}
		start := *now
		// Ticks every 500 ms, as RunHeartbeat's; B tries to claim at each.
		for now.Sub(start) < 25*time.Second {
			*now = now.Add(store.HeartbeatEvery)
			beat(t, a, b)
			r, err := a.RenewLeases(ctx, 0)
			if err != nil || len(r.Lost) != 0 || len(r.Expired) != 0 {
				t.Fatalf("at +%v A renewed %+v (%v), want none lost", now.Sub(start), r, err)
			}
			// Past half of each lease's length, all five renew at once.
			if r.Renewed != 0 && r.Renewed != 5 {
				t.Fatalf("at +%v A renewed %d leases, want 0 or all 5", now.Sub(start), r.Renewed)
			}
			if now.Sub(start) < ttl/2 && r.Renewed != 0 {
				t.Fatalf("at +%v A renewed leases with more than half their length left", now.Sub(start))
			}
			if ids, err := b.Reap(ctx, store.StaleAfter); err != nil || len(ids) != 0 {
				t.Fatalf("B reaped %v (%v): A is alive", ids, err)
			}
			bw := claimLeasedWork(t, b, ttl)
			if got := bw.kinds(); len(got) != 0 {
				t.Fatalf("at +%v B claimed %v of A's work in progress", now.Sub(start), got)
			}
		}
		if refused := w.finish(t, a, concierge.DeliverySent); len(refused) != 0 {
			t.Fatalf("A's completions of %v were refused after 25 s of renewed leases", refused)
		}
		if n := a.HeldLeases(); n != 0 {
			t.Fatalf("A still holds %d leases after finishing everything", n)
		}
		*now = now.Add(time.Hour)
		if r, err := a.RenewLeases(ctx, 0); err != nil || r.Renewed != 0 || len(r.Lost) != 0 {
			t.Fatalf("renewal after the work ended: %+v (%v), want nothing", r, err)
		}
		if statuses := outStatuses(t, a, "o"); !slices.Equal(statuses, []string{"sent"}) {
			t.Errorf("outbound statuses %v, want [sent]", statuses)
		}
	})
}

// TestRenewedLeasesOfDeadReplicaTakenOver: A renews its leases, then
// dies. Renewal does not keep its work from B: 3.5 s after A's last beat
// B reaps A and claims everything, long before A's renewed leases would
// run out. A, only stalled, finds at its next renewal that its leases
// are gone, forgets them, and its completions are refused.
func TestRenewedLeasesOfDeadReplicaTakenOver(t *testing.T) {
	eachReplicaPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		now := fakeClock(a, b)
		seedLeasedWork(t, a)
		w := claimLeasedWork(t, a, 10*time.Second)
		*now = now.Add(6 * time.Second)
		beat(t, a, b)
		if r, err := a.RenewLeases(ctx, 0); err != nil || r.Renewed != 5 {
			t.Fatalf("A renewed %+v (%v), want 5", r, err)
		}
		// A's last beat was at +6 s; its leases now run to +16 s.
		*now = now.Add(2 * time.Second)
		beat(t, b)
		if ids, err := b.Reap(ctx, store.StaleAfter); err != nil || len(ids) != 0 {
			t.Fatalf("B reaped %v (%v) 2 s after A's beat", ids, err)
		}
		if got := claimLeasedWork(t, b, time.Minute); len(got.kinds()) != 0 {
			t.Fatalf("B claimed %v while A is alive", got.kinds())
		}
		*now = now.Add(1500 * time.Millisecond)
		beat(t, b)
		if ids, err := b.Reap(ctx, store.StaleAfter); err != nil || !slices.Equal(ids, []string{a.ReplicaID()}) {
			t.Fatalf("reap: %v %v, want [%s]", ids, err, a.ReplicaID())
		}
		bw := claimLeasedWork(t, b, time.Minute)
		if got := bw.kinds(); !slices.Equal(got, allLeasedKinds) {
			t.Fatalf("B claimed %v 3.5 s after A's last beat, want %v", got, allLeasedKinds)
		}

		// A wakes up: its next renewal (past half its leases) finds them
		// all gone and forgets them.
		*now = now.Add(2 * time.Second)
		r, err := a.RenewLeases(ctx, 0)
		if err != nil || r.Renewed != 0 || len(r.Lost) != 5 {
			t.Fatalf("A's renewal after the takeover: %+v (%v), want 5 lost", r, err)
		}
		if n := a.HeldLeases(); n != 0 {
			t.Fatalf("A still holds %d leases", n)
		}
		// A's completions are refused (the named lease has no completion
		// to refuse: A's release of it is a no-op).
		if refused := w.finish(t, a, concierge.DeliveryFailed); !slices.Equal(refused, allLeasedKinds[:4]) {
			t.Fatalf("A's completions refused: %v, want %v", refused, allLeasedKinds[:4])
		}
		if refused := bw.finish(t, b, concierge.DeliverySent); len(refused) != 0 {
			t.Fatalf("B's completions refused: %v", refused)
		}
	})
}

// TestRenewStopsAtMaxHold: work that holds its lease longer than the
// longest renewal is taken to be stuck: its lease is no longer renewed,
// runs out, and another replica takes the work, whose completion wins.
func TestRenewStopsAtMaxHold(t *testing.T) {
	eachReplicaPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		now := fakeClock(a, b)
		seedLeasedWork(t, a)
		const ttl, maxHold = 10 * time.Second, 30 * time.Second
		w := claimLeasedWork(t, a, ttl)
		var expired int
		start := *now
		for now.Sub(start) < maxHold+ttl+time.Second {
			*now = now.Add(store.HeartbeatEvery)
			r, err := a.RenewLeases(ctx, maxHold)
			if err != nil || len(r.Lost) != 0 {
				t.Fatalf("at +%v: %+v %v", now.Sub(start), r, err)
			}
			if len(r.Expired) > 0 && now.Sub(start) < maxHold {
				t.Fatalf("at +%v leases %v expired before the longest hold", now.Sub(start), r.Expired)
			}
			expired += len(r.Expired)
		}
		if expired != 5 {
			t.Fatalf("%d leases stopped being renewed, want 5", expired)
		}
		if n := a.HeldLeases(); n != 0 {
			t.Fatalf("A still renews %d leases", n)
		}
		bw := claimLeasedWork(t, b, ttl)
		if got := bw.kinds(); !slices.Equal(got, allLeasedKinds) {
			t.Fatalf("B claimed %v of work stuck past the longest hold, want %v", got, allLeasedKinds)
		}
		if refused := w.finish(t, a, concierge.DeliverySent); !slices.Equal(refused, allLeasedKinds[:4]) {
			t.Fatalf("A's late completions refused: %v, want %v", refused, allLeasedKinds[:4])
		}
	})
}

// TestWeChatRefreshLeaseTakenOver: the token refresh lease carries its
// holder. While the holder beats, nobody else refreshes; when its
// heartbeat stops, Reap releases the lease and another replica refreshes
// at once, long before the lease's 30 s run out.
func TestWeChatRefreshLeaseTakenOver(t *testing.T) {
	eachReplicaPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		now := fakeClock(a, b)
		beat(t, a, b)
		if ok, err := a.LeaseAccessToken(ctx, "wx1", *now, now.Add(30*time.Second)); err != nil || !ok {
			t.Fatalf("A's lease: %v %v", ok, err)
		}
		*now = now.Add(2 * time.Second)
		beat(t, b)
		if ids, err := b.Reap(ctx, store.StaleAfter); err != nil || len(ids) != 0 {
			t.Fatalf("B reaped %v (%v) while A is alive", ids, err)
		}
		if ok, err := b.LeaseAccessToken(ctx, "wx1", *now, now.Add(30*time.Second)); err != nil || ok {
			t.Fatalf("B leased the refresh A holds: %v %v", ok, err)
		}
		*now = now.Add(1500 * time.Millisecond)
		beat(t, b)
		if ids, err := b.Reap(ctx, store.StaleAfter); err != nil || !slices.Equal(ids, []string{a.ReplicaID()}) {
			t.Fatalf("reap: %v %v, want [%s]", ids, err, a.ReplicaID())
		}
		if ok, err := b.LeaseAccessToken(ctx, "wx1", *now, now.Add(30*time.Second)); err != nil || !ok {
			t.Fatalf("B's lease 3.5 s after A's last beat: %v %v, want it taken over", ok, err)
		}
		if err := b.SaveAccessToken(ctx, "wx1", "T2", now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if tok, _, err := a.LoadAccessToken(ctx, "wx1"); err != nil || tok != "T2" {
			t.Fatalf("stored token %q (%v), want B's", tok, err)
		}
	})
}

// TestRenewalWaitingDoesNotDelayBeats: on PostgreSQL a renewal can wait
// for a conversation row another transaction has locked (a turn batch
// locks its conversations). The replica must keep beating meanwhile, or
// the others would declare it dead: its heartbeat advances for a whole
// second while its outbox lease's renewal waits for the lock, and the
// lease is renewed once the lock is gone.
func TestRenewalWaitingDoesNotDelayBeats(t *testing.T) {
	url := testenv.PostgresURL(t)
	a := open(t, url)
	ctx := context.Background()
	seedLeasedWork(t, a)
	beat(t, a)
	const ttl = time.Second
	out, err := a.ClaimOutbox(ctx, 10, ttl)
	if err != nil || len(out) != 1 {
		t.Fatalf("claim outbox: %+v %v", out, err)
	}
	conv := out[0][0].Conversation

	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	lock, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, `SELECT id FROM conversations WHERE id = $1 FOR UPDATE`, conv); err != nil {
		t.Fatal(err)
	}
	locked := time.Now()

	hctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.RunHeartbeat(hctx, store.HeartbeatConfig{Every: 20 * time.Millisecond}); close(done) }()
	defer func() { stop(); <-done }()
	lastBeat := func() time.Time {
		rs, err := a.Replicas(ctx)
		if err != nil || len(rs) != 1 {
			t.Fatalf("replicas: %+v %v", rs, err)
		}
		return rs[0].Heartbeat
	}
	// The renewal is due half a second after the claim and then waits;
	// the beats must go on.
	testenv.WaitFor(t, "no heartbeat a second after the renewal began to wait for the lock", 10*time.Second, func() bool {
		return lastBeat().After(locked.Add(ttl/2 + time.Second))
	})
	if n := a.HeldLeases(); n != 1 {
		t.Fatalf("A holds %d leases, want its outbox lease", n)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	// Once the lock is gone the lease is renewed (the renewal that waited
	// goes through; waiting for it here, not racing it, keeps a loaded
	// machine from letting B's claim in first), and stays A's well past
	// its first length: another replica's claim finds nothing.
	testenv.WaitFor(t, "the lease renewed once the lock is gone", 10*time.Second, func() bool {
		var until int64
		if err := raw.QueryRowContext(ctx, `SELECT send_lease_until FROM conversations WHERE id = $1`, conv).Scan(&until); err != nil {
			t.Fatal(err)
		}
		return until > time.Now().Add(ttl/2).UnixMilli()
	})
	b, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	claimedAt := time.Now()
	testenv.WaitFor(t, "B claimed nothing over three lease lengths", 10*time.Second, func() bool {
		got, err := b.ClaimOutbox(ctx, 10, ttl)
		if err != nil || len(got) > 0 {
			t.Fatalf("B claimed %+v (%v): A's renewed lease ran out", got, err)
		}
		return time.Since(claimedAt) > 3*ttl
	})
}
