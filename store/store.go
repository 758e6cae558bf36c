// Package store is Concierge's one SQL store, in two dialects: SQLite (the
// embedded default, pure Go through modernc.org/sqlite) and PostgreSQL
// (through pgx). The same queries and the same test suite serve both; the
// schema differs only in how identity columns are declared.
//
// The store holds conversations, the transcript (which is also the
// transactional inbox and outbox), carts, stock, orders, payments and
// hand-offs. Only cmd/concierge imports it; the agent, checkout and webhooks
// reach it through interfaces of their own.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	gooselock "github.com/pressly/goose/v3/lock"

	"github.com/conciergehq/concierge"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// Dialect is the SQL flavour of a store.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open store. With SQLite, writes go through one connection (SQLite
// has one writer; queueing in Go is cheaper than SQLITE_BUSY) and reads through
// a small pool; with PostgreSQL both use one pool.
type DB struct {
	dialect Dialect
	w       *sql.DB
	r       *sql.DB
	now     func() time.Time

	// path is the SQLite file; lock, once TakeOver took it, is the open
	// lock file next to it, closed (and so unlocked) by Close.
	path string
	lock *os.File

	// replica is this store's id among the replicas of one database,
	// the prefix of every lease token it writes; beating is set once its
	// heartbeat registered it (see replicas.go).
	replica string
	beating atomic.Bool
	// held is the leases of this replica's work in progress, which
	// RenewLeases keeps from running out (see lease_renew.go).
	held heldLeases

	// stmts caches prepared write statements by query text. Preparing
	// (parsing) a statement costs more than running it on SQLite, and the
	// store runs the same few dozen statements all day.
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

	// stockHook is told of the bots whose stock a committed transaction
	// changed (OnStockChange).
	stockHook atomic.Pointer[func(concierge.BotID)]
}

// Open opens the store at url: "sqlite:PATH" (PATH may be ":memory:" only
// for tests that need no durability) or "postgres://…". It does not migrate;
// call Migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	db := &DB{now: time.Now, stmts: map[string]*sql.Stmt{}, replica: newToken()[:16]}
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, errors.New("store: open: empty sqlite path")
		}
		// synchronous(FULL) makes every commit durable (fsync), which the
		// ack of a webhook relies on; group commit keeps that fast.
		// secure_delete(1) overwrites deleted content with zeros, so that
		// an erased customer's words do not linger in the file's free
		// space (see erase).
		dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
			"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_txlock=immediate"
		w, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
		w.SetMaxOpenConns(1)
		r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("store: open: %w", err)
		}
		r.SetMaxOpenConns(4)
		db.dialect, db.w, db.r, db.path = SQLite, w, r, path
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		p, err := sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
		p.SetMaxOpenConns(16)
		p.SetMaxIdleConns(16)
		db.dialect, db.w, db.r = Postgres, p, p
	default:
		return nil, fmt.Errorf("store: open: unsupported database URL (want sqlite:PATH or postgres://…)")
	}
	if err := db.w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	return db, nil
}

// SetClock replaces the store's clock; tests use it to move time.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Dialect reports the store's SQL flavour.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the store's connections.
func (db *DB) Close() error {
	db.stmtMu.Lock()
	for _, st := range db.stmts {
		st.Close()
	}
	db.stmts = map[string]*sql.Stmt{}
	db.stmtMu.Unlock()
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	if db.lock != nil {
		err = errors.Join(err, db.lock.Close())
		db.lock = nil
	}
	return err
}

// migrator returns the goose provider of the store's dialect. With lock,
// on PostgreSQL, it migrates under a session advisory lock of the schema,
// so that replicas starting at the same moment on an empty database
// migrate one after the other (the later ones then find nothing to do)
// instead of running the same DDL at once.
func (db *DB) migrator(ctx context.Context, lock bool) (*goose.Provider, error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if db.dialect == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if lock && db.dialect == Postgres {
		// One lock per schema: servers (and tests) sharing a database
		// in different schemas do not wait for each other.
		var schema string
		if err := db.w.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return nil, err
		}
		h := fnv.New64a()
		h.Write([]byte("concierge migrations " + schema))
		// Tried every second for up to 5 minutes: a long migration on
		// another replica is waited for, a stuck one is reported.
		l, err := gooselock.NewPostgresSessionLocker(gooselock.WithLockID(int64(h.Sum64())), gooselock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	return goose.NewProvider(dialect, db.w, sub, opts...)
}

// Migrate applies every pending migration.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.migrator(ctx, true)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Ready reports whether the database answers and every migration is applied;
// /readyz calls it.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.r.PingContext(ctx); err != nil {
		return fmt.Errorf("store: database unreachable: %w", err)
	}
	p, err := db.migrator(ctx, false)
	if err != nil {
		return fmt.Errorf("store: ready: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("store: ready: %w", err)
	}
	if pending {
		return errors.New("store: migrations pending")
	}
	return nil
}

