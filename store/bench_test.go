package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// eachStoreB is eachStore for benchmarks.
func eachStoreB(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) {
		fn(b, open(b, "sqlite:"+filepath.Join(b.TempDir(), "bench.db")))
	})
	b.Run("postgres", func(b *testing.B) {
		fn(b, open(b, testenv.PostgresURL(b)))
	})
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
		// The first read opens a read connection (and, on SQLite, reads
		// the schema): not the gauge's cost.
		if _, err := db.PendingInbound(ctx); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			n, err := db.PendingInbound(ctx)
			if err != nil || n != pending {
				b.Fatalf("PendingInbound = %d, %v; want %d", n, err, pending)
			}
		}
	})
}

// BenchmarkOutboxClaimFinish is the outbox's side of a reply: each
// iteration claims the pending replies of 32 conversations and records
// them sent, the two transactions whose statements bind a list of ids,
// beside 1,000 replies of 200 other conversations that are still being
// sent (leased, pending). The replies are written outside the timer and
// the CPU count.
func BenchmarkOutboxClaimFinish(b *testing.B) {
	eachStoreB(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		const convs, inFlight, each = 32, 200, 5
		var evs []concierge.Event
		for i := range inFlight + convs {
			evs = append(evs, textEvent(fmt.Sprint("chat", i), fmt.Sprint("k", i), "bonjour"))
		}
		if _, err := db.Ingest(ctx, evs); err != nil {
			b.Fatal(err)
		}
		var open []*concierge.Conversation
		if _, _, err := db.RunTurns(ctx, len(evs), func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, _ *concierge.Event) error {
			if len(open) < convs {
				c := *conv
				open = append(open, &c)
				return nil
			}
			for range each {
				if _, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "en cours"}); err != nil {
					return err
				}
			}
			return nil
		}, nil); err != nil {
			b.Fatal(err)
		}
		if batch, err := db.ClaimOutbox(ctx, inFlight, time.Hour); err != nil || len(batch) != inFlight {
			b.Fatalf("in flight: %d conversations claimed, %v; want %d", len(batch), err, inFlight)
		}
		var cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			err := db.InTx(ctx, func(tx *store.Tx) error {
				for _, c := range open {
					if _, err := tx.Emit(ctx, c, "bot", concierge.Message{Kind: concierge.MessageText, Text: "bonjour !"}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			cpu0 := testenv.CPUTime()
			batch, err := db.ClaimOutbox(ctx, 64, time.Minute)
			if err != nil || len(batch) != convs {
				b.Fatalf("claimed %d conversations, %v; want %d", len(batch), err, convs)
			}
			var res []concierge.Delivery
			ids := make([]concierge.ConversationID, 0, convs)
			for _, msgs := range batch {
				ids = append(ids, msgs[0].Conversation)
				for _, o := range msgs {
					res = append(res, concierge.Delivery{ID: o.ID, Conversation: o.Conversation, Status: concierge.DeliverySent})
				}
			}
			if err := db.FinishOutbox(ctx, res, ids); err != nil {
				b.Fatal(err)
			}
			cpu += testenv.CPUTime() - cpu0
		}
		// CPU time, this process's: on SQLite all of the work, on
		// PostgreSQL the client's side. The wall time is mostly fsync.
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	})
}

// BenchmarkSeedStock seeds the stock of 10,000 products that all have a
// row already, what every start of a 10k-product shop does.
func BenchmarkSeedStock(b *testing.B) {
	eachStoreB(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		products := make([]concierge.Product, 10000)
		for i := range products {
			products[i] = concierge.Product{SKU: concierge.SKU(fmt.Sprintf("SKU-%05d", i)), Stock: i % 50}
		}
		if err := db.SeedStock(ctx, "shop", products); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := db.SeedStock(ctx, "shop", products); err != nil {
				b.Fatal(err)
			}
		}
	})
}
