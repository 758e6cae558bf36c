package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// hookHandOff records conv's move from -> to in its own transaction, with a
// packet when the move is a hand-off to people, as the agent does.
func hookHandOff(t *testing.T, db *store.DB, conv concierge.ConversationID, from, to concierge.ConversationState, by string) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		h := concierge.Handoff{Conversation: conv, From: from, To: to, Reason: "asked", By: by, At: tx.Now()}
		if err := tx.RecordHandoff(ctx, h); err != nil {
			return err
		}
		if to == concierge.StateWaiting {
			return tx.RecordPacket(ctx, concierge.HandoffPacket{Conversation: conv, Reason: "asked", Summary: "The customer asked for a person.", By: by, At: tx.Now()})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// conversations ingests one message in each chat and returns their
// conversations.
func conversations(t *testing.T, db *store.DB, bot concierge.BotID, chats ...string) []concierge.ConversationID {
	t.Helper()
	ctx := context.Background()
	var out []concierge.ConversationID
	for _, chat := range chats {
		ev := textEvent(chat, string(bot)+chat, "hi")
		ev.Bot = bot
		if _, err := db.Ingest(ctx, []concierge.Event{ev}); err != nil {
			t.Fatal(err)
		}
		c, err := db.FindConversation(ctx, bot, concierge.ChannelWeb, concierge.ChatID(chat))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c.ID)
	}
	return out
}

