package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// eachStore runs fn against a fresh SQLite file and a fresh PostgreSQL
// schema: one suite, every implementation.
func eachStore(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, open(t, "sqlite:"+filepath.Join(t.TempDir(), "test.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, open(t, testenv.PostgresURL(t)))
	})
}

func open(t testing.TB, url string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ready(ctx); err == nil {
		t.Fatal("Ready before Migrate: want an error")
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("Ready after Migrate: %v", err)
	}
	return db
}

func textEvent(chat, key, text string) concierge.Event {
	return concierge.Event{Kind: concierge.EventText, Bot: "shop", Channel: concierge.ChannelWeb,
		Chat: concierge.ChatID(chat), User: chat, DedupeKey: key, Text: text, Time: time.Unix(1700000000, 0)}
}

func TestIngestDeduplicates(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, err := db.Ingest(ctx, []concierge.Event{textEvent("a", "k1", "hello"), textEvent("a", "k1", "hello again"), textEvent("a", "k2", "bye")})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Duplicate || !res[1].Duplicate || res[2].Duplicate {
			t.Fatalf("duplicates = %v %v %v, want false true false", res[0].Duplicate, res[1].Duplicate, res[2].Duplicate)
		}
		again, err := db.Ingest(ctx, []concierge.Event{textEvent("a", "k1", "retry")})
		if err != nil || !again[0].Duplicate {
			t.Fatalf("retry: %v, %+v; want duplicate", err, again)
		}
		if n, _ := db.PendingInbound(ctx); n != 2 {
			t.Fatalf("pending = %d, want 2", n)
		}
		if res[2].Seq <= res[0].Seq {
			t.Fatalf("seq not increasing: %d then %d", res[0].Seq, res[2].Seq)
		}
		if _, err := db.Ingest(ctx, []concierge.Event{textEvent("a", "", "no key")}); concierge.ErrorCode(err) != concierge.CodeInvalid {
			t.Fatalf("empty dedupe key: err = %v, want invalid", err)
		}
	})
}

func TestIngesterGroupCommit(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var commits int
		var mu sync.Mutex
		in := store.NewIngester(db, 64, func() { mu.Lock(); commits++; mu.Unlock() })
		go in.Run(ctx)
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				// Every key twice: each must be stored once.
				_, err := in.Ingest(ctx, []concierge.Event{textEvent(fmt.Sprint("c", i%10), fmt.Sprint("k", i%100), "x")})
				errs <- err
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := db.PendingInbound(ctx); n != 100 {
			t.Fatalf("pending = %d, want 100", n)
		}
		mu.Lock()
		defer mu.Unlock()
		if commits == 0 || commits > 200 {
			t.Fatalf("commits = %d", commits)
		}
	})
}

