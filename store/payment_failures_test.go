package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestPaymentFailuresRecordedOnce records failed attempts against both
// dialects: the same (provider, ref) reported again changes nothing, and
// the order's failures come back oldest first with their codes.
func TestPaymentFailuresRecordedOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SeedStock(ctx, "shop", []concierge.Product{{SKU: "LAMP", Stock: 3}}); err != nil {
			t.Fatal(err)
		}
		res, err := db.Ingest(ctx, []concierge.Event{textEvent("a", "1", "hi")})
		if err != nil {
			t.Fatal(err)
		}
		eur := concierge.Money{Minor: 4900, Currency: "EUR"}
		at := time.UnixMilli(1700000000000).UTC()
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return tx.CreateOrder(ctx, &concierge.Order{ID: "O1", Bot: "shop", Conversation: res[0].Conversation, State: concierge.OrderPending,
				Lines: []concierge.OrderLine{{SKU: "LAMP", Quantity: 1, Unit: eur}}, Total: eur, Provider: "stripe", CreatedAt: at, ExpiresAt: at.Add(time.Hour)})
		})
		if err != nil {
			t.Fatal(err)
		}
		reports := []struct {
			f     concierge.PaymentFailure
			fresh bool
		}{
			{concierge.PaymentFailure{Order: "O1", Provider: "stripe", ProviderRef: "ch_1", Code: "insufficient_funds", Reason: "Your card has insufficient funds.", At: at}, true},
			{concierge.PaymentFailure{Order: "O1", Provider: "stripe", ProviderRef: "ch_1", Code: "other", Reason: "redelivered", At: at.Add(time.Minute)}, false},
			{concierge.PaymentFailure{Order: "O1", Provider: "stripe", ProviderRef: "ch_2", Code: "card_declined", At: at.Add(2 * time.Minute)}, true},
			{concierge.PaymentFailure{Order: "O1", Provider: "sandbox", ProviderRef: "ch_1", At: at.Add(3 * time.Minute)}, true}, // another provider's ref space
		}
		for i, r := range reports {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				fresh, err := tx.RecordPaymentFailure(ctx, r.f)
				if err != nil {
					return err
				}
				if fresh != r.fresh {
					t.Errorf("report %d: fresh = %v, want %v", i, fresh, r.fresh)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		fs, err := db.PaymentFailures(ctx, "O1")
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 3 {
			t.Fatalf("failures = %+v, want 3", fs)
		}
		if fs[0].ProviderRef != "ch_1" || fs[0].Code != "insufficient_funds" || fs[0].Reason != "Your card has insufficient funds." || !fs[0].At.Equal(at) {
			t.Errorf("first failure = %+v: the redelivery must not have replaced it", fs[0])
		}
		if fs[1].ProviderRef != "ch_2" || fs[2].Provider != "sandbox" {
			t.Errorf("failures out of order: %+v", fs)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			in, err := tx.PaymentFailures(ctx, "O1")
			if err == nil && len(in) != 3 {
				t.Errorf("in a transaction: %d failures, want 3", len(in))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		o, _ := db.GetOrder(ctx, "O1")
		if o.State != concierge.OrderPending {
			t.Errorf("order is %s after failures; recording must not move it", o.State)
		}
	})
}
