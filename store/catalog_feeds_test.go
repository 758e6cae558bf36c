package store_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestCatalogFeeds: a url source's last good copy round-trips by bot and
// source, a copy fetched earlier (a slower replica) never replaces a later
// one, and a 304 moves fetched_at only for the copy it confirms.
func TestCatalogFeeds(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		src := "https://shop.example.com/feed.json"
		if _, ok, err := db.CatalogFeed(ctx, "shop", src); err != nil || ok {
			t.Fatalf("before any save: ok %v, err %v", ok, err)
		}
		t1 := time.UnixMilli(1800000000000).UTC()
		v1 := concierge.CatalogFeedCopy{Source: src, Body: []byte{0x1f, 0x8b, 0, 1}, ETag: `"v1"`, LastModified: "Mon, 07 Dec 2026 04:00:00 GMT", FetchedAt: t1}
		if _, err := db.SaveCatalogFeed(ctx, "shop", v1); err != nil {
			t.Fatal(err)
		}
		got, ok, err := db.CatalogFeed(ctx, "shop", src)
		if err != nil || !ok || !bytes.Equal(got.Body, v1.Body) || got.ETag != v1.ETag || got.LastModified != v1.LastModified || !got.FetchedAt.Equal(t1) {
			t.Fatalf("got %+v, %v, %v; want %+v", got, ok, err, v1)
		}
		if _, ok, _ := db.CatalogFeed(ctx, "other", src); ok {
			t.Fatal("another bot sees shop's copy")
		}

		v2 := v1
		v2.Body, v2.ETag, v2.FetchedAt = []byte("v2"), `"v2"`, t1.Add(time.Minute)
		if _, err := db.SaveCatalogFeed(ctx, "shop", v2); err != nil {
			t.Fatal(err)
		}
		stale := v1
		stale.FetchedAt = t1.Add(30 * time.Second)
		if _, err := db.SaveCatalogFeed(ctx, "shop", stale); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := db.CatalogFeed(ctx, "shop", src); string(got.Body) != "v2" || !got.FetchedAt.Equal(v2.FetchedAt) {
			t.Fatalf("an older read replaced a newer one: %+v", got)
		}

		// A 304 answered to v1's validators does not confirm v2.
		touch := v1
		touch.FetchedAt = t1.Add(time.Hour)
		if err := db.TouchCatalogFeed(ctx, "shop", touch); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := db.CatalogFeed(ctx, "shop", src); !got.FetchedAt.Equal(v2.FetchedAt) {
			t.Fatalf("a 304 for v1 moved v2's fetched_at to %v", got.FetchedAt)
		}
		touch = v2
		touch.FetchedAt = t1.Add(time.Hour)
		if err := db.TouchCatalogFeed(ctx, "shop", touch); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := db.CatalogFeed(ctx, "shop", src); string(got.Body) != "v2" || !got.FetchedAt.Equal(touch.FetchedAt) {
			t.Fatalf("after a 304: %+v", got)
		}
	})
}

