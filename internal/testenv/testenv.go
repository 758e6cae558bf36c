// Package testenv finds the real services tests run against — PostgreSQL,
// Redis, Chromium and stripe-mock — and decides what happens when one is missing: on a user's
// machine the test skips and says why; in CI (CI=true) it fails, so a
// missing install step can never pass as green. Only tests import it.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips t with reason, or fails it in CI.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if InCI() {
		t.Fatalf("required in CI (CI=true): %s", reason)
	}
	t.Skipf("skipping: %s", reason)
}

// PostgresBase is the server tests use: $TEST_DATABASE_URL, or the local
// server on 127.0.0.1:5432, database test.
func PostgresBase() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// PostgresURL creates a fresh schema for this test and returns a URL whose
// connections use it; the schema is dropped when the test ends. It skips
// (or fails in CI) when no server answers.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := PostgresBase()
	db, err := sql.Open("pgx", base)
	if err != nil {
		Missing(t, "PostgreSQL: "+err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		Missing(t, "PostgreSQL at "+base+" does not answer: "+err.Error())
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	sep := "?"
	for i := 0; i < len(base); i++ {
		if base[i] == '?' {
			sep = "&"
		}
	}
	return base + sep + "search_path=" + schema
}

// Chromium returns the path of a Chromium binary, or skips (fails in CI).
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, "no Chromium found (apt-get install chromium, or set CHROMIUM)")
	return ""
}

// CPUTime returns the user and system CPU time the process has used so
// far, for benchmarks that report CPU beside wall time: on a shared
// machine, and where an fsync is most of the wall time, it is the figure
// that compares.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
