package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge/store"
)

// TestNamedLeases: of replicas racing for a lease exactly one wins; it is
// held until released by its own token or until it runs out; leases of
// other names are independent.
func TestNamedLeases(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.UnixMilli(1_700_000_000_000).UTC()
		db.SetClock(func() time.Time { return now })

		var mu sync.Mutex
		var wg sync.WaitGroup
		winners := []string{}
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok, ok, err := db.TakeLease(ctx, "wechatpay-reconcile:A", 30*time.Second)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					winners = append(winners, tok)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("%d replicas won the lease, want 1", len(winners))
		}
		if _, ok, _ := db.TakeLease(ctx, "wechatpay-reconcile:B", 30*time.Second); !ok {
			t.Fatal("another name's lease was not free")
		}
		if err := db.ReleaseLease(ctx, "wechatpay-reconcile:A", "not-the-owner"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := db.TakeLease(ctx, "wechatpay-reconcile:A", 30*time.Second); ok {
			t.Fatal("a release by another token freed the lease")
		}
		if err := db.ReleaseLease(ctx, "wechatpay-reconcile:A", winners[0]); err != nil {
			t.Fatal(err)
		}
		tok, ok, _ := db.TakeLease(ctx, "wechatpay-reconcile:A", 30*time.Second)
		if !ok {
			t.Fatal("not free after its owner released it")
		}
		now = now.Add(29 * time.Second)
		if _, ok, _ := db.TakeLease(ctx, "wechatpay-reconcile:A", 30*time.Second); ok {
			t.Fatal("taken over before it ran out")
		}
		now = now.Add(time.Second)
		tok2, ok, _ := db.TakeLease(ctx, "wechatpay-reconcile:A", 30*time.Second)
		if !ok || tok2 == tok {
			t.Fatalf("not taken over once it ran out: %v", ok)
		}
		db.ReleaseLease(ctx, "wechatpay-reconcile:A", tok) // the old owner, late
		if _, ok, _ := db.TakeLease(ctx, "wechatpay-reconcile:A", 30*time.Second); ok {
			t.Fatal("the old owner's late release freed the new owner's lease")
		}
	})
}
