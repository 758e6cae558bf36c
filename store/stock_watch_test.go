package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestOnStockChange: the listener hears of a bot after each committed
// transaction that changed its stock through an order — placed,
// canceled, expired — or set by the merchant (the seller's count, the
// catalog API's, a refreshed feed's), once per transaction, and only
// after the commit: a transaction rolled back, a refused order (all or
// nothing), a payment (whose stock was already held), a count set to
// what it was, a catalog change without stock and a seed tell it
// nothing. Both databases.
func TestOnStockChange(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		var heard []concierge.BotID
		db.OnStockChange(func(bot concierge.BotID) {
			mu.Lock()
			heard = append(heard, bot)
			mu.Unlock()
		})
		took := func() []concierge.BotID {
			mu.Lock()
			defer mu.Unlock()
			out := heard
			heard = nil
			return out
		}
		if err := db.SeedStock(ctx, "shop", []concierge.Product{{SKU: "LAMP", Stock: 3}}); err != nil {
			t.Fatal(err)
		}
		res, err := db.Ingest(ctx, []concierge.Event{textEvent("a", "1", "hi")})
		if err != nil {
			t.Fatal(err)
		}
		eur := concierge.Money{Minor: 4900, Currency: "EUR"}
		order := func(id string, lamps int) *concierge.Order {
			return &concierge.Order{ID: concierge.OrderID(id), Bot: "shop", Conversation: res[0].Conversation, State: concierge.OrderPending,
				Lines: []concierge.OrderLine{{SKU: "LAMP", Quantity: lamps, Unit: eur}}, Total: eur.Mul(lamps), Provider: "sandbox",
				CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Minute)}
		}
		transition := func(id concierge.OrderID, to concierge.OrderState) error {
			return db.InTx(ctx, func(tx *store.Tx) error {
				o, err := tx.Order(ctx, id)
				if err != nil {
					return err
				}
				return tx.TransitionOrder(ctx, o, to)
			})
		}
		want := func(what string, bots ...concierge.BotID) {
			t.Helper()
			if got := took(); !slices.Equal(got, bots) {
				t.Errorf("after %s the listener heard %v, want %v", what, got, bots)
			}
		}

		var inside []concierge.BotID
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateOrder(ctx, order("O1", 1)); err != nil {
				return err
			}
			if err := tx.CreateOrder(ctx, order("O2", 1)); err != nil {
				return err
			}
			inside = took()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(inside) != 0 {
			t.Errorf("the listener heard %v before the commit", inside)
		}
		want("two orders placed in one transaction", "shop")

		rollback := errors.New("rolled back")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateOrder(ctx, order("O3", 1)); err != nil {
				return err
			}
			return rollback
		}); !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		want("a rolled-back order")
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateOrder(ctx, order("O4", 5)) }); !errors.Is(err, concierge.ErrOutOfStock) {
			t.Fatalf("an order beyond the stock: %v", err)
		}
		want("a refused order")

		if err := transition("O1", concierge.OrderCancelled); err != nil {
			t.Fatal(err)
		}
		want("a cancellation", "shop")
		if err := transition("O2", concierge.OrderExpired); err != nil {
			t.Fatal(err)
		}
		want("an expiry", "shop")

		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateOrder(ctx, order("O5", 1)) }); err != nil {
			t.Fatal(err)
		}
		took()
		if err := transition("O5", concierge.OrderPaid); err != nil {
			t.Fatal(err)
		}
		want("a payment")

		// Stock the merchant sets: the seller's assistant's count, the
		// catalog API's, a refreshed feed's. A count set to what it was
		// by the assistant is no change.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.SetStock(ctx, "shop", "LAMP", 9)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want("the seller's stock count", "shop")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.SetStock(ctx, "shop", "LAMP", 9)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want("the same count again")
		if err := db.ChangeCatalog(ctx, "shop", []concierge.SKU{"LAMP"}, func(map[concierge.SKU]concierge.CatalogChange) ([]concierge.CatalogChange, map[concierge.SKU]int, error) {
			return []concierge.CatalogChange{{SKU: "LAMP", Patch: []byte(`{}`)}}, map[concierge.SKU]int{"LAMP": 4}, nil
		}); err != nil {
			t.Fatal(err)
		}
		want("the catalog API's stock", "shop")
		if err := db.ChangeCatalog(ctx, "shop", []concierge.SKU{"LAMP"}, func(map[concierge.SKU]concierge.CatalogChange) ([]concierge.CatalogChange, map[concierge.SKU]int, error) {
			return []concierge.CatalogChange{{SKU: "LAMP", Patch: []byte(`{}`)}}, nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		want("a catalog change without stock")
		if err := db.SetStockOnHand(ctx, "shop", map[concierge.SKU]int{"LAMP": 3}); err != nil {
			t.Fatal(err)
		}
		want("a refreshed feed's stock", "shop")
		if err := db.SeedStock(ctx, "shop", []concierge.Product{{SKU: "MUG", Stock: 2}}); err != nil {
			t.Fatal(err)
		}
		want("a seed")

		db.OnStockChange(nil)
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateOrder(ctx, order("O6", 1)) }); err != nil {
			t.Fatal(err)
		}
		want("an order with no listener")
		levels, err := db.StockLevels(ctx, "shop")
		if err != nil || levels["LAMP"] != 2 {
			t.Errorf("stock = %v (%v), want 2 lamps (3 on hand, O5 paid and so counted in them, less O6's)", levels, err)
		}
	})
}
