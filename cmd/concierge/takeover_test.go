package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/store"
)

// TestSecondSQLiteServerRefused: while one server has opened a SQLite
// file, a second one on the same file is refused with a message naming
// the lock file, and `migrate` is not; once the first closes, the
// second starts.
func TestSecondSQLiteServerRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "one.db")
	cfg := writeBot(t, sampleBot(t))
	first := &Main{ConfigPath: cfg, DBURL: "sqlite:" + path}
	if err := first.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer first.DB.Close()
	if err := migrate(ctx, "sqlite:"+path); err != nil {
		t.Fatalf("migrate beside a server: %v", err)
	}
	second := &Main{ConfigPath: cfg, DBURL: "sqlite:" + path}
	err := second.Open(ctx)
	if !errors.Is(err, store.ErrInUse) || !strings.Contains(err.Error(), path+".lock") {
		t.Fatalf("second server: %v; want ErrInUse naming %s.lock", err, path)
	}
	second.DB.Close()
	first.DB.Close()
	third := &Main{ConfigPath: cfg, DBURL: "sqlite:" + path}
	if err := third.Open(ctx); err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	third.DB.Close()
}
