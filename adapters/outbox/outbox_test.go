package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/adapters/outbox"
	"github.com/conciergehq/concierge/store"
)

// flaky is a platform that refuses some sends and records what it got.
type flaky struct {
	mu                    sync.Mutex
	got                   map[concierge.ChatID][]string
	failures              map[string]int // text → how many times to fail first
	blocked               map[concierge.ChatID]bool
	delay                 time.Duration
	inFlight, maxInFlight int
}

func (f *flaky) Send(ctx context.Context, m *concierge.Outbound) error {
	f.mu.Lock()
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inFlight--
	if f.blocked[m.Chat] {
		return fmt.Errorf("403 bot was blocked: %w", concierge.ErrUndeliverable)
	}
	if f.failures[m.Message.Text] > 0 {
		f.failures[m.Message.Text]--
		return errors.New("503 service unavailable")
	}
	f.got[m.Chat] = append(f.got[m.Chat], m.Message.Text)
	return nil
}

func setup(t *testing.T, chats int, perChat int) *store.DB {
	db := openStore(t, "sqlite:"+filepath.Join(t.TempDir(), "o.db"))
	seed(t, db, chats, perChat)
	return db
}

// openStore opens and migrates the store at url.
func openStore(t *testing.T, url string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// seed makes perChat replies due in each of chats conversations.
func seed(t *testing.T, db *store.DB, chats int, perChat int) {
	t.Helper()
	ctx := context.Background()
	var evs []concierge.Event
	for c := 0; c < chats; c++ {
		evs = append(evs, concierge.Event{Kind: concierge.EventText, Bot: "shop", Channel: concierge.ChannelWeb,
			Chat: concierge.ChatID(fmt.Sprint("c", c)), DedupeKey: fmt.Sprint("k", c), Text: "hi"})
	}
	if _, err := db.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	_, _, err := db.RunTurns(ctx, 10000, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
		for i := 1; i <= perChat; i++ {
			if _, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: fmt.Sprint("m", i)}); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, db *store.DB, f *flaky, cfg outbox.Config) {
	ctx, cancel := context.WithCancel(context.Background())
	d := outbox.New(db, func(concierge.BotID, concierge.Channel) concierge.Sender { return f }, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := db.PendingOutbound(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still pending", n)
		}
		d.Wake()
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestRetriesKeepOrder(t *testing.T) {
	db := setup(t, 3, 4)
	f := &flaky{got: map[concierge.ChatID][]string{}, failures: map[string]int{"m2": 2}, blocked: map[concierge.ChatID]bool{"c2": true}}
	run(t, db, f, outbox.Config{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Poll: 2 * time.Millisecond})
	for _, c := range []concierge.ChatID{"c0", "c1"} {
		if got := fmt.Sprint(f.got[c]); got != "[m1 m2 m3 m4]" {
			t.Errorf("chat %s received %s: order broken or message lost", c, got)
		}
	}
	if len(f.got["c2"]) != 0 {
		t.Errorf("blocked chat received %v", f.got["c2"])
	}
	conv, err := db.FindConversation(context.Background(), "shop", concierge.ChannelWeb, "c2")
	if err != nil || !conv.Undeliverable {
		t.Fatalf("blocked conversation not marked undeliverable: %+v %v", conv, err)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	db := setup(t, 1, 2)
	f := &flaky{got: map[concierge.ChatID][]string{}, failures: map[string]int{"m1": 1000}}
	run(t, db, f, outbox.Config{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, Poll: 2 * time.Millisecond, MaxAttempts: 3})
	// m1 failed for good and is reported as failed; m2 goes out after it.
	if got := fmt.Sprint(f.got["c0"]); got != "[m2]" {
		t.Fatalf("received %s", got)
	}
}

// TestSlowPlatformDoesNotSerialise: with a platform that takes 50 ms per
// call, 200 conversations are sent to concurrently, not one after another.
func TestSlowPlatformDoesNotSerialise(t *testing.T) {
	db := setup(t, 200, 1)
	f := &flaky{got: map[concierge.ChatID][]string{}, delay: 50 * time.Millisecond}
	run(t, db, f, outbox.Config{Poll: 2 * time.Millisecond})
	if f.maxInFlight < 50 {
		t.Fatalf("at most %d sends in flight; sends wait in line", f.maxInFlight)
	}
	if len(f.got) != 200 {
		t.Fatalf("%d conversations received", len(f.got))
	}
}

// blocking is a platform (or a rate limiter) that never answers.
type blocking struct{ started chan struct{} }

func (b *blocking) Send(ctx context.Context, m *concierge.Outbound) error {
	select {
	case b.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

// TestShutdownDoesNotWaitForever: sends still waiting after the grace
// period are cut short, and their messages stay pending, not failed.
func TestShutdownDoesNotWaitForever(t *testing.T) {
	db := setup(t, 3, 2)
	b := &blocking{started: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	d := outbox.New(db, func(concierge.BotID, concierge.Channel) concierge.Sender { return b },
		outbox.Config{Poll: 2 * time.Millisecond, Grace: 50 * time.Millisecond, SendTimeout: time.Hour},
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	<-b.started
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the grace period")
	}
	if n, _ := db.PendingOutbound(context.Background()); n != 6 {
		t.Fatalf("%d pending, want all 6 still pending", n)
	}
	// Due again at once on the next start.
	again, err := db.ClaimOutbox(context.Background(), 10, time.Minute)
	if err != nil || len(again) != 3 {
		t.Fatalf("claim after restart: %d conversations, %v", len(again), err)
	}
	for _, msgs := range again {
		if msgs[0].Attempts != 0 {
			t.Fatalf("an interrupted send used an attempt: %+v", msgs[0])
		}
	}
}
