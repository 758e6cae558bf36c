package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestSeedStock seeds more products than one batch holds on either
// database (with a last batch that is not full), then seeds again with
// other counts and new SKUs: the counts already stored are kept, the new
// SKUs get theirs, a SKU listed twice keeps its first count, and another
// bot's product of the same SKU is its own.
func TestSeedStock(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 10_037
		first := make([]concierge.Product, 0, n+1)
		for i := range n {
			first = append(first, concierge.Product{SKU: concierge.SKU(fmt.Sprintf("P-%05d", i)), Stock: i % 97})
		}
		first = append(first, concierge.Product{SKU: "P-00005", Stock: 1000}) // listed twice: the first count wins
		if err := db.SeedStock(ctx, "shop", first); err != nil {
			t.Fatal(err)
		}
		// A later start: other counts for the same SKUs, and new ones.
		second := []concierge.Product{{SKU: "P-00000", Stock: 500}, {SKU: "P-10036", Stock: 500}, {SKU: "NEW-1", Stock: 7}, {SKU: "NEW-2", Stock: 0}}
		if err := db.SeedStock(ctx, "shop", second); err != nil {
			t.Fatal(err)
		}
		if err := db.SeedStock(ctx, "other", []concierge.Product{{SKU: "P-00001", Stock: 42}}); err != nil {
			t.Fatal(err)
		}
		if err := db.SeedStock(ctx, "shop", nil); err != nil {
			t.Fatal(err)
		}
		want := map[concierge.SKU]int{"NEW-1": 7, "NEW-2": 0}
		for _, p := range first[:n] {
			want[p.SKU] = p.Stock
		}
		skus := make([]concierge.SKU, 0, len(want))
		for s := range want {
			skus = append(skus, s)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			got, err := tx.Stocks(ctx, "shop", skus)
			if err != nil {
				return err
			}
			bad := 0
			for s, w := range want {
				if got[s] != w {
					if bad++; bad <= 5 {
						t.Errorf("stock of %s = %d, want %d", s, got[s], w)
					}
				}
			}
			if bad > 5 {
				t.Errorf("and %d more", bad-5)
			}
			other, err := tx.Stock(ctx, "other", "P-00001")
			if err != nil {
				return err
			}
			if other != 42 {
				t.Errorf("other bot's P-00001 = %d, want 42", other)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
