package main

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// What PostgreSQL spends per message, read from its own statistics before
// the first run's servers start and after the last one's stopped, and
// divided by the messages acknowledged in both runs. The database's
// counters (pg_stat_database) are the run's alone; the WAL position is
// the whole server's, so the commits other databases made meanwhile are
// reported beside it. Statement by statement costs come from
// pg_stat_statements when the server has it loaded (it needs
// shared_preload_libraries, so a restart); otherwise the report says why
// there are none.

// pgSettle is how long readPG waits for the servers' backends to exit.
const pgSettle = 10 * time.Second

// measurePG reads PostgreSQL's statistics now and returns the function
// that reads them again once the runs are over and puts the difference
// in rep.
func measurePG(ctx context.Context, url string, rep *report) (done func()) {
	rep.Postgres = &pgCost{}
	db, err := sql.Open("pgx", url)
	if err != nil {
		rep.Postgres.Err = err
		return func() {}
	}
	before, err := readPG(ctx, db, pgSettle)
	if err != nil {
		rep.Postgres.Err = err
		db.Close()
		return func() {}
	}
	return func() {
		defer db.Close()
		after, err := readPG(context.WithoutCancel(ctx), db, pgSettle)
		rep.Postgres.Before, rep.Postgres.After, rep.Postgres.Err = before, after, err
		if t := rep.Throughput; t != nil {
			rep.Postgres.Messages += t.Acked
		}
		if r := rep.Rate; r != nil {
			rep.Postgres.Messages += r.Acked
		}
	}
}

// pgSnapshot is one reading of PostgreSQL's statistics.
type pgSnapshot struct {
	WAL                                  uint64 // pg_current_wal_lsn, in bytes
	Commits, Rollbacks                   int64  // of the run's database
	Inserted, Updated, Deleted, Returned int64
	BlksHit, BlksRead                    int64
	OtherCommits                         int64 // of every other database
	Statements                           map[string]stmtStat
	StatementsErr                        string // why there are none
}

// stmtStat is pg_stat_statements' row of one statement of the database.
type stmtStat struct {
	Query    string
	Calls    int64
	ExecMS   float64
	Rows     int64
	WALBytes int64
}

// pgCost is the difference of two snapshots, over Messages.
type pgCost struct {
	Messages int
	Before   pgSnapshot
	After    pgSnapshot
	Err      error
}

// readPG takes a snapshot through db. Before it reads, it waits (up to
// settle) until no other backend is connected to the database: a backend
// adds its counters to the statistics when it exits, after the servers
// that used it stopped.
func readPG(ctx context.Context, db *sql.DB, settle time.Duration) (pgSnapshot, error) {
	var s pgSnapshot
	deadline := time.Now().Add(settle)
	for {
		var others int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&others); err != nil {
			return s, fmt.Errorf("postgres statistics: %w", err)
		}
		if others == 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return s, fmt.Errorf("postgres statistics: %w", err)
	}
	defer conn.Close()
	// A fresh statistics snapshot, not the one this session cached.
	if _, err := conn.ExecContext(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
		return s, fmt.Errorf("postgres statistics: %w", err)
	}
	var lsn string
	err = conn.QueryRowContext(ctx, `SELECT pg_current_wal_lsn()::text,
		xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned, blks_hit, blks_read,
		(SELECT coalesce(sum(xact_commit), 0) FROM pg_stat_database WHERE datname IS DISTINCT FROM current_database())::bigint
		FROM pg_stat_database WHERE datname = current_database()`).Scan(&lsn,
		&s.Commits, &s.Rollbacks, &s.Inserted, &s.Updated, &s.Deleted, &s.Returned, &s.BlksHit, &s.BlksRead, &s.OtherCommits)
	if err != nil {
		return s, fmt.Errorf("postgres statistics: %w", err)
	}
	if s.WAL, err = parseLSN(lsn); err != nil {
		return s, err
	}
	s.Statements, err = readStatements(ctx, conn)
	if err != nil {
		s.StatementsErr = err.Error()
	}
	return s, nil
}

