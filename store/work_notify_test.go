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

// TestListenWorkAcrossReplicas: replica B hears, through NOTIFY, the new
// pending inbound messages (turns) and outbound messages (outbox) that
// replica A commits, each once per transaction and only once it commits;
// a rolled-back insert announces nothing. After its connection is killed
// the listener comes back and announces both kinds, since it may have
// missed some.
func TestListenWorkAcrossReplicas(t *testing.T) {
	url := testenv.PostgresURL(t)
	a := open(t, url)
	b, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan store.Work, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.ListenWork(ctx, func(w store.Work) { heard <- w }, slog.New(slog.DiscardHandler))
	}()
	defer func() { cancel(); <-done }()
	pid := workListenerPID(t, url, 0)

	expect := func(what string, want ...store.Work) {
		t.Helper()
		for _, w := range want {
			select {
			case got := <-heard:
				if got != w {
					t.Fatalf("%s: heard %s, want %s", what, got, w)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: nothing heard in 10 s, want %s", what, w)
			}
		}
	}
	// Each step's notification is of the other kind than the step
	// before's, so a duplicate, or one of a rolled-back insert, is heard
	// where the next one should be.
	if _, err := a.Ingest(ctx, []concierge.Event{textEvent("a", "a1", "hi"), textEvent("b", "b1", "hi")}); err != nil {
		t.Fatal(err)
	}
	expect("two inbound messages in one transaction", store.WorkTurns)
	conv, err := a.FindConversation(ctx, "shop", concierge.ChannelWeb, "a")
	if err != nil {
		t.Fatal(err)
	}
	emit := func(fail bool) error {
		return a.InTx(ctx, func(tx *store.Tx) error {
			for range 2 {
				if _, err := tx.Emit(ctx, conv, "agent:alice", concierge.Message{Kind: concierge.MessageText, Text: "hello"}); err != nil {
					return err
				}
			}
			if fail {
				return context.Canceled
			}
			return nil
		})
	}
	if err := emit(true); err == nil {
		t.Fatal("rolled-back emit: want its error")
	}
	if err := emit(false); err != nil {
		t.Fatal(err)
	}
	expect("two outbound messages in one transaction, after a rolled-back one", store.WorkOutbox)
	if _, err := a.Ingest(ctx, []concierge.Event{textEvent("c", "c1", "hi")}); err != nil {
		t.Fatal(err)
	}
	expect("an inbound message", store.WorkTurns)

	kill(t, url, pid)
	workListenerPID(t, url, pid)
	expect("reconnecting", store.WorkTurns, store.WorkOutbox)
	if err := emit(false); err != nil {
		t.Fatal(err)
	}
	expect("an outbound message after reconnecting", store.WorkOutbox)
}

// workListenerPID waits for the schema's work listener other than not to
// be listening, and returns its backend's pid.
func workListenerPID(t *testing.T, url string, not int) int {
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
			AND query = 'LISTEN concierge_turns' AND pid <> $2`, store.WorkListenerName, not).Scan(&pid)
		if err == nil {
			return pid
		}
		if err != sql.ErrNoRows {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the work listener is not listening after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
