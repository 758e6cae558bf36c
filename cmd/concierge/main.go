// Command concierge is the Concierge server and its tools: serve, chat,
// validate, migrate, schema and test. It parses the command line and
// hands the rest to the packages: server.Main wires every package
// together (and is reused by the end-to-end tests here). Nothing imports
// this package.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"runtime/pprof"
	"syscall"

	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/convtest"
	"github.com/conciergehq/concierge/internal/tracing"
	"github.com/conciergehq/concierge/server"
	"github.com/conciergehq/concierge/store"
)

const usage = `Concierge — a shopping assistant for chat channels.

Usage:
  concierge serve    --config PATH [--addr :8080] [--db URL] [--base-url URL] [--log-format text|json] [--index-dir DIR|none]
  concierge chat     --config PATH [--bot NAME] [--db URL] [--addr :8080] [--index-dir DIR|none]
  concierge validate [--strict-env] PATH...   (unset ${VAR}s warn; --strict-env: they fail)
  concierge migrate  --db URL
  concierge schema [--tests]
  concierge test     --config PATH [--bot NAME] [--junit out.xml] [--brain rules|llm] [--summary] FILES...
  concierge customer export|erase --bot BOT --channel CHANNEL --chat ID [--db URL]
  concierge telegram set-webhook --config PATH --url https://HOST [--bot NAME]
  concierge wechat menu --config PATH [--bot NAME] [--db URL]
  concierge inbox user add|remove|list [NAME] [--db URL]   (people of the /inbox)
  concierge healthcheck [--addr :8080]   (exit 0 when the server here is ready)
  concierge version | --version

PATH is a bot file or a folder of bot files. --db (or DATABASE_URL) is
sqlite:FILE (default sqlite:concierge.db) or postgres://…
--index-dir (or CONCIERGE_INDEX_DIR) is where each bot's search index and
a cache of each bot file are saved and loaded from at the next start
(default FILE-index for SQLite, none for PostgreSQL; "none" saves none).
`