func TestRunTurnsOrderAndAtomicity(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var evs []concierge.Event
		for i := 0; i < 5; i++ {
			evs = append(evs, textEvent("a", fmt.Sprint("a", i), fmt.Sprint(i)), textEvent("b", fmt.Sprint("b", i), fmt.Sprint(i)))
		}
		evs = append(evs, textEvent("a", "boom", "boom"))
		if _, err := db.Ingest(ctx, evs); err != nil {
			t.Fatal(err)
		}
		seen := map[concierge.ChatID][]string{}
		done, failed, err := db.RunTurns(ctx, 100, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			seen[conv.Chat] = append(seen[conv.Chat], ev.Text)
			conv.Memory.FailedTurns++
			if _, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "re " + ev.Text}); err != nil {
				return err
			}
			if ev.Text == "boom" {
				return errors.New("brain exploded")
			}
			return nil
		}, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event, cause error) error {
			_, err := tx.Emit(ctx, conv, "system", concierge.Message{Kind: concierge.MessageText, Text: "sorry"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if done != 10 || failed != 1 {
			t.Fatalf("done, failed = %d, %d", done, failed)
		}
		for _, chat := range []concierge.ChatID{"a", "b"} {
			got := fmt.Sprint(seen[chat][:5])
			if got != "[0 1 2 3 4]" {
				t.Fatalf("chat %s handled %v, want in order", chat, got)
			}
		}
		conv, err := db.FindConversation(ctx, "shop", concierge.ChannelWeb, "a")
		if err != nil {
			t.Fatal(err)
		}
		if conv.Memory.FailedTurns != 5 {
			t.Fatalf("memory = %d: the failed turn's change must be undone", conv.Memory.FailedTurns)
		}
		tr, err := db.Transcript(ctx, "shop", concierge.ChannelWeb, "a", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var outs []string
		for _, e := range tr {
			if e.Dir == "out" {
				outs = append(outs, e.Message.Text)
			}
		}
		if got := fmt.Sprint(outs); got != "[re 0 re 1 re 2 re 3 re 4 sorry]" {
			t.Fatalf("outbound = %s: the failed turn's reply must be gone and the apology kept", got)
		}
		// Nothing left to do; a second run is a no-op.
		done, _, err = db.RunTurns(ctx, 100, func(context.Context, concierge.Tx, *concierge.Conversation, *concierge.Event) error {
			t.Fatal("handled twice")
			return nil
		}, nil)
		if err != nil || done != 0 {
			t.Fatalf("second run: %d %v", done, err)
		}
	})
}

func TestOutboxOrderAndRetry(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Unix(1700000000, 0)
		db.SetClock(func() time.Time { return now })
		if _, err := db.Ingest(ctx, []concierge.Event{textEvent("a", "1", "hi")}); err != nil {
			t.Fatal(err)
		}
		_, _, err := db.RunTurns(ctx, 10, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			for i := 1; i <= 3; i++ {
				if _, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: fmt.Sprint("m", i)}); err != nil {
					return err
				}
			}
			return nil
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil || len(b) != 1 || len(b[0]) != 3 {
			t.Fatalf("claim: %v %+v", err, b)
		}
		first := b[0]
		if first[0].Message.Text != "m1" || first[2].Message.Text != "m3" || first[0].Chat != "a" {
			t.Fatalf("claimed %+v", first)
		}
		// While leased, nobody else gets the conversation.
		if b2, _ := db.ClaimOutbox(ctx, 10, time.Minute); len(b2) != 0 {
			t.Fatalf("claimed twice: %+v", b2)
		}
		// m1 fails: m2 and m3 must wait for it.
		err = db.FinishOutbox(ctx, []concierge.Delivery{{ID: first[0].ID, Conversation: first[0].Conversation, Status: concierge.DeliveryRetry, NextAttempt: now.Add(time.Second), Error: "503"}},
			[]concierge.ConversationID{first[0].Conversation})
		if err != nil {
			t.Fatal(err)
		}
		if b3, _ := db.ClaimOutbox(ctx, 10, time.Minute); len(b3) != 0 {
			t.Fatalf("claimed during backoff: %+v", b3)
		}
		now = now.Add(2 * time.Second)
		b4, err := db.ClaimOutbox(ctx, 10, time.Minute)
		if err != nil || len(b4) != 1 || b4[0][0].Message.Text != "m1" || b4[0][0].Attempts != 1 {
			t.Fatalf("after backoff: %v %+v", err, b4)
		}
		var res []concierge.Delivery
		for _, o := range b4[0] {
			res = append(res, concierge.Delivery{ID: o.ID, Conversation: o.Conversation, Status: concierge.DeliverySent})
		}
		if err := db.FinishOutbox(ctx, res, []concierge.ConversationID{first[0].Conversation}); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.PendingOutbound(ctx); n != 0 {
			t.Fatalf("pending outbound = %d", n)
		}
		// Queries built with id lists must not pile up in the cache.
		before := db.CachedStatements()
		for i := 0; i < 20; i++ {
			db.ClaimOutbox(ctx, 10, time.Minute)
		}
		if after := db.CachedStatements(); after > before+1 {
			t.Fatalf("statement cache grew from %d to %d", before, after)
		}
		// A dead sender's lease expires and the work is taken again.
		db.RunTurns(ctx, 10, nil, nil)
		if _, err := db.Ingest(ctx, []concierge.Event{textEvent("a", "2", "again")}); err != nil {
			t.Fatal(err)
		}
		db.RunTurns(ctx, 10, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "m4"})
			return err
		}, nil)
		if b5, _ := db.ClaimOutbox(ctx, 10, time.Minute); len(b5) != 1 {
			t.Fatal("m4 not claimed")
		}
		now = now.Add(61 * time.Second)
		if b6, _ := db.ClaimOutbox(ctx, 10, time.Minute); len(b6) != 1 || b6[0][0].Message.Text != "m4" {
			t.Fatalf("expired lease not reclaimed: %+v", b6)
		}
	})
}

