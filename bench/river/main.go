// Command river measures River (github.com/riverqueue/river) against
// Concierge's own transactional inbox (store.Ingester + store.RunTurns) on
// the same machine, with the same durability, for the decision recorded in
// docs/architecture.md. It lives in its own module so that River never
// enters the main go.mod.
//
// Every run starts from a fresh SQLite file (WAL, synchronous=FULL, one
// writer connection, exactly the store's DSN) or a fresh PostgreSQL schema
// (server defaults: fsync on, synchronous_commit on), and N "messages" are
// produced by P concurrent producers, each message alone, as webhook
// handlers would: a message counts as acknowledged once its transaction has
// committed.
//
// Modes (see README.md):
//
//	river-insert   one River job per message, InsertTx in its own transaction;
//	               then the backlog is drained by a River worker
//	river-unique   the same, with UniqueOpts{ByArgs} on the platform's dedupe
//	               key (what de-duplicating platform retries costs); no drain
//	river-batched  a group committer in front of River: whatever is waiting is
//	               inserted with one InsertManyTx and one commit; no drain
//	river-e2e      river-insert with the worker running at the same time
//	ours-ingest    store.Ingester (group commit); then the backlog is drained
//	               by RunTurns batches of 256 with a one-reply turn
//	ours-e2e       ours-ingest with the turn runner running at the same time
//
// The River worker does, per job, in one transaction: insert a reply row and
// JobCompleteTx — the same "effect and done mark commit together" guarantee
// as a Concierge turn.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/store"

	_ "modernc.org/sqlite"
)

var (
	flagDB         = flag.String("db", "sqlite,postgres", "comma-separated: sqlite, postgres")
	flagModes      = flag.String("modes", "river-insert,river-unique,river-batched,river-e2e,ours-ingest,ours-e2e", "comma-separated modes")
	flagN          = flag.Int("n", 20000, "messages per run")
	flagProducers  = flag.Int("producers", 40, "concurrent producers (webhook handlers)")
	flagChats      = flag.Int("chats", 2000, "distinct conversations the messages are spread over")
	flagRepeat     = flag.Int("repeat", 3, "runs per (db, mode); the median is reported")
	flagPG         = flag.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL base URL (a fresh schema is created per run)")
	flagPGConns    = flag.Int("pg-conns", 16, "PostgreSQL pool size, River and store alike (the store's own is 16)")
	flagDir        = flag.String("dir", "", "directory for SQLite files (default: a temp dir)")
	flagTimeout    = flag.Duration("timeout", 4*time.Minute, "bound on one run")
	flagWorkers    = flag.Int("river-workers", 100, "River MaxWorkers for the default queue (River's example value)")
	flagCooldown   = flag.Duration("river-fetch-cooldown", river.FetchCooldownDefault, "River FetchCooldown")
	flagPoll       = flag.Duration("river-fetch-poll", river.FetchPollIntervalDefault, "River FetchPollInterval")
	flagBatch      = flag.Int("batch", 256, "max batch: Ingester, RunTurns and the river-batched committer")
	flagJSON       = flag.String("json", "", "append one JSON line per run to this file")
	flagCompleteTx = flag.Bool("river-complete-tx", true, "River worker completes its job with JobCompleteTx in the reply's transaction (false: the reply commits alone and River's batch completer marks the job, at-least-once)")
	flagProfile    = flag.String("cpuprofile", "", "write a CPU profile of the whole invocation to this file")
)

// MsgArgs is the River job: the normalised event, as the webhook stored it.
type MsgArgs struct {
	// Key is (bot, channel, dedupe key), used only by river-unique.
	Key   string          `json:"key" river:"unique"`
	Event concierge.Event `json:"event"`
}

func (MsgArgs) Kind() string { return "message" }

