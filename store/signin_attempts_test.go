package store_test

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// TestSignInFailures: failures are counted per key within a window,
// cleared per key, and the ones older than the window are deleted when
// new ones are written.
func TestSignInFailures(t *testing.T) {
	eachStore(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		window := 15 * time.Minute
		fail := func(at time.Time, keys ...string) {
			t.Helper()
			if err := db.RecordSignInFailure(ctx, keys, at, at.Add(-window)); err != nil {
				t.Fatal(err)
			}
		}
		count := func(key string, since time.Time) int {
			t.Helper()
			n, err := db.SignInFailures(ctx, key, since)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		fail(t0, "ip:192.0.2.1", "name:alice")
		fail(t0.Add(time.Minute), "ip:192.0.2.1", "name:bob")
		fail(t0.Add(2*time.Minute), "ip:192.0.2.2", "name:alice")

		now := t0.Add(5 * time.Minute)
		for _, c := range []struct {
			key   string
			since time.Time
			want  int
		}{
			{"ip:192.0.2.1", now.Add(-window), 2},
			{"ip:192.0.2.2", now.Add(-window), 1},
			{"name:alice", now.Add(-window), 2},
			{"name:bob", now.Add(-window), 1},
			{"name:carol", now.Add(-window), 0},
			// Only what is inside the window counts.
			{"ip:192.0.2.1", t0.Add(30 * time.Second), 1},
			{"name:alice", t0.Add(2 * time.Minute), 1},
		} {
			if got := count(c.key, c.since); got != c.want {
				t.Errorf("%s since %s: %d failures, want %d", c.key, c.since.Format(time.TimeOnly), got, c.want)
			}
		}

		// A successful sign-in clears the name's failures, not the
		// address's nor anyone else's.
		if err := db.ClearSignInFailures(ctx, "name:alice"); err != nil {
			t.Fatal(err)
		}
		if got := count("name:alice", time.Time{}); got != 0 {
			t.Errorf("alice after clearing: %d failures, want 0", got)
		}
		if got := count("ip:192.0.2.1", time.Time{}); got != 2 {
			t.Errorf("192.0.2.1 after clearing alice: %d failures, want 2", got)
		}
		if got := count("name:bob", time.Time{}); got != 1 {
			t.Errorf("bob after clearing alice: %d failures, want 1", got)
		}

		// A failure written after the window has passed deletes every
		// older row: counted from the beginning of time, only the new
		// one is left.
		later := t0.Add(time.Minute + window + time.Second)
		fail(later, "ip:192.0.2.3", "name:dan")
		for key, want := range map[string]int{"ip:192.0.2.1": 0, "name:bob": 0, "ip:192.0.2.2": 1, "ip:192.0.2.3": 1, "name:dan": 1} {
			if got := count(key, time.Time{}); got != want {
				t.Errorf("%s after pruning: %d rows, want %d", key, got, want)
			}
		}
	})
}

// TestListenInbox: on PostgreSQL the listener hears a committed change
// the inbox shows (a note, a hand-off, a message of a waiting
// conversation), nothing from a rolled-back one or from a message of a
// conversation the bot has, and it hears again after its connection is
// killed.
func TestListenInbox(t *testing.T) {
	url := testenv.PostgresURL(t)
	db := open(t, url)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	wake := make(chan struct{}, 100)
	go func() {
		defer close(done)
		db.ListenInbox(ctx, func() { wake <- struct{}{} }, slog.New(slog.DiscardHandler))
	}()
	pid := listenerPID(t, url, 0)

	expect := func(what string, want bool) {
		t.Helper()
		select {
		case <-wake:
			if !want {
				t.Fatalf("%s: the listener was woken, want silence", what)
			}
		case <-time.After(map[bool]time.Duration{true: 5 * time.Second, false: 500 * time.Millisecond}[want]):
			if want {
				t.Fatalf("%s: no notification within 5 s", what)
			}
		}
		for len(wake) > 0 { // one statement may notify more than once
			<-wake
		}
	}
	// A message of a conversation the bot has is no news for people.
	if _, err := db.Ingest(ctx, []concierge.Event{textEvent("c1", "k1", "hello")}); err != nil {
		t.Fatal(err)
	}
	expect("a message of a bot conversation", false)
	conv := handOff(t, db, "c2", "k2")
	expect("a hand-off", true)

	rollback := context.Canceled
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.AddNote(ctx, concierge.Note{Conversation: conv.ID, Author: "bob", Text: "never"}); err != nil {
			return err
		}
		return rollback
	})
	if err != rollback {
		t.Fatalf("rolled-back note: %v", err)
	}
	expect("a rolled-back note", false)
	addNote := func() {
		t.Helper()
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.AddNote(ctx, concierge.Note{Conversation: conv.ID, Author: "bob", Text: "called the courier"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	addNote()
	expect("a note", true)
	if _, err := db.Ingest(ctx, []concierge.Event{textEvent("c2", "k3", "still there?")}); err != nil {
		t.Fatal(err)
	}
	expect("a message of a waiting conversation", true)

	// Killed, the listener comes back (and says so, since it may have
	// missed something), then hears the next change.
	kill(t, url, pid)
	listenerPID(t, url, pid)
	expect("reconnecting", true)
	addNote()
	expect("a note after reconnecting", true)
}

// listenerPID waits for the schema's inbox listener other than not to be
// connected and listening, and returns its backend's pid.
func listenerPID(t *testing.T, url string, not int) int {
	t.Helper()
	sq, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pid int
		err := sq.QueryRow(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 || ' (' || current_schema() || ')'
			AND query = 'LISTEN inbox' AND pid <> $2`, store.InboxListenerName, not).Scan(&pid)
		if err == nil {
			return pid
		}
		if err != sql.ErrNoRows {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the inbox listener is not listening after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func kill(t *testing.T, url string, pid int) {
	t.Helper()
	sq, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	var ok bool
	if err := sq.QueryRow(`SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate the listener's backend %d: %v %v", pid, ok, err)
	}
}
