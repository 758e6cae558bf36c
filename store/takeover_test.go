package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestReleaseLeases: work leased by a process that then died (a turn, an
// outbox conversation, a named lease) is claimable again at once after
// ReleaseLeases on SQLite, without the clock moving. On PostgreSQL,
// ReleaseLeases refuses and TakeOver leaves the leases alone: they may
// belong to a live replica.
func TestReleaseLeases(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Unix(1700000000, 0)
		db.SetClock(func() time.Time { return now })
		if _, err := db.Ingest(ctx, []concierge.Event{textEvent("a", "a1", "hi")}); err != nil {
			t.Fatal(err)
		}
		_, _, err := db.RunTurns(ctx, 10, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "hello"})
			return err
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Ingest(ctx, []concierge.Event{textEvent("b", "b1", "hi")}); err != nil {
			t.Fatal(err)
		}
		bots := []concierge.BotID{"shop"}
		noop := func(context.Context, concierge.Tx, *concierge.Conversation, *concierge.Event) error { return nil }

		// The dead process's leases.
		if l, err := db.LeaseTurn(ctx, bots, time.Hour, noop); err != nil || l == nil {
			t.Fatalf("lease turn: %+v %v", l, err)
		}
		if b, err := db.ClaimOutbox(ctx, 10, time.Hour); err != nil || len(b) != 1 {
			t.Fatalf("claim outbox: %+v %v", b, err)
		}
		if _, ok, err := db.TakeLease(ctx, "sweep", time.Hour); err != nil || !ok {
			t.Fatalf("take lease: %v %v", ok, err)
		}
		claimable := func() (turn, outbox, named bool) {
			l, err := db.LeaseTurn(ctx, bots, time.Hour, noop)
			if err != nil {
				t.Fatal(err)
			}
			b, err := db.ClaimOutbox(ctx, 10, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			_, ok, err := db.TakeLease(ctx, "sweep", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return l != nil, len(b) == 1, ok
		}
		if turn, outbox, named := claimable(); turn || outbox || named {
			t.Fatalf("claimable while leased: turn %v, outbox %v, named %v", turn, outbox, named)
		}

		if db.Dialect() == store.Postgres {
			if err := db.ReleaseLeases(ctx); err == nil {
				t.Fatal("ReleaseLeases on PostgreSQL: want an error")
			}
			if err := db.TakeOver(ctx); err != nil {
				t.Fatal(err)
			}
			if turn, outbox, named := claimable(); turn || outbox || named {
				t.Fatalf("TakeOver released PostgreSQL leases: turn %v, outbox %v, named %v", turn, outbox, named)
			}
			return
		}
		if err := db.ReleaseLeases(ctx); err != nil {
			t.Fatal(err)
		}
		if turn, outbox, named := claimable(); !turn || !outbox || !named {
			t.Fatalf("after ReleaseLeases: turn %v, outbox %v, named %v claimable; want all", turn, outbox, named)
		}
	})
}

// TestTakeOverLock: while one store has taken over a SQLite file, a
// second TakeOver of the same file fails with ErrInUse and names the lock
// file; opening it to read or migrate still works; once the first closes,
// the second takes over.
func TestTakeOverLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shop.db")
	first := open(t, "sqlite:"+path)
	if err := first.TakeOver(ctx); err != nil {
		t.Fatal(err)
	}
	// Opening and migrating are not blocked.
	second, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := second.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	err = second.TakeOver(ctx)
	if !errors.Is(err, store.ErrInUse) || !strings.Contains(err.Error(), path+".lock") {
		t.Fatalf("second TakeOver: %v; want ErrInUse naming %s.lock", err, path)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := second.TakeOver(ctx); err != nil {
		t.Fatalf("TakeOver after the first closed: %v", err)
	}
}
