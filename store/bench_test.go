package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// eachStoreB is eachStore for benchmarks.
func eachStoreB(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) {
		fn(b, openB(b, "sqlite:"+filepath.Join(b.TempDir(), "bench.db")))
	})
	b.Run("postgres", func(b *testing.B) {
		fn(b, openB(b, testenv.PostgresURL(b)))
	})
}

func openB(b *testing.B, url string) *store.DB {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkPendingInbound reads the inbox's queue depth, the gauge every
// /metrics scrape asks for, over a history of 10,000 handled messages and
// 10 pending ones: its cost must follow the queue, not the history.
func BenchmarkPendingInbound(b *testing.B) {
	eachStoreB(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		const handled, pending = 10000, 10
		evs := make([]concierge.Event, 0, 500)
		for i := range handled + pending {
			evs = append(evs, textEvent(fmt.Sprint("chat", i%200), fmt.Sprint("k", i), "bonjour"))
			if len(evs) == cap(evs) || i == handled-1 || i == handled+pending-1 {
				if _, err := db.Ingest(ctx, evs); err != nil {
					b.Fatal(err)
				}
				evs = evs[:0]
			}
			if i == handled-1 {
				for done := 0; done < handled; {
					n, _, err := db.RunTurns(ctx, 1000, func(context.Context, concierge.Tx, *concierge.Conversation, *concierge.Event) error { return nil }, nil)
					if err != nil {
						b.Fatal(err)
					}
					done += n
				}
			}
		}
		for b.Loop() {
			n, err := db.PendingInbound(ctx)
			if err != nil || n != pending {
				b.Fatalf("PendingInbound = %d, %v; want %d", n, err, pending)
			}
		}
	})
}
