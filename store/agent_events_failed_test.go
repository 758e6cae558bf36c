package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// agentOrder opens an agent checkout of bot (session, its conversation)
// and queues its order_create, as a completed checkout does.
func agentOrder(t *testing.T, db *store.DB, bot concierge.BotID, session string) concierge.ConversationID {
	t.Helper()
	ctx := context.Background()
	var conv concierge.ConversationID
	err := db.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.OpenConversation(ctx, bot, "agent:ucp", concierge.ChatID(session), "en")
		if err != nil {
			return err
		}
		conv = c.ID
		if err := tx.SaveAgentSession(ctx, session, bot, "ucp", c.ID, []byte(`{}`)); err != nil {
			return err
		}
		return tx.AddAgentEvent(ctx, bot, "ucp", session, concierge.OrderID("O-"+session), "order_create", concierge.OrderPaid)
	})
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

// TestFailedAgentEvents: the failed order events of the bots asked for,
// newest first, with their checkout's conversation, attempts, error and
// when they were given up on; every bot's for concierge.AllBots, none for
// no bot; pending and sent events are not listed; one made moot by a
// later delivered event is listed as superseded and not counted as
// retriable; a retried one leaves the list. SQLite and PostgreSQL.
func TestFailedAgentEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.UnixMilli(1_800_000_000_000).UTC()
		db.SetClock(func() time.Time { return now })

		convA := agentOrder(t, db, "shop-a", "chk_a")
		a1 := failNext(t, db, "HTTP 503: down")
		agentOrder(t, db, "shop-b", "chk_b")
		b1 := failNext(t, db, "HTTP 500: boom")
		now = now.Add(time.Minute)
		convA2 := agentOrder(t, db, "shop-a", "chk_a2")
		a2 := failNext(t, db, "dial tcp: connection refused")
		agentOrder(t, db, "shop-b", "chk_b2") // pending: not listed

		for _, tt := range []struct {
			name      string
			bots      []concierge.BotID
			want      []int64
			retriable int
		}{
			{"bot A", []concierge.BotID{"shop-a"}, []int64{a2, a1}, 2},
			{"bot B", []concierge.BotID{"shop-b"}, []int64{b1}, 1},
			{"both", []concierge.BotID{"shop-b", "shop-a"}, []int64{a2, b1, a1}, 3},
			{"every bot", []concierge.BotID{concierge.AllBots}, []int64{a2, b1, a1}, 3},
			{"no bot", nil, nil, 0},
			{"another bot", []concierge.BotID{"shop-c"}, nil, 0},
		} {
			evs, n, err := db.FailedAgentEvents(ctx, tt.bots, 50)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, e := range evs {
				ids = append(ids, e.ID)
			}
			if len(ids) != len(tt.want) || n != tt.retriable {
				t.Fatalf("%s: %v (%d retriable), want %v (%d)", tt.name, ids, n, tt.want, tt.retriable)
			}
			for i := range ids {
				if ids[i] != tt.want[i] {
					t.Fatalf("%s: %v, want %v", tt.name, ids, tt.want)
				}
			}
		}
		evs, _, _ := db.FailedAgentEvents(ctx, []concierge.BotID{"shop-a"}, 1)
		if len(evs) != 1 {
			t.Fatalf("limit 1: %d events", len(evs))
		}
		e := evs[0]
		if e.ID != a2 || e.Bot != "shop-a" || e.Conversation != convA2 || e.Protocol != "ucp" || e.Type != "order_create" ||
			e.Order != "O-chk_a2" || e.Status != store.HookFailed || e.Attempts != 1 || e.Error != "dial tcp: connection refused" ||
			!e.FailedAt.Equal(now) || e.Superseded {
			t.Errorf("event: %+v", e)
		}
		if evs, n, err := db.FailedAgentEvents(ctx, []concierge.BotID{"shop-a"}, 0); err != nil || evs != nil || n != 2 {
			t.Errorf("count only: %v %d %v", evs, n, err)
		}

		// A later event of chk_a is delivered: a1 is superseded.
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.AddAgentEvent(ctx, "shop-a", "ucp", "chk_a", "O-chk_a", "order_update", concierge.OrderFulfilled)
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.ClaimAgentEvents(ctx, "ucp", 10, time.Minute)
		if err != nil || len(c) != 2 {
			t.Fatalf("claim chk_b2's create and chk_a's update: %v %v", c, err)
		}
		for _, ev := range c {
			status := store.HookPending // chk_b2's stays pending
			if ev.Session == "chk_a" {
				status = store.HookSent
			}
			if ok, err := db.FinishAgentEvent(ctx, &ev, status, now.Add(time.Hour), true, ""); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
		evs, n, _ := db.FailedAgentEvents(ctx, []concierge.BotID{"shop-a"}, 50)
		if len(evs) != 2 || n != 1 || !evs[1].Superseded || evs[1].ID != a1 || evs[1].Conversation != convA {
			t.Fatalf("after a later delivery: %+v, %d retriable", evs, n)
		}

		if err := db.RetryAgentEvent(ctx, a2, "sue"); err != nil {
			t.Fatal(err)
		}
		evs, n, _ = db.FailedAgentEvents(ctx, []concierge.BotID{"shop-a"}, 50)
		if len(evs) != 1 || evs[0].ID != a1 || n != 0 {
			t.Fatalf("after the retry: %+v, %d retriable", evs, n)
		}
	})
}