// readStatements reads pg_stat_statements for the database, by query id.
func readStatements(ctx context.Context, conn *sql.Conn) (map[string]stmtStat, error) {
	rows, err := conn.QueryContext(ctx, `SELECT queryid::text, query, calls, total_exec_time, rows, wal_bytes::bigint
		FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]stmtStat{}
	for rows.Next() {
		var id string
		var st stmtStat
		if err := rows.Scan(&id, &st.Query, &st.Calls, &st.ExecMS, &st.Rows, &st.WALBytes); err != nil {
			return nil, err
		}
		out[id] = st
	}
	return out, rows.Err()
}

// parseLSN turns a WAL position (X/Y, two hex numbers) into bytes.
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("postgres statistics: WAL position %q is not X/Y", s)
	}
	return h<<32 | l, nil
}

// statements are the statements the run executed, by execution time,
// the costliest first.
func (c pgCost) statements() []stmtStat {
	var out []stmtStat
	for id, a := range c.After.Statements {
		b := c.Before.Statements[id] // zero when new
		d := stmtStat{Query: a.Query, Calls: a.Calls - b.Calls, ExecMS: a.ExecMS - b.ExecMS, Rows: a.Rows - b.Rows, WALBytes: a.WALBytes - b.WALBytes}
		if d.Calls > 0 {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ExecMS > out[j].ExecMS })
	return out
}

// rows is the PostgreSQL section of the report.
func (c pgCost) rows() []row {
	if c.Err != nil {
		return []row{{"postgres cost", "n/a: " + c.Err.Error()}}
	}
	if c.Messages == 0 {
		return []row{{"postgres cost", "n/a (no message acknowledged)"}}
	}
	n := float64(c.Messages)
	b, a := c.Before, c.After
	per := func(d int64) string { return fmt.Sprintf("%.2f", float64(d)/n) }
	rows := []row{
		{"postgres WAL", fmt.Sprintf("%.0f bytes per message (%d bytes for %d acked messages; the whole server's WAL: other databases committed %d transactions meanwhile)",
			float64(a.WAL-b.WAL)/n, a.WAL-b.WAL, c.Messages, a.OtherCommits-b.OtherCommits)},
		{"postgres per message", fmt.Sprintf("commits %s, rollbacks %s; rows inserted %s, updated %s, deleted %s, returned %s; buffer hits %s, reads %s",
			per(a.Commits-b.Commits), per(a.Rollbacks-b.Rollbacks), per(a.Inserted-b.Inserted), per(a.Updated-b.Updated),
			per(a.Deleted-b.Deleted), per(a.Returned-b.Returned), per(a.BlksHit-b.BlksHit), per(a.BlksRead-b.BlksRead))},
	}
	if a.StatementsErr != "" || b.StatementsErr != "" {
		why := a.StatementsErr
		if why == "" {
			why = b.StatementsErr
		}
		return append(rows, row{"postgres statements", "n/a: pg_stat_statements is not readable (" + why +
			"); it needs shared_preload_libraries = 'pg_stat_statements', a restart, and CREATE EXTENSION pg_stat_statements in the database"})
	}
	st := c.statements()
	var calls int64
	var execMS float64
	for _, s := range st {
		calls += s.Calls
		execMS += s.ExecMS
	}
	rows = append(rows, row{"postgres statements", fmt.Sprintf("%.2f executions per message, %.0f µs of execution per message, %d distinct statements",
		float64(calls)/n, 1000*execMS/n, len(st))})
	for i, s := range st[:min(8, len(st))] {
		rows = append(rows, row{fmt.Sprintf("postgres statement %d", i+1), fmt.Sprintf("%.0f µs, %.2f calls, %.2f rows, %.0f WAL bytes per message (%.0f%% of execution): %s",
			1000*s.ExecMS/n, float64(s.Calls)/n, float64(s.Rows)/n, float64(s.WALBytes)/n, 100*s.ExecMS/max(execMS, 1e-9), oneLine(s.Query, 160))})
	}
	return rows
}

// oneLine is q on one line, cut to at most n bytes.
func oneLine(q string, n int) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > n {
		q = q[:n] + "…"
	}
	return q
}
