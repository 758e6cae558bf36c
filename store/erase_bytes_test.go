package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"
)

// TestEraseLeavesNoBytes: after an erasure, by the command or by the
// retention sweep, no row holds the customer's words, and neither does
// the SQLite file's free space nor its WAL. Without secure_delete the
// erased cells stay in the pages' free space; without the checkpoint the
// old pages stay in the WAL (and in the main file until the next
// checkpoint). The words are checkpointed into the main file first, as
// they would be in a server that has run for a while.
func TestEraseLeavesNoBytes(t *testing.T) {
	const words = "Zanzibar Quetzalcoatl-Okonkwo"
	now := time.Unix(1800000000, 0)
	for _, tc := range []struct {
		name  string
		erase func(ctx context.Context, db *store.DB) error
	}{
		{"command", func(ctx context.Context, db *store.DB) error {
			_, err := db.EraseConversation(ctx, "shop", concierge.ChannelWeb, "zed")
			return err
		}},
		{"retention", func(ctx context.Context, db *store.DB) error {
			db.SetClock(func() time.Time { return now })
			n, err := db.EraseIdle(ctx, "shop", now.Add(-24*time.Hour), 100)
			if err == nil && n != 1 {
				err = fmt.Errorf("erased %d conversations, want 1", n)
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "erase.db")
			db := open(t, "sqlite:"+path)
			db.SetClock(func() time.Time { return now.Add(-48 * time.Hour) })
			if _, err := db.Ingest(ctx, []concierge.Event{textEvent("zed", "z", "my name is "+words)}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.RunTurns(ctx, 100, func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
				conv.Memory.LastQuery = words
				_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "Welcome, " + words})
				return err
			}, nil); err != nil {
				t.Fatal(err)
			}
			db.SetClock(func() time.Time { return now })
			var others []concierge.Event
			for i := range 40 { // another customer's, in the same pages and after
				others = append(others, textEvent("other", fmt.Sprint("o", i), "an unrelated message about lamps"))
			}
			if _, err := db.Ingest(ctx, others); err != nil {
				t.Fatal(err)
			}
			checkpoint(t, path)
			if !inFiles(t, path, words) {
				t.Fatal("the words are not in the database files before the erasure: the test proves nothing")
			}

			if err := tc.erase(ctx, db); err != nil {
				t.Fatal(err)
			}
			for _, part := range strings.Fields(words) {
				if inFiles(t, path, part) {
					t.Errorf("%q is still in the bytes of the database files after the erasure", part)
				}
			}
			if _, err := db.FindConversation(ctx, "shop", concierge.ChannelWeb, "other"); err != nil {
				t.Errorf("the other conversation: %v", err)
			}
		})
	}
}

// inFiles reports whether s is in the bytes of the SQLite database at path
// or of its WAL.
func inFiles(t *testing.T, path, s string) bool {
	t.Helper()
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// checkpoint copies the WAL of the database at path into the main file,
// through a connection of its own.
func checkpoint(t *testing.T, path string) {
	t.Helper()
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
}
