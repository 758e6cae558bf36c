// Command loadgen measures a real concierge binary the way a shop would
// load it: it starts the server as a child process on a temporary SQLite
// database and a loopback port, posts shopper messages to the web chat,
// and reads what happened from the acks, from /metrics and from /proc.
//
// It makes two runs, each on a fresh server:
//
//   - throughput: -conns workers post -n messages as fast as they are
//     acknowledged, over -conversations sessions; then loadgen follows
//     /metrics until the agent has handled every message and the replies
//     are delivered, which gives the end-to-end rate;
//   - fixed rate: an open-loop generator posts -rate messages a second for
//     -duration, and measures each ack from when it was due, so that a
//     stall shows up in the percentiles.
//
// With -channel telegram it measures the Telegram webhook instead, side by
// side with a plain go-telegram-bot-api echo bot, both against an
// in-process fake Bot API (see telegram.go).
//
// `make bench` runs it as `go run ./cmd/loadgen -bin ./bin/concierge`. It
// exits 1 if a server does not start or more than 1% of requests fail,
// and never because the figures are slow: the figures are the output.
// It only ever talks to 127.0.0.1. Nothing imports this package.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// maxErrorRate is the share of failed requests above which a run fails.
const maxErrorRate = 0.01

// run makes both runs, prints the report, and returns the exit code.
func run(ctx context.Context, argv []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(argv[1:], stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 2
	}
	dir, err := os.MkdirTemp("", "concierge-loadgen-")
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 1
	}
	if o.Keep {
		fmt.Fprintf(stderr, "loadgen: keeping %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}

	if o.Channel == "telegram" {
		return runTelegram(ctx, o, argv, dir, stdout, stderr)
	}
	rep := newReport(o, argv)
	err = measure(ctx, o, dir, &rep)
	rep.LoadAfter = loadAverage()
	rep.write(stdout)
	if o.Out != "" {
		if werr := appendMarkdown(o.Out, rep); werr != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", werr)
			err = errors.Join(err, werr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 1
	}
	if fails := rep.failures(); len(fails) > 0 {
		for _, f := range fails {
			fmt.Fprintf(stderr, "loadgen: %s\n", f)
		}
		return 1
	}
	return 0
}

// measure makes the two runs, each against its own fresh server, and
// fills rep as it goes so that a failed second run still reports the
// first.
func measure(ctx context.Context, o options, dir string, rep *report) error {
	if isPostgresURL(o.DB) {
		// What PostgreSQL spends, over both runs (pgcost.go).
		done := measurePG(ctx, o.DB, rep)
		defer done()
	}
	st, err := withServer(ctx, o, filepath.Join(dir, "throughput"), func(srv fleet) error {
		r, err := runThroughput(ctx, srv, o)
		rep.Throughput = &r
		return err
	})
	rep.ThroughputServer = st
	if err != nil {
		return err
	}
	st, err = withServer(ctx, o, filepath.Join(dir, "rate"), func(srv fleet) error {
		r, err := runRate(ctx, srv, o)
		rep.Rate = &r
		return err
	})
	rep.RateServer = st
	return err
}

// serverStats is what loadgen learns about the server process of a run.
type serverStats struct {
	Started bool
	PeakRSS int64 // bytes; 0 when /proc could not be read
	Crashed error // set when it exited before loadgen stopped it
	Log     logSummary
	LogErr  error
}

// withServer starts the servers of a run in dir (one, or -replicas on
// -db), runs f against them, and stops them whatever happens, reading
// their peak RSS just before (the /proc entry goes with the process) and
// their logs just after.
func withServer(ctx context.Context, o options, dir string, f func(fleet) error) (*serverStats, error) {
	var srvs fleet
	stopAll := func() {
		for _, s := range srvs {
			s.stop()
		}
	}
	for i := range o.Replicas {
		sub := dir
		if o.Replicas > 1 {
			sub = filepath.Join(dir, fmt.Sprintf("replica%d", i+1))
		}
		srv, err := startServer(ctx, o.Bin, o.Config, o.DB, sub)
		if err != nil {
			stopAll()
			return &serverStats{}, err
		}
		srvs = append(srvs, srv)
	}
	runErr := f(srvs)
	sts := make([]*serverStats, len(srvs))
	for i, srv := range srvs {
		sts[i] = &serverStats{Started: true}
		sts[i].PeakRSS, _ = srv.peakRSS() // 0 reads as n/a in the report
		sts[i].Crashed = srv.crashed()
	}
	stopAll()
	for i, srv := range srvs {
		sts[i].Log, sts[i].LogErr = scanLog(srv.logPath)
	}
	st := mergeStats(sts)
	if st.Crashed != nil {
		runErr = errors.Join(runErr, fmt.Errorf("server %s", st.Crashed))
	}
	return st, runErr
}

// options are loadgen's flags.
type options struct {
	Bin, Config, Bot string
	Conns            int
	Conversations    int
	N                int
	Rate             int
	Duration         time.Duration
	Out              string
	Keep             bool
	DB               string // "" for a temporary SQLite file per run
	Replicas         int

	// -channel telegram (telegram.go).
	Channel   string
	Latencies latencyList
	Echobot   string
	Drain     time.Duration
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Bin, "bin", "", "path of the concierge binary (required)")
	fs.StringVar(&o.Config, "config", "examples/maison-lumiere.yaml", "bot file the server runs")
	fs.StringVar(&o.Bot, "bot", "maison-lumiere", "bot id to post to")
	fs.IntVar(&o.Conns, "conns", 40, "concurrent HTTP connections (workers)")
	fs.IntVar(&o.Conversations, "conversations", 2000, "distinct chat sessions")
	fs.IntVar(&o.N, "n", 30000, "messages in the throughput run")
	fs.IntVar(&o.Rate, "rate", 1000, "messages per second in the fixed-rate run")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of the fixed-rate run")
	fs.StringVar(&o.Out, "out", "", "markdown file to append the results to")
	fs.StringVar(&o.DB, "db", "", "database URL every server of a run uses (e.g. postgres://…; it is not emptied between runs); default: a fresh SQLite file per run")
	fs.IntVar(&o.Replicas, "replicas", 1, "web: concierge serve processes per run on -db, posts spread round-robin over them (more than 1 needs -db postgres://…)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temp dir (databases and server logs)")
	fs.StringVar(&o.Channel, "channel", "web", "web (the chat widget: throughput and fixed-rate runs) or telegram (the webhook against a fake Bot API, beside a go-telegram-bot-api echo bot)")
	o.Latencies = latencyList{0, 50 * time.Millisecond}
	fs.Var(&o.Latencies, "platform-latency", "telegram: comma-separated delays the fake Bot API adds to each answer; one pair of runs each")
	fs.StringVar(&o.Echobot, "echobot", "", "telegram: a built cmd/loadgen/echobot (default: go build it into the temp dir)")
	fs.DurationVar(&o.Drain, "drain", drainLimit, "telegram: how long to keep counting replies after the last ack")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, o.validate()
}

// validate keeps every run bounded in count and time.
func (o options) validate() error {
	switch {
	case o.Bin == "":
		return errors.New("-bin is required (the concierge binary, e.g. ./bin/concierge)")
	case o.Conns < 1 || o.Conns > 10_000:
		return fmt.Errorf("-conns %d: want 1 to 10000", o.Conns)
	case o.Conversations < 1 || o.Conversations > 1_000_000:
		return fmt.Errorf("-conversations %d: want 1 to 1000000", o.Conversations)
	case o.N < 1 || o.N > 10_000_000:
		return fmt.Errorf("-n %d: want 1 to 10000000", o.N)
	case o.Rate < 1 || o.Rate > 1_000_000:
		return fmt.Errorf("-rate %d: want 1 to 1000000", o.Rate)
	case o.Duration <= 0 || o.Duration > time.Hour:
		return fmt.Errorf("-duration %v: want more than 0 and at most 1h", o.Duration)
	case o.rateMessages() < 1 || o.rateMessages() > 10_000_000:
		return fmt.Errorf("-rate × -duration is %d messages: want 1 to 10000000", o.rateMessages())
	case o.Channel != "web" && o.Channel != "telegram":
		return fmt.Errorf("-channel %q: want web or telegram", o.Channel)
	case len(o.Latencies) < 1 || len(o.Latencies) > maxLatencies:
		return fmt.Errorf("-platform-latency: want 1 to %d values", maxLatencies)
	case o.Replicas < 1 || o.Replicas > maxReplicas:
		return fmt.Errorf("-replicas %d: want 1 to %d", o.Replicas, maxReplicas)
	case o.Replicas > 1 && !isPostgresURL(o.DB):
		return fmt.Errorf("-replicas %d: several replicas share one PostgreSQL database; give -db postgres://…", o.Replicas)
	case o.Replicas > 1 && o.Channel != "web":
		return fmt.Errorf("-replicas %d: only the web runs spread over replicas", o.Replicas)
	case o.Drain < time.Second || o.Drain > 10*time.Minute:
		return fmt.Errorf("-drain %v: want 1s to 10m", o.Drain)
	}
	for _, l := range o.Latencies {
		if l < 0 || l > maxLatency {
			return fmt.Errorf("-platform-latency %v: want 0 to %v", l, maxLatency)
		}
	}
	if _, err := os.Stat(o.Bin); err != nil {
		return fmt.Errorf("-bin: %w (build it with `make build`)", err)
	}
	return nil
}

// maxReplicas bounds -replicas: they all run on this machine.
const maxReplicas = 16

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// rateMessages is the number of messages the fixed-rate run schedules.
func (o options) rateMessages() int {
	return int(float64(o.Rate) * o.Duration.Seconds())
}
