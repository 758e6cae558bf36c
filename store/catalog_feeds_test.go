package store_test

import (
	"bytes"
	"context"
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
		if err := db.SaveCatalogFeed(ctx, "shop", v1); err != nil {
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
		if err := db.SaveCatalogFeed(ctx, "shop", v2); err != nil {
			t.Fatal(err)
		}
		stale := v1
		stale.FetchedAt = t1.Add(30 * time.Second)
		if err := db.SaveCatalogFeed(ctx, "shop", stale); err != nil {
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