// TestCatalogFeedClaims: of replicas racing to fetch a stale url source
// exactly one claims it; a live claim, a copy fetched within the interval
// and a failure within the retry wait each refuse a claim; a save, a 304
// and a failure end the claim; a claim or a failure before any good read
// is not a copy; and each good read stored moves the version other
// replicas compare with theirs.
func TestCatalogFeedClaims(t *testing.T) {
	eachReplicaPair(t, func(t *testing.T, a, b *store.DB) {
		ctx := context.Background()
		src := "https://shop.example.com/feed.json"
		t0 := time.UnixMilli(1800000000000).UTC()
		claim := func(db *store.DB, now time.Time) bool {
			t.Helper()
			ok, err := db.ClaimCatalogFeed(ctx, "shop", src, now, now.Add(-time.Hour), now.Add(-time.Minute), now.Add(2*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}

		// Eight claims at once from two replicas, before any copy.
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range 8 {
			db := []*store.DB{a, b}[i%2]
			wg.Go(func() {
				ok, err := db.ClaimCatalogFeed(ctx, "shop", src, t0, t0.Add(-time.Hour), t0.Add(-time.Minute), t0.Add(2*time.Minute))
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d replicas claimed the fetch, want 1", won)
		}
		if _, ok, err := a.CatalogFeed(ctx, "shop", src); ok || err != nil {
			t.Fatalf("a claim reads as a copy: %v, %v", ok, err)
		}
		if claim(b, t0.Add(time.Minute)) {
			t.Fatal("claimed while another claim is live")
		}
		if !claim(b, t0.Add(3*time.Minute)) {
			t.Fatal("an expired claim (its replica died) was not taken over")
		}

		// The fetch fails: the claim ends, the failure is shared, and
		// the retry waits a minute.
		failed := t0.Add(3*time.Minute + time.Second)
		if err := b.FailCatalogFeed(ctx, "shop", src, failed, "HTTP 500"); err != nil {
			t.Fatal(err)
		}
		states, err := a.CatalogFeedStates(ctx, "shop")
		if err != nil || len(states) != 1 || states[0].Version != 0 || states[0].LastError != "HTTP 500" || !states[0].CheckedAt.Equal(failed) {
			t.Fatalf("states after a failure: %+v, %v", states, err)
		}
		if claim(a, failed.Add(30*time.Second)) {
			t.Fatal("claimed within the retry wait")
		}
		if !claim(a, failed.Add(time.Minute+time.Millisecond)) {
			t.Fatal("no retry after the retry wait")
		}

		// A good read ends the claim; within its interval nobody claims.
		got := failed.Add(time.Minute + time.Second)
		v, err := a.SaveCatalogFeed(ctx, "shop", concierge.CatalogFeedCopy{Source: src, Body: []byte("v1"), ETag: `"v1"`, FetchedAt: got})
		if err != nil || v != 1 {
			t.Fatalf("first save: version %d, %v", v, err)
		}
		cp, ok, err := b.CatalogFeed(ctx, "shop", src)
		if err != nil || !ok || cp.Version != 1 || cp.LastError != "" || !cp.CheckedAt.Equal(got) {
			t.Fatalf("the copy: %+v, %v, %v", cp, ok, err)
		}
		if claim(b, got.Add(59*time.Minute)) {
			t.Fatal("claimed a copy fresher than the interval")
		}
		if !claim(b, got.Add(61*time.Minute)) {
			t.Fatal("a stale copy was not claimed")
		}
		// A 304 ends it too, keeping the version.
		touched := got.Add(61 * time.Minute)
		if err := b.TouchCatalogFeed(ctx, "shop", concierge.CatalogFeedCopy{Source: src, ETag: `"v1"`, FetchedAt: touched}); err != nil {
			t.Fatal(err)
		}
		if claim(a, touched.Add(time.Minute)) {
			t.Fatal("claimed right after a 304")
		}
		if !claim(a, touched.Add(61*time.Minute)) {
			t.Fatal("no claim an interval after the 304")
		}
		v, err = a.SaveCatalogFeed(ctx, "shop", concierge.CatalogFeedCopy{Source: src, Body: []byte("v2"), ETag: `"v2"`, FetchedAt: touched.Add(61 * time.Minute)})
		if err != nil || v != 2 {
			t.Fatalf("second save: version %d, %v", v, err)
		}
		// A slower replica's older read is not stored and says so.
		if v, err := b.SaveCatalogFeed(ctx, "shop", concierge.CatalogFeedCopy{Source: src, Body: []byte("old"), FetchedAt: touched}); err != nil || v != 0 {
			t.Fatalf("an older read: version %d, %v", v, err)
		}
		if cp, _, _ := b.CatalogFeed(ctx, "shop", src); string(cp.Body) != "v2" || cp.Version != 2 {
			t.Fatalf("after an older read: %+v", cp)
		}
	})
}