func main() {
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	if cmd == "telegram" {
		return telegramCommand(ctx, args, stdout, stderr, getenv)
	}
	if cmd == "inbox" {
		return inboxCommand(ctx, args, stdin, stdout, stderr, getenv)
	}
	if cmd == "customer" {
		return customerCommand(ctx, args, stdout, stderr, getenv)
	}
	if cmd == "wechat" {
		return wechatCommand(ctx, args, stdout, stderr, getenv)
	}
	if cmd == "test" {
		return testCommand(ctx, args, stdout, stderr, getenv)
	}
	switch cmd {
	case "version", "--version", "-version":
		return versionCommand(args, stdout, stderr)
	case "healthcheck":
		return healthcheckCommand(ctx, args, stdout, stderr)
	case "validate":
		return validateCommand(args, stdout, stderr, getenv)
	}
	switch cmd {
	case "serve", "chat", "migrate", "schema":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "concierge: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	m := &server.Main{Getenv: getenv, Stdout: stdout, Stderr: stderr, Build: readBuildInfo()}
	f := newServerFlags(cmd, m, stderr, getenv)
	if err := f.fs.Parse(args); err != nil {
		return 2
	}
	var (
		lvl slog.Level
		err error
	)
	if err := lvl.UnmarshalText([]byte(f.logLevel)); err != nil {
		fmt.Fprintf(stderr, "concierge: bad --log-level %q\n", f.logLevel)
		return 2
	}
	if m.Log, err = tracing.NewLogger(stderr, f.logFormat, lvl); err != nil {
		fmt.Fprintf(stderr, "concierge: bad --log-format: %v\n", err)
		return 2
	}
	switch f.indexDir {
	case "":
		m.IndexDir = server.DefaultIndexDir(m.DBURL)
	case "none":
	default:
		m.IndexDir = f.indexDir
	}
	if f.maxHold != "" {
		if m.MaxHold, err = store.ParseMaxHold(f.maxHold); err != nil {
			fmt.Fprintf(stderr, "concierge: bad --max-hold (or CONCIERGE_MAX_HOLD) %q: %v\n", f.maxHold, err)
			return 2
		}
	}

	switch cmd {
	case "schema":
		schema := config.Schema
		if f.testsSchema {
			schema = convtest.Schema
		}
		var b []byte
		if b, err = schema(); err == nil {
			_, err = stdout.Write(append(b, '\n'))
		}
	case "migrate":
		err = migrate(ctx, m.DBURL)
		if err == nil {
			fmt.Fprintln(stdout, "migrations applied")
		}
	case "serve":
		if f.cpuProfile != "" {
			stop, perr := startCPUProfile(f.cpuProfile)
			if perr != nil {
				fmt.Fprintf(stderr, "concierge: %v\n", perr)
				return 1
			}
			defer stop()
		}
		if f.memProfile != "" {
			defer func() {
				if perr := writeHeapProfile(f.memProfile); perr != nil {
					fmt.Fprintf(stderr, "concierge: %v\n", perr)
				}
			}()
		}
		// Traces from the OTEL_* variables, off when none is set
		// (tracing.go).
		var flush func()
		if m.Traces, flush, err = tracing.Start(ctx, getenv, readBuildInfo().Version, m.Log); err != nil {
			break
		}
		defer flush()
		// Logs and metrics over OTLP too, each off unless the OTEL_*
		// variables ask for it: logs from here on, metrics (the
		// Prometheus registry, read at each export) once Open made them.
		version := readBuildInfo().Version
		logs, flushLogs, lerr := tracing.StartExport(ctx, "logs", m.Log, func() (*tracing.Export, error) { return tracing.LogsFromEnv(ctx, getenv, version) })
		if err = lerr; err != nil {
			break
		}
		defer flushLogs()
		m.Log = logs.Tee(m.Log, lvl)
		if getenv("GOGC") == "" {
			// Start-up allocates several times what it keeps (reading a
			// 10k-product bot file allocates 214 MB for a live heap of
			// 150 MiB): collecting at 4× the live heap instead of 2× until
			// sizeGC sets serve's own value cost 0.17 CPU-s less at 10k,
			// with the same peak RSS (docs/benchmarks.md, boot13).
			debug.SetGCPercent(startGCPercent)
		}
		if err = readBotFiles(m); err != nil {
			break
		}
		if err = m.Open(ctx); err == nil {
			_, flushMetrics, merr := tracing.StartExport(ctx, "metrics", m.Log, func() (*tracing.Export, error) {
				return tracing.MetricsFromEnv(ctx, getenv, version, m.Prom)
			})
			if err = merr; err != nil {
				break
			}
			defer flushMetrics()
			// sizeGC's full collection of the loaded heap (0.1 s with
			// 10,000 products) runs beside the server starting, so that
			// readiness does not wait for it.
			sized := make(chan struct{})
			go func() {
				defer close(sized)
				if pct, live, ok := sizeGC(getenv); ok {
					m.Log.Info("garbage collection sized", "gogc", pct, "live_heap_mib", live>>20)
				}
			}()
			err = m.Run(ctx)
			<-sized
		}
	case "chat":
		// The terminal belongs to the conversation: logs go quiet.
		if lvl < slog.LevelWarn {
			m.Log, _ = tracing.NewLogger(stderr, f.logFormat, slog.LevelWarn) // the format was checked above
		}
		if err = readBotFiles(m); err != nil {
			break
		}
		err = m.Chat(ctx, f.bot, stdin)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "concierge %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// serverFlags are the flags of serve, chat, migrate and schema.
// Each command gets only its own, so `concierge serve --help` lists what
// serve reads and refuses what it would ignore.
type serverFlags struct {
	fs          *flag.FlagSet
	logLevel    string
	logFormat   string
	bot         string
	cpuProfile  string
	memProfile  string
	maxHold     string
	indexDir    string
	testsSchema bool
}

// newServerFlags defines cmd's flags, binding those Main reads to m. A
// flag a command does not define keeps its zero value.
func newServerFlags(cmd string, m *server.Main, stderr io.Writer, getenv func(string) string) *serverFlags {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &serverFlags{fs: fs, logLevel: "info"}
	defDB := getenv("DATABASE_URL")
	if defDB == "" {
		defDB = "sqlite:concierge.db"
	}
	config := func() { fs.StringVar(&m.ConfigPath, "config", "", "bot file or folder of bot files") }
	db := func() { fs.StringVar(&m.DBURL, "db", defDB, "database URL: sqlite:FILE or postgres://…") }
	logLevel := func() {
		fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
		fs.StringVar(&f.logFormat, "log-format", "text", "text (key=value lines) or json (one object a line)")
	}
	indexDir := func() {
		fs.StringVar(&f.indexDir, "index-dir", getenv("CONCIERGE_INDEX_DIR"),
			"folder where each bot's search index is saved and loaded from at the next start; \"none\" saves none ($CONCIERGE_INDEX_DIR; default: the database file's name plus -index for SQLite, none for PostgreSQL)")
	}
	listen := func() {
		fs.StringVar(&m.Addr, "addr", ":8080", "HTTP listen address")
		fs.StringVar(&m.BaseURL, "base-url", "", "public base URL of this server (default http://localhost<addr>)")
	}
	switch cmd {
	case "serve":
		config()
		db()
		listen()
		logLevel()
		indexDir()
		fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of serve to this file (for benchmarking)")
		fs.StringVar(&f.memProfile, "memprofile", "", "write a heap profile to this file when serve stops (for benchmarking)")
		fs.StringVar(&f.maxHold, "max-hold", cmp.Or(getenv("CONCIERGE_MAX_HOLD"), store.MaxHold.String()),
			"longest time the lease of one piece of work in progress is renewed; then it is taken to be stuck and another worker may take it over ($CONCIERGE_MAX_HOLD)")
	case "chat":
		config()
		db()
		listen()
		logLevel()
		indexDir()
		fs.StringVar(&f.bot, "bot", "", "bot to talk to (default the first)")
	case "migrate":
		db()
		logLevel()
	case "schema":
		fs.BoolVar(&f.testsSchema, "tests", false, "print the schema of conversation test files (concierge test) instead of bot files")
	}
	return f
}

// tuneGC sets a soft memory limit of 1 GiB unless the operator chose
// one; serve then sizes the collector with sizeGC.
func tuneGC(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
}

// gcHeadroom is how much serve may allocate between two collections at
// least. Short-lived garbage per message is most of the allocation, so
// fewer collections cost less CPU: with the ~12 MiB live heap serve had
// before language models, collecting at 4× the live heap (about this
// headroom) instead of 2× cut CPU per message by about 15%
// (docs/benchmarks.md).
const gcHeadroom = 48 << 20

// startGCPercent is GOGC while serve starts, until sizeGC sets it.
const startGCPercent = 400

// sizeGC sets GOGC once serve has loaded its bots, unless the operator
// chose it, and returns the percent and the live heap it was sized on.
func sizeGC(getenv func(string) string) (percent int, live uint64, ok bool) {
	if getenv("GOGC") != "" {
		return 0, 0, false
	}
	runtime.GC()
	sample := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	rtmetrics.Read(sample)
	if sample[0].Value.Kind() == rtmetrics.KindUint64 {
		live = sample[0].Value.Uint64()
	}
	percent = gcPercent(live)
	debug.SetGCPercent(percent)
	return percent, live, true
}

// gcPercent is the GOGC that lets the heap grow by gcHeadroom over live
// between collections, kept between Go's default (100: the live heap
// again) and 400. A fixed 400 made the live heap of a bot with language
// models (about 45 MiB, nearly all lingua's n-gram maps, which live as
// long as the process) a heap goal of 225 MiB and a peak RSS of 300 MiB,
// for no CPU back: in alternating 30,000-message loadgen runs, 100 spent
// 499 and 487 µs per message against 527 and 518 µs at 400.
func gcPercent(live uint64) int {
	if live == 0 {
		return 400
	}
	return int(min(max(gcHeadroom*100/live, 100), 400))
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeHeapProfile writes the heap profile as serve stops: in-use space
// as of the last collection, which is what peak RSS is a multiple of
// under GOGC, and the space allocated since the start.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC() // in-use figures as of now, not of the last cycle
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("heap profile: %w", err)
	}
	return f.Close()
}

func migrate(ctx context.Context, url string) error {
	db, err := openMigrated(ctx, url)
	if err != nil {
		return err
	}
	return db.Close()
}

// openMigrated opens the database at url and brings its schema up to
// date, as the commands that write to it (serve aside) need.
func openMigrated(ctx context.Context, url string) (*store.DB, error) {
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
