package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestTurnLeases: planned turns lease one conversation at a time, in
// order, apart from the batch runner; a lost lease applies nothing.
func TestTurnLeases(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rules := textEvent("r", "r1", "rules bot")
		rules.Bot = "other"
		if _, err := db.Ingest(ctx, []concierge.Event{textEvent("a", "a1", "first"), textEvent("a", "a2", "second"), textEvent("b", "b1", "hi"), rules}); err != nil {
			t.Fatal(err)
		}
		noop := func(context.Context, concierge.Tx, *concierge.Conversation, *concierge.Event) error { return nil }
		var seen []string
		read := func(_ context.Context, _ concierge.Tx, _ *concierge.Conversation, ev *concierge.Event) error {
			seen = append(seen, ev.Text)
			return nil
		}
		bots := []concierge.BotID{"shop"}

		// The batch runner leaves the leased bot's events alone.
		done, _, err := db.RunTurnsExcept(ctx, bots, 10, noop, nil)
		if err != nil || done != 1 {
			t.Fatalf("RunTurnsExcept: %d done, %v", done, err)
		}

		la, err := db.LeaseTurn(ctx, bots, time.Minute, read)
		if err != nil || la == nil {
			t.Fatalf("lease: %v %v", la, err)
		}
		lb, err := db.LeaseTurn(ctx, bots, time.Minute, read)
		if err != nil || lb == nil || lb.Conv == la.Conv {
			t.Fatalf("second lease: %+v %v (first %+v)", lb, err, la)
		}
		if l, err := db.LeaseTurn(ctx, bots, time.Minute, read); l != nil || err != nil {
			t.Fatalf("third lease = %+v, %v; both conversations are leased", l, err)
		}
		if seen[0] != "first" || seen[1] != "hi" {
			t.Fatalf("leased %q", seen)
		}

		// A wrong token applies nothing.
		bad := *la
		bad.Token = "someone else"
		if _, err := db.ApplyTurn(ctx, &bad, noop, nil); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("apply with a stolen lease: %v", err)
		}
		ok, err := db.ApplyTurn(ctx, la, noop, nil)
		if err != nil || !ok {
			t.Fatalf("apply: %v %v", ok, err)
		}
		// The conversation's next event comes next, in order.
		l, err := db.LeaseTurn(ctx, bots, time.Minute, read)
		if err != nil || l == nil || l.Conv != la.Conv || seen[2] != "second" {
			t.Fatalf("next lease %+v %v %q", l, err, seen)
		}
		if err := db.ReleaseTurn(ctx, l); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApplyTurn(ctx, l, noop, nil); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("apply after release: %v", err)
		}
		if n, _ := db.PendingInbound(ctx); n != 2 {
			t.Fatalf("%d pending, want 2", n)
		}

		// Notes accumulate tokens and keep the last summary.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.AddNotes(ctx, la.Conv, "sum", 3, 10, 2); err != nil {
				return err
			}
			return tx.AddNotes(ctx, la.Conv, "", 0, 5, 1)
		}); err != nil {
			t.Fatal(err)
		}
		s, through, in, out, err := db.BrainNotes(ctx, la.Conv)
		if err != nil || s != "sum" || through != 3 || in != 15 || out != 3 {
			t.Fatalf("notes %q %d %d %d %v", s, through, in, out, err)
		}
	})
}