func TestOrdersStockAndPayments(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		products := []concierge.Product{{SKU: "LAMP", Stock: 3}, {SKU: "BULB", Stock: 10}}
		if err := db.SeedStock(ctx, "shop", products); err != nil {
			t.Fatal(err)
		}
		products[0].Stock = 99 // a restart with another number keeps the live count
		if err := db.SeedStock(ctx, "shop", products); err != nil {
			t.Fatal(err)
		}
		res, _ := db.Ingest(ctx, []concierge.Event{textEvent("a", "1", "hi")})
		conv := res[0].Conversation
		eur := func(n int64) concierge.Money { return concierge.Money{Minor: n, Currency: "EUR"} }
		order := func(id string, lamps int) *concierge.Order {
			return &concierge.Order{ID: concierge.OrderID(id), Bot: "shop", Conversation: conv, State: concierge.OrderPending,
				Lines: []concierge.OrderLine{{SKU: "BULB", Quantity: 1, Unit: eur(500)}, {SKU: "LAMP", Quantity: lamps, Unit: eur(4900)}},
				Total: eur(500 + 4900*int64(lamps)), Provider: "sandbox",
				CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Minute)}
		}
		err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateOrder(ctx, order("O1", 2)) })
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateOrder(ctx, order("O2", 2)) })
		if !errors.Is(err, concierge.ErrOutOfStock) {
			t.Fatalf("over-reserving: err = %v, want ErrOutOfStock", err)
		}
		levels, _ := db.StockLevels(ctx, "shop")
		if levels["LAMP"] != 1 || levels["BULB"] != 9 {
			t.Fatalf("stock after one order and one refused = %v: all or nothing", levels)
		}
		pay := concierge.Payment{Order: "O1", Provider: "sandbox", ProviderRef: "evt_1", Amount: eur(10300), At: time.Now()}
		for i := 0; i < 3; i++ {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				fresh, err := tx.RecordPayment(ctx, pay)
				if err != nil {
					return err
				}
				if fresh != (i == 0) {
					return fmt.Errorf("notification %d: fresh = %v", i, fresh)
				}
				if !fresh {
					return nil
				}
				o, err := tx.Order(ctx, "O1")
				if err != nil {
					return err
				}
				return tx.TransitionOrder(ctx, o, concierge.OrderPaid)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		o, _ := db.GetOrder(ctx, "O1")
		if o.State != concierge.OrderPaid || o.PaidAt.IsZero() || o.Total.Minor != 10300 || len(o.Lines) != 2 {
			t.Fatalf("order = %+v", o)
		}
		ps, _ := db.Payments(ctx, "O1")
		if len(ps) != 1 {
			t.Fatalf("payments = %d, want exactly 1", len(ps))
		}
		// A paid order can't be cancelled; a pending one can, and gives its stock back.
		err = db.InTx(ctx, func(tx *store.Tx) error { return tx.TransitionOrder(ctx, o, concierge.OrderCancelled) })
		if !errors.Is(err, concierge.ErrBadTransition) {
			t.Fatalf("cancel paid: %v", err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateOrder(ctx, order("O3", 1)); err != nil {
				return err
			}
			exp, err := tx.ExpiredOrders(ctx, time.Now().Add(2*time.Minute), 10)
			if err != nil || len(exp) != 1 || exp[0].ID != "O3" {
				return fmt.Errorf("expired = %v %v", exp, err)
			}
			return tx.TransitionOrder(ctx, exp[0], concierge.OrderExpired)
		})
		if err != nil {
			t.Fatal(err)
		}
		levels, _ = db.StockLevels(ctx, "shop")
		if levels["LAMP"] != 1 || levels["BULB"] != 9 {
			t.Fatalf("stock after expiry = %v, want reservation released", levels)
		}
		counts, _ := db.OrderCounts(ctx)
		if counts[concierge.OrderPaid] != 1 || counts[concierge.OrderExpired] != 1 {
			t.Fatalf("counts = %v", counts)
		}
	})
}

