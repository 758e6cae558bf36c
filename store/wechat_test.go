package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/conciergehq/concierge/store"
)

// TestWeChatTokens: one replica at a time holds the refresh lease; the
// token it saves is what the others load; a token WeChat refused is
// dropped only if it is still the stored one.
func TestWeChatTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.UnixMilli(1_700_000_000_000).UTC()
		if tok, _, err := db.LoadAccessToken(ctx, "wx1"); err != nil || tok != "" {
			t.Fatalf("empty: %q %v", tok, err)
		}
		if ok, err := db.LeaseAccessToken(ctx, "wx1", now, now.Add(30*time.Second)); err != nil || !ok {
			t.Fatalf("first lease: %v %v", ok, err)
		}
		if ok, _ := db.LeaseAccessToken(ctx, "wx1", now.Add(time.Second), now.Add(31*time.Second)); ok {
			t.Fatal("a second replica got the lease")
		}
		if err := db.SaveAccessToken(ctx, "wx1", "T1", now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if tok, exp, _ := db.LoadAccessToken(ctx, "wx1"); tok != "T1" || !exp.Equal(now.Add(2*time.Hour)) {
			t.Fatalf("load: %q %v", tok, exp)
		}
		if ok, _ := db.LeaseAccessToken(ctx, "wx1", now.Add(time.Second), now.Add(31*time.Second)); !ok {
			t.Fatal("the lease was not released by the save")
		}
		db.DropAccessToken(ctx, "wx1", "OLD")
		if tok, _, _ := db.LoadAccessToken(ctx, "wx1"); tok != "T1" {
			t.Fatal("dropping another token dropped the stored one")
		}
		db.DropAccessToken(ctx, "wx1", "T1")
		if tok, _, _ := db.LoadAccessToken(ctx, "wx1"); tok != "" {
			t.Fatal("not dropped")
		}
	})
}
