package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestCartOffers: a cart line that is a supplier's offer keeps the offer
// (its id and price) through quantity changes, takes a new price when set
// again, and an order of it reserves and gives back no stock of the
// shop's.
func TestCartOffers(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SeedStock(ctx, "shop", []concierge.Product{{SKU: "LAMP", Stock: 1}}); err != nil {
			t.Fatal(err)
		}
		res, _ := db.Ingest(ctx, []concierge.Event{textEvent("a", "1", "hi")})
		conv := res[0].Conversation
		eur := func(n int64) concierge.Money { return concierge.Money{Minor: n, Currency: "EUR"} }
		room := concierge.Offer{SKU: concierge.OfferSKU("hotel", "DBL"), Source: "hotel", ID: "DBL", Title: "Double room",
			Price: eur(12900), Available: 3, Request: concierge.OfferRequest{Query: "room", From: "2026-12-24", Quantity: 2}}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.SetCartLine(ctx, conv, "LAMP", 1); err != nil {
				return err
			}
			if err := tx.SetCartOffer(ctx, conv, room, 1); err != nil {
				return err
			}
			return tx.SetCartLine(ctx, conv, room.SKU, 2) // a quantity change keeps the offer
		})
		if err != nil {
			t.Fatal(err)
		}
		lines, err := db.CartOf(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		line := func(sku concierge.SKU) concierge.CartLine {
			for _, l := range lines {
				if l.SKU == sku {
					return l
				}
			}
			t.Fatalf("no line %s in %+v", sku, lines)
			return concierge.CartLine{}
		}
		if l := line(room.SKU); len(lines) != 2 || line("LAMP").Offer != nil || l.Offer == nil || *l.Offer != room || l.Quantity != 2 {
			t.Fatalf("cart = %+v", lines)
		}
		dearer := room
		dearer.Price = eur(14900)
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.SetCartOffer(ctx, conv, dearer, 2) }); err != nil {
			t.Fatal(err)
		}
		if lines, _ = db.CartOf(ctx, conv); line(room.SKU).Offer.Price != eur(14900) {
			t.Fatalf("after a new price, cart = %+v", line(room.SKU).Offer)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error { return tx.SetCartOffer(ctx, conv, concierge.Offer{SKU: "LAMP"}, 1) })
		if err == nil {
			t.Fatal("a catalog SKU taken as an offer")
		}

		o := &concierge.Order{ID: "O1", Bot: "shop", Conversation: conv, State: concierge.OrderPending, Provider: "sandbox",
			Lines: []concierge.OrderLine{{SKU: "LAMP", Quantity: 1, Unit: eur(4900)}, {SKU: room.SKU, Title: room.Title, Quantity: 2, Unit: dearer.Price}},
			Total: eur(4900 + 2*14900), CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Minute)}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateOrder(ctx, o) }); err != nil {
			t.Fatalf("an order with an offer: %v", err)
		}
		if levels, _ := db.StockLevels(ctx, "shop"); levels["LAMP"] != 0 || len(levels) != 1 {
			t.Fatalf("stock after the order = %v: the lamp reserved, no stock row for the offer", levels)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.TransitionOrder(ctx, o, concierge.OrderCancelled) }); err != nil {
			t.Fatal(err)
		}
		if levels, _ := db.StockLevels(ctx, "shop"); levels["LAMP"] != 1 || len(levels) != 1 {
			t.Fatalf("stock after cancelling = %v", levels)
		}
	})
}
