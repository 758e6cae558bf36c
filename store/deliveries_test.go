package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestDeliveriesAndWindow: sent messages are matched to their platform ids;
// statuses only move forward; a failed one marks the message failed; the
// last inbound time is what the 24-hour window needs.
func TestDeliveriesAndWindow(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ev := textEvent("331", "wamid.in1", "hello")
		ev.Channel = concierge.ChannelWhatsApp
		res, err := db.Ingest(ctx, []concierge.Event{ev})
		if err != nil {
			t.Fatal(err)
		}
		conv := res[0].Conversation
		last, err := db.LastInbound(ctx, conv)
		if err != nil || last.IsZero() || time.Since(last) > time.Minute {
			t.Fatalf("LastInbound = %v, %v", last, err)
		}
		if never, err := db.LastInbound(ctx, conv+1000); err != nil || !never.IsZero() {
			t.Fatalf("LastInbound of nobody = %v, %v", never, err)
		}
		var id int64
		err = db.InTx(ctx, func(tx *store.Tx) error {
			c, err := tx.Conversation(ctx, conv)
			if err != nil {
				return err
			}
			id, err = tx.Emit(ctx, c, "bot", concierge.Message{Kind: concierge.MessageText, Text: "hi"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RecordSent(ctx, "shop", concierge.ChannelWhatsApp, id, []string{"wamid.a", "wamid.b"}); err != nil {
			t.Fatal(err)
		}
		status := func(ref, s, errText string) store.StatusResult {
			t.Helper()
			r, err := db.ApplyStatus(ctx, concierge.Event{Kind: concierge.EventStatus, Bot: "shop", Channel: concierge.ChannelWhatsApp, Ref: ref, Value: s, Text: errText})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		for _, c := range []struct {
			ref, status string
			want        store.StatusResult
		}{
			{"wamid.a", "read", store.StatusApplied},
			{"wamid.a", "delivered", store.StatusStale}, // out of order: never backwards
			{"wamid.a", "read", store.StatusStale},      // a repeat
			{"wamid.zzz", "sent", store.StatusUnknown},
			{"wamid.b", "failed", store.StatusApplied},
		} {
			if got := status(c.ref, c.status, "131026 Message undeliverable"); got != c.want {
				t.Errorf("%s %s: %s, want %s", c.ref, c.status, got, c.want)
			}
		}
		if _, err := db.ApplyStatus(ctx, concierge.Event{Bot: "shop", Channel: concierge.ChannelWhatsApp, Ref: "wamid.a", Value: "deleted"}); concierge.ErrorCode(err) != concierge.CodeInvalid {
			t.Fatalf("unknown status word: %v", err)
		}
		a, _ := db.Delivery(ctx, "shop", concierge.ChannelWhatsApp, "wamid.a")
		b, _ := db.Delivery(ctx, "shop", concierge.ChannelWhatsApp, "wamid.b")
		if a.Status != "read" || a.Message != id || b.Status != "failed" || b.MessageStatus != "failed" || b.MessageError == "" {
			t.Fatalf("deliveries %+v %+v", a, b)
		}
	})
}

func TestRefunds(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, _ := db.Ingest(ctx, []concierge.Event{textEvent("a", "1", "hi")})
		eur := concierge.Money{Minor: 4900, Currency: "EUR"}
		o := &concierge.Order{ID: "R1", Bot: "shop", Conversation: res[0].Conversation, State: concierge.OrderPending,
			Lines: []concierge.OrderLine{{SKU: "X", Quantity: 1, Unit: eur}}, Total: eur, Provider: "stripe", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		db.SeedStock(ctx, "shop", []concierge.Product{{SKU: "X", Stock: 5}})
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateOrder(ctx, o) }); err != nil {
			t.Fatal(err)
		}
		r := concierge.Refund{Order: "R1", Provider: "stripe", ProviderRef: "re_1", Amount: concierge.Money{Minor: 1000, Currency: "EUR"}, Reason: "requested_by_customer", Status: "pending", At: time.Now()}
		ghost := r
		ghost.Order, ghost.ProviderRef = "NOPE", "re_2"
		rec, skipped, err := db.RecordRefunds(ctx, "shop", []concierge.Refund{r, ghost})
		if err != nil || rec != 1 || skipped != 1 {
			t.Fatalf("RecordRefunds = %d, %d, %v", rec, skipped, err)
		}
		r.Status = "succeeded"
		if rec, _, err := db.RecordRefunds(ctx, "shop", []concierge.Refund{r}); err != nil || rec != 0 {
			t.Fatalf("again: %d, %v", rec, err)
		}
		rs, err := db.Refunds(ctx, "R1")
		if err != nil || len(rs) != 1 || rs[0].Status != "succeeded" || rs[0].Amount.Minor != 1000 {
			t.Fatalf("Refunds = %+v, %v", rs, err)
		}
	})
}
