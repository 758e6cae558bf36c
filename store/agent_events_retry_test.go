package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// failNext claims the next due UCP event and records it failed, as the
// sender does after its last attempt, and returns its id.
func failNext(t *testing.T, db *store.DB, why string) int64 {
	t.Helper()
	ctx := context.Background()
	evs, err := db.ClaimAgentEvents(ctx, "ucp", 1, time.Minute)
	if err != nil || len(evs) != 1 {
		t.Fatalf("claim: %v %v", evs, err)
	}
	if ok, err := db.FinishAgentEvent(ctx, &evs[0], store.HookFailed, time.Time{}, true, why); !ok || err != nil {
		t.Fatalf("finish: %v %v", ok, err)
	}
	return evs[0].ID
}

// TestRetryAgentEvent: a failed order event shows in its session's
// conversation; retrying it queues it again under its id with no attempt
// used and leaves the supervisor's note; a pending, unknown or superseded
// event (a later one of the order was delivered) is refused and nothing
// changes. Both databases.
func TestRetryAgentEvent(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		agentBuyer(t, db, "chk_a", "a@example.com")
		id := failNext(t, db, "receiver answered 500")
		conv, err := db.AgentEventConversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := db.AgentEventsOfConversation(ctx, conv)
		if err != nil || len(evs) != 1 || evs[0].ID != id || evs[0].Status != store.HookFailed || evs[0].Attempts != 1 ||
			evs[0].Error != "receiver answered 500" || evs[0].Type != "order_create" || evs[0].OrderState != concierge.OrderPaid || evs[0].Superseded {
			t.Fatalf("events: %+v %v", evs, err)
		}
		if err := db.RetryAgentEvent(ctx, id, "sue"); err != nil {
			t.Fatal(err)
		}
		if st, attempts, why, err := db.AgentEventStatus(ctx, id); err != nil || st != store.HookPending || attempts != 0 || why != "" {
			t.Fatalf("after retry: %s %d %q %v", st, attempts, why, err)
		}
		notes, err := db.Notes(ctx, conv)
		if err != nil || len(notes) != 1 || notes[0].Author != "sue" || !strings.Contains(notes[0].Text, "receiver answered 500") {
			t.Fatalf("note: %+v %v", notes, err)
		}
		if err := db.RetryAgentEvent(ctx, id, "sue"); concierge.ErrorCode(err) != concierge.CodeConflict {
			t.Errorf("retry a pending event: %v, want a conflict", err)
		}
		if err := db.RetryAgentEvent(ctx, 999999, "sue"); !errors.Is(err, concierge.ErrNotFound) {
			t.Errorf("retry an unknown event: %v", err)
		}
		if _, err := db.AgentEventConversation(ctx, 999999); !errors.Is(err, concierge.ErrNotFound) {
			t.Errorf("conversation of an unknown event: %v", err)
		}

		// It fails again; a later event of the order is delivered: the
		// first is superseded and is not sent again.
		failNext(t, db, "receiver answered 503")
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return tx.AddAgentEvent(ctx, "shop", "ucp", "chk_a", "O-chk_a", "order_update", concierge.OrderFulfilled)
		})
		if err != nil {
			t.Fatal(err)
		}
		later, err := db.ClaimAgentEvents(ctx, "ucp", 1, time.Minute)
		if err != nil || len(later) != 1 {
			t.Fatalf("claim the update: %v %v", later, err)
		}
		if ok, err := db.FinishAgentEvent(ctx, &later[0], store.HookSent, time.Time{}, true, ""); !ok || err != nil {
			t.Fatal(ok, err)
		}
		evs, _ = db.AgentEventsOfConversation(ctx, conv)
		if len(evs) != 2 || !evs[0].Superseded || evs[1].Superseded || evs[1].Status != store.HookSent {
			t.Fatalf("events: %+v", evs)
		}
		if err := db.RetryAgentEvent(ctx, id, "sue"); concierge.ErrorCode(err) != concierge.CodeConflict {
			t.Errorf("retry a superseded event: %v, want a conflict", err)
		}
		if st, _, _, _ := db.AgentEventStatus(ctx, id); st != store.HookFailed {
			t.Errorf("the refused retry changed the event: %s", st)
		}
		// Another conversation has none.
		agentBuyer(t, db, "chk_b", "b@example.com")
		b, err := db.ClaimAgentEvents(ctx, "ucp", 1, time.Minute)
		if err != nil || len(b) != 1 || b[0].Session != "chk_b" {
			t.Fatalf("chk_b's event: %+v %v", b, err)
		}
		other, _ := db.AgentEventConversation(ctx, b[0].ID)
		if evs, err := db.AgentEventsOfConversation(ctx, other); err != nil || len(evs) != 1 || evs[0].ID != b[0].ID || other == conv {
			t.Errorf("another session's events: %+v %v", evs, err)
		}
	})
}