// result is one run's figures.
type result struct {
	DB        string  `json:"db"`
	Mode      string  `json:"mode"`
	Run       int     `json:"run"`
	N         int     `json:"n"`
	Acks      int     `json:"acks"`
	AckPerSec float64 `json:"acks_per_s"`
	AckP50    float64 `json:"ack_p50_ms"`
	AckP99    float64 `json:"ack_p99_ms"`
	// Done is jobs completed / turns handled; DonePerSec is N over the time
	// from the first insert (e2e) or from the start of the drain (drain) to
	// the last one done.
	Done       int     `json:"done"`
	DonePerSec float64 `json:"done_per_s"`
	// CPU is this process's user+system CPU per message over the whole run
	// (PostgreSQL's server CPU is not included).
	CPUus    float64 `json:"cpu_us_per_msg"`
	LoadPre  string  `json:"load_before"`
	LoadPost string  `json:"load_after"`
	Err      string  `json:"error,omitempty"`
}

func main() {
	flag.Parse()
	ctx := context.Background()
	dir := *flagDir
	if dir == "" {
		d, err := os.MkdirTemp("", "riverbench")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	var jsonOut io.Writer = io.Discard
	if *flagJSON != "" {
		f, err := os.OpenFile(*flagJSON, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		jsonOut = f
	}
	if *flagProfile != "" {
		f, err := os.Create(*flagProfile)
		if err != nil {
			fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	dbs := split(*flagDB)
	modes := split(*flagModes)
	fmt.Printf("# n=%d producers=%d chats=%d repeat=%d river-workers=%d fetch-cooldown=%s fetch-poll=%s complete-tx=%v pg-conns=%d batch=%d\n",
		*flagN, *flagProducers, *flagChats, *flagRepeat, *flagWorkers, *flagCooldown, *flagPoll, *flagCompleteTx, *flagPGConns, *flagBatch)
	var all []result
	// Repeats are the outer loop, so that a burst of load from a neighbour
	// spreads over modes instead of falling on all runs of one.
	for run := 1; run <= *flagRepeat; run++ {
		for _, db := range dbs {
			for _, mode := range modes {
				r := runOne(ctx, db, mode, run, dir)
				all = append(all, r)
				printRun(r)
				b, _ := json.Marshal(r)
				fmt.Fprintln(jsonOut, string(b))
			}
		}
	}
	fmt.Println()
	fmt.Println("## medians")
	fmt.Println()
	fmt.Println("| db | mode | acks/s | ack p50 ms | ack p99 ms | done/s | CPU µs/msg (this process) | load before → after (1-min, per run) |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, db := range dbs {
		for _, mode := range modes {
			var rs []result
			for _, r := range all {
				if r.DB == db && r.Mode == mode {
					rs = append(rs, r)
				}
			}
			printMedian(db, mode, rs)
		}
	}
}

func runOne(ctx context.Context, db, mode string, run int, dir string) (r result) {
	r = result{DB: db, Mode: mode, Run: run, N: *flagN, LoadPre: loadavg()}
	ctx, cancel := context.WithTimeout(ctx, *flagTimeout)
	defer cancel()
	cpu0 := cpuTime()
	var err error
	switch {
	case strings.HasPrefix(mode, "river-"):
		err = runRiver(ctx, db, mode, dir, &r)
	case strings.HasPrefix(mode, "ours-"):
		err = runOurs(ctx, db, mode, dir, &r)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		r.Err = err.Error()
	}
	r.CPUus = float64((cpuTime() - cpu0).Microseconds()) / float64(*flagN)
	r.LoadPost = loadavg()
	return r
}

// ---------------------------------------------------------------- producers

func event(i int) concierge.Event {
	chat := fmt.Sprint("c", i%*flagChats)
	return concierge.Event{Kind: concierge.EventText, Bot: "shop", Channel: concierge.ChannelWeb,
		Chat: concierge.ChatID(chat), User: chat, DedupeKey: fmt.Sprint("m", i), Locale: "en",
		Text: "do you have the linen shirt in blue, size M?", Time: time.Unix(1700000000, 0).UTC()}
}

// produce runs the producers: each takes the next message number and calls
// ack, timing it. It returns the latencies and the wall time.
func produce(ctx context.Context, ack func(ctx context.Context, i int) error) ([]time.Duration, time.Duration, error) {
	n := *flagN
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range *flagProducers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				t := time.Now()
				if err := ack(ctx, i); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("message %d: %w", i, err) })
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	return lat, time.Since(start), cmp.Or(firstErr, ctx.Err())
}

func fillAcks(r *result, lat []time.Duration, wall time.Duration) {
	s := slices.Clone(lat)
	slices.Sort(s)
	r.Acks = len(s)
	r.AckPerSec = float64(len(s)) / wall.Seconds()
	r.AckP50 = ms(s[len(s)*50/100])
	r.AckP99 = ms(s[len(s)*99/100])
}

// ---------------------------------------------------------------- River

// txOps is what the River side needs from a transaction type.
type txOps[TTx any] struct {
	begin    func(ctx context.Context) (TTx, error)
	commit   func(ctx context.Context, tx TTx) error
	rollback func(ctx context.Context, tx TTx)
	// reply inserts the worker's reply row.
	reply func(ctx context.Context, tx TTx, jobID int64, chat, body string) error
}

type replyWorker[D riverdriver.Driver[TTx], TTx any] struct {
	river.WorkerDefaults[MsgArgs]
	ops  *txOps[TTx]
	done *atomic.Int64
	all  chan struct{} // closed when done reaches N
}

func (w *replyWorker[D, TTx]) Work(ctx context.Context, job *river.Job[MsgArgs]) error {
	tx, err := w.ops.begin(ctx)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(concierge.Message{Kind: concierge.MessageText, Text: "re " + job.Args.Event.Text})
	if err := w.ops.reply(ctx, tx, job.ID, string(job.Args.Event.Chat), string(body)); err != nil {
		w.ops.rollback(ctx, tx)
		return err
	}
	if *flagCompleteTx {
		if _, err := river.JobCompleteTx[D](ctx, tx, job); err != nil {
			w.ops.rollback(ctx, tx)
			return err
		}
	}
	if err := w.ops.commit(ctx, tx); err != nil {
		return err
	}
	if w.done.Add(1) == int64(*flagN) {
		close(w.all)
	}
	return nil
}

func runRiver(ctx context.Context, db, mode, dir string, r *result) error {
	switch db {
	case "sqlite":
		path := filepath.Join(dir, fmt.Sprintf("river-%s-%d.db", mode, r.Run))
		defer removeSQLite(path)
		pool, err := sql.Open("sqlite", sqliteDSN(path))
		if err != nil {
			return err
		}
		defer pool.Close()
		// One connection, as River's docs advise for SQLite and as the store does.
		pool.SetMaxOpenConns(1)
		if _, err := pool.ExecContext(ctx, `CREATE TABLE replies (id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL, chat TEXT NOT NULL, body TEXT NOT NULL)`); err != nil {
			return err
		}
		ops := &txOps[*sql.Tx]{
			begin:    func(ctx context.Context) (*sql.Tx, error) { return pool.BeginTx(ctx, nil) },
			commit:   func(_ context.Context, tx *sql.Tx) error { return tx.Commit() },
			rollback: func(_ context.Context, tx *sql.Tx) { tx.Rollback() },
			reply: func(ctx context.Context, tx *sql.Tx, id int64, chat, body string) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO replies (job_id, chat, body) VALUES (?, ?, ?)`, id, chat, body)
				return err
			},
		}
		return riverRun[*riversqlite.Driver](ctx, riversqlite.New(pool), "", ops, mode, r)
	case "postgres":
		schema, url, drop, err := pgSchema(ctx)
		if err != nil {
			return err
		}
		defer drop()
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			return err
		}
		cfg.MaxConns = int32(*flagPGConns)
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return err
		}
		defer pool.Close()
		if _, err := pool.Exec(ctx, `CREATE TABLE replies (id bigserial PRIMARY KEY, job_id bigint NOT NULL, chat text NOT NULL, body text NOT NULL)`); err != nil {
			return err
		}
		ops := &txOps[pgx.Tx]{
			begin:    func(ctx context.Context) (pgx.Tx, error) { return pool.Begin(ctx) },
			commit:   func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
			rollback: func(ctx context.Context, tx pgx.Tx) { tx.Rollback(ctx) },
			reply: func(ctx context.Context, tx pgx.Tx, id int64, chat, body string) error {
				_, err := tx.Exec(ctx, `INSERT INTO replies (job_id, chat, body) VALUES ($1, $2, $3)`, id, chat, body)
				return err
			},
		}
		return riverRun[*riverpgxv5.Driver](ctx, riverpgxv5.New(pool), schema, ops, mode, r)
	}
	return fmt.Errorf("unknown db %q", db)
}

func riverRun[D riverdriver.Driver[TTx], TTx any](ctx context.Context, driver D, schema string, ops *txOps[TTx], mode string, r *result) error {
	mig, err := rivermigrate.New(driver, &rivermigrate.Config{Schema: schema, Logger: quietLogger()})
	if err != nil {
		return err
	}
	if _, err := mig.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	w := &replyWorker[D, TTx]{ops: ops, done: new(atomic.Int64), all: make(chan struct{})}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := river.NewClient(driver, &river.Config{
		Schema:            schema,
		Logger:            quietLogger(),
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: *flagWorkers}},
		Workers:           workers,
		FetchCooldown:     *flagCooldown,
		FetchPollInterval: *flagPoll,
	})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client.Stop(sctx)
	}()

	insertOne := func(ctx context.Context, i int, opts *river.InsertOpts) error {
		ev := event(i)
		tx, err := ops.begin(ctx)
		if err != nil {
			return err
		}
		args := MsgArgs{Key: string(ev.Bot) + "/" + string(ev.Channel) + "/" + ev.DedupeKey, Event: ev}
		res, err := client.InsertTx(ctx, tx, args, opts)
		if err != nil {
			ops.rollback(ctx, tx)
			return err
		}
		if res.UniqueSkippedAsDuplicate {
			ops.rollback(ctx, tx)
			return errors.New("unexpected duplicate")
		}
		return ops.commit(ctx, tx)
	}

	waitAll := func(from time.Time) error {
		select {
		case <-w.all:
			r.Done = int(w.done.Load())
			r.DonePerSec = float64(*flagN) / time.Since(from).Seconds()
			return nil
		case <-ctx.Done():
			r.Done = int(w.done.Load())
			return fmt.Errorf("%d of %d jobs done: %w", r.Done, *flagN, ctx.Err())
		}
	}

	switch mode {
	case "river-insert", "river-unique":
		var opts *river.InsertOpts
		if mode == "river-unique" {
			opts = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
		}
		lat, wall, err := produce(ctx, func(ctx context.Context, i int) error { return insertOne(ctx, i, opts) })
		if err != nil {
			return err
		}
		fillAcks(r, lat, wall)
		if mode == "river-unique" {
			return nil
		}
		// Drain the backlog.
		t0 := time.Now()
		if err := client.Start(ctx); err != nil {
			return err
		}
		return waitAll(t0)
	case "river-batched":
		b := newBatcher(*flagBatch, func(ctx context.Context, idx []int) error {
			tx, err := ops.begin(ctx)
			if err != nil {
				return err
			}
			params := make([]river.InsertManyParams, len(idx))
			for k, i := range idx {
				ev := event(i)
				params[k] = river.InsertManyParams{Args: MsgArgs{Key: string(ev.Bot) + "/" + string(ev.Channel) + "/" + ev.DedupeKey, Event: ev}}
			}
			if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
				ops.rollback(ctx, tx)
				return err
			}
			return ops.commit(ctx, tx)
		})
		bctx, stop := context.WithCancel(ctx)
		go b.run(bctx)
		lat, wall, err := produce(ctx, b.submit)
		stop()
		if err != nil {
			return err
		}
		fillAcks(r, lat, wall)
		return nil
	case "river-e2e":
		if err := client.Start(ctx); err != nil {
			return err
		}
		t0 := time.Now()
		lat, wall, err := produce(ctx, func(ctx context.Context, i int) error { return insertOne(ctx, i, nil) })
		if err != nil {
			return err
		}
		fillAcks(r, lat, wall)
		return waitAll(t0)
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// batcher is a minimal group committer (the same shape as store.Ingester)
// in front of River's InsertManyTx, to separate what group commit buys
// from what the store buys.
type batcher struct {
	max    int
	reqs   chan *batchReq
	commit func(ctx context.Context, idx []int) error
}

type batchReq struct {
	i    int
	err  error
	done chan struct{}
}

func newBatcher(max int, commit func(ctx context.Context, idx []int) error) *batcher {
	return &batcher{max: max, reqs: make(chan *batchReq, 4*max), commit: commit}
}

func (b *batcher) submit(ctx context.Context, i int) error {
	r := &batchReq{i: i, done: make(chan struct{})}
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *batcher) run(ctx context.Context) {
	batch := make([]*batchReq, 0, b.max)
	idx := make([]int, 0, b.max)
	for {
		var first *batchReq
		select {
		case first = <-b.reqs:
		case <-ctx.Done():
			return
		}
		batch, idx = append(batch[:0], first), append(idx[:0], first.i)
	gather:
		for len(batch) < b.max {
			select {
			case r := <-b.reqs:
				batch, idx = append(batch, r), append(idx, r.i)
			default:
				break gather
			}
		}
		err := b.commit(context.Background(), idx)
		for _, r := range batch {
			r.err = err
			close(r.done)
		}
	}
}

// ---------------------------------------------------------------- ours

func runOurs(ctx context.Context, db, mode, dir string, r *result) error {
	var url string
	switch db {
	case "sqlite":
		path := filepath.Join(dir, fmt.Sprintf("ours-%s-%d.db", mode, r.Run))
		defer removeSQLite(path)
		url = "sqlite:" + path
	case "postgres":
		_, u, drop, err := pgSchema(ctx)
		if err != nil {
			return err
		}
		defer drop()
		url = u
	default:
		return fmt.Errorf("unknown db %q", db)
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}

	turn := func(ctx context.Context, tx concierge.Tx, conv *concierge.Conversation, ev *concierge.Event) error {
		_, err := tx.Emit(ctx, conv, "bot", concierge.Message{Kind: concierge.MessageText, Text: "re " + ev.Text})
		return err
	}
	var done atomic.Int64
	all := make(chan struct{})
	var failed atomic.Int64
	// runTurns drains until nothing is pending; it returns the first error.
	runTurns := func(ctx context.Context) error {
		for {
			d, f, err := st.RunTurns(ctx, *flagBatch, turn, nil)
			if err != nil {
				return err
			}
			failed.Add(int64(f))
			if n := done.Add(int64(d + f)); n >= int64(*flagN) {
				select {
				case <-all:
				default:
					close(all)
				}
				return nil
			}
			if d+f == 0 {
				return nil
			}
		}
	}
	wake := make(chan struct{}, 1)
	in := store.NewIngester(st, *flagBatch, func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	ictx, stopIngester := context.WithCancel(ctx)
	defer stopIngester()
	go in.Run(ictx)
	ack := func(ctx context.Context, i int) error {
		res, err := in.Ingest(ctx, []concierge.Event{event(i)})
		if err == nil && res[0].Duplicate {
			err = errors.New("unexpected duplicate")
		}
		return err
	}

	waitAll := func(from time.Time, runErr <-chan error) error {
		select {
		case <-all:
			r.Done = int(done.Load())
			r.DonePerSec = float64(*flagN) / time.Since(from).Seconds()
			if f := failed.Load(); f > 0 {
				return fmt.Errorf("%d turns failed", f)
			}
			return nil
		case err := <-runErr:
			return fmt.Errorf("turn runner: %w", err)
		case <-ctx.Done():
			r.Done = int(done.Load())
			return fmt.Errorf("%d of %d turns done: %w", r.Done, *flagN, ctx.Err())
		}
	}

	switch mode {
	case "ours-ingest":
		lat, wall, err := produce(ctx, ack)
		if err != nil {
			return err
		}
		fillAcks(r, lat, wall)
		t0 := time.Now()
		runErr := make(chan error, 1)
		go func() {
			if err := runTurns(ctx); err != nil {
				runErr <- err
			}
		}()
		return waitAll(t0, runErr)
	case "ours-e2e":
		// The turn runner as agent.Runner drives it: woken after every
		// ingest commit, polling every 250 ms otherwise.
		rctx, stopRunner := context.WithCancel(ctx)
		defer stopRunner()
		runErr := make(chan error, 1)
		go func() {
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				if err := runTurns(rctx); err != nil {
					if rctx.Err() == nil {
						runErr <- err
					}
					return
				}
				select {
				case <-wake:
				case <-t.C:
				case <-all:
					return
				case <-rctx.Done():
					return
				}
			}
		}()
		t0 := time.Now()
		lat, wall, err := produce(ctx, ack)
		if err != nil {
			return err
		}
		fillAcks(r, lat, wall)
		return waitAll(t0, runErr)
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// ---------------------------------------------------------------- helpers

// sqliteDSN is store.Open's DSN: WAL, synchronous=FULL, BEGIN IMMEDIATE.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"
}

func removeSQLite(path string) {
	for _, suf := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suf)
	}
}

// pgSchema creates a fresh schema and returns a URL whose connections use it.
func pgSchema(ctx context.Context) (schema, url string, drop func(), err error) {
	conn, err := pgx.Connect(ctx, *flagPG)
	if err != nil {
		return "", "", nil, fmt.Errorf("postgres: %w", err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema = "riverbench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return "", "", nil, err
	}
	sep := "?"
	if strings.Contains(*flagPG, "?") {
		sep = "&"
	}
	drop = func() {
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	}
	return schema, *flagPG + sep + "search_path=" + schema, drop, nil
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func printRun(r result) {
	status := "ok"
	if r.Err != "" {
		status = "ERROR: " + r.Err
	}
	fmt.Printf("run %d %-8s %-13s acks/s %8.0f  p50 %7.2f ms  p99 %7.2f ms  done/s %8.0f (%d)  cpu %6.0f µs/msg  load %s → %s  %s\n",
		r.Run, r.DB, r.Mode, r.AckPerSec, r.AckP50, r.AckP99, r.DonePerSec, r.Done, r.CPUus, r.LoadPre, r.LoadPost, status)
}

func printMedian(db, mode string, rs []result) {
	var ok []result
	for _, r := range rs {
		if r.Err == "" {
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		fmt.Printf("| %s | %s | failed | | | | | |\n", db, mode)
		return
	}
	med := func(f func(result) float64) float64 {
		v := make([]float64, len(ok))
		for i, r := range ok {
			v[i] = f(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	var loads []string
	for _, r := range rs {
		loads = append(loads, strings.Fields(r.LoadPre)[0]+"→"+strings.Fields(r.LoadPost)[0])
	}
	done := "—"
	if d := med(func(r result) float64 { return r.DonePerSec }); d > 0 {
		done = fmt.Sprintf("%.0f", d)
	}
	note := ""
	if len(ok) < len(rs) {
		note = fmt.Sprintf(" (%d of %d runs failed)", len(rs)-len(ok), len(rs))
	}
	fmt.Printf("| %s | %s | %.0f | %.2f | %.2f | %s | %.0f | %s%s |\n", db, mode,
		med(func(r result) float64 { return r.AckPerSec }), med(func(r result) float64 { return r.AckP50 }),
		med(func(r result) float64 { return r.AckP99 }), done, med(func(r result) float64 { return r.CPUus }),
		strings.Join(loads, ", "), note)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
