package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestFeedCreation: of replicas racing to create an ACP feed exactly one
// claims it; while its claim is live nobody else does, and the id it
// stores is what every later claim returns. A failure is waited out for
// the retry period; a claim that ran out lets another replica create, and
// should both then store an id the first stored wins for both. Rows are
// per bot, language and Feed API. Both databases.
func TestFeedCreation(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.UnixMilli(1_700_000_000_000).UTC()
		lease := now.Add(5 * time.Minute)
		var won atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				id, ok, err := db.ClaimFeedCreation(ctx, "shop", "fr", "api1", now, now.Add(-time.Minute), lease)
				if err != nil || id != "" {
					t.Errorf("claim: %q %v", id, err)
				}
				if ok {
					won.Add(1)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d replicas claimed the creation, want 1", won.Load())
		}
		// Another language and another Feed API are other feeds.
		for _, k := range [][2]string{{"en", "api1"}, {"fr", "api2"}} {
			if _, ok, err := db.ClaimFeedCreation(ctx, "shop", concierge.Locale(k[0]), k[1], now, now.Add(-time.Minute), lease); err != nil || !ok {
				t.Errorf("%v: claimed %v %v, want its own row", k, ok, err)
			}
		}
		// A failure is waited out for the retry period.
		if err := db.FailedFeedCreation(ctx, "shop", "fr", "api1", now, "acp feed api: 400 invalid_target_country"); err != nil {
			t.Fatal(err)
		}
		later := now.Add(30 * time.Second)
		if _, ok, _ := db.ClaimFeedCreation(ctx, "shop", "fr", "api1", later, later.Add(-time.Minute), later.Add(5*time.Minute)); ok {
			t.Error("claimed within the retry period of a failure")
		}
		if st, _ := db.CreatedFeedState(ctx, "shop", "fr", "api1"); st.LastError == "" || !st.FailedAt.Equal(now) {
			t.Errorf("after the failure: %+v", st)
		}
		later = now.Add(2 * time.Minute)
		if _, ok, _ := db.ClaimFeedCreation(ctx, "shop", "fr", "api1", later, later.Add(-time.Minute), later.Add(5*time.Minute)); !ok {
			t.Fatal("not claimed after the retry period")
		}
		// The claim runs out (a replica died mid-POST): another claims it;
		// both then store an id, and the first stored is both's.
		last := later.Add(6 * time.Minute)
		if _, ok, _ := db.ClaimFeedCreation(ctx, "shop", "fr", "api1", last, last.Add(-time.Minute), last.Add(5*time.Minute)); !ok {
			t.Fatal("not claimed after the claim ran out")
		}
		if id, err := db.CreatedFeed(ctx, "shop", "fr", "api1", "feed_b", last); err != nil || id != "feed_b" {
			t.Fatalf("created: %q %v", id, err)
		}
		if id, err := db.CreatedFeed(ctx, "shop", "fr", "api1", "feed_a", last); err != nil || id != "feed_b" {
			t.Fatalf("the late creator: %q %v, want feed_b", id, err)
		}
		if id, ok, err := db.ClaimFeedCreation(ctx, "shop", "fr", "api1", last.Add(time.Hour), last, last.Add(time.Hour)); err != nil || ok || id != "feed_b" {
			t.Fatalf("after the creation: %q %v %v, want feed_b and no claim", id, ok, err)
		}
		if st, _ := db.CreatedFeedState(ctx, "shop", "fr", "api1"); st.FeedID != "feed_b" || st.LastError != "" || !st.CreatedAt.Equal(last) {
			t.Errorf("stored: %+v", st)
		}
	})
}