// TestHandoffHooksBookkeeping: every recorded hand-off is a pending hook;
// a claim leases it (with its conversation and packet) so that nobody
// else gets it until it is finished or the lease runs out; a retry waits
// for its time; a conversation's hooks come out in order; bots without a
// webhook have theirs skipped.
func TestHandoffHooksBookkeeping(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Unix(1_800_000_000, 0)
		db.SetClock(func() time.Time { return now })
		bots := []concierge.BotID{"shop"}
		convs := conversations(t, db, "shop", "a", "b")
		other := conversations(t, db, "other", "z")[0]
		a, b := convs[0], convs[1]

		hookHandOff(t, db, a, concierge.StateBot, concierge.StateWaiting, "bot")
		hookHandOff(t, db, a, concierge.StateWaiting, concierge.StateHuman, "agent:alice")
		hookHandOff(t, db, b, concierge.StateBot, concierge.StateWaiting, "bot")
		hookHandOff(t, db, other, concierge.StateBot, concierge.StateWaiting, "bot")

		got, err := db.ClaimHandoffHooks(ctx, bots, 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		// a's claim waits behind a's request; other's bot is not asked for.
		if len(got) != 2 || got[0].Conversation != a || got[1].Conversation != b {
			t.Fatalf("claimed %+v; want the first hook of a and of b", got)
		}
		h := got[0]
		if h.Bot != "shop" || h.Channel != concierge.ChannelWeb || h.From != concierge.StateBot || h.To != concierge.StateWaiting ||
			h.Reason != "asked" || h.By != "bot" || !h.At.Equal(now) || h.Attempts != 0 || h.Token == "" {
			t.Errorf("hook = %+v", h)
		}
		if h.Packet == nil || h.Packet.Summary != "The customer asked for a person." {
			t.Errorf("packet = %+v, want the one written with the hand-off", h.Packet)
		}
		if again, err := db.ClaimHandoffHooks(ctx, bots, 10, time.Minute); err != nil || len(again) != 0 {
			t.Fatalf("second claim under the lease = %+v, %v; want nothing", again, err)
		}

		// A retry waits for its time, and counts an attempt.
		ok, err := db.FinishHandoffHook(ctx, &got[0], store.HookResult{Status: store.HookPending, Next: now.Add(30 * time.Second), Counted: true, Error: "HTTP 500"})
		if err != nil || !ok {
			t.Fatalf("finish retry: %v %v", ok, err)
		}
		if c, _ := db.ClaimHandoffHooks(ctx, bots, 10, time.Minute); len(c) != 0 {
			t.Fatalf("claimed %+v before the retry time", c)
		}
		now = now.Add(31 * time.Second)
		retry, err := db.ClaimHandoffHooks(ctx, bots, 10, time.Minute)
		if err != nil || len(retry) != 1 || retry[0].ID != h.ID || retry[0].Attempts != 1 {
			t.Fatalf("retry claim = %+v, %v; want hook %d with 1 attempt", retry, err, h.ID)
		}
		// A finish with someone else's lease changes nothing.
		stolen := retry[0]
		stolen.Token = "someone else"
		if ok, err := db.FinishHandoffHook(ctx, &stolen, store.HookResult{Status: store.HookSent}); err != nil || ok {
			t.Fatalf("finish with a stolen lease: %v %v", ok, err)
		}
		if ok, err := db.FinishHandoffHook(ctx, &retry[0], store.HookResult{Status: store.HookSent}); err != nil || !ok {
			t.Fatalf("finish sent: %v %v", ok, err)
		}
		// Done: a's claim comes next, in order.
		next, err := db.ClaimHandoffHooks(ctx, bots, 10, time.Minute)
		if err != nil || len(next) != 1 || next[0].Conversation != a || next[0].To != concierge.StateHuman || next[0].By != "agent:alice" || next[0].Packet != nil {
			t.Fatalf("next claim = %+v, %v; want a's claim without a packet", next, err)
		}
		// A sender that dies leaves a lease that runs out.
		now = now.Add(2 * time.Minute)
		taken, err := db.ClaimHandoffHooks(ctx, bots, 10, time.Minute)
		if err != nil || len(taken) != 2 {
			t.Fatalf("after the leases ran out: %+v, %v; want b's and a's hooks again", taken, err)
		}
		// The first sender's lease is gone: its late result is refused.
		if ok, err := db.FinishHandoffHook(ctx, &next[0], store.HookResult{Status: store.HookSent}); err != nil || ok {
			t.Fatalf("late finish after the lease ran out: %v %v", ok, err)
		}
		for i := range taken {
			if ok, err := db.FinishHandoffHook(ctx, &taken[i], store.HookResult{Status: store.HookFailed, Error: "gave up"}); err != nil || !ok {
				t.Fatalf("finish failed: %v %v", ok, err)
			}
		}
		states, err := db.HandoffHookStates(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(states) != 2 || states[0].Status != store.HookSent || states[0].Attempts != 2 || states[1].Status != store.HookFailed || states[1].Error != "gave up" {
			t.Fatalf("a's hooks = %+v", states)
		}

		// The bot without a webhook has its hook skipped, once.
		if n, err := db.SkipHandoffHooks(ctx, bots); err != nil || n != 1 {
			t.Fatalf("skip = %d, %v; want 1", n, err)
		}
		if n, err := db.PendingHandoffHooks(ctx); err != nil || n != 0 {
			t.Fatalf("pending = %d, %v; want 0", n, err)
		}
		if c, _ := db.ClaimHandoffHooks(ctx, []concierge.BotID{"other"}, 10, time.Minute); len(c) != 0 {
			t.Fatalf("a skipped hook was claimed: %+v", c)
		}
	})
}

// TestHandoffHooksClaimRace: senders claiming at the same time never get
// the same hook, and together they get every one.
func TestHandoffHooksClaimRace(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		chats := make([]string, 24)
		for i := range chats {
			chats[i] = string(rune('a'+i%26)) + "chat"
		}
		convs := conversations(t, db, "shop", chats...)
		for _, c := range convs {
			hookHandOff(t, db, c, concierge.StateBot, concierge.StateWaiting, "bot")
		}
		var (
			mu   sync.Mutex
			seen []int64
			wg   sync.WaitGroup
		)
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					hs, err := db.ClaimHandoffHooks(ctx, []concierge.BotID{"shop"}, 3, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(hs) == 0 {
						return
					}
					mu.Lock()
					for _, h := range hs {
						seen = append(seen, h.ID)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		slices.Sort(seen)
		if len(seen) != len(convs) || len(slices.Compact(slices.Clone(seen))) != len(seen) {
			t.Fatalf("claimed %d hooks %v; want each of %d exactly once", len(seen), seen, len(convs))
		}
	})
}
