package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/internal/testenv"
	"github.com/conciergehq/concierge/store"
)

// TestHandoffNoteMigration: rows written before 00029, when an
// assignment's free text sat in its reason, become the reason "assigned"
// with the text as their note; every other reason stays as it was, and a
// new hand-off's note round-trips.
func TestHandoffNoteMigration(t *testing.T) {
	for _, tc := range []struct{ name, url string }{
		{"sqlite", ""},
		{"postgres", "postgres"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := "sqlite:" + filepath.Join(t.TempDir(), "test.db")
			if tc.url != "" {
				url = testenv.PostgresURL(t)
			}
			ctx := context.Background()
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 28); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Ingest(ctx, []concierge.Event{textEvent("a", "k1", "a person please")}); err != nil {
				t.Fatal(err)
			}
			c, err := db.FindConversation(ctx, "shop", concierge.ChannelWeb, "a")
			if err != nil {
				t.Fatal(err)
			}
			old := []string{"asked", "claimed", "assigned to dan (was bob): bob is off", "assigned to bob", "resolved"}
			for i, r := range old {
				if err := db.ExecRaw(ctx, `INSERT INTO handoffs (conversation_id, from_state, to_state, reason, by_whom, at) VALUES (?, 'waiting', 'human', ?, 'agent:sue', ?)`,
					c.ID, r, int64(1700000000000+i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			err = db.InTx(ctx, func(tx *store.Tx) error {
				return tx.RecordHandoff(ctx, concierge.Handoff{Conversation: c.ID, From: concierge.StateHuman, To: concierge.StateHuman,
					Reason: concierge.HandoffAssigned, Note: "to carol: speaks Breton", By: "agent:sue", At: tx.Now()})
			})
			if err != nil {
				t.Fatal(err)
			}
			hs, err := db.Handoffs(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := []struct {
				reason concierge.HandoffReason
				note   string
			}{
				{concierge.HandoffAsked, ""},
				{concierge.HandoffClaimed, ""},
				{concierge.HandoffAssigned, "to dan (was bob): bob is off"},
				{concierge.HandoffAssigned, "to bob"},
				{concierge.HandoffResolved, ""},
				{concierge.HandoffAssigned, "to carol: speaks Breton"},
			}
			if len(hs) != len(want) {
				t.Fatalf("%d hand-offs, want %d: %+v", len(hs), len(want), hs)
			}
			for i, w := range want {
				if hs[i].Reason != w.reason || hs[i].Note != w.note {
					t.Errorf("hand-off %d: reason %q note %q, want %q and %q", i, hs[i].Reason, hs[i].Note, w.reason, w.note)
				}
			}
		})
	}
}
