package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// agentBuyer stores what an agent checkout keeps about its buyer, as the
// session core writes it: a conversation on agent:ucp whose chat is the
// session id, the session's body (testdata/agent_session.json), a kept
// Idempotency-Key response holding the session, and a queued order
// event.
func agentBuyer(t *testing.T, db *store.DB, session, email string) {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile("testdata/agent_session.json")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.NewReplacer("SESSION", session, "EMAIL", email).Replace(string(raw))
	err = db.InTx(ctx, func(tx *store.Tx) error {
		conv, err := tx.OpenConversation(ctx, "shop", "agent:ucp", concierge.ChatID(session), "en")
		if err != nil {
			return err
		}
		if err := tx.SaveAgentSession(ctx, session, "shop", "ucp", conv.ID, []byte(body)); err != nil {
			return err
		}
		if _, _, _, _, err := tx.ClaimIdempotencyKey(ctx, "shop/ucp", "key-"+session, "h"); err != nil {
			return err
		}
		if err := tx.FinishIdempotencyKey(ctx, "shop/ucp", "key-"+session, 201, []byte(`{"id":"`+session+`","buyer":{"email":"`+email+`"}}`)); err != nil {
			return err
		}
		return tx.AddAgentEvent(ctx, "shop", "ucp", session, concierge.OrderID("O-"+session), "order_create", concierge.OrderPaid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// keptResponse reports whether the response of session's
// Idempotency-Key is still kept.
func keptResponse(t *testing.T, db *store.DB, session string) bool {
	t.Helper()
	var kept bool
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		fresh, _, _, _, err := tx.ClaimIdempotencyKey(context.Background(), "shop/ucp", "key-"+session, "h")
		if err != nil {
			return err
		}
		kept = !fresh
		return errors.New("roll back") // look, change nothing
	})
	if err == nil || err.Error() != "roll back" {
		t.Fatal(err)
	}
	return kept
}

// TestAgentBuyerExportAndErase: a person who bought through an agent is
// found by email (exactly, whatever the case, with LIKE's wildcards in it
// taken literally); the export holds their session (email, address); the
// erasure, by command or by the retention sweep, removes the session, the
// kept responses that hold it and its order events, and leaves another
// buyer's alone.
func TestAgentBuyerExportAndErase(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Unix(1800000000, 0)
		db.SetClock(func() time.Time { return now.Add(-400 * 24 * time.Hour) })
		agentBuyer(t, db, "chk_old", "old.buyer@example.com")
		db.SetClock(func() time.Time { return now })
		agentBuyer(t, db, "chk_jane", "Jane.Doe_1@example.com")
		agentBuyer(t, db, "chk_other", "other@example.com")

		for _, tc := range []struct {
			email string
			want  []string
		}{
			{"jane.doe_1@EXAMPLE.com", []string{"chk_jane"}},
			{"jane.doeX1@example.com", nil}, // _ is not a wildcard
			{"%@example.com", nil},
			{"example.com", nil}, // a part of an address is not the address
			{"", nil},
		} {
			got, err := db.AgentChatsByEmail(ctx, "shop", tc.email)
			if err != nil {
				t.Fatal(err)
			}
			var chats []string
			for _, c := range got {
				if c.Channel != "agent:ucp" {
					t.Errorf("%q: channel %s", tc.email, c.Channel)
				}
				chats = append(chats, string(c.Chat))
			}
			if strings.Join(chats, ",") != strings.Join(tc.want, ",") {
				t.Errorf("%q: found %v, want %v", tc.email, chats, tc.want)
			}
		}

		ex, err := db.ExportConversation(ctx, "shop", "agent:ucp", "chk_jane")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(ex)
		for _, want := range []string{"Jane.Doe_1@example.com", "12 rue des Lilas", "Quorvik"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("the export lacks %q: %s", want, b)
			}
		}

		if _, err := db.EraseConversation(ctx, "shop", "agent:ucp", "chk_jane"); err != nil {
			t.Fatal(err)
		}
		n, err := db.EraseIdle(ctx, "shop", now.Add(-365*24*time.Hour), 100)
		if err != nil || n != 1 {
			t.Fatalf("retention erased %d, %v; want the old buyer", n, err)
		}
		for _, s := range []string{"chk_jane", "chk_old"} {
			err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.AgentSession(ctx, "shop", s); return err })
			if !errors.Is(err, concierge.ErrNotFound) {
				t.Errorf("%s: the session is still kept: %v", s, err)
			}
			if keptResponse(t, db, s) {
				t.Errorf("%s: the Idempotency-Key response holding the session is still kept", s)
			}
		}
		evs, err := db.ClaimAgentEvents(ctx, "ucp", 10, time.Minute)
		if err != nil || len(evs) != 1 || evs[0].Session != "chk_other" {
			t.Errorf("events left: %+v %v; want only chk_other's", evs, err)
		}
		if got, _ := db.AgentChatsByEmail(ctx, "shop", "other@example.com"); len(got) != 1 || !keptResponse(t, db, "chk_other") {
			t.Errorf("another buyer's data went too: %v", got)
		}
		for _, email := range []string{"Jane.Doe_1@example.com", "old.buyer@example.com"} {
			if got, _ := db.AgentChatsByEmail(ctx, "shop", email); len(got) != 0 {
				t.Errorf("%s still found: %v", email, got)
			}
		}
	})
}

// TestAgentEventCounts: the metrics' view of agents' order events counts
// those waiting and those given up on, by protocol, and not those sent.
func TestAgentEventCounts(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, s := range []string{"cs_a", "cs_b", "cs_c"} {
			agentBuyer(t, db, s, s+"@example.com")
		}
		evs, err := db.ClaimAgentEvents(ctx, "ucp", 10, time.Minute)
		if err != nil || len(evs) != 3 {
			t.Fatalf("claimed %d events, %v; want 3", len(evs), err)
		}
		if ok, err := db.FinishAgentEvent(ctx, &evs[0], store.HookSent, time.Time{}, true, ""); !ok || err != nil {
			t.Fatalf("finish sent: %v %v", ok, err)
		}
		if ok, err := db.FinishAgentEvent(ctx, &evs[1], store.HookFailed, time.Time{}, true, "HTTP 500"); !ok || err != nil {
			t.Fatalf("finish failed: %v %v", ok, err)
		}
		if ok, err := db.FinishAgentEvent(ctx, &evs[2], store.HookPending, time.Now().Add(time.Minute), true, "timeout"); !ok || err != nil {
			t.Fatalf("finish retry: %v %v", ok, err)
		}
		got, err := db.AgentEventCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]map[string]int{"ucp": {store.HookPending: 1, store.HookFailed: 1}}; !maps.EqualFunc(got, want, maps.Equal) {
			t.Errorf("AgentEventCounts = %v, want %v", got, want)
		}
	})
}
