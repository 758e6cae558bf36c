package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge/store"
)

// TestAgentFlights: of replicas racing to claim an agent's request, one
// wins and the others are told the request's hash; a release by another
// token frees nothing; the claim lasts while its holder renews it and
// runs out when it does not; a replica that dies has its claims reaped at
// once. SQLite and PostgreSQL, two stores on one database.
func TestAgentFlights(t *testing.T) {
	eachReplicaPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		now := time.Unix(1_800_000_000, 0)
		a.SetClock(func() time.Time { return now })
		b.SetClock(func() time.Time { return now })
		const lease = time.Minute

		var mu sync.Mutex
		var wg sync.WaitGroup
		var won []string
		var owner *store.DB
		busy := 0
		for i := range 6 {
			db := a
			if i%2 == 1 {
				db = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok, hash, err := db.ClaimAgentFlight(ctx, "shop/acp/k", "key-1", "h1", lease)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					t.Error(err)
				case tok != "":
					won, owner = append(won, tok), db
				case hash == "h1":
					busy++
				default:
					t.Errorf("busy with hash %q, want h1", hash)
				}
			}()
		}
		wg.Wait()
		if len(won) != 1 || busy != 5 {
			t.Fatalf("%d claims won, %d told busy; want 1 and 5", len(won), busy)
		}
		if tok, _, _ := b.ClaimAgentFlight(ctx, "shop/acp/other", "key-1", "h1", lease); tok == "" {
			t.Fatal("the same key in another scope was busy")
		} else if err := b.ReleaseAgentFlight(ctx, "shop/acp/other", "key-1", tok); err != nil {
			t.Fatal(err)
		}
		if err := b.ReleaseAgentFlight(ctx, "shop/acp/k", "key-1", "not-the-owner"); err != nil {
			t.Fatal(err)
		}
		if tok, _, _ := b.ClaimAgentFlight(ctx, "shop/acp/k", "key-1", "h2", lease); tok != "" {
			t.Fatal("a release by another token freed the claim")
		}

		// The holder renews its claim while the work runs.
		now = now.Add(40 * time.Second)
		if r, err := owner.RenewLeases(ctx, 0); err != nil || r.Renewed != 1 {
			t.Fatalf("renew: %+v %v", r, err)
		}
		now = now.Add(40 * time.Second) // past the first lease, within the renewed one
		if tok, _, _ := a.ClaimAgentFlight(ctx, "shop/acp/k", "key-1", "h1", lease); tok != "" {
			t.Fatal("a renewed claim was taken over")
		}
		if err := owner.ReleaseAgentFlight(ctx, "shop/acp/k", "key-1", won[0]); err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.ClaimAgentFlight(ctx, "shop/acp/k", "key-1", "h1", lease)
		if err != nil || tok == "" {
			t.Fatalf("after its release: %q %v", tok, err)
		}

		// Unrenewed, it runs out.
		now = now.Add(lease)
		if tok, _, _ := b.ClaimAgentFlight(ctx, "shop/acp/k", "key-1", "h3", lease); tok == "" {
			t.Fatal("a claim past its lease was not taken over")
		}

		// A dead replica's claims are reaped with its other leases.
		if _, err := a.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
		if tok, _, _ := a.ClaimAgentFlight(ctx, "shop/acp/k", "key-2", "h1", lease); tok == "" {
			t.Fatal("a fresh key was busy")
		}
		now = now.Add(store.StaleAfter + time.Second)
		if ids, err := b.Reap(ctx, store.StaleAfter); err != nil || len(ids) != 1 {
			t.Fatalf("reap: %v %v", ids, err)
		}
		if tok, _, _ := b.ClaimAgentFlight(ctx, "shop/acp/k", "key-2", "h1", lease); tok == "" {
			t.Fatal("the dead replica's claim was not reaped")
		}
	})
}
