package store_test

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestStocks reads many products' stock at once and compares it with one
// Stock call each: lists shorter than a batch, longer (two queries),
// repeated SKUs, a SKU without a row, and another bot's product of the
// same name.
func TestStocks(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var products []concierge.Product
		for i := range 27 {
			products = append(products, concierge.Product{SKU: concierge.SKU(fmt.Sprintf("P-%02d", i)), Stock: i * 3})
		}
		if err := db.SeedStock(ctx, "shop", products); err != nil {
			t.Fatal(err)
		}
		if err := db.SeedStock(ctx, "other", []concierge.Product{{SKU: "P-01", Stock: 500}}); err != nil {
			t.Fatal(err)
		}
		all := make([]concierge.SKU, 0, len(products)+1)
		for _, p := range products {
			all = append(all, p.SKU)
		}
		all = append(all, "NONE")
		for _, tc := range []struct {
			name string
			skus []concierge.SKU
		}{
			{"one", all[:1]},
			{"five", all[3:8]},
			{"a batch", all[:20]},
			{"two queries", all},
			{"repeats", []concierge.SKU{"P-04", "P-04", "P-01", "NONE"}},
			{"none", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := db.InTx(ctx, func(tx *store.Tx) error {
					got, err := tx.Stocks(ctx, "shop", tc.skus)
					if err != nil {
						return err
					}
					want := map[concierge.SKU]int{}
					for _, s := range tc.skus {
						n, err := tx.Stock(ctx, "shop", s)
						if err != nil {
							return err
						}
						want[s] = n
					}
					if !maps.Equal(got, want) {
						t.Errorf("Stocks = %v, want %v", got, want)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}
