package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestResendHandoffHook: a failed hand-off event goes back to pending,
// due now with no attempt used and no error, under its id, with the
// supervisor's note on the conversation; it is claimed again. A sent, a
// pending and an unknown event are refused (conflict, not found) and
// change nothing; a second resend of the same event is a conflict too.
func TestResendHandoffHook(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Unix(1_800_000_000, 0)
		db.SetClock(func() time.Time { return now })
		bots := []concierge.BotID{"shop"}
		convs := conversations(t, db, "shop", "a", "b")
		a, b := convs[0], convs[1]
		hookHandOff(t, db, a, concierge.StateBot, concierge.StateWaiting, "bot")
		hookHandOff(t, db, b, concierge.StateBot, concierge.StateWaiting, "bot")
		got, err := db.ClaimHandoffHooks(ctx, bots, 10, time.Minute)
		if err != nil || len(got) != 2 {
			t.Fatalf("claimed %+v, %v; want 2", got, err)
		}
		failed, sent := got[0], got[1]
		if failed.Conversation != a {
			failed, sent = sent, failed
		}
		if ok, err := db.FinishHandoffHook(ctx, &failed, store.HookResult{Status: store.HookFailed, Error: "503 Service Unavailable"}); !ok || err != nil {
			t.Fatalf("finish failed: %v %v", ok, err)
		}
		if ok, err := db.FinishHandoffHook(ctx, &sent, store.HookResult{Status: store.HookSent}); !ok || err != nil {
			t.Fatalf("finish sent: %v %v", ok, err)
		}
		hookHandOff(t, db, b, concierge.StateWaiting, concierge.StateHuman, "agent:sue")
		states, err := db.HandoffHookStates(ctx, b)
		if err != nil || len(states) != 2 {
			t.Fatal(states, err)
		}
		pending := states[1].ID

		list, err := db.FailedHandoffHooks(ctx, 50)
		if err != nil || len(list) != 1 || list[0].ID != failed.ID || list[0].Bot != "shop" || list[0].Conversation != a ||
			list[0].Attempts != 1 || list[0].Error != "503 Service Unavailable" || list[0].To != concierge.StateWaiting {
			t.Fatalf("failed events %+v, %v; want the one failed", list, err)
		}

		for name, tt := range map[string]struct {
			id   int64
			code concierge.Code
		}{
			"sent":    {sent.ID, concierge.CodeConflict},
			"pending": {pending, concierge.CodeConflict},
			"unknown": {failed.ID + 1000, concierge.CodeNotFound},
		} {
			if err := db.ResendHandoffHook(ctx, tt.id, "sue"); concierge.ErrorCode(err) != tt.code {
				t.Errorf("resend %s: %v; want %s", name, err, tt.code)
			}
		}
		if s, _, err := db.HandoffHook(ctx, sent.ID); err != nil || s.Status != store.HookSent || s.Attempts != 1 {
			t.Errorf("a refused resend changed the sent event: %+v %v", s, err)
		}

		if err := db.ResendHandoffHook(ctx, failed.ID, "sue"); err != nil {
			t.Fatal(err)
		}
		s, conv, err := db.HandoffHook(ctx, failed.ID)
		if err != nil || conv != a || s.Status != store.HookPending || s.Attempts != 0 || s.Error != "" {
			t.Fatalf("after the resend %+v (conversation %d), %v; want pending, 0 attempts, no error", s, conv, err)
		}
		if err := db.ResendHandoffHook(ctx, failed.ID, "sue"); concierge.ErrorCode(err) != concierge.CodeConflict {
			t.Errorf("second resend: %v; want a conflict", err)
		}
		notes, err := db.Notes(ctx, a)
		if err != nil || len(notes) != 1 || notes[0].Author != "sue" ||
			!strings.Contains(notes[0].Text, "Resent hand-off webhook event") || !strings.Contains(notes[0].Text, "503 Service Unavailable") {
			t.Fatalf("notes %+v, %v; want sue's note of the resend", notes, err)
		}
		if list, _ := db.FailedHandoffHooks(ctx, 50); len(list) != 0 {
			t.Errorf("still failed: %+v", list)
		}
		again, err := db.ClaimHandoffHooks(ctx, bots, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, h := range again {
			ids = append(ids, h.ID)
			if h.ID == failed.ID && (h.Attempts != 0 || h.Conversation != a) {
				t.Errorf("reclaimed %+v; want attempt 0 of a", h)
			}
		}
		if len(again) != 2 || (ids[0] != failed.ID && ids[1] != failed.ID) {
			t.Errorf("claimed %v after the resend; want %d (and b's pending %d)", ids, failed.ID, pending)
		}
	})
}
