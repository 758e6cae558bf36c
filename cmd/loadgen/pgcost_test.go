package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/conciergehq/concierge/internal/testenv"
)

func TestParseLSN(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0/C78BE30", 0xC78BE30, true},
		{"1/0", 1 << 32, true},
		{"A/FFFFFFFF", 0xA<<32 | 0xFFFFFFFF, true},
		{"C78BE30", 0, false},
		{"0/xyz", 0, false},
		{"", 0, false},
	} {
		got, err := parseLSN(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseLSN(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

// TestPGCostRows: the per-message figures are the differences divided by
// the acknowledged messages; statements come costliest first with their
// shares; without pg_stat_statements the report says why and what it
// needs.
func TestPGCostRows(t *testing.T) {
	before := pgSnapshot{WAL: 1000, Commits: 10, Inserted: 5, Updated: 2, OtherCommits: 7,
		Statements: map[string]stmtStat{"1": {Query: "SELECT 1", Calls: 5, ExecMS: 1}}}
	after := pgSnapshot{WAL: 1000 + 200*1500, Commits: 10 + 400, Inserted: 5 + 500, Updated: 2 + 1000, OtherCommits: 9,
		Statements: map[string]stmtStat{
			"1": {Query: "SELECT 1", Calls: 5 + 200, ExecMS: 1 + 20},
			"2": {Query: "UPDATE conversations\n   SET x = $1", Calls: 400, ExecMS: 60, Rows: 400, WALBytes: 400 * 300},
			"3": {Query: "never run in the window", Calls: 0},
		}}
	rows := pgCost{Messages: 200, Before: before, After: after}.rows()
	text := fmt.Sprint(rows)
	for _, want := range []string{
		"1500 bytes per message (300000 bytes for 200 acked messages; the whole server's WAL: other databases committed 2 transactions meanwhile)",
		"commits 2.00, rollbacks 0.00; rows inserted 2.50, updated 5.00",
		"3.00 executions per message, 400 µs of execution per message, 2 distinct statements",
		"{postgres statement 1 300 µs, 2.00 calls, 2.00 rows, 600 WAL bytes per message (75% of execution): UPDATE conversations SET x = $1}",
		"{postgres statement 2 100 µs, 1.00 calls, 0.00 rows, 0 WAL bytes per message (25% of execution): SELECT 1}",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in\n%s", want, text)
		}
	}
	after.Statements, after.StatementsErr = nil, `relation "pg_stat_statements" does not exist`
	text = fmt.Sprint(pgCost{Messages: 200, Before: before, After: after}.rows())
	if !strings.Contains(text, `n/a: pg_stat_statements is not readable (relation "pg_stat_statements" does not exist); it needs shared_preload_libraries`) {
		t.Errorf("without pg_stat_statements:\n%s", text)
	}
	if text := fmt.Sprint(pgCost{}.rows()); !strings.Contains(text, "n/a (no message acknowledged)") {
		t.Errorf("no messages: %s", text)
	}
}

// TestReadPG: on a real PostgreSQL, writes between two snapshots move the
// WAL position and the database's counters by at least what was written
// (other tests may share the database).
func TestReadPG(t *testing.T) {
	url := testenv.PostgresURL(t)
	ctx := context.Background()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE pgcost (id int PRIMARY KEY, v text)`); err != nil {
		t.Fatal(err)
	}
	before, err := readPG(ctx, db, 0)
	if err != nil {
		t.Fatal(err)
	}
	// One backend writes and then flushes its counters, as the servers'
	// backends do when they exit.
	w, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := range 50 {
		if _, err := w.ExecContext(ctx, `INSERT INTO pgcost VALUES ($1, repeat('x', 200))`, i); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{`UPDATE pgcost SET v = 'y'`, `SELECT pg_stat_force_next_flush()`, `SELECT 1`} {
		if _, err := w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	after, err := readPG(ctx, db, 0)
	if err != nil {
		t.Fatal(err)
	}
	if after.WAL < before.WAL+50*200 {
		t.Errorf("WAL moved %d bytes for 50 rows of 200 bytes", after.WAL-before.WAL)
	}
	if d := after.Commits - before.Commits; d < 51 {
		t.Errorf("%d commits counted, want at least 51", d)
	}
	if d := after.Inserted - before.Inserted; d < 50 {
		t.Errorf("%d rows inserted counted, want at least 50", d)
	}
	if d := after.Updated - before.Updated; d < 50 {
		t.Errorf("%d rows updated counted, want at least 50", d)
	}
	if after.Statements == nil && after.StatementsErr == "" {
		t.Error("no statements and no reason")
	}
}
