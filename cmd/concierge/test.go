package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/conciergehq/concierge"
	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/convtest"
	"github.com/conciergehq/concierge/internal/tracing"
	"github.com/conciergehq/concierge/server"
)

const testUsage = "usage: concierge test --config PATH [--bot NAME] [--junit out.xml] [--brain rules|llm] [--summary] FILES..."

// testCommand runs `concierge test`: the conversation tests of package
// convtest, each file through the pipeline serve wires (Main.Open) on a
// fresh SQLite database (server.Main.Pipeline), with the bot files made offline first
// (convtest.Offline). It returns 0 when every case passed, 1 when one
// failed, and 2 for a usage, bot file or test file error.
func testCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "bot file or folder of bot files")
	botName := fs.String("bot", "", "the bot of test files that name none (default: the first)")
	junit := fs.String("junit", "", "also write a JUnit XML report to this file")
	brain := fs.String("brain", "", "rules or llm: run on this brain instead of the bot file's brain.kind")
	summary := fs.Bool("summary", false, "play every step of every case, then print pass rates per case language and check")
	logLevel := fs.String("log-level", "warn", "the server's log on standard error: debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "the server's log format: text or json")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	var lvl slog.Level
	if *cfgPath == "" || len(paths) == 0 || lvl.UnmarshalText([]byte(*logLevel)) != nil {
		fmt.Fprintln(stderr, testUsage)
		return 2
	}
	bots, err := config.Load(*cfgPath, getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	r := &convtest.Runner{Default: concierge.BotID(*botName), Out: stdout, Summary: *summary}
	for _, f := range bots {
		if err := convtest.Offline(f, *brain); err != nil {
			fmt.Fprintf(stderr, "concierge test: %v\n", err)
			return 2
		}
		r.Bots = append(r.Bots, f.Bot())
	}
	files, err := convtest.ReadFiles(paths)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	dir, err := os.MkdirTemp("", "concierge-test-")
	if err != nil {
		fmt.Fprintf(stderr, "concierge test: %v\n", err)
		return 2
	}
	defer os.RemoveAll(dir)
	log, err := tracing.NewLogger(stderr, *logFormat, lvl)
	if err != nil {
		fmt.Fprintf(stderr, "concierge test: %v\n", err)
		return 2
	}
	opened := 0
	r.Open = func(ctx context.Context, bot concierge.BotID) (*convtest.Pipeline, error) {
		opened++
		db := "sqlite:" + filepath.Join(dir, fmt.Sprintf("%d.db", opened))
		m := &server.Main{Files: bots, DBURL: db, Getenv: getenv, Log: log, Stdout: io.Discard, Stderr: stderr}
		return m.Pipeline(ctx, bot)
	}
	res, err := r.Run(ctx, files)
	if err != nil {
		var ferrs convtest.Errors
		if !errors.As(err, &ferrs) {
			err = fmt.Errorf("concierge test: %w", err)
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *summary {
		if err := convtest.WriteSummary(stdout, res); err != nil {
			fmt.Fprintf(stderr, "concierge test: %v\n", err)
			return 2
		}
	}
	if *junit != "" {
		if err := writeJUnit(*junit, res); err != nil {
			fmt.Fprintf(stderr, "concierge test: %v\n", err)
			return 2
		}
	}
	if res.Failed() > 0 {
		return 1
	}
	return 0
}

// parseInterspersed parses flags wherever they are among the file names
// ("concierge test a.yaml --summary") and returns the file names.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func writeJUnit(path string, res *convtest.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := convtest.WriteJUnit(f, res); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