// q rewrites a query written with ? placeholders for the store's dialect.
func (db *DB) q(query string) string {
	if db.dialect != Postgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (db *DB) millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// InTx runs fn in a write transaction and commits if it returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{db: db, tx: sqlTx, now: db.now()}
	defer func() {
		if len(tx.missed) > 0 {
			db.cache(tx.missed)
		}
	}()
	if err := fn(tx); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if len(tx.stockBots) > 0 {
		db.committed(tx.stockBots)
	}
	return nil
}

var _ concierge.Tx = (*Tx)(nil)

// Tx is a write transaction. Its methods are the store's vocabulary for the
// agent's tools, checkout and webhooks.
type Tx struct {
	db     *DB
	tx     *sql.Tx
	now    time.Time
	missed []string // queries to prepare for the cache once the transaction ends
	// stockBots are the bots whose stock the transaction changed, told
	// to OnStockChange's listener once it commits.
	stockBots map[concierge.BotID]bool
}

// Now is the time the transaction started; every row it writes carries it.
func (tx *Tx) Now() time.Time { return tx.now }

// stmt returns the transaction's handle on the cached prepared statement
// of query. A statement not yet cached is prepared on the transaction for
// this once and remembered; InTx prepares it for the cache after the
// transaction ends (with SQLite's single write connection, the pool has no
// other connection to prepare on while the transaction holds it).
func (tx *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	db := tx.db
	db.stmtMu.Lock()
	st := db.stmts[query]
	db.stmtMu.Unlock()
	if st != nil {
		return tx.tx.StmtContext(ctx, st), nil
	}
	tx.missed = append(tx.missed, query)
	return tx.tx.PrepareContext(ctx, db.q(query))
}

// cache prepares the queries a transaction missed.
func (db *DB) cache(queries []string) {
	for _, q := range queries {
		db.stmtMu.Lock()
		_, ok := db.stmts[q]
		db.stmtMu.Unlock()
		if ok {
			continue
		}
		st, err := db.w.Prepare(db.q(q))
		if err != nil {
			continue // it will be prepared per use, as without a cache
		}
		db.stmtMu.Lock()
		if _, ok := db.stmts[q]; ok {
			st.Close()
		} else {
			db.stmts[q] = st
		}
		db.stmtMu.Unlock()
	}
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// A list of row ids is bound as one parameter, so that a statement over
// any number of rows keeps one text and the statement cache prepares it
// once. Spliced into the text, every list was parsed and planned anew
// (and, on PostgreSQL, took a place in the driver's per-connection
// statement cache). SQLite reads the list as a JSON array with
// json_each, PostgreSQL as a bigint[].

// inIDs returns the condition that col is one of the ids of an idList.
func (db *DB) inIDs(col string) string {
	if db.dialect == Postgres {
		return col + " = ANY(CAST(? AS bigint[]))"
	}
	return col + " IN (SELECT value FROM json_each(?))"
}

// joinIDs returns "ids JOIN table ON col = id", to follow FROM: the rows
// of table whose col is one of the ids of an idList, read id by id
// through col's index. On SQLite the join is a CROSS JOIN, which keeps
// the list as the outer loop: with a plain JOIN, or inIDs, the planner
// cannot see how short the list is and may scan another index of table
// (on messages, every pending message) instead.
func (db *DB) joinIDs(table, col string) string {
	if db.dialect == Postgres {
		return "unnest(CAST(? AS bigint[])) AS ids(id) JOIN " + table + " ON " + col + " = ids.id"
	}
	return "json_each(?) AS ids CROSS JOIN " + table + " ON " + col + " = ids.value"
}

// idList is the argument that inIDs and joinIDs read. The ids must be
// distinct where joinIDs joins them, as ids read from a table are.
func (db *DB) idList(ids []int64) any {
	if db.dialect == Postgres {
		return ids
	}
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// queryOnce runs a query whose text changes from call to call; it
// bypasses the statement cache, which would otherwise grow without bound.
func (tx *Tx) queryOnce(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.q(query), args...)
}

// execOnce is queryOnce for statements that return no rows.
func (tx *Tx) execOnce(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.q(query), args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := tx.stmt(ctx, query)
	if err != nil {
		// A Row carrying the error: QueryRowContext on a closed context
		// is the only way database/sql builds one, so prepare again the
		// plain way and let Scan report the failure.
		return tx.tx.QueryRowContext(ctx, tx.db.q(query), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// savepoint runs fn inside a savepoint, rolling back only fn's writes when
// it fails; the turn runner uses it so one bad turn does not undo a batch.
func (tx *Tx) savepoint(ctx context.Context, fn func() error) error {
	// Savepoints are never nested here, so one name serves and its
	// statements stay in the cache.
	const name = "turn"
	if _, err := tx.exec(ctx, "SAVEPOINT "+name); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	if err := fn(); err != nil {
		if _, rerr := tx.exec(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, fmt.Errorf("store: rollback to savepoint: %w", rerr))
		}
		tx.exec(ctx, "RELEASE SAVEPOINT "+name)
		return err
	}
	if _, err := tx.exec(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return fmt.Errorf("store: release savepoint: %w", err)
	}
	return nil
}