func TestCart(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, _ := db.Ingest(ctx, []concierge.Event{textEvent("a", "1", "hi")})
		conv := res[0].Conversation
		err := db.InTx(ctx, func(tx *store.Tx) error {
			tx.SetCartLine(ctx, conv, "A", 2)
			tx.SetCartLine(ctx, conv, "B", 1)
			tx.SetCartLine(ctx, conv, "A", 3)
			tx.SetCartLine(ctx, conv, "B", 0)
			lines, err := tx.Cart(ctx, conv)
			if err != nil {
				return err
			}
			if fmt.Sprint(lines) != "[{A 3 <nil>}]" {
				return fmt.Errorf("cart = %v", lines)
			}
			return tx.ClearCart(ctx, conv)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestSetting(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, err := db.Setting(ctx, "k", func() (string, error) { return "first", nil })
		if err != nil {
			t.Fatal(err)
		}
		b, err := db.Setting(ctx, "k", func() (string, error) { return "second", nil })
		if err != nil || a != "first" || b != "first" {
			t.Fatalf("got %q, %q, %v; want the first value kept", a, b, err)
		}
	})
}

// TestTurnsInParallelAcrossReplicas: on PostgreSQL two runners (two
// replicas) work at once; while one is inside a turn of conversation A, the
// other handles B and C, and never touches A.
func TestTurnsInParallelAcrossReplicas(t *testing.T) {
	db := open(t, testenv.PostgresURL(t))
	ctx := context.Background()
	var evs []concierge.Event
	for _, chat := range []string{"a", "b", "c"} {
		evs = append(evs, textEvent(chat, chat+"1", "1"), textEvent(chat, chat+"2", "2"))
	}
	if _, err := db.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	inA := make(chan struct{})
	release := make(chan struct{})
	var mu sync.Mutex
	handled := map[concierge.ChatID][]string{}
	record := func(conv *concierge.Conversation, ev *concierge.Event) {
		mu.Lock()
		handled[conv.Chat] = append(handled[conv.Chat], ev.Text)
		mu.Unlock()
	}
	// Replica 1 takes one event (conversation a) and blocks inside it.
	done1 := make(chan error, 1)
	go func() {
		_, _, err := db.RunTurns(ctx, 1, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			record(conv, ev)
			if conv.Chat == "a" && ev.Text == "1" {
				close(inA)
				<-release
			}
			return nil
		}, nil)
		done1 <- err
	}()
	<-inA
	// Replica 2 meanwhile handles everything it can: b and c, not a.
	n, _, err := db.RunTurns(ctx, 100, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
		if conv.Chat == "a" {
			return fmt.Errorf("replica 2 got conversation a while replica 1 holds it")
		}
		record(conv, ev)
		return nil
	}, nil)
	if err != nil || n != 4 {
		t.Fatalf("replica 2 handled %d (%v), want b and c's 4 events", n, err)
	}
	close(release)
	if err := <-done1; err != nil {
		t.Fatal(err)
	}
	// Then a's second event, in order.
	if _, _, err := db.RunTurns(ctx, 100, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
		record(conv, ev)
		return nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	for _, chat := range []concierge.ChatID{"a", "b", "c"} {
		if got := fmt.Sprint(handled[chat]); got != "[1 2]" {
			t.Errorf("chat %s handled %s, want [1 2] in order", chat, got)
		}
	}
}

// TestClaimSkipsLeasedConversations: with some conversations leased, a
// claim still finds the others (the limit applies to claimable ones).
func TestClaimSkipsLeasedConversations(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var evs []concierge.Event
		for i := 0; i < 6; i++ {
			evs = append(evs, textEvent(fmt.Sprint("c", i), fmt.Sprint("k", i), "hi"))
		}
		if _, err := db.Ingest(ctx, evs); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.RunTurns(ctx, 100, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
			_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "re"})
			return err
		}, nil); err != nil {
			t.Fatal(err)
		}
		first, err := db.ClaimOutbox(ctx, 3, time.Minute)
		if err != nil || len(first) != 3 {
			t.Fatalf("first claim: %d %v", len(first), err)
		}
		second, err := db.ClaimOutbox(ctx, 3, time.Minute)
		if err != nil || len(second) != 3 {
			t.Fatalf("second claim found %d conversations (%v); the 3 unleased ones were hidden behind leased ones", len(second), err)
		}
	})
}

// TestIngesterWakesOnMediaOnly: the media callback runs after a commit
// that stored a new file, not after text, and not for a duplicate.
func TestIngesterWakesOnMediaOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var mu sync.Mutex
		media := 0
		in := store.NewIngester(db, 16, nil)
		in.WakeOnMedia(func() { mu.Lock(); media++; mu.Unlock() })
		go in.Run(ctx)
		woken := func() int { mu.Lock(); defer mu.Unlock(); return media }
		for _, step := range []struct {
			ev   concierge.Event
			want int
		}{
			{textEvent("w", "t1", "hello"), 0},
			{mediaEvent("w", "m1", "image:123456"), 1},
			{mediaEvent("w", "m1", "image:123456"), 1}, // a duplicate
		} {
			// Ingest returns after the commit and its callbacks' caller
			// has closed the request; the callback runs right after, in
			// the ingester's goroutine, before it takes the next batch.
			if _, err := in.Ingest(ctx, []concierge.Event{step.ev}); err != nil {
				t.Fatal(err)
			}
			if _, err := in.Ingest(ctx, []concierge.Event{textEvent("w2", step.ev.DedupeKey+"-sync", "x")}); err != nil {
				t.Fatal(err)
			}
			if got := woken(); got != step.want {
				t.Fatalf("after %s %s: media woken %d times, want %d", step.ev.Kind, step.ev.DedupeKey, got, step.want)
			}
		}
	})
}
