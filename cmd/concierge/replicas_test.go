package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// TestNotifyWakesReplicaWorkers: on PostgreSQL a replica's turn runner
// and outbox wake on NOTIFY of work another process committed, not on
// their poll: the replica runs with WorkPoll of an hour, and what another
// store on the same database writes (inbound messages, an agent's
// outbound message) is handled and sent within seconds, the wake-ups
// counted by kind.
//
// The runners' first pass at start could find work without a wake; the
// test waits for the listener and then for the reply to a first message
// before it judges a second one, by which time every first pass is long
// done and an hour-long poll is all that is left.
func TestNotifyWakesReplicaWorkers(t *testing.T) {
	url := testenv.PostgresURL(t)
	s := runMain(t, &Main{ConfigPath: writeBot(t, sampleBot(t)), DBURL: url, WorkPoll: time.Hour})
	ctx := context.Background()
	other, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	waitWorkListener(t, url)

	say := func(key string) {
		t.Helper()
		ev := concierge.Event{Kind: concierge.EventText, Bot: "maison-lumiere", Channel: concierge.ChannelWeb,
			Chat: "notifysession0001", User: "notifysession0001", DedupeKey: key, Text: "bonjour", Locale: "fr", Time: time.Now()}
		if _, err := other.Ingest(ctx, []concierge.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	// waitFor waits until the bot answered n messages and nothing is left
	// to send.
	waitFor := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, replies, err := other.CountTranscript(ctx, "maison-lumiere")
			if err != nil {
				t.Fatal(err)
			}
			out, err := other.PendingOutbound(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if replies == n && out == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 20 s (the poll is an hour): %d replies, want %d; %d outbound pending", replies, n, out)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	say("n1")
	waitFor(1)
	turns := wakeups(t, s, "turns")
	say("n2")
	waitFor(2)
	if got := wakeups(t, s, "turns"); got <= turns {
		t.Errorf("turn wake-ups %v then %v: the second message was not announced", turns, got)
	}

	// An agent's message written by another process: the outbox sends it.
	outs := wakeups(t, s, "outbox")
	conv, err := other.FindConversation(ctx, "maison-lumiere", concierge.ChannelWeb, "notifysession0001")
	if err != nil {
		t.Fatal(err)
	}
	if err := other.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Emit(ctx, conv, "agent:alice", concierge.Message{Kind: concierge.MessageText, Text: "Bonjour, c'est Alice."})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(2)
	if got := wakeups(t, s, "outbox"); got <= outs {
		t.Errorf("outbox wake-ups %v then %v: the agent's message was not announced", outs, got)
	}
}

// waitWorkListener waits until a work listener of url's schema listens.
func waitWorkListener(t *testing.T, url string) {
	t.Helper()
	sq, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		var n int
		if err := sq.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 || ' (' || current_schema() || ')'
			AND query = 'LISTEN concierge_turns'`, store.WorkListenerName).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no work listener after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var wakeupsLine = regexp.MustCompile(`(?m)^concierge_notify_wakeups_total\{kind="(\w+)"\} (\S+)$`)

// wakeups reads the replica's NOTIFY wake-ups of kind from /metrics.
func wakeups(t *testing.T, s *shop, kind string) float64 {
	t.Helper()
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range wakeupsLine.FindAllStringSubmatch(string(body), -1) {
		if m[1] == kind {
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	return 0
}
