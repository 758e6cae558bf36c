package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestExportAndErase is invariant 7's second half: a customer's data can be
// exported, and erased without losing the merchant's accounts.
func TestExportAndErase(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const secret = "my address is 12 rue des Lilas"
		if err := db.SeedStock(ctx, "shop", []concierge.Product{{SKU: "LAMP", Stock: 5}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Ingest(ctx, []concierge.Event{textEvent("alice", "1", secret), textEvent("alice", "2", "later")}); err != nil {
			t.Fatal(err)
		}
		var convID concierge.ConversationID
		_, _, err := db.RunTurns(ctx, 1, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			convID = conv.ID
			conv.Memory.LastQuery = "lampe pour Alice"
			if err := tx.SetCartLine(ctx, conv.ID, "LAMP", 1); err != nil {
				return err
			}
			eur := concierge.Money{Minor: 4900, Currency: "EUR"}
			o := &concierge.Order{ID: "O-1", Bot: "shop", Conversation: conv.ID, State: concierge.OrderPending,
				Lines: []concierge.OrderLine{{SKU: "LAMP", Quantity: 1, Unit: eur}}, Total: eur, Provider: "sandbox",
				CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
			if err := tx.CreateOrder(ctx, o); err != nil {
				return err
			}
			if _, err := tx.RecordPayment(ctx, concierge.Payment{Order: "O-1", Provider: "sandbox", ProviderRef: "evt", Amount: eur, At: time.Now()}); err != nil {
				return err
			}
			_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "Noted, Alice"})
			return err
		}, nil)
		if err != nil {
			t.Fatal(err)
		}

		ex, err := db.ExportConversation(ctx, "shop", concierge.ChannelWeb, "alice")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(ex)
		for _, want := range []string{secret, "Noted, Alice", "O-1", "evt", `"sku":"LAMP"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("export lacks %q: %s", want, b)
			}
		}

		id, err := db.EraseConversation(ctx, "shop", concierge.ChannelWeb, "alice")
		if err != nil || id != convID {
			t.Fatalf("erase: %v %v", id, err)
		}
		if _, err := db.FindConversation(ctx, "shop", concierge.ChannelWeb, "alice"); !errors.Is(err, concierge.ErrNotFound) {
			t.Fatalf("the conversation still leads back to the account: %v", err)
		}
		conv, err := db.GetConversation(ctx, id)
		if err != nil || conv.State != concierge.StateClosed || conv.Memory.LastQuery != "" || conv.Customer != "" {
			t.Fatalf("after erase: %+v %v", conv, err)
		}
		after, err := db.ExportConversation(ctx, "shop", concierge.ChannelWeb, conv.Chat)
		if err != nil {
			t.Fatal(err)
		}
		b, _ = json.Marshal(after)
		for _, gone := range []string{secret, "Noted, Alice", "lampe pour Alice", "later"} {
			if strings.Contains(string(b), gone) {
				t.Errorf("erased data still there: %q in %s", gone, b)
			}
		}
		if len(after.Cart) != 0 || len(after.Orders) != 1 || len(after.Payments) != 1 {
			t.Fatalf("cart %v orders %d payments %d: the cart goes, the accounts stay", after.Cart, len(after.Orders), len(after.Payments))
		}
		if n, _ := db.PendingInbound(ctx); n != 0 {
			t.Fatalf("%d erased messages still waiting to be handled", n)
		}
	})
}

// TestEraseIdle: conversations untouched for the retention period are
// erased by the sweep; recent ones are kept.
func TestEraseIdle(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Unix(1800000000, 0)
		db.SetClock(func() time.Time { return now.Add(-400 * 24 * time.Hour) })
		if _, err := db.Ingest(ctx, []concierge.Event{textEvent("old", "1", "old secret")}); err != nil {
			t.Fatal(err)
		}
		db.SetClock(func() time.Time { return now })
		if _, err := db.Ingest(ctx, []concierge.Event{textEvent("new", "2", "new text")}); err != nil {
			t.Fatal(err)
		}
		n, err := db.EraseIdle(ctx, "shop", now.Add(-365*24*time.Hour), 100)
		if err != nil || n != 1 {
			t.Fatalf("erased %d, %v; want the old one only", n, err)
		}
		if _, err := db.FindConversation(ctx, "shop", concierge.ChannelWeb, "old"); !errors.Is(err, concierge.ErrNotFound) {
			t.Fatalf("old conversation kept: %v", err)
		}
		if _, err := db.FindConversation(ctx, "shop", concierge.ChannelWeb, "new"); err != nil {
			t.Fatalf("recent conversation gone: %v", err)
		}
		if n, _ := db.EraseIdle(ctx, "shop", now.Add(-365*24*time.Hour), 100); n != 0 {
			t.Fatalf("erased %d again", n)
		}
	})
}
